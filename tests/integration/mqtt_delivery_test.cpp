// "Nothing lost" on MQTT with the real parts (issue 7): vmuc-meterd, vmuc-mesh and
// vmuc-gateway against a mosquitto broker the test starts, and a Paho subscriber. The broker
// is killed for a while and restarted, then the gateway is SIGKILLed while publishing and
// started again. At the end the subscriber holds every event the gateway's store says the
// broker acknowledged, which is every event stored before the kill, first arrivals in
// sequence order.
//
// The gateway is frozen (SIGSTOP) around the broker's kill and restart. That does not spare
// the gateway anything; it keeps the test about the gateway. A broker killed with messages
// it acknowledged but had not yet passed on loses them, and a subscriber that has not yet
// subscribed again misses what a restarted broker takes before it. Both are the broker's
// leg, so the test kills the broker only when the subscriber has everything, and brings the
// subscriber back before the gateway. Between the freezes the gateway runs through the whole
// outage and keeps storing.
#include <gtest/gtest.h>
#include <mqtt/client.h>

#include <fstream>
#include <regex>
#include <set>

#include "common/net.h"
#include "gateway/mqtt/sparkplug.h"
#include "gateway/store/store.h"
#include "tests/integration/test_process.h"

namespace vmuc {
namespace {

using namespace std::chrono_literals;
using testing::TestProcess;

class MqttDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = temp_.path();
    ASSERT_TRUE(broker_.Start(dir)) << "mosquitto did not start";
    WriteConfig("");
    subscriber_ = std::make_unique<mqtt::client>(broker_.url, "delivery-test-subscriber");
    subscriber_->start_consuming();
    ASSERT_TRUE(Resubscribe()) << testing::ReadFile(dir + "/mosquitto.log");
  }

  void TearDown() override {
    if (HasFailure()) std::cerr << "---- log ----\n" << testing::ReadFile(log_path());
    if (gateway_) gateway_->Signal(SIGCONT);
    try {
      if (subscriber_ && subscriber_->is_connected()) subscriber_->disconnect();
    } catch (const mqtt::exception&) {
    }
  }

  // `mqtt_keys`: more [mqtt] keys (the profile).
  void WriteConfig(const std::string& mqtt_keys) {
    const std::string dir = temp_.path();
    auto grpc_port = PickFreeLoopbackPort();
    ASSERT_TRUE(grpc_port.ok());
    config_path_ = dir + "/vmuc.toml";
    std::ofstream(config_path_) << "[gateway]\nname = \"it\"\n"
                                << "grpc_listen = \"127.0.0.1:" << *grpc_port << "\"\n"
                                << "data_dir = \"" << dir << "/var\"\n"
                                << testing::DlmsSectionOnFreePorts() << "[mqtt]\nbroker = \""
                                << broker_.url << "\"\n"
                                << mqtt_keys << "[time]\nmode = \"simulated\"\n"
                                << "start = 2026-03-01T00:00:00Z\nspeed = 600\n"
                                << "[fleet]\nmeters = 10\nseed = 11\n"
                                << "epoch = 2026-02-22T00:00:00Z\npush_interval_s = 60\n"
                                << "shards = 1\n";
  }

  std::string log_path() const { return temp_.path() + "/vmuc.log"; }
  std::optional<TestProcess> Start(const std::string& program) {
    return TestProcess::Start({std::string(VMUC_BIN_DIR) + "/" + program, "--config", config_path_},
                              log_path());
  }
  void StartGateway() {
    auto gateway = Start("vmuc-gateway");
    ASSERT_TRUE(gateway.has_value());
    gateway_.emplace(std::move(*gateway));
  }

  bool Resubscribe() {
    return testing::WaitUntil(
        [&] {
          try {
            subscriber_->connect(mqtt::connect_options_builder().clean_session(false).finalize());
            subscriber_->subscribe("vmuc/it/#", 1);
            subscriber_->subscribe("spBv1.0/#", 1);
            return true;
          } catch (const mqtt::exception&) {
            return false;
          }
        },
        10s);
  }

