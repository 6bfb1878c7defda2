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
  slot_ = now_unix_s_ / LoadModel::kSlot.count();
  slot_values_ = LoadModel(identity_.load_seed).PhasesInSlot(slot_);
  UpdateTariff();
  demand_.StartPeriod(registers_.total());
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

void MeterCore::AdvanceTo(TimePoint t) {
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
  while (now_unix_s_ < target_s) {
    if (slot != slot_) {
      if (!cursor) cursor.emplace(identity_.load_seed);
      slot_values_ = cursor->At(slot);
      slot_ = slot;
    }
    const int64_t step_end = std::min({target_s, slot_end, period_end, next_tariff_change_s_});
    registers_.Integrate(slot_values_, step_end - now_unix_s_, tariff_, options_.energy_type);
    supply_seconds_ += static_cast<uint64_t>(step_end - now_unix_s_);
    now_unix_s_ = step_end;
    if (now_unix_s_ == period_end) {
      demand_.EndPeriod(registers_.total(), period_s, tariff_, now_unix_s_,
                        options_.power_threshold_w);
      period_end += period_s;
    }
    if (now_unix_s_ == slot_end) {
      ++slot;
      slot_end += kSlotS;
    }
    if (now_unix_s_ >= next_tariff_change_s_) UpdateTariff();
  }
}

void MeterCore::EndBillingPeriod() {
  demand_.EndBillingPeriod();
  ++debiting_stop_count_;
}

}  // namespace vmuc::meters
