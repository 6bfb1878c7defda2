#include "meters/metrology/load_model.h"

namespace vmuc::meters {

namespace {

// Relative activity by UTC hour, in percent: night trough, morning and evening peaks.
constexpr std::array<int64_t, 24> kActivityPercent = {30, 25, 25,  25,  25,  35, 70, 100,
                                                      90, 60, 50,  50,  60,  55, 50, 50,
                                                      60, 90, 130, 140, 120, 90, 60, 40};
// Clear-sky PV output by UTC hour, percent of peak (central Europe, solar noon ~11 UTC).
constexpr std::array<int64_t, 24> kPvPercent = {0,  0,  0,  0,  0,  2, 8, 20, 38, 58, 75, 85,
                                                85, 75, 58, 38, 20, 8, 2, 0,  0,  0,  0,  0};
// Seasonal PV yield and heat-pump duty by month (January first), percent.
constexpr std::array<int64_t, 12> kPvSeasonPercent = {25,  40, 60, 80, 95, 100,
                                                      100, 90, 70, 50, 30, 20};
constexpr std::array<int64_t, 12> kHeatPumpDutyPercent = {70, 65, 50, 30, 10, 0,
                                                          0,  0,  10, 30, 50, 65};

// Month 0..11 of a day counted from 1970-01-01, without a calendar: 365.25-day years,
// months of 30.44 days. Good enough for seasons, and exactly reproducible.
int MonthOfDay(int64_t day) {
  const int64_t day_of_year = (day * 4 % 1461) / 4;
  return static_cast<int>(day_of_year * 12 / 366);
}

}  // namespace

uint8_t DrawHouseholdFlags(uint64_t seed, const HouseholdMix& mix) {
  const uint64_t h = Mix64(seed);
  uint8_t flags = 0;
  if ((h >> 24) % 100 < mix.pv_percent) flags |= kHasPv;
  if ((h >> 41) % 100 < mix.ev_percent) flags |= kHasEv;
  if ((h >> 48) % 100 < mix.heat_pump_percent) flags |= kHasHeatPump;
  const uint64_t connection = (h >> 8) % 100;
  if (connection < mix.single_phase_percent) {
    flags |= kSinglePhase;
  } else if (connection < mix.single_phase_percent + mix.two_phase_percent) {
    flags |= kTwoPhase;
  }
  return flags;
}

Household LoadModel::household() const {
  const uint64_t h = Mix64(seed_);
  Household house;
  for (int phase = 0; phase < kPhases; ++phase) {
    house.base_w[static_cast<size_t>(phase)] =
        60 + static_cast<int32_t>(((h >> (phase * 8)) & 0xFF) * 3 / 4);
  }
  house.has_pv = (flags_ & kHasPv) != 0;
  house.pv_peak_w = 3000 + static_cast<int32_t>(((h >> 32) & 0xFF) * 20);
  house.pv_inductive = ((h >> 40) & 1) != 0;
  house.has_ev = (flags_ & kHasEv) != 0;
  house.has_heat_pump = (flags_ & kHasHeatPump) != 0;
  house.fridge_offset_slots = static_cast<int32_t>((h >> 56) % 10);
  return house;
}

PhaseSet LoadModel::PhasesInSlot(int64_t slot) const { return LoadCursor(seed_, flags_).At(slot); }

LoadCursor::LoadCursor(uint64_t seed, uint8_t household_flags)
    : seed_(seed),
      flags_(household_flags == kDefaultMixFlags ? DrawHouseholdFlags(seed, HouseholdMix{})
                                                 : household_flags),
      slot_key_(Mix64(seed ^ 0x5107)),
      house_(LoadModel(seed, flags_).household()) {}

void LoadCursor::LoadHour(int64_t hour_index) {
  hour_index_ = hour_index;
  const int64_t day = hour_index / 24;
  const int64_t hour = hour_index % 24;
  const int month = MonthOfDay(day);

  // Heat pump: runs whole hours, with a duty cycle by month.
  heat_pump_on_ = false;
  if (house_.has_heat_pump) {
    const uint64_t hour_hash = Mix64(seed_ ^ Mix64(static_cast<uint64_t>(hour_index) + 0x48));
    heat_pump_on_ =
        static_cast<int64_t>(hour_hash % 100) < kHeatPumpDutyPercent[static_cast<size_t>(month)];
  }

  // EV: on two nights in three, from 22, 23 or 24 h UTC for 2-4 whole hours. Evaluated for
  // the session that started on this day or the day before.
  ev_charging_ = false;
  if (house_.has_ev) {
    for (int64_t start_day = day - 1; start_day <= day; ++start_day) {
      const uint64_t day_hash = Mix64(seed_ ^ Mix64(static_cast<uint64_t>(start_day) + 0xEE));
      if (day_hash % 3 == 0) continue;
      const int64_t start = start_day * 24 + 22 + static_cast<int64_t>(day_hash >> 8) % 3;
      const int64_t length = 2 + static_cast<int64_t>(day_hash >> 16) % 3;
      if (hour_index >= start && hour_index < start + length) ev_charging_ = true;
    }
  }

  activity_percent_ = kActivityPercent[static_cast<size_t>(hour)];
  pv_clear_mw_ = house_.has_pv ? int64_t{house_.pv_peak_w} * kPvPercent[static_cast<size_t>(hour)] *
                                     kPvSeasonPercent[static_cast<size_t>(month)] / 10
                               : 0;  // mW: peak W x 1000 x % x % / 10 000

  hour_p_mw_ = {};
  hour_q_mvar_ = {};
  AddHourLoads([this](size_t phase, LoadType, int64_t p_mw, int64_t q_mvar) {
    hour_p_mw_[phase] += p_mw;
    hour_q_mvar_[phase] += q_mvar;
  });
}

template <typename Add>
void LoadCursor::AddHourLoads(Add&& add) const {
  for (size_t phase = 0; phase < kPhases; ++phase) {
    const int64_t base_mw = int64_t{house_.base_w[phase]} * 1000;
    add(phase, LoadType::kBase, base_mw, base_mw / 3);  // PF ~0.95 lagging
  }
  // Always-on electronics on L2: switched-mode supplies with capacitive input filters.
  add(1, LoadType::kElectronics, 40'000, -150'000);
  // Heat pump: 700 W / 336 var per phase.
  if (heat_pump_on_) {
    for (size_t phase = 0; phase < kPhases; ++phase) {
      add(phase, LoadType::kHeatPump, 700'000, 336'000);
    }
  }
  // EV: 11 kW three-phase (16 A per phase).
  if (ev_charging_) {
    for (size_t phase = 0; phase < kPhases; ++phase) {
      add(phase, LoadType::kEvCharger, 3'680'000, 250'000);
    }
  }
}

template <typename Add>
void LoadCursor::AddSlotLoads(int64_t slot, Add&& add) const {
  const uint64_t now = Mix64(slot_key_ ^ static_cast<uint64_t>(slot));
  // Fridge on L1: 120 W / 90 var for 20 of every 50 minutes (4 of 10 slots).
  if ((slot + house_.fridge_offset_slots) % 10 < 4) add(0, LoadType::kFridge, 120'000, 90'000);
  // Activity load 0..800 W (resistive) on a slot-chosen phase, and 2 kW appliances.
  add((now >> 10) % kPhases, LoadType::kResistive,
      static_cast<int64_t>(now & 0x3FF) * 800'000 / 1023 * activity_percent_ / 100, 0);
  if (static_cast<int64_t>((now >> 16) % 10'000) < 4 * activity_percent_) {
    add((now >> 32) % kPhases, LoadType::kResistive, 2'000'000, 0);
  }
  // PV: clear sky x clouds (30..100 %), split over the phases, exported; the inverter runs
  // at about PF 0.95 either way: |Q| ~ P / 3.
  if (pv_clear_mw_ > 0) {
    const int64_t pv_mw = pv_clear_mw_ * (30 + static_cast<int64_t>((now >> 40) % 71)) / 100;
    for (size_t phase = 0; phase < kPhases; ++phase) {
      add(phase, LoadType::kPv, -(pv_mw / kPhases),
          (house_.pv_inductive ? 1 : -1) * pv_mw / kPhases / 3);
    }
  }
}

namespace {

// Moves `from` into `into` (one phase's value, or its row of per-type values).
void MoveInto(int64_t& into, int64_t& from) {
  into += from;
  from = 0;
}
void MoveInto(std::array<int64_t, kLoadTypes>& into, std::array<int64_t, kLoadTypes>& from) {
  for (size_t type = 0; type < kLoadTypes; ++type) MoveInto(into[type], from[type]);
}

// Unconnected phases carry nothing: a single-phase household has everything on L1, a
// two-phase one has L3's appliances on L1.
template <typename PerPhase>
void FoldConnection(uint8_t flags, PerPhase& active, PerPhase& reactive) {
  if ((flags & kConnectionFlags) == 0) return;
  const size_t first_dead = (flags & kSinglePhase) != 0 ? 1 : 2;
  for (size_t phase = first_dead; phase < kPhases; ++phase) {
    MoveInto(active[0], active[phase]);
    MoveInto(reactive[0], reactive[phase]);
  }
}

}  // namespace

void LoadCursor::SumsAt(int64_t slot, std::array<int64_t, kPhases>& p_mw,
                        std::array<int64_t, kPhases>& q_mvar) {
  const int64_t hour_index = slot / LoadModel::kSlotsPerHour;
  if (hour_index != hour_index_) LoadHour(hour_index);
  p_mw = hour_p_mw_;
  q_mvar = hour_q_mvar_;
  AddSlotLoads(slot, [&](size_t phase, LoadType, int64_t p, int64_t q) {
    p_mw[phase] += p;
    q_mvar[phase] += q;
  });
  FoldConnection(flags_, p_mw, q_mvar);
}

const PhaseSet& LoadCursor::At(int64_t slot) {
  std::array<int64_t, kPhases> p_mw;
  std::array<int64_t, kPhases> q_mvar;
  SumsAt(slot, p_mw, q_mvar);
  for (size_t phase = 0; phase < kPhases; ++phase) {
    PhaseValues& v = values_[phase];
    const int64_t p = p_mw[phase];
    const int64_t q = q_mvar[phase];
    if (p != v.active_mw || q != v.reactive_mvar) v = MakePhaseValues(p, q);  // S only if needed
  }
  return values_;
}

const PhaseSet& LoadCursor::PowersAt(int64_t slot) {
  std::array<int64_t, kPhases> p_mw;
  std::array<int64_t, kPhases> q_mvar;
  SumsAt(slot, p_mw, q_mvar);
  for (size_t phase = 0; phase < kPhases; ++phase) {
    powers_[phase].active_mw = static_cast<int32_t>(p_mw[phase]);
    powers_[phase].reactive_mvar = static_cast<int32_t>(q_mvar[phase]);
  }
  return powers_;
}

LoadComposition LoadCursor::CompositionAt(int64_t slot) {
  const int64_t hour_index = slot / LoadModel::kSlotsPerHour;
  if (hour_index != hour_index_) LoadHour(hour_index);
  LoadComposition composition;
  auto add = [&composition](size_t phase, LoadType type, int64_t p, int64_t q) {
    composition.active_mw[phase][static_cast<size_t>(type)] += p;
    composition.reactive_mvar[phase][static_cast<size_t>(type)] += q;
  };
  AddHourLoads(add);
  AddSlotLoads(slot, add);
  FoldConnection(flags_, composition.active_mw, composition.reactive_mvar);
  return composition;
}

LoadComposition LoadModel::CompositionInSlot(int64_t slot) const {
  return LoadCursor(seed_, flags_).CompositionAt(slot);
}

}  // namespace vmuc::meters
