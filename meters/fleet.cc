#include "meters/fleet.h"

#include "meters/metrology/load_model.h"

namespace vmuc::meters {

MeterIdentity FleetMeter(const FleetSection& fleet, uint32_t index) {
  MeterIdentity identity;
  identity.serial = fleet.first_serial + index;
  identity.node = index + 1;  // node 0 is the collector
  identity.load_seed = Mix64(fleet.seed * 0x100000001B3ULL + index);
  return identity;
}

}  // namespace vmuc::meters
