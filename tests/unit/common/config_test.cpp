#include "common/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"

namespace vmuc {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

TEST(ConfigTest, EmptyFileGivesTheDocumentedDefaults) {
  auto config = LoadConfigString("", "empty.toml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->gateway.grpc_listen, "127.0.0.1:50051");
  EXPECT_EQ(config->fleet.meters, 100u);
  EXPECT_EQ(config->fleet.push_interval, 15s);
  EXPECT_EQ(config->time.mode, TimeMode::kReal);
  EXPECT_TRUE(config->mqtt.broker.empty());
  EXPECT_TRUE(std::filesystem::path(config->gateway.data_dir).is_absolute());
}

TEST(ConfigTest, ReadsEveryKindOfValue) {
  auto config = LoadConfigString(R"(
[gateway]
name = "north"
data_dir = "/tmp/vmuc-test"
[time]
mode = "simulated"
start = 2026-03-01T12:00:00+01:00
speed = 3600
[fleet]
meters = 10
push_interval_s = 300
[supervisor]
restart_backoff_initial_ms = 100
)",
                                 "t.toml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->gateway.name, "north");
  EXPECT_EQ(config->time.mode, TimeMode::kSimulated);
  EXPECT_EQ(config->time.start, *ParseRfc3339("2026-03-01T11:00:00Z"));
  EXPECT_EQ(config->time.speed, 3600);
  EXPECT_EQ(config->fleet.meters, 10u);
  EXPECT_EQ(config->fleet.push_interval, 300s);
  EXPECT_EQ(config->supervisor.restart_backoff_initial, 100ms);
  EXPECT_EQ(config->MeshSocketPath(), "/tmp/vmuc-test/run/mesh.sock");
}

struct BadCase {
  const char* toml;
  const char* expected;  // the whole "file:line:col: key: ..." prefix that must appear
};

class ConfigErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(ConfigErrorTest, NamesFileLineAndKey) {
  auto config = LoadConfigString(GetParam().toml, "bad.toml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr(GetParam().expected));
  EXPECT_EQ(std::string(config.status().message()).find('\n'), std::string::npos) << "one line";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigErrorTest,
    ::testing::Values(
        BadCase{"[fleet]\nmeters = 0\n", "bad.toml:2:10: fleet.meters: must be between 1"},
        BadCase{"[fleet]\nmetres = 5\n", "bad.toml:2:1: fleet.metres: unknown key"},
        BadCase{"[fleeet]\n", "bad.toml:1:2: fleeet: unknown section"},
        BadCase{"[time]\nmode = \"fast\"\n", "bad.toml:2:8: time.mode: 'fast' is not one of"},
        BadCase{"[gateway]\nname = 7\n", "bad.toml:2:8: gateway.name: must be a string"},
        BadCase{"[gateway]\ngrpc_listen = \"0.0.0.0:50051\"\n",
                "bad.toml:2:15: gateway.grpc_listen: '0.0.0.0:50051' is not a loopback address"},
        BadCase{"[gateway]\nallow_plaintext_non_loopback = \"yes\"\n",
                "bad.toml:2:32: gateway.allow_plaintext_non_loopback: must be true or false"},
        BadCase{"[gateway]\ngrpc_listen = \"0.0.0.0:50051\"\n",
                "is not a loopback address; beyond loopback the API needs TLS "
                "(tls_cert_file and tls_key_file)"},
        BadCase{"[gateway]\ngrpc_listen = \"0.0.0.0:50051\"\ntls_cert_file = \"c.pem\"\n"
                "tls_key_file = \"k.pem\"\n",
                "bad.toml:2:15: gateway.grpc_listen: '0.0.0.0:50051' is not a loopback address, "
                "so callers must authenticate: set api_tokens_file or tls_client_ca_file"},
        BadCase{"[gateway]\nname = \"gw\"\ntls_cert_file = \"c.pem\"\n",
                "bad.toml:3:17: gateway.tls_cert_file: needs tls_key_file, its private key"},
        BadCase{"[gateway]\ntls_key_file = \"k.pem\"\n",
                "bad.toml:2:16: gateway.tls_key_file: needs tls_cert_file"},
        BadCase{"[gateway]\ntls_client_ca_file = \"ca.pem\"\n",
                "bad.toml:2:22: gateway.tls_client_ca_file: client certificates need TLS first"},
        BadCase{"[gateway]\napi_tokens_file = 600\n",
                "bad.toml:2:19: gateway.api_tokens_file: must be a string"},
        BadCase{"[gateway]\ngrpc_listen = \"0.0.0.0\"\ntls_cert_file = \"c.pem\"\n"
                "tls_key_file = \"k.pem\"\n",
                "bad.toml:2:15: gateway.grpc_listen: '0.0.0.0' is not HOST:PORT"},
        BadCase{"[mqtt]\nprofile = \"xml\"\n", "bad.toml:2:11: mqtt.profile: 'xml' is not one of"},
        BadCase{"[mqtt]\nbroker = \"tcp://h:1883\"\nca_file = \"ca.pem\"\n",
                "bad.toml:3:11: mqtt.ca_file: TLS files need an ssl:// broker (mqtt.broker is "
                "'tcp://h:1883')"},
        BadCase{"[mqtt]\nbroker = \"ssl://h:8883\"\ncert_file = \"c.pem\"\n",
                "bad.toml:3:13: mqtt.cert_file: needs key_file, its private key"},
        BadCase{"[mqtt]\npassword_file = \"pw\"\n",
                "bad.toml:2:17: mqtt.password_file: a password needs a username"},
        BadCase{"[mqtt]\nsparkplug_group_id = \"a/b\"\n",
                "bad.toml:2:22: mqtt.sparkplug_group_id: 'a/b' must be free of the MQTT "
                "characters / + #"},
        BadCase{"[mqtt]\nmax_inflight = 0\n",
                "bad.toml:2:16: mqtt.max_inflight: must be between 1"},
        BadCase{"[time]\nstart = 2026-01-01T00:00:00\n",
                "bad.toml:2:9: time.start: must be a date-time with offset"},
        BadCase{"[fleet\n", "bad.toml:1:"},
        BadCase{"fleet = 3\n", "bad.toml:1:9: fleet: must be a table"},
        BadCase{"[fleet.software]\nZ4 = 2\n", "bad.toml:2:6: fleet.software.Z4: must be a string"},
        BadCase{"[fleet]\nsingle_phase_percent = 60\ntwo_phase_percent = 50\n",
                "bad.toml:1:1: fleet.two_phase_percent: single_phase_percent + two_phase_percent"},
        BadCase{"[supervisor]\nrestart_backoff_initial_ms = 5000\nrestart_backoff_max_ms = 100\n",
                "bad.toml:1:1: supervisor.restart_backoff_max_ms: must not be below"},
        BadCase{"[mesh]\nfrequency_mhz = 868\n",
                "bad.toml:2:17: mesh.frequency_mhz: must be between 434 and 448, got 868"},
        BadCase{"[mesh]\nplacement = \"file\"\n", "bad.toml:1:1: mesh.topology_file: placement"},
        BadCase{"[mesh]\nspacing_m = nan\n", "bad.toml:2:13: mesh.spacing_m: must be between 1"},
        BadCase{"[[mesh.faults]]\nat = 2026-01-01T01:00:00Z\naction = \"explode\"\n",
                "bad.toml:3:10: mesh.faults[0].action: 'explode' is not one of"},
        BadCase{"[[mesh.faults]]\nat = 2026-01-01T01:00:00Z\naction = \"kill\"\n",
                "mesh.faults[0]: action kill needs `node`"},
        BadCase{"[[mesh.faults]]\nat = 2026-01-01T01:00:00Z\naction = \"partition\"\n"
                "area_m = [10, 0, 5, 5]\n",
                "bad.toml:4:10: mesh.faults[0].area_m: must be [x_min, y_min, x_max, y_max]"},
        BadCase{"[[mesh.faults]]\naction = \"heal\"\nnode = 3\nwhen = 1\n",
                "bad.toml:4:1: mesh.faults[0].when: unknown key"}));

TEST(ConfigTest, ReadsTheSimulatedMeshAndItsFaults) {
  auto config = LoadConfigString(R"(
[mesh]
mode = "simulated"
placement = "streets"
spacing_m = 40.5
relay_cap = 20
[[mesh.faults]]
at = 2026-01-01T01:00:00Z
action = "kill"
node = 12
[[mesh.faults]]
at = 2026-01-01T02:00:00Z
action = "degrade"
node = 3
peer = 4
extra_loss_db = 15
)",
                                 "mesh.toml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->mesh.mode, "simulated");
  EXPECT_EQ(config->mesh.placement, "streets");
  EXPECT_DOUBLE_EQ(config->mesh.spacing_m, 40.5);
  EXPECT_EQ(config->mesh.relay_cap, 20u);
  ASSERT_EQ(config->mesh.faults.size(), 2u);
  EXPECT_EQ(config->mesh.faults[0].action, "kill");
  EXPECT_EQ(config->mesh.faults[0].node, 12u);
  EXPECT_EQ(config->mesh.faults[1].at, *ParseRfc3339("2026-01-01T02:00:00Z"));
  EXPECT_EQ(config->mesh.faults[1].peer, 4u);
  EXPECT_DOUBLE_EQ(config->mesh.faults[1].extra_loss_db, 15);
  EXPECT_EQ(config->mesh.faults[1].where, "mesh.toml:11:1");
}

TEST(ConfigTest, RunDirDefaultsUnderDataDirAndCanMoveOut) {
  auto beside = LoadConfigString("[gateway]\ndata_dir = \"/var/lib/vmuc/\"\n", "t.toml");
  ASSERT_TRUE(beside.ok()) << beside.status();
  EXPECT_EQ(beside->gateway.data_dir, "/var/lib/vmuc");
  EXPECT_EQ(beside->RunDir(), "/var/lib/vmuc/run");
  EXPECT_FALSE(beside->gateway.allow_plaintext_non_loopback);
  // The Debian package keeps sockets and pid files in systemd's RuntimeDirectory.
  auto moved = LoadConfigString(
      "[gateway]\ndata_dir = \"/var/lib/vmuc\"\nrun_dir = \"/run/vmuc/\"\n"
      "allow_plaintext_non_loopback = true\n",
      "t.toml");
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->RunDir(), "/run/vmuc");
  EXPECT_EQ(moved->MeshSocketPath(), "/run/vmuc/mesh.sock");
  EXPECT_EQ(moved->DatabasePath(), "/var/lib/vmuc/vmuc.db");
  EXPECT_TRUE(moved->gateway.allow_plaintext_non_loopback);
}

TEST(ConfigTest, TlsLetsTheApiListenBeyondLoopback) {
  auto config = LoadConfigString(
      "[gateway]\ndata_dir = \"/var/lib/vmuc\"\ngrpc_listen = \"0.0.0.0:50051\"\n"
      "api_tokens_file = \"/etc/vmuc/api-tokens\"\ntls_cert_file = \"/etc/vmuc/tls/../gw.crt\"\n"
      "tls_key_file = \"/etc/vmuc/gw.key\"\n",
      "t.toml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->gateway.TlsConfigured());
  EXPECT_EQ(config->gateway.api_tokens_file, "/etc/vmuc/api-tokens");
  EXPECT_EQ(config->gateway.tls_cert_file, "/etc/vmuc/gw.crt");
  EXPECT_EQ(config->gateway.tls_key_file, "/etc/vmuc/gw.key");
  EXPECT_EQ(config->gateway.tls_client_ca_file, "");
  // Client certificates alone authenticate too; relative paths are made absolute.
  auto mutual = LoadConfigString(
      "[gateway]\ngrpc_listen = \"[2001:db8::1]:50051\"\ntls_cert_file = \"gw.crt\"\n"
      "tls_key_file = \"gw.key\"\ntls_client_ca_file = \"clients.crt\"\n",
      "t.toml");
  ASSERT_TRUE(mutual.ok()) << mutual.status();
  EXPECT_EQ(mutual->gateway.tls_client_ca_file,
            (std::filesystem::current_path() / "clients.crt").string());
  EXPECT_TRUE(mutual->gateway.api_tokens_file.empty());
  // The development container's opt-in still works without TLS (and without tokens).
  auto plaintext = LoadConfigString(
      "[gateway]\ngrpc_listen = \"0.0.0.0:50051\"\nallow_plaintext_non_loopback = true\n",
      "t.toml");
  ASSERT_TRUE(plaintext.ok()) << plaintext.status();
  EXPECT_FALSE(plaintext->gateway.TlsConfigured());
}

TEST(ConfigTest, ReadsTheMqttProfileAuthenticationAndTls) {
  auto config = LoadConfigString(
      "[gateway]\nname = \"gw7\"\n[mqtt]\nbroker = \"ssl://broker:8883\"\n"
      "profile = \"sparkplug\"\nusername = \"vmuc\"\npassword_file = \"/etc/vmuc/mqtt-password\"\n"
      "ca_file = \"/etc/ssl/ca.pem\"\ncert_file = \"/etc/vmuc/c.pem\"\nkey_file = \"k.pem\"\n"
      "max_inflight = 200\nsparkplug_primary_host_id = \"scada\"\n",
      "ok.toml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->mqtt.profile, "sparkplug");
  EXPECT_EQ(config->mqtt.username, "vmuc");
  EXPECT_EQ(config->mqtt.password_file, "/etc/vmuc/mqtt-password");
  EXPECT_EQ(config->mqtt.ca_file, "/etc/ssl/ca.pem");
  EXPECT_EQ(config->mqtt.key_file, (std::filesystem::current_path() / "k.pem").string());
  EXPECT_EQ(config->mqtt.max_inflight, 200u);
  EXPECT_EQ(config->mqtt.sparkplug_group_id, "vmuc");
  EXPECT_EQ(config->SparkplugEdgeNodeId(), "gw7");  // the gateway's name unless set
  EXPECT_EQ(config->mqtt.sparkplug_primary_host_id, "scada");
}

TEST(ConfigTest, MissingFileIsNotFound) {
  auto config = LoadConfigFile("/nonexistent/vmuc.toml");
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("/nonexistent/vmuc.toml"));
}

TEST(ConfigTest, TheShippedDefaultConfigLoads) {
  auto config = LoadConfigFile(VMUC_SOURCE_DIR "/config/vmuc.toml");
  ASSERT_TRUE(config.ok()) << config.status();
  // The shipped file must agree with the built-in defaults it documents.
  auto defaults = LoadConfigString("", "empty.toml");
  EXPECT_EQ(config->fleet.meters, defaults->fleet.meters);
  EXPECT_EQ(config->fleet.push_interval, defaults->fleet.push_interval);
  EXPECT_EQ(config->gateway.grpc_listen, defaults->gateway.grpc_listen);
  EXPECT_EQ(config->fleet.epoch, defaults->fleet.epoch);
  EXPECT_EQ(config->fleet.first_serial, defaults->fleet.first_serial);
  EXPECT_EQ(config->supervisor.crash_loop_limit, defaults->supervisor.crash_loop_limit);
  EXPECT_EQ(config->fleet.type_number, defaults->fleet.type_number);
  EXPECT_EQ(config->fleet.software_codes.at("Z13"), "002");
}

}  // namespace
}  // namespace vmuc
