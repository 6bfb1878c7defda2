// The JSON that the gateway publishes on MQTT (profile "json"); docs/mqtt.md lists topics
// and fields. Numbers are the raw integers with their DLMS scaler, so a subscriber gets
// exactly the meter's value: physical = value * 10^scaler unit.
#ifndef VMUC_GATEWAY_COLLECTOR_MQTT_PAYLOADS_H_
#define VMUC_GATEWAY_COLLECTOR_MQTT_PAYLOADS_H_

#include <string>
#include <string_view>
#include <vector>

#include "gateway/store/store.h"

namespace vmuc::gateway {

// "<prefix>/<gateway>/<meter>/<kind>"
std::string MeterTopic(std::string_view prefix, std::string_view gateway, std::string_view meter,
                       std::string_view kind);
// "<prefix>/<gateway>/status"
std::string GatewayStatusTopic(std::string_view prefix, std::string_view gateway);

// {"gateway":..,"meter":..,"captured_at":..,"registers":[{"obis":..,"value":..,
//  "scaler":..,"unit":..},..]}
std::string ReadingsJson(std::string_view gateway, std::string_view meter_id, TimePoint captured_at,
                         const std::vector<RegisterRecord>& registers);

// A JSON string literal (quotes included) with the RFC 8259 escapes.
std::string JsonQuote(std::string_view text);

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_COLLECTOR_MQTT_PAYLOADS_H_
