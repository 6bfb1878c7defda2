// ScheduledReads: the gateway's daily read-out of each meter's billing values and event
// logs, the "daily billing read" of a head-end (design.md, "Data flow").
//
// Pushes bring registers and load-profile entries; what a meter keeps in its other loggers
// the gateway has to ask for. Once a day per meter, at the read time of day on the gateway's
// clock (UTC) plus a fixed offset within the spread window drawn from a hash of the meter
// id (so a fleet's reads do not all start at once), it reads over DLMS, one after the other:
// the debiting (billing) logger 0.0.98.1.0.255 and the event logs kEventLogSources lists,
// each by range from just after its newest entry already stored to now. What is new is
// stored with one event per billing period and per event-log entry (vmuc.v1 BillingPeriod
// and MeterEvent), in the same transaction, so the MQTT outbox publishes them and gRPC event
// streams show them; then the EventHub is woken.
//
// At most max_in_flight meters are read at a time; the others wait their turn in due
// order. A read that fails (the meter out of reach, the store busy) ends the meter's turn;
// the logs it has not stored yet are read again retry_after later (until the next day's read
// takes over), each again from just after its newest stored entry, so nothing is lost and
// nothing is stored twice. A buffer that does not decode is logged and skipped until the
// next day (reading it again would give the same bytes).
//
// Meters are learned from the collector (OnMeterSeen, for each push stored); a meter's first
// read is its first slot after it was seen. Time comes from the Scheduler's clock, timers
// from the Scheduler: everything runs on the scheduler's (the collector loop's) thread,
// including the reader's answers. Counters may be read from any thread. Destroy it when no
// read is in flight, or once the loop that delivers the answers has stopped.
#ifndef VMUC_GATEWAY_COLLECTOR_SCHEDULED_READS_H_
#define VMUC_GATEWAY_COLLECTOR_SCHEDULED_READS_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/frame.h"
#include "common/scheduler.h"
#include "common/time.h"
#include "dlms/axdr.h"
#include "dlms/obis.h"
#include "dlms/units.h"
#include "gateway/api/event_hub.h"
#include "gateway/store/store.h"
#include "meters/loggers/event_log.h"

namespace vmuc::gateway {

// The debiting (billing) logger (cosem-object-model.md).
inline constexpr dlms::Obis kBillingLoggerObis(0, 0, 98, 1, 0, 255);

// An event log a scheduled read fetches: the profile generic holding it (clock, then the
// event code object, or for the power failure log the duration register 0.0.96.7.19.255).
struct EventLogSource {
  meters::EventLogKind kind;
  dlms::Obis profile;
};
// The meters' event logs (cosem-object-model.md; meters/cosem/meter_directory.cc
// kEventLogObjects): the IDIS standard, fraud, disconnect control and power quality logs,
// vmuc's clock and firmware logs, and the IDIS power failure log.
inline constexpr std::array<EventLogSource, meters::kEventLogCount> kEventLogSources = {{
    {meters::EventLogKind::kStandard, dlms::Obis(0, 0, 99, 98, 0, 255)},
    {meters::EventLogKind::kFraud, dlms::Obis(0, 0, 99, 98, 1, 255)},
    {meters::EventLogKind::kDisconnect, dlms::Obis(0, 0, 99, 98, 2, 255)},
    {meters::EventLogKind::kPowerQuality, dlms::Obis(0, 0, 99, 98, 4, 255)},
    {meters::EventLogKind::kClock, dlms::Obis(0, 0, 99, 98, 7, 255)},
    {meters::EventLogKind::kFirmware, dlms::Obis(0, 0, 99, 98, 8, 255)},
    {meters::EventLogKind::kPowerFailure, dlms::Obis(1, 0, 99, 97, 0, 255)},
}};

// One column of the billing logger's buffer after its clock: the capture object (class 7
// attribute 3 element) and the scaler and unit of its register (attribute 3 of class 3/4).
// A maximum takes two columns: its value (attribute 2) and its capture time (attribute 5).
struct BillingColumn {
  dlms::Obis obis;
  uint16_t class_id = 0;
  int8_t attribute = 0;
  int8_t scaler = 0;
  dlms::Unit unit = dlms::Unit::kNone;
};
// The datasheet's billing value set ("Permanent memory", lines 127-140) as the meter's
// logger captures it (meters/cosem/meter_directory.cc BillingCaptureObjects): the debiting
// stop counter 0.0.0.1.0.255, the energy totals 1.1.{1..10}.8.0.255, A+ and R+ per tariff
// 1.1.{1,3}.8.{1..4}.255, the eight maxima 1.1.x.6.y.255 (value, time) and the accumulated
// maxima 1.1.{1,3}.2.x.255. Energy in Wh/varh/VAh, power in W/var/VA, all scaler 0.
std::span<const BillingColumn> BillingColumns();

// The rows of the billing logger's buffer (attribute 2, every column): structures of the
// clock (date-time) and the BillingColumns(), registers double-long-unsigned, maxima's
// times date-time or "not specified". One record per row, its values in column order (a
// maximum's time joined to its value). Errors name the row and the column (index and OBIS).
absl::StatusOr<std::vector<BillingPeriodRecord>> DecodeBillingRows(const dlms::DataValue& buffer);

// The rows of an event log's buffer: structures of the clock and the event code
// (long-unsigned); the power failure log's, of the clock and the failure's duration in
// seconds (double-long-unsigned), recorded with code 1001 (meters::EventCode::
// kLongPowerFailure: IDIS gives that log no code). Errors name the log, row and column.
absl::StatusOr<std::vector<MeterEventRecord>> DecodeEventLogRows(const dlms::DataValue& buffer,
                                                                 meters::EventLogKind log);

// Reads a profile generic's buffer by range over DLMS. The gateway backs it with its
// DlmsReader (ReadProfile), tests with a meter's MeterDirectory. `done` is called exactly
// once, on the scheduler's thread (the implementation posts it there), never from inside
// ReadBuffer.
class ProfileBufferReader {
 public:
  using Done = std::function<void(absl::StatusOr<dlms::DataValue>)>;
  virtual ~ProfileBufferReader() = default;
  // Attribute 2 of profile generic `profile` (class 7) restricted to the entries captured
  // in [from, to] (selective access by range, IEC 62056-6-2 4.3.6 selector 1), every column.
  virtual void ReadBuffer(NodeAddress node, const std::string& meter_id, const dlms::Obis& profile,
                          TimePoint from, TimePoint to, Done done) = 0;
};

struct ScheduledReadsOptions {
  // When a day's reads begin, after midnight UTC on the gateway's clock: past the meters'
  // debiting period ends, which fall at 00:00 local time (meters/loggers/billing_schedule.h).
  std::chrono::seconds read_time_of_day = std::chrono::minutes(30);
  // Each meter reads at read_time_of_day plus an offset in [0, spread), fixed per meter (a
  // hash of its id), so thousands of meters do not read at once. 0: every meter at once.
  std::chrono::seconds spread = std::chrono::hours(2);
  // Meters being read at the same time, at most; >= 1.
  size_t max_in_flight = 4;
  // After a failed read, the logs not stored yet are read again this much later.
  std::chrono::seconds retry_after = std::chrono::hours(1);
  // The start of a log's first read, when nothing of it is stored yet: 2000-01-01T00:00:00Z,
  // before any meter's clock (a meter refuses times before 2000).
  TimePoint first_read_from = FromUnixSeconds(946'684'800);
  // Entries older than this are never read: the store's retention ([gateway]
  // retention_days) would delete them within the hour, and the next day's read, finding the
  // log empty, would bring them back and publish them again.
  std::chrono::seconds max_age = std::chrono::days(400);
};

class ScheduledReads {
 public:
  // `scheduler` (its clock is the gateway's), `store`, `hub` and `reader` must outlive it.
  ScheduledReads(ScheduledReadsOptions options, Scheduler& scheduler, Store& store, EventHub& hub,
                 ProfileBufferReader& reader);
  ~ScheduledReads();
  ScheduledReads(const ScheduledReads&) = delete;
  ScheduledReads& operator=(const ScheduledReads&) = delete;

