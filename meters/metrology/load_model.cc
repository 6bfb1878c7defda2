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
constexpr std::array<int64_t, 24> kActivityPercent = {30, 25, 25, 25,  25,  35,  70,  100,
                                                      90, 60, 50, 50,  60,  55,  50,  50,
                                                      60, 90, 130, 140, 120, 90, 60, 40};
// Clear-sky PV output by UTC hour, percent of peak (central Europe, solar noon ~11 UTC).
constexpr std::array<int64_t, 24> kPvPercent = {0,  0,  0,  0,  0,  2,  8,  20, 38, 58, 75, 85,
                                                85, 75, 58, 38, 20, 8,  2,  0,  0,  0,  0,  0};
// Seasonal PV yield and heat-pump duty by month (January first), percent.
constexpr std::array<int64_t, 12> kPvSeasonPercent = {25, 40, 60, 80, 95, 100,
                                                      100, 90, 70, 50, 30, 20};
constexpr std::array<int64_t, 12> kHeatPumpDutyPercent = {70, 65, 50, 30, 10, 0,
                                                          0,  0,  10, 30, 50, 65};
constexpr int64_t kMinutesPerDay = 24 * 60;

// Month 0..11 of a day counted from 1970-01-01, without a calendar: 365.25-day years,
// months of 30.44 days. Good enough for seasons, and exactly reproducible.
int MonthOfDay(int64_t day) {
  const int64_t day_of_year = (day * 4 % 1461) / 4;
  return static_cast<int>(day_of_year * 12 / 366);
}

}  // namespace

Household LoadModel::household() const {
  const uint64_t h = Mix64(seed_);
  Household house;
  for (int phase = 0; phase < kPhases; ++phase) {
    house.base_w[static_cast<size_t>(phase)] =
        60 + static_cast<int32_t>(((h >> (phase * 8)) & 0xFF) * 3 / 4);
  }
  house.has_pv = (h >> 24) % 100 < 40;
  house.pv_peak_w = 3000 + static_cast<int32_t>(((h >> 32) & 0xFF) * 20);
  house.pv_inductive = ((h >> 40) & 1) != 0;
  house.has_ev = (h >> 41) % 100 < 30;
  house.has_heat_pump = (h >> 48) % 100 < 35;
  house.fridge_offset_min = static_cast<int32_t>((h >> 56) % 50);
  return house;
}

PhaseSet LoadModel::PhasesInSlot(int64_t slot) const {
  const Household house = household();
  const uint64_t now = Mix64(seed_ ^ Mix64(static_cast<uint64_t>(slot)));
  const int64_t day = slot / kMinutesPerDay;
  const int64_t hour = (slot / 60) % 24;
  const int month = MonthOfDay(day);

  std::array<int64_t, kPhases> p_mw{};
  std::array<int64_t, kPhases> q_mvar{};
  for (int phase = 0; phase < kPhases; ++phase) {
    const int64_t base_mw = int64_t{house.base_w[static_cast<size_t>(phase)]} * 1000;
    p_mw[static_cast<size_t>(phase)] = base_mw;
    q_mvar[static_cast<size_t>(phase)] = base_mw / 3;  // PF ~0.95 lagging
  }
  // Fridge on L1: 120 W / 90 var for 20 of every 50 minutes.
  if ((slot + house.fridge_offset_min) % 50 < 20) {
    p_mw[0] += 120'000;
    q_mvar[0] += 90'000;
  }
  // Always-on electronics on L2: switched-mode supplies with capacitive input filters.
  p_mw[1] += 40'000;
  q_mvar[1] -= 150'000;

  // Activity load 0..800 W (resistive) on a slot-chosen phase, and 2 kW appliances.
  const int64_t activity = kActivityPercent[static_cast<size_t>(hour)];
  p_mw[(now >> 10) % kPhases] += static_cast<int64_t>(now & 0x3FF) * 800'000 / 1023 * activity / 100;
  if (static_cast<int64_t>((now >> 16) % 10'000) < 4 * activity) {
    p_mw[(now >> 32) % kPhases] += 2'000'000;
  }

  // Heat pump: runs whole hours, with a duty cycle by month; 700 W / 336 var per phase.
  if (house.has_heat_pump) {
    const uint64_t hour_hash = Mix64(seed_ ^ Mix64(static_cast<uint64_t>(slot / 60) + 0x48));
    if (static_cast<int64_t>(hour_hash % 100) < kHeatPumpDutyPercent[static_cast<size_t>(month)]) {
      for (int phase = 0; phase < kPhases; ++phase) {
        p_mw[static_cast<size_t>(phase)] += 700'000;
        q_mvar[static_cast<size_t>(phase)] += 336'000;
      }
    }
  }

  // EV: 11 kW three-phase (16 A per phase), on two nights in three, from 22, 23 or 24 h UTC
  // for 2-4 hours. Evaluated for the session that started on this day or the day before.
  if (house.has_ev) {
    for (int64_t start_day = day - 1; start_day <= day; ++start_day) {
      const uint64_t day_hash = Mix64(seed_ ^ Mix64(static_cast<uint64_t>(start_day) + 0xEE));
      if (day_hash % 3 == 0) continue;
      const int64_t start = start_day * kMinutesPerDay + (22 + static_cast<int64_t>(day_hash >> 8) % 3) * 60;
      const int64_t length = (2 + static_cast<int64_t>(day_hash >> 16) % 3) * 60;
      if (slot >= start && slot < start + length) {
        for (int phase = 0; phase < kPhases; ++phase) {
          p_mw[static_cast<size_t>(phase)] += 3'680'000;
          q_mvar[static_cast<size_t>(phase)] += 250'000;
        }
      }
    }
  }

  // PV: peak x clear sky x season x clouds (30..100 %), split over the phases, exported.
  if (house.has_pv) {
    const int64_t clouds = 30 + static_cast<int64_t>((now >> 40) % 71);
    const int64_t pv_mw = int64_t{house.pv_peak_w} * 1000 * kPvPercent[static_cast<size_t>(hour)] *
                          kPvSeasonPercent[static_cast<size_t>(month)] * clouds / 1'000'000;
    for (int phase = 0; phase < kPhases; ++phase) {
      p_mw[static_cast<size_t>(phase)] -= pv_mw / kPhases;
      // The inverter runs at about PF 0.95 either way: |Q| ~ P / 3.
      q_mvar[static_cast<size_t>(phase)] += (house.pv_inductive ? 1 : -1) * pv_mw / kPhases / 3;
    }
  }

  PhaseSet phases;
  for (int phase = 0; phase < kPhases; ++phase) {
    phases[static_cast<size_t>(phase)] =
        MakePhaseValues(p_mw[static_cast<size_t>(phase)], q_mvar[static_cast<size_t>(phase)]);
  }
  return phases;
}

}  // namespace vmuc::meters
