// JsonProfile: MQTT profile "json" (docs/mqtt.md). Topics
// <prefix>/<gateway>/<meter>/{readings,profile,status} and the retained gateway status
// <prefix>/<gateway>/status ("online", and "offline" as the last will).
#ifndef VMUC_GATEWAY_MQTT_JSON_PROFILE_H_
#define VMUC_GATEWAY_MQTT_JSON_PROFILE_H_

#include <string>
#include <vector>

#include "gateway/mqtt/mqtt_profile.h"

namespace vmuc::gateway {

class JsonProfile final : public MqttProfile {
 public:
  JsonProfile(std::string topic_prefix, std::string gateway_name)
      : prefix_(std::move(topic_prefix)), gateway_(std::move(gateway_name)) {}

  std::string name() const override { return "json"; }
  MqttMessage Will() override;
  std::vector<MqttMessage> OnConnected(TimePoint now) override;
  std::vector<std::string> Subscriptions() const override { return {}; }
  std::vector<MqttMessage> OnMessage(const std::string&, const std::string&, TimePoint) override {
    return {};
  }
  std::vector<MqttMessage> Render(uint64_t sequence, const v1::Event& event, bool historical,
                                  TimePoint now) override;
  std::vector<MqttMessage> OnStopping(TimePoint) override { return {Will()}; }

 private:
  const std::string prefix_;
  const std::string gateway_;
};

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_MQTT_JSON_PROFILE_H_
