#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dialer {

/// Why a text is not a callable phone number.
enum class phone_number_error { none, not_e164, not_a_number, invalid_number, no_country };

/// Text name of a phone number error.
std::string_view to_string(phone_number_error e);

/// A phone number that libphonenumber accepts as valid, with its country.
struct phone_number_facts {
  /// Canonical E.164 ("+33612345678").
  std::string e164;
  /// Country calling code (33).
  std::int32_t country_code = 0;
  /// ISO 3166-1 alpha-2 of the number's region ("FR").
  std::string country;
  /// True for mobile numbers (or numbers that may be mobile, as in NANP).
  bool mobile = false;
  /// True when the number's digits say where it rings (fixed lines; mobiles in a few
  /// countries such as NANP). Other numbers (most mobiles) get their country's zones.
  bool geographical = false;
};

/// The outcome of parsing: the number, or why it was refused.
struct phone_number_parse {
  std::optional<phone_number_facts> number;
  phone_number_error error = phone_number_error::none;
};

/// Parses and validates an E.164 number ("+" and digits only) with libphonenumber and derives
/// its country. Numbers of no single country (+800 ...) are refused with no_country.
phone_number_parse parse_phone_number(std::string_view e164);

}  // namespace dialer
