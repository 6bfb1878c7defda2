#include "meters/loggers/billing_schedule.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_format.h"

namespace vmuc::meters {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

TimePoint Utc(int y, unsigned m, unsigned d, int hour = 0) {
  return TimePoint(sys_days(year(y) / m / d)) + hours(hour);
}

const LocalTimeRules kCet{60min, DstRule::kEu};  // Z11 01, Z15 001

// Every billing end from `start` to `end`, walking NextBillingEnd.
std::vector<TimePoint> Ends(TimePoint start, TimePoint end, int stop_day,
                            const DebitingInterval& interval, const LocalTimeRules& rules) {
  std::vector<TimePoint> ends;
  for (auto next = NextBillingEnd(start, stop_day, interval, rules); next && *next < end;
       next = NextBillingEnd(*next, stop_day, interval, rules)) {
    ends.push_back(*next);
  }
  return ends;
}

TEST(BillingScheduleTest, EveryZ7OptionOverThreeYearsLandsOnItsDates) {
  // 2027-2029 (2028 a leap year), CET with EU DST, stop day Z6 = 28 (the last day every
  // February has). Expected months computed here from the option's label: every n months
  // from month f.
  const TimePoint start = Utc(2027, 1, 1);
  const TimePoint end = Utc(2030, 1, 1);
  int options = 0;
  for (int code = 1; code <= 24; ++code) {
    auto config = SoftwareConfig::FromCodes({{"Z7", absl::StrFormat("%02d", code)}});
    ASSERT_TRUE(config.ok()) << config.status();
    const DebitingInterval interval = config->debiting_interval;
    const int every = interval.every_months;
    const int first = interval.first_month;
    std::vector<std::string> expected;
    for (int y = 2027; y <= 2029; ++y) {
      for (int m = 1; m <= 12; ++m) {
        if ((m - first) % every == 0) {  // first <= every: m - first > -every
          expected.push_back(absl::StrFormat("%04d-%02d-28 00:00:00", y, m));
        }
      }
    }
    std::vector<std::string> actual;
    for (TimePoint t : Ends(start, end, 28, interval, kCet)) {
      const LocalDateTime local = ToLocal(t, kCet);
      actual.push_back(absl::StrFormat("%04d-%02d-%02d %02d:%02d:%02d", local.year, local.month,
                                       local.day, local.hour, local.minute, local.second));
    }
    EXPECT_EQ(actual, expected) << "Z7 " << code;
    EXPECT_EQ(actual.size(), static_cast<size_t>(36 / every)) << "Z7 " << code;
    ++options;
  }
  EXPECT_EQ(options, 24);
}

TEST(BillingScheduleTest, LocalMidnightIsTwentyThreeOrTwentyTwoUtcWithDst) {
  // Monthly on the 1st, CET: 00:00 CET is 23:00 UTC the day before in winter, 00:00 CEST
  // 22:00 UTC in summer; the change months (March, October) end before the change.
  const DebitingInterval monthly{1, 1};
  EXPECT_EQ(NextBillingEnd(Utc(2028, 1, 15), 1, monthly, kCet), Utc(2028, 1, 31, 23));
  EXPECT_EQ(NextBillingEnd(Utc(2028, 6, 15), 1, monthly, kCet), Utc(2028, 6, 30, 22));
  // Stop days are 1..28: a leap February's 28th is an ordinary stop day.
  EXPECT_EQ(NextBillingEnd(Utc(2028, 2, 1), 28, monthly, kCet), Utc(2028, 2, 27, 23));
  // Without DST and at GMT (Z11 00): midnight UTC.
  const LocalTimeRules utc{0min, DstRule::kNone};
  EXPECT_EQ(NextBillingEnd(Utc(2028, 2, 1), 28, monthly, utc), Utc(2028, 2, 28));
}

TEST(BillingScheduleTest, AnEndIsStrictlyAfterTheGivenInstant) {
  const DebitingInterval monthly{1, 1};
  const TimePoint end = *NextBillingEnd(Utc(2028, 3, 1), 5, monthly, kCet);
  EXPECT_EQ(end, Utc(2028, 3, 4, 23));
  EXPECT_EQ(NextBillingEnd(end, 5, monthly, kCet), Utc(2028, 4, 4, 22));  // CEST by April
  EXPECT_EQ(NextBillingEnd(end - 1ns, 5, monthly, kCet), end);
}

TEST(BillingScheduleTest, ExternallyControlledHasNoScheduledEnd) {
  EXPECT_FALSE(NextBillingEnd(Utc(2028, 1, 1), 1, DebitingInterval{0, 0}, kCet).has_value());
}

TEST(BillingScheduleTest, AMidnightSkippedByTheDstChangeEndsAtTheChange) {
  // GMT-1 with the EU rule: the spring change at 01:00 UTC is local 00:00 -> 01:00, so
  // local midnight of the last Sunday of March 2028 (the 26th) never happens.
  const LocalTimeRules azores{-60min, DstRule::kEu};
  const DebitingInterval monthly{1, 1};
  EXPECT_EQ(NextBillingEnd(Utc(2028, 3, 1), 26, monthly, azores), Utc(2028, 3, 26, 1));
}

TEST(BillingScheduleDeathTest, AStopDayOutsideOneToTwentyEightAborts) {
  EXPECT_DEATH(NextBillingEnd(Utc(2028, 1, 1), 29, DebitingInterval{1, 1}, kCet), "Z6");
}

}  // namespace
}  // namespace vmuc::meters
