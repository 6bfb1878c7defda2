#include "meters/tariff/tariff_calendar.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace vmuc::meters {
namespace {

using namespace std::chrono_literals;
using std::chrono::April;
using std::chrono::February;
using std::chrono::January;
using std::chrono::October;
using std::chrono::year_month_day;

constexpr LocalTimeRules kCet{std::chrono::hours(1), DstRule::kEu};
constexpr LocalTimeRules kFinland{std::chrono::hours(2), DstRule::kEu};
constexpr LocalTimeRules kLondon{std::chrono::hours(0), DstRule::kEu};
constexpr LocalTimeRules kUtc{std::chrono::hours(0), DstRule::kNone};

TimePoint Utc(year_month_day date, Duration time_of_day = Duration(0)) {
  return TimePoint(std::chrono::sys_days(date)) + time_of_day;
}

// The instant a local wall time is first reached (meters/clock/local_time.h).
TimePoint At(year_month_day date, Duration time_of_day, const LocalTimeRules& rules) {
  return ToUtc(LocalTime(std::chrono::local_days(date)) + time_of_day, rules);
}

SwitchPoint Sw(std::chrono::seconds time_of_day, int tariff) { return {time_of_day, tariff}; }

// One day profile (id 1) on every day of the year.
TariffCalendar EveryDay(std::vector<SwitchPoint> switches) {
  TariffCalendar calendar;
  calendar.day_profiles = {DayProfile{1, std::move(switches)}};
  calendar.week_profiles = {WeekProfile{1, {1, 1, 1, 1, 1, 1, 1}}};
  calendar.seasons = {Season{January / 1, 1}};
  return calendar;
}

TariffSchedule Make(TariffCalendar calendar, LocalTimeRules rules) {
  absl::StatusOr<TariffSchedule> schedule = TariffSchedule::Create(std::move(calendar), rules);
  EXPECT_TRUE(schedule.ok()) << schedule.status().ToString();
  return *std::move(schedule);
}

std::string CreateError(TariffCalendar calendar, LocalTimeRules rules = kCet) {
  absl::StatusOr<TariffSchedule> schedule = TariffSchedule::Create(std::move(calendar), rules);
  if (schedule.ok()) return "OK";
  EXPECT_EQ(schedule.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(schedule.status().message());
}

TEST(TariffCalendarTest, DefaultCalendarWorkingDaysInWinter) {
  const TariffSchedule schedule = Make(DefaultTariffCalendar(), kCet);
  // Monday 2024-01-08: 07:00:00 CET is 06:00:00 UTC, 22:00:00 CET is 21:00:00 UTC.
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 1 / 8, 6h) - 1s), 2);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 1 / 8, 6h) - 1ns), 2);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 1 / 8, 6h)), 1);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 1 / 8, 21h) - 1s), 1);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 1 / 8, 21h)), 2);
  // Local midnight: the working-day profile wraps, T2 before 07:00.
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 1 / 7, 23h)), 2);
  EXPECT_EQ(schedule.NextChange(Utc(2024y / 1 / 8)), Utc(2024y / 1 / 8, 6h));
  EXPECT_EQ(schedule.NextChange(Utc(2024y / 1 / 8, 6h) - 1ns), Utc(2024y / 1 / 8, 6h));
  EXPECT_EQ(schedule.NextChange(Utc(2024y / 1 / 8, 6h)), Utc(2024y / 1 / 8, 21h));
}

TEST(TariffCalendarTest, DefaultCalendarWeekendAndSummerTime) {
  const TariffSchedule schedule = Make(DefaultTariffCalendar(), kCet);
  // Saturday 2024-01-13 all T2; from Friday 22:00 the next change is Monday 07:00.
  EXPECT_EQ(schedule.TariffAt(At(2024y / 1 / 13, 12h, kCet)), 2);
  EXPECT_EQ(schedule.NextChange(At(2024y / 1 / 12, 22h, kCet)), At(2024y / 1 / 15, 7h, kCet));
  EXPECT_EQ(schedule.DayProfileIdOn(std::chrono::local_days(2024y / 1 / 13)), 2);
  EXPECT_EQ(schedule.DayProfileIdOn(std::chrono::local_days(2024y / 1 / 15)), 1);
  // Monday 2024-07-01 in CEST: 07:00 local is 05:00 UTC.
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 7 / 1, 5h) - 1s), 2);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 7 / 1, 5h)), 1);
}

