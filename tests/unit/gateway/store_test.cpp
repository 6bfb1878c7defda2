#include "gateway/store/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "tests/integration/test_process.h"

namespace vmuc::gateway {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'767'225'600));

ReadingBatch Batch(const std::string& meter, TimePoint at, int64_t a_plus) {
  return ReadingBatch{meter, 7, at + 1s, {{"1.1.1.8.0.255", a_plus, 0, 30, at}}};
}

auto NoEvents = [](const ReadingBatch&, const Store::Stored&) {
  return std::vector<std::string>();
};

class StoreTest : public ::testing::Test {
 protected:
  std::string Path() const { return dir_.path() + "/vmuc.db"; }
  vmuc::testing::TempDir dir_;
};

TEST_F(StoreTest, StoresAndReadsBackTheLatestValues) {
  auto store = Store::Open(Path());
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->StoreBatches({Batch("5700000000000001", kT0, 100)}, NoEvents).ok());
  ASSERT_TRUE((*store)->StoreBatches({Batch("5700000000000001", kT0 + 15min, 130)}, NoEvents).ok());
  auto latest = (*store)->LatestRegisters("5700000000000001", {});
  ASSERT_TRUE(latest.ok());
  ASSERT_EQ(latest->size(), 1u);
  EXPECT_EQ((*latest)[0].value, 130);
  EXPECT_EQ((*latest)[0].captured_at, kT0 + 15min);
  auto meter = (*store)->GetMeter("5700000000000001");
  ASSERT_TRUE(meter.ok() && meter->has_value());
  EXPECT_EQ((*meter)->frames_received, 2u);
  EXPECT_EQ((*meter)->first_seen, kT0 + 1s);
  EXPECT_EQ((*meter)->last_seen, kT0 + 15min + 1s);
}

TEST_F(StoreTest, DuplicatesAreNotNewAndDiscoveryHappensOnce) {
  auto store = *Store::Open(Path());
  std::vector<Store::Stored> outcomes;
  auto record = [&](const ReadingBatch&, const Store::Stored& stored) {
    outcomes.push_back(stored);
    return std::vector<std::string>{"event"};
  };
  auto first = store->StoreBatches({Batch("5700000000000001", kT0, 100)}, record);
  auto again = store->StoreBatches({Batch("5700000000000001", kT0, 100)}, record);
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_TRUE(outcomes[0].meter_discovered);
  EXPECT_EQ(outcomes[0].new_registers.size(), 1u);
  EXPECT_FALSE(outcomes[1].meter_discovered);
  EXPECT_TRUE(outcomes[1].new_registers.empty());
  EXPECT_EQ(*first, std::vector<uint64_t>{1});
  EXPECT_EQ(*again, std::vector<uint64_t>{2});
}

TEST_F(StoreTest, EventsArePagedInSequenceAndSurviveReopening) {
  {
    auto store = *Store::Open(Path());
    for (int i = 0; i < 10; ++i) {
      auto events = [i](const ReadingBatch&, const Store::Stored&) {
        return std::vector<std::string>{"e" + std::to_string(i)};
      };
      ASSERT_TRUE(store->StoreBatches({Batch("5700000000000001", kT0 + i * 1min, i)}, events).ok());
    }
  }
  auto store = *Store::Open(Path());  // a restarted gateway
  EXPECT_EQ(*store->LastEventSequence(), 10u);
  auto page = store->EventsAfter(3, 4);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 4u);
  EXPECT_EQ((*page)[0].sequence, 4u);
  EXPECT_EQ((*page)[0].event_bytes, "e3");
  EXPECT_EQ((*page)[3].sequence, 7u);
}

TEST_F(StoreTest, ListsMetersInPages) {
  auto store = *Store::Open(Path());
  std::vector<ReadingBatch> batches;
  for (int i = 5; i >= 1; --i)
    batches.push_back(Batch("570000000000000" + std::to_string(i), kT0, i));
  ASSERT_TRUE(store->StoreBatches(batches, NoEvents).ok());
  auto first = *store->ListMeters("", 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].meter_id, "5700000000000001");
  auto second = *store->ListMeters(first.back().meter_id, 10);
  ASSERT_EQ(second.size(), 3u);
  EXPECT_EQ(second.back().meter_id, "5700000000000005");
}

