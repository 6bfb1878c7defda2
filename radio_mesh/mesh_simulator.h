// MeshSimulator: a discrete-event simulation of a concentrator-driven sub-GHz meter mesh.
//
// What it models
// - Links: LinkModel (link_model.h): log-distance path loss, seeded shadowing, asymmetric
//   directions, per-frame (per-fragment) success, faults. Collisions, carrier sense and
//   half-duplex blocking are not modelled: a transmission only occupies its transmitter
//   (its airtime and duty-cycle budget) and succeeds with the link's probability.
// - Discovery: every node announces itself (HELLO, one local broadcast, no ack) at a
//   seeded instant within announce_window after start, after a revive and after a
//   collector restart, and again every rediscovery_interval at the same phase. Nodes that
//   hear it (one draw on the directed link) keep the sender in their neighbour table with
//   its mean level. Collectors' own tables go straight to the head-end (the gateway's
//   routing brain, shared by all collectors); a nearby meter gets a one-hop route at once.
//   At announce_window after start, and every rediscovery_interval after that, the
//   head-end starts a round: breadth first (by hop count, then address) it sends each
//   routed node a NEIGHBOUR_QUERY down its source route and gets back a NEIGHBOUR_REPORT
//   (the node's table: entries heard within the last interval + window) up the reverse
//   route, at most max_parallel_queries at a time per collector (a query counts against the
//   collector its route starts at; each given up after query_timeout). Both are real frames
//   (airtime, duty cycle, acks, retries). A report replaces what the head-end knew of the
//   links into that node: links no longer heard are forgotten; nodes first heard of get a
//   route through the reporter at once (if the caps allow) and join the round. The first time the
//   round runs dry all routes are recomputed from everything known; later passes route only the
//   meters still unrouted (through the routes in place); newly reached nodes are queried.
// - Joining between rounds: a meter the head-end has not routed repeats its HELLO as a join
//   request, announce_window after the last and then doubling up to rediscovery_interval,
//   so one lost HELLO does not keep it out for a whole interval. A routed meter that hears
//   it over a link the head-end does not know sends an unsolicited NEIGHBOUR_REPORT up its
//   route; the nodes it brings in are queried at once, in a partial round of their own (no
//   full recompute; their routes are greedy until the next periodic round).
// - Routes: per meter a source route minimising the sum of ETX = 1 / (p_fwd * p_rev) over
//   its links (a direction not reported yet is assumed equal to the other), found by a
//   Dijkstra from all live collectors at once in increasing-cost order; a node is settled
//   through a parent only if the route stays within max_route_addresses (relays plus
//   destination) and every relay on it relays for fewer than relay_cap meters (greedy in
//   cost order; ties by address). Installation at the meters is modelled as immediate: a
//   meter uses the reverse of the head-end's current route for its uplinks (in the field
//   every source-routed frame it receives carries it).
// - A hop: the transmitter takes the first sendable frame of its FIFO queue (queue_limit
//   frames; overflow dropped and counted), waits for its duty-cycle budget (RadioOptions::
//   duty_cycle of any hour, ETSI EN 300 220-2 Annex B; the rolling hour is kept in twelve
//   5-minute bins, which errs on the safe side by up to one bin), sends it (airtime of all
//   fragments, success p^fragments), and the receiver acknowledges on the reverse link
//   (acks consume airtime and budget but are never held back; EN 300 220 treats them as
//   part of the exchange). No ack within airtime + ack_timeout: retry after a seeded
//   backoff in [0, retry_backoff), up to hop_retries times. A frame received twice because
//   an ack was lost is acknowledged again but forwarded once.
// - Hop failure: the failing node sends a ROUTE_ERROR naming the broken link back along the
//   path to the originator. At a collector (downlinks, queries) the head-end marks the link
//   unusable, repairs routes (below) and re-sends over the new route. At a meter (uplinks,
//   reports) the meter drops its route and announces ROUTE_LOST (a local broadcast); one
//   neighbour that heard it and has a route avoiding the link's far end (fewest hops, then
//   lowest address) forwards a ROUTE_ERROR to the head-end, which marks and repairs, which
//   installs a new route at the meter, which then re-sends. A repair is incremental: only the
//   meters routed over the broken link (its subtree) lose their routes and are routed again,
//   with the meters still waiting for one, by the same Dijkstra seeded from the routed nodes
//   around them; every other route stays until the round's recompute. Each re-send by an
//   originator is one end-to-end retry; after end_to_end_retries the frame is lost. A
//   link marked unusable stays so until a report lists it as heard after the failure. (If
//   a hop fails only because all its acks were lost, the frame has in fact moved on: the
//   model lets it, as the originator's duplicate re-send would be discarded anyway.)
// - Dead nodes neither send, receive nor relay; their queues are lost. A meter without a
//   route is unreachable; its uplinks wait in its queue until it has one.
// - RestartCollector: the head-end forgets links, routes and rounds; frames queued at the
//   collectors are lost; nodes re-announce and discovery starts over.
// - Broadcast: the collectors send the frame once; every meter hearing it for the first
//   time delivers a copy (destination set to that meter) and re-sends it once; no acks.
//
// Counters: frame_hops counts every single-hop transmission (data, control, HELLO, flood,
// retries included); acknowledgements are not frame-hops and are counted in acks().
// frames_sent / delivered count end-to-end application frames (SendUplink, SendDownlink),
// at the originating meter (uplink) or at both the collector and the meter (downlink);
// broadcasts are not counted there. Latency: hand-over to delivery.
//
// Time is only what AdvanceTo passes in; every random draw comes from the seed in event
// order, so a run is a pure function of (nodes, options, start, the calls made).
// Not thread-safe: one thread drives it; DeliverFn runs on that thread inside AdvanceTo
// and may call Send*/Broadcast (Now() is then the instant of the delivery).
#ifndef VMUC_RADIO_MESH_MESH_SIMULATOR_H_
#define VMUC_RADIO_MESH_MESH_SIMULATOR_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/frame.h"
#include "common/time.h"
#include "radio_mesh/link_model.h"
#include "radio_mesh/mesh_snapshot.h"
#include "radio_mesh/topology.h"