TEST(TariffCalendarTest, SecondResolution) {
  const TariffSchedule schedule =
      Make(EveryDay({Sw(6h + 59min + 30s, 1), Sw(23h + 59min + 59s, 2)}), kUtc);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 1 / 10, 6h + 59min + 29s)), 2);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 1 / 10, 6h + 59min + 30s)), 1);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 1 / 10, 23h + 59min + 58s)), 1);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 1 / 10, 23h + 59min + 59s)), 2);
  EXPECT_EQ(schedule.NextChange(Utc(2024y / 1 / 10, 6h + 59min + 29s) + 500ms),
            Utc(2024y / 1 / 10, 6h + 59min + 30s));
  EXPECT_EQ(schedule.NextChange(Utc(2024y / 1 / 10, 6h + 59min + 30s)),
            Utc(2024y / 1 / 10, 23h + 59min + 59s));
  EXPECT_EQ(schedule.NextChange(Utc(2024y / 1 / 10, 23h + 59min + 59s)),
            Utc(2024y / 1 / 11, 6h + 59min + 30s));
}

// Special days beat the week profile; a one-off date beats a yearly one.
TEST(TariffCalendarTest, SpecialDays) {
  TariffCalendar calendar = DefaultTariffCalendar();
  calendar.day_profiles.push_back(DayProfile{3, {Sw(0s, 3)}});
  calendar.special_days = {
      SpecialDay{std::nullopt, std::chrono::December / 25, 2},  // Christmas, every year
      SpecialDay{2024y, std::chrono::May / 9, 2},               // Ascension 2024 (Thursday)
      SpecialDay{std::nullopt, std::chrono::May / 9, 3},        // some yearly May 9
  };
  const TariffSchedule schedule = Make(std::move(calendar), kCet);
  EXPECT_EQ(schedule.TariffAt(At(2024y / 5 / 8, 10h, kCet)), 1);    // Wednesday
  EXPECT_EQ(schedule.TariffAt(At(2024y / 5 / 9, 10h, kCet)), 2);    // one-off
  EXPECT_EQ(schedule.TariffAt(At(2025y / 5 / 9, 10h, kCet)), 3);    // yearly (Friday)
  EXPECT_EQ(schedule.TariffAt(At(2024y / 12 / 24, 10h, kCet)), 1);  // Tuesday
  EXPECT_EQ(schedule.TariffAt(At(2024y / 12 / 25, 10h, kCet)), 2);  // Wednesday, Christmas
  EXPECT_EQ(schedule.TariffAt(At(2025y / 12 / 25, 10h, kCet)), 2);  // Thursday, Christmas
  // Wednesday 22:00 T2 runs through the special Thursday into Friday 07:00; the two
  // midnights in between keep T2 and are not reported.
  EXPECT_EQ(schedule.NextChange(At(2024y / 5 / 8, 22h, kCet)), At(2024y / 5 / 10, 7h, kCet));
  EXPECT_EQ(At(2024y / 5 / 10, 7h, kCet), Utc(2024y / 5 / 10, 5h));
}

