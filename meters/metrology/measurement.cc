#include "meters/metrology/measurement.h"

#include <cmath>

namespace vmuc::meters {

uint64_t IntegerSqrt(uint64_t value) {
  // sqrt of a double is correctly rounded (IEEE 754 5.4.1), so this is deterministic; the
  // loops fix the at most one-off error from rounding `value` to 53 bits. Multiplications,
  // not divisions: this runs three times per load slot.
  uint64_t root = static_cast<uint64_t>(std::sqrt(static_cast<double>(value)));
  constexpr uint64_t kMaxRoot = 0xFFFFFFFFULL;  // floor(sqrt(2^64 - 1)); its square fits
  if (root > kMaxRoot) root = kMaxRoot;
  while (root * root > value) --root;
  while (root < kMaxRoot && (root + 1) * (root + 1) <= value) ++root;
  return root;
}

Quadrant PhaseValues::quadrant() const {
  if (active_mw >= 0) return reactive_mvar >= 0 ? Quadrant::kQ1 : Quadrant::kQ4;
  return reactive_mvar >= 0 ? Quadrant::kQ2 : Quadrant::kQ3;
}

PhaseValues MakePhaseValues(int64_t active_mw, int64_t reactive_mvar) {
  PhaseValues values;
  values.active_mw = static_cast<int32_t>(active_mw);
  values.reactive_mvar = static_cast<int32_t>(reactive_mvar);
  values.apparent_mva = static_cast<int32_t>(IntegerSqrt(
      static_cast<uint64_t>(active_mw * active_mw) + static_cast<uint64_t>(reactive_mvar * reactive_mvar)));
  return values;
}

}  // namespace vmuc::meters
