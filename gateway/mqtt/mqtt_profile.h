// MqttProfile: what the gateway's messages look like on MQTT. The OutboxPublisher owns the
// connection and the outbox; a profile turns stored gateway events into messages and says
// what to send around a connection (status and will, Sparkplug births and deaths). Two
// profiles share the one internal model (vmuc.v1.Event): "json" (json_profile.h) and
// "sparkplug" (sparkplug_profile.h). A profile is used by the publisher's thread only.
#ifndef VMUC_GATEWAY_MQTT_MQTT_PROFILE_H_
#define VMUC_GATEWAY_MQTT_MQTT_PROFILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/time.h"
#include "vmuc/v1/gateway.pb.h"

namespace vmuc::gateway {

struct MqttMessage {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retained = false;
  friend bool operator==(const MqttMessage&, const MqttMessage&) = default;
};

class MqttProfile {
 public:
  virtual ~MqttProfile() = default;
  // The outbox cursor's key in the store: each profile has its own.
  virtual std::string name() const = 0;
  // The last will for the next connection (asked before each connect).
  virtual MqttMessage Will() = 0;
  // Sent first on each new connection, before any event.
  virtual std::vector<MqttMessage> OnConnected(TimePoint now) = 0;
  // Topic filters to subscribe to on each connection (commands, host state).
  virtual std::vector<std::string> Subscriptions() const = 0;
  // A message that arrived on a subscription; returns what to send in answer.
  virtual std::vector<MqttMessage> OnMessage(const std::string& topic, const std::string& payload,
                                             TimePoint now) = 0;
  // Whether events may go out now (Sparkplug waits for its primary host).
  virtual bool ReadyToPublish() const { return true; }
  // The session must end and a new connection begin (Sparkplug: the primary host went
  // offline). Asked after each arrival; cleared by the next Will().
  virtual bool MustReconnect() const { return false; }
  // The messages an event becomes, in order (none: the event has no MQTT face).
  // `historical`: the event was stored before this connection began (buffered data).
  virtual std::vector<MqttMessage> Render(uint64_t sequence, const v1::Event& event,
                                          bool historical, TimePoint now) = 0;
  // Sent before a clean disconnect (what the will would say).
  virtual std::vector<MqttMessage> OnStopping(TimePoint now) = 0;
};

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_MQTT_MQTT_PROFILE_H_
