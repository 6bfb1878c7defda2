#include "meters/store/meter_store.h"

#include <algorithm>
#include <array>
#include <span>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace vmuc::meters {
namespace {

// Schema migrations, applied in order; the index + 1 is the user_version after each.
// Never edit a shipped migration: add a new one.
//
// Version 1. A log page row is keyed by one integer, slot << 32 | log << 24 | page, in a
// rowid table: a page write is then a single B-tree update in place, and a page of up to
// kMaxUnspilledPageBytes stays within one leaf cell. (A WITHOUT ROWID table or a composite
// key would cap a cell near a quarter page and spill every log page to an overflow page, and
// an index would double the B-trees touched per write; SQLite file format, "B-tree
// pages".) The slot is the meter row's rowid, small and dense; a meter's pages are
// contiguous keys, so loading it is one range scan. The state comes last in its row so the
// keys stay in the leaf when a large state spills.
//
// Version 2. A meter's DLMS security state (its invocation counters, docs/dlms.md), kept
// apart from the checkpoints: it is written when a session ends or a counter reservation
// runs out, not with the metrology, and never goes back with a restored checkpoint.
constexpr std::array<const char*, 2> kMigrations = {
    R"sql(
    CREATE TABLE meters (
      slot       INTEGER PRIMARY KEY,
      serial     INTEGER NOT NULL UNIQUE,
      at_unix_s  INTEGER NOT NULL,
      state      BLOB NOT NULL
    );
    CREATE TABLE log_pages (
      key        INTEGER PRIMARY KEY,
      bytes      BLOB NOT NULL
    );
    )sql",
    R"sql(
    CREATE TABLE dlms_security (
      serial     INTEGER PRIMARY KEY,
      state      BLOB NOT NULL
    );
    )sql",
};

constexpr int kDatabasePageBytes = 2048;
// kMaxUnspilledPageBytes: a table leaf cell keeps up to page size - 35 bytes of record
// (SQLite file format, "B-tree pages"); a log page's record is 4 bytes of header (the
// rowid column stored as NULL, the blob's type) and its bytes.
static_assert(kMaxUnspilledPageBytes == kDatabasePageBytes - 35 - 4);

// The page key's fields (see kMigrations): the slot must keep the key positive.
constexpr int kSlotShift = 32;
constexpr int kLogShift = 24;
constexpr int64_t kMaxSlot = (int64_t{1} << 31) - 1;

int64_t PageKey(int64_t slot, uint8_t log, uint32_t page) {
  return (slot << kSlotShift) | (int64_t{log} << kLogShift) | int64_t{page};
}
int64_t FirstKey(int64_t slot) { return slot << kSlotShift; }
int64_t LastKey(int64_t slot) { return (slot << kSlotShift) | 0xFFFF'FFFF; }

// Serials are uint64; SQLite integers are int64: the bits are stored as they are.
int64_t SerialKey(uint64_t serial) { return static_cast<int64_t>(serial); }

// The bytes must outlive the statement's step (SQLITE_STATIC: no copy). An empty vector
// may have no data pointer, which SQLite would bind as NULL: bind an empty blob instead.
void BindBlob(sqlite3_stmt* s, int index, const std::vector<uint8_t>& bytes) {
  if (bytes.empty()) {
    sqlite3_bind_zeroblob(s, index, 0);
  } else {
    sqlite3_bind_blob(s, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
  }
}

std::vector<uint8_t> ColumnBlob(sqlite3_stmt* s, int column) {
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(s, column));
  const int size = sqlite3_column_bytes(s, column);
  return data == nullptr ? std::vector<uint8_t>() : std::vector<uint8_t>(data, data + size);
}

}  // namespace

struct MeterStore::Statements {
  SqliteStatement begin_write, begin_read, commit, rollback;
  SqliteStatement upsert_meter, write_page, drop_pages;
  SqliteStatement load_meter, load_pages, list_meters;
  SqliteStatement write_security, load_security;
};

MeterStore::MeterStore(SqliteDb db, std::unique_ptr<Statements> statements)
    : db_(std::move(db)), statements_(std::move(statements)) {}

MeterStore::~MeterStore() = default;