TEST_F(StoreTest, UsesWalAndRefusesANewerSchema) {
  { auto store = *Store::Open(Path()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(Path().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto store = Store::Open(Path());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(StoreTest, AFailedBatchLeavesNothingBehind) {
  auto store = *Store::Open(Path());
  // A trigger makes the second batch's event insert fail half way through the transaction.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(Path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(
                db,
                "CREATE TRIGGER boom BEFORE INSERT ON events WHEN CAST(NEW.event AS TEXT) = 'boom' "
                "BEGIN SELECT RAISE(ABORT, 'boom'); END;",
                nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto events = [](const ReadingBatch& batch, const Store::Stored&) {
    return std::vector<std::string>{batch.meter_id == "5700000000000002" ? "boom" : "fine"};
  };
  auto result = store->StoreBatches(
      {Batch("5700000000000001", kT0, 1), Batch("5700000000000002", kT0, 2)}, events);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(std::string(result.status().message()).find("boom"), std::string::npos);
  EXPECT_TRUE(store->ListMeters("", 10)->empty());
  EXPECT_TRUE(store->LatestRegisters("5700000000000001", {})->empty());
  EXPECT_EQ(*store->LastEventSequence(), 0u);
  // And the store still works afterwards.
  EXPECT_TRUE(store->StoreBatches({Batch("5700000000000001", kT0, 1)}, NoEvents).ok());
}

TEST_F(StoreTest, OpeningADirectoryFailsWithThePath) {
  auto store = Store::Open(dir_.path());
  ASSERT_FALSE(store.ok());
  EXPECT_NE(std::string(store.status().message()).find(dir_.path()), std::string::npos);
}

ProfileBatch Profile(const std::string& meter, std::vector<int> quarters) {
  ProfileBatch batch{.meter_id = meter, .period_s = 900, .rows = {}};
  for (int q : quarters) {
    batch.rows.push_back({.captured_at = kT0 + q * 15min,
                          .status = 0,
                          .channels = {"1.1.1.8.0.255", "1.1.2.8.0.255"},
                          .values = {static_cast<uint32_t>(100 + q), static_cast<uint32_t>(q)},
                          .read_back = false});
  }
  return batch;
}

// Periods ending on day `days` after kT0: the debiting stop counter, A+ and a maximum with
// its time (none on odd days), every value a function of the day.
BillingBatch Billing(const std::string& meter, std::vector<int> days) {
  BillingBatch batch{.meter_id = meter, .periods = {}};
  for (int d : days) {
    const TimePoint end = kT0 + d * 24h;
    batch.periods.push_back(
        {.captured_at = end,
         .values = {{"0.0.0.1.0.255", d, 0, 255, std::nullopt},
                    {"1.1.1.8.0.255", 1000 * d, 0, 30, std::nullopt},
                    {"1.1.1.6.0.255", 4000 + d, 0, 27,
                     d % 2 == 0 ? std::optional<TimePoint>(end - 5h) : std::nullopt}}});
  }
  return batch;
}

TEST_F(StoreTest, BillingPeriodsAreStoredOnceWithAnEventEachAndReadInPages) {
  auto store = *Store::Open(Path());
  std::vector<TimePoint> reported;
  auto make_event = [&](const BillingPeriodRecord& period) {
    reported.push_back(period.captured_at);
    return absl::StrCat("period ", ToUnixSeconds(period.captured_at));
  };
  EXPECT_EQ(*store->NewestBillingPeriod("m1"), std::nullopt);
  EXPECT_EQ(*store->StoreBillingPeriods(Billing("m1", {1, 2}), make_event), 2u);
  // Again with one new: only it is new, and reported.
  EXPECT_EQ(*store->StoreBillingPeriods(Billing("m1", {1, 2, 3}), make_event), 1u);
  EXPECT_EQ(*store->StoreBillingPeriods(Billing("m2", {2}), make_event), 1u);
  EXPECT_EQ(reported, (std::vector<TimePoint>{kT0 + 24h, kT0 + 48h, kT0 + 72h, kT0 + 48h}));
  auto events = store->EventsAfter(0, 10);
  ASSERT_EQ(events->size(), 4u);
  EXPECT_EQ((*events)[2].event_bytes, absl::StrCat("period ", ToUnixSeconds(kT0 + 72h)));
  EXPECT_EQ(*store->NewestBillingPeriod("m1"), kT0 + 72h);
  EXPECT_EQ(*store->NewestBillingPeriod("m2"), kT0 + 48h);

  // Column order and the maxima's times come back as stored; pages of `limit` periods.
  auto page = store->ReadBillingPeriods("m1", kT0, kT0 + 30 * 24h, 2);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0], Billing("m1", {1}).periods[0]);
  EXPECT_EQ((*page)[1], Billing("m1", {2}).periods[0]);
  EXPECT_EQ((*page)[1].values[2].value_at, kT0 + 48h - 5h);
  page = store->ReadBillingPeriods("m1", (*page)[1].captured_at + 1s, kT0 + 30 * 24h, 2);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0], Billing("m1", {3}).periods[0]);
  // The range is inclusive at both ends.
  EXPECT_EQ(store->ReadBillingPeriods("m1", kT0 + 48h, kT0 + 48h, 10)->size(), 1u);
  EXPECT_TRUE(store->ReadBillingPeriods("m1", kT0, kT0 + 24h - 1s, 10)->empty());
}

