// The "sparkplug" MQTT profile through the real outbox publisher, a real mosquitto broker
// and a subscriber that decodes every payload: births before data, seq 0..255 without a
// gap, bdSeq one more per connection and equal in a session's birth and death, replayed data
// flagged historical, a rebirth on request, and the primary host's STATE gating the birth.
#include "gateway/mqtt/sparkplug_profile.h"

#include <gtest/gtest.h>
#include <mqtt/client.h>

#include "gateway/api/gateway_service.h"
#include "gateway/mqtt/outbox_publisher.h"
#include "tests/integration/test_process.h"

namespace vmuc::gateway {
namespace {

using namespace std::chrono_literals;
using Payload = org::eclipse::tahu::protobuf::Payload;

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'767'225'600));

struct Received {
  std::string type;    // NBIRTH, DDATA, ...
  std::string device;  // meter id, empty for node messages
  Payload payload;
};

const Payload::Metric* FindMetric(const Payload& payload, std::string_view name) {
  for (const Payload::Metric& metric : payload.metrics()) {
    if (metric.name() == name) return &metric;
  }
  return nullptr;
}

int64_t BdSeqOf(const Payload& payload) {
  const Payload::Metric* metric = FindMetric(payload, kSparkplugBdSeqMetric);
  return metric == nullptr ? -1 : static_cast<int64_t>(metric->long_value());
}

class SparkplugProfileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(broker_.Start(dir_.path())) << "mosquitto did not start";
    store_ = *Store::Open(dir_.path() + "/vmuc.db");
    outbox_store_ = *Store::Open(dir_.path() + "/vmuc.db");
    subscriber_ = std::make_unique<mqtt::client>(broker_.url, "sparkplug-test-host");
    subscriber_->start_consuming();
    ASSERT_TRUE(testing::WaitUntil(
        [&] {
          try {
            subscriber_->connect(mqtt::connect_options_builder().clean_session(true).finalize());
            return true;
          } catch (const mqtt::exception&) {
            return false;
          }
        },
        10s));
    subscriber_->subscribe("spBv1.0/vmuc/#", 1);
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << testing::ReadFile(dir_.path() + "/mosquitto.log");
  }

  std::unique_ptr<OutboxPublisher> StartPublisher(std::string primary_host = "") {
    auto profile = SparkplugProfile::Create(
        {.group_id = "vmuc", .edge_node_id = "gw1", .primary_host_id = std::move(primary_host)},
        *outbox_store_);
    EXPECT_TRUE(profile.ok()) << profile.status();
    OutboxPublisherOptions options;
    options.broker_url = broker_.url;
    options.client_id = "sparkplug-test-gateway";
    options.reconnect_min = 200ms;
    options.reconnect_max = 200ms;
    auto publisher = OutboxPublisher::Create(options, *outbox_store_, *std::move(profile), clock_);
    EXPECT_TRUE(publisher.ok()) << publisher.status();
    (*publisher)->Start();
    return *std::move(publisher);
  }

  // One readings event per meter, each a new A+ value.
  void AddReadings(const std::vector<std::string>& meters) {
    std::vector<ReadingBatch> batches;
    for (const std::string& meter : meters) {
      const TimePoint at = kT0 + std::chrono::minutes(++minute_);
      batches.push_back({meter, 3, at, {{"1.1.1.8.0.255", 1000 + minute_, 0, 30, at}}});
    }
    auto events = [](const ReadingBatch& batch, const Store::Stored& stored) {
      return std::vector<std::string>{
          ReadingsEventOf(batch.meter_id, stored.new_registers).SerializeAsString()};
    };
    ASSERT_TRUE(store_->StoreBatches(batches, events).ok());
  }

  // Takes messages until `count` more have come or `timeout` passes.
  std::vector<Received> Take(size_t count, std::chrono::milliseconds timeout) {
    std::vector<Received> taken;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (taken.size() < count && std::chrono::steady_clock::now() < deadline) {
      mqtt::const_message_ptr message;
      if (!subscriber_->try_consume_message_for(&message, 50ms) || !message) continue;
      auto topic = ParseSparkplugTopic(message->get_topic());
      // The host's own commands and state.
      if (!topic.ok() || topic->message_type == "NCMD" || topic->message_type == "STATE") continue;
      auto payload = DecodeSparkplugPayload(message->to_string());
      EXPECT_TRUE(payload.ok()) << message->get_topic() << ": " << payload.status();
      if (!payload.ok()) continue;
      taken.push_back({topic->message_type, topic->device_id, *std::move(payload)});
    }
    return taken;
  }

  void Publish(const std::string& topic, const std::string& payload, bool retained) {
    subscriber_->publish(mqtt::make_message(topic, payload, 1, retained));
  }

  testing::TempDir dir_;
  testing::TestBroker broker_;
  SimulatedClock clock_{kT0};
  std::unique_ptr<Store> store_;
  std::unique_ptr<Store> outbox_store_;
  std::unique_ptr<mqtt::client> subscriber_;
  int minute_ = 0;
};

