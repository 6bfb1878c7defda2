#include "gateway/store/store.h"

#include <array>
#include <functional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status.h"

namespace vmuc::gateway {
namespace {

// Schema migrations, applied in order; the index + 1 is the user_version after each.
// Never edit a shipped migration: add a new one.
constexpr std::array<const char*, 5> kMigrations = {
    R"sql(
    CREATE TABLE meters (
      meter_id        TEXT PRIMARY KEY,
      node_address    INTEGER NOT NULL,
      first_seen_us   INTEGER NOT NULL,
      last_seen_us    INTEGER NOT NULL,
      frames_received INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE register_readings (
      meter_id        TEXT NOT NULL,
      obis            TEXT NOT NULL,
      captured_at_us  INTEGER NOT NULL,
      value           INTEGER NOT NULL,
      scaler          INTEGER NOT NULL,
      unit            INTEGER NOT NULL,
      PRIMARY KEY (meter_id, obis, captured_at_us)
    ) WITHOUT ROWID;
    CREATE TABLE events (
      sequence        INTEGER PRIMARY KEY AUTOINCREMENT,
      event           BLOB NOT NULL
    );
    )sql",
    // 2: load profiles (issue 6: pushed entries, and those read back to fill gaps).
    R"sql(
    CREATE TABLE load_profile (
      meter_id        TEXT NOT NULL,
      captured_at_s   INTEGER NOT NULL,
      period_s        INTEGER NOT NULL,
      status          INTEGER NOT NULL,
      channels        TEXT NOT NULL,   -- OBIS codes, comma-separated, in column order
      channel_values  TEXT NOT NULL,   -- the values, comma-separated, in column order
      read_back       INTEGER NOT NULL,
      PRIMARY KEY (meter_id, captured_at_s)
    ) WITHOUT ROWID;
    )sql",
    // 3: the MQTT outbox (issue 7). The events table is the outbox's queue: each MQTT
    // profile keeps the sequence up to which the broker has acknowledged every message, so
    // an event leaves the outbox only with its PUBACK. gateway_state keeps small counters
    // that must survive restarts (the Sparkplug bdSeq).
    R"sql(
    CREATE TABLE mqtt_outbox (
      profile         TEXT PRIMARY KEY,
      acked_sequence  INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE gateway_state (
      key             TEXT PRIMARY KEY,
      value           INTEGER NOT NULL
    ) WITHOUT ROWID;
    )sql",
    // 4: the scheduled reads (gateway/collector/scheduled_reads.h): the billing logger's
    // periods, one row per value, and the event logs' entries. Meter times in whole seconds,
    // as the meters' date-times carry them.
    R"sql(
    CREATE TABLE billing_values (
      meter_id        TEXT NOT NULL,
      captured_at_s   INTEGER NOT NULL,  -- the debiting period end
      obis            TEXT NOT NULL,
      position        INTEGER NOT NULL,  -- the value's place in the period, column order
      value           INTEGER NOT NULL,
      scaler          INTEGER NOT NULL,
      unit            INTEGER NOT NULL,
      value_at_s      INTEGER,           -- a maximum's capture time; NULL: none
      PRIMARY KEY (meter_id, captured_at_s, obis)
    ) WITHOUT ROWID;
    CREATE TABLE meter_events (
      meter_id        TEXT NOT NULL,
      log             TEXT NOT NULL,     -- "standard", "fraud", "power_failure" ...
      captured_at_s   INTEGER NOT NULL,
      code            INTEGER NOT NULL,
      value           INTEGER NOT NULL,  -- a power failure's duration in s; else 0
      PRIMARY KEY (meter_id, log, captured_at_s, code)
    ) WITHOUT ROWID;
    CREATE INDEX meter_events_by_time ON meter_events (meter_id, captured_at_s);
    )sql",
    // 5: retention (Store::Prune): each kept table by capture time alone, so the hourly
    // pruning deletes the rows that aged out without scanning the tables.
    R"sql(
    CREATE INDEX register_readings_by_age ON register_readings (captured_at_us);
    CREATE INDEX load_profile_by_age ON load_profile (captured_at_s);
    CREATE INDEX billing_values_by_age ON billing_values (captured_at_s);
    CREATE INDEX meter_events_by_age ON meter_events (captured_at_s);
    )sql",
};

