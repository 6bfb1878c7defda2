// The meter's event logs: seven circular logs of timestamped events (standard, power
// failure, disconnect, fraud, power quality, clock, firmware), one sequence counter shared by
// all seven, and the catalogue of event codes. Pure state and functions, like the rest of the
// meter core: nothing here reads a clock, touches a file or starts a thread. An EventLogs
// belongs to one meter and is used by that meter's actor alone (no locking).
//
// The issue asks for "every event with RTC time, time quality and a per-meter monotonic
// sequence number; alarms distinguished from events; an event raised in the core is what the
// gateway later publishes". So:
//   - the core calls Raise(); the record lands in the log LogOf(code) names;
//   - the sequence number (1, 2, ...) runs across all seven logs, so a reader sees a gap when
//     a log wrapped before it was read, and RaisedAfter(n) is what the actor publishes next;
//   - IsAlarm(code) marks what a real meter pushes at once (datasheet "Tamper proof": "Alarms
//     can be automatically transferred via the communication infrastructure"); every other
//     event waits for the next scheduled push.
//
// Event codes are the DLMS UA IDIS package 2 numbers where IDIS has one (IDIS event code
// objects 0.0.96.11.x.255 feeding the event logs 0.0.99.98.x.255, cosem-object-model.md).
// The numbers were checked against third-party IDIS readers, not against the IDIS
// specification itself (docs/events.md, "Sources"). Events IDIS does not number get vmuc codes
// from 1001 up: outside the 8-bit IDIS range, so they can never collide with an IDIS code.
//
// A record's byte image is kEventRecordBytes = 22 bytes, big-endian (common/bytes.h):
//   capture time  12  COSEM date-time (IEC 62056-6-2 4.1.6.1) in the meter's convention
//                     (UTC fields, hundredths and deviation not specified, so whole
//                     seconds) with the time quality in the clock-status byte: bit 0 invalid
//                     value, bit 1 doubtful value, bit 7 daylight saving active
//   event code     2  the EventCode number
//   sequence       4  the meter's event sequence number, 1 for its first event
//   value          4  per code (kEventCatalogue, docs/events.md): the outage's duration in
//                     seconds, the phase (1..3), the clock's step in seconds (two's
//                     complement), a power in W, a counter, or 0
// Each log is a LogImage (log_image.h) of such records; the meter host persists its pages.
#ifndef VMUC_METERS_LOGGERS_EVENT_LOG_H_
#define VMUC_METERS_LOGGERS_EVENT_LOG_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "common/time.h"
#include "meters/loggers/log_image.h"

