#include "meters/registers/energy_registers.h"

#include <gtest/gtest.h>

namespace vmuc::meters {
namespace {

constexpr int64_t kHour = 3600;

std::array<PhaseValues, kPhases> Same(int64_t p_mw, int64_t q_mvar) {
  const PhaseValues v = MakePhaseValues(p_mw, q_mvar);
  return {v, v, v};
}

TEST(MeasurementTest, IntegerSqrtIsTheExactFloor) {
  EXPECT_EQ(IntegerSqrt(0), 0u);
  EXPECT_EQ(IntegerSqrt(1'250'000'000'000), 1'118'033u);  // sqrt(1.25e12) = 1118033.98...
  EXPECT_EQ(IntegerSqrt(UINT64_MAX), 4'294'967'295u);
  for (uint64_t r : {1ULL, 3ULL, 1'000'003ULL, 94'906'265ULL, 4'294'967'295ULL}) {
    EXPECT_EQ(IntegerSqrt(r * r), r);
    EXPECT_EQ(IntegerSqrt(r * r - 1), r - 1);
  }
}

TEST(MeasurementTest, AronSystemsSumToTheLoadsExactly) {
  // A balanced resistive delta load: both wattmeters read half (Blondel).
  const PhaseValues r = MakePhaseValues(1'000'000, 0);
  auto systems = AronSystems({r, r, r});
  EXPECT_EQ(systems[0].active_mw, 1'500'000);
  EXPECT_EQ(systems[2].active_mw, 1'500'000);
  EXPECT_EQ(systems[1].apparent_mva, 0);
  // A pure reactive branch C: the readings differ by sqrt(3) Q (two-wattmeter reactive
  // rule), and P still sums to zero.
  systems =
      AronSystems({MakePhaseValues(0, 0), MakePhaseValues(0, 0), MakePhaseValues(0, 1'000'000)});
  EXPECT_EQ(systems[0].active_mw + systems[2].active_mw, 0);
  EXPECT_EQ(systems[2].active_mw - systems[0].active_mw, 2 * 866'025);
  // Arbitrary loads: exact sums.
  for (int64_t p : {-3'333'333, 7, 2'000'001}) {
    for (int64_t q : {-999'999, 0, 1'234'567}) {
      const std::array<PhaseValues, kPhases> loads = {MakePhaseValues(p, q), MakePhaseValues(q, p),
                                                      MakePhaseValues(p + 1, -q)};
      systems = AronSystems(loads);
      EXPECT_EQ(int64_t{systems[0].active_mw} + systems[2].active_mw,
                int64_t{loads[0].active_mw} + loads[1].active_mw + loads[2].active_mw);
      EXPECT_EQ(int64_t{systems[0].reactive_mvar} + systems[2].reactive_mvar,
                int64_t{loads[0].reactive_mvar} + loads[1].reactive_mvar + loads[2].reactive_mvar);
    }
  }
}

TEST(MeasurementTest, QuadrantsFollowIec62053_23) {
  EXPECT_EQ(MakePhaseValues(1000, 500).quadrant(), Quadrant::kQ1);
  EXPECT_EQ(MakePhaseValues(-1000, 500).quadrant(), Quadrant::kQ2);
  EXPECT_EQ(MakePhaseValues(-1000, -500).quadrant(), Quadrant::kQ3);
  EXPECT_EQ(MakePhaseValues(1000, -500).quadrant(), Quadrant::kQ4);
}

// Constant loads in each quadrant, hand-computed: 1 kW and 0.5 kvar on every phase;
// S = sqrt(1e6^2 + 5e5^2) mVA = 1 118 033 mVA.
struct QuadrantCase {
  int64_t p_mw, q_mvar;
  Register active, reactive, apparent;
};

class ConstantLoadTest : public ::testing::TestWithParam<QuadrantCase> {};

TEST_P(ConstantLoadTest, OneHourOneDayTenYearsAreExact) {
  const QuadrantCase c = GetParam();
  for (const int64_t hours : {int64_t{1}, int64_t{24}, int64_t{10} * 8766}) {  // 8766 h/year
    EnergyRegisters regs;
    // Ten years in one-hour steps, as the fast-forward would cut them.
    for (int64_t h = 0; h < hours; ++h)
      regs.Integrate(Same(c.p_mw, c.q_mvar), kHour, 1, EnergyType::kActiveAndReactiveImportExport);
    for (int i = 0; i < kPhases; ++i) {
      const RegisterSet& set = regs.phase[static_cast<size_t>(i)];
      EXPECT_EQ(set.wh(c.active), static_cast<uint64_t>(1000 * hours));
      EXPECT_EQ(set.wh(c.reactive), static_cast<uint64_t>(500 * hours));
      // 1118.033 VAh per hour: floor(1 118 033 mVA x 3600 s x hours / 3.6e6).
      EXPECT_EQ(set.wh(c.apparent), static_cast<uint64_t>(1'118'033 * hours / 1000));
      for (int r = 0; r < kRegisterCount; ++r) {
        if (r != c.active && r != c.reactive && r != c.apparent) {
          EXPECT_EQ(set.milli_unit_seconds[static_cast<size_t>(r)], 0u) << "register " << r;
        }
      }
    }
    EXPECT_EQ(regs.total().wh(c.active), static_cast<uint64_t>(3000 * hours));
    if (c.active == kActiveImport) {
      EXPECT_EQ(regs.active_import_tariff[0] / kMilliUnitSecondsPerUnitHour,
                static_cast<uint64_t>(3000 * hours));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Quadrants, ConstantLoadTest,
    ::testing::Values(
        QuadrantCase{1'000'000, 500'000, kActiveImport, kReactiveQ1, kApparentImport},
        QuadrantCase{-1'000'000, 500'000, kActiveExport, kReactiveQ2, kApparentExport},
        QuadrantCase{-1'000'000, -500'000, kActiveExport, kReactiveQ3, kApparentExport},
        QuadrantCase{1'000'000, -500'000, kActiveImport, kReactiveQ4, kApparentImport}));

TEST(EnergyRegistersTest, ReactiveImportAndExportAreQuadrantSums) {
  EnergyRegisters regs;
  regs.Integrate(Same(1'000'000, 500'000), kHour, 1,
                 EnergyType::kActiveAndReactiveImportExport);  // R1
  regs.Integrate(Same(-1'000'000, 250'000), kHour, 1,
                 EnergyType::kActiveAndReactiveImportExport);  // R2
  regs.Integrate(Same(-1'000'000, -100'000), kHour, 1,
                 EnergyType::kActiveAndReactiveImportExport);  // R3
  regs.Integrate(Same(1'000'000, -50'000), kHour, 1,
                 EnergyType::kActiveAndReactiveImportExport);  // R4
  EXPECT_EQ(regs.phase[0].reactive_import_varh(), 750u);
  EXPECT_EQ(regs.phase[0].reactive_export_varh(), 150u);
  EXPECT_EQ(regs.total().reactive_import_varh(), 2250u);
  EXPECT_EQ(regs.reactive_import_tariff[0] / kMilliUnitSecondsPerUnitHour, 2250u);
}

TEST(EnergyRegistersTest, EnergyTypeDecidesWhatCounts) {
  EnergyRegisters a_plus, active;
  for (auto* regs : {&a_plus, &active}) {
    const EnergyType type =
        regs == &a_plus ? EnergyType::kActiveImport : EnergyType::kActiveImportExport;
    regs->Integrate(Same(1'000'000, 500'000), kHour, 1, type);
    regs->Integrate(Same(-2'000'000, -500'000), kHour, 1, type);
  }
  // A+ only: export registers nowhere; no reactive, no apparent.
  EXPECT_EQ(a_plus.total().wh(kActiveImport), 3000u);
  EXPECT_EQ(a_plus.total().wh(kActiveExport), 0u);
  EXPECT_EQ(a_plus.total().reactive_import_varh() + a_plus.total().wh(kApparentImport), 0u);
  // A+/A-: both directions, still no reactive.
  EXPECT_EQ(active.total().wh(kActiveExport), 6000u);
  EXPECT_EQ(active.total().reactive_export_varh(), 0u);
}

TEST(EnergyRegistersTest, TariffRegistersFollowTheTariff) {
  EnergyRegisters regs;
  regs.Integrate(Same(1'000'000, 100'000), kHour, 1, EnergyType::kActiveAndReactiveImportExport);
  regs.Integrate(Same(1'000'000, 100'000), 2 * kHour, 2,
                 EnergyType::kActiveAndReactiveImportExport);
  regs.Integrate(Same(1'000'000, 100'000), kHour, 4, EnergyType::kActiveAndReactiveImportExport);
  EXPECT_EQ(
      regs.active_import_tariff,
      (std::array<uint64_t, 4>{3000 * 3'600'000ULL, 6000 * 3'600'000ULL, 0, 3000 * 3'600'000ULL}));
  EXPECT_EQ(regs.reactive_import_tariff[1] / kMilliUnitSecondsPerUnitHour, 600u);
}

}  // namespace
}  // namespace vmuc::meters
