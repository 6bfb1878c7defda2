#include "meters/metrology/grid_model.h"

namespace vmuc::meters {
namespace {

// Voltage swing by UTC hour, in 0.01 % of Un: up at night, down at the evening peak.
constexpr std::array<int64_t, 24> kDailySwing = {150, 170,  180,  180,  170,  120, 40, -20,
                                                 -30, 0,    20,   30,   20,   20,  10, 0,
                                                 -50, -120, -200, -200, -150, -60, 40, 110};

}  // namespace

bool GridModel::phase_sequence_reversed() const { return Mix64(seed_ ^ 0x5E0) % 100 < 3; }

GridValues GridModel::InSlot(int64_t slot) const {
  const uint64_t meter = Mix64(seed_ ^ 0x6719D);
  const uint64_t now = Mix64(meter ^ static_cast<uint64_t>(slot));
  const int64_t hour = (slot / LoadModel::kSlotsPerHour) % 24;
  // In 0.01 % of Un: feeder position -400..+300, daily swing, slot noise -50..+50.
  const int64_t common = -400 + static_cast<int64_t>(meter % 701) +
                         kDailySwing[static_cast<size_t>(hour)] + static_cast<int64_t>(now % 101) -
                         50;
  GridValues grid;
  for (int phase = 0; phase < kPhases; ++phase) {
    const int64_t own = static_cast<int64_t>((meter >> (16 + 8 * phase)) % 101) - 50;  // +-0.5 %
    grid.voltage_mv[static_cast<size_t>(phase)] =
        static_cast<int32_t>(230'000 + 230'000 * (common + own) / 10'000);
  }
  if ((flags_ & kSinglePhase) != 0) grid.voltage_mv[1] = grid.voltage_mv[2] = 0;
  if ((flags_ & kTwoPhase) != 0) grid.voltage_mv[2] = 0;
  grid.frequency_mhz = 50'000 + static_cast<int32_t>((now >> 20) % 161) - 80;
  return grid;
}

Indicators IndicatorsOf(const PhaseSet& load, const GridValues& grid,
                        bool phase_sequence_reversed) {
  Indicators indicators;
  int64_t p_mw = 0;
  int64_t q_mvar = 0;
  for (size_t i = 0; i < kPhases; ++i) {
    p_mw += load[i].active_mw;
    q_mvar += load[i].reactive_mvar;
    indicators.voltage_present[i] = grid.voltage_mv[i] > kVoltagePresentMv;
    const int32_t abs_p = load[i].active_mw >= 0 ? load[i].active_mw : -load[i].active_mw;
    indicators.load_present[i] = abs_p > kLoadPresentMw;
  }
  PhaseValues total;
  total.active_mw = static_cast<int32_t>(p_mw);
  total.reactive_mvar = static_cast<int32_t>(q_mvar);
  indicators.quadrant = total.quadrant();
  indicators.phase_sequence_reversed = phase_sequence_reversed;
  return indicators;
}

PhaseInstantaneous InstantaneousOf(const PhaseValues& load, int32_t voltage_mv) {
  PhaseInstantaneous values;
  values.voltage_mv = voltage_mv;
  if (voltage_mv > 0) {
    values.current_ma = static_cast<int32_t>(int64_t{load.apparent_mva} * 1000 / voltage_mv);
  }
  if (load.apparent_mva > 0) {
    const int64_t abs_p = load.active_mw >= 0 ? load.active_mw : -int64_t{load.active_mw};
    values.power_factor_milli = static_cast<int32_t>(abs_p * 1000 / load.apparent_mva);
  }
  return values;
}

}  // namespace vmuc::meters
