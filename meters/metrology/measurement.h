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
#include <cstdint>

namespace vmuc::meters {

inline constexpr int kPhases = 3;

// Floor of the square root of `value` (exact for every uint64).
uint64_t IntegerSqrt(uint64_t value);

enum class Quadrant : uint8_t { kQ1 = 1, kQ2 = 2, kQ3 = 3, kQ4 = 4 };

struct PhaseValues {
  int32_t active_mw = 0;      // P, import positive
  int32_t reactive_mvar = 0;  // Q, inductive (lagging) positive
  int32_t apparent_mva = 0;   // S = floor(sqrt(P^2 + Q^2)), never negative
  Quadrant quadrant() const;
};

// P and Q in; S derived.
PhaseValues MakePhaseValues(int64_t active_mw, int64_t reactive_mvar);

}  // namespace vmuc::meters

#endif  // VMUC_METERS_METROLOGY_MEASUREMENT_H_
