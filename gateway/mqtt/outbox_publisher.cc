#include "gateway/mqtt/outbox_publisher.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace vmuc::gateway {

absl::StatusOr<std::unique_ptr<OutboxPublisher>> OutboxPublisher::Create(
    OutboxPublisherOptions options, Store& store, std::unique_ptr<MqttProfile> profile,
    const Clock& clock) {
  if (options.max_inflight < 1 || options.read_batch < 1) {
    return absl::InvalidArgumentError("mqtt: max_inflight and read_batch must be at least 1");
  }
  auto cursor = store.OutboxAcked(profile->name());
  if (!cursor.ok()) return cursor.status();
  uint64_t acked = cursor->value_or(0);
  if (!cursor->has_value()) {
    // A profile's first start (a new install, an upgrade from before the outbox, a profile
    // switch) begins with what is stored from now on: the history went out before, or was
    // never meant for this profile, and a flood of it would bury the live data.
    auto last = store.LastEventSequence();
    if (!last.ok()) return last.status();
    acked = *last;
    if (auto saved = store.SetOutboxAcked(profile->name(), acked); !saved.ok()) return saved;
  }
  try {
    // Messages are published only while connected, and the outbox keeps the rest. Paho
    // queues each publish until its thread writes it, and refuses more than
    // max_buffered_messages queued: room for the window and a connection's births.
    auto create = mqtt::create_options_builder()
                      .mqtt_version(MQTTVERSION_3_1_1)
                      .max_buffered_messages(options.max_inflight + kBurstRoom)
                      .send_while_disconnected(false)
                      .finalize();
    auto client = std::make_unique<mqtt::async_client>(options.broker_url, options.client_id,
                                                       create, nullptr);
    return std::unique_ptr<OutboxPublisher>(new OutboxPublisher(
        std::move(options), store, std::move(profile), clock, std::move(client), acked));
  } catch (const mqtt::exception& error) {
    return absl::InvalidArgumentError(
        absl::StrCat("mqtt.broker '", options.broker_url, "': ", error.what()));
  }
}

OutboxPublisher::OutboxPublisher(OutboxPublisherOptions options, Store& store,
                                 std::unique_ptr<MqttProfile> profile, const Clock& clock,
                                 std::unique_ptr<mqtt::async_client> client, uint64_t acked)
    : options_(std::move(options)),
      store_(store),
      profile_(std::move(profile)),
      clock_(clock),
      client_(std::move(client)),
      sent_(acked),
      acked_(acked),
      saved_(acked),
      acked_sequence_(acked) {
  client_->set_connection_lost_handler([this](const std::string& cause) {
    spdlog::warn("mqtt: connection to {} lost ({}); reconnecting", options_.broker_url, cause);
    std::lock_guard lock(mutex_);
    connection_lost_ = true;
    wake_.notify_all();
  });
  client_->set_message_callback([this](mqtt::const_message_ptr message) {
    std::lock_guard lock(mutex_);
    arrivals_.emplace_back(message->get_topic(), message->to_string());
    wake_.notify_all();
  });
}

OutboxPublisher::~OutboxPublisher() {
  Stop();
  // The client goes first, while the mutex and condition variable its callbacks use still
  // exist (destroying it can still fail pending tokens).
  client_.reset();
}

void OutboxPublisher::Listener::on_success(const mqtt::token& token) {
  const auto id = reinterpret_cast<uintptr_t>(token.get_user_context());
  std::lock_guard lock(owner_.mutex_);
  owner_.acknowledged_.insert(id);
  // Waking the publisher for every acknowledgement would cost a context switch each.
  if (owner_.acknowledged_.size() >= owner_.wake_after_acks_) owner_.wake_.notify_all();
}

void OutboxPublisher::Listener::on_failure(const mqtt::token& token) {
  spdlog::warn("mqtt: publish {} not acknowledged (code {}); resending after a reconnect",
               reinterpret_cast<uintptr_t>(token.get_user_context()), token.get_return_code());
  std::lock_guard lock(owner_.mutex_);
  owner_.publish_failed_ = true;
  owner_.wake_.notify_all();
}

void OutboxPublisher::Start() {
  thread_ = std::thread([this] { Run(); });
}

void OutboxPublisher::Wake() {
  std::lock_guard lock(mutex_);
  woken_ = true;
  wake_.notify_all();
}

void OutboxPublisher::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

