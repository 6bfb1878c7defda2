// AccuracyModel: how far a meter's registered energy is from the true energy, as a seeded,
// deterministic function of the operating conditions that always stays inside the maximum
// permissible error (MPE) of the meter's accuracy class (type number X6, datasheet
// "Accuracy class  MID: Class A, Class B  IEC: Class 2, Class 1").
//
// Standards and the values used (percent; every limit is held in ppm of the true value):
//
//   Active energy, MID classes A and B: EN 50470-3:2006 8.1, table "Percentage error
//   limits" (single-phase meters and polyphase meters with balanced loads):
//                                            class A   class B
//     Imin <= I < Itr,  PF 1                   2.5       1.5
//     Itr <= I <= Imax, PF 1                   2.0       1.0
//     Itr <= I <= Imax, PF 0.5 ind..0.8 cap    2.5       1.5
//   Itr = Iref / 10: EN 50470-1 for direct-connected meters (Iref = 10 Itr, Imin <= 0.5 Itr,
//   Imax >= 50 Itr); the datasheet's 0.25-5(100) A gives Itr = 0.5 A = 2 Imin.
//   Starting current Ist (EN 50470-3, MID Annex V table 1, direct connected): class A
//   0.05 Itr, class B 0.04 Itr.
//
//   Active energy, IEC classes 1 and 2: IEC 62053-21:2003 8.1, table 4 "Percentage error
//   limits" (Ib = Iref for a direct-connected meter):
//                                            class 1   class 2
//     0.05 Ib <= I < 0.1 Ib, PF 1              1.5       2.5
//     0.1 Ib <= I <= Imax,   PF 1              1.0       2.0
//     0.1 Ib <= I < 0.2 Ib,  PF 0.5 ind/0.8 cap 1.5      2.5
//     0.2 Ib <= I <= Imax,   PF 0.5 ind/0.8 cap 1.0      2.0
//   Starting current (IEC 62053-21 8.3.3, direct connected): class 1 0.004 Ib, class 2
//   0.005 Ib.
//
//   Reactive energy, every meter: IEC 62053-23:2003 8.1, table 4, class 2 (the datasheet
//   states no reactive class; class 2 is what class 1/B meters are commonly paired with):
//     0.05 Ib <= I < 0.1 Ib, sin phi 1         2.5
//     0.1 Ib <= I <= Imax,   sin phi 1         2.0
//     0.1 Ib <= I < 0.2 Ib,  sin phi 0.5       2.5
//     0.2 Ib <= I <= Imax,   sin phi 0.5       2.0
//     0.2 Ib <= I <= Imax,   sin phi 0.25      2.5
//   Starting current (IEC 62053-23 8.3.3, direct connected, class 2): 0.005 Ib.
//
// Checked against public sources: IEC 62053-21 class 1 at 0.05 Ib, PF 1 = 1.5 %, the IEC
// starting-current factors and Iref = 10 Itr. The other values could not be checked against
// a public copy of the standards; they are the commonly cited values (see accuracy.cc).
//
// Between and beyond the tabulated points (the standards test points, a model needs a
// value everywhere):
//   - "PF 1" means power_factor_milli = +-1000 (cos phi >= 0.9995); any other PF uses the
//     PF 0.5 ind/0.8 cap row, also outside that range (PF < 0.5 ind or < 0.8 cap, where no
//     limit is given).
//   - "sin phi 1" means |sin phi| >= 0.9995 (|PF| <= 0.031); 0.5 <= |sin phi| < 0.9995
//     uses the sin 0.5 row; |sin phi| < 0.5 gets 2.5 % at every current.
//   - Below the lowest tabulated current (Imin, or 0.05 Ib) the low-current limit applies;
//     above Imax the high-current one.
//
// Influence quantities. The limits above hold at reference conditions; the standards add
// allowed variations for voltage, frequency and temperature (IEC 62053-21 table 8;
// EN 50470-3 table 6), and MID Annex V table 2 allows composite errors from 2 % (B) and
// 3.5 % (A) at +5..+30 C up to 4 % and 9 % at -40..-25 C or +55..+70 C. This model is
// stricter: its error stays inside the reference-condition limit over the whole rated
// range of the datasheet (voltage 230 V -20 %..+15 % = 184..264.5 V, frequency
// 50 Hz +-5 % = 47.5..52.5 Hz, temperature -40..+70 C), so it satisfies every table.
//
// The error, in ppm of the true value, is a sum of seeded terms (see accuracy.cc):
//   base                       within +-40 % of Lref
//   current                    within +-30 % of Lref, piecewise linear over octaves of I
//   voltage, frequency, temp.  within +-10 % of Lref each, zero at reference conditions
//                              (230 V, 50 Hz, 23 C), linear to the range edge, clamped
//   low-current / PF excess    within +-(MPE - Lref), fading to zero where the limit drops
// where Lref is the class's smallest limit (PF 1, high current). So |error| <= MPE for
// every input, including conditions outside the rated range.
//
// Integers only: no floating point, no libm. An AccuracyModel is an immutable value: copy
// it freely and call it from any thread.
#ifndef VMUC_METERS_ACCURACY_ACCURACY_H_
#define VMUC_METERS_ACCURACY_ACCURACY_H_

