#include "meters/metrology/harmonics.h"

#include <gtest/gtest.h>

#include "meters/meter_core.h"

namespace vmuc::meters {
namespace {

constexpr int64_t kJan2026Slot = 1'767'225'600 / LoadModel::kSlot.count();

GridValues Supply(int32_t voltage_mv = 230'000) {
  GridValues grid;
  grid.voltage_mv = {voltage_mv, voltage_mv, voltage_mv};
  grid.frequency_mhz = 50'000;
  return grid;
}

void Put(LoadComposition& composition, size_t phase, LoadType type, int64_t p_mw, int64_t q_mvar) {
  composition.active_mw[phase][static_cast<size_t>(type)] += p_mw;
  composition.reactive_mvar[phase][static_cast<size_t>(type)] += q_mvar;
}

TEST(HarmonicsTest, SpectraHaveTheirDocumentedThd) {
  // harmonics.h: rectifiers ~99 %, the standing mix ~35 %, motors ~8-10 %, PFC equipment
  // below 5 %, resistive 0.
  EXPECT_EQ(SpectrumThdCentipercent(LoadType::kElectronics), 9'953);
  EXPECT_EQ(SpectrumThdCentipercent(LoadType::kBase), 3'443);
  EXPECT_EQ(SpectrumThdCentipercent(LoadType::kFridge), 776);
  EXPECT_EQ(SpectrumThdCentipercent(LoadType::kHeatPump), 992);
  EXPECT_EQ(SpectrumThdCentipercent(LoadType::kEvCharger), 369);
  EXPECT_EQ(SpectrumThdCentipercent(LoadType::kPv), 259);
  EXPECT_EQ(SpectrumThdCentipercent(LoadType::kResistive), 0);
  for (LoadType type : {LoadType::kEvCharger, LoadType::kPv}) {
    EXPECT_LT(SpectrumThdCentipercent(type), 500);
  }
  // The three-phase bridge of the heat pump has no triplen orders.
  for (int order = 3; order <= kMaxHarmonicOrder; order += 3) {
    EXPECT_EQ(SpectrumOf(LoadType::kHeatPump)[static_cast<size_t>(order)].magnitude_permille, 0);
  }
}

TEST(HarmonicsTest, AResistivePhaseHasOnlyTheFundamental) {
  LoadComposition composition;
  Put(composition, 0, LoadType::kResistive, 2'300'000, 0);  // 10 A at 230 V
  const HarmonicsSet set = CurrentHarmonics(composition, Supply());
  EXPECT_EQ(set[0].current_ma[1], 10'000);
  for (int order = 2; order <= kMaxHarmonicOrder; ++order) {
    EXPECT_EQ(set[0].current_ma[static_cast<size_t>(order)], 0) << order;
  }
  EXPECT_EQ(set[0].thd_centipercent, 0);
  EXPECT_EQ(set[1].current_ma[1], 0);  // nothing on L2
}

TEST(HarmonicsTest, ARectifierAloneShowsItsSpectrum) {
  // 460 VA of electronics at 230 V: I1 = 2 A; 3rd 80 % = 1.6 A, 5th 53 % = 1.06 A.
  LoadComposition composition;
  Put(composition, 1, LoadType::kElectronics, 276'000, -368'000);  // S = 460 VA
  const HarmonicsSet set = CurrentHarmonics(composition, Supply());
  EXPECT_EQ(set[1].current_ma[1], 2'000);
  EXPECT_EQ(set[1].current_ma[3], 1'600);
  EXPECT_EQ(set[1].current_ma[5], 1'060);
  EXPECT_EQ(set[1].current_ma[2], 0);  // no even orders
  EXPECT_NEAR(set[1].thd_centipercent, SpectrumThdCentipercent(LoadType::kElectronics), 1);
}

TEST(HarmonicsTest, LoadsAddAsPhasors) {
  // Two rectifier loads of 1 A each: their harmonics are in phase and add (3rd: 1.6 A);
  // the fundamental is 2 A, so the THD stays the rectifier's.
  LoadComposition same;
  Put(same, 0, LoadType::kElectronics, 230'000, 0);
  Put(same, 0, LoadType::kBase, 0, 0);
  Put(same, 0, LoadType::kElectronics, 230'000, 0);
  const HarmonicsSet doubled = CurrentHarmonics(same, Supply());
  EXPECT_EQ(doubled[0].current_ma[3], 1'600);
  // A rectifier and the standing mix: their 7th orders are opposed (0 and 180 degrees), so
  // the phase's 7th is the difference, 20 % - 6 % of 1 A each = 0.14 A, not the sum.
  LoadComposition mixed;
  Put(mixed, 0, LoadType::kElectronics, 230'000, 0);
  Put(mixed, 0, LoadType::kBase, 230'000, 0);
  const HarmonicsSet set = CurrentHarmonics(mixed, Supply());
  EXPECT_EQ(set[0].current_ma[7], 140);
  EXPECT_EQ(set[0].current_ma[3], 1'100);  // 0.8 + 0.3: in phase
  // A fridge's 3rd is a quarter turn off the rectifier's: sqrt(0.8^2 + 0.06^2) A per A.
  LoadComposition quadrature;
  Put(quadrature, 0, LoadType::kElectronics, 230'000, 0);
  Put(quadrature, 0, LoadType::kFridge, 230'000, 0);
  EXPECT_EQ(CurrentHarmonics(quadrature, Supply())[0].current_ma[3], 802);
}

TEST(HarmonicsTest, ExportCancellingTheFundamentalCapsTheThd) {
  // PV export equal to the consumption: the fundamental is 0 A while harmonics flow, and at
  // a small net load the THD is huge: both report the 999.99 % cap. No load at all: 0.
  LoadComposition cancel;
  Put(cancel, 0, LoadType::kElectronics, 1'000'000, 0);
  Put(cancel, 0, LoadType::kPv, -1'000'000, 0);
  EXPECT_EQ(CurrentHarmonics(cancel, Supply())[0].current_ma[1], 0);
  EXPECT_EQ(CurrentHarmonics(cancel, Supply())[0].thd_centipercent, kMaxThdCentipercent);
  EXPECT_EQ(CurrentHarmonics(LoadComposition{}, Supply())[0].thd_centipercent, 0);
  LoadComposition nearly = cancel;
  Put(nearly, 0, LoadType::kResistive, 1'000, 0);
  EXPECT_EQ(CurrentHarmonics(nearly, Supply())[0].thd_centipercent, kMaxThdCentipercent);
}

TEST(HarmonicsTest, APhaseWithoutVoltageCarriesNothing) {
  LoadComposition composition;
  Put(composition, 2, LoadType::kElectronics, 500'000, 0);
  GridValues grid = Supply();
  grid.voltage_mv[2] = 0;
  const HarmonicsSet set = CurrentHarmonics(composition, grid);
  EXPECT_EQ(set[2].current_ma[1], 0);
  EXPECT_EQ(set[2].thd_centipercent, 0);
}

TEST(HarmonicsTest, AMetersPhasesFollowItsLoadTypes) {
  // Over a day of a three-system meter: L2 carries the always-on electronics, so its THD is
  // the largest on average; the fundamental is the metered current; values reproduce.
  MeterIdentity identity;
  identity.load_seed = 5;
  identity.household_flags = kHasEv | kHasHeatPump;
  const TimePoint start = TimePoint(std::chrono::seconds(kJan2026Slot * 300));
  MeterCore core(identity, start);
  MeterCore twin(identity, start);
  std::array<int64_t, kPhases> thd_sum{};
  for (int slot = 0; slot < 288; ++slot) {
    core.AdvanceTo(start + std::chrono::minutes(5 * slot));
    twin.AdvanceTo(start + std::chrono::minutes(5 * slot));
    const auto harmonics = core.current_harmonics();
    ASSERT_TRUE(harmonics.has_value());
    const auto again = twin.current_harmonics();
    for (size_t phase = 0; phase < kPhases; ++phase) {
      ASSERT_EQ((*harmonics)[phase].current_ma, (*again)[phase].current_ma);
      // The fundamental is the metered current (I = S / U).
      EXPECT_EQ(
          (*harmonics)[phase].current_ma[1],
          InstantaneousOf(core.present_values()[phase], core.grid().voltage_mv[phase]).current_ma);
      thd_sum[phase] += (*harmonics)[phase].thd_centipercent;
    }
  }
  EXPECT_GT(thd_sum[1], thd_sum[0]);
  EXPECT_GT(thd_sum[1], thd_sum[2]);
  MeterOptions aron;
  aron.aron = true;
  EXPECT_FALSE(MeterCore(identity, start, aron).current_harmonics().has_value());
}

}  // namespace
}  // namespace vmuc::meters
