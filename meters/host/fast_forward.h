// FastForward: a meter host's offline run (vmuc-meterd --run-until): advances a shard's
// meters to an instant as fast as the machine goes, checkpointing every step of meter
// time, so a host killed at any moment resumes from its last step. Used to prepare a
// fleet's history and by the crash test; the live host checkpoints on a timer instead.
#ifndef VMUC_METERS_HOST_FAST_FORWARD_H_
#define VMUC_METERS_HOST_FAST_FORWARD_H_

#include <atomic>
#include <chrono>
#include <span>

#include "absl/status/status.h"
#include "meters/meter.h"
#include "meters/store/meter_store.h"

namespace vmuc::meters {

struct FastForwardOptions {
  TimePoint until;
  // Checkpoint instants: multiples of `step` since the Unix epoch, so every run (and every
  // restart) checkpoints at the same meter times.
  std::chrono::seconds step{86'400};
};

// Advances every meter to options.until step by step, writing one batch of checkpoints
// per step. Meters already at or past a step's end are left as they are. Stops early,
// with Cancelled, when `stop` becomes true (checked between steps).
absl::Status FastForward(std::span<Meter* const> meters, MeterStore& store,
                         const FastForwardOptions& options,
                         const std::atomic<bool>* stop = nullptr);

}  // namespace vmuc::meters

#endif  // VMUC_METERS_HOST_FAST_FORWARD_H_