bool OutboxPublisher::Connect() {
  const MqttMessage will = profile_->Will();
  auto builder = mqtt::connect_options_builder()
                     .clean_session(true)
                     .keep_alive_interval(options_.keep_alive)
                     .connect_timeout(options_.connect_timeout)
                     .max_inflight(options_.max_inflight + 64)  // room for births and answers
                     .will(mqtt::message(will.topic, will.payload, will.qos, will.retained));
  if (!options_.username.empty()) {
    builder.user_name(options_.username).password(options_.password);
  }
  if (absl::StartsWith(options_.broker_url, "ssl://") ||
      absl::StartsWith(options_.broker_url, "mqtts://")) {
    mqtt::ssl_options ssl;
    ssl.set_enable_server_cert_auth(true);
    ssl.set_verify(true);
    if (!options_.ca_file.empty()) ssl.set_trust_store(options_.ca_file);
    if (!options_.cert_file.empty()) ssl.set_key_store(options_.cert_file);
    if (!options_.key_file.empty()) ssl.set_private_key(options_.key_file);
    builder.ssl(std::move(ssl));
  }
  try {
    // Paho checks its own connect timeout about once a second: wait past it, so the
    // attempt has ended either way when this gives up.
    if (!client_->connect(builder.finalize())
             ->wait_for(options_.connect_timeout + std::chrono::seconds(2))) {
      spdlog::warn("mqtt: no answer from {} within {} s", options_.broker_url,
                   options_.connect_timeout.count());
      try {
        client_->disconnect()->wait_for(std::chrono::seconds(2));
      } catch (const mqtt::exception&) {
        // Not connected: nothing to end.
      }
      return false;
    }
  } catch (const mqtt::exception& error) {
    spdlog::warn("mqtt: cannot connect to {}: {}", options_.broker_url, error.what());
    return false;
  }
  {
    std::lock_guard lock(mutex_);
    connection_lost_ = false;
    publish_failed_ = false;
    acknowledged_.clear();
  }
  // Whatever was in flight on the previous connection goes again, from the cursor on.
  inflight_.clear();
  acks_ahead_.clear();
  sent_ = acked_;
  auto last = store_.LastEventSequence();
  backlog_end_ = last.ok() ? *last : acked_;
  connected_ = true;
  connections_.fetch_add(1);
  spdlog::info("mqtt: connected to {} ({} events to send)", options_.broker_url,
               backlog_end_ - std::min(backlog_end_, acked_));
  for (const MqttMessage& message : profile_->OnConnected(clock_.Now())) {
    if (Publish(message) == 0) {
      DropConnection();
      return false;
    }
  }
  try {
    for (const std::string& filter : profile_->Subscriptions()) client_->subscribe(filter, 1);
  } catch (const mqtt::exception& error) {
    spdlog::warn("mqtt: subscribe: {}", error.what());
    DropConnection();
    return false;
  }
  return true;
}

void OutboxPublisher::DropConnection() {
  connected_ = false;
  try {
    if (client_->is_connected()) client_->disconnect()->wait_for(std::chrono::seconds(2));
  } catch (const mqtt::exception&) {
    // Already gone: the next Connect starts afresh either way.
  }
}

uint64_t OutboxPublisher::Publish(const MqttMessage& message) {
  const uint64_t id = next_id_++;
  try {
    auto paho_message =
        mqtt::make_message(message.topic, message.payload, message.qos, message.retained);
    client_->publish(paho_message, reinterpret_cast<void*>(static_cast<uintptr_t>(id)), listener_);
  } catch (const mqtt::exception& error) {
    spdlog::warn("mqtt: publish to {} refused: {}", message.topic, error.what());
    return 0;
  }
  messages_published_.fetch_add(1);
  return id;
}

