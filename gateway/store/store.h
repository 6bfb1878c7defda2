// Store: the gateway's SQLite database (design.md, "Nothing lost").
//
// One file in WAL mode; schema versions migrate forward through PRAGMA user_version;
// statements are prepared once. A Store is one connection and serialises its own calls
// with a mutex, so it may be shared by threads; the gateway opens one for the collector
// (writes, batched into one transaction per batch of frames) and one for the gRPC API
// (reads), which WAL lets run side by side.
#ifndef VMUC_GATEWAY_STORE_STORE_H_
#define VMUC_GATEWAY_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "common/sqlite.h"
#include "common/time.h"

namespace vmuc::gateway {

struct MeterRecord {
  std::string meter_id;
  uint32_t node_address = 0;
  TimePoint first_seen{};
  TimePoint last_seen{};
  uint64_t frames_received = 0;
};

struct RegisterRecord {
  std::string obis;
  int64_t value = 0;
  int32_t scaler = 0;
  uint32_t unit = 0;
  TimePoint captured_at{};
};

// A gateway event as stored: the serialized vmuc.v1.Event without its sequence.
struct EventRecord {
  uint64_t sequence = 0;
  std::string event_bytes;
};

// One decoded push, ready to store.
struct ReadingBatch {
  std::string meter_id;
  uint32_t node_address = 0;
  TimePoint received_at{};  // gateway clock
  std::vector<RegisterRecord> registers;
};

// One load-profile entry as stored (meters/cosem/profile_push.h): its capture time,
// AMR status and channel values, with the OBIS code of each channel in column order.
struct ProfileRecord {
  TimePoint captured_at{};
  uint32_t status = 0;
  std::vector<std::string> channels;
  std::vector<uint32_t> values;
  bool read_back = false;  // filled in by a read-out (gap filling), not pushed
  friend bool operator==(const ProfileRecord&, const ProfileRecord&) = default;
};

struct ProfileBatch {
  std::string meter_id;
  uint32_t period_s = 0;  // the profile's capture period
  std::vector<ProfileRecord> rows;
};

// The span strictly between two stored entries more than a period apart, [from, to] in
// whole seconds, and how many capture slots of the period's grid fall in it.
// How long and how much the store keeps (Store::Prune).
struct RetentionPolicy {
  // Readings, load-profile entries, billing values and meter events captured longer ago go.
  std::chrono::seconds max_age = std::chrono::days(400);
  // The database's pages in use, at most; 0: no bound. Over it, the oldest days go first.
  uint64_t max_bytes = 0;
  // Events kept at most (the MQTT outbox's queue and StreamEvents' history); 0: no bound.
  uint64_t max_events = 0;
};

struct ProfileGap {
  TimePoint from{};
  TimePoint to{};
  uint32_t missing = 0;
  friend bool operator==(const ProfileGap&, const ProfileGap&) = default;
};

// One value of a debiting (billing) period as the meter's billing logger (0.0.98.1.0.255)
// stored it: a register's raw integer with its scaler and unit (IEC 62056-6-2 class 3).
struct BillingValueRecord {
  std::string obis;
  int64_t value = 0;
  int32_t scaler = 0;
  uint32_t unit = 0;  // dlms::Unit
  // A maximum's own capture time (class 4 attribute 5); nullopt for other registers and
  // for a maximum the period never reached (the meter's "not specified" date-time).
  std::optional<TimePoint> value_at;
  friend bool operator==(const BillingValueRecord&, const BillingValueRecord&) = default;
};

// One debiting period end: its capture time (meter time, whole seconds) and its values in
// the logger's column order.
struct BillingPeriodRecord {
  TimePoint captured_at{};
  std::vector<BillingValueRecord> values;
  friend bool operator==(const BillingPeriodRecord&, const BillingPeriodRecord&) = default;
};

struct BillingBatch {
  std::string meter_id;
  std::vector<BillingPeriodRecord> periods;
};

// One entry of a meter's event log (IDIS event logs 0.0.99.98.x.255 and the power failure
// log 1.0.99.97.0.255; docs/events.md).
struct MeterEventRecord {
  std::string log;  // meters::NameOf(EventLogKind): "standard", "fraud", "power_failure" ...
  TimePoint captured_at{};  // meter time, whole seconds
  uint32_t code = 0;        // the event code; the power failure log's entries: 1001
  int64_t value = 0;        // the power failure log: the failure's duration in s; else 0
  friend bool operator==(const MeterEventRecord&, const MeterEventRecord&) = default;
};

struct MeterEventBatch {
  std::string meter_id;
  std::vector<MeterEventRecord> events;
};

class Store {
 public:
  // Opens (creating if needed) and migrates the database at `path`.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Result of storing one reading batch: what was new.
  struct Stored {
    bool meter_discovered = false;
    std::vector<RegisterRecord> new_registers;  // duplicates (same capture time) left out
  };

  // Stores the batches and the events `make_events` derives from what was new, all in one
  // transaction: either everything lands or nothing does. `make_events` gets each
  // batch's Stored and returns event payloads to append; the sequences assigned are
  // returned in order.
  absl::StatusOr<std::vector<uint64_t>> StoreBatches(
      const std::vector<ReadingBatch>& batches,
      const std::function<std::vector<std::string>(const ReadingBatch&, const Stored&)>&
          make_events);

