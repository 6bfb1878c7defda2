// The gateway's daily scheduled reads against real meters: a fake DLMS reader answers each
// read by range from a real meters::Meter's object model (MeterDirectory, the bytes a GET
// with selective access returns), on a discrete-event scheduler, with a real SQLite store.
#include "gateway/collector/scheduled_reads.h"

#include <gtest/gtest.h>

#include <map>

#include "common/config.h"
#include "dlms/cosem_date_time.h"
#include "gateway/api/gateway_service.h"
#include "meters/cosem/meter_directory.h"
#include "meters/cosem/profile_push.h"
#include "meters/fleet.h"
#include "meters/meter.h"
#include "tests/integration/test_process.h"
#include "vmuc/v1/gateway.pb.h"

namespace vmuc::gateway {
namespace {

using namespace std::chrono_literals;
using dlms::DataValue;
using dlms::Obis;

TimePoint Utc(int year, unsigned month, unsigned day, std::chrono::seconds time_of_day = 0s) {
  return TimePoint(std::chrono::sys_days(std::chrono::year(year) / month / day)) + time_of_day;
}

// The meters are installed on 1 December 2025; the gateway meets them on 30 January 2026 at
// noon. Their debiting periods end monthly at 00:00 UTC (Z6 = 1, Z7 monthly, Z11 = 0).
const TimePoint kInstalled = Utc(2025, 12, 1);
const TimePoint kSeen = Utc(2026, 1, 30, 12h);

// The pinned spread offsets (seconds) of fleet meters 0, 1 and 2.
constexpr int kOffset0 = 350;
constexpr int kOffset1 = 5337;
constexpr int kOffset2 = 3006;

meters::MeterIdentity FleetMeterId(uint32_t index) {
  return meters::FleetMeter(FleetSection(), index);
}

// Answers reads from real meters, as they would over DLMS: the meter is brought to the
// moment of the read, then its directory answers attribute 2 by range. A meter without
// supply does not answer; `fail_from` makes every read from that request on fail (the mesh
// lost the meter) until cleared.
class MeterBufferReader final : public ProfileBufferReader {
 public:
  struct Request {
    std::string meter_id;
    Obis profile;
    TimePoint from;
    TimePoint to;
    TimePoint at;  // when asked
  };

  explicit MeterBufferReader(Scheduler& scheduler)
      : scheduler_(scheduler), table_(meters::MeterCosemInfo{}) {}

  void Add(meters::Meter& meter) { meters_[meter.core().identity().MeterId()] = &meter; }

  void ReadBuffer(NodeAddress node, const std::string& meter_id, const Obis& profile,
                  TimePoint from, TimePoint to, Done done) override {
    meters::Meter& meter = *meters_.at(meter_id);
    EXPECT_EQ(node, meter.core().identity().node);
    requests.push_back({meter_id, profile, from, to, scheduler_.Now()});
    max_outstanding = std::max(max_outstanding, ++outstanding_);
    const bool fail = fail_from && requests.size() > *fail_from;
    // A round trip over the mesh later.
    scheduler_.ScheduleAt(scheduler_.Now() + answer_delay,
                          [this, &meter, profile, from, to, fail, done = std::move(done)] {
                            --outstanding_;
                            done(Answer(meter, profile, from, to, fail));
                          });
  }

  std::vector<Request> requests;
  std::optional<size_t> fail_from;  // requests after this many fail
  std::chrono::seconds answer_delay = 2s;
  int max_outstanding = 0;

 private:
  absl::StatusOr<DataValue> Answer(meters::Meter& meter, const Obis& profile, TimePoint from,
                                   TimePoint to, bool fail) {
    if (fail) return absl::DeadlineExceededError("no answer over the mesh");
    meter.AdvanceTo(scheduler_.Now());
    if (!meter.core().supply_on()) return absl::DeadlineExceededError("the meter is off");
    meters::MeterDirectory directory(table_, meter);
    dlms::GetDataResult result =
        directory.Get({.class_id = 7, .instance = profile, .attribute_id = 2},
                      meters::ProfileRangeAccess(from, to));
    if (result.result != dlms::DataAccessResult::kSuccess) {
      return absl::InternalError(absl::StrCat("data-access-result ", result.result));
    }
    return result.data;
  }

