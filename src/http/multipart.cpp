#include "http/multipart.hpp"

#include <cctype>
#include <vector>

namespace dialer::http {
namespace {

constexpr std::string_view crlf = "\r\n";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

/// Splits a header value on ';' outside double quotes.
std::vector<std::string_view> split_parameters(std::string_view value) {
  std::vector<std::string_view> out;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (quoted && c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ';' && !quoted) {
      out.push_back(value.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(value.substr(start));
  return out;
}

}  // namespace

std::optional<std::string> header_parameter(std::string_view value, std::string_view name) {
  auto pieces = split_parameters(value);
  for (std::size_t i = 1; i < pieces.size(); ++i) {
    std::string_view p = trim(pieces[i]);
    auto eq = p.find('=');
    if (eq == std::string_view::npos || !iequals(trim(p.substr(0, eq)), name)) continue;
    std::string_view v = trim(p.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
      std::string out;
      for (std::size_t j = 1; j + 1 < v.size(); ++j) {
        if (v[j] == '\\' && j + 2 < v.size()) ++j;
        out.push_back(v[j]);
      }
      return out;
    }
    return std::string(v);
  }
  return std::nullopt;
}

bool has_media_type(std::string_view content_type, std::string_view media_type) {
  return iequals(trim(content_type.substr(0, content_type.find(';'))), media_type);
}

std::optional<form_part> find_form_part(std::string_view body, std::string_view boundary,
                                        std::string_view field) {
  if (boundary.empty() || boundary.size() > 200) return std::nullopt;
  const std::string delimiter = "--" + std::string(boundary);
  const std::string separator = std::string(crlf) + delimiter;

  std::size_t pos = 0;
  if (body.substr(0, delimiter.size()) != delimiter) {
    pos = body.find(separator);
    if (pos == std::string_view::npos) return std::nullopt;
    pos += crlf.size();
  }
  for (;;) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") return std::nullopt;  // the closing delimiter
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, crlf.size()) != crlf) return std::nullopt;
    pos += crlf.size();

    form_part part;
    // Header lines up to an empty line.
    for (;;) {
      auto eol = body.find(crlf, pos);
      if (eol == std::string_view::npos) return std::nullopt;
      std::string_view line = body.substr(pos, eol - pos);
      pos = eol + crlf.size();
      if (line.empty()) break;
      auto colon = line.find(':');
      if (colon == std::string_view::npos) return std::nullopt;
      std::string_view name = trim(line.substr(0, colon));
      std::string_view value = trim(line.substr(colon + 1));
      if (iequals(name, "content-disposition")) {
        part.name = header_parameter(value, "name").value_or("");
        part.filename = header_parameter(value, "filename").value_or("");
      } else if (iequals(name, "content-type")) {
        part.content_type = std::string(value);
      }
    }
    auto end = body.find(separator, pos);
    if (end == std::string_view::npos) return std::nullopt;
    part.content = body.substr(pos, end - pos);
    if (part.name == field) return part;
    pos = end + crlf.size();
  }
}

}  // namespace dialer::http