TEST_F(StoreTest, MeterEventsAreStoredOncePerLogTimeAndCode) {
  auto store = *Store::Open(Path());
  int reported = 0;
  auto make_event = [&](const MeterEventRecord& entry) {
    ++reported;
    return absl::StrCat(entry.log, " ", entry.code);
  };
  const MeterEventBatch first{"m1",
                              {{"standard", kT0, 1, 0},
                               {"standard", kT0, 2, 0},  // up in the same second: kept too
                               {"power_failure", kT0 + 10min, 1001, 600},
                               {"fraud", kT0 + 1h, 40, 0}}};
  EXPECT_EQ(*store->StoreMeterEvents(first, make_event), 4u);
  const MeterEventBatch again{"m1", {{"standard", kT0, 2, 0}, {"standard", kT0 + 2h, 1, 0}}};
  EXPECT_EQ(*store->StoreMeterEvents(again, make_event), 1u);
  EXPECT_EQ(reported, 5);
  EXPECT_EQ((*store->EventsAfter(0, 10))[3].event_bytes, "fraud 40");
  EXPECT_EQ(*store->NewestMeterEvent("m1", "standard"), kT0 + 2h);
  EXPECT_EQ(*store->NewestMeterEvent("m1", "power_failure"), kT0 + 10min);
  EXPECT_EQ(*store->NewestMeterEvent("m1", "clock"), std::nullopt);
  EXPECT_EQ(*store->NewestMeterEvent("m2", "standard"), std::nullopt);
  auto entries = store->ReadMeterEvents("m1", kT0, kT0 + 1h, 100);
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_EQ(*entries, (std::vector<MeterEventRecord>{{"standard", kT0, 1, 0},
                                                     {"standard", kT0, 2, 0},
                                                     {"power_failure", kT0 + 10min, 1001, 600},
                                                     {"fraud", kT0 + 1h, 40, 0}}));
  EXPECT_EQ(store->ReadMeterEvents("m1", kT0, kT0 + 24h, 2)->size(), 2u);
}