  Scheduler& scheduler_;
  meters::MeterObjectTable table_;
  std::map<std::string, meters::Meter*> meters_;
  int outstanding_ = 0;
};

// The billing value set of a period as the meter holds it (meters/loggers/billing_log.h),
// value for value in the logger's column order: OBIS, value, the maximum's time.
struct ExpectedValue {
  std::string obis;
  int64_t value;
  std::optional<TimePoint> at;
};
std::vector<ExpectedValue> ExpectedBilling(const meters::BillingValues& v) {
  const meters::RegisterSet& e = v.energy;
  constexpr uint64_t kHour = meters::kMilliUnitSecondsPerUnitHour;
  auto wh = [](uint64_t value) { return static_cast<int64_t>(value); };
  std::vector<ExpectedValue> out = {
      {"0.0.0.1.0.255", v.debiting_stop_count, {}},
      {"1.1.1.8.0.255", wh(e.wh(meters::kActiveImport)), {}},
      {"1.1.2.8.0.255", wh(e.wh(meters::kActiveExport)), {}},
      {"1.1.3.8.0.255", wh(e.reactive_import_varh()), {}},
      {"1.1.4.8.0.255", wh(e.reactive_export_varh()), {}},
      {"1.1.5.8.0.255", wh(e.wh(meters::kReactiveQ1)), {}},
      {"1.1.6.8.0.255", wh(e.wh(meters::kReactiveQ2)), {}},
      {"1.1.7.8.0.255", wh(e.wh(meters::kReactiveQ3)), {}},
      {"1.1.8.8.0.255", wh(e.wh(meters::kReactiveQ4)), {}},
      {"1.1.9.8.0.255", wh(e.wh(meters::kApparentImport)), {}},
      {"1.1.10.8.0.255", wh(e.wh(meters::kApparentExport)), {}},
  };
  for (int t = 0; t < 4; ++t) {
    out.push_back({absl::StrCat("1.1.1.8.", t + 1, ".255"),
                   wh(v.active_import_tariff[static_cast<size_t>(t)] / kHour),
                   {}});
  }
  for (int t = 0; t < 4; ++t) {
    out.push_back({absl::StrCat("1.1.3.8.", t + 1, ".255"),
                   wh(v.reactive_import_tariff[static_cast<size_t>(t)] / kHour),
                   {}});
  }
  const std::pair<const char*, meters::PeakIndex> peaks[] = {
      {"1.1.1.6.0.255", meters::kPeakActiveImport},
      {"1.1.1.6.1.255", meters::kPeakActiveImportT1},
      {"1.1.1.6.2.255", meters::kPeakActiveImportT2},
      {"1.1.3.6.0.255", meters::kPeakReactiveImport},
      {"1.1.3.6.1.255", meters::kPeakReactiveImportT1},
      {"1.1.3.6.2.255", meters::kPeakReactiveImportT2},
      {"1.1.9.6.0.255", meters::kPeakApparentImport},
      {"1.1.10.6.0.255", meters::kPeakApparentExport},
  };
  for (const auto& [obis, index] : peaks) {
    const meters::Peak& peak = v.peaks[index];
    out.push_back({obis, peak.value,
                   peak.at_unix_s == 0
                       ? std::nullopt
                       : std::optional<TimePoint>(FromUnixSeconds(peak.at_unix_s))});
  }
  const char* accumulated[] = {"1.1.1.2.0.255", "1.1.1.2.1.255", "1.1.1.2.2.255", "1.1.3.2.0.255"};
  for (size_t i = 0; i < 4; ++i) out.push_back({accumulated[i], v.accumulated[i], {}});
  return out;
}

void ExpectSameBilling(const std::vector<BillingPeriodRecord>& stored,
                       const std::vector<meters::BillingValues>& held) {
  ASSERT_EQ(stored.size(), held.size());
  for (size_t p = 0; p < held.size(); ++p) {
    EXPECT_EQ(stored[p].captured_at, held[p].at) << p;
    const std::vector<ExpectedValue> expected = ExpectedBilling(held[p]);
    ASSERT_EQ(stored[p].values.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(stored[p].values[i].obis, expected[i].obis) << p << " " << i;
      EXPECT_EQ(stored[p].values[i].value, expected[i].value) << expected[i].obis;
      EXPECT_EQ(stored[p].values[i].value_at, expected[i].at) << expected[i].obis;
      EXPECT_EQ(stored[p].values[i].scaler, 0);
    }
  }
}

// The meter's event logs as the store should hold them: (log, time, code, value).
std::vector<MeterEventRecord> ExpectedEvents(const meters::Meter& meter) {
  std::vector<MeterEventRecord> out;
  for (meters::EventLogKind kind : meters::kEventLogKinds) {
    for (const meters::EventRecord& record : meter.events().Entries(kind)) {
      const bool power_failure = kind == meters::EventLogKind::kPowerFailure;
      out.push_back({.log = std::string(meters::NameOf(kind)),
                     .captured_at = record.at,
                     .code = static_cast<uint32_t>(record.code),
                     // Over DLMS only the power failure log carries a value: the duration.
                     .value = power_failure ? record.value : 0});
    }
  }
  std::sort(out.begin(), out.end(), [](const MeterEventRecord& a, const MeterEventRecord& b) {
    return std::tie(a.captured_at, a.log, a.code) < std::tie(b.captured_at, b.log, b.code);
  });
  return out;
}

class ScheduledReadsTest : public ::testing::Test {
 protected:
  ScheduledReadsTest()
      : scheduler_(kSeen), store_(*Store::Open(dir_.path() + "/vmuc.db")), reader_(scheduler_) {
    hub_.Subscribe([this] { ++notified_; });
  }

