// The collector with a real SQLite file: frames in, rows and events (the MQTT outbox's
// queue) out; a malformed frame is rejected without losing the rest.
#include "gateway/collector/collector.h"

#include <gtest/gtest.h>

#include "meters/cosem/profile_push.h"
#include "meters/cosem/push_list.h"
#include "meters/fleet.h"
#include "meters/meter.h"
#include "tests/integration/test_process.h"
#include "vmuc/v1/gateway.pb.h"

namespace vmuc::gateway {
namespace {

using namespace std::chrono_literals;

const TimePoint kEpoch = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 1 / 1));

Frame PushFrame(uint32_t index, TimePoint at) {
  FleetSection fleet;
  const meters::MeterIdentity identity = meters::FleetMeter(fleet, index);
  meters::MeterCore core(identity, kEpoch);
  core.AdvanceTo(at);
  Frame frame;
  frame.source = identity.node;
  frame.payload = meters::EncodePush(meters::SnapshotOf(core, 1));
  return frame;
}

class CollectorTest : public ::testing::Test {
 protected:
  CollectorTest()
      : clock_(kEpoch + 1h),
        store_(*Store::Open(dir_.path() + "/vmuc.db")),
        collector_({}, *store_, hub_, clock_) {}
  vmuc::testing::TempDir dir_;
  SimulatedClock clock_;
  std::unique_ptr<Store> store_;
  EventHub hub_;
  Collector collector_;
};

TEST_F(CollectorTest, StoresReadingsAndRecordsEvents) {
  int notified = 0;
  hub_.Subscribe([&] { ++notified; });
  collector_.OnFrames({PushFrame(0, kEpoch + 15min), PushFrame(1, kEpoch + 15min)});
  EXPECT_EQ(collector_.frames_accepted(), 2u);
  EXPECT_EQ(notified, 1);

  meters::MeterCore core(meters::FleetMeter(FleetSection(), 0), kEpoch);
  core.AdvanceTo(kEpoch + 15min);

  auto latest = store_->LatestRegisters("5700000000000001", {"1.1.1.8.0.255"});
  ASSERT_EQ(latest->size(), 1u);
  EXPECT_EQ((*latest)[0].value, static_cast<int64_t>(core.active_import_wh()));
  EXPECT_EQ((*latest)[0].captured_at, kEpoch + 15min);

  // Two discoveries and two readings events, in order.
  auto events = *store_->EventsAfter(0, 10);
  ASSERT_EQ(events.size(), 4u);
  v1::Event first;
  ASSERT_TRUE(first.ParseFromString(events[0].event_bytes));
  EXPECT_EQ(first.meter_discovered().node_address(), 1u);
  v1::Event second;
  ASSERT_TRUE(second.ParseFromString(events[1].event_bytes));
  EXPECT_EQ(second.meter_id(), "5700000000000001");
  EXPECT_EQ(second.readings().registers(0).obis(), "1.1.1.8.0.255");
  EXPECT_EQ(second.readings().registers(0).value(), static_cast<int64_t>(core.active_import_wh()));
  EXPECT_EQ(second.at().seconds(), ToUnixSeconds(kEpoch + 15min));
}

TEST_F(CollectorTest, MalformedFramesAreRejectedOthersKept) {
  Frame garbage;
  garbage.source = 9;
  garbage.payload = {0x0F, 0x00, 0x01};
  Frame truncated = PushFrame(1, kEpoch + 15min);
  truncated.payload.resize(truncated.payload.size() / 2);
  collector_.OnFrames({garbage, PushFrame(0, kEpoch + 15min), truncated});
  EXPECT_EQ(collector_.frames_accepted(), 1u);
  EXPECT_EQ(collector_.frames_rejected(), 2u);
  EXPECT_EQ(store_->ListMeters("", 10)->size(), 1u);
  EXPECT_EQ(store_->EventsAfter(0, 10)->size(), 2u);  // discovery + readings of the good one
}

TEST_F(CollectorTest, ARepeatedPushIsStoredAndPublishedOnce) {
  collector_.OnFrames({PushFrame(0, kEpoch + 15min)});
  collector_.OnFrames({PushFrame(0, kEpoch + 15min)});  // e.g. replayed after a restart
  EXPECT_EQ(store_->EventsAfter(0, 10)->size(), 2u);    // discovery + one readings event
  EXPECT_EQ((*store_->GetMeter("5700000000000001"))->frames_received, 2u);
}