absl::StatusOr<std::unique_ptr<MeterStore>> MeterStore::Open(const std::string& path,
                                                             const MeterStoreOptions& options) {
  VMUC_ASSIGN_OR_RETURN(SqliteDb db, SqliteDb::Open(path));
  // Shards sharing the file take turns writing; a turn lasts one batch.
  sqlite3_busy_timeout(db.get(), options.busy_timeout_ms);
  // 2 KiB pages, one log page each (kMaxUnspilledPageBytes): a dirty log page then costs
  // 2 KiB in the WAL and again at the WAL checkpoint, where 4 KiB pages would carry a
  // clean neighbour along: measured 10-25 % more checkpoints/s, same bytes per meter
  // (bench/meter_store_bench.cpp). Only a new file takes it; WAL mode fixes the size.
  VMUC_RETURN_IF_ERROR(db.Exec(absl::StrCat("PRAGMA page_size=", kDatabasePageBytes).c_str()));
  // The first statement to read the file: one that is no database fails here, named.
  VMUC_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode=WAL"));
  {
    // WAL lets a shard read while another writes and costs one write of a page per commit
    // (a rollback journal costs two, and fsyncs); the figures and the crash test assume it.
    // A file system without shared memory for it (or ":memory:") keeps another mode.
    VMUC_ASSIGN_OR_RETURN(SqliteStatement mode, db.Prepare("PRAGMA journal_mode"));
    if (sqlite3_step(mode.get()) != SQLITE_ROW) return db.Error("PRAGMA journal_mode");
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(mode.get(), 0));
    if (text == nullptr || std::string_view(text) != "wal") {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": cannot use WAL mode (journal_mode is ", text ? text : "?", ")"));
    }
  }
  // In WAL mode both levels keep every committed transaction across a process crash: a
  // commit has written its frames to the WAL through the kernel before returning, and the
  // next open replays them. NORMAL fsyncs only at WAL checkpoints, so power loss may roll
  // back the last transactions, whole; FULL also fsyncs the WAL at every commit
  // (sqlite.org/pragma.html#pragma_synchronous, sqlite.org/wal.html).
  VMUC_RETURN_IF_ERROR(
      db.Exec(options.sync_each_commit ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"));
  // A WAL checkpoint every 32 MiB of WAL by default instead of SQLite's 4 MiB: a batch of a
  // thousand checkpoints writes ~4 MiB, and the larger WAL took write throughput from 16 to
  // 22 thousand checkpoints/s (bench). The limit trims the WAL file back to twice that
  // after an outsized batch.
  VMUC_RETURN_IF_ERROR(
      db.Exec(absl::StrCat("PRAGMA wal_autocheckpoint=", options.wal_checkpoint_pages,
                           "; PRAGMA journal_size_limit=",
                           int64_t{2} * options.wal_checkpoint_pages * kDatabasePageBytes)
                  .c_str()));
  VMUC_RETURN_IF_ERROR(db.Migrate(kMigrations));

  auto statements = std::make_unique<Statements>();
  const std::pair<SqliteStatement*, const char*> all[] = {
      {&statements->begin_write, "BEGIN IMMEDIATE"},
      {&statements->begin_read, "BEGIN"},
      {&statements->commit, "COMMIT"},
      {&statements->rollback, "ROLLBACK"},
      {&statements->upsert_meter,
       "INSERT INTO meters (serial, at_unix_s, state) VALUES (?1, ?2, ?3)"
       " ON CONFLICT (serial) DO UPDATE SET at_unix_s = excluded.at_unix_s,"
       " state = excluded.state RETURNING slot"},
      {&statements->write_page, "INSERT OR REPLACE INTO log_pages (key, bytes) VALUES (?1, ?2)"},
      {&statements->drop_pages, "DELETE FROM log_pages WHERE key BETWEEN ?1 AND ?2"},
      {&statements->load_meter, "SELECT slot, at_unix_s, state FROM meters WHERE serial = ?1"},
      {&statements->load_pages,
       "SELECT key, bytes FROM log_pages WHERE key BETWEEN ?1 AND ?2 ORDER BY key"},
      {&statements->list_meters, "SELECT serial FROM meters"},
      {&statements->write_security,
       "INSERT OR REPLACE INTO dlms_security (serial, state) VALUES (?1, ?2)"},
      {&statements->load_security, "SELECT state FROM dlms_security WHERE serial = ?1"},
  };
  for (const auto& [statement, sql] : all) {
    VMUC_ASSIGN_OR_RETURN(*statement, db.Prepare(sql));
  }
  return std::unique_ptr<MeterStore>(new MeterStore(std::move(db), std::move(statements)));
}

absl::Status MeterStore::WriteSecurityState(uint64_t meter, const std::vector<uint8_t>& state) {
  SqliteUse write(statements_->write_security);
  sqlite3_bind_int64(*write, 1, SerialKey(meter));
  BindBlob(*write, 2, state);
  if (sqlite3_step(*write) != SQLITE_DONE) {
    return db_.Error(absl::StrCat("store the DLMS security state of meter ", meter));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::vector<uint8_t>>> MeterStore::LoadSecurityState(uint64_t meter) {
  SqliteUse load(statements_->load_security);
  sqlite3_bind_int64(*load, 1, SerialKey(meter));
  const int step = sqlite3_step(*load);
  if (step == SQLITE_DONE) return std::optional<std::vector<uint8_t>>();
  if (step != SQLITE_ROW) {
    return db_.Error(absl::StrCat("load the DLMS security state of meter ", meter));
  }
  return std::optional<std::vector<uint8_t>>(ColumnBlob(*load, 0));
}

absl::Status MeterStore::Write(const std::vector<MeterCheckpoint>& batch) {
  for (const MeterCheckpoint& checkpoint : batch) {
    for (const PageWrite& page : checkpoint.pages) {
      if (page.page > kMaxStoredPage) {
        return absl::InvalidArgumentError(
            absl::StrCat(path(), ": meter ", checkpoint.meter, " log ", page.log, ": page ",
                         page.page, " is beyond the store's ", kMaxStoredPage, "; batch refused"));
      }
    }
  }
  if (batch.empty()) return absl::OkStatus();
  {
    // IMMEDIATE takes the write lock now, under the busy timeout; a deferred transaction
    // upgrading later could fail at once with SQLITE_BUSY_SNAPSHOT.
    SqliteUse begin(statements_->begin_write);
    if (sqlite3_step(*begin) != SQLITE_DONE) return db_.Error("BEGIN IMMEDIATE");
  }
  absl::Status status;
  for (const MeterCheckpoint& checkpoint : batch) {
    status = WriteOne(checkpoint);
    if (!status.ok()) break;
  }
  return End(std::move(status));
}

absl::Status MeterStore::WriteOne(const MeterCheckpoint& checkpoint) {
  const Statements& s = *statements_;
  int64_t slot = 0;
  {
    SqliteUse upsert(s.upsert_meter);
    sqlite3_bind_int64(*upsert, 1, SerialKey(checkpoint.meter));
    sqlite3_bind_int64(*upsert, 2, checkpoint.at_unix_s);
    BindBlob(*upsert, 3, checkpoint.state);
    if (sqlite3_step(*upsert) != SQLITE_ROW) {
      return db_.Error(absl::StrCat("store the state of meter ", checkpoint.meter));
    }
    slot = sqlite3_column_int64(*upsert, 0);
  }
  if (slot < 1 || slot > kMaxSlot) {
    return absl::ResourceExhaustedError(absl::StrCat(path(), ": meter ", checkpoint.meter,
                                                     " got slot ", slot, ", beyond ", kMaxSlot));
  }
  if (checkpoint.replace_all_pages) {
    SqliteUse drop(s.drop_pages);
    sqlite3_bind_int64(*drop, 1, FirstKey(slot));
    sqlite3_bind_int64(*drop, 2, LastKey(slot));
    if (sqlite3_step(*drop) != SQLITE_DONE) {
      return db_.Error(absl::StrCat("drop the pages of meter ", checkpoint.meter));
    }
  }
  for (const PageWrite& page : checkpoint.pages) {
    SqliteUse write(s.write_page);
    sqlite3_bind_int64(*write, 1, PageKey(slot, page.log, page.page));
    BindBlob(*write, 2, page.bytes);
    if (sqlite3_step(*write) != SQLITE_DONE) {
      return db_.Error(
          absl::StrCat("store meter ", checkpoint.meter, " log ", page.log, " page ", page.page));
    }
  }
  return absl::OkStatus();
}

absl::Status MeterStore::End(absl::Status status) {
  if (status.ok()) {
    SqliteUse commit(statements_->commit);
    if (sqlite3_step(*commit) == SQLITE_DONE) return status;
    status = db_.Error("COMMIT");
  }
  // Some failures (I/O, full disk) roll the transaction back already; a failed COMMIT or a
  // failed statement otherwise leaves it open.
  if (sqlite3_get_autocommit(db_.get()) == 0) {
    SqliteUse rollback(statements_->rollback);
    sqlite3_step(*rollback);
  }
  return status;
}

absl::StatusOr<std::optional<MeterStore::Loaded>> MeterStore::Load(uint64_t meter) {
  {
    SqliteUse begin(statements_->begin_read);
    if (sqlite3_step(*begin) != SQLITE_DONE) return db_.Error("BEGIN");
  }
  auto loaded = LoadInSnapshot(meter);
  VMUC_RETURN_IF_ERROR(End(loaded.status()));
  return loaded;
}

absl::StatusOr<std::optional<MeterStore::Loaded>> MeterStore::LoadInSnapshot(uint64_t meter) {
  const Statements& s = *statements_;
  Loaded loaded;
  int64_t slot = 0;
  {
    SqliteUse q(s.load_meter);
    sqlite3_bind_int64(*q, 1, SerialKey(meter));
    const int rc = sqlite3_step(*q);
    if (rc == SQLITE_DONE) return std::optional<Loaded>();
    if (rc != SQLITE_ROW) return db_.Error(absl::StrCat("load meter ", meter));
    slot = sqlite3_column_int64(*q, 0);
    loaded.at_unix_s = sqlite3_column_int64(*q, 1);
    loaded.state = ColumnBlob(*q, 2);
  }
  SqliteUse q(s.load_pages);
  sqlite3_bind_int64(*q, 1, FirstKey(slot));
  sqlite3_bind_int64(*q, 2, LastKey(slot));
  int rc;
  while ((rc = sqlite3_step(*q)) == SQLITE_ROW) {
    const int64_t key = sqlite3_column_int64(*q, 0);
    loaded.pages.push_back(StoredPage{.log = static_cast<uint8_t>(key >> kLogShift),
                                      .page = static_cast<uint32_t>(key & kMaxStoredPage),
                                      .bytes = ColumnBlob(*q, 1)});
  }
  if (rc != SQLITE_DONE) return db_.Error(absl::StrCat("load the pages of meter ", meter));
  return std::optional<Loaded>(std::move(loaded));
}

absl::StatusOr<std::vector<uint64_t>> MeterStore::Meters() {
  SqliteUse q(statements_->list_meters);
  std::vector<uint64_t> meters;
  int rc;
  while ((rc = sqlite3_step(*q)) == SQLITE_ROW) {
    meters.push_back(static_cast<uint64_t>(sqlite3_column_int64(*q, 0)));
  }
  if (rc != SQLITE_DONE) return db_.Error("list meters");
  std::sort(meters.begin(), meters.end());  // the scan runs in slot order
  return meters;
}

absl::StatusOr<uint64_t> MeterStore::FileBytes() {
  VMUC_ASSIGN_OR_RETURN(const int64_t pages, db_.QueryInt("PRAGMA page_count"));
  VMUC_ASSIGN_OR_RETURN(const int64_t page_size, db_.QueryInt("PRAGMA page_size"));
  return static_cast<uint64_t>(pages * page_size);
}

absl::StatusOr<MeterStore::Stats> MeterStore::Statistics() {
  Stats stats;
  VMUC_ASSIGN_OR_RETURN(stats.file_bytes, FileBytes());
  VMUC_ASSIGN_OR_RETURN(const int64_t meters, db_.QueryInt("SELECT count(*) FROM meters"));
  VMUC_ASSIGN_OR_RETURN(const int64_t pages, db_.QueryInt("SELECT count(*) FROM log_pages"));
  stats.meters = static_cast<uint64_t>(meters);
  stats.pages = static_cast<uint64_t>(pages);
  return stats;
}

}  // namespace vmuc::meters