TEST_F(StoreTest, LoadProfileEntriesAreStoredOnceAndTheirGapsFound) {
  auto store = Store::Open(Path());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(*(*store)->StoreProfile(Profile("m1", {1, 2, 3, 7, 8, 12})), 6u);
  EXPECT_EQ(*(*store)->StoreProfile(Profile("m1", {3, 13})), 1u);  // 3 again: kept as it was
  EXPECT_EQ(*(*store)->StoreProfile(Profile("m2", {1, 5})), 2u);
  auto gaps = (*store)->ProfileGaps("m1");
  ASSERT_TRUE(gaps.ok()) << gaps.status();
  ASSERT_EQ(gaps->size(), 2u);
  EXPECT_EQ((*gaps)[0], (ProfileGap{kT0 + 3 * 15min + 1s, kT0 + 7 * 15min - 1s, 3}));
  EXPECT_EQ((*gaps)[1], (ProfileGap{kT0 + 8 * 15min + 1s, kT0 + 12 * 15min - 1s, 3}));
  EXPECT_EQ((*store)->ProfileGaps("m2")->size(), 1u);
  EXPECT_TRUE((*store)->ProfileGaps("nobody")->empty());

  auto rows = (*store)->ReadProfile("m1", kT0 + 2 * 15min, kT0 + 8 * 15min, 100);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[2], Profile("m1", {7}).rows[0]);
  EXPECT_EQ((*store)->ReadProfile("m1", kT0, kT0 + 24h, 2)->size(), 2u);
}

TEST_F(StoreTest, AGapCountsTheSlotsOfThePeriodsGridEvenFromARowOffIt) {
  auto store = Store::Open(Path());
  ASSERT_TRUE(store.ok()) << store.status();
  ProfileBatch batch = Profile("m1", {0, 2});
  batch.rows[0].captured_at += 100s;  // off the grid (a clock step); the slot at 1 is missing
  ASSERT_TRUE((*store)->StoreProfile(batch).ok());
  auto gaps = (*store)->ProfileGaps("m1");
  ASSERT_TRUE(gaps.ok()) << gaps.status();
  ASSERT_EQ(gaps->size(), 1u);
  EXPECT_EQ((*gaps)[0], (ProfileGap{kT0 + 101s, kT0 + 2 * 15min - 1s, 1}));
  // Entries a little off the grid but less than a period apart are no gap.
  batch = Profile("m2", {0, 1});
  batch.rows[0].captured_at += 100s;
  ASSERT_TRUE((*store)->StoreProfile(batch).ok());
  EXPECT_TRUE((*store)->ProfileGaps("m2")->empty());
}

TEST_F(StoreTest, ABadLoadProfileBatchLeavesNothingBehind) {
  auto store = Store::Open(Path());
  ASSERT_TRUE(store.ok()) << store.status();
  ProfileBatch batch = Profile("m1", {1, 2, 3});
  batch.rows[2].values.pop_back();  // fewer values than channels
  const absl::Status status = (*store)->StoreProfile(batch).status();
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_NE(status.message().find("1 values for 2 channels"), std::string::npos) << status;
  EXPECT_TRUE((*store)->ReadProfile("m1", kT0, kT0 + 24h, 100)->empty());
  EXPECT_EQ(*(*store)->StoreProfile(Profile("m1", {1})), 1u);
}

TEST_F(StoreTest, ADatabaseOfSchemaOneMigratesAndKeepsItsReadings) {
  {
    auto store = *Store::Open(Path());
    ASSERT_TRUE(store->StoreBatches({Batch("5700000000000001", kT0, 100)}, NoEvents).ok());
  }
  // Back to schema 1 as the first release left it: no load_profile, no outbox cursor, no
  // billing values or meter events, no retention indexes.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(Path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db,
                   "DROP TABLE load_profile; DROP TABLE mqtt_outbox; DROP TABLE gateway_state;"
                   " DROP TABLE billing_values; DROP TABLE meter_events;"
                   " DROP INDEX register_readings_by_age; PRAGMA user_version=1",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto store = Store::Open(Path());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->LatestRegisters("5700000000000001", {})->at(0).value, 100);
  EXPECT_EQ(*(*store)->StoreProfile(Profile("m1", {1})), 1u);
  // No cursor yet: the publisher's first start sets it (outbox_publisher.cc).
  EXPECT_EQ(*(*store)->OutboxAcked("json"), std::nullopt);
  EXPECT_EQ(*(*store)->StoreBillingPeriods(Billing("m1", {1})), 1u);
  EXPECT_EQ(*(*store)->StoreMeterEvents({"m1", {{"standard", kT0, 1, 0}}}), 1u);
}

