#include "radio_mesh/simulated_mesh.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "radio_mesh/mesh_proto.h"
#include "radio_mesh/topology.h"

namespace vmuc::radio_mesh {

MeshOptions MeshOptionsOf(const MeshSection& mesh) {
  MeshOptions options;
  options.radio.frequency_mhz = mesh.frequency_mhz;
  options.radio.tx_power_dbm = mesh.tx_power_dbm;
  options.radio.sensitivity_dbm = mesh.sensitivity_dbm;
  options.radio.path_loss_exponent = mesh.path_loss_exponent;
  options.radio.shadowing_sigma_db = mesh.shadowing_sigma_db;
  options.radio.data_rate_bps = mesh.data_rate_bps;
  options.radio.duty_cycle = mesh.duty_cycle;
  options.max_route_addresses = mesh.max_route_addresses;
  options.relay_cap = mesh.relay_cap;
  options.hop_retries = mesh.hop_retries;
  options.end_to_end_retries = mesh.end_to_end_retries;
  options.rediscovery_interval = mesh.rediscovery_interval;
  options.seed = mesh.seed;
  return options;
}

absl::StatusOr<std::vector<MeshNode>> MeshNodesOf(const Config& config) {
  if (config.mesh.placement == "file") {
    VMUC_ASSIGN_OR_RETURN(std::vector<MeshNode> nodes, LoadTopologyFile(config.mesh.topology_file));
    // Every meter of the fleet (node i + 1) must stand somewhere: one left out would never
    // be heard from, silently.
    std::vector<bool> placed(size_t{config.fleet.meters} + 1, false);
    for (const MeshNode& node : nodes) {
      if (!node.collector && node.address <= config.fleet.meters) placed[node.address] = true;
    }
    for (uint32_t address = 1; address <= config.fleet.meters; ++address) {
      if (!placed[address]) {
        return absl::InvalidArgumentError(absl::StrCat(
            config.source, ": mesh.topology_file: meter node ", address, " of the fleet (",
            config.fleet.meters, " meters) is not in ", config.mesh.topology_file));
      }
    }
    return nodes;
  }
  PlacementOptions placement;
  placement.placement = config.mesh.placement == "random"    ? Placement::kRandom
                        : config.mesh.placement == "streets" ? Placement::kClusteredStreets
                                                             : Placement::kGrid;
  placement.meters = config.fleet.meters;
  placement.collectors = config.mesh.collectors;
  placement.spacing_m = config.mesh.spacing_m;
  placement.seed = config.mesh.seed;
  auto nodes = PlaceNodes(placement);
  if (!nodes.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(config.source, ": [mesh]: ", nodes.status().message()));
  }
  return nodes;
}

absl::Status ApplyFault(MeshSimulator& simulator, const MeshFault& fault) {
  absl::Status status;
  if (fault.action == "kill") {
    status = simulator.KillNode(fault.node);
  } else if (fault.action == "revive") {
    status = simulator.ReviveNode(fault.node);
  } else if (fault.action == "degrade") {
    status = simulator.DegradeLink(fault.node, fault.peer, fault.extra_loss_db);
  } else if (fault.action == "partition") {
    status = simulator.Partition({.x_min_m = fault.area_m[0],
                                  .y_min_m = fault.area_m[1],
                                  .x_max_m = fault.area_m[2],
                                  .y_max_m = fault.area_m[3]});
  } else if (fault.action == "heal") {
    status = simulator.HealPartition();
  } else if (fault.action == "restart_collector") {
    simulator.RestartCollector();
  } else {
    status = absl::InvalidArgumentError(absl::StrCat("unknown fault action '", fault.action, "'"));
  }
  if (!status.ok()) {
    return absl::Status(status.code(), absl::StrCat(fault.where, ": ", status.message()));
  }
  return status;
}

absl::StatusOr<std::unique_ptr<SimulatedMesh>> SimulatedMesh::Create(const Config& config,
                                                                     const Clock& clock) {
  VMUC_ASSIGN_OR_RETURN(std::vector<MeshNode> nodes, MeshNodesOf(config));
  // A fault naming a node the mesh does not have is a config error now, not a log line
  // when its instant comes.
  std::set<NodeAddress> addresses;
  for (const MeshNode& node : nodes) addresses.insert(node.address);
  for (const MeshFault& fault : config.mesh.faults) {
    const bool one = fault.action == "kill" || fault.action == "revive";
    const bool two = fault.action == "degrade";
    for (NodeAddress address : {fault.node, fault.peer}) {
      if ((one && address == fault.node) || two) {
        if (!addresses.contains(address)) {
          return absl::InvalidArgumentError(
              absl::StrCat(fault.where, ": mesh.faults: node ", address, " is not in the mesh"));
        }
      }
      if (one) break;
    }
  }
  // In time order, whatever the file's order: the faults already past at start are then
  // applied as an uninterrupted run applied them.
  std::vector<MeshFault> faults = config.mesh.faults;
  std::stable_sort(faults.begin(), faults.end(),
                   [](const MeshFault& a, const MeshFault& b) { return a.at < b.at; });
  std::unique_ptr<SimulatedMesh> mesh(new SimulatedMesh(clock, std::move(faults)));
  SimulatedMesh* self = mesh.get();
  auto simulator = MeshSimulator::Create(std::move(nodes), MeshOptionsOf(config.mesh), clock.Now(),
                                         [self](Frame frame) { self->Deliver(std::move(frame)); });
  if (!simulator.ok()) {
    return absl::Status(simulator.status().code(),
                        absl::StrCat(config.source, ": [mesh]: ", simulator.status().message()));
  }
  mesh->simulator_ = *std::move(simulator);
  return mesh;
}