TEST_F(SparkplugProfileTest, BirthsDataSeqBdSeqHistoricalAndRebirth) {
  // Stored while the broker was out of reach (the outbox's cursor exists: a publisher's
  // first start would begin after what is stored).
  ASSERT_TRUE(store_->SetOutboxAcked("sparkplug", 0).ok());
  AddReadings({"5700000000000001", "5700000000000002"});
  auto publisher = StartPublisher();

  // NBIRTH (seq 0, bdSeq 0), then each meter's DBIRTH carrying its (historical) values.
  std::vector<Received> got = Take(3, 10s);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].type, "NBIRTH");
  EXPECT_EQ(got[0].payload.seq(), 0u);
  EXPECT_EQ(BdSeqOf(got[0].payload), 0);
  for (int i = 1; i <= 2; ++i) {
    EXPECT_EQ(got[i].type, "DBIRTH");
    EXPECT_EQ(got[i].device, "570000000000000" + std::to_string(i));
    EXPECT_EQ(got[i].payload.seq(), static_cast<uint64_t>(i));
    const Payload::Metric* energy = FindMetric(got[i].payload, "1.1.1.8.0.255");
    ASSERT_NE(energy, nullptr);
    EXPECT_EQ(static_cast<int64_t>(energy->long_value()), 1000 + i);
    EXPECT_EQ(energy->timestamp(), static_cast<uint64_t>(ToUnixMicros(kT0) / 1000 + 60'000 * i));
  }

  // Live values: DDATA, not historical, seq on without a gap through 255 -> 0.
  uint64_t expected_seq = 3;
  for (int round = 0; round < 130; ++round) {
    AddReadings({"5700000000000001", "5700000000000002"});
    publisher->Wake();
  }
  got = Take(260, 30s);
  ASSERT_EQ(got.size(), 260u);
  for (const Received& message : got) {
    EXPECT_EQ(message.type, "DDATA");
    EXPECT_EQ(message.payload.seq(), expected_seq % 256);
    ++expected_seq;
    ASSERT_EQ(message.payload.metrics_size(), 1);
    EXPECT_FALSE(message.payload.metrics(0).is_historical());
  }

  // A host asks for a rebirth: NBIRTH (seq 0, the same bdSeq) and every meter's DBIRTH.
  Payload rebirth;
  rebirth.set_timestamp(1);
  Payload::Metric* metric = rebirth.add_metrics();
  metric->set_name(std::string(kSparkplugRebirthMetric));
  metric->set_datatype(11);  // Boolean
  metric->set_boolean_value(true);
  Publish("spBv1.0/vmuc/NCMD/gw1", rebirth.SerializeAsString(), false);
  got = Take(3, 10s);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].type, "NBIRTH");
  EXPECT_EQ(got[0].payload.seq(), 0u);
  EXPECT_EQ(BdSeqOf(got[0].payload), 0);
  EXPECT_EQ(got[1].type, "DBIRTH");
  EXPECT_EQ(got[2].type, "DBIRTH");
  EXPECT_EQ(got[2].payload.seq(), 2u);

  // A clean stop: NDEATH with the session's bdSeq. The next connection takes bdSeq 1.
  publisher->Stop();
  got = Take(1, 5s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].type, "NDEATH");
  EXPECT_EQ(BdSeqOf(got[0].payload), 0);
  // Stored while the gateway was away: the first births the meter, the second is replayed
  // as historical data.
  AddReadings({"5700000000000001"});
  AddReadings({"5700000000000001"});
  publisher = StartPublisher();
  got = Take(3, 10s);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].type, "NBIRTH");
  EXPECT_EQ(BdSeqOf(got[0].payload), 1);
  EXPECT_EQ(got[1].type, "DBIRTH");
  EXPECT_EQ(got[1].device, "5700000000000001");
  EXPECT_EQ(got[2].type, "DDATA");
  ASSERT_EQ(got[2].payload.metrics_size(), 1);
  EXPECT_TRUE(got[2].payload.metrics(0).is_historical());
  EXPECT_EQ(static_cast<int64_t>(got[2].payload.metrics(0).long_value()), 1000 + minute_);
  publisher->Stop();
}

TEST_F(SparkplugProfileTest, ThePrimaryHostsStateGatesTheBirth) {
  const std::string state_topic = "spBv1.0/STATE/scada";
  Publish(state_topic, R"({"online":false,"timestamp":1000})", true);
  ASSERT_TRUE(store_->SetOutboxAcked("sparkplug", 0).ok());
  AddReadings({"5700000000000001"});
  auto publisher = StartPublisher("scada");
  ASSERT_TRUE(testing::WaitUntil([&] { return publisher->connected(); }, 10s));
  EXPECT_TRUE(Take(1, 1500ms).empty()) << "born while the primary host is offline";

  Publish(state_topic, R"({"online":true,"timestamp":2000})", true);
  std::vector<Received> got = Take(2, 10s);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].type, "NBIRTH");
  EXPECT_EQ(BdSeqOf(got[0].payload), 0);
  EXPECT_EQ(got[1].type, "DBIRTH");
  // Replayed: stored before this session.
  EXPECT_TRUE(FindMetric(got[1].payload, "1.1.1.8.0.255") != nullptr);

  // The host goes offline: the node dies and reconnects with the next bdSeq, unborn.
  Publish(state_topic, R"({"online":false,"timestamp":3000})", true);
  got = Take(1, 10s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].type, "NDEATH");
  EXPECT_EQ(BdSeqOf(got[0].payload), 0);
  ASSERT_TRUE(testing::WaitUntil([&] { return publisher->connections() == 2; }, 10s));
  Publish(state_topic, R"({"online":true,"timestamp":4000})", true);
  got = Take(1, 10s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].type, "NBIRTH");
  EXPECT_EQ(BdSeqOf(got[0].payload), 1);
  publisher->Stop();
}

}  // namespace
}  // namespace vmuc::gateway
