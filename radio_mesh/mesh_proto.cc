#include "radio_mesh/mesh_proto.h"

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"

namespace vmuc::radio_mesh {
namespace {

void ToDuration(Duration d, google::protobuf::Duration* out) {
  const int64_t ns = d.count();
  out->set_seconds(ns / 1'000'000'000);
  out->set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
}

Duration FromDuration(const google::protobuf::Duration& d) {
  return std::chrono::seconds(d.seconds()) + std::chrono::nanoseconds(d.nanos());
}

}  // namespace

void ToTimestamp(TimePoint t, google::protobuf::Timestamp* out) {
  *out = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(ToUnixMicros(t));
}

void ToProto(const MeshSnapshot& snapshot, bool all_links, v1::MeshTopology* out) {
  ToTimestamp(snapshot.taken_at, out->mutable_taken_at());
  out->set_mode("simulated");
  out->set_area_width_m(snapshot.area_width_m);
  out->set_area_height_m(snapshot.area_height_m);
  for (const NodeSnapshot& node : snapshot.nodes) {
    v1::MeshNode* n = out->add_nodes();
    n->set_address(node.address);
    n->set_collector(node.collector);
    n->set_x_m(node.x_m);
    n->set_y_m(node.y_m);
    n->set_alive(node.alive);
    n->set_reachable(node.reachable);
    for (NodeAddress hop : node.route) n->add_route(hop);
    n->set_hop_count(node.hop_count);
    n->set_parent(node.parent);
    n->set_parent_rssi_dbm(node.parent_rssi_dbm);
    n->set_parent_link_success(node.parent_link_success);
    n->set_relayed_for(node.relayed_for);
    n->set_frames_sent(node.frames_sent);
    n->set_frames_delivered(node.frames_delivered);
    n->set_delivery_ratio(node.delivery_ratio);
    ToDuration(node.latency_mean, n->mutable_latency_mean());
    ToDuration(node.latency_p95, n->mutable_latency_p95());
    n->set_hop_retries(node.hop_retries);
    n->set_queue_drops(node.queue_drops);
  }
  for (const LinkSnapshot& link : snapshot.links) {
    if (!all_links && !link.in_route) continue;
    v1::MeshLink* l = out->add_links();
    l->set_from(link.from);
    l->set_to(link.to);
    l->set_rssi_dbm(link.rssi_dbm);
    l->set_success(link.success);
    l->set_in_route(link.in_route);
    l->set_degraded(link.degraded);
  }
  out->set_frame_hops(snapshot.frame_hops);
  out->set_frames_sent(snapshot.frames_sent);
  out->set_frames_delivered(snapshot.frames_delivered);
  out->set_queue_drops(snapshot.queue_drops);
  out->set_unreachable_meters(snapshot.unreachable_meters);
}

MeshSnapshot FromProto(const v1::MeshTopology& topology) {
  MeshSnapshot snapshot;
  snapshot.taken_at = FromUnixMicros(
      google::protobuf::util::TimeUtil::TimestampToMicroseconds(topology.taken_at()));
  snapshot.area_width_m = topology.area_width_m();
  snapshot.area_height_m = topology.area_height_m();
  for (const v1::MeshNode& n : topology.nodes()) {
    NodeSnapshot node;
    node.address = n.address();
    node.collector = n.collector();
    node.x_m = n.x_m();
    node.y_m = n.y_m();
    node.alive = n.alive();
    node.reachable = n.reachable();
    node.route.assign(n.route().begin(), n.route().end());
    node.hop_count = n.hop_count();
    node.parent = n.parent();
    node.parent_rssi_dbm = n.parent_rssi_dbm();
    node.parent_link_success = n.parent_link_success();
    node.relayed_for = n.relayed_for();
    node.frames_sent = n.frames_sent();
    node.frames_delivered = n.frames_delivered();
    node.delivery_ratio = n.delivery_ratio();
    node.latency_mean = FromDuration(n.latency_mean());
    node.latency_p95 = FromDuration(n.latency_p95());
    node.hop_retries = n.hop_retries();
    node.queue_drops = n.queue_drops();
    snapshot.nodes.push_back(std::move(node));
  }
  for (const v1::MeshLink& l : topology.links()) {
    LinkSnapshot link;
    link.from = l.from();
    link.to = l.to();
    link.rssi_dbm = l.rssi_dbm();
    link.success = l.success();
    link.in_route = l.in_route();
    link.degraded = l.degraded();
    snapshot.links.push_back(link);
  }
  snapshot.frame_hops = topology.frame_hops();
  snapshot.frames_sent = topology.frames_sent();
  snapshot.frames_delivered = topology.frames_delivered();
  snapshot.queue_drops = topology.queue_drops();
  snapshot.unreachable_meters = topology.unreachable_meters();
  return snapshot;
}

absl::StatusOr<MeshFault> FaultFromProto(const v1::MeshFault& fault, TimePoint at) {
  MeshFault out;
  out.at = at;
  out.node = fault.node();
  out.peer = fault.peer();
  out.extra_loss_db = fault.extra_loss_db();
  out.area_m = {fault.x_min_m(), fault.y_min_m(), fault.x_max_m(), fault.y_max_m()};
  out.where = "InjectMeshFault";
  switch (fault.action()) {
    case v1::MeshFault::ACTION_KILL:
      out.action = "kill";
      break;
    case v1::MeshFault::ACTION_REVIVE:
      out.action = "revive";
      break;
    case v1::MeshFault::ACTION_DEGRADE:
      out.action = "degrade";
      if (!(fault.extra_loss_db() >= 0 && fault.extra_loss_db() <= 200)) {  // NaN too
        return absl::InvalidArgumentError(
            absl::StrCat("extra_loss_db: must be between 0 and 200, got ", fault.extra_loss_db()));
      }
      break;
    case v1::MeshFault::ACTION_PARTITION:
      out.action = "partition";
      if (!(fault.x_min_m() < fault.x_max_m() && fault.y_min_m() < fault.y_max_m())) {
        return absl::InvalidArgumentError(
            "x_min_m, y_min_m, x_max_m, y_max_m: the area needs min < max on both axes");
      }
      break;
    case v1::MeshFault::ACTION_HEAL:
      out.action = "heal";
      break;
    case v1::MeshFault::ACTION_RESTART_COLLECTOR:
      out.action = "restart_collector";
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("action: ", static_cast<int>(fault.action()), " is not a fault"));
  }
  return out;
}

}  // namespace vmuc::radio_mesh
