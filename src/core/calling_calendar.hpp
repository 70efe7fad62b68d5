#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.hpp"
#include "core/time_zone_offsets.hpp"

namespace dialer {

/// A local calendar date as days since 1970-01-01 (no zone attached).
using civil_day = std::int32_t;

/// The civil day of a Gregorian date; nullopt when the date does not exist.
std::optional<civil_day> make_civil_day(int year, int month, int day);
/// Parses "YYYY-MM-DD"; nullopt when malformed or not a date.
std::optional<civil_day> parse_civil_day(std::string_view text);
/// Formats a civil day as "YYYY-MM-DD".
std::string format_civil_day(civil_day day);
/// Day of the week of a civil day: 0 = Sunday ... 6 = Saturday.
int weekday_of(civil_day day);
/// Lower-case English name of a weekday (0 = "sunday").
std::string_view weekday_name(int weekday);

/// Minutes in a day.
constexpr int minutes_per_day = 1440;

/// A stretch of one local day, [start, end) in minutes since local midnight (end <= 1440).
struct time_window {
  std::int16_t start = 0;
  std::int16_t end = 0;
};

/// True when two windows are the same.
inline bool operator==(time_window a, time_window b) {
  return a.start == b.start && a.end == b.end;
}

/// Parses "HH:MM-HH:MM" (end may be "24:00"); nullopt when malformed, empty or reversed.
std::optional<time_window> parse_time_window(std::string_view text);
/// Formats a window as "HH:MM-HH:MM".
std::string format_time_window(time_window w);

/// The local times at which a call may start, per day of the week, kept as a minute bitmap
/// (a day may have several windows, like France's two, or none: forbidden).
class weekly_windows {
 public:
  /// Every day forbidden.
  weekly_windows() = default;
  /// Builds from per-weekday window lists (index 0 = Sunday); false from valid() when a
  /// window is out of range or empty.
  explicit weekly_windows(const std::array<std::vector<time_window>, 7>& days);

  /// The same window on all seven days.
  static weekly_windows every_day(time_window w);
  /// Adds a window on `weekday`; false (and no change) when it is invalid.
  bool add(int weekday, time_window w);
  /// False when the constructor met an invalid window.
  bool valid() const { return valid_; }

  /// Whether a call may start at local minute `minute` (0..1439) of `weekday`.
  bool allows(int weekday, int minute) const {
    return (bits_[static_cast<std::size_t>(weekday * words_per_day + (minute >> 6))] >>
            (minute & 63)) &
           1U;
  }
  /// The first allowed minute of `weekday` at or after `minute`; -1 when none.
  int next_allowed_minute(int weekday, int minute) const;
  /// True when no minute of the week is allowed.
  bool empty() const;
  /// The minutes allowed by both.
  weekly_windows intersect(const weekly_windows& other) const;
  /// The windows of one weekday, merged and ascending.
  std::vector<time_window> windows_on(int weekday) const;

  /// True when both allow the same minutes.
  friend bool operator==(const weekly_windows& a, const weekly_windows& b) {
    return a.bits_ == b.bits_;
  }

 private:
  static constexpr int words_per_day = (minutes_per_day + 63) / 64;
  std::array<std::uint64_t, 7 * words_per_day> bits_{};
  bool valid_ = true;
};

/// Public holidays: local dates on which no call may start.
class holiday_list {
 public:
  /// Adds a holiday; a date already present keeps its first name.
  void add(civil_day day, std::string name);
  /// Whether `day` is a holiday.
  bool contains(civil_day day) const;
  /// Holiday dates, ascending.
  const std::vector<civil_day>& days() const { return days_; }
  /// Holiday names, parallel to days().
  const std::vector<std::string>& names() const { return names_; }
  /// True when there is no holiday.
  bool empty() const { return days_.empty(); }

 private:
  std::vector<civil_day> days_;
  std::vector<std::string> names_;
};

/// Why the calendar refuses an instant in one zone.
enum class calendar_verdict { allowed, outside_window, holiday };

/// When calls may start: weekly windows (or none: any time) and holidays, evaluated on the
/// called party's wall clock in each candidate zone.
///
/// DST choice: an instant is allowed when the wall clock of the zone reads an allowed minute at
/// that instant. So a window whose start falls in a spring-forward gap opens at the end of the
/// gap (02:30 does not exist, 03:00 does), and in an autumn fall-back hour the repeated wall
/// times are allowed on both passes when inside a window (the party's clock really reads them
/// twice). Every candidate zone must allow the instant (fail closed).
class calling_calendar {
 public:
  /// No restriction: every instant allowed.
  calling_calendar() = default;
  /// Windows (nullopt: any time of day) plus holidays.
  calling_calendar(std::optional<weekly_windows> windows, holiday_list holidays);

  /// True when some instant may be refused (windows or holidays present).
  bool restricts() const { return windows_.has_value() || !holidays_.empty(); }
  /// The weekly windows; nullopt when any time of day is allowed.
  const std::optional<weekly_windows>& windows() const { return windows_; }
  /// The holidays.
  const holiday_list& holidays() const { return holidays_; }

  /// The verdict for the wall-clock minute `local_minute` (minutes since 1970-01-01 local).
  calendar_verdict evaluate_local_minute(std::int64_t local_minute) const;
  /// The verdict for instant `t` in `zone`.
  calendar_verdict evaluate(const time_zone_offsets& zone, epoch_ms t) const {
    return evaluate_local_minute(floor_div(zone.to_local(t), ms_per_minute));
  }
  /// Whether every zone of `zones` allows `t`; false for an empty set when restricted.
  bool allows_everywhere(const zone_set& zones, epoch_ms t) const;
  /// The earliest instant in [from, until) that `zone` allows; nullopt when none.
  std::optional<epoch_ms> next_allowed_in(const time_zone_offsets& zone, epoch_ms from,
                                          epoch_ms until) const;
  /// The earliest instant in [from, until) that every zone of `zones` allows; nullopt when
  /// none (an empty set of zones allows nothing when the calendar restricts).
  std::optional<epoch_ms> next_allowed_at(const zone_set& zones, epoch_ms from,
                                          epoch_ms until) const;

 private:
  std::optional<std::int64_t> next_allowed_local_minute(std::int64_t minute,
                                                        epoch_ms local_end) const;

  std::optional<weekly_windows> windows_;
  holiday_list holidays_;
};

}  // namespace dialer
