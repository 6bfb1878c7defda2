// The thin slice end to end, with real parts: mosquitto, the supervisor and its three
// workers, a Paho MQTT subscriber and a gRPC client. Both must show, for every reading,
// exactly the A+ register that the meter core computes for the reading's capture instant.
// Then vmuc-meterd is SIGKILLed: the supervisor restarts it and correct data flows again.
// Finally SIGTERM stops everything with exit code 0 and no process left behind.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <mqtt/client.h>

#include <fstream>
#include <map>
#include <regex>

#include "common/config.h"
#include "common/net.h"
#include "meters/fleet.h"
#include "meters/meter_core.h"
#include "tests/integration/test_process.h"
#include "vmuc/v1/gateway.grpc.pb.h"

namespace vmuc {
namespace {

using testing::CommandResult;
using testing::RunCommand;

using namespace std::chrono_literals;
using testing::TestProcess;

constexpr uint32_t kMeters = 10;

// One reading as the JSON on MQTT shows it.
struct Reading {
  std::string meter_id;
  TimePoint captured_at;
  std::map<std::string, int64_t> values;  // by OBIS
};

std::optional<Reading> ParseReading(const std::string& json) {
  static const std::regex kHead(R"re("meter":"(\d{16})","seq":\d+,"captured_at":"([^"]+)")re");
  static const std::regex kRegister(
      R"re(\{"obis":"([0-9.]+)","value":(-?\d+),"scaler":0,"unit":"Wh"\})re");
  std::smatch head;
  if (!std::regex_search(json, head, kHead)) return std::nullopt;
  auto captured = ParseRfc3339(head[2].str());
  if (!captured.ok()) return std::nullopt;
  Reading reading{head[1].str(), *captured, {}};
  for (auto it = std::sregex_iterator(json.begin(), json.end(), kRegister);
       it != std::sregex_iterator(); ++it) {
    reading.values[(*it)[1].str()] = std::stoll((*it)[2].str());
  }
  return reading;
}

class EndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = temp_.path();
    auto grpc_port = PickFreeLoopbackPort();
    ASSERT_TRUE(grpc_port.ok());
    grpc_address_ = "127.0.0.1:" + std::to_string(*grpc_port);
    ASSERT_TRUE(broker_.Start(dir)) << "mosquitto did not start";
    broker_url_ = broker_.url;

    config_path_ = dir + "/vmuc.toml";
    std::ofstream(config_path_) << "[gateway]\nname = \"it\"\n"
                                << "grpc_listen = \"" << grpc_address_ << "\"\n"
                                << "data_dir = \"" << dir << "/var\"\n"
                                << testing::DlmsSectionOnFreePorts() << "[mqtt]\nbroker = \""
                                << broker_url_ << "\"\n"
                                << "[time]\nmode = \"simulated\"\n"
                                << "start = 2026-03-01T00:00:00Z\nspeed = 600\n"
                                << "[fleet]\nmeters = " << kMeters << "\nseed = 7\n"
                                << "epoch = 2026-02-22T00:00:00Z\npush_interval_s = 60\n"
                                << "shards = 2\n"
                                << "[supervisor]\nrestart_backoff_initial_ms = 200\n"
                                << "stop_timeout_ms = 5000\n";
    auto config = LoadConfigFile(config_path_);
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = *config;
    auto setup = meters::FleetSetup(config_.fleet);  // the meters' codes, as vmuc-meterd uses them
    ASSERT_TRUE(setup.ok()) << setup.status();
    setup_ = *std::move(setup);

    subscriber_ = std::make_unique<mqtt::client>(broker_url_, "e2e-subscriber");
    ASSERT_TRUE(testing::WaitUntil(
        [&] {
          try {
            subscriber_->connect(mqtt::connect_options_builder().clean_session(true).finalize());
            return true;
          } catch (const mqtt::exception&) {
            return false;
          }
        },
        10s))
        << "mosquitto did not come up: " << testing::ReadFile(dir + "/mosquitto.log");
    subscriber_->start_consuming();
    subscriber_->subscribe("vmuc/it/+/readings", 1);
  }

  void StartSupervisor() {
    vmuc_.emplace(*TestProcess::Start({VMUC_BIN_DIR "/vmuc", "--config", config_path_},
                                      temp_.path() + "/vmuc.log"));
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "---- log ----\n" << testing::ReadFile(temp_.path() + "/vmuc.log");
    }
    if (subscriber_ && subscriber_->is_connected()) subscriber_->disconnect();
  }

  // The register the meter core computes for this meter at this instant.
  int64_t ExpectedActiveImportWh(const std::string& meter_id, TimePoint at, int phase = -1) const {
    const uint32_t index =
        static_cast<uint32_t>(std::stoull(meter_id) - config_.fleet.first_serial);
    EXPECT_LT(index, kMeters);
    meters::MeterCore core(meters::FleetMeter(config_.fleet, index), config_.fleet.epoch,
                           setup_->options());
    core.AdvanceTo(at);
    return static_cast<int64_t>(phase < 0 ? core.active_import_wh() : core.active_import_wh(phase));
  }

