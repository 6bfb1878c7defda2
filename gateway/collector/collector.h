// Collector: the gateway's receiving side of the radio (design.md, "Data flow").
//
// Decodes each uplink frame's DLMS data-notification (a register push or a load-profile
// push), stores the readings and the events they cause in one SQLite transaction per batch, then
// wakes the event's readers: the gRPC event streams and the MQTT outbox
// (gateway/mqtt/outbox_publisher.h), which publishes every stored event. A frame that does not
// decode is logged with its source node and counted; it never stops the batch. Runs on the
// gateway's loop thread only.
#ifndef VMUC_GATEWAY_COLLECTOR_COLLECTOR_H_
#define VMUC_GATEWAY_COLLECTOR_COLLECTOR_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/frame.h"
#include "gateway/api/event_hub.h"
#include "gateway/store/store.h"
#include "meters/cosem/profile_push.h"

namespace vmuc::gateway {

struct CollectorOptions {
  // Entries read back per gap-filling read at most (a day of 15-minute entries): a long
  // outage is filled by several reads in a row, none of them unbounded.
  uint32_t max_entries_per_read = 96;
};

// Reads load-profile entries back from a meter (gap filling). The gateway backs it with its
// DLMS client over the mesh; `done` must be called on the collector's thread (the
// implementation posts it there), exactly once.
class ProfileReader {
 public:
  using Done = std::function<void(absl::StatusOr<std::vector<meters::ProfileRow>>)>;
  virtual ~ProfileReader() = default;
  // The entries captured in [from, to], every column (`channels` after clock and status).
  virtual void ReadProfile(NodeAddress node, const std::string& meter_id, TimePoint from,
                           TimePoint to, size_t channels, Done done) = 0;
};

class Collector {
 public:
  Collector(CollectorOptions options, Store& store, EventHub& hub, const Clock& clock)
      : options_(std::move(options)), store_(store), hub_(hub), clock_(clock) {}

  void OnFrames(const std::vector<Frame>& frames);

  // Gap filling (docs/radio_mesh.md, "Nothing missing after a heal"): after each load-profile
  // push the collector looks for holes in the meter's stored profile and reads the missing
  // entries back by range through `reader` (not owned; nullptr: no gap filling).
  void set_profile_reader(ProfileReader* reader) { profile_reader_ = reader; }

  // Called with the meter id and source node of every push stored (registers or load
  // profile), on the collector's thread: how the scheduled reads
  // (gateway/collector/scheduled_reads.h) learn the meters and where they are. Unset: none.
  using MeterSeen = std::function<void(const std::string& meter_id, NodeAddress node)>;
  void set_meter_seen(MeterSeen seen) { meter_seen_ = std::move(seen); }

  uint64_t frames_accepted() const { return frames_accepted_; }
  uint64_t frames_rejected() const { return frames_rejected_; }
  uint64_t profile_entries_pushed() const { return profile_entries_pushed_; }
  uint64_t profile_entries_read_back() const { return profile_entries_read_back_; }
  uint64_t profile_reads_failed() const { return profile_reads_failed_; }

 private:
  const CollectorOptions options_;
  Store& store_;
  EventHub& hub_;
  const Clock& clock_;
  // What gap filling needs of a meter, from its latest profile push.
  struct ProfileSource {
    NodeAddress node = 0;
    uint32_t period_s = 0;
    std::vector<std::string> channels;
    bool reading = false;  // a read is under way: one at a time per meter
    // The stored profile may have a hole to read: set by a push that does not follow the
    // last stored entry (or the first push since start), cleared when a search finds
    // nothing left to read. Spares the search on every contiguous push.
    bool may_have_gaps = true;
    int64_t last_captured_s = 0;  // the newest entry pushed
    // Spans a read-out showed the meter does not hold either (e.g. the supply was off, or
    // the entries were overwritten): never asked for again. First second -> last second.
    std::map<int64_t, int64_t> settled_s;
  };
  bool StoreProfilePush(const Frame& frame, const meters::ProfilePush& push);
  // Stores entries of a meter's profile with the event that reports the new ones.
  absl::StatusOr<size_t> StoreProfileRows(const std::string& meter_id, const ProfileSource& source,
                                          const std::vector<meters::ProfileRow>& rows,
                                          bool read_back);
  // The answer to a read the collector asked its reader for.
  void OnProfileRead(const std::string& meter_id, TimePoint from, TimePoint to,
                     absl::StatusOr<std::vector<meters::ProfileRow>> rows);
  void FillGaps(const std::string& meter_id);

  ProfileReader* profile_reader_ = nullptr;
  MeterSeen meter_seen_;
  std::map<std::string, ProfileSource> profile_sources_;
  // Written on the collector's thread, read by any (the API's status).
  std::atomic<uint64_t> frames_accepted_ = 0;
  std::atomic<uint64_t> frames_rejected_ = 0;
  std::atomic<uint64_t> profile_entries_pushed_ = 0;
  std::atomic<uint64_t> profile_entries_read_back_ = 0;
  std::atomic<uint64_t> profile_reads_failed_ = 0;
};

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_COLLECTOR_COLLECTOR_H_
