#include "meters/registers/demand.h"

#include <gtest/gtest.h>

namespace vmuc::meters {
namespace {

constexpr int64_t kPeriod = 900;  // 15 min
constexpr int64_t kT0 = 1'767'225'600;

std::array<PhaseValues, kPhases> OnL1(int64_t p_mw, int64_t q_mvar) {
  return {MakePhaseValues(p_mw, q_mvar), MakePhaseValues(0, 0), MakePhaseValues(0, 0)};
}

// A known step profile: 1 kW; then 2 kW for 5 min and 0.5 kW for 10 min (average 1 kW);
// then 3 kW; then 0.2 kW. P+max is 3000 W at the end of the third period.
TEST(DemandTest, KnownStepProfileGivesTheKnownPeakAndTimeStamp) {
  EnergyRegisters regs;
  DemandRegisters demand;
  demand.StartPeriod(regs.total());
  auto run = [&](int64_t p_mw, int64_t seconds) {
    regs.Integrate(OnL1(p_mw, p_mw / 2), seconds, 1, EnergyType::kActiveAndReactiveImportExport);
  };
  run(1'000'000, kPeriod);
  demand.EndPeriod(regs.total(), kPeriod, 1, kT0 + kPeriod, 2500);
  run(2'000'000, 300);
  run(500'000, 600);
  demand.EndPeriod(regs.total(), kPeriod, 2, kT0 + 2 * kPeriod, 2500);
  EXPECT_EQ(demand.last_average_active_import_w, 1000u);
  run(3'000'000, kPeriod);
  demand.EndPeriod(regs.total(), kPeriod, 2, kT0 + 3 * kPeriod, 2500);
  run(200'000, kPeriod);
  demand.EndPeriod(regs.total(), kPeriod, 1, kT0 + 4 * kPeriod, 2500);

  EXPECT_EQ(demand.peaks[kPeakActiveImport], (Peak{3000, kT0 + 3 * kPeriod}));
  EXPECT_EQ(demand.peaks[kPeakActiveImportT1], (Peak{1000, kT0 + kPeriod}));
  EXPECT_EQ(demand.peaks[kPeakActiveImportT2], (Peak{3000, kT0 + 3 * kPeriod}));
  EXPECT_EQ(demand.peaks[kPeakReactiveImport], (Peak{1500, kT0 + 3 * kPeriod}));
  // S = sqrt(3000^2 + 1500^2) = 3354.1 VA.
  EXPECT_EQ(demand.peaks[kPeakApparentImport].value, 3354u);
  EXPECT_EQ(demand.last_average_active_import_w, 200u);
  EXPECT_EQ(demand.power_threshold_count, 1u);  // only the 3 kW period exceeded 2.5 kW

  demand.EndBillingPeriod();
  EXPECT_EQ(demand.accumulated[kAccumulatedActiveImport], 3000u);
  EXPECT_EQ(demand.accumulated[kAccumulatedActiveImportT1], 1000u);
  EXPECT_EQ(demand.accumulated[kAccumulatedReactiveImport], 1500u);
  EXPECT_EQ(demand.peaks[kPeakActiveImport], Peak{});
}

TEST(DemandTest, ExportShowsInSminusMax) {
  EnergyRegisters regs;
  DemandRegisters demand;
  demand.StartPeriod(regs.total());
  regs.Integrate(OnL1(-4'000'000, 0), kPeriod, 1, EnergyType::kActiveAndReactiveImportExport);
  demand.EndPeriod(regs.total(), kPeriod, 1, kT0 + kPeriod, 0);
  EXPECT_EQ(demand.peaks[kPeakApparentExport], (Peak{4000, kT0 + kPeriod}));
  EXPECT_EQ(demand.peaks[kPeakActiveImport].value, 0u);
  EXPECT_EQ(demand.power_threshold_count, 0u);  // threshold 0: counter off
}

}  // namespace
}  // namespace vmuc::meters
