#include "core/calling_calendar.hpp"

#include <algorithm>
#include <cstdio>

#include <date/date.h>

namespace dialer {
namespace {

bool two_digits(std::string_view s, std::size_t pos, int& out) {
  if (pos + 2 > s.size()) return false;
  if (s[pos] < '0' || s[pos] > '9' || s[pos + 1] < '0' || s[pos + 1] > '9') return false;
  out = (s[pos] - '0') * 10 + (s[pos + 1] - '0');
  return true;
}

// "HH:MM" at `pos`, as minutes; 24:00 accepted.
std::optional<int> clock_time(std::string_view s, std::size_t pos) {
  int h = 0, m = 0;
  if (!two_digits(s, pos, h) || pos + 2 >= s.size() || s[pos + 2] != ':' ||
      !two_digits(s, pos + 3, m))
    return std::nullopt;
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

}  // namespace

std::optional<civil_day> make_civil_day(int year, int month, int day) {
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  return static_cast<civil_day>(date::sys_days{ymd}.time_since_epoch().count());
}

std::optional<civil_day> parse_civil_day(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int y = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    y = y * 10 + (s[i] - '0');
  }
  int m = 0, d = 0;
  if (!two_digits(s, 5, m) || !two_digits(s, 8, d)) return std::nullopt;
  return make_civil_day(y, m, d);
}

std::string format_civil_day(civil_day day) {
  const date::year_month_day ymd{date::sys_days{date::days{day}}};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

int weekday_of(civil_day day) {
  // 1970-01-01 was a Thursday (4).
  return static_cast<int>(((static_cast<std::int64_t>(day) % 7) + 11) % 7);
}

std::string_view weekday_name(int weekday) {
  static constexpr std::string_view names[] = {"sunday",   "monday", "tuesday", "wednesday",
                                               "thursday", "friday", "saturday"};
  return weekday >= 0 && weekday < 7 ? names[weekday] : std::string_view{};
}

std::optional<time_window> parse_time_window(std::string_view s) {
  if (s.size() != 11 || s[5] != '-') return std::nullopt;
  auto start = clock_time(s, 0);
  auto end = clock_time(s, 6);
  if (!start || !end || *start >= *end) return std::nullopt;
  return time_window{static_cast<std::int16_t>(*start), static_cast<std::int16_t>(*end)};
}

std::string format_time_window(time_window w) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%02d:%02d-%02d:%02d", w.start / 60, w.start % 60, w.end / 60,
                w.end % 60);
  return buf;
}

weekly_windows::weekly_windows(const std::array<std::vector<time_window>, 7>& days) {
  for (int d = 0; d < 7; ++d)
    for (time_window w : days[static_cast<std::size_t>(d)])
      if (!add(d, w)) valid_ = false;
}

weekly_windows weekly_windows::every_day(time_window w) {
  weekly_windows ww;
  for (int d = 0; d < 7; ++d)
    if (!ww.add(d, w)) ww.valid_ = false;
  return ww;
}

bool weekly_windows::add(int weekday, time_window w) {
  if (weekday < 0 || weekday > 6 || w.start < 0 || w.end > minutes_per_day || w.start >= w.end)
    return false;
  std::uint64_t* day = &bits_[static_cast<std::size_t>(weekday * words_per_day)];
  for (int m = w.start; m < w.end; ++m) day[m >> 6] |= std::uint64_t{1} << (m & 63);
  return true;
}

int weekly_windows::next_allowed_minute(int weekday, int minute) const {
  if (minute >= minutes_per_day) return -1;
  const std::uint64_t* day = &bits_[static_cast<std::size_t>(weekday * words_per_day)];
  int idx = minute >> 6;
  std::uint64_t word = day[idx] & (~std::uint64_t{0} << (minute & 63));
  for (;;) {
    if (word != 0) return idx * 64 + __builtin_ctzll(word);
    if (++idx >= words_per_day) return -1;
    word = day[idx];
  }
}

bool weekly_windows::empty() const {
  return std::all_of(bits_.begin(), bits_.end(), [](std::uint64_t w) { return w == 0; });
}

weekly_windows weekly_windows::intersect(const weekly_windows& other) const {
  weekly_windows r;
  for (std::size_t i = 0; i < bits_.size(); ++i) r.bits_[i] = bits_[i] & other.bits_[i];
  r.valid_ = valid_ && other.valid_;
  return r;
}