// Answers reads from a real meter's load profile, as the meter would over DLMS; can be
// told to fail (the meter out of reach).
class MeterProfileReader final : public ProfileReader {
 public:
  explicit MeterProfileReader(const meters::Meter& meter) : meter_(meter) {}
  void ReadProfile(NodeAddress, const std::string&, TimePoint from, TimePoint to, size_t channels,
                   Done done) override {
    reads.push_back({from, to});
    if (fail) {
      done(absl::DeadlineExceededError("meter node 4 did not answer"));
      return;
    }
    // The same rows a GET by range returns (ProfilePushOf selects (after, up_to]).
    auto push = meters::ProfilePushOf(meter_, from - 1s, to, 900, 1);
    std::vector<meters::ProfileRow> rows;
    if (push) rows = push->rows;
    std::erase_if(rows, [&](const meters::ProfileRow& row) { return row.captured_at < held_from; });
    for (const auto& row : rows) EXPECT_EQ(row.values.size(), channels);
    done(std::move(rows));
  }
  std::vector<std::pair<TimePoint, TimePoint>> reads;
  bool fail = false;
  TimePoint held_from{};  // entries before it are gone from the meter (overwritten)

 private:
  const meters::Meter& meter_;
};

Frame ProfileFrame(const meters::Meter& meter, TimePoint after, TimePoint up_to) {
  Frame frame;
  frame.source = meter.core().identity().node;
  frame.payload = meters::EncodeProfilePush(*meters::ProfilePushOf(meter, after, up_to, 900, 1));
  return frame;
}

TEST_F(CollectorTest, LostLoadProfilePushesAreReadBackByRange) {
  meters::Meter meter(meters::FleetMeter(FleetSection(), 3), kEpoch);
  meter.AdvanceTo(kEpoch + 12h);
  MeterProfileReader reader(meter);
  collector_.set_profile_reader(&reader);
  const std::string id = meter.core().identity().MeterId();

  // Hourly pushes; those of hours 3..6 are lost on the way.
  collector_.OnFrames({ProfileFrame(meter, kEpoch, kEpoch + 1h)});
  collector_.OnFrames({ProfileFrame(meter, kEpoch + 1h, kEpoch + 2h)});
  EXPECT_TRUE(reader.reads.empty());
  reader.fail = true;  // still out of reach when the first push after the outage comes
  collector_.OnFrames({ProfileFrame(meter, kEpoch + 6h, kEpoch + 7h)});
  ASSERT_EQ(reader.reads.size(), 1u);
  EXPECT_EQ(reader.reads[0], std::make_pair(kEpoch + 2h + 1s, kEpoch + 6h + 15min - 1s));
  EXPECT_EQ(collector_.profile_reads_failed(), 1u);
  reader.fail = false;
  collector_.OnFrames({ProfileFrame(meter, kEpoch + 7h, kEpoch + 8h)});
  ASSERT_EQ(reader.reads.size(), 2u);
  EXPECT_EQ(collector_.profile_entries_read_back(), 16u);
  EXPECT_EQ(collector_.profile_entries_pushed(), 16u);

  // The store now holds every entry the meter made up to 8 h, value for value.
  auto stored = store_->ReadProfile(id, kEpoch, kEpoch + 24h, 1000);
  ASSERT_TRUE(stored.ok()) << stored.status();
  const auto entries = meter.load_profile()->entries();
  ASSERT_EQ(stored->size(), 32u);
  for (size_t i = 0; i < stored->size(); ++i) {
    EXPECT_EQ((*stored)[i].captured_at, entries[i].at);
    EXPECT_EQ((*stored)[i].values,
              std::vector<uint32_t>(entries[i].values.begin(),
                                    entries[i].values.begin() + entries[i].channels));
    EXPECT_EQ((*stored)[i].read_back, i >= 8 && i < 24) << i;
  }
  EXPECT_TRUE(store_->ProfileGaps(id)->empty());

  // Each store of new entries is one load_profile event (the MQTT "profile" message):
  // pushes of hours 1, 2, 7 and 8, then the read-back of 3..6: all 32 entries, once each.
  std::vector<int64_t> reported_s;
  std::vector<bool> read_back;
  auto events = store_->EventsAfter(0, 100);
  ASSERT_TRUE(events.ok()) << events.status();
  for (const EventRecord& record : *events) {
    v1::Event event;
    ASSERT_TRUE(event.ParseFromString(record.event_bytes));
    if (!event.has_load_profile()) continue;
    EXPECT_EQ(event.meter_id(), id);
    EXPECT_EQ(event.load_profile().period_s(), 900u);
    EXPECT_EQ(event.load_profile().channels_size(), static_cast<int>(entries[0].channels));
    for (const v1::LoadProfileRow& row : event.load_profile().rows()) {
      reported_s.push_back(row.captured_at().seconds());
      read_back.push_back(row.read_back());
      EXPECT_EQ(row.values_size(), event.load_profile().channels_size());
    }
  }
  ASSERT_EQ(reported_s.size(), 32u);
  std::vector<int64_t> expected_s;
  for (size_t i : {0, 1, 2, 3, 4, 5, 6, 7, 24, 25, 26, 27, 28, 29, 30, 31}) {
    expected_s.push_back(ToUnixSeconds(entries[i].at));
  }
  for (size_t i = 8; i < 24; ++i) expected_s.push_back(ToUnixSeconds(entries[i].at));
  EXPECT_EQ(reported_s, expected_s);
  EXPECT_EQ(std::count(read_back.begin(), read_back.end(), true), 16);
}

