#include "meters/meter_core.h"

#include <gtest/gtest.h>

#include "meters/fleet.h"

namespace vmuc::meters {
namespace {

using namespace std::chrono_literals;

// 128-bit sums for the independent reference (GCC extension; the core itself needs none).
__extension__ typedef __int128 Wide;

const TimePoint kEpoch = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 1 / 1));

MeterIdentity Identity(uint32_t index = 3) {
  FleetSection fleet;
  fleet.seed = 11;
  return FleetMeter(fleet, index);
}

TEST(MeterCoreTest, StartsAtZeroAtTheEpoch) {
  MeterCore core(Identity(), kEpoch);
  EXPECT_EQ(core.time(), kEpoch);
  EXPECT_EQ(core.active_import_wh(), 0u);
  EXPECT_EQ(core.identity().MeterId(), "5700000000000004");
}

TEST(MeterCoreTest, AplusIsTheExactIntegralOfTheLoadModel) {
  // Independent check: sum power x time over the slots in 128-bit, divide once.
  const MeterIdentity identity = Identity();
  MeterCore core(identity, kEpoch);
  const TimePoint end = kEpoch + 3 * 24h + 17min + 12s + 345ms;
  core.AdvanceTo(end);

  const LoadModel model(identity.load_seed);
  Wide total_mw_ms = 0;
  Wide phase_mw_ms[3] = {0, 0, 0};
  const int64_t begin_ms =
      std::chrono::floor<std::chrono::milliseconds>(kEpoch).time_since_epoch().count();
  const int64_t end_ms =
      std::chrono::floor<std::chrono::milliseconds>(end).time_since_epoch().count();
  for (int64_t t = begin_ms; t < end_ms;) {
    const int64_t slot = t / 60'000;
    const int64_t next = std::min(end_ms, (slot + 1) * 60'000);
    const PhasePowers p = model.PowerInSlot(slot);
    for (int i = 0; i < 3; ++i) {
      total_mw_ms += static_cast<Wide>(p.active_import_mw[i]) * (next - t);
      phase_mw_ms[i] += static_cast<Wide>(p.active_import_mw[i]) * (next - t);
    }
    t = next;
  }
  EXPECT_EQ(core.active_import_wh(), static_cast<uint64_t>(total_mw_ms / 3'600'000'000));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(core.active_import_wh(i), static_cast<uint64_t>(phase_mw_ms[i] / 3'600'000'000));
  }
  EXPECT_GT(core.active_import_wh(), 1000u) << "three days of a household is over 1 kWh";
}

TEST(MeterCoreTest, OneJumpEqualsTickingSecondBySecond) {
  MeterCore jumped(Identity(), kEpoch);
  MeterCore ticked(Identity(), kEpoch);
  const TimePoint end = kEpoch + 6h + 500ms;
  jumped.AdvanceTo(end);
  for (TimePoint t = kEpoch + 1s; t <= end; t += 1s) ticked.AdvanceTo(t);
  ticked.AdvanceTo(end);
  EXPECT_EQ(jumped.active_import_wh(), ticked.active_import_wh());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(jumped.active_import_wh(i), ticked.active_import_wh(i));
}

TEST(MeterCoreTest, TotalIsThePhasesSummedBeforeRounding) {
  MeterCore core(Identity(5), kEpoch);
  core.AdvanceTo(kEpoch + 30 * 24h);
  const uint64_t phases =
      core.active_import_wh(0) + core.active_import_wh(1) + core.active_import_wh(2);
  // Each phase register drops under 1 Wh of residue; the total drops under 1 Wh once.
  EXPECT_GE(core.active_import_wh(), phases);
  EXPECT_LE(core.active_import_wh(), phases + 2);
}

TEST(MeterCoreDeathTest, TimeNeverRunsBackwards) {
  MeterCore core(Identity(), kEpoch);
  core.AdvanceTo(kEpoch + 1h);
  EXPECT_DEATH(core.AdvanceTo(kEpoch + 30min), "went back in time");
}

TEST(FleetTest, IdentitiesAreDistinctAndDerivedFromTheConfig) {
  FleetSection fleet;
  fleet.seed = 3;
  fleet.first_serial = 1234567890123456;
  std::set<uint64_t> seeds;
  for (uint32_t i = 0; i < 1000; ++i) {
    const MeterIdentity identity = FleetMeter(fleet, i);
    EXPECT_EQ(identity.serial, fleet.first_serial + i);
    EXPECT_EQ(identity.node, i + 1);
    seeds.insert(identity.load_seed);
  }
  EXPECT_EQ(seeds.size(), 1000u);
  fleet.seed = 4;
  EXPECT_NE(FleetMeter(fleet, 0).load_seed, *seeds.begin());
}

}  // namespace
}  // namespace vmuc::meters
