#include "common/sqlite.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/strings.h"

namespace vmuc {
namespace {

// A statement as errors quote it: its first line, at most 60 characters, so a failed
// migration names its statement without pasting the whole schema into a log line.
std::string Quote(std::string_view sql) {
  const size_t start = sql.find_first_not_of(" \n\t");
  sql = start == std::string_view::npos ? std::string_view() : sql.substr(start);
  const size_t end = std::min(sql.find('\n'), size_t{60});
  return end < sql.size() ? absl::StrCat(AsAbsl(sql.substr(0, end)), "...") : std::string(sql);
}

}  // namespace

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

absl::StatusOr<SqliteDb> SqliteDb::Open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = absl::UnavailableError(
        absl::StrCat(path, ": cannot open database: ", db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close_v2(db);
    return status;
  }
  // Extended codes tell SQLITE_IOERR_FSYNC from SQLITE_IOERR_WRITE in messages.
  sqlite3_extended_result_codes(db, 1);
  return SqliteDb(db, path);
}

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

SqliteDb::SqliteDb(SqliteDb&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

SqliteDb& SqliteDb::operator=(SqliteDb&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

absl::Status SqliteDb::Error(std::string_view what) const {
  const int code = sqlite3_extended_errcode(db_);
  std::string message = absl::StrCat(path_, ": ", AsAbsl(what), ": ", sqlite3_errmsg(db_));
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      // Another connection held the lock past the busy timeout: worth retrying later.
      return absl::UnavailableError(std::move(message));
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(std::move(message));
    default:
      return absl::InternalError(std::move(message));
  }
}

absl::Status SqliteDb::Exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    absl::Status status = Error(Quote(sql));
    if (error != nullptr) {
      // sqlite3_exec's own message is the failing statement's, and the one to keep.
      status = absl::Status(status.code(), absl::StrCat(path_, ": ", Quote(sql), ": ", error));
    }
    sqlite3_free(error);
    return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<SqliteStatement> SqliteDb::Prepare(const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    return Error(absl::StrCat("prepare ", Quote(sql)));
  }
  return SqliteStatement(stmt);
}

absl::StatusOr<int64_t> SqliteDb::QueryInt(const char* sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr) != SQLITE_OK) return Error(sql);
  SqliteStatement stmt(raw);
  if (sqlite3_step(stmt.get()) != SQLITE_ROW) return Error(sql);
  return sqlite3_column_int64(stmt.get(), 0);
}

absl::Status SqliteDb::Migrate(std::span<const char* const> migrations) {
  VMUC_ASSIGN_OR_RETURN(const int64_t version, QueryInt("PRAGMA user_version"));
  if (version < 0 || version > static_cast<int64_t>(migrations.size())) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, ": database schema version ", version, " is newer than this vmuc (",
                     migrations.size(), "); refusing to touch it"));
  }
  for (size_t i = static_cast<size_t>(version); i < migrations.size(); ++i) {
    // IMMEDIATE: two processes migrating the same new file wait for each other instead of
    // both applying migration i; the loser then finds the version moved and skips it.
    VMUC_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    auto current = QueryInt("PRAGMA user_version");
    absl::Status status = current.status();
    if (status.ok() && *current > static_cast<int64_t>(i)) {
      VMUC_RETURN_IF_ERROR(Exec("COMMIT"));
      return Migrate(migrations);  // someone else migrated meanwhile: start over from there
    }
    if (status.ok()) status = Exec(migrations[i]);
    if (status.ok()) status = Exec(absl::StrCat("PRAGMA user_version=", i + 1).c_str());
    if (!status.ok()) {
      Exec("ROLLBACK").IgnoreError();
      return absl::Status(status.code(), absl::StrCat("migration ", i + 1, ": ", status.message()));
    }
    VMUC_RETURN_IF_ERROR(Exec("COMMIT"));
  }
  return absl::OkStatus();
}

}  // namespace vmuc
