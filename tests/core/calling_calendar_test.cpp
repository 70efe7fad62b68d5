#include "core/calling_calendar.hpp"

#include <gtest/gtest.h>

#include "compliance_fixtures.hpp"

namespace dialer {
namespace {

using namespace dialer::testing;

TEST(time_window, parses_and_formats) {
  auto w = parse_time_window("10:00-13:00");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->start, 600);
  EXPECT_EQ(w->end, 780);
  EXPECT_EQ(format_time_window(*w), "10:00-13:00");
  auto late = parse_time_window("21:30-24:00");
  ASSERT_TRUE(late);
  EXPECT_EQ(late->end, 1440);
  for (const char* bad : {"", "10:00", "10:00-10:00", "13:00-10:00", "25:00-26:00", "10:60-11:00",
                          "24:30-24:45", "1000-1300x", "10:00 13:00", "aa:bb-cc:dd"})
    EXPECT_FALSE(parse_time_window(bad)) << bad;
}

TEST(civil_day, converts_dates_and_weekdays) {
  EXPECT_EQ(parse_civil_day("1970-01-01"), 0);
  EXPECT_EQ(weekday_of(0), 4);  // Thursday
  auto bastille = parse_civil_day("2026-07-14");
  ASSERT_TRUE(bastille);
  EXPECT_EQ(weekday_of(*bastille), 2);  // Tuesday
  EXPECT_EQ(format_civil_day(*bastille), "2026-07-14");
  EXPECT_EQ(weekday_of(-1), 3);  // 1969-12-31 was a Wednesday
  EXPECT_FALSE(parse_civil_day("2026-02-29"));
  EXPECT_FALSE(parse_civil_day("2026-7-14"));
  EXPECT_EQ(weekday_name(0), "sunday");
}

TEST(weekly_windows, holds_several_windows_per_day_and_forbidden_days) {
  const weekly_windows fr = week({"10:00-13:00", "14:00-20:00"}, {}, {});
  ASSERT_TRUE(fr.valid());
  EXPECT_FALSE(fr.allows(2, 9 * 60 + 59));
  EXPECT_TRUE(fr.allows(2, 10 * 60));
  EXPECT_TRUE(fr.allows(2, 12 * 60 + 59));
  EXPECT_FALSE(fr.allows(2, 13 * 60));
  EXPECT_TRUE(fr.allows(2, 14 * 60));
  EXPECT_FALSE(fr.allows(2, 20 * 60));
  EXPECT_FALSE(fr.allows(0, 11 * 60));
  EXPECT_FALSE(fr.allows(6, 11 * 60));
  EXPECT_EQ(fr.next_allowed_minute(2, 13 * 60), 14 * 60);
  EXPECT_EQ(fr.next_allowed_minute(2, 20 * 60), -1);
  EXPECT_EQ(fr.next_allowed_minute(0, 0), -1);
  EXPECT_EQ(fr.windows_on(3), windows({"10:00-13:00", "14:00-20:00"}));
  EXPECT_TRUE(fr.windows_on(0).empty());
  EXPECT_FALSE(fr.empty());
  EXPECT_TRUE(weekly_windows{}.empty());
}

TEST(weekly_windows, intersection_only_narrows) {
  const weekly_windows campaign = every_day({"08:00-12:00", "18:00-22:00"});
  const weekly_windows country = week({"10:00-13:00", "14:00-20:00"}, {}, {});
  const weekly_windows both = campaign.intersect(country);
  EXPECT_EQ(both.windows_on(1), windows({"10:00-12:00", "18:00-20:00"}));
  EXPECT_TRUE(both.windows_on(6).empty());
  EXPECT_EQ(every_day({"00:00-24:00"}).intersect(country), country);
}

TEST(weekly_windows, rejects_invalid_windows) {
  weekly_windows w;
  EXPECT_FALSE(w.add(7, {0, 10}));
  EXPECT_FALSE(w.add(1, {10, 10}));
  EXPECT_FALSE(w.add(1, {0, 1441}));
  EXPECT_TRUE(w.empty());
  std::array<std::vector<time_window>, 7> days;
  days[1] = {{600, 500}};
  EXPECT_FALSE(weekly_windows(days).valid());
}

TEST(holiday_list, keeps_dates_sorted) {
  holiday_list h;
  h.add(day_of(2026, 12, 25), "Noël");
  h.add(day_of(2026, 7, 14), "Fête nationale");
  h.add(day_of(2026, 7, 14), "duplicate");
  ASSERT_EQ(h.days().size(), 2u);
  EXPECT_EQ(h.days()[0], day_of(2026, 7, 14));
  EXPECT_EQ(h.names()[0], "Fête nationale");
  EXPECT_TRUE(h.contains(day_of(2026, 12, 25)));
  EXPECT_FALSE(h.contains(day_of(2026, 12, 24)));
}

TEST(time_zone_offsets, reads_tzdata_with_dst) {
  const time_zone_offsets* ny = zones().find("America/New_York");
  ASSERT_NE(ny, nullptr);
  EXPECT_EQ(ny->span_at(utc("2026-01-15T12:00:00Z")).offset, -5 * ms_per_hour);
  EXPECT_EQ(ny->span_at(utc("2026-07-01T12:00:00Z")).offset, -4 * ms_per_hour);
  // The spring change is at 07:00 UTC (02:00 EST becomes 03:00 EDT).
  EXPECT_EQ(ny->span_at(utc("2026-03-08T07:00:00Z")).begin, utc("2026-03-08T07:00:00Z"));
  EXPECT_EQ(ny->span_at(utc("2026-03-08T06:59:59Z")).offset, -5 * ms_per_hour);
  const time_zone_offsets* kathmandu = zones().find("Asia/Kathmandu");
  ASSERT_NE(kathmandu, nullptr);
  EXPECT_EQ(kathmandu->span_at(utc("2026-01-01T00:00:00Z")).offset,
            5 * ms_per_hour + 45 * ms_per_minute);
  EXPECT_EQ(zones().find("Mars/Olympus_Mons"), nullptr);
  EXPECT_EQ(zones().find("Mars/Olympus_Mons"), nullptr);
  EXPECT_EQ(zones().find("America/New_York"), ny);  // cached, same pointer
}

TEST(time_zone_offsets, finds_local_times_across_gaps_and_repeats) {
  const time_zone_offsets* ny = zones().find("America/New_York");
  ASSERT_NE(ny, nullptr);
  // "Local milliseconds" read like UTC text.
  const epoch_ms from = utc("2026-03-08T00:00:00Z");
  EXPECT_EQ(ny->first_instant_at_local(from, utc("2026-03-08T01:30:00Z")),
            utc("2026-03-08T06:30:00Z"));
  // 02:30 does not exist that night: the clock reads 03:00 EDT first.
  EXPECT_EQ(ny->first_instant_at_local(from, utc("2026-03-08T02:30:00Z")),
            utc("2026-03-08T07:00:00Z"));
  EXPECT_EQ(ny->first_instant_at_local(from, utc("2026-03-08T08:00:00Z")),
            utc("2026-03-08T12:00:00Z"));
  // 01:30 happens twice on 1 November: the first time is 05:30 UTC.
  EXPECT_EQ(ny->first_instant_at_local(utc("2026-11-01T00:00:00Z"), utc("2026-11-01T01:30:00Z")),
            utc("2026-11-01T05:30:00Z"));
}

// One row of a calendar table: at `now` in `zone`, allowed or not, and the next allowed instant.
struct calendar_row {
  const char* zone;
  const char* now;
  bool allowed;
  const char* next;  // nullptr: none within a week
  const char* why;
};

void check_rows(const calling_calendar& cal, std::initializer_list<calendar_row> rows) {
  for (const auto& r : rows) {
    SCOPED_TRACE(std::string(r.zone) + " " + r.now + " (" + r.why + ")");
    const zone_set z = zones_of({r.zone});
    const epoch_ms now = utc(r.now);
    EXPECT_EQ(cal.allows_everywhere(z, now), r.allowed);
    auto next = cal.next_allowed_at(z, now, now + 7 * ms_per_day);
    if (r.next == nullptr) {
      EXPECT_FALSE(next);
    } else {
      ASSERT_TRUE(next);
      EXPECT_EQ(format_iso8601(*next), r.next);
    }
  }
}

TEST(calling_calendar, us_dst_spring_and_autumn) {
  const calling_calendar us(every_day({"08:00-21:00"}), {});
  // clang-format off
  check_rows(us, {
      {"America/New_York", "2026-03-08T02:30:00Z", false, "2026-03-08T12:00:00Z",
       "Sat 21:30 EST; Sunday opens at 08:00 EDT"},
      {"America/New_York", "2026-03-08T11:59:00Z", false, "2026-03-08T12:00:00Z", "07:59 EDT"},
      {"America/New_York", "2026-03-08T12:00:00Z", true, "2026-03-08T12:00:00Z", "08:00 EDT"},
      {"America/New_York", "2026-03-07T12:59:59Z", false, "2026-03-07T13:00:00Z", "07:59:59 EST"},
      {"America/New_York", "2026-03-07T13:00:00Z", true, "2026-03-07T13:00:00Z", "08:00 EST"},
      {"America/New_York", "2026-03-09T00:59:00Z", true, "2026-03-09T00:59:00Z", "20:59 EDT"},
      {"America/New_York", "2026-03-09T01:00:00Z", false, "2026-03-09T12:00:00Z", "21:00 EDT"},
      {"America/New_York", "2026-11-01T01:00:00Z", false, "2026-11-01T13:00:00Z",
       "Sat 21:00 EDT; Sunday opens at 08:00 EST"},
      {"America/New_York", "2026-11-01T12:30:00Z", false, "2026-11-01T13:00:00Z",
       "07:30 EST (08:30 had DST been kept)"},
      {"America/New_York", "2026-11-02T01:59:00Z", true, "2026-11-02T01:59:00Z", "20:59 EST"},
      {"America/New_York", "2026-11-02T02:00:00Z", false, "2026-11-02T13:00:00Z", "21:00 EST"},
      {"America/Los_Angeles", "2026-03-08T14:30:00Z", false, "2026-03-08T15:00:00Z", "07:30 PDT"},
      {"America/Phoenix", "2026-03-08T15:00:00Z", true, "2026-03-08T15:00:00Z",
       "08:00 MST: Arizona keeps no DST"},
  });
  // clang-format on
}

TEST(calling_calendar, eu_dst_spring_and_autumn) {
  const calling_calendar fr(week({"10:00-13:00", "14:00-20:00"}, {}, {}), {});
  // clang-format off
  check_rows(fr, {
      {"Europe/Paris", "2026-03-27T18:59:00Z", true, "2026-03-27T18:59:00Z", "Fri 19:59 CET"},
      {"Europe/Paris", "2026-03-27T19:00:00Z", false, "2026-03-30T08:00:00Z",
       "Fri 20:00 CET; Monday opens at 10:00 CEST"},
      {"Europe/Paris", "2026-03-30T07:30:00Z", false, "2026-03-30T08:00:00Z", "09:30 CEST"},
      {"Europe/Paris", "2026-10-23T18:00:00Z", false, "2026-10-26T09:00:00Z",
       "Fri 20:00 CEST; Monday opens at 10:00 CET"},
      {"Europe/Paris", "2026-10-26T08:30:00Z", false, "2026-10-26T09:00:00Z",
       "09:30 CET (10:30 had DST been kept)"},
  });
  // clang-format on
  const calling_calendar uk(every_day({"09:00-17:00"}), {});
  // clang-format off
  check_rows(uk, {
      {"Europe/London", "2026-03-28T08:30:00Z", false, "2026-03-28T09:00:00Z", "08:30 GMT"},
      {"Europe/London", "2026-03-29T08:30:00Z", true, "2026-03-29T08:30:00Z", "09:30 BST"},
      {"Europe/London", "2026-10-25T08:30:00Z", false, "2026-10-25T09:00:00Z", "08:30 GMT again"},
  });
  // clang-format on
}

TEST(calling_calendar, window_starting_in_spring_gap_opens_when_the_gap_ends) {
  const calling_calendar gap_start(every_day({"02:30-04:00"}), {});
  // clang-format off
  check_rows(gap_start, {
      {"America/New_York", "2026-03-08T06:00:00Z", false, "2026-03-08T07:00:00Z",
       "01:00 EST; 02:30 does not exist, 03:00 EDT does"},
      {"America/New_York", "2026-03-08T07:00:00Z", true, "2026-03-08T07:00:00Z", "03:00 EDT"},
  });
  // clang-format on
  // A window wholly inside the gap does not happen that day.
  const calling_calendar in_gap(every_day({"02:00-02:30"}), {});
  check_rows(in_gap, {{"America/New_York", "2026-03-08T06:00:00Z", false, "2026-03-09T06:00:00Z",
                       "next 02:00 is Monday's (EDT)"}});
}

TEST(calling_calendar, repeated_autumn_hour_is_allowed_on_both_passes) {
  const calling_calendar cal(every_day({"01:00-01:30"}), {});
  // clang-format off
  check_rows(cal, {
      {"America/New_York", "2026-11-01T05:00:00Z", true, "2026-11-01T05:00:00Z", "01:00 EDT"},
      {"America/New_York", "2026-11-01T05:30:00Z", false, "2026-11-01T06:00:00Z",
       "01:30 EDT; the clock reads 01:00 again at 06:00 UTC"},
      {"America/New_York", "2026-11-01T06:29:00Z", true, "2026-11-01T06:29:00Z", "01:29 EST"},
      {"America/New_York", "2026-11-01T06:30:00Z", false, "2026-11-02T06:00:00Z", "01:30 EST"},
  });
  // clang-format on
}

TEST(calling_calendar, holidays_close_whole_local_days) {
  holiday_list h;
  h.add(day_of(2026, 7, 14), "Fête nationale");
  const calling_calendar fr(week({"10:00-13:00", "14:00-20:00"}, {}, {}), h);
  // clang-format off
  check_rows(fr, {
      {"Europe/Paris", "2026-07-14T09:00:00Z", false, "2026-07-15T08:00:00Z",
       "Tuesday 11:00 CEST, Bastille Day"},
      {"Europe/Paris", "2026-07-13T21:59:00Z", false, "2026-07-15T08:00:00Z",
       "Monday 23:59, next day is the holiday"},
  });
  // clang-format on
  EXPECT_EQ(fr.evaluate(*zones().find("Europe/Paris"), utc("2026-07-14T09:00:00Z")),
            calendar_verdict::holiday);
  // Holidays without windows: only those days are closed.
  const calling_calendar only_holidays(std::nullopt, h);
  check_rows(only_holidays, {{"Europe/Paris", "2026-07-14T09:00:00Z", false, "2026-07-14T22:00:00Z",
                              "midnight CEST"}});
}

TEST(calling_calendar, every_zone_must_allow) {
  const calling_calendar us(every_day({"08:00-21:00"}), {});
  const zone_set both = zones_of({"America/New_York", "Pacific/Honolulu"});
  // 09:00 EST is 04:00 HST: refused; Honolulu opens at 08:00 HST = 18:00 UTC (13:00 EST).
  EXPECT_FALSE(us.allows_everywhere(both, utc("2026-01-15T14:00:00Z")));
  EXPECT_EQ(us.next_allowed_at(both, utc("2026-01-15T14:00:00Z"), utc("2026-01-20T00:00:00Z")),
            utc("2026-01-15T18:00:00Z"));
  // 20:59 EST is the last minute in New York.
  EXPECT_TRUE(us.allows_everywhere(both, utc("2026-01-16T01:59:00Z")));
  EXPECT_EQ(us.next_allowed_at(both, utc("2026-01-16T02:00:00Z"), utc("2026-01-20T00:00:00Z")),
            utc("2026-01-16T18:00:00Z"));
  // No common minute: nothing within the horizon.
  const calling_calendar narrow(every_day({"08:00-09:00"}), {});
  EXPECT_FALSE(
      narrow.next_allowed_at(both, utc("2026-01-15T00:00:00Z"), utc("2026-01-25T00:00:00Z")));
}

TEST(calling_calendar, an_unknown_zone_fails_closed) {
  const calling_calendar us(every_day({"08:00-21:00"}), {});
  EXPECT_FALSE(us.allows_everywhere({}, utc("2026-01-15T18:00:00Z")));
  EXPECT_FALSE(us.next_allowed_at({}, utc("2026-01-15T18:00:00Z"), utc("2026-02-15T18:00:00Z")));
  const calling_calendar any_time;
  EXPECT_TRUE(any_time.allows_everywhere({}, utc("2026-01-15T18:00:00Z")));
}

TEST(calling_calendar, respects_the_search_limit) {
  const calling_calendar fr(week({"10:00-13:00", "14:00-20:00"}, {}, {}), {});
  const zone_set paris = zones_of({"Europe/Paris"});
  // Friday 20:00: the next window (Monday 10:00 = 09:00 UTC) is beyond a 2-day limit.
  EXPECT_FALSE(fr.next_allowed_at(paris, utc("2026-01-16T19:00:00Z"), utc("2026-01-18T19:00:00Z")));
  EXPECT_EQ(fr.next_allowed_at(paris, utc("2026-01-16T19:00:00Z"), utc("2026-01-19T09:00:01Z")),
            utc("2026-01-19T09:00:00Z"));
  EXPECT_FALSE(fr.next_allowed_at(paris, utc("2026-01-16T19:00:00Z"), utc("2026-01-19T09:00:00Z")));
}

}  // namespace
}  // namespace dialer