#include <array>
#include <cstdint>

#include "absl/status/status.h"
#include "common/exact_divider.h"
#include "meters/configuration/type_number.h"
#include "meters/metrology/measurement.h"

namespace vmuc::meters {

// Datasheet "Technical data": nominal voltage 230 V -20 %..+15 %, 50 Hz +-5 %, operating
// temperature -40..+70 C. IEC 62052-11 reference temperature 23 C.
inline constexpr int64_t kNominalVoltageMv = 230'000;
inline constexpr int64_t kMinVoltageMv = 184'000;
inline constexpr int64_t kMaxVoltageMv = 264'500;
inline constexpr int64_t kNominalFrequencyMhz = 50'000;
inline constexpr int64_t kMinFrequencyMhz = 47'500;
inline constexpr int64_t kMaxFrequencyMhz = 52'500;
inline constexpr int32_t kReferenceTemperatureMdegc = 23'000;
inline constexpr int32_t kMinTemperatureMdegc = -40'000;
inline constexpr int32_t kMaxTemperatureMdegc = 70'000;

// One measuring system's operating point. Defaults are the reference conditions at 0 A.
struct Conditions {
  int64_t current_ma = 0;  // RMS current magnitude
  int64_t voltage_mv = kNominalVoltageMv;
  int64_t frequency_mhz = kNominalFrequencyMhz;
  int32_t temperature_mdegc = kReferenceTemperatureMdegc;
  // cos phi in thousandths: + inductive (lagging), - capacitive (leading); +-1000 = PF 1.
  int32_t power_factor_milli = 1000;
};

// The operating point of a phase carrying `values` at `voltage_mv`: I = S / U, |PF| =
// |P| / S rounded to the nearest thousandth, inductive when P and Q have the same sign
// (quadrants Q1 and Q3 of IEC 62053-23), capacitive otherwise. S = 0 gives 0 mA, PF 1.
Conditions LoadConditions(const PhaseValues& values, int64_t voltage_mv, int64_t frequency_mhz,
                          int32_t temperature_mdegc);

// OK when 0 < min_ma < ref_ma < max_ma <= kMaxRatedCurrentMa (every row of Rating() is).
// The bound keeps the current term's fixed-point arithmetic inside 64 bits; direct-connected
// meters are rated at most a few hundred amperes.
inline constexpr int64_t kMaxRatedCurrentMa = 10'000'000;  // 10 kA
absl::Status CheckRating(const CurrentRating& rating);

// registered = true_value * (1e6 + error_ppm) / 1e6, rounded toward zero, computed exactly
// in 64-bit arithmetic for |true_value| <= kMaxApplyPpmValue and every int32 error_ppm
// (larger values abort). Units are the caller's (mW, mW*s, Wh ...).
inline constexpr int64_t kMaxApplyPpmValue = 1'000'000'000'000'000;  // 1e15
int64_t ApplyPpm(int64_t true_value, int32_t error_ppm);

// A true or registered pair in any one unit (power or energy).
struct ActiveReactive {
  int64_t active = 0;
  int64_t reactive = 0;
  friend bool operator==(const ActiveReactive&, const ActiveReactive&) = default;
};

// One row of an accuracy table, resolved for one power factor: MPE = low_ppm below
// edge_ma, high_ppm from it. Internal to AccuracyModel (public so accuracy.cc's helpers
// can build it).
struct AccuracyLimits {
  int32_t low_ppm = 0;
  int32_t high_ppm = 0;
  int32_t ref_ppm = 0;    // Lref: the class's smallest limit
  int64_t lowest_ma = 0;  // lowest tabulated current: the excess term is fully on below it
  int64_t edge_ma = 0;
  // [0, 1e6]: how much of the excess term is on at high current; used only where the
  // high-current limit exceeds Lref, and zero where the PF row changes to a lower limit.
  int64_t pf_weight = 0;
  ExactDivider fade;  // by edge_ma - lowest_ma (when positive): the excess term's fade
  int32_t AtCurrent(int64_t current_ma) const { return current_ma < edge_ma ? low_ppm : high_ppm; }
};

class AccuracyModel {
 public:
  // Aborts on a rating CheckRating() rejects. `seed` picks this meter's individual error
  // curve; the same (class, rating, seed) always gives the same errors.
  AccuracyModel(AccuracyClass cls, CurrentRating rating, uint64_t seed);

  AccuracyClass accuracy_class() const { return cls_; }
  const CurrentRating& rating() const { return rating_; }
  uint64_t seed() const { return seed_; }

