#include "meters/registers/energy_register.h"

#include <gtest/gtest.h>

namespace vmuc::meters {
namespace {

TEST(EnergyRegisterTest, CarriesSubUnitsExactly) {
  EnergyRegister reg;
  reg.Add(1000, 1'800'000);  // 1 W for half an hour: 0.5 Wh
  EXPECT_EQ(reg.wh(), 0u);
  EXPECT_EQ(reg.residue_mw_ms(), EnergyRegister::kMilliwattMillisecondsPerWh / 2);
  reg.Add(1000, 1'800'000);
  EXPECT_EQ(reg.wh(), 1u);
  EXPECT_EQ(reg.residue_mw_ms(), 0);
}

TEST(EnergyRegisterTest, TenYearsOfOddStepsHaveNoDrift) {
  // 333 mW in 7-second steps for ten years: each step is 2331 mW·s, never a whole Wh;
  // a float accumulator would drift, the integer one lands on the exact floor.
  EnergyRegister reg;
  const int64_t steps = 10LL * 365 * 24 * 3600 / 7;
  for (int64_t i = 0; i < steps; ++i) reg.Add(333, 7000);
  const int64_t exact_mw_ms = steps * 333 * 7000;
  EXPECT_EQ(reg.wh(),
            static_cast<uint64_t>(exact_mw_ms / EnergyRegister::kMilliwattMillisecondsPerWh));
  EXPECT_EQ(reg.residue_mw_ms(), exact_mw_ms % EnergyRegister::kMilliwattMillisecondsPerWh);
}

}  // namespace
}  // namespace vmuc::meters
