#include "gateway/mqtt/mqtt_setup.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/strings.h"
#include "gateway/api/api_security.h"
#include "gateway/mqtt/json_profile.h"
#include "gateway/mqtt/sparkplug_profile.h"

namespace vmuc::gateway {

absl::StatusOr<OutboxPublisherOptions> MqttOptionsOf(const Config& config) {
  OutboxPublisherOptions options;
  options.broker_url = config.mqtt.broker;
  options.client_id = config.MqttClientId();
  options.username = config.mqtt.username;
  if (!config.mqtt.password_file.empty()) {
    VMUC_ASSIGN_OR_RETURN(std::string password,
                          ReadPrivateFile(config.mqtt.password_file, "the MQTT password file"));
    // One line: the trailing newline an editor adds is not part of the password.
    options.password = std::string(absl::StripTrailingAsciiWhitespace(password));
  }
  options.ca_file = config.mqtt.ca_file;
  options.cert_file = config.mqtt.cert_file;
  options.key_file = config.mqtt.key_file;
  options.max_inflight = static_cast<int>(config.mqtt.max_inflight);
  return options;
}

absl::StatusOr<std::unique_ptr<MqttProfile>> MqttProfileOf(const Config& config, Store& store) {
  if (config.mqtt.profile == "sparkplug") {
    auto profile =
        SparkplugProfile::Create({.group_id = config.mqtt.sparkplug_group_id,
                                  .edge_node_id = config.SparkplugEdgeNodeId(),
                                  .primary_host_id = config.mqtt.sparkplug_primary_host_id},
                                 store);
    if (!profile.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("mqtt: sparkplug: ", AsAbsl(AsStd(profile.status().message()))));
    }
    return std::unique_ptr<MqttProfile>(*std::move(profile));
  }
  return std::unique_ptr<MqttProfile>(
      std::make_unique<JsonProfile>(config.mqtt.topic_prefix, config.gateway.name));
}

absl::StatusOr<std::unique_ptr<OutboxPublisher>> MakeMqttPublisher(const Config& config,
                                                                   Store& store,
                                                                   const Clock& clock) {
  VMUC_ASSIGN_OR_RETURN(OutboxPublisherOptions options, MqttOptionsOf(config));
  VMUC_ASSIGN_OR_RETURN(std::unique_ptr<MqttProfile> profile, MqttProfileOf(config, store));
  return OutboxPublisher::Create(std::move(options), store, std::move(profile), clock);
}

}  // namespace vmuc::gateway
