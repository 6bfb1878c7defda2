#include "meters/host/fast_forward.h"

#include <algorithm>

#include "meters/host/checkpoint.h"

namespace vmuc::meters {

absl::Status FastForward(std::span<Meter* const> meters, MeterStore& store,
                         const FastForwardOptions& options, const std::atomic<bool>* stop) {
  if (meters.empty()) return absl::OkStatus();
  const int64_t step_s = std::max<int64_t>(options.step.count(), 1);
  const int64_t until_s =
      std::chrono::floor<std::chrono::seconds>(options.until).time_since_epoch().count();
  int64_t at_s = INT64_MAX;
  for (const Meter* meter : meters) {
    at_s = std::min(
        at_s, std::chrono::floor<std::chrono::seconds>(meter->time()).time_since_epoch().count());
  }
  while (at_s < until_s) {
    if (stop != nullptr && stop->load()) return absl::CancelledError("fast-forward stopped");
    const int64_t next_s = std::min(until_s, (at_s / step_s + 1) * step_s);
    const TimePoint next = TimePoint(std::chrono::seconds(next_s));
    for (Meter* meter : meters) {
      if (meter->time() < next) meter->AdvanceTo(next);
    }
    if (absl::Status status = WriteCheckpoints(store, meters); !status.ok()) return status;
    at_s = next_s;
  }
  return absl::OkStatus();
}

}  // namespace vmuc::meters
