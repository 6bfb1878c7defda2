// LinkHub: the MeshLink service of vmuc-mesh (docs/link_protocol.md).
//
// Meter hosts and collectors attach (one stream each, Hello first). What happens to a
// frame between them is the router's business:
//   - without a router (pass-through mode), uplink frames from a meter host go straight to
//     every attached collector and downlink frames from a collector to the meter host that
//     announced the destination node;
//   - with a router (the simulated mesh, radio_mesh/simulated_mesh.h), every frame is
//     handed to it, and it hands back, with DeliverUplink / DeliverDownlink, the frames
//     that made it across the radio.
// Frames with nowhere to go are dropped and counted.
//
// gRPC runs each Attach on its own thread; writes to one endpoint are serialised by that
// endpoint's mutex while its own handler thread reads. The router is called on the
// sending endpoint's handler thread; the Deliver* functions may be called on any thread.
#ifndef VMUC_RADIO_MESH_LINK_HUB_H_
#define VMUC_RADIO_MESH_LINK_HUB_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "common/frame.h"
#include "vmuc/link/frames.grpc.pb.h"

namespace vmuc::radio_mesh {

class LinkHub final : public link::MeshLink::Service {
 public:
  // `from`: ROLE_METER_HOST (uplink) or ROLE_COLLECTOR (downlink).
  using Router = std::function<void(link::Role from, std::vector<Frame> frames)>;

  LinkHub() = default;
  explicit LinkHub(Router router) : router_(std::move(router)) {}

  grpc::Status Attach(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<link::LinkMessage, link::LinkMessage>* stream) override;

  // To every attached collector.
  void DeliverUplink(const std::vector<Frame>& frames);
  // Each to the meter host that announced its destination.
  void DeliverDownlink(const std::vector<Frame>& frames);

  uint64_t frames_relayed() const { return frames_relayed_.load(); }
  uint64_t frames_dropped() const { return frames_dropped_.load(); }

 private:
  struct Endpoint {
    std::string name;
    link::Role role;
    grpc::ServerReaderWriter<link::LinkMessage, link::LinkMessage>* stream;
    std::mutex write_mutex;
  };

  void Route(const Endpoint& from, const link::FrameBatch& batch);
  void SendUplink(const link::LinkMessage& message, uint64_t frames);
  void SendDownlink(const link::FrameBatch& batch);
  bool Deliver(const std::shared_ptr<Endpoint>& to, const link::LinkMessage& message);

  const Router router_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<Endpoint>> collectors_ ABSL_GUARDED_BY(mutex_);
  std::unordered_map<NodeAddress, std::shared_ptr<Endpoint>> host_of_node_ ABSL_GUARDED_BY(mutex_);
  std::atomic<uint64_t> frames_relayed_{0};
  std::atomic<uint64_t> frames_dropped_{0};
};

}  // namespace vmuc::radio_mesh

#endif  // VMUC_RADIO_MESH_LINK_HUB_H_
