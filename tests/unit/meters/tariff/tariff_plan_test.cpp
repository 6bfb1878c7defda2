#include "meters/tariff/tariff_plan.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace vmuc::meters {
namespace {

using namespace std::chrono_literals;
using std::chrono::year_month_day;

constexpr LocalTimeRules kCet{std::chrono::hours(1), DstRule::kEu};

TimePoint Utc(year_month_day date, Duration time_of_day = Duration(0)) {
  return TimePoint(std::chrono::sys_days(date)) + time_of_day;
}

TimePoint LocalMidnight(year_month_day date, const LocalTimeRules& rules) {
  return ToUtc(LocalTime(std::chrono::local_days(date)), rules);
}

TariffPlan MakePlan(TariffPlanConfig config) {
  absl::StatusOr<TariffPlan> plan = TariffPlan::Create(std::move(config));
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return plan.ok() ? *std::move(plan) : TariffPlan();
}

TariffPlanConfig Register(TariffCalendar calendar, LocalTimeRules rules) {
  TariffPlanConfig config;
  config.control = TariffControl::kRegister;
  config.calendar = std::move(calendar);
  config.local_time = rules;
  return config;
}

TEST(TariffPlanTest, DefaultPlanIsDisabled) {
  const TariffPlan plan;
  EXPECT_EQ(plan.control(), TariffControl::kDisabled);
  EXPECT_EQ(plan.CurrentTariff(Utc(2024y / 1 / 8, 12h), {true, true}), 1);
  EXPECT_EQ(plan.NextPossibleChange(Utc(2024y / 1 / 8)), std::nullopt);
}

TEST(TariffPlanTest, DisabledIgnoresInputsAndTime) {
  TariffPlanConfig config;
  config.control = TariffControl::kDisabled;
  config.input_mode = {TariffInputKind::kFourTariff, false, 1};
  const TariffPlan plan = MakePlan(config);
  EXPECT_EQ(plan.CurrentTariff(Utc(2024y / 1 / 8, 12h), {true, true}), 1);
  EXPECT_EQ(plan.NextPossibleChange(Utc(2024y / 1 / 8)), std::nullopt);
}

TEST(TariffPlanTest, ModulePortFollowsTheInputs) {
  TariffPlanConfig config;
  config.control = TariffControl::kModulePort;
  config.input_mode = {TariffInputKind::kFourTariff, true, 1};  // Z3 02
  const TariffPlan plan = MakePlan(config);
  const TimePoint t = Utc(2024y / 1 / 8, 12h);
  EXPECT_EQ(plan.CurrentTariff(t, {false, false}), 4);
  EXPECT_EQ(plan.CurrentTariff(t, {true, false}), 3);
  EXPECT_EQ(plan.CurrentTariff(t, {false, true}), 2);
  EXPECT_EQ(plan.CurrentTariff(t, {true, true}), 1);
  // Changes arrive as input events, never by themselves.
  EXPECT_EQ(plan.NextPossibleChange(t), std::nullopt);

  config.input_mode = {TariffInputKind::kTwoTariff, false, 2};  // Z3 13
  const TariffPlan two = MakePlan(config);
  EXPECT_EQ(two.CurrentTariff(t, {true, false}), 1);
  EXPECT_EQ(two.CurrentTariff(t, {false, true}), 2);
}

TEST(TariffPlanTest, ModulePortNeedsTariffInputs) {
  TariffPlanConfig config;
  config.control = TariffControl::kModulePort;
  const absl::StatusOr<TariffPlan> none = TariffPlan::Create(config);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(none.status().message()).find("Z13 001"), std::string::npos);
  config.input_mode = {TariffInputKind::kTwoTariff, false, 0};
  EXPECT_FALSE(TariffPlan::Create(config).ok());
}

TEST(TariffPlanTest, RegisterControlValidatesItsCalendar) {
  TariffCalendar calendar = DefaultTariffCalendar();
  calendar.day_profiles[0].switches[1].tariff = 7;
  const absl::StatusOr<TariffPlan> plan = TariffPlan::Create(Register(calendar, kCet));
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(plan.status().message()),
            "day profile 1, switch point 2: tariff 7 is not one of 1..4");
  // Disabled does not look at the calendar it does not use.
  TariffPlanConfig disabled = Register(calendar, kCet);
  disabled.control = TariffControl::kDisabled;
  EXPECT_TRUE(TariffPlan::Create(disabled).ok());
}