TEST_F(StoreTest, ADatabaseOfSchemaThreeGainsTheScheduledReadsTablesAndKeepsTheRest) {
  {
    auto store = *Store::Open(Path());
    ASSERT_TRUE(store->StoreProfile(Profile("m1", {1, 2})).ok());
    ASSERT_TRUE(store->SetOutboxAcked("json", 5).ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(Path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TABLE billing_values; DROP TABLE meter_events;"
                         " DROP INDEX register_readings_by_age; DROP INDEX load_profile_by_age;"
                         " PRAGMA user_version=3",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto store = Store::Open(Path());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->ReadProfile("m1", kT0, kT0 + 24h, 10)->size(), 2u);
  EXPECT_EQ(*(*store)->OutboxAcked("json"), 5u);
  EXPECT_EQ(*(*store)->NewestBillingPeriod("m1"), std::nullopt);
  EXPECT_EQ(*(*store)->StoreBillingPeriods(Billing("m1", {1, 2})), 2u);
  EXPECT_EQ(*(*store)->NewestBillingPeriod("m1"), kT0 + 2 * 24h);
}

TEST_F(StoreTest, NewProfileEntriesAreReportedByOneEventInTheSameTransaction) {
  auto store = *Store::Open(Path());
  std::vector<size_t> reported;
  auto make_event = [&](const std::vector<ProfileRecord>& rows) {
    reported.push_back(rows.size());
    return std::string("profile event");
  };
  EXPECT_EQ(*store->StoreProfile(Profile("m1", {1, 2}), make_event), 2u);
  // The same entries again and one new: the event reports only the new one.
  EXPECT_EQ(*store->StoreProfile(Profile("m1", {1, 2, 3}), make_event), 1u);
  // Nothing new: no event.
  EXPECT_EQ(*store->StoreProfile(Profile("m1", {2, 3}), make_event), 0u);
  EXPECT_EQ(reported, (std::vector<size_t>{2, 1}));
  auto events = store->EventsAfter(0, 10);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1].event_bytes, "profile event");
}

TEST_F(StoreTest, TheOutboxCursorOnlyMovesForwardAndStateValuesPersist) {
  {
    auto store = *Store::Open(Path());
    EXPECT_EQ(*store->OutboxAcked("json"), std::nullopt);
    ASSERT_TRUE(store->SetOutboxAcked("json", 40).ok());
    ASSERT_TRUE(store->SetOutboxAcked("json", 30).ok());  // a late, older save
    ASSERT_TRUE(store->SetOutboxAcked("sparkplug", 7).ok());
    EXPECT_EQ(*store->StateValue("sparkplug.bd_seq", -1), -1);
    ASSERT_TRUE(store->SetStateValue("sparkplug.bd_seq", 255).ok());
    ASSERT_TRUE(store->SetStateValue("sparkplug.bd_seq", 0).ok());
  }
  auto store = *Store::Open(Path());  // a restart
  EXPECT_EQ(*store->OutboxAcked("json"), 40u);
  EXPECT_EQ(*store->OutboxAcked("sparkplug"), 7u);
  EXPECT_EQ(*store->StateValue("sparkplug.bd_seq", -1), 0);
}

}  // namespace
}  // namespace vmuc::gateway

