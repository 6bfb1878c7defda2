// The JSON that the gateway publishes on MQTT (profile "json"); docs/mqtt.md lists topics
// and fields. Numbers are the raw integers with their DLMS scaler, so a subscriber gets
// exactly the meter's value: physical = value * 10^scaler unit. Every payload carries the
// gateway event's sequence ("seq"), which only grows: a subscriber drops the duplicates
// that QoS 1 may deliver after a reconnect by it, and sees a gap at once.
#ifndef VMUC_GATEWAY_MQTT_MQTT_PAYLOADS_H_
#define VMUC_GATEWAY_MQTT_MQTT_PAYLOADS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "common/time.h"
#include "vmuc/v1/gateway.pb.h"

namespace vmuc::gateway {

// "<prefix>/<gateway>/<meter>/<kind>"
std::string MeterTopic(std::string_view prefix, std::string_view gateway, std::string_view meter,
                       std::string_view kind);
// "<prefix>/<gateway>/status"
std::string GatewayStatusTopic(std::string_view prefix, std::string_view gateway);

// {"gateway":..,"meter":..,"seq":..,"captured_at":..,"registers":[{"obis":..,"value":..,
//  "scaler":..,"unit":..},..]}
std::string ReadingsJson(std::string_view gateway, uint64_t sequence, const v1::Event& event);
// {"gateway":..,"meter":..,"seq":..,"period_s":..,"channels":[..],"entries":[{"captured_at":..,
//  "status":..,"values":[..],"read_back":..},..]}
std::string LoadProfileJson(std::string_view gateway, uint64_t sequence, const v1::Event& event);
// {"gateway":..,"meter":..,"seq":..,"captured_at":..,"registers":[{"obis":..,"value":..,
//  "scaler":..,"unit":..[,"at":..]},..]}: a maximum's own capture time in "at".
std::string BillingPeriodJson(std::string_view gateway, uint64_t sequence, const v1::Event& event);
// {"gateway":..,"meter":..,"seq":..,"log":..,"code":..,"name":..,"captured_at":..,"value":..,
//  "alarm":..,"power_quality":..}
std::string MeterEventJson(std::string_view gateway, uint64_t sequence, const v1::Event& event);
// {"gateway":..,"meter":..,"seq":..,"state":"online","node_address":..,"since":..}
std::string MeterStatusJson(std::string_view gateway, uint64_t sequence, const v1::Event& event);

// A JSON string literal (quotes included) with the RFC 8259 escapes.
std::string JsonQuote(std::string_view text);

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_MQTT_MQTT_PAYLOADS_H_