TEST(TariffPlanTest, RegisterControlWithTheDefaultCalendar) {
  TariffPlanConfig config;
  config.control = TariffControl::kRegister;
  config.local_time = kCet;
  const TariffPlan plan = MakePlan(config);
  // Monday 2024-01-08 07:00:00 CET = 06:00:00 UTC; the inputs do not matter.
  EXPECT_EQ(plan.CurrentTariff(Utc(2024y / 1 / 8, 6h) - 1s, {true, true}), 2);
  EXPECT_EQ(plan.CurrentTariff(Utc(2024y / 1 / 8, 6h), {false, false}), 1);
  EXPECT_EQ(plan.NextPossibleChange(Utc(2024y / 1 / 8)), Utc(2024y / 1 / 8, 6h));
  // Copies share one compiled calendar.
  const TariffPlan copy = plan;
  ASSERT_NE(plan.schedule(), nullptr);
  EXPECT_EQ(copy.schedule(), plan.schedule());
}

// Every tariff change in a local calendar year, found by a brute-force minute scan (all
// switch points and offsets are whole minutes, so each change lands on a scanned minute).
std::vector<TimePoint> ScanChanges(const TariffPlan& plan, TimePoint begin, TimePoint end) {
  std::vector<TimePoint> changes;
  int previous = plan.CurrentTariff(begin, {});
  for (TimePoint t = begin + 1min; t <= end; t += 1min) {
    const int tariff = plan.CurrentTariff(t, {});
    if (tariff != previous) changes.push_back(t);
    previous = tariff;
  }
  return changes;
}

std::vector<TimePoint> WalkChanges(const TariffPlan& plan, TimePoint begin, TimePoint end) {
  std::vector<TimePoint> changes;
  TimePoint t = begin;
  while (true) {
    const std::optional<TimePoint> next = plan.NextPossibleChange(t);
    if (!next.has_value() || *next > end) break;
    EXPECT_GT(*next, t);
    // The change lands on its second: the instant before has the old tariff.
    EXPECT_NE(plan.CurrentTariff(*next - 1ns, {}), plan.CurrentTariff(*next, {}));
    changes.push_back(*next);
    t = *next;
  }
  return changes;
}

// Hand count: 2024 has 262 working days (366 days from Monday 1 January: 52 weeks plus a
// Monday and a Tuesday), each with a change at 07:00 and at 22:00 local.
TEST(TariffPlanTest, DefaultCalendarYearHas524Changes) {
  const TariffPlan plan = MakePlan(Register(DefaultTariffCalendar(), kCet));
  const TimePoint begin = LocalMidnight(2024y / 1 / 1, kCet);
  const TimePoint end = LocalMidnight(2025y / 1 / 1, kCet);
  const std::vector<TimePoint> walked = WalkChanges(plan, begin, end);
  ASSERT_EQ(walked.size(), 524u);
  EXPECT_EQ(walked[0], Utc(2024y / 1 / 1, 6h));
  EXPECT_EQ(walked[1], Utc(2024y / 1 / 1, 21h));
  EXPECT_EQ(walked[2], Utc(2024y / 1 / 2, 6h));
  EXPECT_EQ(walked[523], Utc(2024y / 12 / 31, 21h));
  EXPECT_EQ(walked, ScanChanges(plan, begin, end));
}

