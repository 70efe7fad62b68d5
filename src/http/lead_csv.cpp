#include "http/lead_csv.hpp"

#include <rapidjson/document.h>

#include <cctype>
#include <charconv>

namespace dialer::http {
namespace {

struct column_name {
  const char* name;
  lead_field field;
};

constexpr column_name known_columns[] = {
    {"phone", lead_field::phone},
    {"name", lead_field::name},
    {"email", lead_field::email},
    {"company", lead_field::company},
    {"country_iso", lead_field::country_iso},
    {"timezone", lead_field::timezone},
    {"nature", lead_field::nature},
    {"consent_status", lead_field::consent_status},
    {"consent_basis", lead_field::consent_basis},
    {"quiet_hours_disabled", lead_field::quiet_hours_disabled},
    {"priority", lead_field::priority},
    {"metadata", lead_field::metadata},
};

/// Longest text accepted per field, as POST /leads accepts it.
std::size_t max_length(lead_field f) {
  switch (f) {
    case lead_field::phone:
      return 32;
    case lead_field::email:
      return 254;
    case lead_field::timezone:
      return 64;
    case lead_field::country_iso:
      return 2;
    case lead_field::metadata:
      return 10'000;
    default:
      return 200;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// "Consent Status" and " consent_status " are both "consent_status".
std::string normalised_header(std::string_view raw) {
  std::string out;
  for (char c : trim(raw)) {
    if (c == ' ' || c == '-') c = '_';
    if (c == '_' && !out.empty() && out.back() == '_') continue;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

std::optional<bool> parse_flag(std::string_view s) {
  std::string v = lower(s);
  if (v.empty() || v == "false" || v == "0" || v == "no") return false;
  if (v == "true" || v == "1" || v == "yes") return true;
  return std::nullopt;
}

/// A metadata cell: a JSON object, which PostgreSQL jsonb must also accept.
bool is_metadata_object(std::string_view s) {
  rapidjson::Document doc;
  doc.Parse(s.data(), s.size());
  // jsonb refuses the NUL character even when escaped.
  return !doc.HasParseError() && doc.IsObject() && s.find("\\u0000") == std::string_view::npos;
}

}  // namespace

bool is_storable_text(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == 0) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t extra = 0;
    std::uint32_t code = 0;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      code = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      code = (code << 6) | (cc & 0x3F);
    }
    // No overlong forms, no surrogates, nothing past U+10FFFF.
    static constexpr std::uint32_t smallest[] = {0, 0x80, 0x800, 0x10000};
    if (code < smallest[extra] || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF)
      return false;
    i += extra + 1;
  }
  return true;
}

lead_csv_layout layout_of(const std::vector<std::string>& header, field_errors& errors) {
  lead_csv_layout layout;
  bool has_phone = false;
  for (const auto& raw : header) {
    std::string name = normalised_header(raw);
    lead_field field = lead_field::ignored;
    for (const auto& known : known_columns)
      if (name == known.name) field = known.field;
    if (field == lead_field::ignored) {
      layout.ignored.push_back(is_storable_text(raw) ? raw : std::string("?"));
    } else {
      for (auto seen : layout.columns)
        if (seen == field) errors.push_back({name, "appears twice in the header row"});
    }
    if (field == lead_field::phone) has_phone = true;
    layout.columns.push_back(field);
  }
  if (!has_phone) errors.push_back({"phone", "the header row has no phone column"});
  return layout;
}

storage::lead_row lead_of_row(const lead_csv_layout& layout, const std::vector<std::string>& row,
                              field_errors& errors) {
  storage::lead_row lead;
  if (row.size() != layout.columns.size()) {
    errors.push_back({"row", "has " + std::to_string(row.size()) + " fields; the header has " +
                                 std::to_string(layout.columns.size())});
    return lead;
  }
  bool has_phone = false;
  for (std::size_t i = 0; i < row.size(); ++i) {
    const lead_field field = layout.columns[i];
    if (field == lead_field::ignored) continue;
    const char* column = "";
    for (const auto& known : known_columns)
      if (known.field == field) column = known.name;
    std::string_view value = trim(row[i]);
    if (field == lead_field::phone) has_phone = !value.empty();
    if (!is_storable_text(value)) {
      errors.push_back({column, "must be UTF-8 text"});
      continue;
    }
    if (value.size() > max_length(field)) {
      errors.push_back(
          {column, "is longer than " + std::to_string(max_length(field)) + " characters"});
      continue;
    }
    switch (field) {
      case lead_field::phone:
        if (has_phone && !is_e164(value))
          errors.push_back({column, "must be an E.164 number such as +14155550123"});
        lead.phone = std::string(value);
        break;
      case lead_field::name:
        lead.name = std::string(value);
        break;
      case lead_field::email:
        if (!value.empty() && !is_email(value))
          errors.push_back({column, "must be an e-mail address"});
        lead.email = std::string(value);
        break;
      case lead_field::company:
        lead.company = std::string(value);
        break;
      case lead_field::country_iso: {
        std::string code(value);
        for (char& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (!code.empty() &&
            (code.size() != 2 || !std::isupper(static_cast<unsigned char>(code[0])) ||
             !std::isupper(static_cast<unsigned char>(code[1]))))
          errors.push_back({column, "must be an ISO 3166 alpha-2 code such as US"});
        lead.country_iso = code;
        break;
      }
      case lead_field::timezone:
        lead.timezone = std::string(value);
        break;
      case lead_field::nature:
        lead.nature = value.empty() ? "unknown" : lower(value);
        if (lead.nature != "b2b" && lead.nature != "b2c" && lead.nature != "unknown")
          errors.push_back({column, "must be one of: b2b, b2c, unknown"});
        break;
      case lead_field::consent_status:
        lead.consent_status = value.empty() ? "unknown" : lower(value);
        if (lead.consent_status != "granted" && lead.consent_status != "denied" &&
            lead.consent_status != "unknown")
          errors.push_back({column, "must be one of: granted, denied, unknown"});
        break;
      case lead_field::consent_basis:
        lead.consent_basis = std::string(value);
        break;
      case lead_field::quiet_hours_disabled:
        if (auto flag = parse_flag(value))
          lead.quiet_hours_disabled = *flag;
        else
          errors.push_back({column, "must be true or false"});
        break;
      case lead_field::priority: {
        if (value.empty()) break;
        std::int32_t n = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc{} || end != value.data() + value.size() || n < -1000 || n > 1000)
          errors.push_back({column, "must be an integer between -1000 and 1000"});
        else
          lead.priority = n;
        break;
      }
      case lead_field::metadata:
        if (value.empty()) break;
        if (!is_metadata_object(value))
          errors.push_back({column, "must be a JSON object"});
        else
          lead.metadata_json = std::string(value);
        break;
      case lead_field::ignored:
        break;
    }
  }
  if (!has_phone) errors.push_back({"phone", "is required"});
  return lead;
}

}  // namespace dialer::http
