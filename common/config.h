// Config: the one configuration of a vmuc run, loaded from TOML (config/vmuc.toml holds
// every key with its default and a comment).
//
// Loading is strict: a wrong type, an out-of-range value or an unknown key is an error
// naming file, line, column and key, so a typo never silently falls back to a default.
// The supervisor and every worker load the same file; values a worker cannot know (the
// broker URL of a child broker, the simulated time anchor) come as command-line overrides.
#ifndef VMUC_COMMON_CONFIG_H_
#define VMUC_COMMON_CONFIG_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/time.h"

namespace vmuc {

struct GatewaySection {
  std::string name = "gw1";  // MQTT topics: <prefix>/<name>/...
  std::string grpc_listen = "127.0.0.1:50051";
  std::string data_dir = "./var";  // made absolute against the working dir
  // Pid files and the mesh socket; empty: <data_dir>/run. Made absolute like data_dir.
  std::string run_dir;
  // Lets grpc_listen name a non-loopback address without TLS: for a development container
  // whose ports are published on the host's loopback only (design.md "Secure by default").
  bool allow_plaintext_non_loopback = false;
  // gRPC API security (docs/api.md). Paths are made absolute like data_dir; empty: off.
  // Bearer tokens, one "name token" pair per line; the file must be mode 0600 or stricter
  // (gateway/api/api_security.h reads it when the gateway starts).
  std::string api_tokens_file;
  // TLS: the server's certificate chain and private key (PEM), both or neither.
  std::string tls_cert_file;
  std::string tls_key_file;
  // CA (PEM) whose client certificates are required on every connection and then
  // authenticate the caller without a token (mutual TLS). Needs tls_cert_file.
  std::string tls_client_ca_file;

  bool TlsConfigured() const { return !tls_cert_file.empty(); }
  // Retention of the store (gateway/store/store.h, Store::Prune), applied every hour:
  // readings, load profiles, billing values and meter events captured longer ago go; over
  // max_database_mb of pages in use the oldest days go first (0: no bound); at most
  // max_events events are kept (0: no bound). Events the MQTT outbox has not delivered stay.
  uint32_t retention_days = 400;
  uint64_t max_database_mb = 10'240;
  uint64_t max_events = 10'000'000;
};

struct MqttSection {
  std::string broker;  // "tcp://host:port" or "ssl://host:port"; empty: a child mosquitto
  std::string topic_prefix = "vmuc";
  std::string client_id;  // empty: "vmuc-<gateway.name>"
  std::string mosquitto = "mosquitto";
  // "json" (docs/mqtt.md) or "sparkplug" (Sparkplug B 3.0, docs/sparkplug.md).
  std::string profile = "json";
  // Broker authentication: a user name, and the file holding its password (never the
  // password itself in the config; the file must not be readable by others).
  std::string username;
  std::string password_file;
  // TLS (ssl:// brokers): the CA that signed the broker's certificate, and a client
  // certificate and key for brokers that authenticate clients by certificate.
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  // Messages published and not yet acknowledged, at most.
  uint32_t max_inflight = 1000;
  // Sparkplug ids: group, edge node (empty: gateway.name) and the primary host application
  // whose STATE the node waits for (empty: none).
  std::string sparkplug_group_id = "vmuc";
  std::string sparkplug_edge_node_id;
  std::string sparkplug_primary_host_id;
};

enum class TimeMode { kReal, kSimulated };

struct TimeSection {
  TimeMode mode = TimeMode::kReal;
  TimePoint start = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 1 / 1));
  int64_t speed = 1;  // simulated seconds per real second
};

struct FleetSection {
  uint32_t meters = 100;
  uint64_t seed = 1;
  uint64_t first_serial = 5700000000000001;  // 16-digit meter numbers from here on
  // Installation time: every register is zero here; meter state is a function of time since.
  TimePoint epoch = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 1 / 1));
  std::chrono::seconds push_interval{15};
  uint32_t shards = 2;
  // The household mix, in percent of meters (meters/metrology/load_model.h).
  uint32_t pv_percent = 40;
  uint32_t ev_percent = 30;
  uint32_t heat_pump_percent = 35;
  uint32_t single_phase_percent = 5;  // three-system meters wired on L1 only
  uint32_t two_phase_percent = 2;     // on L1 and L2 only
  // Supply interruptions of the grid model (meters/metrology/outage_model.h), a year per
  // meter: short up to 3 min, long beyond (EN 50160 4.2.x). 0 and 0: none.
  uint32_t short_interruptions_per_year = 5;
  uint32_t long_interruptions_per_year = 1;
  // vmuc-meterd writes its meters' checkpoints to data_dir/meters.db this often (real time):
  // the most a restart has to replay.
  std::chrono::seconds checkpoint_interval{60};
  // The meters' hardware type number and software codes (datasheet "Configuration");
  // decoded and checked by meters/fleet.h, whose errors cite `codes_where`.
  std::string type_number = "6841121BN243101040";
  std::map<std::string, std::string> software_codes;  // "Z4" -> "2"
  std::string codes_where;                            // "FILE:LINE:COL" of the keys
};

