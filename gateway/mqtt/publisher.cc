#include "gateway/mqtt/publisher.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"

namespace vmuc::gateway {

absl::StatusOr<std::unique_ptr<PahoPublisher>> PahoPublisher::Create(PahoPublisherOptions options) {
  try {
    auto create = mqtt::create_options_builder()
                      .mqtt_version(MQTTVERSION_3_1_1)
                      .max_buffered_messages(options.max_buffered_messages)
                      .send_while_disconnected(true, true)
                      .delete_oldest_messages(false)
                      .finalize();
    auto client = std::make_unique<mqtt::async_client>(options.broker_url, options.client_id,
                                                       create, nullptr);
    return std::unique_ptr<PahoPublisher>(new PahoPublisher(std::move(options), std::move(client)));
  } catch (const mqtt::exception& error) {
    return absl::InvalidArgumentError(
        absl::StrCat("mqtt.broker '", options.broker_url, "': ", error.what()));
  }
}

PahoPublisher::PahoPublisher(PahoPublisherOptions options,
                             std::unique_ptr<mqtt::async_client> client)
    : options_(std::move(options)), client_(std::move(client)) {
  client_->set_connected_handler([this](const std::string&) {
    spdlog::info("mqtt: connected to {}", options_.broker_url);
    try {
      client_->publish(options_.status_topic, "online", 1, true);
    } catch (const mqtt::exception& error) {
      spdlog::warn("mqtt: status publish failed: {}", error.what());
    }
  });
  client_->set_connection_lost_handler([this](const std::string& cause) {
    spdlog::warn("mqtt: connection to {} lost ({}); reconnecting", options_.broker_url, cause);
  });
}

PahoPublisher::~PahoPublisher() { Stop(); }

void PahoPublisher::Start() {
  connector_ = std::thread([this] { ConnectLoop(); });
}

void PahoPublisher::ConnectLoop() {
  auto connect = mqtt::connect_options_builder()
                     .clean_session(true)
                     .keep_alive_interval(std::chrono::seconds(20))
                     .automatic_reconnect(options_.reconnect_min, options_.reconnect_max)
                     .will(mqtt::message(options_.status_topic, "offline", 1, true))
                     .finalize();
  auto backoff = options_.reconnect_min;
  while (true) {
    try {
      // Once connected, Paho's automatic reconnect takes over; this loop covers the first
      // connection, which automatic reconnect does not retry.
      if (client_->connect(connect)->wait_for(std::chrono::seconds(10))) return;
    } catch (const mqtt::exception& error) {
      spdlog::warn("mqtt: cannot connect to {} ({}); retrying in {} s", options_.broker_url,
                   error.what(), backoff.count());
    }
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, backoff, [this] { return stopping_; })) return;
    backoff = std::min(backoff * 2, options_.reconnect_max);
  }
}

void PahoPublisher::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (connector_.joinable()) connector_.join();
  try {
    if (client_->is_connected()) {
      client_->publish(options_.status_topic, "offline", 1, true)
          ->wait_for(std::chrono::seconds(2));
      client_->disconnect()->wait_for(std::chrono::seconds(5));
    }
  } catch (const mqtt::exception& error) {
    spdlog::warn("mqtt: disconnect: {}", error.what());
  }
}

void PahoPublisher::Publish(const std::string& topic, const std::string& payload, bool retained) {
  try {
    client_->publish(topic, payload.data(), payload.size(), 1, retained);
    published_.fetch_add(1);
  } catch (const mqtt::exception& error) {
    // Only a full buffer or a bad topic gets here; the reading stays in the store.
    spdlog::warn("mqtt: publish to {} failed: {}", topic, error.what());
  }
}

}  // namespace vmuc::gateway