// Winter season from 1 October (carried over the new year), summer from 1 April.
TEST(TariffCalendarTest, SeasonsChangeAtLocalMidnight) {
  TariffCalendar calendar;
  calendar.day_profiles = {
      DayProfile{1, {Sw(7h, 1), Sw(22h, 2)}},  // winter working day
      DayProfile{2, {Sw(0s, 2)}},              // winter weekend
      DayProfile{3, {Sw(6h, 3), Sw(23h, 4)}},  // summer working day
      DayProfile{4, {Sw(0s, 4)}},              // summer weekend
  };
  calendar.week_profiles = {WeekProfile{1, {1, 1, 1, 1, 1, 2, 2}},
                            WeekProfile{2, {3, 3, 3, 3, 3, 4, 4}}};
  calendar.seasons = {Season{April / 1, 2}, Season{October / 1, 1}};
  const TariffSchedule schedule = Make(std::move(calendar), kCet);
  EXPECT_EQ(schedule.DayProfileIdOn(std::chrono::local_days(2024y / 1 / 15)), 1);  // Monday
  EXPECT_EQ(schedule.DayProfileIdOn(std::chrono::local_days(2024y / 7 / 6)), 4);   // Saturday
  EXPECT_EQ(schedule.DayProfileIdOn(std::chrono::local_days(2024y / 7 / 8)), 3);   // Monday
  // Sunday 31 March (winter weekend, T2) to Monday 1 April (summer working day, T4 until
  // 06:00): local midnight CEST is 22:00 UTC.
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 3 / 31, 22h) - 1s), 2);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 3 / 31, 22h)), 4);
  EXPECT_EQ(schedule.NextChange(Utc(2024y / 3 / 31, 12h)), Utc(2024y / 3 / 31, 22h));
  EXPECT_EQ(schedule.NextChange(Utc(2024y / 3 / 31, 22h)), Utc(2024y / 4 / 1, 4h));
  // Monday 30 September 23:00 T4 to Tuesday 1 October (winter working day, T2 until 07:00).
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 9 / 30, 22h) - 1s), 4);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 9 / 30, 22h)), 2);
  EXPECT_EQ(schedule.NextChange(Utc(2024y / 9 / 30, 21h + 30min)), Utc(2024y / 9 / 30, 22h));
}

TEST(TariffCalendarTest, SeasonStartingOnLeapDayStartsOnMarchFirstOtherwise) {
  TariffCalendar calendar;
  calendar.day_profiles = {DayProfile{1, {Sw(0s, 1)}}, DayProfile{2, {Sw(0s, 2)}}};
  calendar.week_profiles = {WeekProfile{1, {1, 1, 1, 1, 1, 1, 1}},
                            WeekProfile{2, {2, 2, 2, 2, 2, 2, 2}}};
  calendar.seasons = {Season{January / 1, 1}, Season{February / 29, 2}};
  const TariffSchedule schedule = Make(std::move(calendar), kCet);
  EXPECT_EQ(schedule.DayProfileIdOn(std::chrono::local_days(2024y / 2 / 28)), 1);
  EXPECT_EQ(schedule.DayProfileIdOn(std::chrono::local_days(2024y / 2 / 29)), 2);
  EXPECT_EQ(schedule.DayProfileIdOn(std::chrono::local_days(2025y / 2 / 28)), 1);
  EXPECT_EQ(schedule.DayProfileIdOn(std::chrono::local_days(2025y / 3 / 1)), 2);
  EXPECT_EQ(schedule.DayProfileIdOn(std::chrono::local_days(2025y / 12 / 31)), 2);
}

