#include "meters/meter_core.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "common/check.h"

namespace vmuc::meters {

std::string MeterIdentity::MeterId() const { return absl::StrFormat("%016d", serial); }

MeterCore::MeterCore(MeterIdentity identity, TimePoint epoch)
    : identity_(std::move(identity)),
      load_(identity_.load_seed),
      now_unix_ms_(
          std::chrono::floor<std::chrono::milliseconds>(epoch).time_since_epoch().count()) {}

void MeterCore::AdvanceTo(TimePoint t) {
  const int64_t target_ms =
      std::chrono::floor<std::chrono::milliseconds>(t).time_since_epoch().count();
  VMUC_CHECK(target_ms >= now_unix_ms_, "MeterCore::AdvanceTo went back in time");
  constexpr int64_t kSlotMs = LoadModel::kSlot.count();
  // One step per load-model slot: cost grows with slots crossed, not with milliseconds.
  while (now_unix_ms_ < target_ms) {
    const int64_t slot = now_unix_ms_ / kSlotMs;  // time is after 1970: no negative floor
    const int64_t step_end = std::min(target_ms, (slot + 1) * kSlotMs);
    const int64_t duration_ms = step_end - now_unix_ms_;
    const PhasePowers powers = load_.PowerInSlot(slot);
    int64_t total_mw = 0;
    for (int phase = 0; phase < kPhases; ++phase) {
      const int64_t mw = powers.active_import_mw[static_cast<size_t>(phase)];
      active_import_phase_[static_cast<size_t>(phase)].Add(mw, duration_ms);
      total_mw += mw;
    }
    active_import_total_.Add(total_mw, duration_ms);
    now_unix_ms_ = step_end;
  }
}

}  // namespace vmuc::meters
