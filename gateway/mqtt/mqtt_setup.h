// The gateway's MQTT side as its config says ([mqtt], vmuc.toml(5)): the profile (json or
// sparkplug), broker authentication and TLS, the outbox window.
#ifndef VMUC_GATEWAY_MQTT_MQTT_SETUP_H_
#define VMUC_GATEWAY_MQTT_MQTT_SETUP_H_

#include <memory>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/config.h"
#include "gateway/mqtt/outbox_publisher.h"
#include "gateway/store/store.h"

namespace vmuc::gateway {

// The publisher's options from the config; reads the password file (refused when others
// may read it). Errors name the key or file.
absl::StatusOr<OutboxPublisherOptions> MqttOptionsOf(const Config& config);

// The profile the config names, over `store` (Sparkplug keeps its bdSeq there).
absl::StatusOr<std::unique_ptr<MqttProfile>> MqttProfileOf(const Config& config, Store& store);

// Both, as one publisher over `store` (a connection of its own), not started.
absl::StatusOr<std::unique_ptr<OutboxPublisher>> MakeMqttPublisher(const Config& config,
                                                                   Store& store,
                                                                   const Clock& clock);

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_MQTT_MQTT_SETUP_H_
