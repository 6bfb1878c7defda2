#include "common/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/listen_address.h"
#include "common/status.h"
#include "common/strings.h"

namespace vmuc {
namespace {

std::string Where(const std::string& file, const toml::source_region& region) {
  return absl::StrCat(file, ":", region.begin.line, ":", region.begin.column);
}

// Reads one [section] and checks its keys; every error names file, line, key.
class SectionReader {
 public:
  SectionReader(const std::string& file, std::string section, const toml::node* node,
                std::initializer_list<std::string_view> keys, absl::Status* status)
      : file_(file), section_(std::move(section)), status_(status) {
    for (auto key : keys) known_.emplace(key);
    if (node == nullptr) return;  // a missing section keeps every default
    table_ = node->as_table();
    if (table_ == nullptr) {
      Fail(node->source(), section_, "must be a table ([" + section_ + "])");
      return;
    }
    for (const auto& [key, value] : *table_) {
      if (!known_.contains(std::string(key.str()))) {
        Fail(key.source(), absl::StrCat(section_, ".", AsAbsl(key.str())),
             absl::StrCat("unknown key (known: ", absl::StrJoin(known_, ", "), ")"));
        return;
      }
    }
  }

  void String(std::string_view key, std::string* out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return;
    if (const auto* value = node->as_string()) {
      *out = value->get();
    } else {
      Fail(node->source(), Name(key), "must be a string");
    }
  }

  void Bool(std::string_view key, bool* out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return;
    if (const auto* value = node->as_boolean()) {
      *out = value->get();
    } else {
      Fail(node->source(), Name(key), "must be true or false");
    }
  }

  void OneOf(std::string_view key, std::string* out,
             std::initializer_list<std::string_view> allowed) {
    if (Find(key) == nullptr) return;
    std::string value = *out;
    String(key, &value);
    if (!status_->ok()) return;
    for (auto candidate : allowed) {
      if (value == candidate) {
        *out = value;
        return;
      }
    }
    Fail(Find(key)->source(), Name(key),
         absl::StrCat(
             "'", value, "' is not one of ",
             absl::StrJoin(allowed.begin(), allowed.end(), ", ",
                           [](std::string* joined, std::string_view v) { joined->append(v); })));
  }

  template <typename T>
  void Integer(std::string_view key, T* out, int64_t min, int64_t max) {
    const toml::node* node = Find(key);
    if (node == nullptr) return;
    const auto* value = node->as_integer();
    if (value == nullptr) {
      Fail(node->source(), Name(key), "must be an integer");
      return;
    }
    if (value->get() < min || value->get() > max) {
      Fail(node->source(), Name(key),
           absl::StrCat("must be between ", min, " and ", max, ", got ", value->get()));
      return;
    }
    *out = static_cast<T>(value->get());
  }

  // An integer or a float within [min, max].
  void Number(std::string_view key, double* out, double min, double max) {
    const toml::node* node = Find(key);
    if (node == nullptr) return;
    std::optional<double> value;
    if (const auto* f = node->as_floating_point()) value = f->get();
    if (const auto* i = node->as_integer()) value = static_cast<double>(i->get());
    if (!value) {
      Fail(node->source(), Name(key), "must be a number");
      return;
    }
    if (!(*value >= min && *value <= max)) {  // NaN too
      Fail(node->source(), Name(key),
           absl::StrCat("must be between ", min, " and ", max, ", got ", *value));
      return;
    }
    *out = *value;
  }

