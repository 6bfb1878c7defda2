// PassthroughRelay: the MeshLink service of vmuc-mesh in pass-through mode.
//
// Meter hosts and collectors attach (one stream each, Hello first). Uplink frames from a
// meter host go to every attached collector; downlink frames from a collector go to the
// meter host that announced the destination node. No radio behaviour yet: the simulated
// mesh (topology, loss, latency, routing) replaces this routing step in the radio-mesh
// issue, behind the same service. Frames with nowhere to go are dropped and counted.
//
// gRPC runs each Attach on its own thread; writes to one endpoint are serialised by that
// endpoint's mutex while its own handler thread reads.
#ifndef VMUC_RADIO_MESH_PASSTHROUGH_RELAY_H_
#define VMUC_RADIO_MESH_PASSTHROUGH_RELAY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "common/frame.h"
#include "vmuc/link/frames.grpc.pb.h"

namespace vmuc::radio_mesh {

class PassthroughRelay final : public link::MeshLink::Service {
 public:
  grpc::Status Attach(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<link::LinkMessage, link::LinkMessage>* stream) override;

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
  bool Deliver(const std::shared_ptr<Endpoint>& to, link::LinkMessage& message);

  std::mutex mutex_;
  std::vector<std::shared_ptr<Endpoint>> collectors_ ABSL_GUARDED_BY(mutex_);
  std::unordered_map<NodeAddress, std::shared_ptr<Endpoint>> host_of_node_ ABSL_GUARDED_BY(mutex_);
  std::atomic<uint64_t> frames_relayed_{0};
  std::atomic<uint64_t> frames_dropped_{0};
};

}  // namespace vmuc::radio_mesh

#endif  // VMUC_RADIO_MESH_PASSTHROUGH_RELAY_H_