// CET 2024-03-31: local 02:00..02:59:59 does not exist. A switch point inside it fires at the
// change instant, 01:00:00 UTC, when the clock jumps from 01:59:59 to 03:00:00.
TEST(TariffCalendarTest, SwitchInsideTheSkippedHourFiresAtTheChange) {
  const TariffSchedule schedule = Make(EveryDay({Sw(0s, 1), Sw(2h + 30min, 3), Sw(5h, 1)}), kCet);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 3 / 30, 1h + 30min) - 1s), 1);  // a normal day
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 3 / 30, 1h + 30min)), 3);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 3 / 31, 59min + 59s)), 1);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 3 / 31, 1h)), 3);
  EXPECT_EQ(schedule.NextChange(Utc(2024y / 3 / 31)), Utc(2024y / 3 / 31, 1h));
  EXPECT_EQ(schedule.NextChange(Utc(2024y / 3 / 31, 1h)), Utc(2024y / 3 / 31, 3h));  // 05:00 CEST

  // Two switch points in the skipped hour: the last one wins.
  const TariffSchedule two =
      Make(EveryDay({Sw(0s, 1), Sw(2h + 10min, 3), Sw(2h + 40min, 4), Sw(5h, 1)}), kCet);
  EXPECT_EQ(two.TariffAt(Utc(2024y / 3 / 31, 1h)), 4);
  EXPECT_EQ(two.NextChange(Utc(2024y / 3 / 31)), Utc(2024y / 3 / 31, 1h));
  EXPECT_EQ(two.NextChange(Utc(2024y / 3 / 31, 1h)), Utc(2024y / 3 / 31, 3h));

  // London skips 01:00..01:59:59 local.
  const TariffSchedule london = Make(EveryDay({Sw(0s, 1), Sw(1h + 30min, 2), Sw(12h, 1)}), kLondon);
  EXPECT_EQ(london.TariffAt(Utc(2024y / 3 / 31, 59min + 59s)), 1);
  EXPECT_EQ(london.TariffAt(Utc(2024y / 3 / 31, 1h)), 2);
}

// CET 2024-10-27: local 02:00..02:59:59 happens at 00:00 UTC (CEST) and again at 01:00 UTC
// (CET). A switch point inside it fires once, on the first pass.
TEST(TariffCalendarTest, SwitchInsideTheRepeatedHourFiresOnce) {
  const TariffSchedule schedule = Make(EveryDay({Sw(0s, 1), Sw(2h + 30min, 3), Sw(5h, 1)}), kCet);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 10 / 27, 29min + 59s)), 1);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 10 / 27, 30min)), 3);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 10 / 27, 1h)), 3);  // 02:00 CET: no fall-back to T1
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 10 / 27, 1h + 30min)), 3);  // 02:30 CET
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 10 / 27, 1h + 59min + 59s)), 3);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 10 / 27, 4h) - 1s), 3);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 10 / 27, 4h)), 1);  // 05:00 CET
  EXPECT_EQ(schedule.NextChange(Utc(2024y / 10 / 27)), Utc(2024y / 10 / 27, 30min));
  EXPECT_EQ(schedule.NextChange(Utc(2024y / 10 / 27, 30min)), Utc(2024y / 10 / 27, 4h));

  // A switch at the start of the repeated hour, and one right after it.
  const TariffSchedule edges = Make(EveryDay({Sw(0s, 1), Sw(2h, 2), Sw(3h, 1)}), kCet);
  EXPECT_EQ(edges.TariffAt(Utc(2024y / 10 / 26, 23h + 59min + 59s)), 1);
  EXPECT_EQ(edges.TariffAt(Utc(2024y / 10 / 27)), 2);                    // 02:00 CEST
  EXPECT_EQ(edges.TariffAt(Utc(2024y / 10 / 27, 1h + 59min + 59s)), 2);  // 02:59:59 CET
  EXPECT_EQ(edges.TariffAt(Utc(2024y / 10 / 27, 2h)), 1);                // 03:00 CET
  EXPECT_EQ(edges.NextChange(Utc(2024y / 10 / 26, 23h)), Utc(2024y / 10 / 27));
  EXPECT_EQ(edges.NextChange(Utc(2024y / 10 / 27)), Utc(2024y / 10 / 27, 2h));

  // Finland repeats 03:00..03:59:59 local.
  const TariffSchedule finland =
      Make(EveryDay({Sw(0s, 1), Sw(3h + 30min, 2), Sw(12h, 1)}), kFinland);
  EXPECT_EQ(finland.TariffAt(Utc(2024y / 10 / 27, 30min) - 1s), 1);
  EXPECT_EQ(finland.TariffAt(Utc(2024y / 10 / 27, 30min)), 2);  // 03:30 EEST
  EXPECT_EQ(finland.TariffAt(Utc(2024y / 10 / 27, 1h)), 2);     // 03:00 EET
  EXPECT_EQ(finland.NextChange(Utc(2024y / 10 / 27, 30min)), Utc(2024y / 10 / 27, 10h));
}