std::vector<time_window> weekly_windows::windows_on(int weekday) const {
  std::vector<time_window> out;
  int m = 0;
  while (m < minutes_per_day) {
    if (!allows(weekday, m)) {
      ++m;
      continue;
    }
    const int start = m;
    while (m < minutes_per_day && allows(weekday, m)) ++m;
    out.push_back({static_cast<std::int16_t>(start), static_cast<std::int16_t>(m)});
  }
  return out;
}

void holiday_list::add(civil_day day, std::string name) {
  auto it = std::lower_bound(days_.begin(), days_.end(), day);
  if (it != days_.end() && *it == day) return;
  const auto pos = it - days_.begin();
  days_.insert(it, day);
  names_.insert(names_.begin() + pos, std::move(name));
}

bool holiday_list::contains(civil_day day) const {
  return std::binary_search(days_.begin(), days_.end(), day);
}

calling_calendar::calling_calendar(std::optional<weekly_windows> windows, holiday_list holidays)
    : windows_(std::move(windows)), holidays_(std::move(holidays)) {}

calendar_verdict calling_calendar::evaluate_local_minute(std::int64_t local_minute) const {
  const std::int64_t day = floor_div(local_minute, minutes_per_day);
  if (!holidays_.empty() && holidays_.contains(static_cast<civil_day>(day)))
    return calendar_verdict::holiday;
  if (windows_ && !windows_->allows(weekday_of(static_cast<civil_day>(day)),
                                    static_cast<int>(local_minute - day * minutes_per_day)))
    return calendar_verdict::outside_window;
  return calendar_verdict::allowed;
}

bool calling_calendar::allows_everywhere(const zone_set& zones, epoch_ms t) const {
  if (!restricts()) return true;
  if (zones.empty()) return false;
  for (const time_zone_offsets* z : zones)
    if (evaluate(*z, t) != calendar_verdict::allowed) return false;
  return true;
}

std::optional<std::int64_t> calling_calendar::next_allowed_local_minute(std::int64_t minute,
                                                                        epoch_ms local_end) const {
  if (windows_ && windows_->empty()) return std::nullopt;
  while (minute * ms_per_minute < local_end) {
    const std::int64_t day = floor_div(minute, minutes_per_day);
    const std::int64_t next_day = (day + 1) * minutes_per_day;
    if (!holidays_.empty() && holidays_.contains(static_cast<civil_day>(day))) {
      minute = next_day;
      continue;
    }
    if (!windows_) return minute * ms_per_minute < local_end ? std::optional(minute) : std::nullopt;
    const int found = windows_->next_allowed_minute(
        weekday_of(static_cast<civil_day>(day)), static_cast<int>(minute - day * minutes_per_day));
    if (found >= 0) {
      const std::int64_t m = day * minutes_per_day + found;
      if (m * ms_per_minute < local_end) return m;
      return std::nullopt;
    }
    minute = next_day;
  }
  return std::nullopt;
}

std::optional<epoch_ms> calling_calendar::next_allowed_in(const time_zone_offsets& zone,
                                                          epoch_ms from, epoch_ms until) const {
  epoch_ms t = from;
  while (t < until) {
    const offset_span span = zone.span_at(t);
    const std::int64_t minute = floor_div(t + span.offset, ms_per_minute);
    if (evaluate_local_minute(minute) == calendar_verdict::allowed) return t;
    // Search the rest of this span on its own wall clock; a DST change starts a new span.
    const epoch_ms span_end = std::min(span.end, until);
    if (auto m = next_allowed_local_minute(minute + 1, span_end + span.offset))
      return *m * ms_per_minute - span.offset;
    t = span.end;
  }
  return std::nullopt;
}

std::optional<epoch_ms> calling_calendar::next_allowed_at(const zone_set& zones, epoch_ms from,
                                                          epoch_ms until) const {
  if (from >= until) return std::nullopt;
  if (!restricts()) return from;
  if (zones.empty()) return std::nullopt;
  // Fixpoint: move t to the next instant each zone allows until one pass moves nothing. Every
  // instant skipped is refused by the zone that skipped it, so the result is the earliest.
  epoch_ms t = from;
  for (;;) {
    bool moved = false;
    for (const time_zone_offsets* z : zones) {
      auto next = next_allowed_in(*z, t, until);
      if (!next) return std::nullopt;
      if (*next != t) {
        t = *next;
        moved = true;
      }
    }
    if (!moved) return t;
  }
}

}  // namespace dialer
