#include "meters/metrology/outage_model.h"

#include <gtest/gtest.h>

#include <climits>

namespace vmuc::meters {
namespace {

constexpr int64_t kYear2026 = 1'767'225'600;  // 2026-01-01T00:00:00Z
constexpr int64_t kYearS = 365 * 86'400;

// Every outage of [from, to), walking FirstEndingAfter from one end to the next.
std::vector<Outage> OutagesIn(const OutageModel& model, int64_t from, int64_t to) {
  std::vector<Outage> out;
  for (int64_t t = from;;) {
    const Outage o = model.FirstEndingAfter(t);
    if (o.start_unix_s >= to) break;
    out.push_back(o);
    t = o.end_unix_s;
  }
  return out;
}

TEST(OutageModelTest, NoRatesNoOutages) {
  const OutageModel model(7, {});
  EXPECT_EQ(model.FirstEndingAfter(kYear2026).end_unix_s, INT64_MAX);
}

TEST(OutageModelTest, RatesAndDurationsFollowTheConfigOverAFleet) {
  // 1000 meters x 1 year at 5 short and 1 long a year: about 5000 and 1000.
  int64_t shorts = 0, longs = 0;
  for (uint64_t seed = 1; seed <= 1000; ++seed) {
    const OutageModel model(seed, {.short_per_year = 5, .long_per_year = 1});
    for (const Outage& o : OutagesIn(model, kYear2026, kYear2026 + kYearS)) {
      const int64_t length = o.end_unix_s - o.start_unix_s;
      ASSERT_GE(length, 1);
      ASSERT_LE(length, 4 * 3600 + 180);  // merged ones can be a little longer
      (length <= 180 ? shorts : longs) += 1;
    }
  }
  EXPECT_NEAR(static_cast<double>(shorts), 5000, 300);  // sqrt(5000) = 71: 4 sigma
  EXPECT_NEAR(static_cast<double>(longs), 1000, 130);
}

TEST(OutageModelTest, FirstEndingAfterIsTheOneInProgressOrTheNext) {
  const OutageModel model(42, {.short_per_year = 50, .long_per_year = 20});
  const std::vector<Outage> year = OutagesIn(model, kYear2026, kYear2026 + kYearS);
  ASSERT_GT(year.size(), 40u);
  for (size_t i = 0; i < year.size(); ++i) {
    const Outage& o = year[i];
    EXPECT_LT(o.start_unix_s, o.end_unix_s);
    if (i > 0) {
      EXPECT_GT(o.start_unix_s, year[i - 1].end_unix_s) << "merged, so apart";
    }
    // From inside it, from just before it and from the previous one's end: the same.
    EXPECT_EQ(model.FirstEndingAfter(o.start_unix_s), o);
    EXPECT_EQ(model.FirstEndingAfter(o.end_unix_s - 1), o);
    EXPECT_EQ(model.FirstEndingAfter(o.start_unix_s - 1), o);
  }
}

TEST(OutageModelTest, TheSameSeedGivesTheSameOutagesAndAnotherSeedOthers) {
  const OutageModel a(5, {.short_per_year = 20, .long_per_year = 5});
  const OutageModel b(5, {.short_per_year = 20, .long_per_year = 5});
  const OutageModel c(6, {.short_per_year = 20, .long_per_year = 5});
  EXPECT_EQ(OutagesIn(a, kYear2026, kYear2026 + kYearS),
            OutagesIn(b, kYear2026, kYear2026 + kYearS));
  EXPECT_NE(OutagesIn(a, kYear2026, kYear2026 + kYearS),
            OutagesIn(c, kYear2026, kYear2026 + kYearS));
}

}  // namespace
}  // namespace vmuc::meters