bool OutboxPublisher::Pump() {
  std::set<uint64_t> acknowledged;
  std::vector<std::pair<std::string, std::string>> arrivals;
  {
    std::lock_guard lock(mutex_);
    if (connection_lost_ || publish_failed_) return false;
    arrivals.swap(arrivals_);
    acknowledged.swap(acknowledged_);
  }
  AdvanceCursor(acknowledged);
  const TimePoint now = clock_.Now();
  for (const auto& [topic, payload] : arrivals) {
    for (const MqttMessage& message : profile_->OnMessage(topic, payload, now)) {
      if (Publish(message) == 0) return false;
    }
    if (profile_->MustReconnect()) return false;
  }
  while (profile_->ReadyToPublish() &&
         inflight_.size() < static_cast<size_t>(options_.max_inflight)) {
    const int room = options_.max_inflight - static_cast<int>(inflight_.size());
    auto events = store_.EventsAfter(sent_, std::min(room, options_.read_batch));
    if (!events.ok()) {
      spdlog::error("mqtt: reading the outbox: {}", events.status().ToString());
      break;  // the store may be busy: the next wake-up tries again
    }
    if (events->empty()) break;
    for (const EventRecord& record : *events) {
      v1::Event event;
      std::vector<MqttMessage> messages;
      if (event.ParseFromString(record.event_bytes)) {
        messages = profile_->Render(record.sequence, event, record.sequence <= backlog_end_, now);
      } else {
        spdlog::error("mqtt: event {} does not parse; not published", record.sequence);
      }
      if (messages.empty()) inflight_.push_back({.id = 0, .completes_sequence = record.sequence});
      for (size_t i = 0; i < messages.size(); ++i) {
        const uint64_t id = Publish(messages[i]);
        if (id == 0) return false;
        // An event leaves the outbox with its last message.
        inflight_.push_back({.id = id,
                             .completes_sequence =
                                 i + 1 == messages.size() ? record.sequence : record.sequence - 1});
      }
      sent_ = record.sequence;
    }
  }
  SaveCursor(false);
  return true;
}

void OutboxPublisher::AdvanceCursor(const std::set<uint64_t>& acknowledged) {
  acks_ahead_.insert(acknowledged.begin(), acknowledged.end());
  while (!inflight_.empty() &&
         (inflight_.front().id == 0 || acks_ahead_.erase(inflight_.front().id) == 1)) {
    acked_ = std::max(acked_, inflight_.front().completes_sequence);
    inflight_.pop_front();
  }
  // What is left belongs to messages outside the window (births, answers).
  if (inflight_.empty()) acks_ahead_.clear();
  acked_sequence_ = acked_;
}

void OutboxPublisher::SaveCursor(bool force) {
  if (acked_ == saved_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_save_ < options_.cursor_save_interval) return;
  if (auto status = store_.SetOutboxAcked(profile_->name(), acked_); !status.ok()) {
    // Kept in memory; the next save writes it. A crash before then resends, never loses.
    spdlog::warn("mqtt: saving the outbox cursor: {}", status.ToString());
    return;
  }
  saved_ = acked_;
  last_save_ = now;
}

void OutboxPublisher::Run() {
  auto backoff = options_.reconnect_min;
  auto connected_at = std::chrono::steady_clock::now();
  auto wait_backoff = [&] {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, backoff, [this] { return stopping_; });
    backoff = std::min(backoff * 2, options_.reconnect_max);
  };
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    if (!connected_) {
      if (!Connect()) {
        connected_ = false;
        wait_backoff();
        continue;
      }
      connected_at = std::chrono::steady_clock::now();
    }
    if (!Pump()) {
      DropConnection();
      SaveCursor(true);
      // A connection that fails at once (a second client with our id, a broker refusing
      // what we send) is retried with backoff too, not in a tight loop; one that lasted
      // resets the backoff.
      if (std::chrono::steady_clock::now() - connected_at < kStableConnection) {
        wait_backoff();
      } else {
        backoff = options_.reconnect_min;
      }
      continue;
    }
    std::unique_lock lock(mutex_);
    // Acknowledgements wake the thread only once half the window is acknowledged: the
    // window is then refilled with one read of the store, not one read per message. The
    // poll bounds how late an event stored without a Wake() goes out, and how late the
    // cursor follows a trickle of acknowledgements.
    wake_after_acks_ = std::max<size_t>(1, inflight_.size() / 2);
    wake_.wait_for(lock, std::chrono::milliseconds(100), [&] {
      return stopping_ || woken_ || connection_lost_ || publish_failed_ ||
             acknowledged_.size() >= wake_after_acks_ || !arrivals_.empty();
    });
    woken_ = false;
  }
  if (connected_) {
    // Let what is in flight be acknowledged, so a clean stop resends nothing.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!inflight_.empty() && std::chrono::steady_clock::now() < deadline) {
      std::set<uint64_t> acknowledged;
      {
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, std::chrono::milliseconds(50));
        acknowledged.swap(acknowledged_);
        if (connection_lost_ || publish_failed_) break;
      }
      AdvanceCursor(acknowledged);
    }
    try {
      for (const MqttMessage& message : profile_->OnStopping(clock_.Now())) {
        client_
            ->publish(message.topic, message.payload.data(), message.payload.size(), message.qos,
                      message.retained)
            ->wait_for(std::chrono::seconds(2));
      }
    } catch (const mqtt::exception& error) {
      spdlog::warn("mqtt: goodbye message: {}", error.what());
    }
    DropConnection();
  }
  SaveCursor(true);
}

}  // namespace vmuc::gateway
