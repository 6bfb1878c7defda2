// Issue 6's integration test: 300 meters on the simulated radio mesh, in simulated time,
// with the real processes (vmuc supervising vmuc-meterd, vmuc-mesh and vmuc-gateway, a
// mosquitto broker). Through the gateway's gRPC API the test kills the relay that carries
// the most meters and revives it an hour later, then degrades a link of the route tree for
// an hour. Afterwards the gateway's SQLite store must hold every load-profile entry of
// every meter, without a hole, value for value equal to what the meter core logs, some of
// them read back by range (gap filling) because the mesh lost their pushes.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "common/config.h"
#include "common/net.h"
#include "gateway/store/store.h"
#include "meters/cosem/profile_push.h"
#include "meters/fleet.h"
#include "meters/meter.h"
#include "meters/meter_setup.h"
#include "tests/integration/test_process.h"
#include "vmuc/v1/gateway.grpc.pb.h"

namespace vmuc {
namespace {

using namespace std::chrono_literals;
using testing::TestProcess;

constexpr uint32_t kMeters = 300;
constexpr int64_t kSpeed = 600;  // simulated seconds per real second
const TimePoint kStart = *ParseRfc3339("2026-03-01T00:00:00Z");

class MeshHealTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = temp_.path();
    auto grpc_port = PickFreeLoopbackPort();
    ASSERT_TRUE(grpc_port.ok());
    grpc_address_ = "127.0.0.1:" + std::to_string(*grpc_port);
    ASSERT_TRUE(broker_.Start(dir)) << "mosquitto did not start";
    config_path_ = dir + "/vmuc.toml";
    std::ofstream(config_path_) << "[gateway]\nname = \"mesh\"\n"
                                << "grpc_listen = \"" << grpc_address_ << "\"\n"
                                << "data_dir = \"" << dir << "/var\"\n"
                                << testing::DlmsSectionOnFreePorts() << "[mqtt]\nbroker = \""
                                << broker_.url << "\"\n"
                                << "[time]\nmode = \"simulated\"\n"
                                << "start = 2026-03-01T00:00:00Z\nspeed = " << kSpeed << "\n"
                                << "[fleet]\nmeters = " << kMeters << "\nseed = 11\n"
                                << "epoch = 2026-02-28T23:00:00Z\npush_interval_s = 900\n"
                                << "shards = 2\n"
                                << "[mesh]\nmode = \"simulated\"\nplacement = \"grid\"\n"
                                << "spacing_m = 250\nseed = 5\ntx_power_dbm = 0\n"
                                << "[supervisor]\nrestart_backoff_initial_ms = 200\n"
                                << "stop_timeout_ms = 5000\n";
    auto config = LoadConfigFile(config_path_);
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = *config;
    vmuc_.emplace(
        *TestProcess::Start({VMUC_BIN_DIR "/vmuc", "--config", config_path_}, dir + "/vmuc.log"));
    stub_ = v1::Gateway::NewStub(
        grpc::CreateChannel(grpc_address_, grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (HasFailure()) {
      const std::string log = testing::ReadFile(temp_.path() + "/vmuc.log");
      std::cerr << "---- log (last 20 kB) ----\n"
                << log.substr(log.size() > 20'000 ? log.size() - 20'000 : 0);
    }
  }

  std::optional<v1::MeshTopology> Topology() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    v1::MeshTopology topology;
    if (!stub_->GetMeshTopology(&context, v1::GetMeshTopologyRequest(), &topology).ok()) {
      return std::nullopt;
    }
    return topology;
  }

  grpc::Status Inject(const v1::MeshFault& fault) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    v1::InjectMeshFaultResponse response;
    return stub_->InjectMeshFault(&context, fault, &response);
  }

  // Real time for `simulated` to pass.
  static std::chrono::milliseconds Real(std::chrono::seconds simulated) {
    return std::chrono::milliseconds(simulated.count() * 1000 / kSpeed);
  }

  testing::TempDir temp_;
  std::string grpc_address_;
  std::string config_path_;
  Config config_;
  testing::TestBroker broker_;
  std::optional<TestProcess> vmuc_;
  std::unique_ptr<v1::Gateway::Stub> stub_;
};

