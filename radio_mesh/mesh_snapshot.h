// MeshSnapshot: what the mesh looks like at one instant, as the collector and the simulator
// see it. Produced by MeshSimulator::Snapshot(); rendered by topology_render (DOT, SVG),
// served by the gateway's GetMeshTopology and printed by `vmucctl topology`.
#ifndef VMUC_RADIO_MESH_MESH_SNAPSHOT_H_
#define VMUC_RADIO_MESH_MESH_SNAPSHOT_H_

#include <cstdint>
#include <vector>

#include "common/frame.h"
#include "common/time.h"

namespace vmuc::radio_mesh {

struct NodeSnapshot {
  NodeAddress address = 0;
  bool collector = false;  // a collector (the gateway's radio), not a meter
  double x_m = 0;          // position on the area, metres
  double y_m = 0;
  bool alive = true;       // false: killed by a fault
  bool reachable = false;  // the collector holds a route to it (collectors: true when alive)
  // The collector's source route to it: the relays then the node itself (at most the
  // route cap, 15); empty when unreachable. hop_count = route.size(); parent = the last
  // relay, or the collector when the route is direct.
  std::vector<NodeAddress> route;
  uint32_t hop_count = 0;
  NodeAddress parent = 0;
  double parent_rssi_dbm = 0;      // mean received level from the parent (0 when unreachable)
  double parent_link_success = 0;  // probability a frame crosses parent -> node, 0..1
  uint32_t relayed_for = 0;        // meters whose route runs through this node (relay cap)
  // End-to-end counters of frames this node originated or that were addressed to it.
  uint64_t frames_sent = 0;       // handed to the mesh
  uint64_t frames_delivered = 0;  // reached their destination
  double delivery_ratio = 0;      // delivered / sent (1 when nothing was sent)
  Duration latency_mean{};        // hand-over to delivery, delivered frames only
  Duration latency_p95{};         // over the latest 256 delivered frames
  uint64_t hop_retries = 0;  // retransmissions of frames this node transmitted
  uint64_t queue_drops = 0;  // frames dropped because its transmit queue was full
};

struct LinkSnapshot {
  NodeAddress from = 0;  // the link as the collector knows it: a neighbour-table entry
  NodeAddress to = 0;
  double rssi_dbm = 0;    // mean level `to` receives from `from`, faults included
  double success = 0;     // probability one frame crosses, 0..1
  bool in_route = false;  // part of some node's current source route
  bool degraded = false;  // a degrade or partition fault applies to it now
};

struct MeshSnapshot {
  TimePoint taken_at{};
  double area_width_m = 0;  // bounding box of the nodes
  double area_height_m = 0;
  std::vector<NodeSnapshot> nodes;  // collectors first, then meters by address
  std::vector<LinkSnapshot> links;
  // Fleet totals.
  uint64_t frame_hops = 0;  // single-hop transmissions, retries included
  uint64_t frames_sent = 0;
  uint64_t frames_delivered = 0;
  uint64_t queue_drops = 0;
  uint32_t unreachable_meters = 0;
};

}  // namespace vmuc::radio_mesh

#endif  // VMUC_RADIO_MESH_MESH_SNAPSHOT_H_
