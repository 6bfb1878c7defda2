// OutboxPublisher: how the gateway puts its events on MQTT without losing any (design.md,
// "Nothing lost"; docs/mqtt.md, "Delivery").
//
// The store's events table is the outbox's queue. Each event is appended in the same SQLite
// transaction as the data it reports, so what is stored is also queued; the publisher reads
// the events after its cursor in sequence order, has its MqttProfile render each into
// messages, publishes them (QoS as the profile says, normally 1) with up to `max_inflight`
// unacknowledged at a time, and moves the durable cursor (Store::SetOutboxAcked) past an
// event only when the broker has acknowledged all of its messages and all before it. A
// broker outage of any length, or a gateway crash, therefore ends with every event
// delivered, in order: after a reconnect or a restart the publisher starts again after the
// last acknowledged event. Messages the broker took but whose acknowledgement was lost, or
// that were acknowledged after the cursor was last saved, go out again: QoS 1 is "at least
// once", and each payload's sequence number lets a subscriber drop the repeats.
//
// One thread owns the Paho MQTT C++ async client: it connects (the profile's last will on
// each connect, backoff between attempts, TLS and username/password when configured),
// sends what the profile sends on connect, subscribes to the profile's topics, and pumps
// the outbox. Paho's callbacks only record acknowledgements and arrivals and wake it.
#ifndef VMUC_GATEWAY_MQTT_OUTBOX_PUBLISHER_H_
#define VMUC_GATEWAY_MQTT_OUTBOX_PUBLISHER_H_

#include <mqtt/async_client.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "gateway/mqtt/mqtt_profile.h"
#include "gateway/store/store.h"

namespace vmuc::gateway {

struct OutboxPublisherOptions {
  std::string broker_url;  // "tcp://127.0.0.1:1883"; "ssl://host:8883" for TLS
  std::string client_id;
  std::string username;  // empty: none
  std::string password;
  // TLS (ssl:// URLs): the CA that signed the broker's certificate, and an optional client
  // certificate and key for brokers that authenticate clients by certificate.
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  // Messages published and not yet acknowledged, at most: enough to keep a local broker
  // busy (each acknowledgement is a round trip), few enough to resend cheaply.
  int max_inflight = 1000;
  int read_batch = 1000;  // events read from the store at a time
  std::chrono::milliseconds reconnect_min{500};
  std::chrono::milliseconds reconnect_max{30'000};
  std::chrono::seconds keep_alive{20};
  std::chrono::seconds connect_timeout{10};
  // How often the acknowledged cursor is written while messages flow: what a crash may
  // send twice, traded against a write per acknowledgement.
  std::chrono::milliseconds cursor_save_interval{200};
};

class OutboxPublisher {
 public:
  // Paho queues each publish until its thread writes it and refuses more than this beyond
  // the window: room for a connection's births and a rebirth's burst of device births.
  static constexpr int kBurstRoom = 1'000'000;
  // A connection that lasted this long resets the reconnect backoff.
  static constexpr std::chrono::seconds kStableConnection{10};
  // `store` is a connection for the publisher's thread (it reads events and writes the
  // cursor); it and `clock` must outlive the publisher. InvalidArgument for a broker URL
  // Paho refuses; the store's error if the cursor cannot be read.
  static absl::StatusOr<std::unique_ptr<OutboxPublisher>> Create(
      OutboxPublisherOptions options, Store& store, std::unique_ptr<MqttProfile> profile,
      const Clock& clock);
  ~OutboxPublisher();
  OutboxPublisher(const OutboxPublisher&) = delete;
  OutboxPublisher& operator=(const OutboxPublisher&) = delete;

  // Starts the thread: connects (retrying until Stop) and publishes.
  void Start();
  // New events are stored: publish them now rather than at the next poll.
  void Wake();
  // Waits briefly for outstanding acknowledgements, sends the profile's goodbye (the will's
  // message), disconnects, and saves the cursor.
  void Stop();

  bool connected() const { return connected_.load(); }
  // The sequence up to which every event is acknowledged by the broker.
  uint64_t acked_sequence() const { return acked_sequence_.load(); }
  uint64_t messages_published() const { return messages_published_.load(); }
  uint64_t connections() const { return connections_.load(); }

 private:
  // Paho's callbacks for one publish: record the acknowledgement (or the failure).
  class Listener final : public mqtt::iaction_listener {
   public:
    explicit Listener(OutboxPublisher& owner) : owner_(owner) {}
    void on_success(const mqtt::token& token) override;
    void on_failure(const mqtt::token& token) override;

   private:
    OutboxPublisher& owner_;
  };
  // A published message the cursor waits for.
  struct Inflight {
    uint64_t id = 0;                  // 0: nothing to wait for (an event without messages)
    uint64_t completes_sequence = 0;  // the cursor may move here once this is acknowledged
  };

  OutboxPublisher(OutboxPublisherOptions options, Store& store,
                  std::unique_ptr<MqttProfile> profile, const Clock& clock,
                  std::unique_ptr<mqtt::async_client> client, uint64_t acked);
  void Run();
  bool Connect();
  // Takes acknowledgements and arrivals, answers arrivals, and fills the window. False
  // when the connection must be made again.
  bool Pump();
  // Publishes; returns the message's id (0 when Paho refused it: reconnect).
  uint64_t Publish(const MqttMessage& message);
  // Moves the cursor over the acknowledged front of the window.
  void AdvanceCursor(const std::set<uint64_t>& acknowledged);
  void SaveCursor(bool force);
  void DropConnection();

  const OutboxPublisherOptions options_;
  Store& store_;
  const std::unique_ptr<MqttProfile> profile_;
  const Clock& clock_;
  Listener listener_{*this};
  std::unique_ptr<mqtt::async_client> client_;

  // Shared with Paho's callback threads.
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  bool woken_ ABSL_GUARDED_BY(mutex_) = false;
  bool connection_lost_ ABSL_GUARDED_BY(mutex_) = false;
  bool publish_failed_ ABSL_GUARDED_BY(mutex_) = false;
  std::set<uint64_t> acknowledged_ ABSL_GUARDED_BY(mutex_);
  size_t wake_after_acks_ ABSL_GUARDED_BY(mutex_) = 1;  // acknowledgements that wake the thread
  std::vector<std::pair<std::string, std::string>> arrivals_ ABSL_GUARDED_BY(mutex_);

  // The publisher thread's own.
  std::deque<Inflight> inflight_;
  std::set<uint64_t> acks_ahead_;  // acknowledged, but behind an unacknowledged message
  uint64_t next_id_ = 1;
  uint64_t sent_ = 0;         // the last event rendered and published on this connection
  uint64_t acked_ = 0;        // every event up to here is acknowledged
  uint64_t saved_ = 0;        // the cursor as the store has it
  uint64_t backlog_end_ = 0;  // events up to here were stored before this connection
  std::chrono::steady_clock::time_point last_save_{};

  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> acked_sequence_{0};
  std::atomic<uint64_t> messages_published_{0};
  std::atomic<uint64_t> connections_{0};
  std::thread thread_;
};

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_MQTT_OUTBOX_PUBLISHER_H_