  // Takes messages until `done` holds, or nothing has come for `quiet`, or `timeout` passes.
  void Receive(const std::function<bool()>& done, std::chrono::milliseconds quiet,
               std::chrono::seconds timeout) {
    static const std::regex kSeq(R"re("seq":(\d+))re");
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto last_message = std::chrono::steady_clock::now();
    while (!done() && std::chrono::steady_clock::now() < deadline &&
           std::chrono::steady_clock::now() - last_message < quiet) {
      mqtt::const_message_ptr message;
      if (!subscriber_->try_consume_message_for(&message, 50ms) || !message) continue;
      last_message = std::chrono::steady_clock::now();
      std::smatch match;
      const std::string payload = message->to_string();
      if (std::regex_search(payload, match, kSeq)) {
        const uint64_t seq = std::stoull(match[1].str());
        if (distinct_.insert(seq).second) first_arrivals_.push_back(seq);
      }
    }
  }
  void ReceiveAtLeast(size_t count) {
    Receive([&] { return distinct_.size() >= count; }, 60s, 60s);
    ASSERT_GE(distinct_.size(), count);
  }

  uint64_t StoredEvents() {
    auto store = gateway::Store::Open(temp_.path() + "/var/vmuc.db");
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *(*store)->LastEventSequence() : 0;
  }

  testing::TempDir temp_;
  testing::TestBroker broker_;
  std::string config_path_;
  std::optional<TestProcess> gateway_;
  std::unique_ptr<mqtt::client> subscriber_;
  std::set<uint64_t> distinct_;
  std::vector<uint64_t> first_arrivals_;
};

