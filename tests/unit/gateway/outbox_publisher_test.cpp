// The MQTT outbox against a real mosquitto broker and a real SQLite file: every stored
// event reaches a subscriber, in order, across a broker outage and a publisher restart; the
// durable cursor moves only with the broker's acknowledgements.
#include "gateway/mqtt/outbox_publisher.h"

#include <gtest/gtest.h>
#include <mqtt/client.h>

#include <regex>

#include "gateway/api/gateway_service.h"
#include "gateway/mqtt/json_profile.h"
#include "tests/integration/test_process.h"

namespace vmuc::gateway {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'767'225'600));

// What a subscriber saw: each message's seq in arrival order, and the retained status.
class Subscriber {
 public:
  bool Connect(const std::string& url, const std::string& filter) {
    client_ = std::make_unique<mqtt::client>(url, "outbox-test-subscriber");
    client_->start_consuming();
    filter_ = filter;
    return Reconnect(10s);
  }
  // A persistent session: the broker keeps the subscription and what it queued for the
  // subscriber while it was away (across the broker's own restart too).
  bool Reconnect(std::chrono::milliseconds timeout) {
    auto options = mqtt::connect_options_builder().clean_session(false).finalize();
    return testing::WaitUntil(
        [&] {
          try {
            client_->connect(options);
            client_->subscribe(filter_, 1);  // a broker that lost its state forgot it
            return true;
          } catch (const mqtt::exception&) {
            return false;
          }
        },
        timeout);
  }
  ~Subscriber() {
    try {
      if (client_ && client_->is_connected()) client_->disconnect();
    } catch (const mqtt::exception&) {
    }
  }
  // Takes messages until `count` distinct sequences have come or `timeout` passes.
  void ReceiveUntil(size_t count, std::chrono::seconds timeout) {
    static const std::regex kSeq(R"re("seq":(\d+))re");
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (distinct.size() < count && std::chrono::steady_clock::now() < deadline) {
      mqtt::const_message_ptr message;
      if (!client_->try_consume_message_for(&message, 200ms) || !message) continue;
      std::smatch match;
      const std::string payload = message->to_string();
      if (!std::regex_search(payload, match, kSeq)) {
        others.push_back(message->get_topic() + " " + payload);
        continue;
      }
      const uint64_t seq = std::stoull(match[1].str());
      if (message->is_duplicate()) duplicates.insert(seq);
      arrivals.push_back(seq);
      distinct.insert(seq);
    }
  }
  // The sequences in order of first arrival.
  std::vector<uint64_t> FirstArrivals() const {
    std::vector<uint64_t> first;
    std::set<uint64_t> seen;
    for (uint64_t seq : arrivals) {
      if (seen.insert(seq).second) first.push_back(seq);
    }
    return first;
  }

  // For failure messages: how many came, which are missing, where the order breaks.
  std::string Describe(uint64_t last) const {
    std::string text = std::to_string(arrivals.size()) + " arrivals, " +
                       std::to_string(distinct.size()) + " distinct; missing:";
    int shown = 0;
    for (uint64_t seq = 1; seq <= last && shown < 20; ++seq) {
      if (!distinct.count(seq)) text += " " + std::to_string(seq), ++shown;
    }
    const std::vector<uint64_t> first = FirstArrivals();
    for (size_t i = 1; i < first.size(); ++i) {
      if (first[i] != first[i - 1] + 1) {
        text += "; order breaks after " + std::to_string(first[i - 1]) + " with " +
                std::to_string(first[i]) + "; arrivals around it:";
        for (size_t j = 0; j < arrivals.size(); ++j) {
          if (arrivals[j] + 3 >= first[i - 1] && arrivals[j] <= first[i] + 3) {
            text += " " + std::to_string(arrivals[j]) + (duplicates.count(arrivals[j]) ? "d" : "");
          }
        }
        break;
      }
    }
    return text;
  }

  std::vector<uint64_t> arrivals;
  std::set<uint64_t> distinct;
  std::set<uint64_t> duplicates;  // arrived with the DUP flag (a redelivery)
  std::vector<std::string> others;

 private:
  std::unique_ptr<mqtt::client> client_;
  std::string filter_;
};

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> range;
  for (uint64_t seq = first; seq <= last; ++seq) range.push_back(seq);
  return range;
}

class OutboxPublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(broker_.Start(dir_.path())) << "mosquitto did not start";
    store_ = *Store::Open(dir_.path() + "/vmuc.db");
    outbox_store_ = *Store::Open(dir_.path() + "/vmuc.db");
    ASSERT_TRUE(subscriber_.Connect(broker_.url, "vmuc/gw1/+/readings"))
        << testing::ReadFile(dir_.path() + "/mosquitto.log");
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << testing::ReadFile(dir_.path() + "/mosquitto.log");
  }

  std::unique_ptr<OutboxPublisher> StartPublisher(
      std::chrono::milliseconds reconnect_interval = 200ms) {
    OutboxPublisherOptions options;
    options.broker_url = broker_.url;
    options.client_id = "outbox-test-gateway";
    options.max_inflight = 50;  // small, so outages catch messages in flight
    options.read_batch = 20;
    options.reconnect_min = reconnect_interval;
    options.reconnect_max = reconnect_interval;
    options.cursor_save_interval = 0ms;
    auto publisher = OutboxPublisher::Create(options, *outbox_store_,
                                             std::make_unique<JsonProfile>("vmuc", "gw1"), clock_);
    EXPECT_TRUE(publisher.ok()) << publisher.status();
    (*publisher)->Start();
    return *std::move(publisher);
  }

  // Stores `count` readings events, as the collector does, a few per transaction.
  void AddReadings(int count) {
    for (int i = 0; i < count; i += 5) {
      std::vector<ReadingBatch> batches;
      for (int j = i; j < std::min(count, i + 5); ++j) {
        const TimePoint at = kT0 + std::chrono::minutes(added_ + j);
        batches.push_back({"57000000000000" + std::to_string(10 + (added_ + j) % 90),
                           3,
                           at,
                           {{"1.1.1.8.0.255", added_ + j, 0, 30, at}}});
      }
      auto events = [](const ReadingBatch& batch, const Store::Stored& stored) {
        return std::vector<std::string>{
            ReadingsEventOf(batch.meter_id, stored.new_registers).SerializeAsString()};
      };
      ASSERT_TRUE(store_->StoreBatches(batches, events).ok());
    }
    added_ += count;
  }

  testing::TempDir dir_;
  testing::TestBroker broker_;
  SimulatedClock clock_{kT0};
  std::unique_ptr<Store> store_;         // the collector's connection
  std::unique_ptr<Store> outbox_store_;  // the publisher's
  Subscriber subscriber_;
  int added_ = 0;
};

