// The [mqtt] section as the gateway applies it: the profile it names, the password read from
// its private file, the TLS files and window passed on.
#include "gateway/mqtt/mqtt_setup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/integration/test_process.h"

namespace vmuc::gateway {
namespace {

class MqttSetupTest : public ::testing::Test {
 protected:
  Config Load(const std::string& mqtt_keys) {
    auto config = LoadConfigString("[gateway]\nname = \"gw9\"\n[mqtt]\n" + mqtt_keys, "t.toml");
    EXPECT_TRUE(config.ok()) << config.status();
    return config.ok() ? *config : Config();
  }
  std::string WritePassword(const std::string& text, mode_t mode) {
    const std::string path = dir_.path() + "/password";
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }
  testing::TempDir dir_;
};

TEST_F(MqttSetupTest, OptionsCarryTheAuthenticationTlsAndWindow) {
  const std::string password = WritePassword("s3cret pass\n", 0600);
  const Config config =
      Load("broker = \"ssl://127.0.0.1:8883\"\nusername = \"gw\"\npassword_file = \"" + password +
           "\"\nca_file = \"/ca.pem\"\ncert_file = \"/c.pem\"\nkey_file = \"/k.pem\"\n"
           "max_inflight = 64\n");
  auto options = MqttOptionsOf(config);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->broker_url, "ssl://127.0.0.1:8883");
  EXPECT_EQ(options->client_id, "vmuc-gw9");
  EXPECT_EQ(options->username, "gw");
  EXPECT_EQ(options->password, "s3cret pass");  // the editor's newline is not part of it
  EXPECT_EQ(options->ca_file, "/ca.pem");
  EXPECT_EQ(options->cert_file, "/c.pem");
  EXPECT_EQ(options->key_file, "/k.pem");
  EXPECT_EQ(options->max_inflight, 64);
}

TEST_F(MqttSetupTest, APasswordFileOthersMayReadIsRefusedNamed) {
  const std::string password = WritePassword("pw\n", 0644);
  auto options = MqttOptionsOf(
      Load("broker = \"tcp://h:1883\"\nusername = \"gw\"\npassword_file = \"" + password + "\"\n"));
  ASSERT_FALSE(options.ok());
  EXPECT_TRUE(absl::IsPermissionDenied(options.status())) << options.status();
  EXPECT_NE(options.status().message().find(password), absl::string_view::npos);
  EXPECT_NE(options.status().message().find("chmod 600"), absl::string_view::npos);
}

TEST_F(MqttSetupTest, TheProfileIsTheOneConfigured) {
  auto store = Store::Open(dir_.path() + "/vmuc.db");
  ASSERT_TRUE(store.ok()) << store.status();
  auto json = MqttProfileOf(Load("broker = \"tcp://h:1883\"\n"), **store);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ((*json)->name(), "json");
  EXPECT_EQ((*json)->Will().topic, "vmuc/gw9/status");
  auto sparkplug = MqttProfileOf(
      Load("broker = \"tcp://h:1883\"\nprofile = \"sparkplug\"\nsparkplug_group_id = \"plant\"\n"),
      **store);
  ASSERT_TRUE(sparkplug.ok()) << sparkplug.status();
  EXPECT_EQ((*sparkplug)->name(), "sparkplug");
  EXPECT_EQ((*sparkplug)->Will().topic, "spBv1.0/plant/NDEATH/gw9");
}

}  // namespace
}  // namespace vmuc::gateway
