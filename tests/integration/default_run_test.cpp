// What `make run` promises: the shipped config (real time, 100 meters, no broker
// configured) brings the gateway up with a child mosquitto, and the mosquitto_sub line
// vmuc prints sees readings within a minute. Only data_dir and the gRPC port are changed,
// so the test can run beside a gateway a developer left running.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "common/net.h"
#include "tests/integration/test_process.h"

namespace vmuc {
namespace {

using namespace std::chrono_literals;
using testing::TestProcess;

TEST(DefaultRunTest, ThePrintedMosquittoSubLineSeesReadingsWithinAMinute) {
  testing::TempDir dir;
  auto grpc_port = PickFreeLoopbackPort();
  ASSERT_TRUE(grpc_port.ok());
  std::string config = testing::ReadFile(VMUC_SOURCE_DIR "/config/vmuc.toml");
  config = std::regex_replace(config, std::regex("data_dir = \"./var\""),
                              "data_dir = \"" + dir.path() + "/var\"");
  config = std::regex_replace(config, std::regex("127.0.0.1:50051"),
                              "127.0.0.1:" + std::to_string(*grpc_port));
  // The DLMS pass-through's default ports would collide with tests running alongside.
  for (const char* port : {"4059", "4060"}) {
    auto free_port = PickFreeLoopbackPort();
    ASSERT_TRUE(free_port.ok());
    config = std::regex_replace(config, std::regex(std::string("127.0.0.1:") + port),
                                "127.0.0.1:" + std::to_string(*free_port));
  }
  const std::string config_path = dir.path() + "/vmuc.toml";
  std::ofstream(config_path) << config;

  const std::string log = dir.path() + "/vmuc.log";
  // Whatever fails, and however early, show what the gateway said.
  struct DumpLogOnFailure {
    const std::string& path;
    ~DumpLogOnFailure() {
      if (::testing::Test::HasFailure())
        std::cerr << "---- vmuc log ----\n" << testing::ReadFile(path);
    }
  } dump_log_on_failure{log};
  auto vmuc = TestProcess::Start({VMUC_BIN_DIR "/vmuc", "--config", config_path}, log);
  ASSERT_TRUE(vmuc.has_value());

  std::smatch line;
  std::string output;
  const std::regex kSubLine(R"(mosquitto_sub -h 127\.0\.0\.1 -p (\d+) -t 'vmuc/gw1/#' -v)");
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        output = testing::ReadFile(log);
        return std::regex_search(output, line, kSubLine);
      },
      30s))
      << output;
  EXPECT_NE(output.find("vmucctl --server 127.0.0.1:" + std::to_string(*grpc_port) + " meters"),
            std::string::npos)
      << output;

  // "Up" means listening: the broker and the gRPC API accept connections the moment the
  // lines are printed (a user types them at once).
  EXPECT_TRUE(ProbeStreamListener("127.0.0.1:" + line[1].str()).ok());
  EXPECT_TRUE(ProbeStreamListener("127.0.0.1:" + std::to_string(*grpc_port)).ok());

  // Run the printed line as a user would, limited to three messages (the retained gateway
  // status comes first) and 60 s.
  const std::string command = line.str() + " -C 3 -W 60";
  const testing::CommandResult sub = testing::RunCommand(command);
  const std::string& received = sub.output;
  EXPECT_EQ(sub.exit_code, 0) << received;
  EXPECT_TRUE(std::regex_search(
      received, std::regex(R"(vmuc/gw1/57\d{14}/readings \{"gateway":"gw1","meter":"57\d{14}")")))
      << received;

  std::vector<pid_t> children;
  for (const char* name : {"mosquitto", "vmuc-mesh", "vmuc-gateway", "vmuc-meterd"}) {
    auto pid = testing::ReadPidFile(dir.path() + "/var/run/" + name + ".pid");
    ASSERT_TRUE(pid.has_value()) << name;
    children.push_back(*pid);
  }
  vmuc->Signal(SIGINT);  // Ctrl-C, as the README says
  const auto exit_status = vmuc->WaitFor(30s);
  ASSERT_TRUE(exit_status.has_value());
  EXPECT_TRUE(WIFEXITED(*exit_status) && WEXITSTATUS(*exit_status) == 0);
  for (pid_t pid : children) EXPECT_FALSE(testing::ProcessExists(pid)) << "pid " << pid << " left";
}

}  // namespace
}  // namespace vmuc
