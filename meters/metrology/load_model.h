// LoadModel: a household's per-phase active power as a seeded function of time.
//
// Power is constant over one-minute slots and each slot's value depends only on (seed,
// slot index), never on what was computed before: any instant can be evaluated directly,
// two machines agree bit for bit, and a meter host that restarts replays exactly the
// registers an uninterrupted run reaches (design.md, principle 3). Powers are integer
// milliwatts so energy integrates without float drift (principle 4).
//
// This is the thin-slice model (base load, a cycling fridge, a daily pattern and random
// appliances); the full household mix with reactive power, PV export, EV charging and
// harmonics replaces it in the metrology issue behind the same interface.
#ifndef VMUC_METERS_METROLOGY_LOAD_MODEL_H_
#define VMUC_METERS_METROLOGY_LOAD_MODEL_H_

#include <array>
#include <chrono>
#include <cstdint>

namespace vmuc::meters {

inline constexpr int kPhases = 3;

struct PhasePowers {
  std::array<int64_t, kPhases> active_import_mw{};  // L1, L2, L3, each >= 0
};

class LoadModel {
 public:
  static constexpr std::chrono::milliseconds kSlot{60'000};

  explicit LoadModel(uint64_t seed) : seed_(seed) {}

  // `slot` counts kSlot-long slots since the Unix epoch (floor(unix_ms / 60000)).
  PhasePowers PowerInSlot(int64_t slot) const;

 private:
  uint64_t seed_;
};

// SplitMix64 finaliser: a well-mixed 64-bit hash, the project's source of seeded
// randomness where values must be random-access rather than drawn in sequence.
uint64_t Mix64(uint64_t x);

}  // namespace vmuc::meters

#endif  // VMUC_METERS_METROLOGY_LOAD_MODEL_H_