void BindText(sqlite3_stmt* s, int index, const std::string& text) {
  sqlite3_bind_text(s, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

std::string ColumnText(sqlite3_stmt* s, int column) {
  const auto* text = sqlite3_column_text(s, column);
  return text == nullptr ? std::string()
                         : std::string(reinterpret_cast<const char*>(text),
                                       static_cast<size_t>(sqlite3_column_bytes(s, column)));
}

MeterRecord ReadMeter(sqlite3_stmt* s) {
  MeterRecord meter;
  meter.meter_id = ColumnText(s, 0);
  meter.node_address = static_cast<uint32_t>(sqlite3_column_int64(s, 1));
  meter.first_seen = FromUnixMicros(sqlite3_column_int64(s, 2));
  meter.last_seen = FromUnixMicros(sqlite3_column_int64(s, 3));
  meter.frames_received = static_cast<uint64_t>(sqlite3_column_int64(s, 4));
  return meter;
}

RegisterRecord ReadRegister(sqlite3_stmt* s) {
  RegisterRecord reg;
  reg.obis = ColumnText(s, 0);
  reg.captured_at = FromUnixMicros(sqlite3_column_int64(s, 1));
  reg.value = sqlite3_column_int64(s, 2);
  reg.scaler = sqlite3_column_int(s, 3);
  reg.unit = static_cast<uint32_t>(sqlite3_column_int(s, 4));
  return reg;
}

}  // namespace

struct Store::Statements {
  SqliteStatement begin, commit, rollback;
  SqliteStatement upsert_meter, insert_reading, insert_event;
  SqliteStatement list_meters, get_meter, latest_registers, latest_register, events_after,
      last_event;
  SqliteStatement insert_profile, profile_gaps, read_profile;
  SqliteStatement outbox_acked, set_outbox_acked, state_value, set_state_value;
  SqliteStatement prune_readings, prune_profile, prune_billing, prune_meter_events, prune_events,
      oldest_kept, first_event;
  SqliteStatement insert_billing_value, newest_billing, read_billing;
  SqliteStatement insert_meter_event, newest_meter_event, read_meter_events;
};

Store::Store(SqliteDb db) : db_(std::move(db)) {}

Store::~Store() {
  std::lock_guard lock(mutex_);
  statements_.reset();  // before db_ closes
}

absl::Status Store::Error(const char* what) const {
  return db_.Error(absl::StrCat("sqlite ", what));
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  VMUC_ASSIGN_OR_RETURN(SqliteDb db, SqliteDb::Open(path));
  std::unique_ptr<Store> store(new Store(std::move(db)));
  std::lock_guard lock(store->mutex_);
  // Another connection (the API's reader, a second process) may hold a lock briefly.
  sqlite3_busy_timeout(store->db_.get(), 5000);
  // WAL: readers never block the writer; synchronous=NORMAL is durable across process
  // crashes and loses at most the last transactions on power loss (sqlite.org/wal.html).
  VMUC_RETURN_IF_ERROR(
      store->db_.Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                      "PRAGMA foreign_keys=ON;"));
  VMUC_RETURN_IF_ERROR(store->db_.Migrate(kMigrations));
  VMUC_RETURN_IF_ERROR(store->Prepare());
  return store;
}

