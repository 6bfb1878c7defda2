// SimulatedMesh: vmuc-mesh in mesh.mode = "simulated" (docs/radio_mesh.md).
//
// The thin shell around MeshSimulator (a pure discrete-event core): it builds the topology
// from the config, runs the simulator on its own loop thread against the process Clock
// (real or scaled), feeds it the frames the LinkHub receives, hands the frames that make
// it across back to the hub, applies the config's scheduled faults at their instants (those
// already past at start at once, in order) and answers the MeshControl service
// (GetTopology, InjectFault) for the gateway.
//
// Thread-safety: every public function may be called from any thread; the simulator is
// touched only on the loop thread.
#ifndef VMUC_RADIO_MESH_SIMULATED_MESH_H_
#define VMUC_RADIO_MESH_SIMULATED_MESH_H_

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/event_loop.h"
#include "radio_mesh/link_hub.h"
#include "radio_mesh/mesh_simulator.h"
#include "vmuc/link/frames.grpc.pb.h"

namespace vmuc::radio_mesh {

// The simulator's options from the [mesh] section.
MeshOptions MeshOptionsOf(const MeshSection& mesh);
// The nodes: the topology file, or the fleet's meters (addresses 1..fleet.meters) placed
// as mesh.placement says. Errors name the config key or the file line.
absl::StatusOr<std::vector<MeshNode>> MeshNodesOf(const Config& config);
// Applies one fault to `simulator` (InvalidArgument / NotFound naming the node).
absl::Status ApplyFault(MeshSimulator& simulator, const MeshFault& fault);

class SimulatedMesh final : public link::MeshControl::Service {
 public:
  // `clock` must outlive the mesh. Deliveries go to `hub` (set before Start).
  static absl::StatusOr<std::unique_ptr<SimulatedMesh>> Create(const Config& config,
                                                               const Clock& clock);
  ~SimulatedMesh() override;

  void set_hub(LinkHub* hub) { hub_ = hub; }
  void Start();
  void Stop();

  // LinkHub's router: frames from a meter host (uplink) or a collector (downlink).
  void OnFrames(link::Role from, std::vector<Frame> frames);
  absl::Status Inject(const MeshFault& fault);
  MeshSnapshot Snapshot();

  // MeshControl.
  grpc::Status GetTopology(grpc::ServerContext* context, const v1::GetMeshTopologyRequest* request,
                           v1::MeshTopology* response) override;
  grpc::Status InjectFault(grpc::ServerContext* context, const v1::MeshFault* request,
                           v1::InjectMeshFaultResponse* response) override;

 private:
  SimulatedMesh(const Clock& clock, std::vector<MeshFault> faults);
  // Loop thread only.
  void Deliver(Frame frame);
  void Advance();  // to the clock's now, then flush deliveries and re-arm
  void Flush();
  void Rearm();
  // Runs `work` on the loop and waits for it; `if_stopped` when the loop has stopped (or
  // stops before running it), so no caller waits forever at shutdown.
  template <typename T>
  T RunOnLoop(std::function<T()> work, T if_stopped);

  const Clock& clock_;
  const std::vector<MeshFault> faults_;
  ShardLoop loop_;
  std::unique_ptr<MeshSimulator> simulator_;
  LinkHub* hub_ = nullptr;
  std::vector<Frame> uplink_;  // delivered, not yet handed to the hub
  std::vector<Frame> downlink_;
  std::optional<TimerId> timer_;
  std::optional<TimePoint> timer_due_;
  std::atomic<bool> stopped_{false};
};

}  // namespace vmuc::radio_mesh

#endif  // VMUC_RADIO_MESH_SIMULATED_MESH_H_
