#include "meters/clock/local_time.h"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace vmuc::meters {
namespace {

using namespace std::chrono_literals;
using std::chrono::sys_days;

constexpr LocalTimeRules kCet{std::chrono::hours(1), DstRule::kEu};      // Z11 01, Z15 001
constexpr LocalTimeRules kFinland{std::chrono::hours(2), DstRule::kEu};  // Z11 02, Z15 001
constexpr LocalTimeRules kLondon{std::chrono::hours(0), DstRule::kEu};   // Z11 00, Z15 001

// A UTC instant written as a calendar date plus time of day.
TimePoint Utc(std::chrono::year_month_day date, Duration time_of_day = Duration(0)) {
  return TimePoint(sys_days(date)) + time_of_day;
}

LocalTime Local(std::chrono::year_month_day date, Duration time_of_day = Duration(0)) {
  return LocalTime(std::chrono::local_days(date)) + time_of_day;
}

LocalDateTime Expected(int year, int month, int day, int weekday, int hour, int minute, int second,
                       bool dst, int offset_minutes) {
  LocalDateTime out;
  out.year = year;
  out.month = month;
  out.day = day;
  out.weekday = weekday;
  out.hour = hour;
  out.minute = minute;
  out.second = second;
  out.dst_active = dst;
  out.utc_offset = std::chrono::minutes(offset_minutes);
  return out;
}

TEST(LocalTimeTest, ValidatesZ11Range) {
  EXPECT_TRUE(ValidateLocalTimeRules({std::chrono::hours(0), DstRule::kNone}).ok());
  EXPECT_TRUE(ValidateLocalTimeRules({std::chrono::hours(12), DstRule::kEu}).ok());
  EXPECT_TRUE(ValidateLocalTimeRules({std::chrono::hours(-11), DstRule::kEu}).ok());
  EXPECT_FALSE(ValidateLocalTimeRules({std::chrono::hours(13), DstRule::kNone}).ok());
  EXPECT_FALSE(ValidateLocalTimeRules({std::chrono::hours(-12), DstRule::kNone}).ok());
  const absl::Status half_hour =
      ValidateLocalTimeRules({std::chrono::minutes(330), DstRule::kNone});
  EXPECT_EQ(half_hour.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(half_hour.message()).find("Z11"), std::string::npos);
}

// The last Sundays of March and October, checked against a printed calendar; leap years
// (2000, 2020, 2024, 2028, 2032, 2096) and a century that is not one (2100) included.
TEST(LocalTimeTest, EuSummerTimeDates) {
  struct Case {
    int year;
    unsigned march_day;
    unsigned october_day;
  };
  const std::vector<Case> cases = {
      {2000, 26, 29}, {2020, 29, 25}, {2023, 26, 29}, {2024, 31, 27},
      {2025, 30, 26}, {2026, 29, 25}, {2027, 28, 31}, {2028, 26, 29},
      {2032, 28, 31}, {2096, 25, 28}, {2100, 28, 31},
  };
  for (const Case& c : cases) {
    const std::chrono::year year(c.year);
    EXPECT_EQ(EuSummerTimeStart(year),
              Utc(year / std::chrono::March / std::chrono::day(c.march_day), 1h))
        << c.year;
    EXPECT_EQ(EuSummerTimeEnd(year),
              Utc(year / std::chrono::October / std::chrono::day(c.october_day), 1h))
        << c.year;
  }
  // The same two instants as Unix seconds, computed independently of <chrono>.
  EXPECT_EQ(EuSummerTimeStart(2024y), TimePoint(1'711'846'800s));
  EXPECT_EQ(EuSummerTimeEnd(2024y), TimePoint(1'729'990'800s));
}

TEST(LocalTimeTest, DstActiveIsHalfOpenAndIgnoredWithoutRule) {
  EXPECT_FALSE(IsDstActive(Utc(2025y / 3 / 30, 1h) - 1ns, kCet));
  EXPECT_TRUE(IsDstActive(Utc(2025y / 3 / 30, 1h), kCet));
  EXPECT_TRUE(IsDstActive(Utc(2025y / 10 / 26, 1h) - 1ns, kCet));
  EXPECT_FALSE(IsDstActive(Utc(2025y / 10 / 26, 1h), kCet));
  EXPECT_FALSE(IsDstActive(Utc(2025y / 7 / 1), {std::chrono::hours(1), DstRule::kNone}));
  EXPECT_EQ(UtcOffset(Utc(2025y / 7 / 1), kCet), 120min);
  EXPECT_EQ(UtcOffset(Utc(2025y / 1 / 1), kCet), 60min);
}

TEST(LocalTimeTest, CetAroundSpringChange) {
  // 2024-03-31: 01:59:59 CET is followed by 03:00:00 CEST.
  EXPECT_EQ(ToLocal(Utc(2024y / 3 / 31, 59min + 59s), kCet),
            Expected(2024, 3, 31, 7, 1, 59, 59, false, 60));
  EXPECT_EQ(ToLocal(Utc(2024y / 3 / 31, 1h), kCet), Expected(2024, 3, 31, 7, 3, 0, 0, true, 120));
}

TEST(LocalTimeTest, CetAroundAutumnChange) {
  // 2024-10-27: 02:59:59 CEST is followed by 02:00:00 CET; the hour is shown twice.
  EXPECT_EQ(ToLocal(Utc(2024y / 10 / 27, 59min + 59s), kCet),
            Expected(2024, 10, 27, 7, 2, 59, 59, true, 120));
  EXPECT_EQ(ToLocal(Utc(2024y / 10 / 27, 1h), kCet), Expected(2024, 10, 27, 7, 2, 0, 0, false, 60));
  EXPECT_EQ(ToLocal(Utc(2024y / 10 / 27, 1h + 59min + 59s), kCet),
            Expected(2024, 10, 27, 7, 2, 59, 59, false, 60));
  EXPECT_EQ(ToLocal(Utc(2024y / 10 / 27, 2h), kCet), Expected(2024, 10, 27, 7, 3, 0, 0, false, 60));
}

TEST(LocalTimeTest, FinlandAroundBothChanges) {
  EXPECT_EQ(ToLocal(Utc(2025y / 3 / 30, 59min + 59s), kFinland),
            Expected(2025, 3, 30, 7, 2, 59, 59, false, 120));
  EXPECT_EQ(ToLocal(Utc(2025y / 3 / 30, 1h), kFinland),
            Expected(2025, 3, 30, 7, 4, 0, 0, true, 180));
  EXPECT_EQ(ToLocal(Utc(2025y / 10 / 26, 59min + 59s), kFinland),
            Expected(2025, 10, 26, 7, 3, 59, 59, true, 180));
  EXPECT_EQ(ToLocal(Utc(2025y / 10 / 26, 1h), kFinland),
            Expected(2025, 10, 26, 7, 3, 0, 0, false, 120));
}

TEST(LocalTimeTest, LondonAroundBothChanges) {
  EXPECT_EQ(ToLocal(Utc(2026y / 3 / 29, 59min + 59s), kLondon),
            Expected(2026, 3, 29, 7, 0, 59, 59, false, 0));
  EXPECT_EQ(ToLocal(Utc(2026y / 3 / 29, 1h), kLondon), Expected(2026, 3, 29, 7, 2, 0, 0, true, 60));
  EXPECT_EQ(ToLocal(Utc(2026y / 10 / 25, 59min + 59s), kLondon),
            Expected(2026, 10, 25, 7, 1, 59, 59, true, 60));
  EXPECT_EQ(ToLocal(Utc(2026y / 10 / 25, 1h), kLondon),
            Expected(2026, 10, 25, 7, 1, 0, 0, false, 0));
}

TEST(LocalTimeTest, NegativeOffsets) {
  const LocalTimeRules minus5{std::chrono::hours(-5), DstRule::kNone};
  // The local date and the year run behind UTC.
  EXPECT_EQ(ToLocal(Utc(2024y / 1 / 1, 3h), minus5),
            Expected(2023, 12, 31, 7, 22, 0, 0, false, -300));
  // With the EU rule the change instant (01:00 UTC on Sunday) is Saturday evening locally.
  const LocalTimeRules minus5_eu{std::chrono::hours(-5), DstRule::kEu};
  EXPECT_EQ(ToLocal(Utc(2024y / 3 / 31, 59min + 59s), minus5_eu),
            Expected(2024, 3, 30, 6, 19, 59, 59, false, -300));
  EXPECT_EQ(ToLocal(Utc(2024y / 3 / 31, 1h), minus5_eu),
            Expected(2024, 3, 30, 6, 21, 0, 0, true, -240));
  // Z11's extremes.
  EXPECT_EQ(ToLocal(Utc(2024y / 1 / 1), {std::chrono::hours(-11), DstRule::kNone}),
            Expected(2023, 12, 31, 7, 13, 0, 0, false, -660));
  EXPECT_EQ(ToLocal(Utc(2024y / 1 / 1), {std::chrono::hours(12), DstRule::kNone}),
            Expected(2024, 1, 1, 1, 12, 0, 0, false, 720));
}

TEST(LocalTimeTest, FormatsForHumans) {
  EXPECT_EQ(ToLocal(Utc(2024y / 3 / 31, 1h), kCet).ToString(),
            "2024-03-31 03:00:00 Sun UTC+02:00 DST");
  EXPECT_EQ(ToLocal(Utc(2024y / 1 / 1, 3h), {std::chrono::hours(-5), DstRule::kNone}).ToString(),
            "2023-12-31 22:00:00 Sun UTC-05:00");
}

TEST(LocalTimeTest, NextDstChangeWalksTheChanges) {
  EXPECT_EQ(NextDstChange(Utc(2024y / 1 / 1), kCet), Utc(2024y / 3 / 31, 1h));
  EXPECT_EQ(NextDstChange(Utc(2024y / 3 / 31, 1h) - 1ns, kCet), Utc(2024y / 3 / 31, 1h));
  // Strictly after: an instant that is itself a change yields the following one.
  EXPECT_EQ(NextDstChange(Utc(2024y / 3 / 31, 1h), kCet), Utc(2024y / 10 / 27, 1h));
  EXPECT_EQ(NextDstChange(Utc(2024y / 10 / 27, 1h), kCet), Utc(2025y / 3 / 30, 1h));
  EXPECT_EQ(NextDstChange(Utc(2024y / 12 / 31, 23h), kFinland), Utc(2025y / 3 / 30, 1h));
  EXPECT_EQ(NextDstChange(Utc(2024y / 1 / 1), {std::chrono::hours(1), DstRule::kNone}),
            std::nullopt);
}

TEST(LocalTimeTest, SkippedLocalTimesResolveToTheChange) {
  // CET 2024-03-31: 02:00:00 .. 02:59:59 local never happens.
  const TimePoint change = Utc(2024y / 3 / 31, 1h);
  LocalTimeLookup before = LookupLocal(Local(2024y / 3 / 31, 1h + 59min + 59s), kCet);
  EXPECT_EQ(before.kind, LocalTimeKind::kUnique);
  EXPECT_EQ(before.first, change - 1s);
  for (const Duration time_of_day : {Duration(2h), Duration(2h + 30min), Duration(3h - 1ns)}) {
    const LocalTimeLookup skipped = LookupLocal(Local(2024y / 3 / 31, time_of_day), kCet);
    EXPECT_EQ(skipped.kind, LocalTimeKind::kSkipped);
    EXPECT_EQ(skipped.first, change);
    EXPECT_EQ(skipped.second, change);
  }
  const LocalTimeLookup after = LookupLocal(Local(2024y / 3 / 31, 3h), kCet);
  EXPECT_EQ(after.kind, LocalTimeKind::kUnique);
  EXPECT_EQ(after.first, change);
  // London skips 01:00 .. 01:59:59; at GMT-1 the skipped hour starts at local midnight.
  EXPECT_EQ(LookupLocal(Local(2024y / 3 / 31, 1h), kLondon).kind, LocalTimeKind::kSkipped);
  EXPECT_EQ(LookupLocal(Local(2024y / 3 / 31, 2h), kLondon).first, change);
  const LocalTimeRules minus1{std::chrono::hours(-1), DstRule::kEu};
  EXPECT_EQ(LookupLocal(Local(2024y / 3 / 30, 23h + 59min + 59s), minus1).first, change - 1s);
  EXPECT_EQ(LookupLocal(Local(2024y / 3 / 31), minus1).kind, LocalTimeKind::kSkipped);
  EXPECT_EQ(LookupLocal(Local(2024y / 3 / 31, 1h), minus1).kind, LocalTimeKind::kUnique);
}

TEST(LocalTimeTest, RepeatedLocalTimesResolveToTheFirstPass) {
  // CET 2024-10-27: 02:00:00 .. 02:59:59 local happens at 00:00 UTC and again at 01:00 UTC.
  const LocalTimeLookup unique = LookupLocal(Local(2024y / 10 / 27, 1h + 59min + 59s), kCet);
  EXPECT_EQ(unique.kind, LocalTimeKind::kUnique);
  EXPECT_EQ(unique.first, Utc(2024y / 10 / 26, 23h + 59min + 59s));
  const LocalTimeLookup start = LookupLocal(Local(2024y / 10 / 27, 2h), kCet);
  EXPECT_EQ(start.kind, LocalTimeKind::kRepeated);
  EXPECT_EQ(start.first, Utc(2024y / 10 / 27));
  EXPECT_EQ(start.second, Utc(2024y / 10 / 27, 1h));
  const LocalTimeLookup last = LookupLocal(Local(2024y / 10 / 27, 2h + 59min + 59s), kCet);
  EXPECT_EQ(last.kind, LocalTimeKind::kRepeated);
  EXPECT_EQ(last.first, Utc(2024y / 10 / 27, 59min + 59s));
  EXPECT_EQ(last.second, Utc(2024y / 10 / 27, 1h + 59min + 59s));
  EXPECT_EQ(ToUtc(Local(2024y / 10 / 27, 2h + 30min), kCet), Utc(2024y / 10 / 27, 30min));
  const LocalTimeLookup after = LookupLocal(Local(2024y / 10 / 27, 3h), kCet);
  EXPECT_EQ(after.kind, LocalTimeKind::kUnique);
  EXPECT_EQ(after.first, Utc(2024y / 10 / 27, 2h));
}

TEST(LocalTimeTest, ScheduleLocalTimeHoldsDuringTheSecondPass) {
  const LocalTime held = Local(2024y / 10 / 27, 3h) - 1ns;
  EXPECT_EQ(ScheduleLocalTime(Utc(2024y / 10 / 27, 59min), kCet),
            Local(2024y / 10 / 27, 2h + 59min));
  EXPECT_EQ(ScheduleLocalTime(Utc(2024y / 10 / 27, 1h), kCet), held);
  EXPECT_EQ(ScheduleLocalTime(Utc(2024y / 10 / 27, 2h) - 1ns, kCet), held);
  EXPECT_EQ(ScheduleLocalTime(Utc(2024y / 10 / 27, 2h), kCet), Local(2024y / 10 / 27, 3h));
  // The displayed clock does run backwards.
  EXPECT_EQ(ToLocalTime(Utc(2024y / 10 / 27, 1h), kCet), Local(2024y / 10 / 27, 2h));
}

// Brute force over the change days for every offset Z11 allows: ToUtc() is the first instant
// at which ScheduleLocalTime() reaches the local time, ScheduleLocalTime() never runs
// backwards, and ToUtc(ToLocalTime(t)) == t except on the second pass of the repeated hour.
TEST(LocalTimeTest, ToUtcIsTheFirstInstantScheduleTimeReachesIt) {
  for (int hours = -11; hours <= 12; ++hours) {
    for (const DstRule dst : {DstRule::kNone, DstRule::kEu}) {
      const LocalTimeRules rules{std::chrono::hours(hours), dst};
      ASSERT_TRUE(ValidateLocalTimeRules(rules).ok());
      for (const TimePoint day : {Utc(2024y / 3 / 30), Utc(2024y / 10 / 26)}) {
        LocalTime previous = ScheduleLocalTime(day, rules);
        for (TimePoint t = day; t < day + 48h; t += 1min) {
          const LocalTime schedule = ScheduleLocalTime(t, rules);
          ASSERT_GE(schedule, previous) << hours;
          previous = schedule;
          const LocalTime shown = ToLocalTime(t, rules);
          const bool second_pass =
              dst == DstRule::kEu && t >= EuSummerTimeEnd(2024y) && t < EuSummerTimeEnd(2024y) + 1h;
          ASSERT_EQ(ToUtc(shown, rules), second_pass ? t - 1h : t) << hours;
          // Local minute `l` (whole minutes): first reached at ToUtc(l).
          const LocalTime l = LocalTime(std::chrono::floor<std::chrono::minutes>(shown)) + 30s;
          const TimePoint reached = ToUtc(l, rules);
          ASSERT_GE(ScheduleLocalTime(reached, rules), l) << hours;
          ASSERT_LT(ScheduleLocalTime(reached - 1ns, rules), l) << hours;
        }
      }
    }
  }
}

}  // namespace
}  // namespace vmuc::meters
