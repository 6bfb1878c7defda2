#include "meters/accuracy/accuracy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "meters/metrology/load_model.h"
#include "meters/metrology/measurement.h"

namespace vmuc::meters {
namespace {

using ::testing::HasSubstr;

__extension__ typedef __int128 Int128;

constexpr std::array<AccuracyClass, 4> kClasses = {AccuracyClass::kMidA, AccuracyClass::kMidB,
                                                   AccuracyClass::kIec1, AccuracyClass::kIec2};

// The datasheet's 0.25-5(100) A meter (type number X5 = 1).
const CurrentRating kRating = Rating(CurrentRange::k5To100A);

Conditions At(int64_t current_ma, int32_t pf_milli = 1000) {
  Conditions c;
  c.current_ma = current_ma;
  c.power_factor_milli = pf_milli;
  return c;
}

// SplitMix64, for drawing test inputs.
uint64_t Hash(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}
int64_t Uniform(uint64_t h, int64_t low, int64_t high) {  // [low, high]
  return low + static_cast<int64_t>(h % static_cast<uint64_t>(high - low + 1));
}

// ---------------------------------------------------------------------------------------
// MPE tables, hand-checked against the rows quoted in accuracy.h.

TEST(AccuracyMpeTest, MidClassAAndBByCurrentBand) {
  // EN 50470-3: Itr = Iref / 10 = 500 mA; Imin = 250 mA, Imax = 100 A.
  const AccuracyModel a(AccuracyClass::kMidA, kRating, 1);
  const AccuracyModel b(AccuracyClass::kMidB, kRating, 1);
  EXPECT_EQ(a.TransitionalCurrentMa(), 500);

  // Imin <= I < Itr, PF 1: A 2.5 %, B 1.5 %.
  EXPECT_EQ(a.ActiveMpePpm(At(250)), 25'000);
  EXPECT_EQ(a.ActiveMpePpm(At(499)), 25'000);
  EXPECT_EQ(b.ActiveMpePpm(At(250)), 15'000);
  EXPECT_EQ(b.ActiveMpePpm(At(499)), 15'000);
  // Itr <= I <= Imax, PF 1: A 2.0 %, B 1.0 %.
  EXPECT_EQ(a.ActiveMpePpm(At(500)), 20'000);
  EXPECT_EQ(a.ActiveMpePpm(At(100'000)), 20'000);
  EXPECT_EQ(b.ActiveMpePpm(At(500)), 10'000);
  EXPECT_EQ(b.ActiveMpePpm(At(100'000)), 10'000);
  // Itr <= I <= Imax, PF 0.5 ind and 0.8 cap: A 2.5 %, B 1.5 %.
  for (int32_t pf : {500, -800, 900, -950}) {
    EXPECT_EQ(a.ActiveMpePpm(At(500, pf)), 25'000) << pf;
    EXPECT_EQ(a.ActiveMpePpm(At(100'000, pf)), 25'000) << pf;
    EXPECT_EQ(b.ActiveMpePpm(At(500, pf)), 15'000) << pf;
    EXPECT_EQ(b.ActiveMpePpm(At(100'000, pf)), 15'000) << pf;
  }
  // PF 1 capacitive side (-1000) is PF 1.
  EXPECT_EQ(b.ActiveMpePpm(At(5'000, -1000)), 10'000);
}

TEST(AccuracyMpeTest, IecClass1And2ByCurrentBand) {
  // IEC 62053-21 table 4, Ib = 5 A: 0.05 Ib = 250 mA, 0.1 Ib = 500 mA, 0.2 Ib = 1 A.
  const AccuracyModel c1(AccuracyClass::kIec1, kRating, 1);
  const AccuracyModel c2(AccuracyClass::kIec2, kRating, 1);
  // 0.05 Ib <= I < 0.1 Ib, PF 1: 1.5 % / 2.5 %.
  EXPECT_EQ(c1.ActiveMpePpm(At(250)), 15'000);
  EXPECT_EQ(c1.ActiveMpePpm(At(499)), 15'000);
  EXPECT_EQ(c2.ActiveMpePpm(At(250)), 25'000);
  // 0.1 Ib <= I <= Imax, PF 1: 1.0 % / 2.0 %.
  EXPECT_EQ(c1.ActiveMpePpm(At(500)), 10'000);
  EXPECT_EQ(c1.ActiveMpePpm(At(100'000)), 10'000);
  EXPECT_EQ(c2.ActiveMpePpm(At(500)), 20'000);
  EXPECT_EQ(c2.ActiveMpePpm(At(100'000)), 20'000);
  for (int32_t pf : {500, -800}) {
    // 0.1 Ib <= I < 0.2 Ib, PF 0.5 ind / 0.8 cap: 1.5 % / 2.5 %.
    EXPECT_EQ(c1.ActiveMpePpm(At(500, pf)), 15'000) << pf;
    EXPECT_EQ(c1.ActiveMpePpm(At(999, pf)), 15'000) << pf;
    EXPECT_EQ(c2.ActiveMpePpm(At(999, pf)), 25'000) << pf;
    // 0.2 Ib <= I <= Imax: 1.0 % / 2.0 %.
    EXPECT_EQ(c1.ActiveMpePpm(At(1'000, pf)), 10'000) << pf;
    EXPECT_EQ(c1.ActiveMpePpm(At(100'000, pf)), 10'000) << pf;
    EXPECT_EQ(c2.ActiveMpePpm(At(1'000, pf)), 20'000) << pf;
  }
}

TEST(AccuracyMpeTest, ReactiveClass2BySinPhiAndCurrent) {
  // IEC 62053-23 table 4, class 2, for every active class.
  for (AccuracyClass cls : kClasses) {
    const AccuracyModel m(cls, kRating, 1);
    // sin phi 1 (PF 0): 0.05..0.1 Ib 2.5 %, 0.1 Ib..Imax 2.0 %.
    EXPECT_EQ(m.ReactiveMpePpm(At(250, 0)), 25'000);
    EXPECT_EQ(m.ReactiveMpePpm(At(499, 0)), 25'000);
    EXPECT_EQ(m.ReactiveMpePpm(At(500, 0)), 20'000);
    EXPECT_EQ(m.ReactiveMpePpm(At(100'000, 31)), 20'000);  // |sin| still rounds to 1
    // sin phi 0.5 (PF 0.866 either side): 0.1..0.2 Ib 2.5 %, 0.2 Ib..Imax 2.0 %.
    EXPECT_EQ(m.ReactiveMpePpm(At(500, 866)), 25'000);
    EXPECT_EQ(m.ReactiveMpePpm(At(999, -866)), 25'000);
    EXPECT_EQ(m.ReactiveMpePpm(At(1'000, 866)), 20'000);
    EXPECT_EQ(m.ReactiveMpePpm(At(100'000, -866)), 20'000);
    // sin phi 0.25 (PF 0.968): 0.2 Ib..Imax 2.5 %; and beyond, 2.5 %.
    EXPECT_EQ(m.ReactiveMpePpm(At(1'000, 968)), 25'000);
    EXPECT_EQ(m.ReactiveMpePpm(At(100'000, -968)), 25'000);
    EXPECT_EQ(m.ReactiveMpePpm(At(100'000, 1000)), 25'000);
  }
}

TEST(AccuracyMpeTest, OtherRatingsScaleTheBands) {
  // 10-60 A (X5 = 6): Imin 500 mA, Itr 1 A.
  const AccuracyModel b(AccuracyClass::kMidB, Rating(CurrentRange::k10To60A), 1);
  EXPECT_EQ(b.TransitionalCurrentMa(), 1'000);
  EXPECT_EQ(b.ActiveMpePpm(At(999)), 15'000);
  EXPECT_EQ(b.ActiveMpePpm(At(1'000)), 10'000);
  EXPECT_EQ(b.StartingCurrentMa(), 40);
}

// ---------------------------------------------------------------------------------------
// Starting current.

TEST(AccuracyStartingCurrentTest, ByClass) {
  // MID: A 0.05 Itr = 25 mA, B 0.04 Itr = 20 mA. IEC: class 1 0.004 Ib = 20 mA, class 2
  // 0.005 Ib = 25 mA. Reactive class 2: 0.005 Ib = 25 mA.
  const std::array<int64_t, 4> expected = {25, 20, 20, 25};
  for (size_t i = 0; i < kClasses.size(); ++i) {
    const AccuracyModel m(kClasses[i], kRating, 7);
    EXPECT_EQ(m.StartingCurrentMa(), expected[i]);
    EXPECT_EQ(m.ReactiveStartingCurrentMa(), 25);
    EXPECT_TRUE(m.Registers(At(expected[i])));
    EXPECT_FALSE(m.Registers(At(expected[i] - 1)));
    EXPECT_FALSE(m.Registers(At(0)));
    EXPECT_FALSE(m.Registers(At(-5)));
    EXPECT_TRUE(m.RegistersReactive(At(25)));
    EXPECT_FALSE(m.RegistersReactive(At(24)));
  }
}

TEST(AccuracyStartingCurrentTest, BelowItNothingRegisters) {
  const AccuracyModel b(AccuracyClass::kMidB, kRating, 3);
  // 19 mA at 230 V, PF 0.8: 3496 mW, 2622 mvar.
  const PhaseValues truth = MakePhaseValues(3'496, 2'622);
  const PhaseValues below = b.Registered(truth, At(19, 800));
  EXPECT_EQ(below.active_mw, 0);
  EXPECT_EQ(below.reactive_mvar, 0);
  EXPECT_EQ(below.apparent_mva, 0);
  // 20 mA: active registers, reactive (starts at 25 mA) does not yet.
  const PhaseValues at = b.Registered(truth, At(20, 800));
  EXPECT_NE(at.active_mw, 0);
  EXPECT_EQ(at.reactive_mvar, 0);
  EXPECT_EQ(at.apparent_mva, std::abs(at.active_mw));
}

// ---------------------------------------------------------------------------------------
// ApplyPpm.

TEST(ApplyPpmTest, ExactValues) {
  EXPECT_EQ(ApplyPpm(1'000'000, 1'234), 1'001'234);
  EXPECT_EQ(ApplyPpm(1'000'000, -1'234), 998'766);
  EXPECT_EQ(ApplyPpm(1'000'000'000'000, 25'000), 1'025'000'000'000);
  EXPECT_EQ(ApplyPpm(-1'000'000'000'000, -25'000), -975'000'000'000);
  EXPECT_EQ(ApplyPpm(123'456'789, 0), 123'456'789);
  EXPECT_EQ(ApplyPpm(0, 25'000), 0);
  // Extreme ppm with the extreme documented value.
  EXPECT_EQ(ApplyPpm(1'000'000'000'000, INT32_MAX), 2'148'483'647'000'000);
  EXPECT_EQ(ApplyPpm(1'000'000'000'000, INT32_MIN), -2'146'483'648'000'000);
  EXPECT_EQ(ApplyPpm(kMaxApplyPpmValue, INT32_MAX), 2'148'483'647'000'000'000);
  EXPECT_EQ(ApplyPpm(-kMaxApplyPpmValue, INT32_MIN), 2'146'483'648'000'000'000);
}

TEST(ApplyPpmTest, RoundsTowardZero) {
  EXPECT_EQ(ApplyPpm(1, 500'000), 1);             // 1.5
  EXPECT_EQ(ApplyPpm(-1, 500'000), -1);           // -1.5
  EXPECT_EQ(ApplyPpm(3, -1), 2);                  // 2.999997
  EXPECT_EQ(ApplyPpm(-3, -1), -2);                // -2.999997
  EXPECT_EQ(ApplyPpm(999'999, 1), 999'999);       // 999 999.999 999
  EXPECT_EQ(ApplyPpm(1'999'999, -1), 1'999'997);  // 1 999 997.000 001
}

TEST(ApplyPpmTest, MatchesA128BitReference) {
  for (uint64_t i = 0; i < 200'000; ++i) {
    const uint64_t h = Hash(i);
    const int64_t limit =
        (i % 3 == 0) ? kMaxApplyPpmValue : (i % 3 == 1 ? 1'000'000'000'000 : 10'000'000);
    const int64_t value = Uniform(h, -limit, limit);
    const int32_t ppm = (i % 2 == 0) ? static_cast<int32_t>(Hash(h) >> 32)
                                     : static_cast<int32_t>(Uniform(Hash(h), -30'000, 30'000));
    const Int128 exact = static_cast<Int128>(value) * (1'000'000 + static_cast<Int128>(ppm));
    const Int128 expected = exact / 1'000'000;  // C++ division truncates toward zero
    ASSERT_EQ(ApplyPpm(value, ppm), static_cast<int64_t>(expected)) << value << " " << ppm;
  }
}

TEST(ApplyPpmDeathTest, BeyondTheDocumentedRangeAborts) {
  EXPECT_DEATH(ApplyPpm(kMaxApplyPpmValue + 1, 0), "kMaxApplyPpmValue");
}

// ---------------------------------------------------------------------------------------
// The error stays inside the MPE, is seeded and deterministic.

struct Grid {
  std::vector<int64_t> currents;
  std::vector<int64_t> voltages = {184'000, 230'000, 264'500};
  std::vector<int64_t> frequencies = {47'500, 50'000, 52'500};
  std::vector<int32_t> temperatures = {-40'000, 23'000, 70'000};
  std::vector<int32_t> power_factors = {1000, 500, -800, 866, 968, 0};
};

Grid GridFor(const CurrentRating& r) {
  Grid grid;
  const int64_t ref = r.ref_ma;
  grid.currents = {r.min_ma, r.min_ma + 1, ref / 20, ref / 10 - 1, ref / 10, ref / 5 - 1,
                   ref / 5,  ref,          ref * 4,  r.max_ma - 1, r.max_ma};
  return grid;
}

TEST(AccuracyModelTest, ErrorNeverExceedsMpeOverSeedsAndTheRatedRange) {
  const Grid grid = GridFor(kRating);
  int64_t checked = 0;
  for (AccuracyClass cls : kClasses) {
    // Largest |error| / MPE seen, in ppm: the budget is used, never exceeded.
    int64_t worst_active = 0;
    int64_t worst_reactive = 0;
    for (uint64_t seed = 0; seed < 2000; ++seed) {
      const AccuracyModel m(cls, kRating, seed * 0x1234567ULL + 11);
      for (int64_t i : grid.currents) {
        for (int64_t u : grid.voltages) {
          for (int64_t f : grid.frequencies) {
            for (int32_t t : grid.temperatures) {
              for (int32_t pf : grid.power_factors) {
                const Conditions c{i, u, f, t, pf};
                const int64_t e = m.ActiveErrorPpm(c);
                const int64_t mpe = m.ActiveMpePpm(c);
                const int64_t re = m.ReactiveErrorPpm(c);
                const int64_t rmpe = m.ReactiveMpePpm(c);
                ASSERT_LE(std::abs(e), mpe) << static_cast<char>(cls) << " seed " << seed;
                ASSERT_LE(std::abs(re), rmpe) << static_cast<char>(cls) << " seed " << seed;
                worst_active = std::max(worst_active, std::abs(e) * 1'000'000 / mpe);
                worst_reactive = std::max(worst_reactive, std::abs(re) * 1'000'000 / rmpe);
                ++checked;
              }
            }
          }
        }
      }
    }
    // The seeded errors reach well into the limit somewhere (a model that always said 0
    // would pass the bound trivially).
    EXPECT_GT(worst_active, 700'000) << static_cast<char>(cls);
    EXPECT_GT(worst_reactive, 700'000) << static_cast<char>(cls);
  }
  EXPECT_GT(checked, 10'000'000);
}

TEST(AccuracyModelTest, ErrorNeverExceedsMpeForAnyConditions) {
  // Random conditions, including far outside the rated range and absurd values.
  for (AccuracyClass cls : kClasses) {
    for (CurrentRange range :
         {CurrentRange::k5To100A, CurrentRange::k10To60A, CurrentRange::k5To65A}) {
      for (uint64_t n = 0; n < 50'000; ++n) {
        const uint64_t h =
            Hash(n ^ (static_cast<uint64_t>(cls) << 40) ^ (static_cast<uint64_t>(range) << 48));
        const AccuracyModel m(cls, Rating(range), Hash(h));
        Conditions c;
        c.current_ma = (n % 7 == 0) ? static_cast<int64_t>(Hash(h + 1))
                                    : Uniform(Hash(h + 1), -1'000, 200'000);
        c.voltage_mv =
            (n % 11 == 0) ? static_cast<int64_t>(Hash(h + 2)) : Uniform(Hash(h + 2), 0, 400'000);
        c.frequency_mhz = (n % 13 == 0) ? static_cast<int64_t>(Hash(h + 3))
                                        : Uniform(Hash(h + 3), 40'000, 60'000);
        c.temperature_mdegc = static_cast<int32_t>(Hash(h + 4) >> 32);
        c.power_factor_milli = (n % 5 == 0)
                                   ? static_cast<int32_t>(Hash(h + 5) >> 32)
                                   : static_cast<int32_t>(Uniform(Hash(h + 5), -1000, 1000));
        ASSERT_LE(std::abs(m.ActiveErrorPpm(c)), m.ActiveMpePpm(c));
        ASSERT_LE(std::abs(m.ReactiveErrorPpm(c)), m.ReactiveMpePpm(c));
      }
    }
  }
}

TEST(AccuracyModelTest, SameSeedSameErrorsOtherSeedsDiffer) {
  const Conditions reference = At(5'000);
  Conditions hot = At(40'000, 600);
  hot.voltage_mv = 250'000;
  hot.frequency_mhz = 49'000;
  hot.temperature_mdegc = 60'000;
  for (AccuracyClass cls : kClasses) {
    std::set<int32_t> distinct;
    std::set<int32_t> distinct_reactive;
    int64_t sum = 0;
    for (uint64_t seed = 0; seed < 2000; ++seed) {
      const AccuracyModel a(cls, kRating, seed);
      const AccuracyModel b(cls, kRating, seed);
      for (const Conditions& c : {reference, hot}) {
        ASSERT_EQ(a.ActiveErrorPpm(c), b.ActiveErrorPpm(c));
        ASSERT_EQ(a.ReactiveErrorPpm(c), b.ReactiveErrorPpm(c));
      }
      distinct.insert(a.ActiveErrorPpm(hot));
      distinct_reactive.insert(a.ReactiveErrorPpm(hot));
      sum += a.ActiveErrorPpm(reference);
    }
    // Errors are spread over thousands of ppm, so nearly every seed has its own.
    EXPECT_GT(distinct.size(), 1'500u) << static_cast<char>(cls);
    EXPECT_GT(distinct_reactive.size(), 1'500u) << static_cast<char>(cls);
    // Centred on zero: the mean of 2000 meters is far inside the limit.
    const int64_t mean = sum / 2000;
    EXPECT_LT(std::abs(mean), AccuracyModel(cls, kRating, 0).ActiveMpePpm(reference) / 10);
  }
}

// Golden values for seed 42, class B, 5 A at PF 0.9 ind, 240 V, 50 Hz, -10 C: a change here
// changes every virtual meter's registers. Reproduced independently by re-implementing
// the algorithm of accuracy.cc in Python with arbitrary-precision integers.
constexpr int32_t kPinnedActive = 145;
constexpr int32_t kPinnedReactive = -4612;

TEST(AccuracyModelTest, KnownSeedGivesPinnedErrors) {
  const AccuracyModel b(AccuracyClass::kMidB, kRating, 42);
  Conditions c = At(5'000, 900);
  c.voltage_mv = 240'000;
  c.temperature_mdegc = -10'000;
  EXPECT_EQ(b.ActiveErrorPpm(c), kPinnedActive);
  EXPECT_EQ(b.ReactiveErrorPpm(c), kPinnedReactive);
}

TEST(AccuracyModelTest, InfluenceQuantitiesMoveTheErrorAndVanishAtReference) {
  // Over many seeds, changing only voltage (frequency, temperature) changes the error for
  // most meters, by at most 10 % of Lref; at the reference value it is back.
  const AccuracyModel probe(AccuracyClass::kMidB, kRating, 0);
  const int64_t lref = probe.ActiveMpePpm(At(5'000));  // 1.0 %
  int changed_v = 0, changed_f = 0, changed_t = 0;
  for (uint64_t seed = 0; seed < 500; ++seed) {
    const AccuracyModel m(AccuracyClass::kMidB, kRating, seed);
    const Conditions ref = At(5'000);
    const int32_t e0 = m.ActiveErrorPpm(ref);
    for (int64_t v : {184'000, 264'500}) {
      Conditions c = ref;
      c.voltage_mv = v;
      const int32_t e = m.ActiveErrorPpm(c);
      EXPECT_LE(std::abs(e - e0), lref / 10 + 1);
      changed_v += e != e0;
    }
    for (int64_t f : {47'500, 52'500}) {
      Conditions c = ref;
      c.frequency_mhz = f;
      const int32_t e = m.ActiveErrorPpm(c);
      EXPECT_LE(std::abs(e - e0), lref / 10 + 1);
      changed_f += e != e0;
    }
    for (int32_t t : {-40'000, 70'000}) {
      Conditions c = ref;
      c.temperature_mdegc = t;
      const int32_t e = m.ActiveErrorPpm(c);
      EXPECT_LE(std::abs(e - e0), lref / 10 + 1);
      changed_t += e != e0;
    }
  }
  EXPECT_GT(changed_v, 900);
  EXPECT_GT(changed_f, 900);
  EXPECT_GT(changed_t, 900);
}

TEST(AccuracyModelTest, ErrorIsContinuousInCurrent) {
  // 1 mA steps from Imin to 2 Iref: no jump bigger than the steepest slope allows (about
  // 70 ppm/mA at Imin), including across Itr, 0.1 Ib and 0.2 Ib where the limits step down.
  for (AccuracyClass cls : kClasses) {
    for (uint64_t seed = 0; seed < 5; ++seed) {
      const AccuracyModel m(cls, kRating, seed);
      for (int32_t pf : {1000, 500, -800, 900}) {
        int32_t last = m.ActiveErrorPpm(At(kRating.min_ma, pf));
        int32_t last_reactive = m.ReactiveErrorPpm(At(kRating.min_ma, pf == 1000 ? 0 : pf));
        for (int64_t i = kRating.min_ma + 1; i <= 2 * kRating.ref_ma; ++i) {
          const int32_t e = m.ActiveErrorPpm(At(i, pf));
          const int32_t r = m.ReactiveErrorPpm(At(i, pf == 1000 ? 0 : pf));
          ASSERT_LE(std::abs(e - last), 100) << static_cast<char>(cls) << " " << i << " " << pf;
          ASSERT_LE(std::abs(r - last_reactive), 100) << static_cast<char>(cls) << " " << i;
          last = e;
          last_reactive = r;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Registered against true.

TEST(AccuracyModelTest, RegisteredAppliesActiveAndReactiveErrors) {
  const AccuracyModel a(AccuracyClass::kMidA, kRating, 9);
  const Conditions c = At(10'000, 800);
  const PhaseValues truth = MakePhaseValues(1'840'000, 1'380'000);  // 10 A at 230 V, PF 0.8
  const PhaseValues registered = a.Registered(truth, c);
  EXPECT_EQ(registered.active_mw, ApplyPpm(truth.active_mw, a.ActiveErrorPpm(c)));
  EXPECT_EQ(registered.reactive_mvar, ApplyPpm(truth.reactive_mvar, a.ReactiveErrorPpm(c)));
  EXPECT_EQ(registered.apparent_mva,
            MakePhaseValues(registered.active_mw, registered.reactive_mvar).apparent_mva);
  const ActiveReactive pair = a.Registered(ActiveReactive{-1'840'000, -1'380'000}, c);
  EXPECT_EQ(pair.active, ApplyPpm(-1'840'000, a.ActiveErrorPpm(c)));
  EXPECT_EQ(pair.reactive, ApplyPpm(-1'380'000, a.ReactiveErrorPpm(c)));
}

TEST(AccuracyModelTest, PreparedSupplyGivesExactlyTheDirectResult) {
  // Registered(truth, AtSupply(U, f, T)) is the fast path of fast-forward: it must equal
  // Registered(truth, LoadConditions(truth, U, f, T)) for every load, class and supply,
  // including no load, loads below the starting current, beyond Imax and a dead phase.
  int64_t checked = 0;
  for (AccuracyClass cls : kClasses) {
    for (CurrentRange range : {CurrentRange::k5To100A, CurrentRange::k10To60A}) {
      for (uint64_t seed = 0; seed < 20; ++seed) {
        const AccuracyModel m(cls, Rating(range), Hash(seed + 100));
        for (uint64_t n = 0; n < 2'000; ++n) {
          const uint64_t h = Hash((seed << 32) ^ n ^ (static_cast<uint64_t>(cls) << 56));
          // 0: a dead phase; every 89th an absurd voltage beyond the exact divider's range.
          const int64_t voltage_mv = n % 97 == 0   ? 0
                                     : n % 89 == 0 ? int64_t{5'000'000'000}
                                                   : Uniform(Hash(h + 1), 150'000, 280'000);
          const int64_t frequency_mhz = Uniform(Hash(h + 2), 47'000, 53'000);
          const int32_t temperature_mdegc =
              static_cast<int32_t>(Uniform(Hash(h + 3), -45'000, 75'000));
          // Magnitudes from 0 over the starting current to beyond 3 x Imax x 264 V.
          const int64_t scale = int64_t{1} << Uniform(Hash(h + 4), 0, 26);
          const int64_t p = Uniform(Hash(h + 5), -scale, scale);
          const int64_t q = n % 7 == 0 ? 0 : Uniform(Hash(h + 6), -scale, scale);
          const PhaseValues truth = MakePhaseValues(p, q);
          const AccuracyModel::Supply supply =
              m.AtSupply(voltage_mv, frequency_mhz, temperature_mdegc);
          const PhaseValues fast = m.Registered(truth, supply);
          const PhaseValues direct = m.Registered(
              truth, LoadConditions(truth, voltage_mv, frequency_mhz, temperature_mdegc));
          ASSERT_EQ(fast.active_mw, direct.active_mw) << p << " " << q << " " << voltage_mv;
          ASSERT_EQ(fast.reactive_mvar, direct.reactive_mvar) << p << " " << q;
          ASSERT_EQ(fast.apparent_mva, direct.apparent_mva) << p << " " << q;
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 4 * 2 * 20 * 2'000);
}

TEST(LoadConditionsTest, CurrentAndSignedPowerFactorPerQuadrant) {
  // 10 A at 230 V, PF 0.8: S = 2300 VA.
  Conditions q1 = LoadConditions(MakePhaseValues(1'840'000, 1'380'000), 230'000, 50'000, 20'000);
  EXPECT_EQ(q1.current_ma, 10'000);
  EXPECT_EQ(q1.power_factor_milli, 800);  // Q1: inductive
  EXPECT_EQ(q1.frequency_mhz, 50'000);
  EXPECT_EQ(q1.temperature_mdegc, 20'000);
  EXPECT_EQ(
      LoadConditions(MakePhaseValues(-1'840'000, 1'380'000), 230'000, 50'000, 0).power_factor_milli,
      -800);  // Q2: capacitive
  EXPECT_EQ(LoadConditions(MakePhaseValues(-1'840'000, -1'380'000), 230'000, 50'000, 0)
                .power_factor_milli,
            800);  // Q3: inductive
  EXPECT_EQ(
      LoadConditions(MakePhaseValues(1'840'000, -1'380'000), 230'000, 50'000, 0).power_factor_milli,
      -800);  // Q4: capacitive
  EXPECT_EQ(LoadConditions(MakePhaseValues(2'300'000, 0), 230'000, 50'000, 0).power_factor_milli,
            1000);
  const Conditions none = LoadConditions(PhaseValues{}, 230'000, 50'000, 0);
  EXPECT_EQ(none.current_ma, 0);
  EXPECT_EQ(none.power_factor_milli, 1000);
  // Hand-built values without S get S derived.
  PhaseValues raw;
  raw.active_mw = 1'840'000;
  raw.reactive_mvar = 1'380'000;
  EXPECT_EQ(LoadConditions(raw, 230'000, 50'000, 0).current_ma, 10'000);
}

TEST(CheckRatingTest, RejectsUnorderedRatings) {
  EXPECT_TRUE(CheckRating(kRating).ok());
  const absl::Status bad = CheckRating(CurrentRating{0, 5'000, 100'000});
  EXPECT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.message()), HasSubstr("0-5000(100000) mA"));
  EXPECT_FALSE(CheckRating(CurrentRating{250, 100'000, 5'000}).ok());
  // Beyond 10 kA the fixed-point current term would overflow: rejected, naming the bound.
  const absl::Status huge = CheckRating(CurrentRating{300'000'000, 400'000'000, 500'000'000});
  EXPECT_FALSE(huge.ok());
  EXPECT_THAT(std::string(huge.message()), HasSubstr("10000000 mA"));
}

TEST(AccuracyModelDeathTest, ABadRatingAborts) {
  EXPECT_DEATH(AccuracyModel(AccuracyClass::kMidB, CurrentRating{}, 1), "Imin < Iref");
}

// A simulated day of one-minute slots over a varied load that sweeps Imin..Imax, the rated
// voltage, frequency and temperature ranges and PF 0.5 ind..1..0.8 cap: registered energy
// differs from true energy by no more than the MPE-weighted true energy (plus one unit of
// rounding per slot), and the day's ratio stays within the class's widest limit.
TEST(AccuracyModelTest, ADayOfVariedLoadStaysWithinTheClass) {
  for (AccuracyClass cls : kClasses) {
    for (uint64_t seed : {1ULL, 2ULL, 77ULL}) {
      const AccuracyModel m(cls, kRating, seed);
      Int128 true_active = 0, registered_active = 0, allowed_active = 0;
      Int128 true_reactive = 0, registered_reactive = 0, allowed_reactive = 0;
      int32_t widest = 0;
      for (int64_t slot = 0; slot < 1440; ++slot) {
        const uint64_t h = Hash(seed * 1'000'003 + static_cast<uint64_t>(slot));
        // Current log-uniform-ish: Imin * 2^(0..8.6).
        const int64_t octave = Uniform(h, 0, 8);
        int64_t current = kRating.min_ma << octave;
        current += Uniform(Hash(h + 1), 0, current);
        current = std::min<int64_t>(current, kRating.max_ma);
        const int64_t voltage = Uniform(Hash(h + 2), kMinVoltageMv, kMaxVoltageMv);
        const int64_t frequency = Uniform(Hash(h + 3), kMinFrequencyMhz, kMaxFrequencyMhz);
        // Temperature follows the day from -40 C at midnight to +70 C at noon.
        const int32_t temperature = static_cast<int32_t>(
            kMinTemperatureMdegc + (110'000 * (720 - std::abs(720 - slot))) / 720);
        const int32_t pf = static_cast<int32_t>(
            std::array<int64_t, 5>{1000, 950, 500, -800, -900}[Hash(h + 4) % 5]);
        const Conditions c{current, voltage, frequency, temperature, pf};
        // True power from U, I and PF; energy over 60 s in mW*s.
        const int64_t s_mw = voltage * current / 1'000;  // mV * mA / 1000 = mVA
        const int64_t p_mw = s_mw * std::abs(pf) / 1000;
        const int64_t q_mvar =
            static_cast<int64_t>(IntegerSqrt(static_cast<uint64_t>(s_mw * s_mw - p_mw * p_mw))) *
            (pf >= 0 ? 1 : -1);
        const ActiveReactive truth{p_mw * 60, q_mvar * 60};
        ASSERT_TRUE(m.Registers(c));
        const ActiveReactive registered = m.Registered(truth, c);
        true_active += truth.active;
        registered_active += registered.active;
        allowed_active += static_cast<Int128>(std::abs(truth.active)) * m.ActiveMpePpm(c);
        true_reactive += std::abs(truth.reactive);
        registered_reactive += std::abs(registered.reactive);
        allowed_reactive += static_cast<Int128>(std::abs(truth.reactive)) * m.ReactiveMpePpm(c);
        widest = std::max({widest, m.ActiveMpePpm(c)});
      }
      const Int128 diff = registered_active - true_active;
      const Int128 abs_diff = diff < 0 ? -diff : diff;
      EXPECT_LE(abs_diff * 1'000'000, allowed_active + Int128{1440} * 1'000'000);
      EXPECT_LE(abs_diff * 1'000'000, true_active * widest);
      const Int128 rdiff = registered_reactive - true_reactive;
      EXPECT_LE((rdiff < 0 ? -rdiff : rdiff) * 1'000'000,
                allowed_reactive + Int128{1440} * 1'000'000);
      EXPECT_LE((rdiff < 0 ? -rdiff : rdiff) * 1'000'000, true_reactive * 25'000);
      EXPECT_NE(registered_active, true_active);  // the meter is not perfect
    }
  }
}

// The same with the project's household load model: a day of a real-looking load on all
// three phases (import and export), through LoadConditions.
TEST(AccuracyModelTest, ADayOfHouseholdLoadStaysWithinTheClass) {
  const int64_t day_start_slot = 19'723 * 1440;  // 2024-01-01
  for (uint64_t house = 1; house <= 6; ++house) {
    const AccuracyModel m(AccuracyClass::kMidB, kRating, house * 31);
    LoadCursor cursor(house);
    Int128 true_abs = 0, diff = 0, allowed = 0;
    for (int64_t slot = day_start_slot; slot < day_start_slot + 1440; ++slot) {
      const PhaseSet& phases = cursor.At(slot);
      for (const PhaseValues& truth : phases) {
        const Conditions c = LoadConditions(truth, 231'000, 50'010, 15'000);
        const PhaseValues registered = m.Registered(truth, c);
        if (!m.Registers(c)) {
          EXPECT_EQ(registered.active_mw, 0);
          continue;
        }
        true_abs += std::abs(truth.active_mw);
        diff += registered.active_mw - truth.active_mw;
        allowed += static_cast<Int128>(std::abs(truth.active_mw)) * m.ActiveMpePpm(c);
      }
    }
    ASSERT_GT(true_abs, 0);
    const Int128 abs_diff = diff < 0 ? -diff : diff;
    EXPECT_LE(abs_diff * 1'000'000, allowed + Int128{3 * 1440} * 1'000'000);
    EXPECT_LE(abs_diff * 1'000'000, true_abs * 15'000);  // class B: at most 1.5 %
  }
}

}  // namespace
}  // namespace vmuc::meters
