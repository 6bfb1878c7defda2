// Meter: one virtual meter's whole state, pure: the metrology core, the pulse input with its
// device, and the loggers, advanced together in simulated or real time by its owner
// (MeterActor, a test, a benchmark). Like MeterCore it never reads a clock.
//
// Debiting periods end by the Z6/Z7 schedule (meters/loggers/billing_schedule.h) or by
// command (Z7 00, "externally controlled"). At an end the meter stores the value set in the
// billing log, then closes the period in the core (accumulates and resets the maxima, counts
// the debiting stop). AdvanceTo cuts time at the ends, so jumping and stepping give the same
// log.
//
// Schedules and time stamps follow the meter's real-time clock (MeterCore::rtc_time()),
// which a clock-set command moves and a long outage stops. The load profile marks what
// happened in each period in the entry's status: a power failure (bit 7, power down), a
// clock set (bit 5, clock adjusted, with bit 8 forwards or 9 backwards), a period of the
// wrong length because of either (bit 2, data not valid), an invalid clock (bit 1), and
// daylight saving time (bit 3). Entries whose period ends while the supply is off are not
// recorded: the meter is down; the next entry carries the power-down bit and the sequence
// numbers show which are missing. The debiting ends run on the RTC's backup and store the
// frozen registers, as debit logger 2 does at its captures; the analysis logger captures
// only with supply (its instantaneous values would read zero).
//
// Events (meters/loggers/event_log.h), stamped with the RTC and its quality: power down and
// up, and a long power failure (over 3 min, IDIS) with its duration as the RTC measured
// it; the clock's old and new time at a clock set; clock invalid (an alarm) when the
// clock stopped in an outage; the DST switches; each debiting period end; each
// integration period whose average exceeded the power threshold.
#ifndef VMUC_METERS_METER_H_
#define VMUC_METERS_METER_H_

#include <functional>
#include <optional>

#include "absl/status/status.h"
#include "common/bytes.h"
#include "meters/clock/local_time.h"
#include "meters/configuration/software_config.h"
#include "meters/loggers/analysis_log.h"
#include "meters/loggers/billing_log.h"
#include "meters/loggers/debit_log_2.h"
#include "meters/loggers/event_log.h"
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

// Which of a meter's byte images a persisted page belongs to (the store's `log` column).
enum class MeterLog : uint8_t {
  kLoadProfile = 1,
  kBilling = 2,
  kAnalysis = 3,
  kDebitLog2 = 4,
  kEventsFirst = 16,  // + EventLogKind
};
inline MeterLog EventMeterLog(EventLogKind kind) {
  return static_cast<MeterLog>(static_cast<uint8_t>(MeterLog::kEventsFirst) +
                               static_cast<uint8_t>(kind));
}

class Meter final : private CoreObserver {
 public:
  // Aborts on a pulse input, billing or profile config a MeterSetup would not give (they
  // are validated there).
  Meter(MeterIdentity identity, TimePoint epoch, const MeterOptions& options = {},
        PulseInputConfig pulse_input = {}, BillingConfig billing = {},
        LoadProfileConfig profile = {}, std::optional<AnalysisLogConfig> analysis = {},
        std::optional<DebitLog2Config> debit_log_2 = {});
  Meter(const Meter&) = default;
  Meter& operator=(const Meter&) = default;

  // Advances everything to `t` (true time, floored to the second), ending debiting periods
  // on the way.
  void AdvanceTo(TimePoint t);
  // Ends a debiting period now (the externally controlled variant's command; also allowed
  // with a schedule, as a meter's manual reset is).
  void EndBillingPeriod();
  // Sets the RTC to `rtc` now. The schedules continue from the new time: ends the clock
  // jumps over are not made up. FailedPrecondition without supply (the meter is off);
  // InvalidArgument for a time before 2000.
  absl::Status SetClock(TimePoint rtc);
  // Supply outages by command, from now: for `duration`, or until EndOutage (nullopt).
  void InjectOutage(std::optional<std::chrono::seconds> duration);
  void EndOutage();

  const MeterCore& core() const { return core_; }
  TimePoint time() const { return core_.time(); }
  // nullptr without a pulse input.
  const PulseInputChannel* pulse_input() const { return pulse_input_ ? &*pulse_input_ : nullptr; }
  const BillingLog& billing_log() const { return billing_log_; }
  const EventLogs& events() const { return events_; }
  // nullptr when the logger is off.
  const AnalysisLog* analysis_log() const { return analysis_ ? &*analysis_ : nullptr; }
  const DebitLog2* debit_log_2() const { return debit_log_2_ ? &*debit_log_2_ : nullptr; }
  // nullptr when the load profile is off.
  const LoadProfileLog* load_profile() const { return load_profile_ ? &*load_profile_ : nullptr; }
  // The next scheduled debiting period end on the RTC; nullopt when externally controlled.
  std::optional<TimePoint> next_billing_end() const { return next_billing_end_; }

  // Checkpoints. The state is everything but the loggers' pages (registers, cursors,
  // schedules); the pages are the byte images, visited with their MeterLog. A meter built
  // from the same configuration, restored from both, continues exactly as the original.
  void SaveState(ByteWriter& out) const;
  // DataLoss naming what does not fit; the meter is unusable after an error.
  absl::Status RestoreState(ByteReader& in);
  void ForEachImage(const std::function<void(MeterLog, const LogImage&)>& visit) const;
  // The image of `log`; nullptr when this meter has no such logger.
  LogImage* mutable_image(MeterLog log);
  // After pages were restored: DataLoss naming the first logger entry that does not decode.
  absl::Status CheckImages() const;

  friend bool operator==(const Meter& a, const Meter& b);

 private:
  void AdvanceAllTo(TimePoint t);
  // CoreObserver: records the load profile entry of the period that just ended, and notes
  // outages for the next entry's status.
  void OnPeriodEnd(const MeterCore& core) override;
  void OnSupplyChange(const MeterCore& core, bool on) override;
  void RescheduleFromClock();
  TimeQuality QualityNow() const;
  // The clock's bits of a profile status now: clock invalid, daylight saving.
  uint16_t ClockStatusBits() const;
  // The earliest scheduled instant (RTC) of the debiting end and the two loggers' captures.
  std::optional<TimePoint> NextScheduled() const;
  // Does what is due at the RTC's present.
  void RunDue();
  void Raise(EventCode code, uint32_t value = 0);

  MeterCore core_;
  std::optional<PulseInputChannel> pulse_input_;
  BillingConfig billing_;
  BillingLog billing_log_;
  std::optional<LoadProfileLog> load_profile_;
  std::optional<AnalysisLog> analysis_;
  std::optional<DebitLog2> debit_log_2_;
  std::optional<TimePoint> next_billing_end_;  // on the RTC
  std::optional<TimePoint> next_analysis_;     // on the RTC
  std::optional<TimePoint> next_debit_log_2_;  // on the RTC
  EventLogs events_;
  // Status bits gathered for the load profile entry of the running period.
  uint16_t period_status_ = 0;
  // What the previous period end saw, to raise the changes as events.
  bool dst_active_ = false;
  uint32_t power_threshold_count_ = 0;
  int64_t off_since_rtc_s_ = 0;    // the RTC when the supply went off
  int64_t rtc_offset_at_off_ = 0;  // and its offset then: a change means it stopped
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_METER_H_
