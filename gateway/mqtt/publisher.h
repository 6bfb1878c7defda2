// Publisher: how the gateway puts messages on MQTT.
//
// The collector talks to the Publisher interface; PahoPublisher is the real one (Paho MQTT
// C++ async client against a real broker), tests may pass a recording fake. Messages go
// out at QoS 1. While the broker is unreachable Paho buffers up to
// `max_buffered_messages` in memory and sends them on reconnect; the durable SQLite
// outbox that survives a gateway crash is the head-end issue's (#7) work.
// Thread-safe.
#ifndef VMUC_GATEWAY_MQTT_PUBLISHER_H_
#define VMUC_GATEWAY_MQTT_PUBLISHER_H_

#include <mqtt/async_client.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace vmuc::gateway {

class Publisher {
 public:
  virtual ~Publisher() = default;
  virtual void Publish(const std::string& topic, const std::string& payload, bool retained) = 0;
};

struct PahoPublisherOptions {
  std::string broker_url;  // "tcp://127.0.0.1:1883"
  std::string client_id;
  std::string status_topic;  // retained "online"; the last will sets it "offline"
  int max_buffered_messages = 100'000;
  std::chrono::seconds reconnect_min{1};
  std::chrono::seconds reconnect_max{30};
};

class PahoPublisher final : public Publisher {
 public:
  static absl::StatusOr<std::unique_ptr<PahoPublisher>> Create(PahoPublisherOptions options);
  ~PahoPublisher() override;

  // Connects in the background, retrying until Stop(); Publish works before that.
  void Start();
  // Marks the gateway offline (retained), flushes and disconnects.
  void Stop();
  void Publish(const std::string& topic, const std::string& payload, bool retained) override;

  bool connected() const { return client_->is_connected(); }
  uint64_t published() const { return published_.load(); }

 private:
  PahoPublisher(PahoPublisherOptions options, std::unique_ptr<mqtt::async_client> client);
  void ConnectLoop();

  const PahoPublisherOptions options_;
  std::unique_ptr<mqtt::async_client> client_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<uint64_t> published_{0};
  std::thread connector_;
};

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_MQTT_PUBLISHER_H_
