#include "meters/metrology/load_model.h"

#include <gtest/gtest.h>

namespace vmuc::meters {
namespace {

constexpr int64_t kJan2026Slot = 1'767'225'600 / LoadModel::kSlot.count();
constexpr int64_t kPerHour = LoadModel::kSlotsPerHour;
constexpr int64_t kPerDay = 24 * kPerHour;

bool SameValues(const PhaseSet& a, const PhaseSet& b) {
  for (int i = 0; i < kPhases; ++i) {
    if (a[static_cast<size_t>(i)].active_mw != b[static_cast<size_t>(i)].active_mw ||
        a[static_cast<size_t>(i)].reactive_mvar != b[static_cast<size_t>(i)].reactive_mvar) {
      return false;
    }
  }
  return true;
}

TEST(LoadModelTest, SameSeedAndSlotGiveTheSameValues) {
  const LoadModel a(42), b(42);
  for (int64_t slot = kJan2026Slot; slot < kJan2026Slot + 1000; ++slot) {
    EXPECT_TRUE(SameValues(a.PhasesInSlot(slot), b.PhasesInSlot(slot)));
  }
}

TEST(LoadModelTest, PinnedValuesDoNotChangeAcrossBuildsOrMachines) {
  // Golden values: changing them changes every reading of every fleet, so do it on purpose.
  EXPECT_EQ(Mix64(0), 0xE220A8397B1DCDAFULL);  // SplitMix64's published first output
  const PhaseSet p = LoadModel(1).PhasesInSlot(kJan2026Slot + 12 * kPerHour);  // noon
  EXPECT_EQ(p[0].active_mw, 1'024'000);
  EXPECT_EQ(p[1].reactive_mvar, 229'000);
  EXPECT_EQ(p[2].apparent_mva, 1'078'680);
}

TEST(LoadModelTest, DifferentHouseholdsDiffer) {
  int differing = 0;
  for (int64_t slot = kJan2026Slot; slot < kJan2026Slot + 100; ++slot) {
    if (!SameValues(LoadModel(1).PhasesInSlot(slot), LoadModel(2).PhasesInSlot(slot))) ++differing;
  }
  EXPECT_GT(differing, 90);
}

TEST(LoadModelTest, AFleetIsPlausibleOverAYear) {
  // 50 households, one sample an hour for a year: every phase within 3 x 100 A x 276 V;
  // a mean import between 300 W and 3 kW; PV households export at noon in summer.
  int64_t sum_mw = 0, samples = 0, exporting = 0, with_pv = 0;
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    const LoadModel model(seed);
    with_pv += model.household().has_pv ? 1 : 0;
    for (int64_t slot = kJan2026Slot; slot < kJan2026Slot + 365 * kPerDay; slot += kPerHour) {
      const PhaseSet p = model.PhasesInSlot(slot);
      for (const PhaseValues& v : p) {
        ASSERT_LE(v.apparent_mva, 27'600'000);
        ASSERT_GE(v.apparent_mva, v.active_mw >= 0 ? v.active_mw : -v.active_mw);
        sum_mw += v.active_mw;
      }
      ++samples;
    }
    const PhaseSet june_noon = model.PhasesInSlot(kJan2026Slot + 170 * kPerDay + 11 * kPerHour);
    if (june_noon[0].active_mw + june_noon[1].active_mw + june_noon[2].active_mw < 0) ++exporting;
  }
  const int64_t mean_w = sum_mw / samples / 1000;
  EXPECT_GT(mean_w, 300);
  EXPECT_LT(mean_w, 3000);
  EXPECT_GT(with_pv, 10);
  EXPECT_GT(exporting, 0);
}

TEST(LoadModelTest, CompositionSumsToThePhaseValuesForEveryKindOfHousehold) {
  // Every equipment and connection kind, a week of slots each, random access order.
  const std::array<uint8_t, 6> kinds = {0,
                                        kHasPv,
                                        kHasEv | kHasHeatPump,
                                        kHasPv | kHasEv | kHasHeatPump,
                                        kSinglePhase | kHasPv,
                                        kTwoPhase | kHasEv};
  std::array<int64_t, kLoadTypes> seen{};  // slots where each type draws power
  for (uint8_t flags : kinds) {
    const LoadModel model(77, flags);
    for (int64_t i = 0; i < 7 * kPerDay; ++i) {
      const int64_t slot = kJan2026Slot + (i * 7919) % (7 * kPerDay);  // scattered
      const PhaseSet values = model.PhasesInSlot(slot);
      const LoadComposition composition = model.CompositionInSlot(slot);
      for (size_t phase = 0; phase < kPhases; ++phase) {
        int64_t p = 0, q = 0;
        for (size_t type = 0; type < kLoadTypes; ++type) {
          p += composition.active_mw[phase][type];
          q += composition.reactive_mvar[phase][type];
          if (composition.active_mw[phase][type] != 0) ++seen[type];
        }
        ASSERT_EQ(p, values[phase].active_mw) << int{flags} << " " << slot << " L" << phase + 1;
        ASSERT_EQ(q, values[phase].reactive_mvar) << int{flags} << " " << slot;
      }
      if ((flags & kSinglePhase) != 0) {
        for (size_t type = 0; type < kLoadTypes; ++type) {
          ASSERT_EQ(composition.active_mw[1][type], 0);
          ASSERT_EQ(composition.active_mw[2][type], 0);
        }
      }
    }
  }
  for (size_t type = 0; type < kLoadTypes; ++type) EXPECT_GT(seen[type], 0) << type;
}

TEST(LoadModelTest, PowersAtGivesAtsPowersWithoutTheApparent) {
  for (uint8_t flags : {uint8_t{0}, uint8_t{kHasPv | kHasEv}, uint8_t{kSinglePhase}}) {
    LoadCursor full(12, flags);
    LoadCursor powers(12, flags);
    for (int64_t slot = kJan2026Slot; slot < kJan2026Slot + 2 * kPerDay; ++slot) {
      const PhaseSet a = full.At(slot);
      const PhaseSet b = powers.PowersAt(slot);
      for (size_t phase = 0; phase < kPhases; ++phase) {
        ASSERT_EQ(a[phase].active_mw, b[phase].active_mw);
        ASSERT_EQ(a[phase].reactive_mvar, b[phase].reactive_mvar);
        ASSERT_EQ(b[phase].apparent_mva, 0);
      }
    }
  }
}

}  // namespace
}  // namespace vmuc::meters
