// SparkplugProfile: MQTT profile "sparkplug" (docs/sparkplug.md). Adapts the pure Sparkplug
// B edge node (sparkplug.h) to the outbox publisher: each connection gets the next bdSeq
// (kept in the store, so a restart never reuses the value of the death the broker may still
// publish), the NBIRTH once the primary host is online, and each stored event becomes a
// meter's DBIRTH/DDATA. Events stored before the connection are replayed flagged historical.
#ifndef VMUC_GATEWAY_MQTT_SPARKPLUG_PROFILE_H_
#define VMUC_GATEWAY_MQTT_SPARKPLUG_PROFILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/mqtt/mqtt_profile.h"
#include "gateway/mqtt/sparkplug.h"
#include "gateway/store/store.h"

namespace vmuc::gateway {

class SparkplugProfile final : public MqttProfile {
 public:
  // `store` keeps the bdSeq; used on the publisher's thread only, it must outlive the
  // profile. InvalidArgument naming the option for ids Sparkplug cannot carry.
  static absl::StatusOr<std::unique_ptr<SparkplugProfile>> Create(SparkplugOptions options,
                                                                  Store& store);

  std::string name() const override { return "sparkplug"; }
  MqttMessage Will() override;
  std::vector<MqttMessage> OnConnected(TimePoint now) override;
  std::vector<std::string> Subscriptions() const override { return node_.SubscriptionTopics(); }
  std::vector<MqttMessage> OnMessage(const std::string& topic, const std::string& payload,
                                     TimePoint now) override;
  bool ReadyToPublish() const override { return node_.born(); }
  bool MustReconnect() const override { return must_reconnect_; }
  std::vector<MqttMessage> Render(uint64_t sequence, const v1::Event& event, bool historical,
                                  TimePoint now) override;
  std::vector<MqttMessage> OnStopping(TimePoint now) override;

  const SparkplugEdgeNode& node() const { return node_; }

 private:
  SparkplugProfile(SparkplugEdgeNode node, Store& store) : node_(std::move(node)), store_(store) {}

  SparkplugEdgeNode node_;
  Store& store_;
  uint8_t bd_seq_ = 0;
  bool must_reconnect_ = false;
};

// The report an event makes for the edge node: register readings as metrics named by OBIS
// code, load-profile entries as "profile/<OBIS>" metrics stamped with their capture times.
// nullopt for events that carry no values (a meter's discovery: it is born by its first
// values).
std::optional<DeviceReport> SparkplugReportOf(const v1::Event& event);

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_MQTT_SPARKPLUG_PROFILE_H_
