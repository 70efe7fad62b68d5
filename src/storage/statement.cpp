#include "storage/statement.hpp"

namespace dialer::storage {

std::string text_of(const pqxx::field& f) {
  if (f.is_null()) return {};
  return std::string(f.c_str(), f.size());
}

std::optional<std::string> optional_text_of(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return std::string(f.c_str(), f.size());
}

std::string id_array(const std::vector<id_t>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i]);
  }
  out += '}';
  return out;
}

std::string contains_pattern(const std::string& s) {
  std::string out = "%";
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

std::string json_or_empty_object(const std::string& json) {
  return json.empty() ? "{}" : json;
}

std::int32_t non_negative(std::int32_t n) {
  return n < 0 ? 0 : n;
}

}  // namespace dialer::storage