SimulatedMesh::SimulatedMesh(const Clock& clock, std::vector<MeshFault> faults)
    : clock_(clock), faults_(std::move(faults)), loop_("mesh", clock) {}

SimulatedMesh::~SimulatedMesh() { Stop(); }

void SimulatedMesh::Start() {
  loop_.Post([this] {
    const TimePoint now = clock_.Now();
    simulator_->AdvanceTo(now);
    for (const MeshFault& fault : faults_) {
      auto apply = [this, &fault] {
        Advance();
        if (auto status = ApplyFault(*simulator_, fault); !status.ok()) {
          spdlog::error("mesh: fault: {}", status.ToString());
        } else {
          spdlog::info("mesh: fault applied: {} ({})", fault.action, fault.where);
        }
        Rearm();
      };
      if (fault.at <= now) {
        apply();  // a restarted mesh catches up with the faults of its time line
      } else {
        loop_.scheduler().ScheduleAt(fault.at, apply);
      }
    }
    Flush();
    Rearm();
  });
  loop_.Start();
}

void SimulatedMesh::Stop() {
  stopped_.store(true);
  loop_.Stop();
}

void SimulatedMesh::OnFrames(link::Role from, std::vector<Frame> frames) {
  loop_.Post([this, from, frames = std::move(frames)]() mutable {
    Advance();
    for (Frame& frame : frames) {
      const NodeAddress source = frame.source;
      const NodeAddress destination = frame.destination;
      absl::Status status;
      if (from == link::ROLE_METER_HOST) {
        status = simulator_->SendUplink(std::move(frame));
      } else if (destination == kBroadcastNode) {
        status = simulator_->Broadcast(std::move(frame));
      } else {
        status = simulator_->SendDownlink(std::move(frame));
      }
      if (!status.ok()) {
        // The radio would not have carried it (dead sender, no route): lost, as on air.
        spdlog::debug("mesh: frame {} -> {} not sent: {}", source, destination, status.ToString());
      }
    }
    Flush();
    Rearm();
  });
}

void SimulatedMesh::Deliver(Frame frame) {
  if (frame.destination == kCollectorNode) {
    uplink_.push_back(std::move(frame));
  } else {
    downlink_.push_back(std::move(frame));
  }
}

void SimulatedMesh::Advance() {
  const TimePoint now = clock_.Now();
  if (now > simulator_->Now()) simulator_->AdvanceTo(now);
}

void SimulatedMesh::Flush() {
  if (hub_ == nullptr) {
    uplink_.clear();
    downlink_.clear();
    return;
  }
  if (!uplink_.empty()) hub_->DeliverUplink(std::exchange(uplink_, {}));
  if (!downlink_.empty()) hub_->DeliverDownlink(std::exchange(downlink_, {}));
}

void SimulatedMesh::Rearm() {
  const std::optional<TimePoint> next = simulator_->NextEventTime();
  if (next == timer_due_) return;
  if (timer_) loop_.scheduler().Cancel(*timer_);
  timer_.reset();
  timer_due_ = next;
  if (!next) return;
  timer_ = loop_.scheduler().ScheduleAt(*next, [this] {
    timer_.reset();
    timer_due_.reset();
    Advance();
    Flush();
    Rearm();
  });
}

template <typename T>
T SimulatedMesh::RunOnLoop(std::function<T()> work, T if_stopped) {
  if (stopped_.load()) return if_stopped;
  auto result = std::make_shared<std::promise<T>>();
  std::future<T> answer = result->get_future();
  loop_.Post([result, work = std::move(work)] { result->set_value(work()); });
  try {
    return answer.get();
  } catch (const std::future_error&) {
    return if_stopped;  // the loop stopped and dropped the task with its promise
  }
}

absl::Status SimulatedMesh::Inject(const MeshFault& fault) {
  return RunOnLoop<absl::Status>(
      [&] {
        Advance();
        absl::Status status = ApplyFault(*simulator_, fault);
        Flush();
        Rearm();
        if (status.ok()) spdlog::info("mesh: fault applied on request: {}", fault.action);
        return status;
      },
      absl::UnavailableError("the mesh is stopping"));
}

MeshSnapshot SimulatedMesh::Snapshot() {
  return RunOnLoop<MeshSnapshot>(
      [&] {
        Advance();
        Flush();
        Rearm();
        return simulator_->Snapshot();
      },
      MeshSnapshot{});
}

grpc::Status SimulatedMesh::GetTopology(grpc::ServerContext*,
                                        const v1::GetMeshTopologyRequest* request,
                                        v1::MeshTopology* response) {
  ToProto(Snapshot(), request->all_links(), response);
  return grpc::Status::OK;
}

grpc::Status SimulatedMesh::InjectFault(grpc::ServerContext*, const v1::MeshFault* request,
                                        v1::InjectMeshFaultResponse* response) {
  const TimePoint now = clock_.Now();
  auto fault = FaultFromProto(*request, now);
  if (!fault.ok()) {
    return {grpc::StatusCode::INVALID_ARGUMENT, std::string(fault.status().message())};
  }
  absl::Status status = Inject(*fault);
  if (!status.ok()) {
    return {
        absl::IsNotFound(status) ? grpc::StatusCode::NOT_FOUND : grpc::StatusCode::INVALID_ARGUMENT,
        std::string(status.message())};
  }
  ToTimestamp(now, response->mutable_applied_at());
  return grpc::Status::OK;
}

}  // namespace vmuc::radio_mesh
