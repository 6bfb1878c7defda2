#include "gateway/mqtt/json_profile.h"

#include "gateway/mqtt/mqtt_payloads.h"

namespace vmuc::gateway {

MqttMessage JsonProfile::Will() {
  return {.topic = GatewayStatusTopic(prefix_, gateway_),
          .payload = "offline",
          .qos = 1,
          .retained = true};
}

std::vector<MqttMessage> JsonProfile::OnConnected(TimePoint) {
  return {{.topic = GatewayStatusTopic(prefix_, gateway_),
           .payload = "online",
           .qos = 1,
           .retained = true}};
}

std::vector<MqttMessage> JsonProfile::Render(uint64_t sequence, const v1::Event& event,
                                             bool /*historical*/, TimePoint) {
  // JSON needs no historical flag: each payload's seq and capture times tell.
  switch (event.kind_case()) {
    case v1::Event::kReadings:
      return {{.topic = MeterTopic(prefix_, gateway_, event.meter_id(), "readings"),
               .payload = ReadingsJson(gateway_, sequence, event),
               .qos = 1,
               .retained = false}};
    case v1::Event::kLoadProfile:
      return {{.topic = MeterTopic(prefix_, gateway_, event.meter_id(), "profile"),
               .payload = LoadProfileJson(gateway_, sequence, event),
               .qos = 1,
               .retained = false}};
    case v1::Event::kMeterDiscovered:
      // The meter's state, retained: a subscriber arriving later learns it at once.
      return {{.topic = MeterTopic(prefix_, gateway_, event.meter_id(), "status"),
               .payload = MeterStatusJson(gateway_, sequence, event),
               .qos = 1,
               .retained = true}};
    case v1::Event::kBillingPeriod:
      return {{.topic = MeterTopic(prefix_, gateway_, event.meter_id(), "billing"),
               .payload = BillingPeriodJson(gateway_, sequence, event),
               .qos = 1,
               .retained = false}};
    case v1::Event::kMeterEvent: {
      // Fraud and alarm codes on "alarms", the power-quality log on "pq", the rest on
      // "events": a subscriber takes only what it acts on.
      const v1::MeterEvent& entry = event.meter_event();
      const char* kind = entry.alarm() ? "alarms" : entry.power_quality() ? "pq" : "events";
      return {{.topic = MeterTopic(prefix_, gateway_, event.meter_id(), kind),
               .payload = MeterEventJson(gateway_, sequence, event),
               .qos = 1,
               .retained = false}};
    }
    case v1::Event::KIND_NOT_SET:
      break;
  }
  return {};
}

}  // namespace vmuc::gateway
