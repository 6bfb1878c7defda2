// The gateway's head-end figures (issue 7; docs/performance.md, "Gateway"): MQTT messages
// per second through the durable outbox to a local mosquitto at QoS 1, and store rows
// ingested per second. Real parts only: a mosquitto child process on a free loopback port,
// a real SQLite file (WAL) in a temporary directory, the gateway's own OutboxPublisher and
// Store. Every figure is checked: the broker must acknowledge every message and a QoS 1
// subscriber must receive every sequence, or the bench aborts naming what is missing.
//
// Usage: vmuc_gateway_bench [messages]   (default 200000)
#include <mqtt/client.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/clock.h"
#include "gateway/api/gateway_service.h"
#include "gateway/mqtt/json_profile.h"
#include "gateway/mqtt/outbox_publisher.h"
#include "gateway/store/store.h"
#include "tests/integration/test_process.h"

namespace vmuc::gateway {
namespace {

using namespace std::chrono_literals;
using Seconds = std::chrono::duration<double>;

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'767'225'600));
constexpr const char* kPhaseObis[] = {"1.1.1.8.0.255", "1.1.21.8.0.255", "1.1.41.8.0.255",
                                      "1.1.61.8.0.255"};

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "vmuc_gateway_bench: %s\n", what.c_str());
  std::abort();
}

// `count` pushes of 4 registers, `per_transaction` meters' pushes per transaction (as the
// collector batches a burst of frames), each with its readings event.
double StoreReadings(Store& store, int count, int per_transaction) {
  auto events = [](const ReadingBatch& batch, const Store::Stored& stored) {
    return std::vector<std::string>{
        ReadingsEventOf(batch.meter_id, stored.new_registers).SerializeAsString()};
  };
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; i += per_transaction) {
    std::vector<ReadingBatch> batches;
    for (int j = i; j < std::min(count, i + per_transaction); ++j) {
      const int meter = j % 1000;
      const TimePoint at = kT0 + std::chrono::minutes(j / 1000);
      ReadingBatch batch{absl::StrFormat("%016d", 5700000000000001 + meter),
                         static_cast<uint32_t>(meter + 1),
                         at,
                         {}};
      for (const char* obis : kPhaseObis) batch.registers.push_back({obis, j, 0, 30, at});
      batches.push_back(std::move(batch));
    }
    if (auto stored = store.StoreBatches(batches, events); !stored.ok()) {
      Fail(stored.status().ToString());
    }
  }
  return Seconds(std::chrono::steady_clock::now() - start).count();
}

// 96 entries (a day of 15 minutes) of 8 channels per transaction, as gap filling stores them.
double StoreProfiles(Store& store, int meters, int days) {
  std::vector<std::string> channels;
  for (int c = 0; c < 8; ++c) channels.push_back(absl::StrCat("1.1.", c + 1, ".29.0.255"));
  const auto start = std::chrono::steady_clock::now();
  for (int day = 0; day < days; ++day) {
    for (int meter = 0; meter < meters; ++meter) {
      ProfileBatch batch{absl::StrFormat("%016d", 5700000000000001 + meter), 900, {}};
      for (int k = 0; k < 96; ++k) {
        batch.rows.push_back({.captured_at = kT0 + std::chrono::minutes(15 * (day * 96 + k + 1)),
                              .status = 0,
                              .channels = channels,
                              .values = std::vector<uint32_t>(8, static_cast<uint32_t>(k)),
                              .read_back = false});
      }
      if (auto stored = store.StoreProfile(batch); !stored.ok() || *stored != 96) {
        Fail("profile rows not stored");
      }
    }
  }
  return Seconds(std::chrono::steady_clock::now() - start).count();
}

void StoreFigures(const std::string& dir) {
  auto store = Store::Open(dir + "/ingest.db");
  if (!store.ok()) Fail(store.status().ToString());
  constexpr int kPushes = 100'000;
  const double readings_s = StoreReadings(**store, kPushes, 100);
  std::printf("store: %d pushes of 4 registers, 100 per transaction, with their events: %.2f s\n",
              kPushes, readings_s);
  std::printf("  %.0f register rows/s (%.0f pushes/s, %.0f rows/s counting the event rows)\n",
              4 * kPushes / readings_s, kPushes / readings_s, 5 * kPushes / readings_s);
  const double profile_s = StoreProfiles(**store, 200, 10);
  std::printf("store: 2000 meter-days of load profile (96 entries x 8 channels each): %.2f s\n",
              profile_s);
  std::printf("  %.0f profile rows/s\n", 2000 * 96 / profile_s);
}

