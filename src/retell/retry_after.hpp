#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/domain.hpp"

namespace dialer::retell {

/// When a provider answer asked to be tried again (its Retry-After header, RFC 9110 10.2.3).
struct retry_after {
  /// The wait asked for: the delta-seconds form, or an HTTP-date less the answer's own Date
  /// (both read on the provider's clock, so a skew between the clocks does not matter).
  std::optional<std::int64_t> delay_ms;
  /// An HTTP-date from an answer without a usable Date header: the instant, on our clock.
  std::optional<epoch_ms> at_ms;

  /// The wait from `now` (our clock); never negative.
  std::int64_t wait_ms(epoch_ms now) const;
};

/// Parses an HTTP-date: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") or one of the two
/// obsolete forms recipients must accept, RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT"; a
/// two-digit year is read in 1970-2069) and asctime ("Sun Nov  6 08:49:37 1994"). nullopt
/// when malformed or out of range.
std::optional<epoch_ms> parse_http_date(std::string_view text);

/// Parses a Retry-After value: delta-seconds (digits only; huge values saturate at a year) or
/// an HTTP-date. `date_header` is the answer's Date header when it had one. nullopt when the
/// value is neither form (garbage is ignored, as if the header were absent).
std::optional<retry_after> parse_retry_after(std::string_view value,
                                             std::optional<std::string_view> date_header);

}  // namespace dialer::retell