absl::Status Store::Prepare() {
  statements_ = std::make_unique<Statements>();
  const std::pair<SqliteStatement*, const char*> all[] = {
      {&statements_->begin, "BEGIN IMMEDIATE"},
      {&statements_->commit, "COMMIT"},
      {&statements_->rollback, "ROLLBACK"},
      {&statements_->upsert_meter,
       "INSERT INTO meters (meter_id, node_address, first_seen_us, last_seen_us, frames_received)"
       " VALUES (?1, ?2, ?3, ?3, 1) ON CONFLICT (meter_id) DO UPDATE SET"
       " node_address = ?2, last_seen_us = max(last_seen_us, ?3),"
       " frames_received = frames_received + 1 RETURNING frames_received"},
      {&statements_->insert_reading,
       "INSERT OR IGNORE INTO register_readings"
       " (meter_id, obis, captured_at_us, value, scaler, unit) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
      {&statements_->insert_event, "INSERT INTO events (event) VALUES (?1)"},
      {&statements_->list_meters,
       "SELECT meter_id, node_address, first_seen_us, last_seen_us, frames_received FROM meters"
       " WHERE meter_id > ?1 ORDER BY meter_id LIMIT ?2"},
      {&statements_->get_meter,
       "SELECT meter_id, node_address, first_seen_us, last_seen_us, frames_received FROM meters"
       " WHERE meter_id = ?1"},
      {&statements_->latest_registers,
       "SELECT obis, max(captured_at_us), value, scaler, unit FROM register_readings"
       " WHERE meter_id = ?1 GROUP BY obis ORDER BY obis"},
      {&statements_->latest_register,
       "SELECT obis, captured_at_us, value, scaler, unit FROM register_readings"
       " WHERE meter_id = ?1 AND obis = ?2 ORDER BY captured_at_us DESC LIMIT 1"},
      {&statements_->events_after,
       "SELECT sequence, event FROM events WHERE sequence > ?1 ORDER BY sequence LIMIT ?2"},
      {&statements_->last_event, "SELECT coalesce(max(sequence), 0) FROM events"},
      {&statements_->insert_profile,
       "INSERT OR IGNORE INTO load_profile (meter_id, captured_at_s, period_s, status, channels,"
       " channel_values, read_back) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
      {&statements_->profile_gaps,
       "SELECT at, next, period_s FROM (SELECT captured_at_s AS at, period_s, lead(captured_at_s)"
       " OVER (ORDER BY captured_at_s) AS next FROM load_profile WHERE meter_id = ?1)"
       " WHERE next - at > period_s ORDER BY at"},
      {&statements_->read_profile,
       "SELECT captured_at_s, status, channels, channel_values, read_back FROM load_profile"
       " WHERE meter_id = ?1 AND captured_at_s BETWEEN ?2 AND ?3 ORDER BY captured_at_s"
       " LIMIT ?4"},
      {&statements_->outbox_acked, "SELECT acked_sequence FROM mqtt_outbox WHERE profile = ?1"},
      {&statements_->set_outbox_acked,
       "INSERT INTO mqtt_outbox (profile, acked_sequence) VALUES (?1, ?2) ON CONFLICT (profile)"
       " DO UPDATE SET acked_sequence = max(acked_sequence, ?2)"},
      {&statements_->state_value, "SELECT value FROM gateway_state WHERE key = ?1"},
      {&statements_->prune_readings, "DELETE FROM register_readings WHERE captured_at_us < ?1"},
      {&statements_->prune_profile, "DELETE FROM load_profile WHERE captured_at_s < ?1"},
      {&statements_->prune_billing, "DELETE FROM billing_values WHERE captured_at_s < ?1"},
      {&statements_->prune_meter_events, "DELETE FROM meter_events WHERE captured_at_s < ?1"},
      {&statements_->prune_events, "DELETE FROM events WHERE sequence <= ?1"},
      {&statements_->oldest_kept,
       "SELECT min(t) FROM (SELECT min(captured_at_us) / 1000000 AS t FROM register_readings"
       " UNION ALL SELECT min(captured_at_s) FROM load_profile"
       " UNION ALL SELECT min(captured_at_s) FROM billing_values"
       " UNION ALL SELECT min(captured_at_s) FROM meter_events)"},
      {&statements_->first_event, "SELECT coalesce(min(sequence), 0) FROM events"},
      {&statements_->set_state_value,
       "INSERT INTO gateway_state (key, value) VALUES (?1, ?2) ON CONFLICT (key)"
       " DO UPDATE SET value = ?2"},
      {&statements_->insert_billing_value,
       "INSERT OR IGNORE INTO billing_values (meter_id, captured_at_s, obis, position, value,"
       " scaler, unit, value_at_s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
      {&statements_->newest_billing,
       "SELECT max(captured_at_s) FROM billing_values WHERE meter_id = ?1"},
      {&statements_->read_billing,
       "SELECT captured_at_s, obis, value, scaler, unit, value_at_s FROM billing_values"
       " WHERE meter_id = ?1 AND captured_at_s IN (SELECT DISTINCT captured_at_s FROM"
       " billing_values WHERE meter_id = ?1 AND captured_at_s BETWEEN ?2 AND ?3"
       " ORDER BY captured_at_s LIMIT ?4) ORDER BY captured_at_s, position"},
      {&statements_->insert_meter_event,
       "INSERT OR IGNORE INTO meter_events (meter_id, log, captured_at_s, code, value)"
       " VALUES (?1, ?2, ?3, ?4, ?5)"},
      {&statements_->newest_meter_event,
       "SELECT max(captured_at_s) FROM meter_events WHERE meter_id = ?1 AND log = ?2"},
      {&statements_->read_meter_events,
       "SELECT log, captured_at_s, code, value FROM meter_events WHERE meter_id = ?1"
       " AND captured_at_s BETWEEN ?2 AND ?3 ORDER BY captured_at_s, log, code LIMIT ?4"},
  };
  for (const auto& [statement, sql] : all) {
    VMUC_ASSIGN_OR_RETURN(*statement, db_.Prepare(sql));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<uint64_t>> Store::StoreBatches(
    const std::vector<ReadingBatch>& batches,
    const std::function<std::vector<std::string>(const ReadingBatch&, const Stored&)>&
        make_events) {
  std::lock_guard lock(mutex_);
  Statements& s = *statements_;
  {
    SqliteUse begin(s.begin);
    if (sqlite3_step(*begin) != SQLITE_DONE) return Error("BEGIN");
  }
  std::vector<uint64_t> sequences;
  auto body = [&]() -> absl::Status {
    for (const ReadingBatch& batch : batches) {
      Stored stored;
      {
        SqliteUse upsert(s.upsert_meter);
        BindText(*upsert, 1, batch.meter_id);
        sqlite3_bind_int64(*upsert, 2, batch.node_address);
        sqlite3_bind_int64(*upsert, 3, ToUnixMicros(batch.received_at));
        if (sqlite3_step(*upsert) != SQLITE_ROW) return Error("upsert meter");
        stored.meter_discovered = sqlite3_column_int64(*upsert, 0) == 1;
      }
      for (const RegisterRecord& reg : batch.registers) {
        SqliteUse insert(s.insert_reading);
        BindText(*insert, 1, batch.meter_id);
        BindText(*insert, 2, reg.obis);
        sqlite3_bind_int64(*insert, 3, ToUnixMicros(reg.captured_at));
        sqlite3_bind_int64(*insert, 4, reg.value);
        sqlite3_bind_int(*insert, 5, reg.scaler);
        sqlite3_bind_int(*insert, 6, static_cast<int>(reg.unit));
        if (sqlite3_step(*insert) != SQLITE_DONE) return Error("insert reading");
        if (sqlite3_changes(db_.get()) == 1) stored.new_registers.push_back(reg);
      }
      for (const std::string& event : make_events(batch, stored)) {
        VMUC_ASSIGN_OR_RETURN(const uint64_t sequence, InsertEvent(event));
        sequences.push_back(sequence);
      }
    }
    return absl::OkStatus();
  };
  absl::Status status = body();
  SqliteUse end(status.ok() ? s.commit : s.rollback);
  if (sqlite3_step(*end) != SQLITE_DONE && status.ok()) status = Error("COMMIT");
  if (!status.ok()) return status;
  return sequences;
}

absl::StatusOr<uint64_t> Store::InsertEvent(const std::string& event) {
  SqliteUse insert(statements_->insert_event);
  sqlite3_bind_blob(*insert, 1, event.data(), static_cast<int>(event.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(*insert) != SQLITE_DONE) return Error("insert event");
  return static_cast<uint64_t>(sqlite3_last_insert_rowid(db_.get()));
}

absl::StatusOr<size_t> Store::StoreProfile(
    const ProfileBatch& batch,
    const std::function<std::string(const std::vector<ProfileRecord>&)>& make_event) {
  if (batch.period_s == 0) return absl::InvalidArgumentError("load profile: period 0");
  std::lock_guard lock(mutex_);
  Statements& s = *statements_;
  {
    SqliteUse begin(s.begin);
    if (sqlite3_step(*begin) != SQLITE_DONE) return Error("BEGIN");
  }
  size_t added = 0;
  std::vector<ProfileRecord> new_rows;
  auto body = [&]() -> absl::Status {
    for (const ProfileRecord& row : batch.rows) {
      if (row.values.size() != row.channels.size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "load profile of ", batch.meter_id, ": ", row.values.size(), " values for ",
            row.channels.size(), " channels at ", ToUnixSeconds(row.captured_at)));
      }
      SqliteUse insert(s.insert_profile);
      BindText(*insert, 1, batch.meter_id);
      sqlite3_bind_int64(*insert, 2, ToUnixSeconds(row.captured_at));
      sqlite3_bind_int64(*insert, 3, batch.period_s);
      sqlite3_bind_int64(*insert, 4, row.status);
      BindText(*insert, 5, absl::StrJoin(row.channels, ","));
      BindText(*insert, 6, absl::StrJoin(row.values, ","));
      sqlite3_bind_int(*insert, 7, row.read_back ? 1 : 0);
      if (sqlite3_step(*insert) != SQLITE_DONE) return Error("insert load profile");
      if (sqlite3_changes(db_.get()) == 1) {
        ++added;
        if (make_event) new_rows.push_back(row);
      }
    }
    if (new_rows.empty()) return absl::OkStatus();
    return InsertEvent(make_event(new_rows)).status();
  };
  absl::Status status = body();
  SqliteUse end(status.ok() ? s.commit : s.rollback);
  if (sqlite3_step(*end) != SQLITE_DONE && status.ok()) status = Error("COMMIT");
  if (!status.ok()) return status;
  return added;
}

absl::Status Store::InTransaction(const std::function<absl::Status()>& body) {
  Statements& s = *statements_;
  {
    SqliteUse begin(s.begin);
    if (sqlite3_step(*begin) != SQLITE_DONE) return Error("BEGIN");
  }
  absl::Status status = body();
  SqliteUse end(status.ok() ? s.commit : s.rollback);
  if (sqlite3_step(*end) != SQLITE_DONE && status.ok()) status = Error("COMMIT");
  return status;
}

absl::StatusOr<size_t> Store::StoreBillingPeriods(
    const BillingBatch& batch,
    const std::function<std::string(const BillingPeriodRecord&)>& make_event) {
  std::lock_guard lock(mutex_);
  size_t added = 0;
  absl::Status status = InTransaction([&]() -> absl::Status {
    for (const BillingPeriodRecord& period : batch.periods) {
      BillingPeriodRecord fresh{.captured_at = period.captured_at, .values = {}};
      for (size_t i = 0; i < period.values.size(); ++i) {
        const BillingValueRecord& value = period.values[i];
        SqliteUse insert(statements_->insert_billing_value);
        BindText(*insert, 1, batch.meter_id);
        sqlite3_bind_int64(*insert, 2, ToUnixSeconds(period.captured_at));
        BindText(*insert, 3, value.obis);
        sqlite3_bind_int64(*insert, 4, static_cast<int64_t>(i));
        sqlite3_bind_int64(*insert, 5, value.value);
        sqlite3_bind_int(*insert, 6, value.scaler);
        sqlite3_bind_int64(*insert, 7, value.unit);
        if (value.value_at) {
          sqlite3_bind_int64(*insert, 8, ToUnixSeconds(*value.value_at));
        } else {
          sqlite3_bind_null(*insert, 8);
        }
        if (sqlite3_step(*insert) != SQLITE_DONE) return Error("insert billing value");
        if (sqlite3_changes(db_.get()) == 1) fresh.values.push_back(value);
      }
      if (fresh.values.empty()) continue;
      ++added;
      if (make_event) VMUC_RETURN_IF_ERROR(InsertEvent(make_event(fresh)).status());
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return added;
}

absl::StatusOr<size_t> Store::StoreMeterEvents(
    const MeterEventBatch& batch,
    const std::function<std::string(const MeterEventRecord&)>& make_event) {
  std::lock_guard lock(mutex_);
  size_t added = 0;
  absl::Status status = InTransaction([&]() -> absl::Status {
    for (const MeterEventRecord& entry : batch.events) {
      SqliteUse insert(statements_->insert_meter_event);
      BindText(*insert, 1, batch.meter_id);
      BindText(*insert, 2, entry.log);
      sqlite3_bind_int64(*insert, 3, ToUnixSeconds(entry.captured_at));
      sqlite3_bind_int64(*insert, 4, entry.code);
      sqlite3_bind_int64(*insert, 5, entry.value);
      if (sqlite3_step(*insert) != SQLITE_DONE) return Error("insert meter event");
      if (sqlite3_changes(db_.get()) != 1) continue;
      ++added;
      if (make_event) VMUC_RETURN_IF_ERROR(InsertEvent(make_event(entry)).status());
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return added;
}

absl::StatusOr<std::optional<TimePoint>> Store::NewestBillingPeriod(const std::string& meter_id) {
  std::lock_guard lock(mutex_);
  SqliteUse q(statements_->newest_billing);
  BindText(*q, 1, meter_id);
  if (sqlite3_step(*q) != SQLITE_ROW) return Error("newest billing period");
  if (sqlite3_column_type(*q, 0) == SQLITE_NULL) return std::optional<TimePoint>();
  return std::optional<TimePoint>(FromUnixSeconds(sqlite3_column_int64(*q, 0)));
}

absl::StatusOr<std::optional<TimePoint>> Store::NewestMeterEvent(const std::string& meter_id,
                                                                 const std::string& log) {
  std::lock_guard lock(mutex_);
  SqliteUse q(statements_->newest_meter_event);
  BindText(*q, 1, meter_id);
  BindText(*q, 2, log);
  if (sqlite3_step(*q) != SQLITE_ROW) return Error("newest meter event");
  if (sqlite3_column_type(*q, 0) == SQLITE_NULL) return std::optional<TimePoint>();
  return std::optional<TimePoint>(FromUnixSeconds(sqlite3_column_int64(*q, 0)));
}

absl::StatusOr<std::vector<BillingPeriodRecord>> Store::ReadBillingPeriods(
    const std::string& meter_id, TimePoint from, TimePoint to, int limit) {
  std::lock_guard lock(mutex_);
  SqliteUse q(statements_->read_billing);
  BindText(*q, 1, meter_id);
  sqlite3_bind_int64(*q, 2, ToUnixSeconds(from));
  sqlite3_bind_int64(*q, 3, ToUnixSeconds(to));
  sqlite3_bind_int(*q, 4, limit);
  std::vector<BillingPeriodRecord> periods;
  int rc;
  while ((rc = sqlite3_step(*q)) == SQLITE_ROW) {
    const TimePoint at = FromUnixSeconds(sqlite3_column_int64(*q, 0));
    if (periods.empty() || periods.back().captured_at != at) {
      periods.push_back({.captured_at = at, .values = {}});
    }
    BillingValueRecord value;
    value.obis = ColumnText(*q, 1);
    value.value = sqlite3_column_int64(*q, 2);
    value.scaler = sqlite3_column_int(*q, 3);
    value.unit = static_cast<uint32_t>(sqlite3_column_int64(*q, 4));
    if (sqlite3_column_type(*q, 5) != SQLITE_NULL) {
      value.value_at = FromUnixSeconds(sqlite3_column_int64(*q, 5));
    }
    periods.back().values.push_back(std::move(value));
  }
  if (rc != SQLITE_DONE) return Error("read billing periods");
  return periods;
}

absl::StatusOr<std::vector<MeterEventRecord>> Store::ReadMeterEvents(const std::string& meter_id,
                                                                     TimePoint from, TimePoint to,
                                                                     int limit) {
  std::lock_guard lock(mutex_);
  SqliteUse q(statements_->read_meter_events);
  BindText(*q, 1, meter_id);
  sqlite3_bind_int64(*q, 2, ToUnixSeconds(from));
  sqlite3_bind_int64(*q, 3, ToUnixSeconds(to));
  sqlite3_bind_int(*q, 4, limit);
  std::vector<MeterEventRecord> entries;
  int rc;
  while ((rc = sqlite3_step(*q)) == SQLITE_ROW) {
    entries.push_back({.log = ColumnText(*q, 0),
                       .captured_at = FromUnixSeconds(sqlite3_column_int64(*q, 1)),
                       .code = static_cast<uint32_t>(sqlite3_column_int64(*q, 2)),
                       .value = sqlite3_column_int64(*q, 3)});
  }
  if (rc != SQLITE_DONE) return Error("read meter events");
  return entries;
}

absl::StatusOr<std::vector<ProfileGap>> Store::ProfileGaps(const std::string& meter_id) {
  std::lock_guard lock(mutex_);
  SqliteUse q(statements_->profile_gaps);
  BindText(*q, 1, meter_id);
  std::vector<ProfileGap> gaps;
  int rc;
  while ((rc = sqlite3_step(*q)) == SQLITE_ROW) {
    const int64_t at = sqlite3_column_int64(*q, 0);
    const int64_t next = sqlite3_column_int64(*q, 1);
    const int64_t period = sqlite3_column_int64(*q, 2);
    // The capture slots of the period's grid strictly between the two (a row off the grid,
    // after a clock step or a period change, still leaves the grid's slots to look for).
    const int64_t missing = (next - 1) / period - at / period;
    if (missing <= 0) continue;
    gaps.push_back({.from = FromUnixSeconds(at + 1),
                    .to = FromUnixSeconds(next - 1),
                    .missing = static_cast<uint32_t>(missing)});
  }
  if (rc != SQLITE_DONE) return Error("load profile gaps");
  return gaps;
}

absl::StatusOr<std::vector<ProfileRecord>> Store::ReadProfile(const std::string& meter_id,
                                                              TimePoint from, TimePoint to,
                                                              int limit) {
  std::lock_guard lock(mutex_);
  SqliteUse q(statements_->read_profile);
  BindText(*q, 1, meter_id);
  sqlite3_bind_int64(*q, 2, ToUnixSeconds(from));
  sqlite3_bind_int64(*q, 3, ToUnixSeconds(to));
  sqlite3_bind_int(*q, 4, limit);
  std::vector<ProfileRecord> rows;
  int rc;
  while ((rc = sqlite3_step(*q)) == SQLITE_ROW) {
    ProfileRecord row;
    row.captured_at = FromUnixSeconds(sqlite3_column_int64(*q, 0));
    row.status = static_cast<uint32_t>(sqlite3_column_int64(*q, 1));
    row.channels = absl::StrSplit(ColumnText(*q, 2), ',', absl::SkipEmpty());
    for (absl::string_view value : absl::StrSplit(ColumnText(*q, 3), ',', absl::SkipEmpty())) {
      uint32_t number = 0;
      if (!absl::SimpleAtoi(value, &number))
        return absl::DataLossError(absl::StrCat("load profile of ", meter_id, " at ",
                                                ToUnixSeconds(row.captured_at), ": bad value '",
                                                value, "'"));
      row.values.push_back(number);
    }
    row.read_back = sqlite3_column_int(*q, 4) != 0;
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return Error("read load profile");
  return rows;
}

absl::StatusOr<std::vector<MeterRecord>> Store::ListMeters(const std::string& after_meter_id,
                                                           int limit) {
  std::lock_guard lock(mutex_);
  SqliteUse q(statements_->list_meters);
  BindText(*q, 1, after_meter_id);
  sqlite3_bind_int(*q, 2, limit);
  std::vector<MeterRecord> meters;
  int rc;
  while ((rc = sqlite3_step(*q)) == SQLITE_ROW) meters.push_back(ReadMeter(*q));
  if (rc != SQLITE_DONE) return Error("list meters");
  return meters;
}

absl::StatusOr<std::optional<MeterRecord>> Store::GetMeter(const std::string& meter_id) {
  std::lock_guard lock(mutex_);
  SqliteUse q(statements_->get_meter);
  BindText(*q, 1, meter_id);
  const int rc = sqlite3_step(*q);
  if (rc == SQLITE_ROW) return std::optional<MeterRecord>(ReadMeter(*q));
  if (rc != SQLITE_DONE) return Error("get meter");
  return std::optional<MeterRecord>();
}

absl::StatusOr<std::vector<RegisterRecord>> Store::LatestRegisters(
    const std::string& meter_id, const std::vector<std::string>& obis) {
  std::lock_guard lock(mutex_);
  std::vector<RegisterRecord> registers;
  int rc;
  if (obis.empty()) {
    // SQLite returns the row holding max() for the bare columns of a min/max aggregate.
    SqliteUse q(statements_->latest_registers);
    BindText(*q, 1, meter_id);
    while ((rc = sqlite3_step(*q)) == SQLITE_ROW) registers.push_back(ReadRegister(*q));
    if (rc != SQLITE_DONE) return Error("latest registers");
    return registers;
  }
  for (const std::string& code : obis) {
    SqliteUse q(statements_->latest_register);
    BindText(*q, 1, meter_id);
    BindText(*q, 2, code);
    rc = sqlite3_step(*q);
    if (rc == SQLITE_ROW) {
      registers.push_back(ReadRegister(*q));
    } else if (rc != SQLITE_DONE) {
      return Error("latest register");
    }
  }
  return registers;
}

absl::StatusOr<std::vector<EventRecord>> Store::EventsAfter(uint64_t after_sequence, int limit) {
  std::lock_guard lock(mutex_);
  SqliteUse q(statements_->events_after);
  sqlite3_bind_int64(*q, 1, static_cast<int64_t>(after_sequence));
  sqlite3_bind_int(*q, 2, limit);
  std::vector<EventRecord> events;
  int rc;
  while ((rc = sqlite3_step(*q)) == SQLITE_ROW) {
    EventRecord event;
    event.sequence = static_cast<uint64_t>(sqlite3_column_int64(*q, 0));
    event.event_bytes.assign(static_cast<const char*>(sqlite3_column_blob(*q, 1)),
                             static_cast<size_t>(sqlite3_column_bytes(*q, 1)));
    events.push_back(std::move(event));
  }
  if (rc != SQLITE_DONE) return Error("events after");
  return events;
}

absl::StatusOr<uint64_t> Store::LastEventSequence() {
  std::lock_guard lock(mutex_);
  SqliteUse q(statements_->last_event);
  if (sqlite3_step(*q) != SQLITE_ROW) return Error("last event");
  return static_cast<uint64_t>(sqlite3_column_int64(*q, 0));
}

absl::StatusOr<std::optional<uint64_t>> Store::OutboxAcked(const std::string& profile) {
  std::lock_guard lock(mutex_);
  SqliteUse q(statements_->outbox_acked);
  BindText(*q, 1, profile);
  const int rc = sqlite3_step(*q);
  if (rc == SQLITE_ROW) return std::optional(static_cast<uint64_t>(sqlite3_column_int64(*q, 0)));
  if (rc != SQLITE_DONE) return Error("outbox cursor");
  return std::optional<uint64_t>();
}

absl::Status Store::SetOutboxAcked(const std::string& profile, uint64_t sequence) {
  std::lock_guard lock(mutex_);
  SqliteUse q(statements_->set_outbox_acked);
  BindText(*q, 1, profile);
  sqlite3_bind_int64(*q, 2, static_cast<int64_t>(sequence));
  if (sqlite3_step(*q) != SQLITE_DONE) return Error("set outbox cursor");
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Store::StateValue(const std::string& key, int64_t if_absent) {
  std::lock_guard lock(mutex_);
  SqliteUse q(statements_->state_value);
  BindText(*q, 1, key);
  const int rc = sqlite3_step(*q);
  if (rc == SQLITE_ROW) return sqlite3_column_int64(*q, 0);
  if (rc != SQLITE_DONE) return Error("gateway state");
  return if_absent;
}

absl::Status Store::SetStateValue(const std::string& key, int64_t value) {
  std::lock_guard lock(mutex_);
  SqliteUse q(statements_->set_state_value);
  BindText(*q, 1, key);
  sqlite3_bind_int64(*q, 2, value);
  if (sqlite3_step(*q) != SQLITE_DONE) return Error("set gateway state");
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Store::DeleteBefore(int64_t cutoff_s) {
  Statements& s = *statements_;
  uint64_t deleted = 0;
  const std::pair<SqliteStatement*, int64_t> deletes[] = {{&s.prune_readings, cutoff_s * 1'000'000},
                                                          {&s.prune_profile, cutoff_s},
                                                          {&s.prune_billing, cutoff_s},
                                                          {&s.prune_meter_events, cutoff_s}};
  for (const auto& [statement, bound] : deletes) {
    SqliteUse q(*statement);
    sqlite3_bind_int64(*q, 1, bound);
    if (sqlite3_step(*q) != SQLITE_DONE) return Error("prune");
    deleted += static_cast<uint64_t>(sqlite3_changes(db_.get()));
  }
  return deleted;
}

absl::StatusOr<uint64_t> Store::DeleteEventsUpTo(uint64_t sequence) {
  SqliteUse q(statements_->prune_events);
  sqlite3_bind_int64(*q, 1, static_cast<int64_t>(sequence));
  if (sqlite3_step(*q) != SQLITE_DONE) return Error("prune events");
  return static_cast<uint64_t>(sqlite3_changes(db_.get()));
}

absl::StatusOr<uint64_t> Store::BytesInUse() {
  VMUC_ASSIGN_OR_RETURN(const int64_t pages, db_.QueryInt("PRAGMA page_count"));
  VMUC_ASSIGN_OR_RETURN(const int64_t free_pages, db_.QueryInt("PRAGMA freelist_count"));
  VMUC_ASSIGN_OR_RETURN(const int64_t page_size, db_.QueryInt("PRAGMA page_size"));
  return static_cast<uint64_t>((pages - free_pages) * page_size);
}

absl::StatusOr<Store::PruneResult> Store::Prune(const RetentionPolicy& policy, TimePoint now,
                                                uint64_t keep_events_after) {
  std::lock_guard lock(mutex_);
  PruneResult result;
  int64_t cutoff_s = ToUnixSeconds(now - policy.max_age);
  VMUC_ASSIGN_OR_RETURN(result.rows_deleted, DeleteBefore(cutoff_s));
  VMUC_ASSIGN_OR_RETURN(uint64_t last_event, [&]() -> absl::StatusOr<uint64_t> {
    SqliteUse q(statements_->last_event);
    if (sqlite3_step(*q) != SQLITE_ROW) return Error("last event");
    return static_cast<uint64_t>(sqlite3_column_int64(*q, 0));
  }());
  // Events the MQTT outbox has not delivered are never deleted (keep_events_after).
  const uint64_t deletable = std::min(keep_events_after, last_event);
  if (policy.max_events > 0 && last_event > policy.max_events) {
    VMUC_ASSIGN_OR_RETURN(const uint64_t deleted,
                          DeleteEventsUpTo(std::min(deletable, last_event - policy.max_events)));
    result.events_deleted += deleted;
  }
  VMUC_ASSIGN_OR_RETURN(result.bytes_in_use, BytesInUse());
  // Over the size bound: the oldest day of data goes, and the older half of the delivered
  // events, until the data fits (SQLite reuses the freed pages, so the file stops growing).
  // Never the last day's data, at most a few days per run (the writer's lock is held while
  // deleting; the next hour goes on), and no further once a round frees nothing: what is
  // left may be events the outbox still has to deliver.
  const int64_t newest_cutoff_s = ToUnixSeconds(now) - 86'400;
  for (int round = 0; policy.max_bytes > 0 && result.bytes_in_use > policy.max_bytes && round < 8;
       ++round) {
    int64_t oldest_s = 0;
    {
      SqliteUse q(statements_->oldest_kept);
      if (sqlite3_step(*q) != SQLITE_ROW) return Error("oldest kept");
      oldest_s = sqlite3_column_type(*q, 0) == SQLITE_NULL ? 0 : sqlite3_column_int64(*q, 0);
    }
    uint64_t first_event = 0;
    {
      SqliteUse q(statements_->first_event);
      if (sqlite3_step(*q) != SQLITE_ROW) return Error("first event");
      first_event = static_cast<uint64_t>(sqlite3_column_int64(*q, 0));
    }
    uint64_t deleted = 0;
    if (oldest_s > 0 && cutoff_s < newest_cutoff_s) {
      cutoff_s = std::min(std::max(cutoff_s, oldest_s + 86'400), newest_cutoff_s);
      VMUC_ASSIGN_OR_RETURN(deleted, DeleteBefore(cutoff_s));
      result.rows_deleted += deleted;
    }
    if (first_event > 0 && first_event <= deletable) {
      VMUC_ASSIGN_OR_RETURN(const uint64_t events,
                            DeleteEventsUpTo(first_event + (deletable - first_event) / 2));
      result.events_deleted += events;
      deleted += events;
    }
    const uint64_t before = result.bytes_in_use;
    VMUC_ASSIGN_OR_RETURN(result.bytes_in_use, BytesInUse());
    if (deleted == 0 || result.bytes_in_use >= before) break;  // nothing more may go
  }
  result.cutoff = FromUnixSeconds(cutoff_s);
  return result;
}

}  // namespace vmuc::gateway
