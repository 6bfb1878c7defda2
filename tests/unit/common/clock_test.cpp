#include "common/clock.h"

#include <gtest/gtest.h>

namespace vmuc {
namespace {

using namespace std::chrono_literals;

TimePoint At(int64_t seconds) { return TimePoint(std::chrono::seconds(seconds)); }

TEST(SimulatedClockTest, MovesOnlyWhenTold) {
  SimulatedClock clock(At(1000));
  EXPECT_EQ(clock.Now(), At(1000));
  clock.AdvanceBy(1500ms);
  EXPECT_EQ(clock.Now(), At(1000) + 1500ms);
  clock.AdvanceTo(At(2000));
  EXPECT_EQ(clock.Now(), At(2000));
}

TEST(SimulatedClockDeathTest, RefusesToGoBack) {
  SimulatedClock clock(At(1000));
  EXPECT_DEATH(clock.AdvanceTo(At(999)), "cannot move backwards");
}

TEST(ScaledClockTest, RunsSpeedTimesFasterFromTheAnchor) {
  const TimePoint start = At(1'700'000'000);
  const TimePoint anchor = RealClock().Now() - 2s;  // the run began two real seconds ago
  ScaledClock clock(start, anchor, 3600);
  const Duration simulated = clock.Now() - start;
  // Two real seconds (plus however long this test took) at 3600x: at least two hours.
  EXPECT_GE(simulated, 2h);
  EXPECT_LT(simulated, 2h + 3600 * 60s) << "the test took over a minute?";
}

TEST(ScaledClockTest, ConvertsSimulatedDelaysToRealOnesRoundingUp) {
  ScaledClock clock(At(0), RealClock().Now(), 1000);
  EXPECT_EQ(clock.RealDelayFor(1s), 1ms);
  EXPECT_EQ(clock.RealDelayFor(Duration(1001)), Duration(2));  // never early
  EXPECT_EQ(RealClock().RealDelayFor(5s), 5s);
}

}  // namespace
}  // namespace vmuc
