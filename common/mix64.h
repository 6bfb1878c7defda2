// Mix64: the SplitMix64 finaliser (Steele, Lea and Flood, "Fast splittable pseudorandom
// number generators", OOPSLA 2014), a well-mixed 64-bit hash. The project's source of
// seeded randomness where values must be random access (a function of seed and time, not
// drawn in sequence), so that every machine, every run and every replay agree.
#ifndef VMUC_COMMON_MIX64_H_
#define VMUC_COMMON_MIX64_H_

#include <cstdint>

namespace vmuc {

constexpr uint64_t Mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace vmuc

#endif  // VMUC_COMMON_MIX64_H_