TEST_F(OutboxPublisherTest, EveryEventArrivesInOrderAcrossABrokerOutage) {
  // The publisher retries every 3 s, so the subscriber is back (and subscribed) before it.
  auto publisher = StartPublisher(3s);
  AddReadings(300);
  publisher->Wake();
  subscriber_.ReceiveUntil(300, 30s);
  ASSERT_EQ(subscriber_.FirstArrivals(), Range(1, 300)) << subscriber_.Describe(300);
  ASSERT_TRUE(testing::WaitUntil([&] { return publisher->acked_sequence() == 300; }, 10s));

  // The broker is killed; the gateway goes on storing events, which only its outbox holds.
  ASSERT_TRUE(broker_.Kill());
  AddReadings(500);
  publisher->Wake();
  std::this_thread::sleep_for(1s);  // a reconnect attempt fails meanwhile
  EXPECT_FALSE(publisher->connected());
  EXPECT_EQ(publisher->acked_sequence(), 300u);  // nothing leaves without a broker's ack
  ASSERT_TRUE(broker_.Run());
  ASSERT_TRUE(subscriber_.Reconnect(1500ms));
  EXPECT_FALSE(publisher->connected());

  subscriber_.ReceiveUntil(800, 60s);
  EXPECT_EQ(subscriber_.FirstArrivals(), Range(1, 800)) << subscriber_.Describe(800);
  EXPECT_EQ(subscriber_.arrivals.size(), 800u);  // nothing was in flight: nothing twice
  EXPECT_TRUE(subscriber_.others.empty()) << subscriber_.others.front();
  ASSERT_TRUE(testing::WaitUntil([&] { return publisher->acked_sequence() == 800; }, 10s));
  EXPECT_EQ(publisher->connections(), 2u);
  publisher->Stop();
  EXPECT_EQ(*store_->OutboxAcked("json"), 800u);
}

TEST_F(OutboxPublisherTest, ARestartedPublisherResumesAfterTheAcknowledgedCursor) {
  auto publisher = StartPublisher();
  AddReadings(120);
  publisher->Wake();
  ASSERT_TRUE(testing::WaitUntil([&] { return publisher->acked_sequence() == 120; }, 20s));
  publisher->Stop();
  publisher.reset();
  EXPECT_EQ(*store_->OutboxAcked("json"), 120u);

  AddReadings(80);  // stored while no publisher runs
  publisher = StartPublisher();
  subscriber_.ReceiveUntil(200, 30s);
  EXPECT_EQ(subscriber_.FirstArrivals(), Range(1, 200)) << subscriber_.Describe(200);
  // A clean stop waited for its acknowledgements: nothing was sent twice.
  EXPECT_EQ(subscriber_.arrivals.size(), 200u);
}

TEST_F(OutboxPublisherTest, AFirstStartBeginsAfterWhatIsAlreadyStored) {
  // An upgrade from before the outbox (or a profile switch): its history went out before.
  AddReadings(50);
  auto publisher = StartPublisher();
  ASSERT_TRUE(testing::WaitUntil([&] { return publisher->connected(); }, 10s));
  EXPECT_EQ(*store_->OutboxAcked("json"), 50u);
  AddReadings(10);
  publisher->Wake();
  subscriber_.ReceiveUntil(10, 20s);
  EXPECT_EQ(subscriber_.FirstArrivals(), Range(51, 60)) << subscriber_.Describe(60);
}

TEST_F(OutboxPublisherTest, TheGatewayStatusIsRetainedOnlineThenOffline) {
  auto publisher = StartPublisher();
  ASSERT_TRUE(testing::WaitUntil([&] { return publisher->connected(); }, 10s));
  auto status_of = [&] {
    mqtt::client reader(broker_.url, "outbox-test-status-reader");
    reader.connect(mqtt::connect_options_builder().clean_session(true).finalize());
    reader.start_consuming();
    reader.subscribe("vmuc/gw1/status", 1);
    mqtt::const_message_ptr message;
    std::string status = "(none)";
    if (reader.try_consume_message_for(&message, 5s) && message) {
      status = message->to_string() + (message->is_retained() ? " retained" : "");
    }
    reader.disconnect();
    return status;
  };
  EXPECT_EQ(status_of(), "online retained");
  publisher->Stop();
  EXPECT_EQ(status_of(), "offline retained");
}

}  // namespace
}  // namespace vmuc::gateway
