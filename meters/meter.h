// Meter: one virtual meter's whole state, pure: the metrology core, the pulse input with its
// device, and the loggers, advanced together in simulated or real time by its owner
// (MeterActor, a test, a benchmark). Like MeterCore it never reads a clock.
//
// Debiting periods end by the Z6/Z7 schedule (meters/loggers/billing_schedule.h) or by
// command (Z7 00, "externally controlled"). At an end the meter stores the value set in the
// billing log, then closes the period in the core (accumulates and resets the maxima, counts
// the debiting stop). AdvanceTo cuts time at the ends, so jumping and stepping give the same
// log.
#ifndef VMUC_METERS_METER_H_
#define VMUC_METERS_METER_H_

#include <optional>

#include "meters/clock/local_time.h"
#include "meters/configuration/software_config.h"
#include "meters/loggers/billing_log.h"
#include "meters/loggers/load_profile.h"
#include "meters/meter_core.h"
#include "meters/pulses/pulse_source.h"

namespace vmuc::meters {

// Z6, Z7 and the local time (Z11, Z15) the debiting schedule runs on.
struct BillingConfig {
  int stop_day = 1;           // Z6: 1..28
  DebitingInterval interval;  // Z7; every_months 0: externally controlled
  LocalTimeRules local_time;  // Z11, Z15
};

// The load profile (Z29 channels, Z27 absolute or delta); its period is the core's Z4.
struct LoadProfileConfig {
  bool enabled = true;
  LoadProfileSet channels = LoadProfileSet::kActiveReactive;  // Z29 '3'
  LoadProfileData data = LoadProfileData::kAbsolute;          // Z27
  LoadProfileVariant variant = LoadProfileVariant::kStandard;
};

class Meter final : private PeriodEndObserver {
 public:
  // Aborts on a pulse input, billing or profile config a MeterSetup would not give (they
  // are validated there).
  Meter(MeterIdentity identity, TimePoint epoch, const MeterOptions& options = {},
        PulseInputConfig pulse_input = {}, BillingConfig billing = {},
        LoadProfileConfig profile = {});

  // Advances everything to `t` (floored to the second), ending debiting periods on the way.
  void AdvanceTo(TimePoint t);
  // Ends a debiting period now (the externally controlled variant's command; also allowed
  // with a schedule, as a meter's manual reset is).
  void EndBillingPeriod();

  const MeterCore& core() const { return core_; }
  TimePoint time() const { return core_.time(); }
  // nullptr without a pulse input.
  const PulseInputChannel* pulse_input() const { return pulse_input_ ? &*pulse_input_ : nullptr; }
  const BillingLog& billing_log() const { return billing_log_; }
  // nullptr when the load profile is off.
  const LoadProfileLog* load_profile() const { return load_profile_ ? &*load_profile_ : nullptr; }
  // The next scheduled debiting period end; nullopt when externally controlled.
  std::optional<TimePoint> next_billing_end() const { return next_billing_end_; }

 private:
  void AdvanceAllTo(TimePoint t);
  // PeriodEndObserver: records the load profile entry of the period that just ended.
  void OnPeriodEnd(const MeterCore& core) override;

  MeterCore core_;
  std::optional<PulseInputChannel> pulse_input_;
  BillingConfig billing_;
  BillingLog billing_log_;
  std::optional<LoadProfileLog> load_profile_;
  std::optional<TimePoint> next_billing_end_;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_METER_H_