  // Receives readings until `count` have arrived or `timeout` passes; checks each.
  std::vector<Reading> ReceiveAndCheck(size_t count, std::chrono::seconds timeout) {
    std::vector<Reading> readings;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (readings.size() < count && std::chrono::steady_clock::now() < deadline) {
      mqtt::const_message_ptr message;
      if (!subscriber_->try_consume_message_for(&message, 1s) || !message) continue;
      auto reading = ParseReading(message->to_string());
      EXPECT_TRUE(reading.has_value()) << "unexpected payload: " << message->to_string();
      if (!reading) continue;
      EXPECT_EQ(message->get_topic(), "vmuc/it/" + reading->meter_id + "/readings");
      EXPECT_EQ(reading->values.at("1.1.1.8.0.255"),
                ExpectedActiveImportWh(reading->meter_id, reading->captured_at))
          << reading->meter_id << " at " << FormatRfc3339(reading->captured_at);
      const char* phases[] = {"1.1.21.8.0.255", "1.1.41.8.0.255", "1.1.61.8.0.255"};
      for (int p = 0; p < 3; ++p) {
        EXPECT_EQ(reading->values.at(phases[p]),
                  ExpectedActiveImportWh(reading->meter_id, reading->captured_at, p));
      }
      readings.push_back(*std::move(reading));
    }
    return readings;
  }

