#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dialer {

/// One rejected field of an API payload, named as in API.md.
struct field_error {
  std::string field;
  std::string message;
};

/// The errors found in one payload; empty when it is valid.
using field_errors = std::vector<field_error>;

/// True for "+" followed by 8 to 15 digits, the first not 0 (E.164 shape).
bool is_e164(std::string_view number);

/// True for a plausible e-mail address (one "@", a dot in the domain, no spaces).
bool is_email(std::string_view text);

}  // namespace dialer