// `with_subscriber`: a QoS 1 subscriber takes every message (checked) on the same machine;
// without, the figure is the broker's intake alone.
void MqttFigures(const std::string& dir, int messages, bool with_subscriber) {
  testing::TestBroker broker;
  if (!broker.Start(dir)) Fail("mosquitto did not start");
  const std::string db = dir + (with_subscriber ? "/subscribed.db" : "/alone.db");
  auto store = Store::Open(db);
  auto outbox = Store::Open(db);
  if (!store.ok() || !outbox.ok()) Fail("store did not open");
  StoreReadings(**store, messages, 100);

  // A QoS 1 subscriber that counts what it receives, checking the sequences.
  mqtt::client subscriber(broker.url, "bench-subscriber");
  subscriber.start_consuming();
  if (!testing::WaitUntil(
          [&] {
            try {
              subscriber.connect(mqtt::connect_options_builder().clean_session(true).finalize());
              return true;
            } catch (const mqtt::exception&) {
              return false;
            }
          },
          10s)) {
    Fail("subscriber cannot connect");
  }
  subscriber.subscribe(with_subscriber ? "vmuc/bench/+/readings" : "none/of/these", 1);
  std::atomic<int> received{0};
  std::vector<char> seen(static_cast<size_t>(messages) + 1, 0);
  std::thread consumer([&] {
    while (with_subscriber && received.load() < messages) {
      mqtt::const_message_ptr message;
      if (!subscriber.try_consume_message_for(&message, 5s) || !message) break;
      const std::string payload = message->to_string();
      const size_t at = payload.find("\"seq\":");
      if (at == std::string::npos) continue;
      const long seq = std::strtol(payload.c_str() + at + 6, nullptr, 10);
      if (seq < 1 || seq > messages || seen[static_cast<size_t>(seq)]) continue;
      seen[static_cast<size_t>(seq)] = 1;
      received.fetch_add(1);
    }
  });

  SimulatedClock clock(kT0);
  OutboxPublisherOptions options;
  options.broker_url = broker.url;
  options.client_id = "bench-gateway";
  auto publisher = OutboxPublisher::Create(options, **outbox,
                                           std::make_unique<JsonProfile>("vmuc", "bench"), clock);
  if (!publisher.ok()) Fail(publisher.status().ToString());
  const auto start = std::chrono::steady_clock::now();
  (*publisher)->Start();
  const bool acked = testing::WaitUntil(
      [&] { return (*publisher)->acked_sequence() == static_cast<uint64_t>(messages); }, 300s);
  const double acked_s = Seconds(std::chrono::steady_clock::now() - start).count();
  if (!acked) Fail(absl::StrCat("only ", (*publisher)->acked_sequence(), " acknowledged"));
  consumer.join();
  const double received_s = Seconds(std::chrono::steady_clock::now() - start).count();
  if (with_subscriber && received.load() != messages) {
    Fail(absl::StrCat("the subscriber received ", received.load(), " of ", messages));
  }
  (*publisher)->Stop();
  subscriber.disconnect();
  std::printf("mqtt: %d readings events from the outbox to mosquitto at QoS 1, window %d, %s\n",
              messages, options.max_inflight,
              with_subscriber ? "one QoS 1 subscriber" : "no subscriber");
  std::printf("  %.0f messages/s acknowledged by the broker (%.2f s)\n", messages / acked_s,
              acked_s);
  if (with_subscriber) {
    std::printf("  %.0f messages/s received by the subscriber (%.2f s), each once\n",
                messages / received_s, received_s);
  }
}

}  // namespace
}  // namespace vmuc::gateway

int main(int argc, char** argv) {
  const int messages = argc > 1 ? std::atoi(argv[1]) : 200'000;
  if (messages <= 0) {
    std::fprintf(stderr, "usage: vmuc_gateway_bench [messages > 0]\n");
    return 2;
  }
  char dir_template[] = "/tmp/vmuc-gateway-bench-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  vmuc::gateway::StoreFigures(dir);
  vmuc::gateway::MqttFigures(dir, messages, /*with_subscriber=*/false);
  vmuc::gateway::MqttFigures(dir, messages, /*with_subscriber=*/true);
  std::system(("rm -rf '" + dir + "'").c_str());
  return 0;
}