  // Stores load-profile entries in one transaction; an entry already stored (same meter
  // and capture time) is kept as it is. When `make_event` is set and some entries are new,
  // the event it makes of them is appended in the same transaction. Returns how many were
  // new.
  absl::StatusOr<size_t> StoreProfile(
      const ProfileBatch& batch,
      const std::function<std::string(const std::vector<ProfileRecord>&)>& make_event = {});
  // The holes in a meter's stored load profile, oldest first: where two consecutive
  // entries lie more than their period apart.
  absl::StatusOr<std::vector<ProfileGap>> ProfileGaps(const std::string& meter_id);
  // The entries captured in [from, to], oldest first, at most `limit`.
  absl::StatusOr<std::vector<ProfileRecord>> ReadProfile(const std::string& meter_id,
                                                         TimePoint from, TimePoint to, int limit);

  // Billing periods and meter events (the scheduled reads, gateway/collector/
  // scheduled_reads.h). Each Store* call is one transaction: a value or an entry already
  // stored (same key) is kept as it is, and `make_event`, when set, is called for each
  // period with new values (those values alone) or each new entry, its event appended in
  // the same transaction. They return how many periods / entries were new.
  absl::StatusOr<size_t> StoreBillingPeriods(
      const BillingBatch& batch,
      const std::function<std::string(const BillingPeriodRecord&)>& make_event = {});
  absl::StatusOr<size_t> StoreMeterEvents(
      const MeterEventBatch& batch,
      const std::function<std::string(const MeterEventRecord&)>& make_event = {});
  // The capture time of the newest stored billing period of the meter; nullopt: none.
  absl::StatusOr<std::optional<TimePoint>> NewestBillingPeriod(const std::string& meter_id);
  // The capture time of the newest stored entry of the meter's event log `log`.
  absl::StatusOr<std::optional<TimePoint>> NewestMeterEvent(const std::string& meter_id,
                                                            const std::string& log);
  // The periods captured in [from, to] (whole seconds), oldest first, at most `limit`
  // periods, each with its values in column order.
  absl::StatusOr<std::vector<BillingPeriodRecord>> ReadBillingPeriods(const std::string& meter_id,
                                                                      TimePoint from, TimePoint to,
                                                                      int limit);
  // The meter's event-log entries captured in [from, to], by capture time, then log and
  // code; at most `limit`.
  absl::StatusOr<std::vector<MeterEventRecord>> ReadMeterEvents(const std::string& meter_id,
                                                                TimePoint from, TimePoint to,
                                                                int limit);

  absl::StatusOr<std::vector<MeterRecord>> ListMeters(const std::string& after_meter_id, int limit);
  absl::StatusOr<std::optional<MeterRecord>> GetMeter(const std::string& meter_id);
  // Latest value of each register of the meter; `obis` empty: all registers.
  absl::StatusOr<std::vector<RegisterRecord>> LatestRegisters(const std::string& meter_id,
                                                              const std::vector<std::string>& obis);
  absl::StatusOr<std::vector<EventRecord>> EventsAfter(uint64_t after_sequence, int limit);
  absl::StatusOr<uint64_t> LastEventSequence();

  // The MQTT outbox (gateway/mqtt/outbox_publisher.h): per MQTT profile, the event sequence
  // up to which the broker has acknowledged everything (0: nothing yet). The cursor only
  // moves forward.
  // nullopt: the profile has no cursor yet.
  absl::StatusOr<std::optional<uint64_t>> OutboxAcked(const std::string& profile);
  absl::Status SetOutboxAcked(const std::string& profile, uint64_t sequence);

  // Retention: deletes what `policy` no longer keeps, as of `now`. Events after
  // `keep_events_after` (what the MQTT outbox has not delivered yet) are kept whatever the
  // policy. Meters are kept.
  struct PruneResult {
    uint64_t rows_deleted = 0;
    uint64_t events_deleted = 0;
    TimePoint cutoff{};         // data captured before it is gone
    uint64_t bytes_in_use = 0;  // afterwards
  };
  absl::StatusOr<PruneResult> Prune(const RetentionPolicy& policy, TimePoint now,
                                    uint64_t keep_events_after);

  // Small named counters that outlive the process (the Sparkplug bdSeq).
  absl::StatusOr<int64_t> StateValue(const std::string& key, int64_t if_absent);
  absl::Status SetStateValue(const std::string& key, int64_t value);

 private:
  explicit Store(SqliteDb db);
  absl::Status Prepare() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::Status Error(const char* what) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::StatusOr<uint64_t> DeleteBefore(int64_t cutoff_s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::StatusOr<uint64_t> DeleteEventsUpTo(uint64_t sequence)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::StatusOr<uint64_t> BytesInUse() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Appends one event; returns its sequence.
  absl::StatusOr<uint64_t> InsertEvent(const std::string& event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when it fails.
  absl::Status InTransaction(const std::function<absl::Status()>& body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  std::mutex mutex_;
  SqliteDb db_ ABSL_GUARDED_BY(mutex_);
  struct Statements;
  std::unique_ptr<Statements> statements_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_STORE_STORE_H_