  std::unique_ptr<ScheduledReads> Make(ScheduledReadsOptions options = {}) {
    return std::make_unique<ScheduledReads>(options, scheduler_, *store_, hub_, reader_);
  }

  // A fleet meter installed at kInstalled (or `installed`), known to the reader.
  meters::Meter& AddMeter(uint32_t index, TimePoint installed = kInstalled) {
    meters_.push_back(std::make_unique<meters::Meter>(FleetMeterId(index), installed));
    reader_.Add(*meters_.back());
    return *meters_.back();
  }

  // The stored events of one kind, parsed.
  std::vector<v1::Event> StoredEvents(v1::Event::KindCase kind) {
    std::vector<v1::Event> out;
    auto events = store_->EventsAfter(0, 100000);
    EXPECT_TRUE(events.ok()) << events.status();
    for (const EventRecord& record : *events) {
      v1::Event event;
      EXPECT_TRUE(event.ParseFromString(record.event_bytes));
      if (event.kind_case() == kind) out.push_back(std::move(event));
    }
    return out;
  }

  vmuc::testing::TempDir dir_;
  SimulatedScheduler scheduler_;
  std::unique_ptr<Store> store_;
  EventHub hub_;
  int notified_ = 0;
  MeterBufferReader reader_;
  std::vector<std::unique_ptr<meters::Meter>> meters_;
};

TEST_F(ScheduledReadsTest, EachMeterReadsDailyAtHalfPastMidnightPlusItsOwnOffset) {
  auto reads = Make();
  // Pinned: the offsets are a function of the meter id alone, the same on every gateway
  // and after every restart (FNV-1a, then Mix64, modulo the 2 h window).
  const std::string ids[] = {FleetMeterId(0).MeterId(), FleetMeterId(1).MeterId(),
                             FleetMeterId(2).MeterId()};
  EXPECT_EQ(ids[0], "5700000000000001");
  EXPECT_EQ(reads->SpreadOffset(ids[0]), 1s * kOffset0);
  EXPECT_EQ(reads->SpreadOffset(ids[1]), 1s * kOffset1);
  EXPECT_EQ(reads->SpreadOffset(ids[2]), 1s * kOffset2);

  for (uint32_t i = 0; i < 3; ++i) {
    AddMeter(i);
    reads->OnMeterSeen(ids[i], FleetMeterId(i).node);
  }
  const TimePoint first_day = Utc(2026, 1, 31, 30min);
  for (const std::string& id : ids) {
    EXPECT_EQ(reads->NextReadOf(id), first_day + reads->SpreadOffset(id)) << id;
  }
  EXPECT_EQ(reads->NextReadOf("5700000000000099"), std::nullopt);

  // Nothing before a meter's slot; its turn starts on the second.
  const TimePoint earliest =
      first_day + std::min({reads->SpreadOffset(ids[0]), reads->SpreadOffset(ids[1]),
                            reads->SpreadOffset(ids[2])});
  scheduler_.RunUntil(earliest - 1s);
  EXPECT_TRUE(reader_.requests.empty());
  scheduler_.RunUntil(Utc(2026, 2, 2, 3h));
  std::map<std::string, std::vector<TimePoint>> turns;  // the first request of each turn
  for (const auto& request : reader_.requests) {
    if (request.profile == kBillingLoggerObis) turns[request.meter_id].push_back(request.at);
  }
  for (const std::string& id : ids) {
    const TimePoint slot = first_day + reads->SpreadOffset(id);
    EXPECT_EQ(turns[id], (std::vector<TimePoint>{slot, slot + 24h, slot + 48h})) << id;
    EXPECT_EQ(reads->NextReadOf(id), slot + 72h);
  }
  EXPECT_EQ(reads->reads_started(), 9u);
  EXPECT_EQ(reads->reads_completed(), 9u);

  // A meter met on its slot reads then; a second later, the next day.
  const TimePoint slot = Utc(2026, 3, 1, 30min) + reads->SpreadOffset(ids[0]);
  EXPECT_EQ(reads->NextSlot(ids[0], slot), slot);
  EXPECT_EQ(reads->NextSlot(ids[0], slot + 1s), slot + 24h);
  EXPECT_EQ(reads->NextSlot(ids[0], slot - 23h), slot);

  // A thousand meters spread over the whole window: every 10 minutes of it gets some
  // (83 expected; 40 would be five standard deviations short).
  std::array<int, 12> per_ten_minutes{};
  for (int i = 0; i < 1000; ++i) {
    const auto offset = reads->SpreadOffset(absl::StrCat(5'700'000'000'000'000 + i));
    ASSERT_GE(offset, 0s);
    ASSERT_LT(offset, 2h);
    ++per_ten_minutes[static_cast<size_t>(offset / 10min)];
  }
  for (int count : per_ten_minutes) EXPECT_GT(count, 40);
}

TEST_F(ScheduledReadsTest, StoresTheBillingLogValueForValueAndEachEventOnce) {
  meters::Meter& meter = AddMeter(3);
  const std::string id = meter.core().identity().MeterId();
  auto reads = Make();
  reads->OnMeterSeen(id, meter.core().identity().node);
  const TimePoint slot = Utc(2026, 1, 31, 30min) + reads->SpreadOffset(id);

  // An hour without supply on the 30th: power down and up, a long power failure of 3600 s.
  meter.AdvanceTo(Utc(2026, 1, 30, 14h));
  meter.InjectOutage(3600s);
  scheduler_.RunUntil(slot + 1h);

  // Day one: the January period, every event since installation.
  ASSERT_EQ(meter.billing_log().entries_in_use(), 1u);
  auto billing = store_->ReadBillingPeriods(id, kInstalled, Utc(2027, 1, 1), 100);
  ASSERT_TRUE(billing.ok()) << billing.status();
  ExpectSameBilling(*billing, meter.billing_log().entries());
  EXPECT_EQ((*billing)[0].captured_at, Utc(2026, 1, 1));
  // A month of a household: energy, and a P+ maximum with its time (no trivial zeros).
  EXPECT_GT((*billing)[0].values[1].value, 100'000);
  EXPECT_GT((*billing)[0].values[19].value, 1000);
  EXPECT_TRUE((*billing)[0].values[19].value_at.has_value());
  auto events = store_->ReadMeterEvents(id, kInstalled, Utc(2027, 1, 1), 1000);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(*events, ExpectedEvents(meter));
  // The outage as the store has it, and the January reset.
  const std::vector<MeterEventRecord> day_one = {
      {"standard", Utc(2026, 1, 1), 1002, 0},
      {"standard", Utc(2026, 1, 30, 14h), 1, 0},
      {"power_failure", Utc(2026, 1, 30, 15h), 1001, 3600},
      {"standard", Utc(2026, 1, 30, 15h), 2, 0},
  };
  EXPECT_EQ(*events, day_one);
  EXPECT_EQ(reads->billing_periods_stored(), 1u);
  EXPECT_EQ(reads->meter_events_stored(), 4u);
  // One wake-up per log with something new: billing, standard, power failure.
  EXPECT_EQ(notified_, 3);

  // One event per period and per entry, for the MQTT outbox and the gRPC streams.
  std::vector<v1::Event> periods = StoredEvents(v1::Event::kBillingPeriod);
  ASSERT_EQ(periods.size(), 1u);
  EXPECT_EQ(periods[0].meter_id(), id);
  EXPECT_EQ(periods[0].at().seconds(), ToUnixSeconds(Utc(2026, 1, 1)));
  ASSERT_EQ(periods[0].billing_period().registers_size(), 31);
  EXPECT_EQ(periods[0].billing_period().registers(1).obis(), "1.1.1.8.0.255");
  EXPECT_EQ(
      periods[0].billing_period().registers(1).value(),
      static_cast<int64_t>(meter.billing_log().entries()[0].energy.wh(meters::kActiveImport)));
  EXPECT_EQ(periods[0].billing_period().registers(1).unit_symbol(), "Wh");
  std::vector<v1::Event> entries = StoredEvents(v1::Event::kMeterEvent);
  ASSERT_EQ(entries.size(), 4u);
  // Appended log by log, each in its order: the standard log's three, then the failure.
  const v1::MeterEvent& failure = entries[3].meter_event();
  EXPECT_EQ(entries[3].at().seconds(), ToUnixSeconds(Utc(2026, 1, 30, 15h)));
  EXPECT_EQ(failure.log(), "power_failure");
  EXPECT_EQ(failure.code(), 1001u);
  EXPECT_EQ(failure.name(), "long_power_failure");
  EXPECT_EQ(failure.value(), 3600);
  EXPECT_FALSE(failure.alarm());
  EXPECT_FALSE(failure.power_quality());
  EXPECT_EQ(entries[0].meter_event().name(), "billing_period_reset");
  EXPECT_EQ(entries[1].meter_event().name(), "power_down");
  EXPECT_EQ(entries[2].meter_event().name(), "power_up");

  // Day two: a two-minute dip (no long power failure) and the February period end.
  reader_.requests.clear();
  meter.AdvanceTo(Utc(2026, 1, 31, 10h));
  meter.InjectOutage(120s);
  scheduler_.RunUntil(slot + 24h + 1h);
  // Each log asked from just after its newest stored entry up to the read's start.
  std::map<Obis, std::pair<TimePoint, TimePoint>> asked;
  for (const auto& request : reader_.requests) asked[request.profile] = {request.from, request.to};
  ASSERT_EQ(reader_.requests.size(), 8u);
  EXPECT_EQ(asked[kBillingLoggerObis], std::make_pair(Utc(2026, 1, 1, 1s), slot + 24h));
  EXPECT_EQ(asked[Obis(0, 0, 99, 98, 0, 255)].first, Utc(2026, 1, 30, 15h + 1s));
  EXPECT_EQ(asked[Obis(1, 0, 99, 97, 0, 255)].first, Utc(2026, 1, 30, 15h + 1s));
  // Nothing of the fraud log yet: from as far back as the store keeps (max_age).
  EXPECT_EQ(asked[Obis(0, 0, 99, 98, 1, 255)].first,
            asked[Obis(0, 0, 99, 98, 1, 255)].second - ScheduledReadsOptions{}.max_age);

  billing = store_->ReadBillingPeriods(id, kInstalled, Utc(2027, 1, 1), 100);
  ASSERT_EQ(meter.billing_log().entries_in_use(), 2u);
  ExpectSameBilling(*billing, meter.billing_log().entries());
  EXPECT_EQ((*billing)[1].captured_at, Utc(2026, 2, 1));
  EXPECT_EQ((*billing)[1].values[0].value, 2);  // the second debiting stop
  events = store_->ReadMeterEvents(id, kInstalled, Utc(2027, 1, 1), 1000);
  EXPECT_EQ(*events, ExpectedEvents(meter));
  ASSERT_EQ(events->size(), 7u);
  EXPECT_EQ(reads->billing_periods_stored(), 2u);
  EXPECT_EQ(reads->meter_events_stored(), 7u);
  EXPECT_EQ(StoredEvents(v1::Event::kBillingPeriod).size(), 2u);
  EXPECT_EQ(StoredEvents(v1::Event::kMeterEvent).size(), 7u);  // none twice
  EXPECT_EQ(notified_, 5);  // billing and standard new on day two
  EXPECT_EQ(reads->reads_failed(), 0u);
}

TEST_F(ScheduledReadsTest, AFailedReadIsRetriedAnHourLaterFromWhereItStopped) {
  meters::Meter& meter = AddMeter(4);
  const std::string id = meter.core().identity().MeterId();
  auto reads = Make();
  reads->OnMeterSeen(id, meter.core().identity().node);
  const TimePoint slot = Utc(2026, 1, 31, 30min) + reads->SpreadOffset(id);
  meter.AdvanceTo(Utc(2026, 1, 30, 14h));
  meter.InjectOutage(3600s);

  // The billing logger and the standard log come in; the fraud log's read is lost.
  reader_.fail_from = 2;
  scheduler_.RunUntil(slot + 10min);
  ASSERT_EQ(reader_.requests.size(), 3u);
  EXPECT_EQ(reads->reads_failed(), 1u);
  EXPECT_EQ(reads->NextReadOf(id), reader_.requests[2].at + 2s + 1h);  // after the answer
  EXPECT_EQ(store_->ReadBillingPeriods(id, kInstalled, Utc(2027, 1, 1), 100)->size(), 1u);
  EXPECT_EQ(store_->ReadMeterEvents(id, kInstalled, Utc(2027, 1, 1), 100)->size(), 3u);

  // Still lost at the first retry, back at the second: only the logs not yet read, from
  // where their stores end, and everything the meter holds arrives.
  scheduler_.RunUntil(slot + 1h + 10min);
  ASSERT_EQ(reader_.requests.size(), 4u);
  EXPECT_EQ(reader_.requests[3].profile, Obis(0, 0, 99, 98, 1, 255));
  EXPECT_EQ(reads->reads_failed(), 2u);
  reader_.fail_from.reset();
  scheduler_.RunUntil(slot + 3h);
  ASSERT_EQ(reader_.requests.size(), 10u);
  std::vector<Obis> retried;
  for (size_t i = 4; i < reader_.requests.size(); ++i)
    retried.push_back(reader_.requests[i].profile);
  EXPECT_EQ(retried, (std::vector<Obis>{Obis(0, 0, 99, 98, 1, 255), Obis(0, 0, 99, 98, 2, 255),
                                        Obis(0, 0, 99, 98, 4, 255), Obis(0, 0, 99, 98, 7, 255),
                                        Obis(0, 0, 99, 98, 8, 255), Obis(1, 0, 99, 97, 0, 255)}));
  EXPECT_EQ(reader_.requests[4].at, reader_.requests[3].at + 2s + 1h);
  EXPECT_EQ(reads->reads_completed(), 1u);
  ExpectSameBilling(*store_->ReadBillingPeriods(id, kInstalled, Utc(2027, 1, 1), 100),
                    meter.billing_log().entries());
  EXPECT_EQ(*store_->ReadMeterEvents(id, kInstalled, Utc(2027, 1, 1), 100), ExpectedEvents(meter));
  EXPECT_EQ(StoredEvents(v1::Event::kMeterEvent).size(), 4u);
  // The retry is done: the next read is the next day's.
  EXPECT_EQ(reads->NextReadOf(id), slot + 24h);
}

TEST_F(ScheduledReadsTest, AMeterWithoutSupplyAtItsSlotIsReadOnceItIsBack) {
  meters::Meter& meter = AddMeter(5);
  const std::string id = meter.core().identity().MeterId();
  auto reads = Make();
  reads->OnMeterSeen(id, meter.core().identity().node);
  const TimePoint slot = Utc(2026, 1, 31, 30min) + reads->SpreadOffset(id);
  // Off from midnight until 2 h 30 min after its slot: its own outage is what it reports.
  meter.AdvanceTo(Utc(2026, 1, 31));
  const auto outage =
      std::chrono::duration_cast<std::chrono::seconds>(slot + 150min - Utc(2026, 1, 31));
  meter.InjectOutage(outage);
  scheduler_.RunUntil(slot + 6h);
  EXPECT_EQ(reads->reads_failed(), 3u);  // at the slot, an hour and two hours later
  EXPECT_EQ(reads->reads_completed(), 1u);
  ASSERT_EQ(reader_.requests.size(), 11u);  // three refused, then the eight logs
  EXPECT_EQ(reader_.requests[3].at, slot + 3h + 6s);
  const std::vector<MeterEventRecord> expected = ExpectedEvents(meter);
  EXPECT_EQ(*store_->ReadMeterEvents(id, kInstalled, Utc(2027, 1, 1), 100), expected);
  ASSERT_EQ(expected.size(), 4u);
  EXPECT_EQ(expected[2], (MeterEventRecord{"power_failure", slot + 150min, 1001, outage.count()}));
}

TEST_F(ScheduledReadsTest, AtMostMaxInFlightMetersAreReadAtOnce) {
  ScheduledReadsOptions options;
  options.spread = 0s;  // all due at 00:30
  options.max_in_flight = 4;
  auto reads = Make(options);
  for (uint32_t i = 0; i < 10; ++i) {
    meters::Meter& meter = AddMeter(i, kSeen);
    reads->OnMeterSeen(meter.core().identity().MeterId(), meter.core().identity().node);
  }
  reader_.answer_delay = 10s;
  scheduler_.RunUntil(Utc(2026, 1, 31, 2h));
  EXPECT_EQ(reader_.max_outstanding, 4);
  EXPECT_EQ(reads->reads_completed(), 10u);
  EXPECT_EQ(reader_.requests.size(), 80u);
  // Eight reads of 10 s each per meter: turns start in waves 80 s apart.
  std::vector<int64_t> starts_s;
  for (const auto& request : reader_.requests) {
    if (request.profile == kBillingLoggerObis) {
      starts_s.push_back(ToUnixSeconds(request.at) - ToUnixSeconds(Utc(2026, 1, 31, 30min)));
    }
  }
  EXPECT_EQ(starts_s, (std::vector<int64_t>{0, 0, 0, 0, 80, 80, 80, 80, 160, 160}));
}

TEST_F(ScheduledReadsTest, TheBillingColumnsAreTheMetersCaptureObjects) {
  meters::Meter& meter = AddMeter(0);
  const meters::MeterObjectTable table(meters::MeterCosemInfo{});
  meters::MeterDirectory directory(table, meter);
  const dlms::GetDataResult captures =
      directory.Get({.class_id = 7, .instance = kBillingLoggerObis, .attribute_id = 3}, {});
  ASSERT_EQ(captures.result, dlms::DataAccessResult::kSuccess);
  const auto objects = *captures.data.AsArray();
  const auto columns = BillingColumns();
  ASSERT_EQ(objects.size(), 1 + columns.size());
  EXPECT_EQ(*(*objects[0].AsStructure())[1].AsObis(), Obis(0, 0, 1, 0, 0, 255));  // the clock
  for (size_t i = 0; i < columns.size(); ++i) {
    const auto object = *objects[1 + i].AsStructure();
    EXPECT_EQ(*object[0].AsInt64(), columns[i].class_id) << i;
    EXPECT_EQ(*object[1].AsObis(), columns[i].obis) << i;
    EXPECT_EQ(*object[2].AsInt64(), columns[i].attribute) << i;
    if (columns[i].class_id == 1) continue;  // a count: no scaler_unit
    const dlms::GetDataResult scaler_unit = directory.Get(
        {.class_id = columns[i].class_id, .instance = columns[i].obis, .attribute_id = 3}, {});
    ASSERT_EQ(scaler_unit.result, dlms::DataAccessResult::kSuccess) << columns[i].obis.ToString();
    const auto fields = *scaler_unit.data.AsStructure();
    EXPECT_EQ(*fields[0].AsInt64(), columns[i].scaler) << columns[i].obis.ToString();
    EXPECT_EQ(*fields[1].AsInt64(), static_cast<int64_t>(columns[i].unit))
        << columns[i].obis.ToString();
  }
}

template <typename T>
std::string ErrorOf(const absl::StatusOr<T>& result) {
  return std::string(result.status().message());
}

DataValue Time(TimePoint t) {
  return DataValue::OctetString(dlms::EncodeDateTime(t, dlms::kMeterDateTimeOptions));
}

TEST(ScheduledReadsDecodeTest, DecodersNameTheRowAndTheColumn) {
  // A billing row of the right shape: clock, then 39 values; the maxima's times unset.
  std::vector<DataValue> row = {Time(Utc(2026, 2, 1))};
  for (const BillingColumn& column : BillingColumns()) {
    if (column.attribute == 5) {
      std::vector<uint8_t> none(12, 0xFF);
      none[8] = 0x80;
      none[9] = 0x00;
      none[10] = 0x00;
      none[11] = 0x00;
      row.push_back(DataValue::OctetString(none));
    } else {
      row.push_back(DataValue::DoubleLongUnsigned(7));
    }
  }
  row[23] = Time(Utc(2026, 1, 14, 18h));  // the P+ T1 maximum's time (column 22 its value)
  auto good = DecodeBillingRows(DataValue::Array({DataValue::Structure(row)}));
  ASSERT_TRUE(good.ok()) << good.status();
  ASSERT_EQ(good->size(), 1u);
  ASSERT_EQ((*good)[0].values.size(), 31u);
  EXPECT_EQ((*good)[0].values[20].obis, "1.1.1.6.1.255");
  EXPECT_EQ((*good)[0].values[20].value_at, Utc(2026, 1, 14, 18h));
  EXPECT_EQ((*good)[0].values[19].value_at, std::nullopt);
  EXPECT_EQ((*good)[0].values[10].unit, 31u);  // E- in VAh

  std::vector<DataValue> spoiled = row;
  spoiled[3] = DataValue::VisibleString("12");
  EXPECT_EQ(ErrorOf(DecodeBillingRows(
                DataValue::Array({DataValue::Structure(row), DataValue::Structure(spoiled)}))),
            "billing buffer: row 1 column 3 (1.1.2.8.0.255 attribute 2): not an integer "
            "(visible-string)");
  spoiled = row;
  spoiled[23] = DataValue::DoubleLongUnsigned(1);
  EXPECT_EQ(ErrorOf(DecodeBillingRows(DataValue::Array({DataValue::Structure(spoiled)}))),
            "billing buffer: row 0 column 23 (1.1.1.6.1.255 attribute 5): expected date-time, got "
            "double-long-unsigned");
  spoiled = row;
  spoiled.pop_back();
  EXPECT_EQ(ErrorOf(DecodeBillingRows(DataValue::Array({DataValue::Structure(spoiled)}))),
            "billing buffer: row 0: want a structure of 40 columns (clock and the billing value "
            "set), got 39 columns");
  EXPECT_EQ(ErrorOf(DecodeBillingRows(
                DataValue::Array({DataValue::Structure(row), DataValue::Structure(row)}))),
            "billing buffer: row 1: capture time 2026-02-01T00:00:00.000Z not after the previous "
            "row's");

  // Fraud log: a cover opened and closed; both alarms, as fraud-log entries.
  const DataValue fraud = DataValue::Array(
      {DataValue::Structure({Time(Utc(2026, 1, 5, 9h)), DataValue::LongUnsigned(40)}),
       DataValue::Structure({Time(Utc(2026, 1, 5, 9h + 10min)), DataValue::LongUnsigned(41)})});
  auto entries = DecodeEventLogRows(fraud, meters::EventLogKind::kFraud);
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[1], (MeterEventRecord{"fraud", Utc(2026, 1, 5, 9h + 10min), 41, 0}));
  v1::MeterEvent closed;
  ToProto((*entries)[1], &closed);
  EXPECT_EQ(closed.name(), "terminal_cover_closed");
  EXPECT_TRUE(closed.alarm());
  EXPECT_FALSE(closed.power_quality());
  // Power quality: a sag is no alarm, a lost neutral is (the meter's catalogue).
  v1::MeterEvent sag;
  ToProto({"power_quality", Utc(2026, 1, 6), 76, 0}, &sag);
  EXPECT_EQ(sag.name(), "voltage_sag_l1");
  EXPECT_FALSE(sag.alarm());
  EXPECT_TRUE(sag.power_quality());
  v1::MeterEvent neutral;
  ToProto({"power_quality", Utc(2026, 1, 6), 89, 0}, &neutral);
  EXPECT_TRUE(neutral.alarm());
  EXPECT_TRUE(neutral.power_quality());
  v1::MeterEvent unknown;
  ToProto({"standard", Utc(2026, 1, 6), 250, 0}, &unknown);
  EXPECT_EQ(unknown.name(), "");
  EXPECT_FALSE(unknown.alarm());

  const DataValue bad_code = DataValue::Array(
      {DataValue::Structure({Time(Utc(2026, 1, 5, 9h)), DataValue::LongUnsigned(40)}),
       DataValue::Structure({Time(Utc(2026, 1, 5, 9h)), DataValue::VisibleString("x")})});
  EXPECT_EQ(ErrorOf(DecodeEventLogRows(bad_code, meters::EventLogKind::kFraud)),
            "event log fraud: row 1 column 1 (event code): not an integer (visible-string)");
  const DataValue bad_clock =
      DataValue::Array({DataValue::Structure({DataValue::Null(), DataValue::LongUnsigned(1)})});
  EXPECT_EQ(ErrorOf(DecodeEventLogRows(bad_clock, meters::EventLogKind::kStandard)),
            "event log standard: row 0 column 0 (clock): expected date-time, got null-data");
  const DataValue failure = DataValue::Array(
      {DataValue::Structure({Time(Utc(2026, 1, 5, 9h)), DataValue::DoubleLongUnsigned(600)})});
  EXPECT_EQ(*DecodeEventLogRows(failure, meters::EventLogKind::kPowerFailure),
            (std::vector<MeterEventRecord>{{"power_failure", Utc(2026, 1, 5, 9h), 1001, 600}}));
}

}  // namespace
}  // namespace vmuc::gateway
