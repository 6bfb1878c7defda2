// GridModel: the supply a meter sees, seeded per meter and constant over a load slot, like
// the load (metrology/load_model.h).
//
// Voltage per phase around Un = 230 V: the meter's place on its feeder (-4 % .. +3 %), a
// daily swing (higher at night, lower at the evening peak), and small per-phase and
// per-slot variation, all within EN 50160's +-10 %. Frequency 50 Hz within +-80 mHz.
// Phase sequence: 3 % of installations are wired L1L3L2. Integers: mV, mHz.
#ifndef VMUC_METERS_METROLOGY_GRID_MODEL_H_
#define VMUC_METERS_METROLOGY_GRID_MODEL_H_

#include <array>
#include <cstdint>

#include "meters/metrology/load_model.h"

namespace vmuc::meters {

struct GridValues {
  std::array<int32_t, kPhases> voltage_mv{};
  int32_t frequency_mhz = 0;
};

class GridModel {
 public:
  // `household_flags` (load_model.h): unconnected phases show no voltage.
  explicit GridModel(uint64_t seed, uint8_t household_flags = 0)
      : seed_(seed), flags_(household_flags == kDefaultMixFlags ? 0 : household_flags) {}
  GridValues InSlot(int64_t slot) const;
  bool phase_sequence_reversed() const;

 private:
  uint64_t seed_;
  uint8_t flags_;
};

// What the display's indicator segments show (datasheet, "Display"): the load type
// (quadrant of the total P and Q), the phase sequence, per phase "voltage above the
// minimum threshold (160 V)" and "load above the minimum threshold (2,3 W)".
struct Indicators {
  Quadrant quadrant = Quadrant::kQ1;
  bool phase_sequence_reversed = false;  // L1L3L2
  std::array<bool, kPhases> voltage_present{};
  std::array<bool, kPhases> load_present{};
};

inline constexpr int32_t kVoltagePresentMv = 160'000;
inline constexpr int32_t kLoadPresentMw = 2'300;

Indicators IndicatorsOf(const PhaseSet& load, const GridValues& grid, bool phase_sequence_reversed);

// Instantaneous values of one phase: what 1.1.32.7.0 (U), 1.1.31.7.0 (I) and 1.1.33.7.0
// (power factor) read. I = S / U; power factor = |P| / S (1000 when S is 0).
struct PhaseInstantaneous {
  int32_t voltage_mv = 0;
  int32_t current_ma = 0;
  int32_t power_factor_milli = 1000;
  int32_t angle_decidegrees = 0;  // phase angle of the current to the voltage, atan2(Q, P)
};

// atan2(y, x) in 0.1 degrees, (-1800, 1800], rounded to the nearest tenth, in integers
// (a tangent table), so every machine agrees; 0 for (0, 0).
int32_t AngleDecidegrees(int64_t y, int64_t x);
PhaseInstantaneous InstantaneousOf(const PhaseValues& load, int32_t voltage_mv);

}  // namespace vmuc::meters

#endif  // VMUC_METERS_METROLOGY_GRID_MODEL_H_