namespace vmuc::radio_mesh {

struct MeshOptions {
  RadioOptions radio;
  uint32_t max_route_addresses = 15;  // relays + destination in a source route
  uint32_t relay_cap = 70;            // meters a node may relay for
  uint32_t hop_retries = 3;           // retransmissions per hop after the first try
  uint32_t end_to_end_retries = 2;    // re-sends by the originator after a route error
  // Beyond the ack's own airtime (0.3 ms at 38.4 kbit/s): the receiver's turnaround (RX to
  // TX, ~1 ms on common transceivers) plus margin.
  Duration ack_timeout = std::chrono::milliseconds(10);
  // Upper bound of the seeded random wait before a retry, so that two nodes that failed
  // together do not retry together.
  Duration retry_backoff = std::chrono::milliseconds(100);
  Duration announce_window = std::chrono::seconds(60);
  Duration rediscovery_interval = std::chrono::hours(1);
  uint32_t queue_limit = 64;  // frames per node's transmit queue
  // Neighbour queries the head-end keeps in flight per collector during a round: enough
  // to keep several branches busy without spending that collector's duty cycle in bursts
  // (each collector's own duty cycle is what limits it, so the round's pace grows with the
  // number of collectors).
  uint32_t max_parallel_queries = 8;
  // The head-end gives up on a report after this (a 15-hop round trip with every retry
  // takes a few seconds; duty-cycle waits can add minutes).
  Duration query_timeout = std::chrono::seconds(120);
  uint64_t seed = 1;
};

class MeshSimulator {
 public:
  // A frame arriving: destination kCollectorNode -> for the gateway; else for that meter.
  using DeliverFn = std::function<void(Frame)>;
  struct Area {
    double x_min_m = 0;
    double y_min_m = 0;
    double x_max_m = 0;
    double y_max_m = 0;
  };

  // Validates the topology (unique 28-bit addresses, collectors at 0 or counting down
  // from kMaxNodeAddress, at least the collector 0) and the options; builds the links.
  static absl::StatusOr<std::unique_ptr<MeshSimulator>> Create(std::vector<MeshNode> nodes,
                                                               MeshOptions options, TimePoint start,
                                                               DeliverFn deliver);
  ~MeshSimulator();
  MeshSimulator(const MeshSimulator&) = delete;
  MeshSimulator& operator=(const MeshSimulator&) = delete;

  // The last AdvanceTo (or start); inside a DeliverFn, the instant of that delivery.
  TimePoint Now() const;
  std::optional<TimePoint> NextEventTime() const;
  // Runs every event due at or before t in time order (ties: insertion order); Now() = t.
  // Moving backwards is ignored.
  void AdvanceTo(TimePoint t);

  // At Now(): from meter frame.source to a collector (destination must be kCollectorNode).
  // Unavailable when the meter is dead; the frame waits in its queue while it has no route.
  absl::Status SendUplink(Frame frame);
  // At Now(): from the collector holding the best route to meter frame.destination.
  // Unavailable when the head-end has no route to it.
  absl::Status SendDownlink(Frame frame);
  // At Now(): the collectors flood the frame to every reachable meter.
  absl::Status Broadcast(Frame frame);

  absl::Status KillNode(NodeAddress address);
  absl::Status ReviveNode(NodeAddress address);
  // Extra loss on both directions of the pair; 0 restores.
  absl::Status DegradeLink(NodeAddress a, NodeAddress b, double extra_loss_db);
  // Cuts the links crossing the area's border.
  absl::Status Partition(Area area);
  absl::Status HealPartition();
  void RestartCollector();

  // The head-end holds a route to the meter (false for unknown addresses and collectors).
  bool Reachable(NodeAddress meter) const;
  // Relays then the meter; empty when unreachable.
  std::vector<NodeAddress> RouteTo(NodeAddress meter) const;
  MeshSnapshot Snapshot() const;
  uint64_t frame_hops() const;
  uint64_t acks() const;
  const LinkModel& links() const;

 private:
  class Impl;
  explicit MeshSimulator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vmuc::radio_mesh

#endif  // VMUC_RADIO_MESH_MESH_SIMULATOR_H_
