// Checkpoints: a Meter's state and the changed pages of its loggers' images, into and out
// of the host's permanent memory (meters/store/meter_store.h).
//
// A checkpoint carries the pages written since the meter's previous one; they are marked
// clean only once the batch holding them has committed, so a failed write is retried
// whole by the next. A meter restored from its last checkpoint and advanced to any later
// instant is byte for byte the meter an uninterrupted run has there: its load, grid and
// outages are seeded functions of time (design.md, principle 3).
#ifndef VMUC_METERS_HOST_CHECKPOINT_H_
#define VMUC_METERS_HOST_CHECKPOINT_H_

#include <span>

#include "absl/status/statusor.h"
#include "meters/meter.h"
#include "meters/store/meter_store.h"

namespace vmuc::meters {

// The meter's checkpoint now: its state and its dirty pages (all its pages when `all`).
MeterCheckpoint CheckpointOf(const Meter& meter, bool all = false);
// After the checkpoint committed: its pages are clean.
void MarkCheckpointed(Meter& meter);

// Writes the meters' checkpoints in one transaction and marks them checkpointed.
absl::Status WriteCheckpoints(MeterStore& store, std::span<Meter* const> meters);

// Restores `meter` (built from the configuration, at its epoch) from its last checkpoint.
// False when the store has none (a new meter). DataLoss naming the meter and what does not
// fit when the stored state is not this configuration's (another logger set, a truncated
// or corrupt row): the caller must not overwrite it.
absl::StatusOr<bool> RestoreMeter(MeterStore& store, Meter& meter);

}  // namespace vmuc::meters

#endif  // VMUC_METERS_HOST_CHECKPOINT_H_
