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

std::string text_array(const std::vector<std::string>& values) {
  std::size_t size = 2;
  for (const auto& v : values) size += v.size() + 3;
  std::string out;
  out.reserve(size);
  out += '{';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string bool_array(const std::vector<bool>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += values[i] ? 't' : 'f';
  }
  out += '}';
  return out;
}

std::string int_array(const std::vector<std::int32_t>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(values[i]);
  }
  out += '}';
  return out;
}

namespace {

/// "{a,NULL,b}" with `element` writing each present value.
template <class T, class Element>
std::string optional_array(const std::vector<std::optional<T>>& values, Element element) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    if (values[i])
      element(out, *values[i]);
    else
      out += "NULL";
  }
  out += '}';
  return out;
}

}  // namespace

std::string optional_int64_array(const std::vector<std::optional<std::int64_t>>& values) {
  return optional_array(values, [](std::string& out, std::int64_t v) { out += std::to_string(v); });
}

std::string optional_bool_array(const std::vector<std::optional<bool>>& values) {
  return optional_array(values, [](std::string& out, bool v) { out += v ? 't' : 'f'; });
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