TEST_F(CollectorTest, AGapTheMeterCannotFillIsAskedForOnce) {
  meters::Meter meter(meters::FleetMeter(FleetSection(), 3), kEpoch);
  meter.AdvanceTo(kEpoch + 12h);
  MeterProfileReader reader(meter);
  collector_.set_profile_reader(&reader);
  collector_.OnFrames({ProfileFrame(meter, kEpoch, kEpoch + 1h)});
  // The pushed entries of hours 1..3 are removed from the meter's answers: a meter that was
  // without supply then holds none either (simulated by asking about a span it never logs).
  meters::ProfilePush later = *meters::ProfilePushOf(meter, kEpoch + 3h, kEpoch + 4h, 900, 1);
  for (auto& row : later.rows) row.captured_at += 24h;  // a day on: the meter has nothing between
  Frame frame;
  frame.source = meter.core().identity().node;
  frame.payload = meters::EncodeProfilePush(later);
  collector_.OnFrames({frame});
  const size_t reads = reader.reads.size();
  EXPECT_EQ(reads, 2u);          // the entries the meter holds, then the span it holds nothing of
  collector_.OnFrames({frame});  // the next push: the settled gap is not asked again
  EXPECT_EQ(reader.reads.size(), reads);
}

TEST_F(CollectorTest, ALongGapIsReadInPartsAndItsTailFoundWhenTheHeadIsGone) {
  meters::Meter meter(meters::FleetMeter(FleetSection(), 3), kEpoch);
  meter.AdvanceTo(kEpoch + 60h);
  MeterProfileReader reader(meter);
  reader.held_from = kEpoch + 40h;  // the oldest entries of the outage are overwritten
  collector_.set_profile_reader(&reader);
  const std::string id = meter.core().identity().MeterId();
  collector_.OnFrames({ProfileFrame(meter, kEpoch, kEpoch + 1h)});
  collector_.OnFrames({ProfileFrame(meter, kEpoch + 59h, kEpoch + 60h)});
  // 231 entries missing: reads of at most 96 periods each, oldest first; the first finds
  // nothing (overwritten), the second the entries from 40 h on, the third the rest.
  ASSERT_EQ(reader.reads.size(), 3u);
  EXPECT_EQ(reader.reads[0].first, kEpoch + 1h + 1s);
  EXPECT_EQ(reader.reads[1].first, kEpoch + 1h + 1s + 24h);
  auto stored = store_->ReadProfile(id, kEpoch + 40h, kEpoch + 60h, 1000);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->size(), 81u);                          // 40:00 .. 60:00 every 15 minutes
  EXPECT_EQ(collector_.profile_entries_read_back(), 77u);  // 40:00 .. 59:00
  // The overwritten head is not asked for again at the next push.
  collector_.OnFrames({ProfileFrame(meter, kEpoch + 59h, kEpoch + 60h)});
  EXPECT_EQ(reader.reads.size(), 3u);
}

TEST_F(CollectorTest, AMalformedProfilePushIsRejectedNamed) {
  meters::Meter meter(meters::FleetMeter(FleetSection(), 3), kEpoch);
  meter.AdvanceTo(kEpoch + 2h);
  Frame frame = ProfileFrame(meter, kEpoch, kEpoch + 1h);
  frame.payload.resize(frame.payload.size() - 3);
  collector_.OnFrames({frame});
  EXPECT_EQ(collector_.frames_rejected(), 1u);
  EXPECT_EQ(collector_.profile_entries_pushed(), 0u);
}

TEST_F(CollectorTest, EveryStoredPushTellsWhichMeterItCameFromAndWhere) {
  std::vector<std::pair<std::string, NodeAddress>> seen;
  collector_.set_meter_seen(
      [&](const std::string& meter_id, NodeAddress node) { seen.emplace_back(meter_id, node); });
  meters::Meter meter(meters::FleetMeter(FleetSection(), 3), kEpoch);
  meter.AdvanceTo(kEpoch + 1h);
  Frame garbage;
  garbage.source = 9;
  garbage.payload = {0x0F, 0x00, 0x01};
  collector_.OnFrames({PushFrame(0, kEpoch + 15min), garbage, PushFrame(1, kEpoch + 15min)});
  collector_.OnFrames({ProfileFrame(meter, kEpoch, kEpoch + 1h)});
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, NodeAddress>>{
                      {"5700000000000001", 1}, {"5700000000000002", 2}, {"5700000000000004", 4}}));
}

}  // namespace
}  // namespace vmuc::gateway
