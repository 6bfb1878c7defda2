#include "meters/metrology/grid_model.h"

#include <gtest/gtest.h>

#include <cmath>

namespace vmuc::meters {
namespace {

constexpr int64_t kJan2026Slot = 1'767'225'600 / LoadModel::kSlot.count();

TEST(GridModelTest, VoltageAndFrequencyStayInsideEn50160) {
  int reversed = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    const GridModel grid(seed);
    reversed += grid.phase_sequence_reversed() ? 1 : 0;
    for (int64_t slot = kJan2026Slot; slot < kJan2026Slot + 7 * 288; slot += 7) {
      const GridValues values = grid.InSlot(slot);
      for (int32_t mv : values.voltage_mv) {
        ASSERT_GE(mv, 207'000);  // Un - 10 %
        ASSERT_LE(mv, 253'000);  // Un + 10 %
      }
      ASSERT_GE(values.frequency_mhz, 49'920);
      ASSERT_LE(values.frequency_mhz, 50'080);
    }
  }
  EXPECT_GT(reversed, 0);  // ~3 % of 200 installations are wired L1L3L2
  EXPECT_LT(reversed, 20);
}

TEST(GridModelTest, IndicatorsFollowTheDatasheetThresholds) {
  GridValues grid;
  grid.voltage_mv = {230'000, 160'000, 160'001};
  PhaseSet load = {MakePhaseValues(2'301, 0), MakePhaseValues(-2'300, 0), MakePhaseValues(0, 0)};
  const Indicators ind = IndicatorsOf(load, grid, true);
  EXPECT_EQ(ind.voltage_present, (std::array<bool, 3>{true, false, true}));  // above 160 V
  EXPECT_EQ(ind.load_present, (std::array<bool, 3>{true, false, false}));    // above 2.3 W
  EXPECT_TRUE(ind.phase_sequence_reversed);
  load = {MakePhaseValues(-5'000, -100), MakePhaseValues(0, 0), MakePhaseValues(0, 0)};
  EXPECT_EQ(IndicatorsOf(load, grid, false).quadrant, Quadrant::kQ3);
}

TEST(GridModelTest, InstantaneousCurrentAndPowerFactor) {
  // 2300 W, 0 var at 230 V: 10 A, PF 1. 3 kW with 4 kvar: S 5 kVA, PF 0.6.
  PhaseInstantaneous a = InstantaneousOf(MakePhaseValues(2'300'000, 0), 230'000);
  EXPECT_EQ(a.current_ma, 10'000);
  EXPECT_EQ(a.power_factor_milli, 1000);
  PhaseInstantaneous b = InstantaneousOf(MakePhaseValues(-3'000'000, 4'000'000), 250'000);
  EXPECT_EQ(b.current_ma, 20'000);
  EXPECT_EQ(b.power_factor_milli, 600);
}

TEST(GridModelTest, PhaseAngleMatchesAtan2ToTheTenthOfADegree) {
  EXPECT_EQ(AngleDecidegrees(0, 1000), 0);
  EXPECT_EQ(AngleDecidegrees(1000, 0), 900);
  EXPECT_EQ(AngleDecidegrees(0, -1000), 1800);
  EXPECT_EQ(AngleDecidegrees(-1000, 0), -900);
  EXPECT_EQ(AngleDecidegrees(1000, 1000), 450);
  EXPECT_EQ(AngleDecidegrees(-4'000'000, 3'000'000), -531);  // atan2(-4, 3) = -53.13 deg
  for (int64_t x = -23'000'000; x <= 23'000'000; x += 1'234'567) {
    for (int64_t y = -23'000'000; y <= 23'000'000; y += 987'651) {
      const double expected =
          std::atan2(static_cast<double>(y), static_cast<double>(x)) * 1800.0 / M_PI;
      EXPECT_LE(std::abs(AngleDecidegrees(y, x) - expected), 0.5 + 1e-6) << y << ", " << x;
    }
  }
  EXPECT_EQ(InstantaneousOf(MakePhaseValues(3'000'000, 4'000'000), 230'000).angle_decidegrees, 531);
}

}  // namespace
}  // namespace vmuc::meters