// At GMT-1 with EU summer time the skipped hour is local 00:00..00:59:59 on Sunday: the day
// boundary itself lies inside it and takes effect at the change instant.
TEST(TariffCalendarTest, DayBoundaryInsideTheSkippedHour) {
  TariffCalendar calendar;
  calendar.day_profiles = {DayProfile{1, {Sw(0s, 1)}}, DayProfile{2, {Sw(0s, 2)}},
                           DayProfile{3, {Sw(0s, 3)}}};
  calendar.week_profiles = {WeekProfile{1, {1, 1, 1, 1, 1, 2, 3}}};
  calendar.seasons = {Season{January / 1, 1}};
  const LocalTimeRules minus1{std::chrono::hours(-1), DstRule::kEu};
  const TariffSchedule schedule = Make(std::move(calendar), minus1);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 3 / 31, 59min + 59s)), 2);  // Saturday 23:59:59
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 3 / 31, 1h)), 3);           // Sunday 01:00:00
  EXPECT_EQ(schedule.NextChange(Utc(2024y / 3 / 30, 12h)), Utc(2024y / 3 / 31, 1h));
}

TEST(TariffCalendarTest, ConstantCalendarNeverChanges) {
  TariffCalendar calendar = EveryDay({Sw(0s, 3)});
  calendar.day_profiles.push_back(DayProfile{2, {Sw(0s, 1), Sw(12h, 2)}});  // never used
  const TariffSchedule schedule = Make(std::move(calendar), kCet);
  EXPECT_EQ(schedule.TariffAt(Utc(2024y / 6 / 1)), 3);
  EXPECT_EQ(schedule.NextChange(Utc(2024y / 6 / 1)), std::nullopt);
}

// A calendar that differs from T1 only on one day in 2030: the look-ahead returns instants
// without a change on the way, and walking still reaches the two changes exactly.
TEST(TariffCalendarTest, RareChangeBeyondTheLookahead) {
  TariffCalendar calendar = EveryDay({Sw(0s, 1)});
  calendar.day_profiles.push_back(DayProfile{2, {Sw(0s, 2)}});
  calendar.special_days = {SpecialDay{2030y, std::chrono::June / 1, 2}};
  const TariffSchedule schedule = Make(std::move(calendar), kCet);
  const TimePoint start = Utc(2024y / 1 / 1);
  EXPECT_EQ(schedule.NextChange(start), At(2024y / 1 / 1, 0s, kCet) + TariffSchedule::kLookahead);
  std::vector<TimePoint> changes;
  TimePoint t = start;
  int tariff = schedule.TariffAt(t);
  for (int steps = 0; steps < 20 && t < Utc(2031y / 1 / 1); ++steps) {
    const std::optional<TimePoint> next = schedule.NextChange(t);
    ASSERT_TRUE(next.has_value());
    ASSERT_GT(*next, t);
    t = *next;
    if (schedule.TariffAt(t) != tariff) changes.push_back(t);
    tariff = schedule.TariffAt(t);
  }
  EXPECT_EQ(changes, (std::vector<TimePoint>{Utc(2030y / 5 / 31, 22h), Utc(2030y / 6 / 1, 22h)}));
}

TEST(TariffCalendarTest, RejectsBadDayProfiles) {
  EXPECT_EQ(CreateError(EveryDay({Sw(0s, 5)})),
            "day profile 1, switch point 1: tariff 5 is not one of 1..4");
  EXPECT_EQ(CreateError(EveryDay({Sw(0s, 1), Sw(7h, 0)})),
            "day profile 1, switch point 2: tariff 0 is not one of 1..4");
  EXPECT_EQ(CreateError(EveryDay({Sw(24h, 1)})),
            "day profile 1, switch point 1: time of day 86400 s is not within 00:00:00..23:59:59");
  EXPECT_EQ(CreateError(EveryDay({Sw(-1s, 1)})),
            "day profile 1, switch point 1: time of day -1 s is not within 00:00:00..23:59:59");
  EXPECT_EQ(CreateError(EveryDay({Sw(22h, 2), Sw(7h, 1)})),
            "day profile 1: switch point 2 at 07:00:00 is not after switch point 1 at 22:00:00 "
            "(switch points must be sorted and unique)");
  EXPECT_EQ(CreateError(EveryDay({Sw(7h, 1), Sw(7h, 2)})),
            "day profile 1: switch point 2 at 07:00:00 is not after switch point 1 at 07:00:00 "
            "(switch points must be sorted and unique)");
  EXPECT_EQ(CreateError(EveryDay({})), "day profile 1 has no switch points");
  TariffCalendar twice = EveryDay({Sw(0s, 1)});
  twice.day_profiles.push_back(DayProfile{1, {Sw(0s, 2)}});
  EXPECT_EQ(CreateError(std::move(twice)), "day profile id 1 is used twice");
}