// A calendar using all four tariffs, two seasons, special days and switch points inside the
// hours the EU changes skip or repeat (02:15, 02:30 for CET; 03:45 for Finland).
TariffCalendar RichCalendar() {
  using std::chrono::seconds;
  auto sw = [](std::chrono::seconds t, int tariff) { return SwitchPoint{t, tariff}; };
  TariffCalendar calendar;
  calendar.day_profiles = {
      DayProfile{1, {sw(6h + 30min, 1), sw(12h, 3), sw(13h, 1), sw(22h, 2)}},
      DayProfile{2, {sw(seconds(0), 2)}},
      DayProfile{3, {sw(2h + 30min, 4), sw(5h, 2), sw(7h, 1), sw(21h, 2)}},
      DayProfile{4, {sw(seconds(0), 2), sw(2h + 15min, 3), sw(3h + 45min, 2)}},
      DayProfile{5, {sw(seconds(0), 4)}},
  };
  calendar.week_profiles = {WeekProfile{1, {1, 1, 1, 1, 1, 2, 2}},
                            WeekProfile{2, {3, 3, 3, 3, 3, 4, 4}}};
  calendar.seasons = {Season{std::chrono::March / 25, 2}, Season{std::chrono::November / 1, 1}};
  calendar.special_days = {
      SpecialDay{std::nullopt, std::chrono::January / 1, 5},
      SpecialDay{std::nullopt, std::chrono::December / 25, 5},
      SpecialDay{std::nullopt, std::chrono::February / 29, 2},
      SpecialDay{2024y, std::chrono::May / 9, 5},
  };
  return calendar;
}

TEST(TariffPlanTest, WalkingAYearMatchesAMinuteScan) {
  const std::vector<LocalTimeRules> all_rules = {
      kCet,
      {std::chrono::hours(2), DstRule::kEu},   // Finland
      {std::chrono::hours(0), DstRule::kEu},   // London
      {std::chrono::hours(-5), DstRule::kEu},  // a negative offset with EU rules
      {std::chrono::hours(12), DstRule::kEu},
      {std::chrono::hours(1), DstRule::kNone},
  };
  for (const LocalTimeRules& rules : all_rules) {
    SCOPED_TRACE(rules.gmt_offset.count());
    const TariffPlan plan = MakePlan(Register(RichCalendar(), rules));
    const TimePoint begin = LocalMidnight(2024y / 1 / 1, rules);
    const TimePoint end = LocalMidnight(2025y / 1 / 1, rules);
    const std::vector<TimePoint> walked = WalkChanges(plan, begin, end);
    EXPECT_GT(walked.size(), 700u);
    EXPECT_EQ(walked, ScanChanges(plan, begin, end));
  }
}

// Spot checks of the rich calendar against hand-computed instants in CET.
TEST(TariffPlanTest, RichCalendarAroundTheChanges) {
  const TariffPlan plan = MakePlan(Register(RichCalendar(), kCet));
  // Sunday 31 March (summer weekend): 02:15 is skipped, fires at 01:00 UTC with the change.
  EXPECT_EQ(plan.CurrentTariff(Utc(2024y / 3 / 31, 59min + 59s), {}), 2);
  EXPECT_EQ(plan.CurrentTariff(Utc(2024y / 3 / 31, 1h), {}), 3);
  EXPECT_EQ(plan.NextPossibleChange(Utc(2024y / 3 / 31)), Utc(2024y / 3 / 31, 1h));
  EXPECT_EQ(plan.NextPossibleChange(Utc(2024y / 3 / 31, 1h)), Utc(2024y / 3 / 31, 1h + 45min));
  // Sunday 27 October: 02:15 CEST = 00:15 UTC fires once; 03:45 CET = 02:45 UTC.
  EXPECT_EQ(plan.NextPossibleChange(Utc(2024y / 10 / 27)), Utc(2024y / 10 / 27, 15min));
  EXPECT_EQ(plan.NextPossibleChange(Utc(2024y / 10 / 27, 15min)), Utc(2024y / 10 / 27, 2h + 45min));
  EXPECT_EQ(plan.CurrentTariff(Utc(2024y / 10 / 27, 1h + 15min), {}), 3);  // 02:15 CET again
  // Thursday 9 May 2024 is a one-off holiday: T4 all day after Wednesday's 22:00 T2.
  EXPECT_EQ(plan.NextPossibleChange(Utc(2024y / 5 / 8, 20h)), Utc(2024y / 5 / 8, 22h));
  EXPECT_EQ(plan.CurrentTariff(Utc(2024y / 5 / 9, 10h), {}), 4);
}

}  // namespace
}  // namespace vmuc::meters
