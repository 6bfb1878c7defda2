#include "meters/meter_core.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "common/check.h"

namespace vmuc::meters {

std::string MeterIdentity::MeterId() const { return absl::StrFormat("%016d", serial); }

MeterCore::MeterCore(MeterIdentity identity, TimePoint epoch, MeterOptions options)
    : identity_(std::move(identity)),
      options_(options),
      now_unix_s_(std::chrono::floor<std::chrono::seconds>(epoch).time_since_epoch().count()) {
  VMUC_CHECK(options_.integration_period_min > 0, "integration period must be positive");
  std::optional<LoadCursor> cursor;
  std::optional<AccuracyModel> accuracy;
  std::optional<AccuracyMemo> memo;  // lazy: a tick inside a slot must not pay for it
  LoadSlot(now_unix_s_ / LoadModel::kSlot.count(), cursor, accuracy, memo);
  UpdateTariff();
  demand_.StartPeriod(registers_.total());
  UpdateSupply(nullptr);  // installed during an outage: off from the start, no event
}

uint8_t MeterCore::HouseholdFlags() const {
  const uint8_t flags = identity_.household_flags == kDefaultMixFlags
                            ? DrawHouseholdFlags(identity_.load_seed, HouseholdMix{})
                            : identity_.household_flags;
  return options_.aron ? static_cast<uint8_t>(flags & ~kConnectionFlags) : flags;
}

void MeterCore::UpdateTariff() {
  if (options_.tariffs == nullptr) {
    tariff_ = 1;
    next_tariff_change_s_ = INT64_MAX;
    return;
  }
  // Tariffs switch on the meter's clock, so a set or stopped clock moves the switch.
  tariff_ = options_.tariffs->TariffAt(rtc_time());
  if (clock_stopped_) {
    next_tariff_change_s_ = INT64_MAX;
    return;
  }
  const auto next = options_.tariffs->NextChangeAfter(rtc_time());
  next_tariff_change_s_ =
      next ? std::chrono::ceil<std::chrono::seconds>(*next).time_since_epoch().count() -
                 rtc_offset_s_
           : INT64_MAX;
}

int64_t MeterCore::NextPeriodEnd() const {
  if (clock_stopped_) return INT64_MAX;  // a stopped clock reaches no period end
  // Integration periods are aligned to the RTC's hour (the RTC is after 1970: the division
  // floors).
  const int64_t period_s = int64_t{options_.integration_period_min} * 60;
  return ((now_unix_s_ + rtc_offset_s_) / period_s + 1) * period_s - rtc_offset_s_;
}

bool MeterCore::UpdateSupply(CoreObserver* observer) {
  if (grid_outage_.end_unix_s <= now_unix_s_) {
    grid_outage_ = OutageModel(identity_.load_seed, options_.outages).FirstEndingAfter(now_unix_s_);
  }
  const bool grid_off = grid_outage_.start_unix_s <= now_unix_s_;  // and its end is later
  const bool injected_off = now_unix_s_ < injected_until_s_;
  next_supply_change_s_ = grid_off ? grid_outage_.end_unix_s : grid_outage_.start_unix_s;
  if (injected_off) next_supply_change_s_ = std::min(next_supply_change_s_, injected_until_s_);
  const bool on = !grid_off && !injected_off;
  if (on == supply_on_) return false;
  supply_on_ = on;
  if (!on) {
    off_since_s_ = now_unix_s_;
  } else if (clock_stopped_) {
    // The clock resumes from where it stood, behind by the time it stood still.
    clock_stopped_ = false;
    UpdateTariff();
  }
  if (observer != nullptr) observer->OnSupplyChange(*this, on);
  return true;
}

int64_t MeterCore::ClockStopsAt() const {
  return supply_on_ || clock_stopped_ ? INT64_MAX : off_since_s_ + int64_t{options_.rtc_backup_s};
}

void MeterCore::SetClock(TimePoint rtc) {
  VMUC_CHECK(supply_on_, "MeterCore::SetClock without supply");
  rtc_offset_s_ =
      std::chrono::floor<std::chrono::seconds>(rtc).time_since_epoch().count() - now_unix_s_;
  clock_valid_ = true;
  UpdateTariff();
}

void MeterCore::InjectOutage(std::optional<std::chrono::seconds> duration, CoreObserver* observer) {
  injected_until_s_ =
      duration ? now_unix_s_ + std::clamp<int64_t>(duration->count(), 0, INT64_MAX / 2) : INT64_MAX;
  UpdateSupply(observer);
}

void MeterCore::EndInjectedOutage(CoreObserver* observer) {
  injected_until_s_ = INT64_MIN;
  UpdateSupply(observer);
}

void MeterCore::AdvanceTo(TimePoint t, CoreObserver* observer) {
  const int64_t target_s = std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
  VMUC_CHECK(target_s >= now_unix_s_, "MeterCore::AdvanceTo went back in time");
  if (target_s == now_unix_s_) return;
  constexpr int64_t kSlotS = LoadModel::kSlot.count();
  const int64_t period_s = int64_t{options_.integration_period_min} * 60;
  // Boundaries kept incrementally: no division per step. Time is after 1970, so the
  // divisions here floor.
  int64_t slot = now_unix_s_ / kSlotS;
  int64_t slot_end = (slot + 1) * kSlotS;
  int64_t period_end = NextPeriodEnd();
  std::optional<LoadCursor> cursor;  // built only when a new slot is entered
  std::optional<AccuracyModel> accuracy;
  std::optional<AccuracyMemo> memo;  // lazy: a tick inside a slot must not pay for it
  while (now_unix_s_ < target_s) {
    if (slot != slot_) LoadSlot(slot, cursor, accuracy, memo);
    const int64_t clock_stops = ClockStopsAt();
    const int64_t step_end = std::min({target_s, slot_end, period_end, next_tariff_change_s_,
                                       next_supply_change_s_, clock_stops});
    if (supply_on_) {
      if (s0_ != nullptr) FeedS0(step_end - now_unix_s_);
      registers_.Integrate(slot_values_, step_end - now_unix_s_, tariff_, options_.energy_type);
      supply_seconds_ += static_cast<uint64_t>(step_end - now_unix_s_);
    } else if (clock_stopped_) {
      rtc_offset_s_ -= step_end - now_unix_s_;  // true time runs on, the RTC stands
    }
    now_unix_s_ = step_end;
    if (now_unix_s_ == period_end) {
      // Demand runs on while the supply is off (the period's average counts the outage as
      // no load), so the block averages stay aligned.
      demand_.EndPeriod(registers_.total(), period_s, tariff_, now_unix_s_ + rtc_offset_s_,
                        options_.power_threshold_w);
      period_end += period_s;
      if (observer != nullptr) observer->OnPeriodEnd(*this);
    }
    if (now_unix_s_ == clock_stops) {
      // The backup is spent (datasheet lines 281-282): the clock stands still from here and
      // is not trusted again until set.
      clock_stopped_ = true;
      clock_valid_ = false;
      period_end = INT64_MAX;
      next_tariff_change_s_ = INT64_MAX;
    }
    if (now_unix_s_ >= next_supply_change_s_ && UpdateSupply(observer)) {
      period_end = NextPeriodEnd();  // the clock may have stopped meanwhile
    }
    if (now_unix_s_ == slot_end) {
      ++slot;
      slot_end += kSlotS;
    }
    if (now_unix_s_ >= next_tariff_change_s_) UpdateTariff();
  }
}

void MeterCore::LoadSlot(int64_t slot, std::optional<LoadCursor>& cursor,
                         std::optional<AccuracyModel>& accuracy,
                         std::optional<AccuracyMemo>& lazy_memo) {
  if (!cursor) cursor.emplace(identity_.load_seed, HouseholdFlags());
  slot_ = slot;
  const PhaseSet truth = options_.aron ? AronSystems(cursor->PowersAt(slot)) : cursor->At(slot);
  if (options_.accuracy == nullptr) {
    slot_values_ = truth;
    return;
  }
  if (!accuracy) {
    accuracy.emplace(options_.accuracy->accuracy_class, options_.accuracy->rating,
                     Mix64(identity_.load_seed ^ 0xACC));
  }
  if (!lazy_memo) lazy_memo.emplace();
  AccuracyMemo& memo = *lazy_memo;
  // The class error is evaluated at the hour's supply (its first slot's voltage and
  // frequency): the influence of voltage is at most 10 % of the class limit over the whole
  // -20..+15 % range, so the +-0.5 % slot-to-slot noise is immaterial, and a phase whose
  // load did not change keeps its registered values.
  const int64_t hour = slot / LoadModel::kSlotsPerHour;
  if (hour != memo.hour) {
    const GridValues grid = Grid().InSlot(hour * LoadModel::kSlotsPerHour);
    memo.hour = hour;
    for (size_t i = 0; i < kPhases; ++i) {
      if (options_.aron && i == 1) continue;  // no second system: nothing to evaluate
      memo.supply[i] =
          accuracy->AtSupply(grid.voltage_mv[i], grid.frequency_mhz, kReferenceTemperatureMdegc);
    }
    memo.valid = {};
  }
  for (size_t i = 0; i < kPhases; ++i) {
    if (!memo.valid[i] || truth[i].active_mw != memo.truth[i].active_mw ||
        truth[i].reactive_mvar != memo.truth[i].reactive_mvar) {
      memo.truth[i] = truth[i];
      memo.registered[i] = accuracy->Registered(truth[i], memo.supply[i]);
      memo.valid[i] = true;
    }
    slot_values_[i] = memo.registered[i];
  }
}

std::optional<HarmonicsSet> MeterCore::current_harmonics() const {
  if (options_.aron) return std::nullopt;
  return CurrentHarmonics(LoadModel(identity_.load_seed, HouseholdFlags()).CompositionInSlot(slot_),
                          grid());
}

void MeterCore::FeedS0(int64_t seconds) {
  // The S0 output follows the A+ total register (1000 imp/kWh): the register before the
  // segment and the import power the segment adds to it.
  uint64_t register_mws = 0;
  int64_t import_mw = 0;
  for (size_t i = 0; i < kPhases; ++i) {
    register_mws += registers_.phase[i].milli_unit_seconds[kActiveImport];
    if (slot_values_[i].active_mw > 0) import_mw += slot_values_[i].active_mw;
  }
  s0_->OnSegment(register_mws, import_mw, now_unix_s_, seconds);
}

void MeterCore::Tick(CoreObserver* observer) {
  // Integration periods (15/30/60 min) end on load-slot ends (5 min), so a second that
  // ends neither a slot nor at a tariff switch changes nothing but the registers: the
  // shard's tight loop takes this path 299 times in 300.
  const int64_t next = now_unix_s_ + 1;
  // The cached slot must be the current second's: a step that ended on a slot boundary
  // leaves slot_ on the slot before.
  constexpr int64_t kSlotS = LoadModel::kSlot.count();
  // A clock set off the 5-minute grid moves period ends off slot ends: then check them too.
  const int64_t period_s = int64_t{options_.integration_period_min} * 60;
  if (next % kSlotS != 0 && now_unix_s_ / kSlotS == slot_ && next < next_tariff_change_s_ &&
      next < next_supply_change_s_ && supply_on_ && s0_ == nullptr &&
      (rtc_offset_s_ % kSlotS == 0 || (next + rtc_offset_s_) % period_s != 0)) {
    registers_.Integrate(slot_values_, 1, tariff_, options_.energy_type);
    ++supply_seconds_;
    now_unix_s_ = next;
    return;
  }
  AdvanceTo(time() + std::chrono::seconds(1), observer);
}

void MeterCore::EndBillingPeriod() {
  demand_.EndBillingPeriod();
  ++debiting_stop_count_;
}

// The layout is this build's: a checkpoint is read back by the same meter host version
// (the store's schema version guards a change of layout).
void MeterCore::Save(ByteWriter& out) const {
  out.U64(identity_.serial);
  out.I64(now_unix_s_);
  out.I64(slot_);
  for (const PhaseValues& v : slot_values_) {
    out.U32(static_cast<uint32_t>(v.active_mw));
    out.U32(static_cast<uint32_t>(v.reactive_mvar));
    out.U32(static_cast<uint32_t>(v.apparent_mva));
  }
  out.U8(static_cast<uint8_t>(tariff_));
  out.I64(next_tariff_change_s_);
  for (const RegisterSet& set : registers_.phase) out.U64s(set.milli_unit_seconds);
  out.U64s(registers_.active_import_tariff);
  out.U64s(registers_.reactive_import_tariff);
  WritePeaks(out, demand_.peaks);
  out.U32s(demand_.accumulated);
  out.U32(demand_.last_average_active_import_w);
  out.U32(demand_.power_threshold_count);
  out.U64s(demand_.period_start);
  out.U64(supply_seconds_);
  out.U32(debiting_stop_count_);
  out.I64(rtc_offset_s_);
  out.Bool(clock_valid_);
  out.Bool(clock_stopped_);
  out.Bool(supply_on_);
  out.I64(off_since_s_);
  out.I64(injected_until_s_);
  out.I64(grid_outage_.start_unix_s);
  out.I64(grid_outage_.end_unix_s);
  out.I64(next_supply_change_s_);
}

absl::Status MeterCore::Restore(ByteReader& in) {
  const uint64_t serial = in.U64();
  if (in.status().ok() && serial != identity_.serial) {
    in.Fail(absl::StrFormat("the state of meter %016d, not of %016d", serial, identity_.serial));
  }
  now_unix_s_ = in.I64();
  slot_ = in.I64();
  for (PhaseValues& v : slot_values_) {
    v.active_mw = static_cast<int32_t>(in.U32());
    v.reactive_mvar = static_cast<int32_t>(in.U32());
    v.apparent_mva = static_cast<int32_t>(in.U32());
  }
  tariff_ = in.U8();
  if (in.status().ok() && (tariff_ < 1 || tariff_ > kTariffs)) in.Fail("a tariff out of 1..4");
  next_tariff_change_s_ = in.I64();
  for (RegisterSet& set : registers_.phase) in.U64s(set.milli_unit_seconds);
  in.U64s(registers_.active_import_tariff);
  in.U64s(registers_.reactive_import_tariff);
  ReadPeaks(in, demand_.peaks);
  in.U32s(demand_.accumulated);
  demand_.last_average_active_import_w = in.U32();
  demand_.power_threshold_count = in.U32();
  in.U64s(demand_.period_start);
  supply_seconds_ = in.U64();
  debiting_stop_count_ = in.U32();
  rtc_offset_s_ = in.I64();
  clock_valid_ = in.Bool();
  clock_stopped_ = in.Bool();
  supply_on_ = in.Bool();
  off_since_s_ = in.I64();
  injected_until_s_ = in.I64();
  grid_outage_.start_unix_s = in.I64();
  grid_outage_.end_unix_s = in.I64();
  next_supply_change_s_ = in.I64();
  return in.status();
}

}  // namespace vmuc::meters
