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
  LoadSlot(now_unix_s_ / LoadModel::kSlot.count());
  UpdateTariff();
  demand_.StartPeriod(registers_.total);
}

void MeterCore::LoadSlot(int64_t slot) {
  slot_ = slot;
  slot_values_ = LoadModel(identity_.load_seed).PhasesInSlot(slot);
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
  constexpr int64_t kSlotS = LoadModel::kSlot.count();
  const int64_t period_s = int64_t{options_.integration_period_min} * 60;
  while (now_unix_s_ < target_s) {
    const int64_t slot = now_unix_s_ / kSlotS;  // time is after 1970: no negative floor
    if (slot != slot_) LoadSlot(slot);
    // Integration periods are aligned to the UTC hour (15/30/60 min divide it).
    const int64_t period_end = (now_unix_s_ / period_s + 1) * period_s;
    const int64_t step_end =
        std::min({target_s, (slot + 1) * kSlotS, period_end, next_tariff_change_s_});
    registers_.Integrate(slot_values_, step_end - now_unix_s_, tariff_, options_.energy_type);
    supply_seconds_ += static_cast<uint64_t>(step_end - now_unix_s_);
    now_unix_s_ = step_end;
    if (now_unix_s_ == period_end) {
      demand_.EndPeriod(registers_.total, period_s, tariff_, now_unix_s_,
                        options_.power_threshold_w);
    }
    if (now_unix_s_ >= next_tariff_change_s_) UpdateTariff();
  }
}

void MeterCore::EndBillingPeriod() {
  demand_.EndBillingPeriod();
  ++debiting_stop_count_;
}

}  // namespace vmuc::meters