  testing::TempDir temp_;
  std::string broker_url_;
  std::string grpc_address_;
  std::string config_path_;
  Config config_;
  std::unique_ptr<meters::MeterSetup> setup_;
  testing::TestBroker broker_;
  std::optional<TestProcess> vmuc_;
  std::unique_ptr<mqtt::client> subscriber_;
};

TEST_F(EndToEndTest, ReadingsMatchTheCoreOverMqttAndGrpcAndSurviveAMeterHostKill) {
  StartSupervisor();
  // 1. MQTT: readings of every meter, each equal to the core's value at its instant.
  // Meters catch up one by one after start, so receive until every one has spoken.
  std::vector<Reading> readings;
  std::set<std::string> meters_seen;
  const auto first_deadline = std::chrono::steady_clock::now() + 120s;
  while (meters_seen.size() < kMeters && std::chrono::steady_clock::now() < first_deadline) {
    for (Reading& reading : ReceiveAndCheck(kMeters, 10s)) {
      meters_seen.insert(reading.meter_id);
      readings.push_back(std::move(reading));
    }
  }
  ASSERT_EQ(meters_seen.size(), kMeters) << "not every meter's readings reached MQTT";

  // 2. gRPC: the store's latest A+ of each meter equals the core's at its capture time.
  auto stub =
      v1::Gateway::NewStub(grpc::CreateChannel(grpc_address_, grpc::InsecureChannelCredentials()));
  v1::ListMetersResponse listed;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        grpc::ClientContext context;
        listed.Clear();
        return stub->ListMeters(&context, v1::ListMetersRequest(), &listed).ok() &&
               listed.meters_size() == static_cast<int>(kMeters);
      },
      30s));
  for (const v1::Meter& meter : listed.meters()) {
    grpc::ClientContext context;
    v1::ReadRegistersRequest request;
    request.set_meter_id(meter.meter_id());
    request.add_obis("1.1.1.8.0.255");
    v1::ReadRegistersResponse response;
    ASSERT_TRUE(stub->ReadRegisters(&context, request, &response).ok());
    ASSERT_EQ(response.registers_size(), 1);
    const v1::RegisterValue& reg = response.registers(0);
    EXPECT_EQ(reg.unit_symbol(), "Wh");
    const TimePoint at = TimePoint(std::chrono::seconds(reg.captured_at().seconds()) +
                                   std::chrono::nanoseconds(reg.captured_at().nanos()));
    EXPECT_EQ(reg.value(), ExpectedActiveImportWh(meter.meter_id(), at)) << meter.meter_id();
    EXPECT_GT(reg.value(), 0);
  }

  // 2b. vmucctl, as a user runs it, against the live gateway.
  {
    const std::string ctl = std::string(VMUC_BIN_DIR "/vmucctl --server ") + grpc_address_;
    const auto health_run = RunCommand(ctl + " health");
    EXPECT_EQ(health_run.exit_code, 0) << health_run.output;
    EXPECT_EQ(health_run.output, "SERVING\n");
    const auto meters_run = RunCommand(ctl + " meters");
    EXPECT_EQ(meters_run.exit_code, 0) << meters_run.output;
    EXPECT_EQ(std::count(meters_run.output.begin(), meters_run.output.end(), '\n'), kMeters + 1)
        << meters_run.output;  // header + one line per meter
    const std::string first = listed.meters(0).meter_id();
    const auto read_run = RunCommand(ctl + " read " + first + " -o 1.1.1.8.0.255");
    EXPECT_EQ(read_run.exit_code, 0) << read_run.output;
    std::smatch row;
    ASSERT_TRUE(std::regex_search(read_run.output, row,
                                  std::regex(R"(1\.1\.1\.8\.0\.255\s+(\d+)\s+Wh\s+(\S+))")))
        << read_run.output;
    EXPECT_EQ(std::stoll(row[1].str()), ExpectedActiveImportWh(first, *ParseRfc3339(row[2].str())));
    // --follow keeps printing new events: more lines than the backlog had when it began.
    const auto backlog = RunCommand(ctl + " events");
    const auto followed = RunCommand("timeout 3 " + ctl + " events --follow");
    EXPECT_EQ(followed.exit_code, 124) << "events --follow ended by itself: " << followed.output;
    EXPECT_GT(std::count(followed.output.begin(), followed.output.end(), '\n'),
              std::count(backlog.output.begin(), backlog.output.end(), '\n'));
    EXPECT_NE(followed.output.find("  readings  1.1.1.8.0.255="), std::string::npos);
  }

  // 3. SIGKILL the meter host; the supervisor restarts it and data flows again, still
  //    exactly right (the restarted host replays from the epoch).
  const std::string pid_file = config_.RunDir() + "/vmuc-meterd.pid";
  const auto old_pid = testing::ReadPidFile(pid_file);
  ASSERT_TRUE(old_pid.has_value());
  ASSERT_EQ(::kill(*old_pid, SIGKILL), 0);
  TimePoint latest_before{};
  for (const Reading& reading : readings)
    latest_before = std::max(latest_before, reading.captured_at);
  std::optional<pid_t> new_pid;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        new_pid = testing::ReadPidFile(pid_file);
        return new_pid && *new_pid != *old_pid && testing::ProcessExists(*new_pid);
      },
      30s))
      << "vmuc-meterd was not restarted";
  // Readings from after the restart: captured later than any before the kill.
  std::vector<Reading> after;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (after.size() < 2 * kMeters && std::chrono::steady_clock::now() < deadline) {
    for (Reading& reading : ReceiveAndCheck(1, 5s)) {
      if (reading.captured_at > latest_before + 2min) after.push_back(std::move(reading));
    }
  }
  EXPECT_GE(after.size(), 2 * kMeters) << "data did not flow again after the restart";

  // 4. SIGTERM: everything stops, exit code 0, no child left.
  std::vector<pid_t> children;
  for (const char* name : {"vmuc-mesh", "vmuc-gateway", "vmuc-meterd"}) {
    auto pid = testing::ReadPidFile(config_.RunDir() + "/" + name + ".pid");
    ASSERT_TRUE(pid.has_value()) << name;
    children.push_back(*pid);
  }
  vmuc_->Signal(SIGTERM);
  const auto status = vmuc_->WaitFor(30s);
  ASSERT_TRUE(status.has_value()) << "vmuc did not stop within 30 s";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "status " << *status;
  for (pid_t pid : children) EXPECT_FALSE(testing::ProcessExists(pid)) << "pid " << pid << " left";
  // Each worker stopped cleanly: exit code 0, which under the asan preset also means no
  // leak report; and no sanitizer finding anywhere in the run's output.
  const std::string log = testing::ReadFile(temp_.path() + "/vmuc.log");
  for (size_t i = 0; i < children.size(); ++i) {
    EXPECT_NE(log.find("(pid " + std::to_string(children[i]) + ") exited with code 0"),
              std::string::npos)
        << "child " << children[i] << " did not exit cleanly";
  }
  for (const char* finding : {"AddressSanitizer", "LeakSanitizer", "runtime error:"}) {
    EXPECT_EQ(log.find(finding), std::string::npos) << finding;
  }
}

// Each worker also runs alone with --config (no supervisor): started by hand in any
// order, they find each other through the mesh socket and the same readings flow.
TEST_F(EndToEndTest, WorkersRunAloneWithTheirConfig) {
  const std::string log = temp_.path() + "/vmuc.log";
  const std::string bin = VMUC_BIN_DIR;
  // Meter host and gateway first: they wait for the mesh and attach when it comes.
  auto meterd = TestProcess::Start({bin + "/vmuc-meterd", "--config", config_path_}, log);
  auto gateway = TestProcess::Start({bin + "/vmuc-gateway", "--config", config_path_}, log);
  auto mesh = TestProcess::Start({bin + "/vmuc-mesh", "--config", config_path_}, log);
  ASSERT_TRUE(meterd && gateway && mesh);
  const std::vector<Reading> readings = ReceiveAndCheck(2 * kMeters, 60s);
  EXPECT_GE(readings.size(), 2 * kMeters) << testing::ReadFile(log);
  for (TestProcess* process : {&*meterd, &*gateway, &*mesh}) {
    process->Signal(SIGTERM);
    const auto status = process->WaitFor(30s);
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "status " << *status;
  }
}

}  // namespace
}  // namespace vmuc
