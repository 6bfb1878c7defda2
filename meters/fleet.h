// Fleet: who the configured meters are. The n-th meter's identity is a pure function of
// the fleet config, so every process (and every test) derives the same fleet.
#ifndef VMUC_METERS_FLEET_H_
#define VMUC_METERS_FLEET_H_

#include <cstdint>

#include "common/config.h"
#include "meters/meter_core.h"
#include "meters/meter_setup.h"

namespace vmuc::meters {

// `index` in [0, fleet.meters).
MeterIdentity FleetMeter(const FleetSection& fleet, uint32_t index);

// The fleet's meter setup from its type number and software codes; errors read
// "FILE:LINE:COL: fleet: <what is wrong>".
absl::StatusOr<std::unique_ptr<MeterSetup>> FleetSetup(const FleetSection& fleet);

// The shard (0 .. fleet.shards-1) that hosts the meter with this index.
inline uint32_t ShardOf(const FleetSection& fleet, uint32_t index) { return index % fleet.shards; }

}  // namespace vmuc::meters

#endif  // VMUC_METERS_FLEET_H_
