// The mesh's API messages: a snapshot survives the trip through vmuc.v1.MeshTopology (what
// vmucctl draws is what the simulator saw), and faults from the API name what they lack.
#include "radio_mesh/mesh_proto.h"

#include <gtest/gtest.h>

namespace vmuc::radio_mesh {
namespace {

using namespace std::chrono_literals;

MeshSnapshot Example() {
  MeshSnapshot snapshot;
  snapshot.taken_at = TimePoint(std::chrono::seconds(1'767'225'600)) + 250ms;
  snapshot.area_width_m = 300;
  snapshot.area_height_m = 200;
  NodeSnapshot collector;
  collector.address = 0;
  collector.collector = true;
  collector.reachable = true;
  NodeSnapshot meter;
  meter.address = 7;
  meter.x_m = 120.5;
  meter.y_m = -3;
  meter.reachable = true;
  meter.route = {4, 7};
  meter.hop_count = 2;
  meter.parent = 4;
  meter.parent_rssi_dbm = -92.5;
  meter.parent_link_success = 0.97;
  meter.frames_sent = 10;
  meter.frames_delivered = 9;
  meter.delivery_ratio = 0.9;
  meter.latency_mean = 130ms;
  meter.latency_p95 = 1s + 250us;
  meter.hop_retries = 3;
  meter.queue_drops = 1;
  snapshot.nodes = {collector, meter};
  LinkSnapshot used;
  used.from = 4;
  used.to = 7;
  used.rssi_dbm = -92.5;
  used.success = 0.97;
  used.in_route = true;
  LinkSnapshot spare = used;
  spare.from = 5;
  spare.in_route = false;
  spare.degraded = true;
  snapshot.links = {used, spare};
  snapshot.frame_hops = 1234;
  snapshot.frames_sent = 10;
  snapshot.frames_delivered = 9;
  snapshot.unreachable_meters = 0;
  return snapshot;
}

void ExpectSameNodes(const MeshSnapshot& a, const MeshSnapshot& b) {
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    EXPECT_EQ(a.nodes[i].address, b.nodes[i].address);
    EXPECT_EQ(a.nodes[i].route, b.nodes[i].route);
    EXPECT_EQ(a.nodes[i].latency_p95, b.nodes[i].latency_p95);
    EXPECT_EQ(a.nodes[i].latency_mean, b.nodes[i].latency_mean);
    EXPECT_DOUBLE_EQ(a.nodes[i].x_m, b.nodes[i].x_m);
    EXPECT_DOUBLE_EQ(a.nodes[i].parent_link_success, b.nodes[i].parent_link_success);
    EXPECT_EQ(a.nodes[i].queue_drops, b.nodes[i].queue_drops);
  }
}

TEST(MeshProtoTest, ASnapshotSurvivesTheApi) {
  v1::MeshTopology all;
  ToProto(Example(), /*all_links=*/true, &all);
  const MeshSnapshot back = FromProto(all);
  EXPECT_EQ(back.taken_at, Example().taken_at);
  ExpectSameNodes(back, Example());
  ASSERT_EQ(back.links.size(), 2u);
  EXPECT_TRUE(back.links[1].degraded);
  EXPECT_EQ(back.frame_hops, 1234u);

  v1::MeshTopology routes_only;
  ToProto(Example(), /*all_links=*/false, &routes_only);
  ASSERT_EQ(routes_only.links_size(), 1);
  EXPECT_EQ(routes_only.links(0).from(), 4u);
}

TEST(MeshProtoTest, FaultsNameWhatIsWrong) {
  const TimePoint at = TimePoint(std::chrono::seconds(1'767'225'600));
  v1::MeshFault fault;
  EXPECT_NE(FaultFromProto(fault, at).status().message().find("action"), std::string::npos);
  fault.set_action(v1::MeshFault::ACTION_PARTITION);
  fault.set_x_min_m(10);
  fault.set_x_max_m(5);
  EXPECT_NE(FaultFromProto(fault, at).status().message().find("min < max"), std::string::npos);
  fault.set_x_max_m(50);
  fault.set_y_max_m(20);
  auto partition = FaultFromProto(fault, at);
  ASSERT_TRUE(partition.ok()) << partition.status();
  EXPECT_EQ(partition->action, "partition");
  EXPECT_EQ(partition->area_m[2], 50);
  fault.set_action(v1::MeshFault::ACTION_DEGRADE);
  fault.set_extra_loss_db(-3);
  EXPECT_NE(FaultFromProto(fault, at).status().message().find("extra_loss_db"), std::string::npos);
}

}  // namespace
}  // namespace vmuc::radio_mesh
