#include "retell/retry_after.hpp"

#include <algorithm>
#include <array>

namespace dialer::retell {
namespace {

constexpr std::int64_t max_delay_s = 365LL * 24 * 3600;

std::string_view trimmed(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

/// A fixed-width run of digits at `pos` (leading spaces allowed when `space_padded`).
std::optional<int> digits_at(std::string_view s, std::size_t pos, std::size_t width,
                             bool space_padded = false) {
  if (pos + width > s.size()) return std::nullopt;
  int n = 0;
  bool seen_digit = false;
  for (std::size_t i = 0; i < width; ++i) {
    char c = s[pos + i];
    if (c == ' ' && space_padded && !seen_digit && i + 1 < width) continue;
    if (c < '0' || c > '9') return std::nullopt;
    seen_digit = true;
    n = n * 10 + (c - '0');
  }
  return n;
}

/// 1-12 for "Jan".."Dec" at `pos`; nullopt otherwise.
std::optional<int> month_at(std::string_view s, std::size_t pos) {
  static constexpr std::array<std::string_view, 12> names = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (pos + 3 > s.size()) return std::nullopt;
  auto m = std::find(names.begin(), names.end(), s.substr(pos, 3));
  if (m == names.end()) return std::nullopt;
  return static_cast<int>(m - names.begin()) + 1;
}

bool is_short_day(std::string_view d) {
  static constexpr std::array<std::string_view, 7> names = {"Mon", "Tue", "Wed", "Thu",
                                                            "Fri", "Sat", "Sun"};
  return std::find(names.begin(), names.end(), d) != names.end();
}

bool is_long_day(std::string_view d) {
  static constexpr std::array<std::string_view, 7> names = {
      "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
  return std::find(names.begin(), names.end(), d) != names.end();
}

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
  static constexpr std::array<int, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[static_cast<std::size_t>(m - 1)];
}

/// Days from 1970-01-01 to y-m-d (proleptic Gregorian calendar).
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/// "HH:MM:SS" at `pos` as seconds of the day.
std::optional<std::int64_t> time_at(std::string_view s, std::size_t pos) {
  if (pos + 8 > s.size() || s[pos + 2] != ':' || s[pos + 5] != ':') return std::nullopt;
  auto h = digits_at(s, pos, 2);
  auto m = digits_at(s, pos + 3, 2);
  auto sec = digits_at(s, pos + 6, 2);
  if (!h || !m || !sec || *h > 23 || *m > 59 || *sec > 60) return std::nullopt;
  return *h * 3600 + *m * 60 + *sec;
}

std::optional<epoch_ms> instant(int year, std::optional<int> month, std::optional<int> day,
                                std::optional<std::int64_t> seconds) {
  if (!month || !day || !seconds || year < 1970 || year > 9999) return std::nullopt;
  if (*day < 1 || *day > days_in_month(year, *month)) return std::nullopt;
  return (days_from_civil(year, *month, *day) * 86'400 + *seconds) * 1000;
}

/// "Sun, 06 Nov 1994 08:49:37 GMT"
std::optional<epoch_ms> imf_fixdate(std::string_view s) {
  if (s.size() != 29 || !is_short_day(s.substr(0, 3)) || s.substr(3, 2) != ", " || s[7] != ' ' ||
      s[11] != ' ' || s[16] != ' ' || s.substr(25) != " GMT")
    return std::nullopt;
  auto year = digits_at(s, 12, 4);
  if (!year) return std::nullopt;
  return instant(*year, month_at(s, 8), digits_at(s, 5, 2), time_at(s, 17));
}

/// "Sunday, 06-Nov-94 08:49:37 GMT"
std::optional<epoch_ms> rfc850_date(std::string_view s) {
  auto comma = s.find(", ");
  if (comma == std::string_view::npos || !is_long_day(s.substr(0, comma))) return std::nullopt;
  auto rest = s.substr(comma + 2);
  if (rest.size() != 22 || rest[2] != '-' || rest[6] != '-' || rest[9] != ' ' ||
      rest.substr(18) != " GMT")
    return std::nullopt;
  auto yy = digits_at(rest, 7, 2);
  if (!yy) return std::nullopt;
  return instant(*yy < 70 ? 2000 + *yy : 1900 + *yy, month_at(rest, 3), digits_at(rest, 0, 2),
                 time_at(rest, 10));
}

/// "Sun Nov  6 08:49:37 1994"
std::optional<epoch_ms> asctime_date(std::string_view s) {
  if (s.size() != 24 || !is_short_day(s.substr(0, 3)) || s[3] != ' ' || s[7] != ' ' ||
      s[10] != ' ' || s[19] != ' ')
    return std::nullopt;
  auto year = digits_at(s, 20, 4);
  if (!year) return std::nullopt;
  return instant(*year, month_at(s, 4), digits_at(s, 8, 2, true), time_at(s, 11));
}

}  // namespace

std::int64_t retry_after::wait_ms(epoch_ms now) const {
  if (delay_ms) return std::max<std::int64_t>(*delay_ms, 0);
  if (at_ms) return std::max<std::int64_t>(*at_ms - now, 0);
  return 0;
}

std::optional<epoch_ms> parse_http_date(std::string_view text) {
  text = trimmed(text);
  if (auto t = imf_fixdate(text)) return t;
  if (auto t = rfc850_date(text)) return t;
  return asctime_date(text);
}

std::optional<retry_after> parse_retry_after(std::string_view value,
                                             std::optional<std::string_view> date_header) {
  value = trimmed(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::int64_t seconds = 0;
    for (char c : value) {
      seconds = seconds * 10 + (c - '0');
      if (seconds > max_delay_s) {
        seconds = max_delay_s;
        break;
      }
    }
    return retry_after{seconds * 1000, std::nullopt};
  }
  auto at = parse_http_date(value);
  if (!at) return std::nullopt;
  if (date_header) {
    if (auto sent = parse_http_date(*date_header)) return retry_after{*at - *sent, std::nullopt};
  }
  return retry_after{std::nullopt, at};
}

}  // namespace dialer::retell