namespace vmuc::meters {

// The seven logs. IDIS has the first five (standard 0.0.99.98.0.255, fraud .1, disconnect
// control .2, power quality .4, power failure 1.0.99.97.0.255); the issue adds a clock log
// and a firmware log, which IDIS keeps in its standard log.
enum class EventLogKind : uint8_t {
  kStandard,
  kPowerFailure,
  kDisconnect,
  kFraud,
  kPowerQuality,
  kClock,
  kFirmware,
};
inline constexpr size_t kEventLogCount = 7;
inline constexpr std::array<EventLogKind, kEventLogCount> kEventLogKinds = {
    EventLogKind::kStandard, EventLogKind::kPowerFailure, EventLogKind::kDisconnect,
    EventLogKind::kFraud,    EventLogKind::kPowerQuality, EventLogKind::kClock,
    EventLogKind::kFirmware,
};

// Entries per log. The datasheet gives no event-log depth, so these are choices
// (docs/events.md, "Depths"): 100 per log, as IDIS meters commonly keep, and 10 firmware
// events, since a meter sees a handful of firmware updates in its life.
inline constexpr uint32_t kEventLogDepth = 100;
inline constexpr uint32_t kFirmwareEventLogDepth = 10;
using EventLogDepths = std::array<uint32_t, kEventLogCount>;  // indexed by EventLogKind
inline constexpr EventLogDepths kDefaultEventLogDepths = {
    kEventLogDepth, kEventLogDepth, kEventLogDepth,         kEventLogDepth,
    kEventLogDepth, kEventLogDepth, kFirmwareEventLogDepth,
};

inline constexpr uint32_t kEventRecordBytes = 22;

// The catalogue; docs/events.md has the table. Numbers below 256 are IDIS's.
enum class EventCode : uint16_t {
  // Standard log.
  kPowerDown = 1,
  kPowerUp = 2,
  kBillingPeriodReset = 1002,  // vmuc: value = the debiting stop counter after the reset
  // Power failure log. IDIS logs (end time, duration) without a code; vmuc gives it one.
  kLongPowerFailure = 1001,  // at = the end; value = the duration in seconds
  // Disconnect log (IDIS disconnect control log). IDIS "manual" is the push button, "local"
  // the meter's own decision (Smart Disconnect, prepayment, loss of neutral), which the
  // datasheet calls automatic.
  kReadyForManualConnection = 59,
  kManualDisconnect = 60,
  kManualConnect = 61,
  kRemoteDisconnect = 62,
  kRemoteConnect = 63,
  kAutomaticDisconnect = 64,     // value = a DisconnectCause
  kPowerThresholdExceeded = 65,  // IDIS "limiter threshold exceeded"; value = the power, W
  kPowerThresholdOk = 66,        // IDIS "limiter threshold ok"; value = the power, W
  kDisconnectFailure = 68,       // IDIS "disconnect/reconnect failure"
  kAutomaticConnect = 69,        // IDIS "local reconnection"; value = a DisconnectCause
  // Fraud log (IDIS fraud detection log).
  kTerminalCoverOpened = 40,
  kTerminalCoverClosed = 41,
  kMagneticFieldDetected = 42,  // IDIS "strong DC field detected"
  kMagneticFieldGone = 43,      // IDIS "no strong DC field anymore"
  // Power quality log; value = the phase, 1..3.
  kVoltageSagL1 = 76,  // IDIS "undervoltage L1"
  kVoltageSagL2 = 77,
  kVoltageSagL3 = 78,
  kVoltageSwellL1 = 79,  // IDIS "overvoltage L1"
  kVoltageSwellL2 = 80,
  kVoltageSwellL3 = 81,
  kVoltageMissingL1 = 82,
  kVoltageMissingL2 = 83,
  kVoltageMissingL3 = 84,
  kVoltageNormalL1 = 85,
  kVoltageNormalL2 = 86,
  kVoltageNormalL3 = 87,
  kNeutralLost = 89,            // IDIS "missing neutral"; value = 0
  kVoltageThdOverLimit = 1003,  // vmuc
  kVoltageThdNormal = 1004,     // vmuc
  // Clock log.
  kDaylightSavingSwitch = 3,  // value = 1 summer time began, 0 it ended
  kClockAdjustedOldTime = 4,  // at = the time before the step; value = ClockStepValue()
  kClockAdjustedNewTime = 5,  // at = the time after the step; value = ClockStepValue()
  kClockInvalid = 6,
  // Firmware log.
  kFirmwareReadyForActivation = 17,
  kFirmwareActivated = 18,
  kFirmwareVerificationFailed = 51,
};

// Why the meter disconnected or connected by itself (value of kAutomaticDisconnect and
// kAutomaticConnect; datasheet "Disconnection" and the loss-of-neutral paragraph).
enum class DisconnectCause : uint32_t {
  kPowerThreshold = 1,  // Smart Disconnect
  kPrepayment = 2,
  kNeutralLost = 3,
};

struct EventInfo {
  EventCode code;
  EventLogKind log;
  bool alarm;
  std::string_view name;  // snake_case; stable: the MQTT and gRPC event name
};

// Every code, in log order. Codes and names are unique (checked at compile time in
// event_log.cc). Alarms: tampering begins, the neutral is lost, the clock is invalid,
// firmware fails verification, a switching fails (docs/events.md, "Alarms").
inline constexpr std::array kEventCatalogue = {
    EventInfo{EventCode::kPowerDown, EventLogKind::kStandard, false, "power_down"},
    EventInfo{EventCode::kPowerUp, EventLogKind::kStandard, false, "power_up"},
    EventInfo{EventCode::kBillingPeriodReset, EventLogKind::kStandard, false,
              "billing_period_reset"},
    EventInfo{EventCode::kLongPowerFailure, EventLogKind::kPowerFailure, false,
              "long_power_failure"},
    EventInfo{EventCode::kReadyForManualConnection, EventLogKind::kDisconnect, false,
              "ready_for_manual_connection"},
    EventInfo{EventCode::kManualDisconnect, EventLogKind::kDisconnect, false, "manual_disconnect"},
    EventInfo{EventCode::kManualConnect, EventLogKind::kDisconnect, false, "manual_connect"},
    EventInfo{EventCode::kRemoteDisconnect, EventLogKind::kDisconnect, false, "remote_disconnect"},
    EventInfo{EventCode::kRemoteConnect, EventLogKind::kDisconnect, false, "remote_connect"},
    EventInfo{EventCode::kAutomaticDisconnect, EventLogKind::kDisconnect, false,
              "automatic_disconnect"},
    EventInfo{EventCode::kAutomaticConnect, EventLogKind::kDisconnect, false, "automatic_connect"},
    EventInfo{EventCode::kPowerThresholdExceeded, EventLogKind::kDisconnect, false,
              "power_threshold_exceeded"},
    EventInfo{EventCode::kPowerThresholdOk, EventLogKind::kDisconnect, false, "power_threshold_ok"},
    EventInfo{EventCode::kDisconnectFailure, EventLogKind::kDisconnect, true, "disconnect_failure"},
    EventInfo{EventCode::kTerminalCoverOpened, EventLogKind::kFraud, true, "terminal_cover_opened"},
    EventInfo{EventCode::kTerminalCoverClosed, EventLogKind::kFraud, false,
              "terminal_cover_closed"},
    EventInfo{EventCode::kMagneticFieldDetected, EventLogKind::kFraud, true,
              "magnetic_field_detected"},
    EventInfo{EventCode::kMagneticFieldGone, EventLogKind::kFraud, false, "magnetic_field_gone"},
    EventInfo{EventCode::kVoltageSagL1, EventLogKind::kPowerQuality, false, "voltage_sag_l1"},
    EventInfo{EventCode::kVoltageSagL2, EventLogKind::kPowerQuality, false, "voltage_sag_l2"},
    EventInfo{EventCode::kVoltageSagL3, EventLogKind::kPowerQuality, false, "voltage_sag_l3"},
    EventInfo{EventCode::kVoltageSwellL1, EventLogKind::kPowerQuality, false, "voltage_swell_l1"},
    EventInfo{EventCode::kVoltageSwellL2, EventLogKind::kPowerQuality, false, "voltage_swell_l2"},
    EventInfo{EventCode::kVoltageSwellL3, EventLogKind::kPowerQuality, false, "voltage_swell_l3"},
    EventInfo{EventCode::kVoltageMissingL1, EventLogKind::kPowerQuality, false,
              "voltage_missing_l1"},
    EventInfo{EventCode::kVoltageMissingL2, EventLogKind::kPowerQuality, false,
              "voltage_missing_l2"},
    EventInfo{EventCode::kVoltageMissingL3, EventLogKind::kPowerQuality, false,
              "voltage_missing_l3"},
    EventInfo{EventCode::kVoltageNormalL1, EventLogKind::kPowerQuality, false, "voltage_normal_l1"},
    EventInfo{EventCode::kVoltageNormalL2, EventLogKind::kPowerQuality, false, "voltage_normal_l2"},
    EventInfo{EventCode::kVoltageNormalL3, EventLogKind::kPowerQuality, false, "voltage_normal_l3"},
    EventInfo{EventCode::kNeutralLost, EventLogKind::kPowerQuality, true, "neutral_lost"},
    EventInfo{EventCode::kVoltageThdOverLimit, EventLogKind::kPowerQuality, false,
              "voltage_thd_over_limit"},
    EventInfo{EventCode::kVoltageThdNormal, EventLogKind::kPowerQuality, false,
              "voltage_thd_normal"},
    EventInfo{EventCode::kDaylightSavingSwitch, EventLogKind::kClock, false,
              "daylight_saving_switch"},
    EventInfo{EventCode::kClockAdjustedOldTime, EventLogKind::kClock, false,
              "clock_adjusted_old_time"},
    EventInfo{EventCode::kClockAdjustedNewTime, EventLogKind::kClock, false,
              "clock_adjusted_new_time"},
    EventInfo{EventCode::kClockInvalid, EventLogKind::kClock, true, "clock_invalid"},
    EventInfo{EventCode::kFirmwareReadyForActivation, EventLogKind::kFirmware, false,
              "firmware_ready_for_activation"},
    EventInfo{EventCode::kFirmwareActivated, EventLogKind::kFirmware, false, "firmware_activated"},
    EventInfo{EventCode::kFirmwareVerificationFailed, EventLogKind::kFirmware, true,
              "firmware_verification_failed"},
};

// The catalogue entry of `code`; nullptr for a number outside the catalogue.
constexpr const EventInfo* FindEvent(EventCode code) {
  for (const EventInfo& info : kEventCatalogue) {
    if (info.code == code) return &info;
  }
  return nullptr;
}
// A code from its number or its name; nullopt when the catalogue has none.
std::optional<EventCode> EventCodeFromNumber(uint16_t number);
std::optional<EventCode> EventCodeFromName(std::string_view name);

// Lookups of a catalogued code; a number outside the catalogue is a programming error (abort).
[[noreturn]] void DieOnUncataloguedEvent(EventCode code);
constexpr const EventInfo& InfoOf(EventCode code) {
  // A loop of its own rather than FindEvent: GCC's UBSan instrumentation makes a pointer
  // compared with nullptr non-constant, and these lookups must stay usable in static_assert.
  for (const EventInfo& info : kEventCatalogue) {
    if (info.code == code) return info;
  }
  DieOnUncataloguedEvent(code);
}
constexpr EventLogKind LogOf(EventCode code) { return InfoOf(code).log; }
constexpr bool IsAlarm(EventCode code) { return InfoOf(code).alarm; }
constexpr std::string_view NameOf(EventCode code) { return InfoOf(code).name; }
// "standard", "power_failure", "disconnect", "fraud", "power_quality", "clock", "firmware".
constexpr std::string_view NameOf(EventLogKind kind) {
  switch (kind) {
    case EventLogKind::kStandard:
      return "standard";
    case EventLogKind::kPowerFailure:
      return "power_failure";
    case EventLogKind::kDisconnect:
      return "disconnect";
    case EventLogKind::kFraud:
      return "fraud";
    case EventLogKind::kPowerQuality:
      return "power_quality";
    case EventLogKind::kClock:
      return "clock";
    case EventLogKind::kFirmware:
      return "firmware";
  }
  return "unknown";
}

// The RTC's quality when the event was captured (datasheet "RTC w/Quality info"), carried
// in the date-time's clock-status byte (IEC 62056-6-2 4.1.6.1).
enum class ClockQuality : uint8_t { kValid, kDoubtful, kInvalid };
struct TimeQuality {
  ClockQuality clock = ClockQuality::kValid;
  bool daylight_saving = false;  // summer time was in force (status bit 7)
  friend bool operator==(const TimeQuality&, const TimeQuality&) = default;
};

struct EventRecord {
  TimePoint at;  // the RTC, whole seconds (the date-time's hundredths are not specified)
  TimeQuality quality;
  EventCode code = EventCode::kPowerDown;
  uint32_t sequence = 0;  // 1 for the meter's first event
  uint32_t value = 0;     // per code, see EventCode
  friend bool operator==(const EventRecord&, const EventRecord&) = default;
};

// Value helpers. A clock step (new - old) in whole seconds, two's complement in the value.
constexpr uint32_t ClockStepValue(int32_t seconds) { return static_cast<uint32_t>(seconds); }
constexpr int32_t ClockStepSeconds(uint32_t value) { return static_cast<int32_t>(value); }
// When the outage of a kLongPowerFailure record began (at - duration); nullopt for others.
std::optional<TimePoint> PowerFailureStart(const EventRecord& record);

// The 22-byte image of a record (a code outside the catalogue is a programming error).
std::vector<uint8_t> EncodeEventRecord(const EventRecord& record);
// DataLoss naming the field for a wrong size, a bad date-time or clock status, or an event
// code outside the catalogue.
absl::StatusOr<EventRecord> DecodeEventRecord(std::span<const uint8_t> bytes);

// Which entries of one log a read-out selects: DLMS selective access on a profile generic
// (Blue Book class 7), by range on the capture-time column or by entry numbers from the
// oldest, 1-based; both apply when both are given. The shape of ProfileSelection
// (load_profile.h) without its columns: an event record has four fixed columns (time, code,
// sequence, value) and picking among them is the encoder's business.
struct EventSelection {
  std::optional<TimePoint> from;  // capture time >= from
  std::optional<TimePoint> to;    // capture time <= to
  uint32_t from_entry = 1;        // by entry: 1 = the oldest held
  uint32_t to_entry = 0;          // 0: to the newest
};

class EventLogs {
 public:
  // Each depth >= 1.
  explicit EventLogs(const EventLogDepths& depths = kDefaultEventLogDepths);

