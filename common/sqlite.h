// SqliteDb, SqliteStatement, SqliteUse: a thin RAII layer over the SQLite C API with
// absl::Status errors, shared by the gateway's store (gateway/store/) and the meter hosts'
// permanent memory (meters/store/).
//
// A SqliteDb owns one connection, opened with SQLITE_OPEN_NOMUTEX: it and its statements
// may be used by one thread at a time (the owner serialises, or keeps it on one thread).
// Statements borrow the connection and must be destroyed before it (a SqliteDb closes with
// sqlite3_close_v2, so a late statement delays the close instead of leaking it). Every error
// names the database's path, what was being done and SQLite's own message.
#ifndef VMUC_COMMON_SQLITE_H_
#define VMUC_COMMON_SQLITE_H_

#include <sqlite3.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace vmuc {

// A prepared statement; finalized when destroyed.
class SqliteStatement {
 public:
  SqliteStatement() = default;
  explicit SqliteStatement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~SqliteStatement() { sqlite3_finalize(stmt_); }
  SqliteStatement(SqliteStatement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// One use of a prepared statement: resets it and clears its bindings when the use ends,
// whatever the path out, so a statement left half-stepped never holds a read snapshot or
// a lock open.
class SqliteUse {
 public:
  explicit SqliteUse(const SqliteStatement& statement) : stmt_(statement.get()) {}
  ~SqliteUse() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  SqliteUse(const SqliteUse&) = delete;
  SqliteUse& operator=(const SqliteUse&) = delete;

  sqlite3_stmt* operator*() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_;
};

class SqliteDb {
 public:
  // Opens (creating if needed) the database at `path`, read-write. SQLite opens lazily: a
  // file that is no database is found by the first statement run on it.
  static absl::StatusOr<SqliteDb> Open(const std::string& path);
  SqliteDb() = default;
  ~SqliteDb();
  SqliteDb(SqliteDb&& other) noexcept;
  SqliteDb& operator=(SqliteDb&& other) noexcept;
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  sqlite3* get() const { return db_; }
  const std::string& path() const { return path_; }

  // "<path>: <what>: <SQLite's message for the last failure>" with a code that tells
  // busy or full disks (Unavailable, ResourceExhausted) from the rest (Internal).
  absl::Status Error(std::string_view what) const;

  // Runs `sql`, which may hold several statements and return no rows that matter.
  absl::Status Exec(const char* sql);
  // Prepares `sql` to be kept for the connection's life (SQLITE_PREPARE_PERSISTENT).
  absl::StatusOr<SqliteStatement> Prepare(const char* sql);
  // The first column of the first row of `sql` as an integer (pragmas, counts).
  absl::StatusOr<int64_t> QueryInt(const char* sql);

  // Brings the schema forward through PRAGMA user_version: migrations[i] takes version i to
  // i + 1, each applied in its own transaction with the version bump, so a crash leaves
  // either the old or the new version. A database newer than migrations.size() is refused
  // with FailedPrecondition and left untouched.
  absl::Status Migrate(std::span<const char* const> migrations);

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace vmuc

#endif  // VMUC_COMMON_SQLITE_H_
