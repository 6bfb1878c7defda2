// One measuring system's values over a stretch of constant load, in integers.
//
// P and Q are signed (import positive); S = sqrt(P^2 + Q^2) is computed once per load
// segment with a correctly rounded square root (IEEE 754 requires sqrt to be exact to the
// last bit, so every machine gets the same S) and then fixed to the integer floor.
// Quadrants follow IEC 62053-23 (figure "geometric representation of active and reactive
// power"): Q1 P>=0,Q>0 (import, inductive); Q2 P<0,Q>0; Q3 P<0,Q<0; Q4 P>=0,Q<0.
#ifndef VMUC_METERS_METROLOGY_MEASUREMENT_H_
#define VMUC_METERS_METROLOGY_MEASUREMENT_H_

#include <array>
#include <cmath>
#include <cstdint>

namespace vmuc::meters {

inline constexpr int kPhases = 3;

// Floor of the square root of `value` (exact for every uint64). Inline: three of these
// per load slot are the hot path of fast-forward, and inlined they overlap.
inline uint64_t IntegerSqrt(uint64_t value) {
  // sqrt of a double is correctly rounded (IEEE 754 5.4.1), so this is deterministic; the
  // loops fix the at most one-off error from rounding `value` to 53 bits (they never run
  // below 2^50, which covers every power a 3 x 100 A meter sees).
  uint64_t root = static_cast<uint64_t>(std::sqrt(static_cast<double>(value)));
  constexpr uint64_t kMaxRoot = 0xFFFFFFFFULL;  // floor(sqrt(2^64 - 1)); its square fits
  if (root > kMaxRoot) root = kMaxRoot;
  while (root * root > value) --root;
  while (root < kMaxRoot && (root + 1) * (root + 1) <= value) ++root;
  return root;
}

enum class Quadrant : uint8_t { kQ1 = 1, kQ2 = 2, kQ3 = 3, kQ4 = 4 };

struct PhaseValues {
  int32_t active_mw = 0;      // P, import positive
  int32_t reactive_mvar = 0;  // Q, inductive (lagging) positive
  int32_t apparent_mva = 0;   // S = floor(sqrt(P^2 + Q^2)), never negative
  Quadrant quadrant() const {
    if (active_mw >= 0) return reactive_mvar >= 0 ? Quadrant::kQ1 : Quadrant::kQ4;
    return reactive_mvar >= 0 ? Quadrant::kQ2 : Quadrant::kQ3;
  }
};

// floor(sqrt(x^2 + y^2)): S of P and Q, or a phasor's length (|x|, |y| < 2^31.5).
inline uint64_t Magnitude(int64_t x, int64_t y) {
  return IntegerSqrt(static_cast<uint64_t>(x * x) + static_cast<uint64_t>(y * y));
}

// I = S / U in mA (mVA / mV = A); 0 without voltage.
inline int64_t CurrentMaOf(int64_t apparent_mva, int64_t voltage_mv) {
  return voltage_mv > 0 ? apparent_mva * 1000 / voltage_mv : 0;
}

// P and Q in; S derived.
inline PhaseValues MakePhaseValues(int64_t active_mw, int64_t reactive_mvar) {
  PhaseValues values;
  values.active_mw = static_cast<int32_t>(active_mw);
  values.reactive_mvar = static_cast<int32_t>(reactive_mvar);
  values.apparent_mva = static_cast<int32_t>(Magnitude(active_mw, reactive_mvar));
  return values;
}

// The two measuring systems of the Aron variant (type number X4 = 2, "2 systems (Aron,
// 3x230 V)"): a delta network without neutral, measured by the two-wattmeter (Blondel)
// method. The household's three loads are taken as the delta branches A = L1-L2,
// B = L2-L3, C = L3-L1; system 1 measures U12 and I1, system 2 U32 and I3, so with
// k = sqrt(3)/2:
//   P1 = PA + PC/2 - k QC    Q1 = QA + QC/2 + k PC
//   P2 = PB + PC/2 + k QC    Q2 = QB + QC/2 - k PC
// The k terms cancel and the halves add up, so P1 + P2 and Q1 + Q2 are exactly the loads'
// sums (Blondel's theorem). Result: system 1 in [0], system 2 in [2], [1] empty (no
// third system). Integer arithmetic: k = 866 025 / 1 000 000.
inline std::array<PhaseValues, kPhases> AronSystems(const std::array<PhaseValues, kPhases>& loads) {
  const int64_t pa = loads[0].active_mw, qa = loads[0].reactive_mvar;
  const int64_t pb = loads[1].active_mw, qb = loads[1].reactive_mvar;
  const int64_t pc = loads[2].active_mw, qc = loads[2].reactive_mvar;
  const int64_t k_qc = qc * 866'025 / 1'000'000;
  const int64_t k_pc = pc * 866'025 / 1'000'000;
  return {MakePhaseValues(pa + pc / 2 - k_qc, qa + qc / 2 + k_pc), MakePhaseValues(0, 0),
          MakePhaseValues(pb + (pc - pc / 2) + k_qc, qb + (qc - qc / 2) - k_pc)};
}

}  // namespace vmuc::meters

#endif  // VMUC_METERS_METROLOGY_MEASUREMENT_H_