  // Records `code` at the RTC reading `at` in the log LogOf(code), with the next sequence
  // number; the log's oldest record falls out beyond its depth. Returns the record as
  // stored (its time cut to the second).
  EventRecord Raise(TimePoint at, TimeQuality quality, EventCode code, uint32_t value = 0);

  // The sequence number of the latest event; 0 before the first.
  uint32_t last_sequence() const { return last_sequence_; }

  // The held records of one log, oldest first.
  std::vector<EventRecord> Entries(EventLogKind kind) const;
  uint32_t entries_in_use(EventLogKind kind) const { return image(kind).entries_in_use(); }
  uint32_t capacity(EventLogKind kind) const { return image(kind).capacity(); }

  // The selected records of one log, oldest first. InvalidArgument naming the log for a
  // reversed time range or an empty entry range.
  absl::StatusOr<std::vector<EventRecord>> Select(EventLogKind kind,
                                                  const EventSelection& selection) const;

  // Every held record with a sequence number above `sequence`, in sequence order across
  // the logs: what the meter publishes next when it has published up to `sequence`. A gap
  // in the numbers means events were overwritten before they were published.
  std::vector<EventRecord> RaisedAfter(uint32_t sequence) const;

  // Persistence. The images' pages go to the store (image / mutable_image, log_image.h);
  // Save and Restore carry the rest: the sequence counter and each log's depth and cursor.
  // Restore gives DataLoss, naming what is wrong, for truncated state, a depth other than
  // this meter's, or cursors that do not add up to the sequence counter; it changes nothing
  // then. After the pages are restored, CheckImage() says whether every record decodes.
  const LogImage& image(EventLogKind kind) const;
  LogImage& mutable_image(EventLogKind kind);
  void Save(ByteWriter& out) const;
  absl::Status Restore(ByteReader& in);
  // DataLoss naming the log and the entry (1 = the oldest) of the first record that does not
  // decode, is filed in the wrong log, or breaks the sequence order. Entries, Select and
  // RaisedAfter take a checked image for granted (an undecodable record aborts).
  absl::Status CheckImage() const;

  // Same records, cursors and sequence counter.
  friend bool operator==(const EventLogs&, const EventLogs&) = default;

 private:
  EventRecord Decoded(EventLogKind kind, uint32_t index) const;

  std::vector<LogImage> images_;  // kEventLogCount, indexed by EventLogKind
  uint32_t last_sequence_ = 0;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_LOGGERS_EVENT_LOG_H_