  // Transitional current Itr = Iref / 10 (EN 50470-1, direct connected).
  int64_t TransitionalCurrentMa() const { return rating_.ref_ma / 10; }
  // Starting currents (see the tables above), rounded down to whole mA.
  int64_t StartingCurrentMa() const;
  int64_t ReactiveStartingCurrentMa() const;

  // Whether active (reactive) energy registers at all: current >= the starting current.
  // Below it the meter registers nothing (and at no load, nothing: IEC 62053-21 8.3.2).
  bool Registers(const Conditions& conditions) const;
  bool RegistersReactive(const Conditions& conditions) const;

  // The signed error in ppm of the true value; |error| <= the MPE for any conditions.
  int32_t ActiveErrorPpm(const Conditions& conditions) const;
  int32_t ReactiveErrorPpm(const Conditions& conditions) const;
  // The class's maximum permissible error at these conditions, in ppm (> 0).
  int32_t ActiveMpePpm(const Conditions& conditions) const;
  int32_t ReactiveMpePpm(const Conditions& conditions) const;

  // What the meter registers of `truth` (any unit): the active error applied to active,
  // the reactive error to reactive, each 0 below its starting current.
  ActiveReactive Registered(const ActiveReactive& truth, const Conditions& conditions) const;
  // The same for a phase's P and Q; S is recomputed from the registered P and Q.
  PhaseValues Registered(const PhaseValues& truth, const Conditions& conditions) const;

  // The supply-only part of the error (the base, voltage, frequency and temperature
  // terms), prepared once for a caller that evaluates many loads at one supply: a meter
  // evaluates every load slot of an hour at that hour's supply (meter_core.cc). Only what
  // AtSupply returns is a prepared supply: a default-constructed one has no supply terms
  // (it exists so that arrays of them can be declared before they are filled).
  struct Supply {
    int64_t voltage_mv = kNominalVoltageMv;
    int64_t frequency_mhz = kNominalFrequencyMhz;
    int32_t temperature_mdegc = kReferenceTemperatureMdegc;
    int32_t active_ppm = 0;  // the supply terms' sum, per energy kind
    int32_t reactive_ppm = 0;
    // I = S / U without a hardware division; AtSupply sets it for the supply's voltage.
    ExactDivider voltage_divider{static_cast<uint64_t>(kNominalVoltageMv)};
  };
  Supply AtSupply(int64_t voltage_mv, int64_t frequency_mhz, int32_t temperature_mdegc) const;
  // Exactly Registered(truth, LoadConditions(truth, supply's voltage, frequency and
  // temperature)), without recomputing the supply terms.
  PhaseValues Registered(const PhaseValues& truth, const Supply& supply) const;

  // Knots of the current term: one per octave above Imin (Imin * 2^k), enough for
  // Imax / Imin up to 2^16; beyond the last knot the term is flat.
  static constexpr int kCurrentKnots = 17;

 private:
  // One energy kind's seeded shape, each entry in [-1e6, 1e6] (a fraction of its budget).
  struct Shape {
    int32_t base = 0;
    std::array<int32_t, kCurrentKnots> current{};
    int32_t voltage_low = 0;  // slope below / above nominal
    int32_t voltage_high = 0;
    int32_t frequency_low = 0;
    int32_t frequency_high = 0;
    int32_t temperature_low = 0;
    int32_t temperature_high = 0;
    int32_t excess = 0;  // low-current / power-factor term
  };

  int32_t ErrorPpm(const Shape& shape, bool reactive, const Conditions& conditions) const;
  // Where a current lies on the current term's knots: the knot index and the position
  // towards the next one in ppm (shared by the active and reactive terms).
  struct KnotPosition {
    int k = 0;
    int64_t t = 0;
  };
  KnotPosition PositionOf(int64_t current_ma) const;
  // The two halves of ErrorPpm: the supply terms and the load (current and PF) terms.
  int64_t SupplyTermsPpm(const Shape& shape, bool reactive, int64_t voltage_mv,
                         int64_t frequency_mhz, int32_t temperature_mdegc) const;
  static int64_t LoadTermsPpm(const Shape& shape, const AccuracyLimits& limits, int64_t pf_weight,
                              KnotPosition position, int64_t current_ma);
  int64_t ActiveLoadTermsPpm(const Conditions& conditions, KnotPosition position) const;
  int64_t ReactiveLoadTermsPpm(const Conditions& conditions, KnotPosition position) const;

  AccuracyClass cls_;
  CurrentRating rating_;
  uint64_t seed_;
  int64_t starting_ma_;                        // StartingCurrentMa(), kept: evaluated per load slot
  int64_t reactive_starting_ma_;               // ReactiveStartingCurrentMa()
  ExactDivider min_divider_;                   // by Imin, for the current term
  std::array<AccuracyLimits, 2> active_rows_;  // PF 1, PF 0.5 ind..0.8 cap
  std::array<AccuracyLimits, 3> reactive_rows_;  // sin phi 1, 0.5, 0.25
  Shape active_;
  Shape reactive_;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_ACCURACY_ACCURACY_H_