TEST_F(MeshHealTest, AfterARelayDiesAndALinkDegradesTheStoreHoldsEveryLoadProfileEntry) {
  // 1. Discovery: the collector routes every meter.
  std::optional<v1::MeshTopology> topology;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        topology = Topology();
        return topology && topology->unreachable_meters() == 0 &&
               topology->nodes_size() == static_cast<int>(kMeters) + 1;
      },
      60s))
      << "not every meter routed: "
      << (topology ? std::to_string(topology->unreachable_meters()) : "no topology");

  // The caps hold: at most 15 addresses per route, at most 70 meters per relay.
  std::map<uint32_t, uint32_t> carried;
  for (const v1::MeshNode& node : topology->nodes()) {
    EXPECT_LE(node.route_size(), 15) << node.address();
    EXPECT_LE(node.relayed_for(), 70u) << node.address();
    for (int i = 0; i + 1 < node.route_size(); ++i) ++carried[node.route(i)];
  }
  for (const v1::MeshNode& node : topology->nodes()) {
    EXPECT_EQ(node.relayed_for(), carried[node.address()]) << node.address();
  }

  // 2. Kill the relay that carries the most meters; revive it an hour later.
  const v1::MeshNode* relay = nullptr;
  for (const v1::MeshNode& node : topology->nodes()) {
    if (!node.collector() && (relay == nullptr || node.relayed_for() > relay->relayed_for())) {
      relay = &node;
    }
  }
  ASSERT_NE(relay, nullptr);
  ASSERT_GT(relay->relayed_for(), 0u) << "a grid this size has relays";
  const uint32_t relay_address = relay->address();
  const uint32_t relay_carried = relay->relayed_for();
  v1::MeshFault kill;
  kill.set_action(v1::MeshFault::ACTION_KILL);
  kill.set_node(relay_address);
  ASSERT_TRUE(Inject(kill).ok());
  std::this_thread::sleep_for(Real(1h));
  topology = Topology();
  ASSERT_TRUE(topology.has_value());
  for (const v1::MeshNode& node : topology->nodes()) {
    for (uint32_t hop : node.route()) {
      EXPECT_TRUE(hop != relay_address || node.address() == relay_address)
          << "meter " << node.address() << " still routed through the dead relay";
    }
    EXPECT_LE(node.route_size(), 15);
  }
  std::cerr << "relay " << relay_address << " carried " << relay_carried
            << " meters; an hour after its death " << topology->unreachable_meters()
            << " meters are unreachable\n";
  v1::MeshFault revive = kill;
  revive.set_action(v1::MeshFault::ACTION_REVIVE);
  ASSERT_TRUE(Inject(revive).ok());

  // 3. Degrade a link of the route tree by 30 dB for an hour.
  topology = Topology();
  ASSERT_TRUE(topology.has_value());
  const v1::MeshNode* far = nullptr;
  for (const v1::MeshNode& node : topology->nodes()) {
    if (node.hop_count() >= 2 && (far == nullptr || node.hop_count() > far->hop_count())) {
      far = &node;
    }
  }
  ASSERT_NE(far, nullptr);
  v1::MeshFault degrade;
  degrade.set_action(v1::MeshFault::ACTION_DEGRADE);
  degrade.set_node(far->address());
  degrade.set_peer(far->parent());
  degrade.set_extra_loss_db(30);
  ASSERT_TRUE(Inject(degrade).ok());
  std::cerr << "link " << far->parent() << " - " << far->address() << " (hop " << far->hop_count()
            << ") degraded by 30 dB\n";
  std::this_thread::sleep_for(Real(1h));
  degrade.set_extra_loss_db(0);
  ASSERT_TRUE(Inject(degrade).ok());

  // 4. A bad fault is refused, naming what is wrong.
  v1::MeshFault unknown = kill;
  unknown.set_node(99'999);
  grpc::Status refused = Inject(unknown);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::NOT_FOUND) << refused.error_message();
  EXPECT_NE(refused.error_message().find("99999"), std::string::npos) << refused.error_message();

  // 5. The store holds every entry of every meter from its first stored one up to `until`
  // (the quarter hour after the faults ended, on the mesh's clock), exactly as the meter
  // core logs them.
  topology = Topology();
  ASSERT_TRUE(topology.has_value());
  const TimePoint faults_over = TimePoint(std::chrono::seconds(topology->taken_at().seconds()));
  const TimePoint until = FromUnixSeconds((ToUnixSeconds(faults_over) / 900 + 1) * 900);
  std::this_thread::sleep_for(Real(45min));  // the pushes after `until` reveal the last gaps
  auto setup = meters::FleetSetup(config_.fleet);
  ASSERT_TRUE(setup.ok()) << setup.status();
  std::map<uint32_t, meters::Meter> replicas;
  for (uint32_t i = 0; i < kMeters; ++i) {
    meters::Meter meter(meters::FleetMeter(config_.fleet, i), config_.fleet.epoch,
                        (*setup)->options(), (*setup)->pulse_input(), (*setup)->billing(),
                        (*setup)->load_profile());
    meter.AdvanceTo(until);
    replicas.emplace(i, std::move(meter));
  }
  auto store = gateway::Store::Open(config_.DatabasePath());
  ASSERT_TRUE(store.ok()) << store.status();
  size_t read_back = 0;
  size_t relay_read_back = 0;  // the dead relay's own entries: its pushes were lost
  std::string missing;
  const bool complete = testing::WaitUntil(
      [&] {
        missing.clear();
        read_back = 0;
        relay_read_back = 0;
        for (const auto& [index, meter] : replicas) {
          const std::string id = meter.core().identity().MeterId();
          // From the first entry logged after the mesh came up.
          auto rows = (*store)->ReadProfile(id, kStart + 30min, until, 100'000);
          if (!rows.ok()) return false;
          const auto expected = meter.load_profile()->Select(
              {.from = kStart + 30min, .to = until, .from_entry = 1, .to_entry = 0, .columns = {}});
          if (!expected.ok() || rows->size() != expected->size()) {
            missing = id + ": " + std::to_string(rows->size()) + " of " +
                      std::to_string(expected.ok() ? expected->size() : 0) + " entries";
            return false;
          }
          for (size_t r = 0; r < rows->size(); ++r) {
            const meters::ProfileEntry& entry = (*expected)[r];
            const gateway::ProfileRecord& row = (*rows)[r];
            EXPECT_EQ(row.captured_at, entry.at) << id;
            EXPECT_EQ(row.values, std::vector<uint32_t>(entry.values.begin(),
                                                        entry.values.begin() + entry.channels))
                << id << " at " << FormatRfc3339(entry.at);
            read_back += row.read_back ? 1 : 0;
            if (meter.core().identity().node == relay_address && row.read_back) ++relay_read_back;
          }
        }
        return true;
      },
      Real(4h));
  EXPECT_TRUE(complete) << "the store is missing entries: " << missing;
  EXPECT_GT(relay_read_back, 0u) << "the dead relay's pushes were lost, so some of its entries "
                                    "must have been read back";
  std::cerr << "entries read back by gap filling: " << read_back << "\n";
  topology = Topology();
  ASSERT_TRUE(topology.has_value());
  std::cerr << "mesh: " << topology->frames_delivered() << " of " << topology->frames_sent()
            << " frames delivered end to end, " << topology->frame_hops() << " frame-hops, "
            << topology->queue_drops() << " queue drops, " << topology->unreachable_meters()
            << " unreachable\n";

  // 6. The picture a person can look at.
  const auto svg = testing::RunCommand(std::string(VMUC_BIN_DIR "/vmucctl -s ") + grpc_address_ +
                                       " topology --svg " + temp_.path() + "/mesh.svg");
  EXPECT_EQ(svg.exit_code, 0) << svg.output;
  const std::string picture = testing::ReadFile(temp_.path() + "/mesh.svg");
  EXPECT_NE(picture.find("<svg"), std::string::npos);
  size_t circles = 0;
  for (size_t at = picture.find("<circle"); at != std::string::npos;
       at = picture.find("<circle", at + 1)) {
    ++circles;
  }
  EXPECT_EQ(circles, kMeters);

  vmuc_->Signal(SIGTERM);
  EXPECT_EQ(vmuc_->WaitFor(20s), 0);
}

}  // namespace
}  // namespace vmuc
