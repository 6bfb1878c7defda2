// The command-line faces as a user meets them: exit codes and one-line errors.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "common/net.h"
#include "common/version.h"
#include "gmock/gmock.h"
#include "tests/integration/test_process.h"

namespace vmuc {
namespace {

using testing::CommandResult;
using testing::RunCommand;

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

const std::string kBin = VMUC_BIN_DIR;

TEST(CliTest, CheckConfigAcceptsTheShippedConfig) {
  const CommandResult run =
      RunCommand(kBin + "/vmuc check-config " VMUC_SOURCE_DIR "/config/vmuc.toml");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr(": ok (100 meters"));
}

TEST(CliTest, BadConfigGetsOneLineNamingFileLineAndKeyAndExitCode2) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/bad.toml";
  std::ofstream(path) << "[gateway]\nname = \"gw\"\n\n[fleet]\nmeters = -3\n";
  for (const std::string& command :
       {kBin + "/vmuc check-config " + path, kBin + "/vmuc --config " + path,
        kBin + "/vmuc-meterd --config " + path, kBin + "/vmuc-gateway --config " + path,
        kBin + "/vmuc-mesh --config " + path}) {
    const CommandResult run = RunCommand(command);
    EXPECT_EQ(run.exit_code, 2) << command << "\n" << run.output;
    EXPECT_EQ(run.output, path + ":5:10: fleet.meters: must be between 1 and 10000000, got -3\n")
        << command;
  }
}

TEST(CliTest, UnknownKeyIsAnError) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/typo.toml";
  std::ofstream(path) << "[mqtt]\nbrokr = \"tcp://127.0.0.1:1883\"\n";
  const CommandResult run = RunCommand(kBin + "/vmuc check-config " + path);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr(path + ":2:1: mqtt.brokr: unknown key"));
}

TEST(CliTest, MeterCodesThatContradictEachOtherAreRejectedBeforeAnythingStarts) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/codes.toml";
  // An A+-only meter (X9 = 1) cannot keep an A+/A-/R+/R- load profile (Z29 = 3).
  std::ofstream(path)
      << "[fleet]\ntype_number = \"6841121BN213101040\"\n[fleet.software]\nZ29 = \"3\"\n";
  for (const std::string& command :
       {kBin + "/vmuc check-config " + path, kBin + "/vmuc --config " + path,
        kBin + "/vmuc-meterd --config " + path}) {
    const CommandResult run = RunCommand(command);
    EXPECT_EQ(run.exit_code, 2) << command << "\n" << run.output;
    EXPECT_THAT(run.output, HasSubstr(path + ":1:1: fleet: Z29 '3'")) << command;
  }
}

TEST(CliTest, MissingConfigFileExits2) {
  const CommandResult run = RunCommand(kBin + "/vmuc check-config /nonexistent.toml");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("/nonexistent.toml: no such config file"));
}

TEST(CliTest, VmucctlBadArgumentsExit2AndUnreachableGatewayExits4) {
  EXPECT_EQ(RunCommand(kBin + "/vmucctl frobnicate").exit_code, 2);
  EXPECT_EQ(RunCommand(kBin + "/vmucctl read").exit_code, 2);  // METER missing
  auto port = PickFreeLoopbackPort();                          // nothing listens there
  ASSERT_TRUE(port.ok());
  const CommandResult run =
      RunCommand(kBin + "/vmucctl --server 127.0.0.1:" + std::to_string(*port) + " meters");
  EXPECT_EQ(run.exit_code, 4) << run.output;
  const CommandResult health =
      RunCommand(kBin + "/vmucctl --server 127.0.0.1:" + std::to_string(*port) + " health");
  EXPECT_EQ(health.exit_code, 4) << health.output;
}

TEST(CliTest, ABrokerThatIsNotATcpUrlExits2) {
  const CommandResult run = RunCommand(kBin + "/vmuc --config " VMUC_SOURCE_DIR
                                              "/config/vmuc.toml --mqtt-broker mosq:1883");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr("--mqtt-broker: 'mosq:1883' is not tcp://HOST:PORT"));
}

TEST(CliTest, EveryProgramPrintsTheProjectVersion) {
  for (const char* program : {"vmuc", "vmucctl"}) {
    const CommandResult run = RunCommand(kBin + "/" + program + " --version");
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_EQ(run.output, std::string(program) + " " + kVersion + "\n");
  }
}

TEST(CliTest, MeterdRefusesAStoreAheadOfItsClockAndABadRunUntil) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/ahead.toml";
  std::ofstream(path) << "[gateway]\ndata_dir = \"" << dir.path() << "/var\"\n"
                      << "[time]\nmode = \"simulated\"\nstart = 2026-01-10T00:00:00Z\n"
                      << "[fleet]\nmeters = 3\n[logging]\nlevel = \"warn\"\n";
  const CommandResult prepared =
      RunCommand(kBin + "/vmuc-meterd --config " + path + " --run-until 2026-02-01T00:00:00Z");
  ASSERT_EQ(prepared.exit_code, 0) << prepared.output;
  // The live host's simulated clock starts on 10 January, before the stored meters.
  const CommandResult live = RunCommand(kBin + "/vmuc-meterd --config " + path);
  EXPECT_EQ(live.exit_code, 1) << live.output;
  EXPECT_THAT(live.output, HasSubstr("is at 2026-02-01T00:00:00.000Z, after the host's present"));
  const CommandResult bad =
      RunCommand(kBin + "/vmuc-meterd --config " + path + " --run-until 2026-13-01T00:00:00Z");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("--run-until: "));
}

}  // namespace
}  // namespace vmuc
