#include "meters/metrology/load_model.h"

namespace vmuc::meters {

uint64_t Mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

namespace {

// Relative activity by UTC hour, in percent: night trough, morning and evening peaks.
constexpr std::array<int64_t, 24> kDailyActivityPercent = {30, 25, 25,  25,  25,  35, 70, 100,
                                                           90, 60, 50,  50,  60,  55, 50, 50,
                                                           60, 90, 130, 140, 120, 90, 60, 40};

}  // namespace

PhasePowers LoadModel::PowerInSlot(int64_t slot) const {
  // One hash for the household (stable traits) and one per slot (what happens now).
  const uint64_t household = Mix64(seed_);
  const uint64_t now = Mix64(seed_ ^ Mix64(static_cast<uint64_t>(slot)));

  PhasePowers powers;
  // Base load 60..250 W per phase, fixed per household.
  for (int phase = 0; phase < kPhases; ++phase) {
    powers.active_import_mw[phase] =
        60'000 + static_cast<int64_t>((household >> (phase * 8)) & 0xFF) * 750;
  }

  // Fridge on L1: 120 W for 20 of every 50 minutes, phase of the cycle per household.
  const int64_t cycle_position = (slot + static_cast<int64_t>(household % 50)) % 50;
  if (cycle_position < 20) powers.active_import_mw[0] += 120'000;

  // Activity-scaled load 0..800 W on a slot-chosen phase.
  const int64_t hour = (slot / 60) % 24;
  const int64_t activity_mw = static_cast<int64_t>(now & 0x3FF) * 800 *
                              kDailyActivityPercent[static_cast<size_t>(hour)] / 100;
  powers.active_import_mw[(now >> 10) % kPhases] += activity_mw;

  // An appliance (kettle, oven element, washer heater: 2 kW) in ~4 % of slots, scaled by
  // activity so it happens mostly at meal times.
  if (static_cast<int64_t>((now >> 16) % 10'000) < 4 * kDailyActivityPercent[hour]) {
    powers.active_import_mw[(now >> 32) % kPhases] += 2'000'000;
  }
  return powers;
}

}  // namespace vmuc::meters
