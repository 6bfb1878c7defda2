// MeterCore: the pure metrology core of one virtual meter.
//
// Plain state plus functions of (state, inputs, time): no clock reads, threads, sockets or
// files (design.md, principle 1). The owner (MeterActor, a test, a benchmark) says how far
// to advance; the core integrates its load model exactly up to that instant at
// millisecond resolution. Not thread-safe: owned by one actor.
#ifndef VMUC_METERS_METER_CORE_H_
#define VMUC_METERS_METER_CORE_H_

#include <array>
#include <cstdint>
#include <string>

#include "common/frame.h"
#include "common/time.h"
#include "meters/metrology/load_model.h"
#include "meters/registers/energy_register.h"

namespace vmuc::meters {

struct MeterIdentity {
  uint64_t serial = 0;          // 16-digit meter number (OBIS 1.1.0.0.5.255)
  NodeAddress node = 0;         // radio mesh address
  uint64_t load_seed = 0;       // seeds the load model
  std::string MeterId() const;  // the serial as 16 digits
};

class MeterCore {
 public:
  // The meter is installed at `epoch` with every register at zero.
  MeterCore(MeterIdentity identity, TimePoint epoch);

  // Integrates from the current time to `t`; `t` before the current time is a
  // programming error (time never runs backwards inside a meter) and aborts.
  void AdvanceTo(TimePoint t);

  const MeterIdentity& identity() const { return identity_; }
  TimePoint time() const { return TimePoint(std::chrono::milliseconds(now_unix_ms_)); }

  // A+ total (Wh), the sum of the three measuring systems (datasheet, "Energy reading":
  // each system's registration is summed in the meter's main registers).
  uint64_t active_import_wh() const { return active_import_total_.wh(); }
  uint64_t active_import_wh(int phase) const {
    return active_import_phase_[static_cast<size_t>(phase)].wh();
  }

 private:
  MeterIdentity identity_;
  LoadModel load_;
  int64_t now_unix_ms_;
  EnergyRegister active_import_total_;
  std::array<EnergyRegister, kPhases> active_import_phase_;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_METER_CORE_H_