TEST_F(MqttDeliveryTest, EveryStoredEventArrivesAcrossABrokerKillAndAGatewayKill) {
  auto meterd = Start("vmuc-meterd");
  auto mesh = Start("vmuc-mesh");
  ASSERT_TRUE(meterd && mesh);
  StartGateway();
  ReceiveAtLeast(100);

  // The broker dies; the gateway runs on for 3 s and stores what the meters push.
  gateway_->Signal(SIGSTOP);
  Receive([] { return false; }, 1s, 30s);  // everything the broker took has come
  ASSERT_TRUE(broker_.Kill());
  const size_t before_outage = distinct_.size();
  gateway_->Signal(SIGCONT);
  std::this_thread::sleep_for(3s);
  gateway_->Signal(SIGSTOP);
  const uint64_t stored_in_outage = StoredEvents();
  EXPECT_GT(stored_in_outage, before_outage + 50) << "the gateway stored little in the outage";
  ASSERT_TRUE(broker_.Run());
  ASSERT_TRUE(Resubscribe());
  gateway_->Signal(SIGCONT);
  ReceiveAtLeast(stored_in_outage);

  // The gateway is killed while it publishes, and started again.
  ReceiveAtLeast(distinct_.size() + 200);
  gateway_->Signal(SIGKILL);
  ASSERT_TRUE(gateway_->WaitFor(10s).has_value());
  gateway_.reset();
  const uint64_t stored_at_kill = StoredEvents();
  StartGateway();
  ReceiveAtLeast(stored_at_kill + 100);

  gateway_->Signal(SIGTERM);
  const auto status = gateway_->WaitFor(30s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
  gateway_.reset();
  Receive([] { return false; }, 2s, 30s);

  auto store = gateway::Store::Open(temp_.path() + "/var/vmuc.db");
  ASSERT_TRUE(store.ok()) << store.status();
  const uint64_t acked = (*store)->OutboxAcked("json")->value_or(0);
  EXPECT_GE(acked, stored_at_kill);
  std::vector<uint64_t> missing;
  for (uint64_t seq = 1; seq <= acked; ++seq) {
    if (!distinct_.count(seq)) missing.push_back(seq);
  }
  EXPECT_TRUE(missing.empty()) << missing.size() << " acknowledged events never arrived, from "
                               << missing.front();
  EXPECT_TRUE(std::is_sorted(first_arrivals_.begin(), first_arrivals_.end()));
  std::cerr << "events stored " << *(*store)->LastEventSequence() << ", acknowledged " << acked
            << ", received " << distinct_.size() << " (before the outage " << before_outage
            << ", stored by its end " << stored_in_outage << ", at the kill " << stored_at_kill
            << ")\n";
}

// Sparkplug B with the real gateway: its births and data decode, seq runs 0..255 without a
// gap within a session, and when the gateway is SIGKILLed the broker publishes its will: the
// NDEATH with the session's bdSeq. The restarted gateway is born with the next bdSeq.
TEST_F(MqttDeliveryTest, SparkplugBirthsDataAndTheDeathOfAKilledGateway) {
  WriteConfig("profile = \"sparkplug\"\nsparkplug_group_id = \"vmuc\"\n");
  auto meterd = Start("vmuc-meterd");
  auto mesh = Start("vmuc-mesh");
  ASSERT_TRUE(meterd && mesh);
  StartGateway();

  struct Seen {
    std::string type, device;
    org::eclipse::tahu::protobuf::Payload payload;
  };
  auto take = [&](size_t count, std::chrono::seconds timeout) {
    std::vector<Seen> seen;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (seen.size() < count && std::chrono::steady_clock::now() < deadline) {
      mqtt::const_message_ptr message;
      if (!subscriber_->try_consume_message_for(&message, 50ms) || !message) continue;
      auto topic = gateway::ParseSparkplugTopic(message->get_topic());
      if (!topic.ok()) continue;
      auto payload = gateway::DecodeSparkplugPayload(message->to_string());
      EXPECT_TRUE(payload.ok()) << message->get_topic() << ": " << payload.status();
      if (payload.ok()) seen.push_back({topic->message_type, topic->device_id, *payload});
    }
    return seen;
  };
  auto bd_seq = [](const org::eclipse::tahu::protobuf::Payload& payload) -> int64_t {
    for (const auto& metric : payload.metrics()) {
      if (metric.name() == gateway::kSparkplugBdSeqMetric) return metric.long_value();
    }
    return -1;
  };

  // Session 1: NBIRTH (seq 0), then births and data of the ten meters, seq without a gap.
  std::vector<Seen> first = take(300, 60s);
  ASSERT_EQ(first.size(), 300u);
  ASSERT_EQ(first[0].type, "NBIRTH");
  const int64_t first_bd_seq = bd_seq(first[0].payload);
  EXPECT_GE(first_bd_seq, 0);
  std::set<std::string> born;
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].payload.seq(), i % 256) << i << " " << first[i].type;
    if (first[i].type == "DBIRTH") born.insert(first[i].device);
    if (first[i].type == "DDATA") {
      EXPECT_TRUE(born.contains(first[i].device)) << "DDATA before DBIRTH of " << first[i].device;
      for (const auto& metric : first[i].payload.metrics()) {
        EXPECT_GT(metric.timestamp(), 0u);
        EXPECT_EQ(metric.datatype(), 4u);  // Int64: the meter's exact integer
      }
    }
  }
  EXPECT_EQ(born.size(), 10u);

  // The gateway is killed: the broker publishes its will.
  gateway_->Signal(SIGKILL);
  ASSERT_TRUE(gateway_->WaitFor(10s).has_value());
  gateway_.reset();
  std::optional<Seen> death;
  for (int round = 0; round < 100 && !death; ++round) {
    for (Seen& seen : take(1, 1s)) {
      if (seen.type == "NDEATH") death = std::move(seen);
    }
  }
  ASSERT_TRUE(death.has_value()) << "no NDEATH after the gateway's death";
  EXPECT_EQ(bd_seq(death->payload), first_bd_seq);

  // Restarted: born again with the next bdSeq, seq from 0.
  StartGateway();
  std::vector<Seen> second = take(1, 30s);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].type, "NBIRTH");
  EXPECT_EQ(second[0].payload.seq(), 0u);
  EXPECT_EQ(bd_seq(second[0].payload), (first_bd_seq + 1) % 256);
}

}  // namespace
}  // namespace vmuc
