// MeterStore: a meter host's permanent memory, one SQLite file (design.md, "Nothing lost").
//
// A meter's checkpoint is its state (registers, logger cursors ...: serialized by the
// meter, opaque bytes here) and the pages of its loggers' byte images written since its
// previous checkpoint (meters/loggers/log_image.h). The store keeps, per meter, the last
// state and the latest bytes of every page ever written; a restarted host loads them and
// replays from the checkpoint's time to the present. This layer knows bytes only: it does
// not depend on the meter code.
//
// Durability: a batch of checkpoints is one transaction, so a process killed at any instant
// (SIGKILL included) reopens with every meter at the checkpoint of the last committed batch,
// never a mix. With the default synchronous=NORMAL in WAL mode, power loss may also roll back
// the last batches, still atomically; that costs only a longer replay, since a replay
// reaches the same state (design.md, principle 3). MeterStoreOptions::sync_each_commit makes
// every commit survive power loss too, at one fsync per batch.
//
// Layout on disk (schema version 1, 2 KiB database pages): a row per meter (its state) and a
// row per log page written in place, one database page each, so the file is bounded by the
// images' size, not by the run's length: a full-depth load profile (294 pages of 2000 bytes)
// and a 1.5 KB state take about 608 KB.
//
// Threads: a MeterStore is one connection and is not thread-safe; give each shard thread its
// own (several may open the same file: writers then take turns, waiting up to
// busy_timeout_ms for each other) or serialize the calls.
#ifndef VMUC_METERS_STORE_METER_STORE_H_
#define VMUC_METERS_STORE_METER_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/sqlite.h"

namespace vmuc::meters {

// One page of one logger's byte image. `log` numbers the meter's loggers (the meter's own
// convention), `page` the page in that logger's image.
struct PageWrite {
  uint8_t log = 0;
  uint32_t page = 0;  // < kMaxStoredPage
  std::vector<uint8_t> bytes;
};

// Page numbers the store can key: 2^24 pages of 2000 bytes is 33 GB per logger.
inline constexpr uint32_t kMaxStoredPage = (1u << 24) - 1;
// A page of up to this many bytes takes exactly one 2 KiB database page; a longer one
// spills to an overflow page (stored all the same, at twice the space and writes).
inline constexpr uint32_t kMaxUnspilledPageBytes = 2009;

struct MeterCheckpoint {
  uint64_t meter = 0;            // the meter's key (its serial)
  int64_t at_unix_s = 0;         // the meter time the state belongs to
  std::vector<uint8_t> state;    // opaque
  std::vector<PageWrite> pages;  // pages written since the meter's previous checkpoint
  // The pages are the meter's whole image: its other stored pages are dropped (a meter
  // installed afresh, or reconfigured to smaller loggers).
  bool replace_all_pages = false;
};

struct StoredPage {
  uint8_t log = 0;
  uint32_t page = 0;
  std::vector<uint8_t> bytes;
  friend bool operator==(const StoredPage&, const StoredPage&) = default;
};

struct MeterStoreOptions {
  // synchronous=FULL: fsync the WAL at each commit, so a committed batch also survives
  // power loss. Off (synchronous=NORMAL): a committed batch survives a process crash, and
  // power loss can only roll back whole batches (see the file comment).
  bool sync_each_commit = false;
  // How long a write waits for another connection's transaction on the same file before
  // failing with Unavailable.
  int busy_timeout_ms = 30'000;
  // WAL size, in 2 KiB database pages, past which a commit also copies the WAL into the
  // file (a WAL checkpoint: two fsyncs). 16384 (32 MiB): see meter_store.cc.
  int wal_checkpoint_pages = 16'384;
};

class MeterStore {
 public:
  // Opens (creating if needed) the store at `path`, migrating its schema forward. Errors
  // name the path and what failed: FailedPrecondition for a schema newer than this build,
  // Internal for a file that is not a database.
  static absl::StatusOr<std::unique_ptr<MeterStore>> Open(const std::string& path,
                                                          const MeterStoreOptions& options = {});
  ~MeterStore();
  MeterStore(const MeterStore&) = delete;
  MeterStore& operator=(const MeterStore&) = delete;

  // Stores the batch in one transaction: every checkpoint lands or none does. A page number
  // above kMaxStoredPage is InvalidArgument, found before anything is written. A meter may
  // appear more than once: the later checkpoint wins (its pages over the earlier's).
  absl::Status Write(const std::vector<MeterCheckpoint>& batch);

  // A meter's last checkpoint, state and every stored page sorted by (log, page), read in
  // one snapshot (a concurrent writer's batch is seen whole or not at all); nullopt if the
  // meter was never stored.
  struct Loaded {
    int64_t at_unix_s = 0;
    std::vector<uint8_t> state;
    std::vector<StoredPage> pages;
  };
  absl::StatusOr<std::optional<Loaded>> Load(uint64_t meter);

  // A meter's DLMS security state (meters/cosem/meter_dlms.h), in a transaction of its
  // own, and its last stored value (nullopt: never stored).
  absl::Status WriteSecurityState(uint64_t meter, const std::vector<uint8_t>& state);
  absl::StatusOr<std::optional<std::vector<uint8_t>>> LoadSecurityState(uint64_t meter);

  // Every stored meter key, ascending.
  absl::StatusOr<std::vector<uint64_t>> Meters();

  // Size and rows, for checks, dumps and benchmarks. Counting rows scans the tables.
  struct Stats {
    uint64_t file_bytes = 0;  // page_count x page_size: the database as of the last commit
    uint64_t meters = 0;      // meter rows
    uint64_t pages = 0;       // log page rows
  };
  absl::StatusOr<Stats> Statistics();
  // page_count x page_size alone, without scanning.
  absl::StatusOr<uint64_t> FileBytes();

  const std::string& path() const { return db_.path(); }

 private:
  struct Statements;
  MeterStore(SqliteDb db, std::unique_ptr<Statements> statements);
  absl::Status WriteOne(const MeterCheckpoint& checkpoint);
  absl::StatusOr<std::optional<Loaded>> LoadInSnapshot(uint64_t meter);
  // Ends the current transaction (COMMIT if `status` is OK, else ROLLBACK) and returns the
  // first failure.
  absl::Status End(absl::Status status);

  SqliteDb db_;
  std::unique_ptr<Statements> statements_;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_STORE_METER_STORE_H_
