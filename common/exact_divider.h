// ExactDivider: floor(n / d) for a divisor fixed at run time, by one multiplication and a
// shift instead of a hardware division (20-90 cycles on x86-64), exact for every
// 0 <= n < 2^62.
//
// Why: the meter core's hot paths divide many values by the same few run-time constants
// (a supply voltage that holds for an hour, a meter's Imin). The method is Granlund and
// Montgomery, "Division by invariant integers using multiplication" (PLDI 1994), section 4:
// with l = ceil(log2 d), k = 62 + l and m = ceil(2^k / d) = (2^k + e) / d, 0 <= e < d,
//   n * m / 2^k = n / d + n * e / (d * 2^k),
// and n * e < 2^62 * 2^l = 2^k makes the second part less than 1 / d, too little to reach
// the next integer: floor(n * m / 2^k) = floor(n / d). m < 2^63 + 1 fits 64 bits.
#ifndef VMUC_COMMON_EXACT_DIVIDER_H_
#define VMUC_COMMON_EXACT_DIVIDER_H_

#include <bit>
#include <cstdint>

#include "common/check.h"

namespace vmuc {

class ExactDivider {
  __extension__ typedef unsigned __int128 Uint128;  // a GCC/Clang extension: no -Wpedantic

 public:
  static constexpr uint64_t kMaxDividend = (uint64_t{1} << 62) - 1;
  static constexpr uint64_t kMaxDivisor = uint64_t{1} << 32;

  ExactDivider() : ExactDivider(1) {}
  // 0 < divisor <= kMaxDivisor (aborts otherwise).
  explicit ExactDivider(uint64_t divisor) : divisor_(divisor) {
    VMUC_CHECK(divisor > 0 && divisor <= kMaxDivisor, "ExactDivider divisor outside 1..2^32");
    const int l = std::bit_width(divisor - 1);  // ceil(log2 d); 0 for d = 1
    shift_ = 62 + l;
    const Uint128 power = static_cast<Uint128>(1) << shift_;
    multiplier_ = static_cast<uint64_t>((power + divisor - 1) / divisor);
  }

  uint64_t divisor() const { return divisor_; }

  // floor(n / divisor()) for n <= kMaxDividend; larger n is outside the proof (checked in
  // debug builds only: this is the hot path).
  uint64_t Divide(uint64_t n) const {
#ifndef NDEBUG
    VMUC_CHECK(n <= kMaxDividend, "ExactDivider dividend beyond 2^62");
#endif
    return static_cast<uint64_t>((static_cast<Uint128>(n) * multiplier_) >> shift_);
  }

 private:
  uint64_t divisor_;
  uint64_t multiplier_ = 0;
  int shift_ = 0;
};

}  // namespace vmuc

#endif  // VMUC_COMMON_EXACT_DIVIDER_H_
