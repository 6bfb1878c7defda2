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
  tariff_ = options_.tariffs->TariffAt(time());
  const auto next = options_.tariffs->NextChangeAfter(time());
  next_tariff_change_s_ =
      next ? std::chrono::ceil<std::chrono::seconds>(*next).time_since_epoch().count() : INT64_MAX;
}

void MeterCore::AdvanceTo(TimePoint t, PeriodEndObserver* observer) {
  const int64_t target_s = std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
  VMUC_CHECK(target_s >= now_unix_s_, "MeterCore::AdvanceTo went back in time");
  if (target_s == now_unix_s_) return;
  constexpr int64_t kSlotS = LoadModel::kSlot.count();
  const int64_t period_s = int64_t{options_.integration_period_min} * 60;
  // Boundaries kept incrementally: no division per step. Time is after 1970, so the
  // divisions here floor. Integration periods are aligned to the UTC hour.
  int64_t slot = now_unix_s_ / kSlotS;
  int64_t slot_end = (slot + 1) * kSlotS;
  int64_t period_end = (now_unix_s_ / period_s + 1) * period_s;
  std::optional<LoadCursor> cursor;  // built only when a new slot is entered
  std::optional<AccuracyModel> accuracy;
  std::optional<AccuracyMemo> memo;  // lazy: a tick inside a slot must not pay for it
  while (now_unix_s_ < target_s) {
    if (slot != slot_) LoadSlot(slot, cursor, accuracy, memo);
    const int64_t step_end = std::min({target_s, slot_end, period_end, next_tariff_change_s_});
    if (s0_ != nullptr) FeedS0(step_end - now_unix_s_);
    registers_.Integrate(slot_values_, step_end - now_unix_s_, tariff_, options_.energy_type);
    supply_seconds_ += static_cast<uint64_t>(step_end - now_unix_s_);
    now_unix_s_ = step_end;
    if (now_unix_s_ == period_end) {
      demand_.EndPeriod(registers_.total(), period_s, tariff_, now_unix_s_,
                        options_.power_threshold_w);
      period_end += period_s;
      if (observer != nullptr) observer->OnPeriodEnd(*this);
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

void MeterCore::Tick(PeriodEndObserver* observer) {
  // Integration periods (15/30/60 min) end on load-slot ends (5 min), so a second that
  // ends neither a slot nor at a tariff switch changes nothing but the registers: the
  // shard's tight loop takes this path 299 times in 300.
  const int64_t next = now_unix_s_ + 1;
  // The cached slot must be the current second's: a step that ended on a slot boundary
  // leaves slot_ on the slot before.
  constexpr int64_t kSlotS = LoadModel::kSlot.count();
  if (next % kSlotS != 0 && now_unix_s_ / kSlotS == slot_ && next < next_tariff_change_s_ &&
      s0_ == nullptr) {
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

}  // namespace vmuc::meters
