#include "meters/accuracy/accuracy.h"

#include <algorithm>
#include <bit>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/exact_divider.h"
#include "common/mix64.h"

namespace vmuc::meters {
namespace {

constexpr int64_t kMillion = 1'000'000;

// Budget shares of Lref (ppm of Lref): 40 + 30 + 3 x 10 = 100 %, so the sum of the terms
// never exceeds Lref; the excess term has the rest of the MPE, MPE - Lref, to itself.
constexpr int64_t kBaseShare = 400'000;
constexpr int64_t kCurrentShare = 300'000;
constexpr int64_t kInfluenceShare = 100'000;  // each of voltage, frequency, temperature
static_assert(kBaseShare + kCurrentShare + 3 * kInfluenceShare == kMillion);

// Limits in ppm, as listed in accuracy.h. Checked against public sources:
//   - IEC 62053-21 class 1 at 0.05 Ib, PF 1 = 1.5 %: the "Table 3 error-limit" tests of the
//     metrology_insight crate (docs.rs/crate/metrology_insight, tests/table3_error_limits.rs);
//   - starting currents (IEC 62053-21 0.004/0.005 Ib, IEC 62053-23 class 2 0.005 Ib) and
//     Iref = 10 Itr for direct-connected meters: clouglobal.com, "What is the meaning of the
//     different current subscripts";
//   - MID Annex V (2014/32/EU) table 2 composite limits (B 2 %, A 3.5 % at +5..+30 C, up to
//     4 % / 9 %) and the PF range 0.5 ind..0.8 cap: legislation.gov.uk, eudr/2014/32 annex V.
// Not checked (no public copy found), the commonly cited values: the EN 50470-3 class A/B
// rows, the MID starting currents 0.05/0.04 Itr, IEC 62053-21 class 2 and the PF 0.5 rows,
// and the IEC 62053-23 class 2 rows.
struct ClassLimits {
  int32_t low_unity;     // below the transition current, PF 1
  int32_t high_unity;    // from the transition current to Imax, PF 1 (= Lref)
  int32_t low_reduced;   // PF 0.5 ind..0.8 cap, low currents
  int32_t high_reduced;  // PF 0.5 ind..0.8 cap, high currents
};
// EN 50470-3 8.1: the standard gives no PF 0.5/0.8 limit below Itr; the Imin..Itr PF 1
// limit is used there (it equals the reduced-PF limit of the same class).
constexpr ClassLimits kMidA = {25'000, 20'000, 25'000, 25'000};
constexpr ClassLimits kMidB = {15'000, 10'000, 15'000, 15'000};
// IEC 62053-21 table 4.
constexpr ClassLimits kIec1 = {15'000, 10'000, 15'000, 10'000};
constexpr ClassLimits kIec2 = {25'000, 20'000, 25'000, 20'000};
// IEC 62053-23 table 4, class 2: 2.5 % / 2.0 %.
constexpr int32_t kReactiveLow = 25'000;
constexpr int32_t kReactiveHigh = 20'000;

using Limits = AccuracyLimits;

const ClassLimits& TableFor(AccuracyClass cls) {
  switch (cls) {
    case AccuracyClass::kMidA:
      return kMidA;
    case AccuracyClass::kMidB:
      return kMidB;
    case AccuracyClass::kIec1:
      return kIec1;
    case AccuracyClass::kIec2:
      return kIec2;
  }
  VMUC_CHECK(false, "AccuracyClass outside its table");
  return kMidA;
}

bool IsMid(AccuracyClass cls) { return cls == AccuracyClass::kMidA || cls == AccuracyClass::kMidB; }

int64_t Clamp(int64_t value, int64_t low, int64_t high) {
  return std::min(std::max(value, low), high);
}

// `part` of `whole` in ppm, clamped to [0, 1e6]; `whole` > 0.
int64_t Fraction(int64_t part, int64_t whole) { return Clamp(part, 0, whole) * kMillion / whole; }

// Active, reduced-PF row: full at PF 0.5 ind or 0.8 cap (and beyond), zero at PF 1:
// Fraction(distance, 500 or 200), written as a clamped product (1e6 / 500 = 2000,
// 1e6 / 200 = 5000, both exact) so it compiles without a branch: load slots come in random
// order of power factor, and a mispredicted branch costs more than the arithmetic.
int64_t ActivePfWeight(int32_t pf_milli) {
  const int64_t distance = std::max<int64_t>(1000 - std::abs(static_cast<int64_t>(pf_milli)), 0);
  return std::min<int64_t>(distance * (pf_milli >= 0 ? 2000 : 5000), kMillion);
}

// Reactive, sin phi 0.25 row: zero at the sin 0.5 boundary (cos^2 = 0.75), full from
// sin 0.25 (cos^2 = 0.9375).
int64_t ReactivePfWeight(int64_t cos_squared_millionths) {
  return Fraction(cos_squared_millionths - 750'000, 937'500 - 750'000);
}

// The reactive row of a power factor: 0 sin phi 1, 1 sin phi 0.5, 2 sin phi 0.25 and below
// (see ReactiveLimits).
int ReactiveRow(int64_t cos_squared_millionths) {
  return cos_squared_millionths <= 999 ? 0 : cos_squared_millionths <= 750'000 ? 1 : 2;
}

Limits ActiveLimits(AccuracyClass cls, const CurrentRating& rating, int32_t pf_milli) {
  const ClassLimits& table = TableFor(cls);
  // "PF 1" is cos phi >= 0.9995; everything else uses the PF 0.5 ind / 0.8 cap row.
  const bool unity = pf_milli >= 1000 || pf_milli <= -1000;
  Limits limits;
  limits.ref_ppm = table.high_unity;
  limits.low_ppm = unity ? table.low_unity : table.low_reduced;
  limits.high_ppm = unity ? table.high_unity : table.high_reduced;
  if (IsMid(cls)) {
    // EN 50470-3: Imin <= I < Itr and Itr <= I <= Imax, Itr = Iref / 10 (EN 50470-1).
    limits.lowest_ma = rating.min_ma;
    limits.edge_ma = rating.ref_ma / 10;
  } else {
    // IEC 62053-21: from 0.05 Ib; PF 1 changes at 0.1 Ib, PF 0.5/0.8 at 0.2 Ib.
    limits.lowest_ma = rating.ref_ma / 20;
    limits.edge_ma = unity ? rating.ref_ma / 10 : rating.ref_ma / 5;
  }
  if (!unity) limits.pf_weight = ActivePfWeight(pf_milli);
  return limits;
}

Limits ReactiveLimits(const CurrentRating& rating, int32_t pf_milli) {
  // IEC 62053-23 rows by sin phi, decided on cos^2 in millionths (sin^2 = 1 - cos^2):
  // |sin| >= 0.9995 <=> cos^2 <= 0.00099975 <=> cos^2 in millionths <= 999 (|PF| <= 0.031);
  // |sin| >= 0.5 <=> cos^2 <= 0.75 (|PF| <= 0.866); |sin| >= 0.25 <=> cos^2 <= 0.9375.
  const int64_t cos_squared = static_cast<int64_t>(pf_milli) * pf_milli;  // millionths
  Limits limits;
  limits.ref_ppm = kReactiveHigh;
  limits.lowest_ma = rating.ref_ma / 20;
  const int row = ReactiveRow(cos_squared);
  if (row == 0) {  // sin phi 1: changes at 0.1 Ib
    limits.low_ppm = kReactiveLow;
    limits.high_ppm = kReactiveHigh;
    limits.edge_ma = rating.ref_ma / 10;
  } else if (row == 1) {  // sin phi 0.5: changes at 0.2 Ib
    limits.low_ppm = kReactiveLow;
    limits.high_ppm = kReactiveHigh;
    limits.edge_ma = rating.ref_ma / 5;
  } else {  // sin phi 0.25 (2.5 %) and below (no limit given: 2.5 % kept)
    limits.low_ppm = kReactiveLow;
    limits.high_ppm = kReactiveLow;
    limits.edge_ma = rating.ref_ma / 5;
    limits.pf_weight = ReactivePfWeight(cos_squared);
  }
  return limits;
}

Limits LimitsFor(AccuracyClass cls, const CurrentRating& rating, bool reactive, int32_t pf_milli) {
  return reactive ? ReactiveLimits(rating, pf_milli) : ActiveLimits(cls, rating, pf_milli);
}

// A seeded value in [-1e6, 1e6] for one (seed, stream).
int32_t SeededUnit(uint64_t seed, uint64_t stream) {
  const uint64_t h = Mix64(seed ^ Mix64(stream));
  return static_cast<int32_t>(h % 2'000'001) - 1'000'000;
}

// Signed, clamped position of `value` on either side of `center`, in ppm of the distance
// to the range edge on that side, times that side's seeded slope: in [-1e6, 1e6].
int64_t Influence(int64_t value, int64_t low, int64_t center, int64_t high, int32_t slope_low,
                  int32_t slope_high) {
  const int64_t v = Clamp(value, low, high);
  if (v < center) return slope_low * Fraction(center - v, center - low) / kMillion;
  return slope_high * Fraction(v - center, high - center) / kMillion;
}

// `share` (ppm) of `limit` (ppm) times `unit` ([-1e6, 1e6]), truncated toward zero, so
// |result| <= limit * share / 1e6. At most 25 000 * 1e6 * 1e6: fits int64.
int64_t Term(int64_t limit, int64_t share, int64_t unit) {
  return limit * share * unit / (kMillion * kMillion);
}

}  // namespace

absl::Status CheckRating(const CurrentRating& rating) {
  if (rating.min_ma > 0 && rating.min_ma < rating.ref_ma && rating.ref_ma < rating.max_ma &&
      rating.max_ma <= kMaxRatedCurrentMa) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("current rating needs 0 < Imin < Iref < Imax <= ", kMaxRatedCurrentMa,
                   " mA, got ", rating.min_ma, "-", rating.ref_ma, "(", rating.max_ma, ") mA"));
}

int64_t ApplyPpm(int64_t true_value, int32_t error_ppm) {
  VMUC_CHECK(true_value <= kMaxApplyPpmValue && true_value >= -kMaxApplyPpmValue,
             "ApplyPpm value beyond kMaxApplyPpmValue");
  // true = q * 1e6 + r with q and r of true's sign (C++ division truncates), so
  // true * m / 1e6 = q * m + r * m / 1e6 where q * m and r * m share a sign: truncating
  // the second part alone truncates the sum toward zero. |q * m| <= 1e9 * 2.15e9 and
  // |r * m| < 1e6 * 2.15e9: no overflow.
  const int64_t m = kMillion + error_ppm;
  const int64_t q = true_value / kMillion;
  const int64_t r = true_value % kMillion;
  return q * m + r * m / kMillion;
}

namespace {

// LoadConditions with the division by the voltage supplied: `divide_by_voltage(n)` is
// floor(n / voltage_mv), or 0 without voltage.
template <typename DivideByVoltage>
Conditions MakeConditions(const PhaseValues& values, int64_t voltage_mv, int64_t frequency_mhz,
                          int32_t temperature_mdegc, DivideByVoltage divide_by_voltage) {
  Conditions conditions;
  conditions.voltage_mv = voltage_mv;
  conditions.frequency_mhz = frequency_mhz;
  conditions.temperature_mdegc = temperature_mdegc;
  const int64_t p = std::abs(static_cast<int64_t>(values.active_mw));
  const int64_t q = std::abs(static_cast<int64_t>(values.reactive_mvar));
  int64_t s = values.apparent_mva;
  if (s < p || s < q) {  // not made by MakePhaseValues: derive S here
    s = static_cast<int64_t>(Magnitude(p, q));
  }
  if (s == 0) {
    conditions.current_ma = 0;
    conditions.power_factor_milli = 1000;
    return conditions;
  }
  conditions.current_ma = divide_by_voltage(s * 1000);  // mVA / mV = A
  const int64_t pf = std::min<int64_t>((p * 1000 + s / 2) / s, 1000);
  // IEC 62053-23: inductive in Q1 (P+, Q+) and Q3 (P-, Q-), capacitive in Q2 and Q4.
  const bool inductive =
      values.reactive_mvar == 0 || ((values.active_mw >= 0) == (values.reactive_mvar > 0));
  conditions.power_factor_milli = static_cast<int32_t>(inductive ? pf : -pf);
  return conditions;
}

}  // namespace

Conditions LoadConditions(const PhaseValues& values, int64_t voltage_mv, int64_t frequency_mhz,
                          int32_t temperature_mdegc) {
  return MakeConditions(values, voltage_mv, frequency_mhz, temperature_mdegc,
                        [voltage_mv](int64_t n) { return voltage_mv > 0 ? n / voltage_mv : 0; });
}

AccuracyModel::AccuracyModel(AccuracyClass cls, CurrentRating rating, uint64_t seed)
    : cls_(cls), rating_(rating), seed_(seed) {
  VMUC_CHECK(CheckRating(rating).ok(), "AccuracyModel needs 0 < Imin < Iref < Imax");
  TableFor(cls);  // aborts on a class outside the table
  starting_ma_ = StartingCurrentMa();
  min_divider_ = ExactDivider(static_cast<uint64_t>(rating.min_ma));
  // The rows LoadTermsPpm picks from, without their PF weight (computed per evaluation).
  active_rows_ = {ActiveLimits(cls, rating, 1000), ActiveLimits(cls, rating, 500)};
  reactive_rows_ = {ReactiveLimits(rating, 0), ReactiveLimits(rating, 500),
                    ReactiveLimits(rating, 1000)};
  auto prepare = [](Limits& row) {
    row.pf_weight = 0;
    if (row.edge_ma > row.lowest_ma) {
      row.fade = ExactDivider(static_cast<uint64_t>(row.edge_ma - row.lowest_ma));
    }
  };
  for (Limits& row : active_rows_) prepare(row);
  for (Limits& row : reactive_rows_) prepare(row);
  reactive_starting_ma_ = ReactiveStartingCurrentMa();
  // Streams: 0..31 active, 32..63 reactive; each entry has its own.
  auto draw = [seed](Shape& shape, uint64_t first) {
    uint64_t stream = first;
    shape.base = SeededUnit(seed, stream++);
    for (int32_t& knot : shape.current) knot = SeededUnit(seed, stream++);
    shape.voltage_low = SeededUnit(seed, stream++);
    shape.voltage_high = SeededUnit(seed, stream++);
    shape.frequency_low = SeededUnit(seed, stream++);
    shape.frequency_high = SeededUnit(seed, stream++);
    shape.temperature_low = SeededUnit(seed, stream++);
    shape.temperature_high = SeededUnit(seed, stream++);
    shape.excess = SeededUnit(seed, stream++);
  };
  draw(active_, 0);
  draw(reactive_, 32);
}

int64_t AccuracyModel::StartingCurrentMa() const {
  switch (cls_) {
    case AccuracyClass::kMidA:
      return TransitionalCurrentMa() * 5 / 100;  // 0.05 Itr
    case AccuracyClass::kMidB:
      return TransitionalCurrentMa() * 4 / 100;  // 0.04 Itr
    case AccuracyClass::kIec1:
      return int64_t{rating_.ref_ma} * 4 / 1000;  // 0.004 Ib
    case AccuracyClass::kIec2:
      return int64_t{rating_.ref_ma} * 5 / 1000;  // 0.005 Ib
  }
  VMUC_CHECK(false, "AccuracyClass outside its table");
  return 0;
}

int64_t AccuracyModel::ReactiveStartingCurrentMa() const {
  return int64_t{rating_.ref_ma} * 5 / 1000;  // IEC 62053-23 class 2: 0.005 Ib
}

bool AccuracyModel::Registers(const Conditions& conditions) const {
  return conditions.current_ma > 0 && conditions.current_ma >= starting_ma_;
}

bool AccuracyModel::RegistersReactive(const Conditions& conditions) const {
  return conditions.current_ma > 0 && conditions.current_ma >= reactive_starting_ma_;
}

int32_t AccuracyModel::ActiveMpePpm(const Conditions& conditions) const {
  return LimitsFor(cls_, rating_, false, conditions.power_factor_milli)
      .AtCurrent(conditions.current_ma);
}

int32_t AccuracyModel::ReactiveMpePpm(const Conditions& conditions) const {
  return LimitsFor(cls_, rating_, true, conditions.power_factor_milli)
      .AtCurrent(conditions.current_ma);
}

int32_t AccuracyModel::ActiveErrorPpm(const Conditions& conditions) const {
  return ErrorPpm(active_, false, conditions);
}

int32_t AccuracyModel::ReactiveErrorPpm(const Conditions& conditions) const {
  return ErrorPpm(reactive_, true, conditions);
}

int32_t AccuracyModel::ErrorPpm(const Shape& shape, bool reactive,
                                const Conditions& conditions) const {
  const KnotPosition position = PositionOf(std::max<int64_t>(conditions.current_ma, 0));
  return static_cast<int32_t>(SupplyTermsPpm(shape, reactive, conditions.voltage_mv,
                                             conditions.frequency_mhz,
                                             conditions.temperature_mdegc) +
                              (reactive ? ReactiveLoadTermsPpm(conditions, position)
                                        : ActiveLoadTermsPpm(conditions, position)));
}

int64_t AccuracyModel::SupplyTermsPpm(const Shape& shape, bool reactive, int64_t voltage_mv,
                                      int64_t frequency_mhz, int32_t temperature_mdegc) const {
  // Lref does not depend on the power factor: the class's PF 1, high-current limit.
  const int64_t ref = reactive ? kReactiveHigh : TableFor(cls_).high_unity;
  int64_t error = Term(ref, kBaseShare, shape.base);
  error += Term(ref, kInfluenceShare,
                Influence(voltage_mv, kMinVoltageMv, kNominalVoltageMv, kMaxVoltageMv,
                          shape.voltage_low, shape.voltage_high));
  error += Term(ref, kInfluenceShare,
                Influence(frequency_mhz, kMinFrequencyMhz, kNominalFrequencyMhz, kMaxFrequencyMhz,
                          shape.frequency_low, shape.frequency_high));
  error += Term(ref, kInfluenceShare,
                Influence(temperature_mdegc, kMinTemperatureMdegc, kReferenceTemperatureMdegc,
                          kMaxTemperatureMdegc, shape.temperature_low, shape.temperature_high));
  return error;
}

AccuracyModel::KnotPosition AccuracyModel::PositionOf(int64_t current_ma) const {
  // Current term: seeded knots at Imin * 2^k, linear in between (log-spaced knots,
  // piecewise linear in I), flat below Imin and beyond the last knot. As (k, t) with
  // unit = (knot[k] * (1e6 - t) + knot[k + 1] * t) / 1e6: below Imin (0, 0), beyond the
  // last knot (last - 1, 1e6).
  const int64_t min_ma = rating_.min_ma;
  if (current_ma <= min_ma) return {0, 0};
  if (current_ma >= (min_ma << (kCurrentKnots - 1))) return {kCurrentKnots - 2, kMillion};
  // k = floor(log2(current / Imin)) < kCurrentKnots - 1: the bit widths' difference, or
  // one less.
  int k = std::bit_width(static_cast<uint64_t>(current_ma)) -
          std::bit_width(static_cast<uint64_t>(min_ma));
  k -= static_cast<int>((min_ma << k) > current_ma);  // no branch: it goes either way
  const int64_t knot_ma = min_ma << k;                // <= current < 2 * knot_ma
  // (current - knot) * 1e6 / (Imin * 2^k), as floor(floor(x / 2^k) / Imin).
  return {k, static_cast<int64_t>(min_divider_.Divide(
                 static_cast<uint64_t>((current_ma - knot_ma) * kMillion) >> k))};
}

int64_t AccuracyModel::LoadTermsPpm(const Shape& shape, const Limits& limits, int64_t pf_weight,
                                    KnotPosition position, int64_t current_ma) {
  const int64_t ref = limits.ref_ppm;
  const size_t k = static_cast<size_t>(position.k);
  const int64_t current_unit =
      (shape.current[k] * (kMillion - position.t) + shape.current[k + 1] * position.t) / kMillion;
  int64_t error = Term(ref, kCurrentShare, current_unit);

  // Excess term: the part of the MPE above Lref, present where the table allows more
  // (low current, reduced PF). Its weight falls linearly from the lowest tabulated current
  // to zero at the edge where the limit drops, so the error has no step there; where the
  // high-current limit itself exceeds Lref the PF weight keeps it on, fading to zero toward
  // the PF where the limit drops.
  //
  // Written as selections rather than branches (see ActivePfWeight): every value is
  // computed and the row's case picks one.
  const int64_t budget = limits.AtCurrent(current_ma) - ref;  // >= 0
  const int64_t fade = static_cast<int64_t>(limits.fade.Divide(
      static_cast<uint64_t>(std::max<int64_t>(limits.edge_ma - current_ma, 0) * kMillion)));
  const bool fully_on = current_ma <= limits.lowest_ma || limits.lowest_ma >= limits.edge_ma;
  int64_t weight = current_ma < limits.edge_ma ? (fully_on ? kMillion : fade) : 0;
  const int64_t pf_part = (kMillion - weight) * pf_weight / kMillion;
  weight += limits.high_ppm > ref ? pf_part : 0;
  error += budget * weight / kMillion * shape.excess / kMillion;
  return error;
}

int64_t AccuracyModel::ActiveLoadTermsPpm(const Conditions& conditions,
                                          KnotPosition position) const {
  const int32_t pf = conditions.power_factor_milli;
  const bool unity = pf >= 1000 || pf <= -1000;
  return LoadTermsPpm(active_, active_rows_[unity ? 0 : 1], unity ? 0 : ActivePfWeight(pf),
                      position, std::max<int64_t>(conditions.current_ma, 0));
}

int64_t AccuracyModel::ReactiveLoadTermsPpm(const Conditions& conditions,
                                            KnotPosition position) const {
  const int64_t cos_squared =
      static_cast<int64_t>(conditions.power_factor_milli) * conditions.power_factor_milli;
  const int row = ReactiveRow(cos_squared);
  return LoadTermsPpm(reactive_, reactive_rows_[static_cast<size_t>(row)],
                      row == 2 ? ReactivePfWeight(cos_squared) : 0, position,
                      std::max<int64_t>(conditions.current_ma, 0));
}

AccuracyModel::Supply AccuracyModel::AtSupply(int64_t voltage_mv, int64_t frequency_mhz,
                                              int32_t temperature_mdegc) const {
  Supply supply;
  supply.voltage_mv = voltage_mv;
  supply.frequency_mhz = frequency_mhz;
  supply.temperature_mdegc = temperature_mdegc;
  if (voltage_mv > 0 && static_cast<uint64_t>(voltage_mv) <= ExactDivider::kMaxDivisor) {
    supply.voltage_divider = ExactDivider(static_cast<uint64_t>(voltage_mv));
  }
  supply.active_ppm = static_cast<int32_t>(
      SupplyTermsPpm(active_, false, voltage_mv, frequency_mhz, temperature_mdegc));
  supply.reactive_ppm = static_cast<int32_t>(
      SupplyTermsPpm(reactive_, true, voltage_mv, frequency_mhz, temperature_mdegc));
  return supply;
}

PhaseValues AccuracyModel::Registered(const PhaseValues& truth, const Supply& supply) const {
  const Conditions conditions = MakeConditions(
      truth, supply.voltage_mv, supply.frequency_mhz, supply.temperature_mdegc,
      [&supply](int64_t n) -> int64_t {
        if (supply.voltage_mv <= 0) return 0;
        // Beyond the divider's range (absurd voltages, > 4.29 MV): divide in hardware.
        if (static_cast<uint64_t>(supply.voltage_mv) > ExactDivider::kMaxDivisor) {
          return n / supply.voltage_mv;
        }
        return static_cast<int64_t>(supply.voltage_divider.Divide(static_cast<uint64_t>(n)));
      });
  const KnotPosition position = PositionOf(conditions.current_ma);
  int64_t active = 0;
  int64_t reactive = 0;
  if (Registers(conditions)) {
    active = ApplyPpm(
        truth.active_mw,
        static_cast<int32_t>(supply.active_ppm + ActiveLoadTermsPpm(conditions, position)));
  }
  if (RegistersReactive(conditions)) {
    reactive = ApplyPpm(
        truth.reactive_mvar,
        static_cast<int32_t>(supply.reactive_ppm + ReactiveLoadTermsPpm(conditions, position)));
  }
  return MakePhaseValues(active, reactive);
}

ActiveReactive AccuracyModel::Registered(const ActiveReactive& truth,
                                         const Conditions& conditions) const {
  ActiveReactive registered;
  if (Registers(conditions)) {
    registered.active = ApplyPpm(truth.active, ActiveErrorPpm(conditions));
  }
  if (RegistersReactive(conditions)) {
    registered.reactive = ApplyPpm(truth.reactive, ReactiveErrorPpm(conditions));
  }
  return registered;
}

PhaseValues AccuracyModel::Registered(const PhaseValues& truth,
                                      const Conditions& conditions) const {
  const ActiveReactive registered =
      Registered(ActiveReactive{truth.active_mw, truth.reactive_mvar}, conditions);
  return MakePhaseValues(registered.active, registered.reactive);
}

}  // namespace vmuc::meters