namespace vmuc::gateway {
namespace {

class StoreRetentionTest : public ::testing::Test {
 protected:
  std::string Path() const { return dir_.path() + "/vmuc.db"; }
  vmuc::testing::TempDir dir_;
};

auto OneEventEach = [](const ReadingBatch& batch, const Store::Stored&) {
  return std::vector<std::string>{std::string(200, 'e') + batch.meter_id};
};

TEST_F(StoreRetentionTest, DataOlderThanTheMaximumAgeGoesNewerStays) {
  auto store = *Store::Open(Path());
  // Readings on days 0 and 10; profile entries on days 0 and 10 (quarter 960 = day 10).
  ASSERT_TRUE(
      store->StoreBatches({Batch("m1", kT0, 1), Batch("m1", kT0 + 240h, 2)}, NoEvents).ok());
  ASSERT_EQ(*store->StoreProfile(Profile("m1", {1, 2, 961})), 3u);
  auto result = store->Prune({.max_age = std::chrono::days(5)}, kT0 + 12 * 24h, 0);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->rows_deleted, 3u);  // one reading, two entries
  EXPECT_EQ(result->cutoff, kT0 + 7 * 24h);
  auto latest = store->LatestRegisters("m1", {});
  ASSERT_EQ(latest->size(), 1u);
  EXPECT_EQ((*latest)[0].value, 2);
  auto profile = store->ReadProfile("m1", kT0, kT0 + 30 * 24h, 100);
  ASSERT_EQ(profile->size(), 1u);
  EXPECT_EQ((*profile)[0].captured_at, kT0 + 961 * 15min);
  EXPECT_TRUE(store->GetMeter("m1")->has_value());  // meters are kept
}

TEST_F(StoreRetentionTest, EventsAreBoundedButNeverBeforeTheOutboxDeliveredThem) {
  auto store = *Store::Open(Path());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(store->StoreBatches({Batch("m" + std::to_string(i), kT0, i)}, OneEventEach).ok());
  }
  // At most 20 events, but the outbox has delivered only up to 60: 61..100 stay.
  auto result = store->Prune({.max_events = 20}, kT0, /*keep_events_after=*/60);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->events_deleted, 60u);
  auto events = store->EventsAfter(0, 1000);
  ASSERT_EQ(events->size(), 40u);
  EXPECT_EQ(events->front().sequence, 61u);
  // Delivered now: down to 20.
  EXPECT_EQ(store->Prune({.max_events = 20}, kT0, 100)->events_deleted, 20u);
  EXPECT_EQ(store->EventsAfter(0, 1000)->front().sequence, 81u);
}

TEST_F(StoreRetentionTest, OverTheSizeBoundTheOldestDaysGoFirst) {
  auto store = *Store::Open(Path());
  // 30 days of 96 entries for 20 meters, and a delivered event per reading.
  for (int day = 0; day < 30; ++day) {
    for (int meter = 0; meter < 20; ++meter) {
      std::vector<int> quarters;
      for (int q = 1; q <= 96; ++q) quarters.push_back(day * 96 + q);
      ASSERT_TRUE(store->StoreProfile(Profile("m" + std::to_string(meter), quarters)).ok());
    }
  }
  const auto before = store->Prune({.max_age = std::chrono::days(365)}, kT0 + 31 * 24h, 0);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->rows_deleted, 0u);
  const uint64_t full = before->bytes_in_use;
  // A run deletes a few days at most (it holds the writer's lock); the hourly runs that
  // follow go on until the data fits.
  absl::StatusOr<Store::PruneResult> result;
  int runs = 0;
  do {
    result =
        store->Prune({.max_age = std::chrono::days(365), .max_bytes = full / 3}, kT0 + 31 * 24h, 0);
    ASSERT_TRUE(result.ok()) << result.status();
    ++runs;
  } while (result->bytes_in_use > full / 3 && runs < 10);
  EXPECT_GE(runs, 2);
  EXPECT_LE(result->bytes_in_use, full / 3);
  EXPECT_LE(result->cutoff, kT0 + 30 * 24h);  // never the last day's data
  EXPECT_GT(result->bytes_in_use, full / 6) << "deleted far more than needed";
  // What is left is the newest days, whole: entries from the cutoff on, none before.
  auto kept = store->ReadProfile("m0", kT0, kT0 + 31 * 24h, 10'000);
  ASSERT_FALSE(kept->empty());
  EXPECT_GE(kept->front().captured_at, result->cutoff);
  EXPECT_EQ(kept->back().captured_at, kT0 + (29 * 96 + 96) * 15min);
  EXPECT_EQ(kept->size(), static_cast<size_t>((kT0 + 30 * 24h - result->cutoff) / 15min) + 1);
}

}  // namespace
}  // namespace vmuc::gateway
