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
struct ProfileGap {
  TimePoint from{};
  TimePoint to{};
  uint32_t missing = 0;
  friend bool operator==(const ProfileGap&, const ProfileGap&) = default;
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
  absl::StatusOr<uint64_t> OutboxAcked(const std::string& profile);
  absl::Status SetOutboxAcked(const std::string& profile, uint64_t sequence);

  // Small named counters that outlive the process (the Sparkplug bdSeq).
  absl::StatusOr<int64_t> StateValue(const std::string& key, int64_t if_absent);
  absl::Status SetStateValue(const std::string& key, int64_t value);

 private:
  explicit Store(SqliteDb db);
  absl::Status Prepare() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::Status Error(const char* what) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Appends one event; returns its sequence.
  absl::StatusOr<uint64_t> InsertEvent(const std::string& event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  std::mutex mutex_;
  SqliteDb db_ ABSL_GUARDED_BY(mutex_);
  struct Statements;
  std::unique_ptr<Statements> statements_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_STORE_STORE_H_