TEST(TariffCalendarTest, RejectsBadReferencesAndDates) {
  TariffCalendar missing_day = EveryDay({Sw(0s, 1)});
  missing_day.week_profiles[0].day_profile_ids[6] = 9;
  EXPECT_EQ(CreateError(std::move(missing_day)),
            "week profile 1 (Sunday) refers to day profile 9, which does not exist");

  TariffCalendar twice_week = EveryDay({Sw(0s, 1)});
  twice_week.week_profiles.push_back(twice_week.week_profiles[0]);
  EXPECT_EQ(CreateError(std::move(twice_week)), "week profile id 1 is used twice");

  TariffCalendar no_season = EveryDay({Sw(0s, 1)});
  no_season.seasons.clear();
  EXPECT_EQ(CreateError(std::move(no_season)), "the tariff calendar has no season");

  TariffCalendar unsorted = EveryDay({Sw(0s, 1)});
  unsorted.seasons = {Season{October / 1, 1}, Season{April / 1, 1}};
  EXPECT_EQ(CreateError(std::move(unsorted)),
            "season 2 does not start after season 1 (seasons must be sorted by start date and "
            "start on different dates)");

  TariffCalendar bad_start = EveryDay({Sw(0s, 1)});
  bad_start.seasons = {Season{February / 30, 1}};
  EXPECT_EQ(CreateError(std::move(bad_start)), "season 1 starts on an invalid month/day");

  TariffCalendar missing_week = EveryDay({Sw(0s, 1)});
  missing_week.seasons = {Season{January / 1, 7}};
  EXPECT_EQ(CreateError(std::move(missing_week)),
            "season 1 refers to week profile 7, which does not exist");

  TariffCalendar missing_special = EveryDay({Sw(0s, 1)});
  missing_special.special_days = {SpecialDay{2024y, std::chrono::December / 25, 9}};
  EXPECT_EQ(CreateError(std::move(missing_special)),
            "special day 2024-12-25 refers to day profile 9, which does not exist");

  TariffCalendar not_a_date = EveryDay({Sw(0s, 1)});
  not_a_date.special_days = {SpecialDay{2025y, February / 29, 1}};
  EXPECT_EQ(CreateError(std::move(not_a_date)), "special day 2025-02-29 is not a date");

  TariffCalendar leap_day = EveryDay({Sw(0s, 1)});
  leap_day.special_days = {SpecialDay{std::nullopt, February / 29, 1}};
  EXPECT_EQ(CreateError(std::move(leap_day)), "OK");

  TariffCalendar duplicate = EveryDay({Sw(0s, 1)});
  duplicate.special_days = {SpecialDay{std::nullopt, std::chrono::December / 25, 1},
                            SpecialDay{std::nullopt, std::chrono::December / 25, 1}};
  EXPECT_EQ(CreateError(std::move(duplicate)), "special day every year 12-25 is given twice");
}

TEST(TariffCalendarTest, RejectsBadLocalTimeRules) {
  const std::string error =
      CreateError(DefaultTariffCalendar(), {std::chrono::hours(13), DstRule::kEu});
  EXPECT_NE(error.find("Z11"), std::string::npos) << error;
}

}  // namespace
}  // namespace vmuc::meters