  // [[mesh.faults]]: an array of tables, each one fault (MeshFault).
  void Faults(std::string_view key, std::vector<MeshFault>* out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return;
    const auto* array = node->as_array();
    if (array == nullptr) {
      Fail(node->source(), Name(key), "must be an array of tables ([[mesh.faults]])");
      return;
    }
    for (size_t i = 0; i < array->size() && status_->ok(); ++i) {
      const toml::node& item = *array->get(i);
      const std::string name = absl::StrCat(Name(key), "[", i, "]");
      SectionReader fault(file_, name, &item,
                          {"at", "action", "node", "peer", "extra_loss_db", "area_m"}, status_);
      MeshFault parsed;
      parsed.where = Where(file_, item.source());
      fault.Time("at", &parsed.at);
      fault.OneOf("action", &parsed.action,
                  {"kill", "revive", "degrade", "partition", "heal", "restart_collector"});
      fault.Integer("node", &parsed.node, 0, (1 << 28) - 1);
      fault.Integer("peer", &parsed.peer, 0, (1 << 28) - 1);
      fault.Number("extra_loss_db", &parsed.extra_loss_db, 0, 200);
      if (const toml::node* area = fault.Find("area_m")) {
        const auto* corners = area->as_array();
        bool ok = corners != nullptr && corners->size() == 4;
        for (size_t c = 0; ok && c < 4; ++c) {
          auto value = corners->get(c)->value<double>();
          ok = value.has_value() && std::isfinite(*value);
          if (ok) parsed.area_m[c] = *value;
        }
        if (!ok || parsed.area_m[0] >= parsed.area_m[2] || parsed.area_m[1] >= parsed.area_m[3]) {
          fault.Fail(area->source(), fault.Name("area_m"),
                     "must be [x_min, y_min, x_max, y_max] in metres with min < max");
        }
      }
      if (!status_->ok()) return;
      if (fault.Find("at") == nullptr || fault.Find("action") == nullptr) {
        Fail(item.source(), name, "needs `at` and `action`");
        return;
      }
      const bool needs_node =
          parsed.action == "kill" || parsed.action == "revive" || parsed.action == "degrade";
      if (needs_node && fault.Find("node") == nullptr) {
        Fail(item.source(), name, absl::StrCat("action ", parsed.action, " needs `node`"));
        return;
      }
      if (parsed.action == "degrade" &&
          (fault.Find("peer") == nullptr || fault.Find("extra_loss_db") == nullptr)) {
        Fail(item.source(), name, "action degrade needs `peer` and `extra_loss_db`");
        return;
      }
      if (parsed.action == "partition" && fault.Find("area_m") == nullptr) {
        Fail(item.source(), name, "action partition needs `area_m`");
        return;
      }
      out->push_back(std::move(parsed));
    }
  }

  template <typename D>
  void Span(std::string_view key, D* out, int64_t min, int64_t max) {
    int64_t count = out->count();
    Integer(key, &count, min, max);
    *out = D(count);
  }

  void Time(std::string_view key, TimePoint* out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return;
    const auto* value = node->as_date_time();
    if (value == nullptr || !value->get().offset.has_value()) {
      Fail(node->source(), Name(key), "must be a date-time with offset, e.g. 2026-01-01T00:00:00Z");
      return;
    }
    const toml::date_time& dt = value->get();
    const std::chrono::year_month_day ymd{std::chrono::year(dt.date.year),
                                          std::chrono::month(dt.date.month),
                                          std::chrono::day(dt.date.day)};
    *out = TimePoint(std::chrono::sys_days(ymd)) + std::chrono::hours(dt.time.hour) +
           std::chrono::minutes(dt.time.minute) + std::chrono::seconds(dt.time.second) +
           std::chrono::nanoseconds(dt.time.nanosecond) - std::chrono::minutes(dt.offset->minutes);
  }

  // A table whose values are all strings (e.g. [fleet.software]); keys are checked by
  // whoever interprets them.
  void StringTable(std::string_view key, std::map<std::string, std::string>* out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return;
    const auto* table = node->as_table();
    if (table == nullptr) {
      Fail(node->source(), Name(key), "must be a table of strings");
      return;
    }
    for (const auto& [entry, value] : *table) {
      const auto* text = value.as_string();
      if (text == nullptr) {
        Fail(value.source(), absl::StrCat(Name(key), ".", AsAbsl(entry.str())),
             "must be a string, as printed in the datasheet (e.g. \"002\")");
        return;
      }
      (*out)[std::string(entry.str())] = text->get();
    }
  }