  // The collector stored a push from `meter_id` at `node`: a new meter gets its daily slot;
  // a known one keeps it (its node is updated for the reads to come).
  void OnMeterSeen(const std::string& meter_id, NodeAddress node);

  // The meter's offset within the spread window (whole seconds, in [0, spread)).
  std::chrono::seconds SpreadOffset(std::string_view meter_id) const;
  // The meter's first daily slot at or after `t`.
  TimePoint NextSlot(std::string_view meter_id, TimePoint t) const;
  // When the meter is read next (its daily slot or a retry); nullopt for a meter never seen.
  std::optional<TimePoint> NextReadOf(const std::string& meter_id) const;

  uint64_t reads_started() const { return reads_started_; }        // meters' turns begun
  uint64_t reads_completed() const { return reads_completed_; }    // every log stored
  uint64_t reads_failed() const { return reads_failed_; }          // turns ended by a failure
  uint64_t buffers_rejected() const { return buffers_rejected_; }  // did not decode
  uint64_t billing_periods_stored() const { return billing_periods_stored_; }
  uint64_t meter_events_stored() const { return meter_events_stored_; }

 private:
  struct MeterState {
    NodeAddress node = 0;
    TimePoint next_slot{};              // the next daily read
    std::optional<TimePoint> retry_at;  // a retry before it
    // The logs of the day's read not stored yet: 0 the billing logger, 1 + i
    // kEventLogSources[i].
    std::vector<size_t> pending;
    bool waiting = false;  // in ready_
    bool reading = false;  // its turn is under way
    TimePoint due() const { return retry_at ? std::min(*retry_at, next_slot) : next_slot; }
  };

  void Arm();
  void OnTimer();
  // Gives waiting meters their turns while fewer than max_in_flight are under way.
  void StartTurns();
  // Asks for the meter's next pending log, or ends its turn when none is left.
  void ReadNext(const std::string& meter_id);
  void OnBuffer(const std::string& meter_id, size_t log, absl::StatusOr<dlms::DataValue> buffer);
  // Store the decoded rows with their events; the count of new periods / entries.
  absl::StatusOr<size_t> StoreBilling(const std::string& meter_id,
                                      std::vector<BillingPeriodRecord> periods);
  absl::StatusOr<size_t> StoreEvents(const std::string& meter_id,
                                     std::vector<MeterEventRecord> entries);
  void EndTurn(const std::string& meter_id, bool failed);

  const ScheduledReadsOptions options_;
  Scheduler& scheduler_;
  Store& store_;
  EventHub& hub_;
  ProfileBufferReader& reader_;

  std::map<std::string, MeterState> meters_;
  std::set<std::pair<TimePoint, std::string>> due_;  // (due, meter) of each meter
  std::deque<std::string> ready_;                    // due, waiting for a turn
  size_t in_flight_ = 0;
  std::optional<TimerId> timer_;
  TimePoint timer_at_{};

  std::atomic<uint64_t> reads_started_ = 0;
  std::atomic<uint64_t> reads_completed_ = 0;
  std::atomic<uint64_t> reads_failed_ = 0;
  std::atomic<uint64_t> buffers_rejected_ = 0;
  std::atomic<uint64_t> billing_periods_stored_ = 0;
  std::atomic<uint64_t> meter_events_stored_ = 0;
};

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_COLLECTOR_SCHEDULED_READS_H_
