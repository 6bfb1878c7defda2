// The collector with a real SQLite file and a recording publisher: frames in, rows,
// events and MQTT messages out; a malformed frame is rejected without losing the rest.
#include "gateway/collector/collector.h"

#include <gtest/gtest.h>

#include "meters/cosem/push_list.h"
#include "meters/fleet.h"
#include "tests/integration/test_process.h"
#include "vmuc/v1/gateway.pb.h"

namespace vmuc::gateway {
namespace {

using namespace std::chrono_literals;

const TimePoint kEpoch = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 1 / 1));

class RecordingPublisher final : public Publisher {
 public:
  void Publish(const std::string& topic, const std::string& payload, bool retained) override {
    messages.push_back({topic, payload, retained});
  }
  struct Message {
    std::string topic, payload;
    bool retained;
  };
  std::vector<Message> messages;
};

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
        collector_({"gw1", "vmuc"}, *store_, publisher_, hub_, clock_) {}
  vmuc::testing::TempDir dir_;
  SimulatedClock clock_;
  std::unique_ptr<Store> store_;
  RecordingPublisher publisher_;
  EventHub hub_;
  Collector collector_;
};

TEST_F(CollectorTest, StoresPublishesAndRecordsEvents) {
  int notified = 0;
  hub_.Subscribe([&] { ++notified; });
  collector_.OnFrames({PushFrame(0, kEpoch + 15min), PushFrame(1, kEpoch + 15min)});
  EXPECT_EQ(collector_.frames_accepted(), 2u);
  EXPECT_EQ(notified, 1);

  ASSERT_EQ(publisher_.messages.size(), 2u);
  EXPECT_EQ(publisher_.messages[0].topic, "vmuc/gw1/5700000000000001/readings");
  EXPECT_FALSE(publisher_.messages[0].retained);
  meters::MeterCore core(meters::FleetMeter(FleetSection(), 0), kEpoch);
  core.AdvanceTo(kEpoch + 15min);
  EXPECT_NE(publisher_.messages[0].payload.find("\"obis\":\"1.1.1.8.0.255\",\"value\":" +
                                                std::to_string(core.active_import_wh()) + ","),
            std::string::npos)
      << publisher_.messages[0].payload;

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
  EXPECT_EQ(second.readings().registers(0).value(), static_cast<int64_t>(core.active_import_wh()));
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
  EXPECT_EQ(publisher_.messages.size(), 1u);
}

TEST_F(CollectorTest, ARepeatedPushIsStoredAndPublishedOnce) {
  collector_.OnFrames({PushFrame(0, kEpoch + 15min)});
  collector_.OnFrames({PushFrame(0, kEpoch + 15min)});  // e.g. replayed after a restart
  EXPECT_EQ(publisher_.messages.size(), 1u);
  EXPECT_EQ(store_->EventsAfter(0, 10)->size(), 2u);  // discovery + one readings event
  EXPECT_EQ((*store_->GetMeter("5700000000000001"))->frames_received, 2u);
}

}  // namespace
}  // namespace vmuc::gateway