// The DLMS/COSEM pass-through for external clients (docs/dlms.md).
struct DlmsSection {
  // IEC 62056-47 wrapper over TCP; the destination wPort names the meter (its node
  // address). Empty: off.
  std::string wrapper_listen = "127.0.0.1:4059";
  // IEC 62056-46 HDLC over TCP; the lower (physical) server address names the meter.
  // Empty: off.
  std::string hdlc_listen = "127.0.0.1:4060";
  // The meters' keys and LLS password (dlms/key_store.h). Empty:
  // <data_dir>/dlms-keys.toml, which vmuc creates with a random master secret on its
  // first start.
  std::string key_store;
  std::string flag_id = "KAM";  // manufacturer FLAG id: system titles, device names
};

// A fault the simulated mesh applies at a given instant of the fleet's time line
// (docs/radio_mesh.md, "Faults"). Faults whose instant has passed when vmuc-mesh starts
// are applied at once, in order, so a restarted mesh reaches the same state.
struct MeshFault {
  TimePoint at{};
  // kill, revive (node); degrade (node, peer, extra_loss_db; 0 dB restores);
  // partition (area); heal; restart_collector.
  std::string action;
  uint32_t node = 0;
  uint32_t peer = 0;
  double extra_loss_db = 0;
  std::array<double, 4> area_m{};  // x_min, y_min, x_max, y_max
  std::string where;               // "FILE:LINE:COL", for messages
};

struct MeshSection {
  // "passthrough": frames go straight between meters and collector. "simulated": the
  // radio mesh of radio_mesh/mesh_simulator.h.
  std::string mode = "passthrough";
  // Where the meters stand: "grid", "random", "streets", or "file" (topology_file).
  std::string placement = "grid";
  std::string topology_file;
  double spacing_m = 50;  // grid pitch; random and streets: the same density
  uint32_t collectors = 1;
  uint64_t seed = 1;
  // Radio (434-448 MHz band; radio_mesh/link_model.h states each default's reason).
  double frequency_mhz = 444;
  double tx_power_dbm = 14;
  double sensitivity_dbm = -105;
  double path_loss_exponent = 3.0;
  double shadowing_sigma_db = 6;
  uint32_t data_rate_bps = 38400;
  double duty_cycle = 0.10;
  // Routing.
  uint32_t max_route_addresses = 15;
  uint32_t relay_cap = 70;
  uint32_t hop_retries = 3;
  uint32_t end_to_end_retries = 2;
  std::chrono::seconds rediscovery_interval{3600};
  std::vector<MeshFault> faults;
};

struct SupervisorSection {
  std::chrono::milliseconds restart_backoff_initial{500};
  std::chrono::milliseconds restart_backoff_max{30000};
  uint32_t crash_loop_limit = 5;  // restarts within the window before giving up
  std::chrono::seconds crash_loop_window{60};
  std::chrono::milliseconds stop_timeout{10000};  // SIGTERM to SIGKILL
};

struct LoggingSection {
  std::string level = "info";
};

struct Config {
  std::string source;  // the file it came from, for messages
  GatewaySection gateway;
  MqttSection mqtt;
  TimeSection time;
  FleetSection fleet;
  MeshSection mesh;
  DlmsSection dlms;
  SupervisorSection supervisor;
  LoggingSection logging;

  // Derived locations under gateway.data_dir.
  std::string RunDir() const {
    return gateway.run_dir.empty() ? gateway.data_dir + "/run" : gateway.run_dir;
  }
  std::string DatabasePath() const { return gateway.data_dir + "/vmuc.db"; }
  std::string MetersDatabasePath() const { return gateway.data_dir + "/meters.db"; }
  std::string MeshSocketPath() const { return RunDir() + "/mesh.sock"; }
  std::string DlmsKeyStorePath() const {
    return dlms.key_store.empty() ? gateway.data_dir + "/dlms-keys.toml" : dlms.key_store;
  }
  std::string SparkplugEdgeNodeId() const {
    return mqtt.sparkplug_edge_node_id.empty() ? gateway.name : mqtt.sparkplug_edge_node_id;
  }
  std::string MqttClientId() const {
    return mqtt.client_id.empty() ? "vmuc-" + gateway.name : mqtt.client_id;
  }
};

// Errors read "FILE:LINE:COLUMN: SECTION.KEY: what is wrong".
absl::StatusOr<Config> LoadConfigFile(const std::string& path);
// `source_name` stands for the file name in messages.
absl::StatusOr<Config> LoadConfigString(std::string_view toml_text, std::string_view source_name);

}  // namespace vmuc

#endif  // VMUC_COMMON_CONFIG_H_
