// vmuc-mesh's simulated mode as a shell: the config's faults, those already past at start
// applied at once and the later ones at their instant on the run's (scaled) clock; a fault
// on request; frames from the link hub crossing the radio and coming back to it.
#include "radio_mesh/simulated_mesh.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/test_process.h"

namespace vmuc::radio_mesh {
namespace {

using namespace std::chrono_literals;

constexpr int64_t kSpeed = 600;

Config MeshConfig(TimePoint start) {
  Config config;
  config.source = "test.toml";
  config.fleet.meters = 9;
  config.mesh.mode = "simulated";
  config.mesh.spacing_m = 200;
  MeshFault past;
  past.at = start - 1h;
  past.action = "kill";
  past.node = 5;
  past.where = "test.toml:10:1";
  MeshFault later = past;
  later.at = start + 10min;  // one real second at speed 600
  later.action = "revive";
  later.where = "test.toml:14:1";
  config.mesh.faults = {past, later};
  return config;
}

const NodeSnapshot* Node(const MeshSnapshot& snapshot, NodeAddress address) {
  for (const NodeSnapshot& node : snapshot.nodes) {
    if (node.address == address) return &node;
  }
  return nullptr;
}

TEST(SimulatedMeshTest, AppliesTheConfigsFaultsOnTheRunsClock) {
  const TimePoint start = TimePoint(std::chrono::seconds(1'767'225'600));
  const auto anchor = std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  ScaledClock clock(start, anchor, kSpeed);
  auto mesh = SimulatedMesh::Create(MeshConfig(start), clock);
  ASSERT_TRUE(mesh.ok()) << mesh.status();
  (*mesh)->Start();
  EXPECT_FALSE(Node((*mesh)->Snapshot(), 5)->alive) << "a fault already past is applied at start";
  ASSERT_TRUE(testing::WaitUntil([&] { return Node((*mesh)->Snapshot(), 5)->alive; }, 10s))
      << "the revive at start + 10 min";
  EXPECT_GE(clock.Now(), start + 10min);

  MeshFault kill;
  kill.action = "kill";
  kill.node = 3;
  kill.where = "test";
  EXPECT_TRUE((*mesh)->Inject(kill).ok());
  EXPECT_FALSE(Node((*mesh)->Snapshot(), 3)->alive);
  kill.node = 77;
  const absl::Status unknown = (*mesh)->Inject(kill);
  EXPECT_TRUE(absl::IsNotFound(unknown) || absl::IsInvalidArgument(unknown)) << unknown;
  EXPECT_NE(unknown.message().find("77"), std::string::npos) << unknown;
  (*mesh)->Stop();
}

TEST(SimulatedMeshTest, FramesCrossTheRadioToTheHub) {
  const TimePoint start = TimePoint(std::chrono::seconds(1'767'225'600));
  const auto anchor = std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  ScaledClock clock(start, anchor, kSpeed);
  Config config = MeshConfig(start);
  config.mesh.faults.clear();
  // No collector is attached to the hub: what reaches it is counted as dropped there, which
  // is how this test sees that frames crossed the radio. Declared before the mesh, so the
  // mesh (and its loop, which delivers to the hub) goes first even if an assertion fails.
  absl::StatusOr<std::unique_ptr<SimulatedMesh>> mesh;
  LinkHub hub([&](link::Role from, std::vector<Frame> frames) {
    (*mesh)->OnFrames(from, std::move(frames));
  });
  mesh = SimulatedMesh::Create(config, clock);
  ASSERT_TRUE(mesh.ok()) << mesh.status();
  (*mesh)->set_hub(&hub);
  (*mesh)->Start();
  // Routes exist once discovery ran (a minute of simulated time at most: 0.1 s here).
  ASSERT_TRUE(testing::WaitUntil([&] { return (*mesh)->Snapshot().unreachable_meters == 0; }, 10s));
  Frame push;
  push.source = 9;
  push.destination = kCollectorNode;
  push.payload = {0x0F, 1, 2, 3};
  (*mesh)->OnFrames(link::ROLE_METER_HOST, {push});
  ASSERT_TRUE(testing::WaitUntil([&] { return hub.frames_dropped() == 1; }, 10s));
  EXPECT_EQ(Node((*mesh)->Snapshot(), 9)->frames_delivered, 1u);

  // A downlink to the broadcast address floods: one copy for each of the nine meters.
  Frame sync;
  sync.source = kCollectorNode;
  sync.destination = kBroadcastNode;
  sync.payload = {0x0F, 9};
  (*mesh)->OnFrames(link::ROLE_COLLECTOR, {sync});
  ASSERT_TRUE(testing::WaitUntil([&] { return hub.frames_dropped() == 1 + 9; }, 10s))
      << hub.frames_dropped();
  (*mesh)->Stop();
}

TEST(SimulatedMeshTest, FaultsRunInTimeOrderAndNameUnknownNodes) {
  const TimePoint start = TimePoint(std::chrono::seconds(1'767'225'600));
  ScaledClock clock(start, std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()),
                    kSpeed);
  // Listed revive first, kill second, both past: in time order the node ends dead, as an
  // uninterrupted run left it.
  Config config = MeshConfig(start);
  config.mesh.faults[0].at = start - 1h;  // kill
  config.mesh.faults[1].at = start - 2h;  // revive, earlier
  std::swap(config.mesh.faults[0], config.mesh.faults[1]);
  auto mesh = SimulatedMesh::Create(config, clock);
  ASSERT_TRUE(mesh.ok()) << mesh.status();
  (*mesh)->Start();
  EXPECT_FALSE(Node((*mesh)->Snapshot(), 5)->alive);
  (*mesh)->Stop();
  EXPECT_TRUE(absl::IsUnavailable((*mesh)->Inject(config.mesh.faults[0])));

  config.mesh.faults[0].node = 42;
  const auto unknown = SimulatedMesh::Create(config, clock);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("test.toml:14:1: mesh.faults: node 42"),
            std::string::npos)
      << unknown.status();
}

TEST(SimulatedMeshTest, ATopologyFileMustPlaceEveryMeter) {
  const TimePoint start = TimePoint(std::chrono::seconds(1'767'225'600));
  ScaledClock clock(start, start, 1);
  testing::TempDir dir;
  const std::string path = dir.path() + "/mesh.csv";
  std::ofstream(path) << "collector,0,0,0\nmeter,1,100,0\nmeter,2,200,0\n";
  Config config = MeshConfig(start);
  config.mesh.faults.clear();
  config.mesh.placement = "file";
  config.mesh.topology_file = path;
  config.fleet.meters = 3;
  auto mesh = SimulatedMesh::Create(config, clock);
  ASSERT_FALSE(mesh.ok());
  EXPECT_NE(mesh.status().message().find("meter node 3 of the fleet"), std::string::npos)
      << mesh.status();
  config.fleet.meters = 2;
  EXPECT_TRUE(SimulatedMesh::Create(config, clock).ok());
}

TEST(SimulatedMeshTest, ABadTopologyIsNamed) {
  const TimePoint start = TimePoint(std::chrono::seconds(1'767'225'600));
  ScaledClock clock(start, start, 1);
  Config config = MeshConfig(start);
  config.mesh.placement = "file";
  config.mesh.topology_file = "/nonexistent/mesh.csv";
  auto mesh = SimulatedMesh::Create(config, clock);
  ASSERT_FALSE(mesh.ok());
  EXPECT_NE(mesh.status().message().find("/nonexistent/mesh.csv"), std::string::npos)
      << mesh.status();
}

}  // namespace
}  // namespace vmuc::radio_mesh