  // "FILE:LINE:COL" of the section, for errors found after loading.
  std::string Location() const {
    return table_ != nullptr ? Where(file_, table_->source()) : file_;
  }

  std::string Name(std::string_view key) const { return absl::StrCat(section_, ".", AsAbsl(key)); }

  const toml::node* Find(std::string_view key) const {
    if (table_ == nullptr || !status_->ok()) return nullptr;
    return table_->get(key);
  }

  void Fail(const toml::source_region& where, std::string_view key, std::string_view what) {
    if (status_->ok()) {
      *status_ = absl::InvalidArgumentError(
          absl::StrCat(Where(file_, where), ": ", AsAbsl(key), ": ", AsAbsl(what)));
    }
  }

 private:
  const std::string& file_;
  std::string section_;
  absl::Status* status_;
  const toml::table* table_ = nullptr;
  std::set<std::string, std::less<>> known_;
};

constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();

// The gRPC API's listen address against its TLS and authentication keys (design.md,
// "Secure by default"): plain text stays on loopback unless allow_plaintext_non_loopback
// opts in; beyond loopback TLS is required, and so is a way for callers to authenticate
// (tokens or client certificates), or anyone reaching the port would be let in. Errors
// name the key at fault, at its line (the [gateway] table's when the key is absent).
absl::Status CheckApiSecurity(const toml::table& root, const std::string& file,
                              const GatewaySection& gateway) {
  auto at = [&](std::string_view key) {
    const toml::node* node = root.at_path(absl::StrCat("gateway.", AsAbsl(key))).node();
    if (node == nullptr) node = root.get("gateway");
    return node != nullptr ? Where(file, node->source()) : file;
  };
  auto fail = [&](std::string_view key, std::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat(at(key), ": gateway.", AsAbsl(key), ": ", AsAbsl(what)));
  };
  if (gateway.tls_cert_file.empty() != gateway.tls_key_file.empty()) {
    return gateway.tls_key_file.empty()
               ? fail("tls_cert_file", "needs tls_key_file, its private key")
               : fail("tls_key_file", "needs tls_cert_file, the certificate it belongs to");
  }
  if (!gateway.tls_client_ca_file.empty() && !gateway.TlsConfigured()) {
    return fail("tls_client_ca_file",
                "client certificates need TLS first: set tls_cert_file and tls_key_file");
  }
  // The address's form first (a malformed one is wrong whatever the security).
  if (absl::Status form = CheckListenAddress(gateway.grpc_listen, /*allow_non_loopback=*/true);
      !form.ok()) {
    return fail("grpc_listen", AsStd(form.message()));
  }
  if (CheckListenAddress(gateway.grpc_listen).ok()) return absl::OkStatus();  // loopback
  if (gateway.TlsConfigured()) {
    if (gateway.api_tokens_file.empty() && gateway.tls_client_ca_file.empty()) {
      return fail("grpc_listen",
                  absl::StrCat("'", gateway.grpc_listen,
                               "' is not a loopback address, so callers must authenticate: "
                               "set api_tokens_file or tls_client_ca_file"));
    }
    return absl::OkStatus();
  }
  if (gateway.allow_plaintext_non_loopback) return absl::OkStatus();
  return fail("grpc_listen",
              absl::StrCat("'", gateway.grpc_listen,
                           "' is not a loopback address; beyond loopback the API needs TLS "
                           "(tls_cert_file and tls_key_file)"));
}

// The [mqtt] keys that depend on each other: TLS files only for an ssl:// broker, a key
// with its certificate, a password with its user, Sparkplug ids that can be topic levels.
absl::Status CheckMqtt(const toml::table& root, const std::string& file, const MqttSection& mqtt) {
  auto fail = [&](std::string_view key, std::string_view what) {
    const toml::node* node = root.at_path(absl::StrCat("mqtt.", AsAbsl(key))).node();
    if (node == nullptr) node = root.get("mqtt");
    return absl::InvalidArgumentError(absl::StrCat(node ? Where(file, node->source()) : file,
                                                   ": mqtt.", AsAbsl(key), ": ", AsAbsl(what)));
  };
  const bool tls =
      absl::StartsWith(mqtt.broker, "ssl://") || absl::StartsWith(mqtt.broker, "mqtts://");
  for (const auto& [key, value] :
       {std::pair<std::string_view, const std::string&>{"ca_file", mqtt.ca_file},
        {"cert_file", mqtt.cert_file},
        {"key_file", mqtt.key_file}}) {
    if (!value.empty() && !tls) {
      return fail(key, absl::StrCat("TLS files need an ssl:// broker (mqtt.broker is '",
                                    mqtt.broker, "')"));
    }
  }
  if (mqtt.cert_file.empty() != mqtt.key_file.empty()) {
    return mqtt.key_file.empty()
               ? fail("cert_file", "needs key_file, its private key")
               : fail("key_file", "needs cert_file, the certificate it belongs to");
  }
  if (!mqtt.password_file.empty() && mqtt.username.empty()) {
    return fail("password_file", "a password needs a username");
  }
  for (const auto& [key, value] : {std::pair<std::string_view, const std::string&>{
                                       "sparkplug_group_id", mqtt.sparkplug_group_id},
                                   {"sparkplug_edge_node_id", mqtt.sparkplug_edge_node_id},
                                   {"sparkplug_primary_host_id", mqtt.sparkplug_primary_host_id}}) {
    // Sparkplug B 3.0, topic namespace: ids are single topic levels.
    if (value.find_first_of("/+#") != std::string::npos) {
      return fail(key, absl::StrCat("'", value, "' must be free of the MQTT characters / + #"));
    }
  }
  if (mqtt.sparkplug_group_id.empty()) return fail("sparkplug_group_id", "must not be empty");
  return absl::OkStatus();
}

absl::StatusOr<Config> FromTable(const toml::table& root, std::string file) {
  Config config;
  config.source = file;
  absl::Status status;

  static const std::set<std::string, std::less<>> kSections = {
      "gateway", "mqtt", "time", "fleet", "mesh", "dlms", "supervisor", "logging"};
  for (const auto& [key, value] : root) {
    if (!kSections.contains(key.str())) {
      return absl::InvalidArgumentError(
          absl::StrCat(Where(file, key.source()), ": ", AsAbsl(key.str()),
                       ": unknown section (known: ", absl::StrJoin(kSections, ", "), ")"));
    }
  }

  SectionReader gateway(
      file, "gateway", root.get("gateway"),
      {"name", "grpc_listen", "data_dir", "run_dir", "allow_plaintext_non_loopback",
       "api_tokens_file", "tls_cert_file", "tls_key_file", "tls_client_ca_file", "retention_days",
       "max_database_mb", "max_events"},
      &status);
  gateway.String("name", &config.gateway.name);
  gateway.String("grpc_listen", &config.gateway.grpc_listen);
  gateway.String("data_dir", &config.gateway.data_dir);
  gateway.String("run_dir", &config.gateway.run_dir);
  gateway.Bool("allow_plaintext_non_loopback", &config.gateway.allow_plaintext_non_loopback);
  gateway.String("api_tokens_file", &config.gateway.api_tokens_file);
  gateway.String("tls_cert_file", &config.gateway.tls_cert_file);
  gateway.String("tls_key_file", &config.gateway.tls_key_file);
  gateway.String("tls_client_ca_file", &config.gateway.tls_client_ca_file);
  gateway.Integer("retention_days", &config.gateway.retention_days, 1, 36'500);
  gateway.Integer("max_database_mb", &config.gateway.max_database_mb, 0, 1'000'000'000);
  gateway.Integer("max_events", &config.gateway.max_events, 0, 1'000'000'000'000);

  SectionReader mqtt(file, "mqtt", root.get("mqtt"),
                     {"broker", "topic_prefix", "client_id", "mosquitto", "profile", "username",
                      "password_file", "ca_file", "cert_file", "key_file", "max_inflight",
                      "sparkplug_group_id", "sparkplug_edge_node_id", "sparkplug_primary_host_id"},
                     &status);
  mqtt.String("broker", &config.mqtt.broker);
  mqtt.String("topic_prefix", &config.mqtt.topic_prefix);
  mqtt.String("client_id", &config.mqtt.client_id);
  mqtt.String("mosquitto", &config.mqtt.mosquitto);
  mqtt.OneOf("profile", &config.mqtt.profile, {"json", "sparkplug"});
  mqtt.String("username", &config.mqtt.username);
  mqtt.String("password_file", &config.mqtt.password_file);
  mqtt.String("ca_file", &config.mqtt.ca_file);
  mqtt.String("cert_file", &config.mqtt.cert_file);
  mqtt.String("key_file", &config.mqtt.key_file);
  // Paho numbers messages in flight with 16-bit ids, and the births take a few more.
  mqtt.Integer("max_inflight", &config.mqtt.max_inflight, 1, 60'000);
  mqtt.String("sparkplug_group_id", &config.mqtt.sparkplug_group_id);
  mqtt.String("sparkplug_edge_node_id", &config.mqtt.sparkplug_edge_node_id);
  mqtt.String("sparkplug_primary_host_id", &config.mqtt.sparkplug_primary_host_id);

  SectionReader time(file, "time", root.get("time"), {"mode", "start", "speed"}, &status);
  std::string mode = "real";
  time.OneOf("mode", &mode, {"real", "simulated"});
  config.time.mode = mode == "real" ? TimeMode::kReal : TimeMode::kSimulated;
  time.Time("start", &config.time.start);
  time.Integer("speed", &config.time.speed, 1, 1'000'000);

  SectionReader fleet(file, "fleet", root.get("fleet"),
                      {"meters", "seed", "first_serial", "epoch", "push_interval_s", "shards",
                       "type_number", "software", "pv_percent", "ev_percent", "heat_pump_percent",
                       "single_phase_percent", "two_phase_percent", "short_interruptions_per_year",
                       "long_interruptions_per_year", "checkpoint_interval_s"},
                      &status);
  fleet.Integer("meters", &config.fleet.meters, 1, 10'000'000);
  fleet.Integer("seed", &config.fleet.seed, 0, kMaxInt);
  fleet.Integer("first_serial", &config.fleet.first_serial, 1, 9'999'999'999'999'999 - 10'000'000);
  fleet.Time("epoch", &config.fleet.epoch);
  fleet.Span("push_interval_s", &config.fleet.push_interval, 1, 86'400);
  fleet.Integer("shards", &config.fleet.shards, 1, 256);
  fleet.Integer("pv_percent", &config.fleet.pv_percent, 0, 100);
  fleet.Integer("ev_percent", &config.fleet.ev_percent, 0, 100);
  fleet.Integer("heat_pump_percent", &config.fleet.heat_pump_percent, 0, 100);
  fleet.Integer("single_phase_percent", &config.fleet.single_phase_percent, 0, 100);
  fleet.Integer("two_phase_percent", &config.fleet.two_phase_percent, 0, 100);
  fleet.Integer("short_interruptions_per_year", &config.fleet.short_interruptions_per_year, 0, 365);
  fleet.Integer("long_interruptions_per_year", &config.fleet.long_interruptions_per_year, 0, 365);
  fleet.Span("checkpoint_interval_s", &config.fleet.checkpoint_interval, 1, 86'400);
  fleet.String("type_number", &config.fleet.type_number);
  fleet.StringTable("software", &config.fleet.software_codes);
  config.fleet.codes_where = fleet.Location();

  SectionReader mesh(
      file, "mesh", root.get("mesh"),
      {"mode", "placement", "topology_file", "spacing_m", "collectors", "seed", "frequency_mhz",
       "tx_power_dbm", "sensitivity_dbm", "path_loss_exponent", "shadowing_sigma_db",
       "data_rate_bps", "duty_cycle", "max_route_addresses", "relay_cap", "hop_retries",
       "end_to_end_retries", "rediscovery_interval_s", "faults"},
      &status);
  mesh.OneOf("mode", &config.mesh.mode, {"passthrough", "simulated"});
  mesh.OneOf("placement", &config.mesh.placement, {"grid", "random", "streets", "file"});
  mesh.String("topology_file", &config.mesh.topology_file);
  mesh.Number("spacing_m", &config.mesh.spacing_m, 1, 10'000);
  mesh.Integer("collectors", &config.mesh.collectors, 1, 1024);
  mesh.Integer("seed", &config.mesh.seed, 0, kMaxInt);
  mesh.Number("frequency_mhz", &config.mesh.frequency_mhz, 434, 448);
  mesh.Number("tx_power_dbm", &config.mesh.tx_power_dbm, -10, 30);
  mesh.Number("sensitivity_dbm", &config.mesh.sensitivity_dbm, -140, -60);
  mesh.Number("path_loss_exponent", &config.mesh.path_loss_exponent, 2, 6);
  mesh.Number("shadowing_sigma_db", &config.mesh.shadowing_sigma_db, 0, 20);
  mesh.Integer("data_rate_bps", &config.mesh.data_rate_bps, 1200, 1'000'000);
  mesh.Number("duty_cycle", &config.mesh.duty_cycle, 0.001, 1);
  mesh.Integer("max_route_addresses", &config.mesh.max_route_addresses, 1, 15);
  mesh.Integer("relay_cap", &config.mesh.relay_cap, 0, 100'000);
  mesh.Integer("hop_retries", &config.mesh.hop_retries, 0, 15);
  mesh.Integer("end_to_end_retries", &config.mesh.end_to_end_retries, 0, 15);
  mesh.Span("rediscovery_interval_s", &config.mesh.rediscovery_interval, 60, 7 * 86'400);
  mesh.Faults("faults", &config.mesh.faults);
  if (status.ok() && config.mesh.placement == "file" && config.mesh.topology_file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        mesh.Location(), ": mesh.topology_file: placement = \"file\" needs a topology file"));
  }

  SectionReader dlms(file, "dlms", root.get("dlms"),
                     {"wrapper_listen", "hdlc_listen", "key_store", "flag_id"}, &status);
  dlms.String("wrapper_listen", &config.dlms.wrapper_listen);
  dlms.String("hdlc_listen", &config.dlms.hdlc_listen);
  dlms.String("key_store", &config.dlms.key_store);
  dlms.String("flag_id", &config.dlms.flag_id);

  SectionReader supervisor(file, "supervisor", root.get("supervisor"),
                           {"restart_backoff_initial_ms", "restart_backoff_max_ms",
                            "crash_loop_limit", "crash_loop_window_s", "stop_timeout_ms"},
                           &status);
  supervisor.Span("restart_backoff_initial_ms", &config.supervisor.restart_backoff_initial, 1,
                  3'600'000);
  supervisor.Span("restart_backoff_max_ms", &config.supervisor.restart_backoff_max, 1, 3'600'000);
  supervisor.Integer("crash_loop_limit", &config.supervisor.crash_loop_limit, 1, 1000);
  supervisor.Span("crash_loop_window_s", &config.supervisor.crash_loop_window, 1, 86'400);
  supervisor.Span("stop_timeout_ms", &config.supervisor.stop_timeout, 1, 600'000);

  SectionReader logging(file, "logging", root.get("logging"), {"level"}, &status);
  logging.OneOf("level", &config.logging.level,
                {"trace", "debug", "info", "warn", "error", "critical", "off"});

  VMUC_RETURN_IF_ERROR(status);

  // Cross-key rules: the section's first line stands for the pair.
  if (config.supervisor.restart_backoff_max < config.supervisor.restart_backoff_initial) {
    const toml::node* node = root.get("supervisor");
    return absl::InvalidArgumentError(absl::StrCat(
        Where(file, node->source()), ": supervisor.restart_backoff_max_ms: must not be below ",
        "supervisor.restart_backoff_initial_ms"));
  }
  if (config.fleet.single_phase_percent + config.fleet.two_phase_percent > 100) {
    return absl::InvalidArgumentError(absl::StrCat(
        Where(file, root.get("fleet")->source()),
        ": fleet.two_phase_percent: single_phase_percent + two_phase_percent exceed 100"));
  }
  if (config.fleet.first_serial + config.fleet.meters > 9'999'999'999'999'999ULL) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(file, root.get("fleet")->source()),
                     ": fleet.first_serial: the fleet's meter numbers must fit in 16 digits"));
  }
  if (config.gateway.name.empty() ||
      config.gateway.name.find_first_of("/+#") != std::string::npos) {
    const toml::node* node = root.get("gateway");
    return absl::InvalidArgumentError(
        absl::StrCat(node ? Where(file, node->source()) : file,
                     ": gateway.name: must be non-empty and free of the MQTT characters / + #"));
  }
  if (absl::Status mqtt_status = CheckMqtt(root, file, config.mqtt); !mqtt_status.ok()) {
    return mqtt_status;
  }
  if (absl::Status security = CheckApiSecurity(root, file, config.gateway); !security.ok()) {
    return security;
  }
  for (const char* key : {"wrapper_listen", "hdlc_listen"}) {
    const std::string& address = std::string_view(key) == "wrapper_listen"
                                     ? config.dlms.wrapper_listen
                                     : config.dlms.hdlc_listen;
    if (address.empty()) continue;
    // DLMS carries its own security (LLS, HLS-GMAC): any address may be served.
    if (auto listen = CheckListenAddress(address, /*allow_non_loopback=*/true); !listen.ok()) {
      const toml::node* node = root.at_path(std::string("dlms.") + key).node();
      return absl::InvalidArgumentError(absl::StrCat(node ? Where(file, node->source()) : file,
                                                     ": dlms.", key, ": ", listen.message()));
    }
  }
  if (config.dlms.flag_id.size() != 3 ||
      !std::all_of(config.dlms.flag_id.begin(), config.dlms.flag_id.end(),
                   [](char c) { return c >= 'A' && c <= 'Z'; })) {
    const toml::node* node = root.at_path("dlms.flag_id").node();
    return absl::InvalidArgumentError(
        absl::StrCat(node ? Where(file, node->source()) : file,
                     ": dlms.flag_id: must be three capital letters (the FLAG manufacturer id)"));
  }
  auto make_absolute = [](std::string& dir) {
    dir = std::filesystem::absolute(dir).lexically_normal();
    if (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  };
  make_absolute(config.gateway.data_dir);
  if (!config.gateway.run_dir.empty())
    make_absolute(config.gateway.run_dir);  // empty: <data_dir>/run
  if (!config.dlms.key_store.empty()) {
    config.dlms.key_store = std::filesystem::absolute(config.dlms.key_store).lexically_normal();
  }
  for (std::string* path : {&config.gateway.api_tokens_file, &config.gateway.tls_cert_file,
                            &config.gateway.tls_key_file, &config.gateway.tls_client_ca_file,
                            &config.mqtt.password_file, &config.mqtt.ca_file,
                            &config.mqtt.cert_file, &config.mqtt.key_file}) {
    if (!path->empty()) *path = std::filesystem::absolute(*path).lexically_normal();
  }
  return config;
}

}  // namespace

absl::StatusOr<Config> LoadConfigString(std::string_view toml_text, std::string_view source_name) {
  try {
    const toml::table root = toml::parse(toml_text, source_name);
    return FromTable(root, std::string(source_name));
  } catch (const toml::parse_error& error) {
    return absl::InvalidArgumentError(absl::StrCat(Where(std::string(source_name), error.source()),
                                                   ": ", AsAbsl(error.description())));
  }
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such config file"));
  }
  try {
    const toml::table root = toml::parse_file(path);
    return FromTable(root, path);
  } catch (const toml::parse_error& error) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(path, error.source()), ": ", AsAbsl(error.description())));
  }
}

}  // namespace vmuc
