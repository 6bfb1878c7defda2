// vmuc-mesh: the radio mesh between the meter hosts and the gateway's collector, served
// as the MeshLink gRPC service on a Unix socket (docs/link_protocol.md).
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "common/clock.h"
#include "common/worker.h"
#include "radio_mesh/link_hub.h"
#include "radio_mesh/simulated_mesh.h"

int main(int argc, char** argv) {
  using namespace vmuc;
  WorkerStart start = StartWorker("vmuc-mesh", "the simulated radio mesh", argc, argv);
  if (!start.config) return start.exit_code;
  const Config* config = &*start.config;
  // A socket left by a killed predecessor would make the bind fail.
  std::error_code error;
  std::filesystem::remove(config->MeshSocketPath(), error);

  // Pass-through: frames go straight across. Simulated: through the radio mesh, which
  // also answers MeshControl (the gateway's GetMeshTopology and InjectMeshFault).
  std::unique_ptr<radio_mesh::SimulatedMesh> mesh;
  std::unique_ptr<radio_mesh::LinkHub> relay;
  const auto clock = MakeClock(*config, start.flags.time_anchor_unix_us);
  if (config->mesh.mode == "simulated") {
    auto created = radio_mesh::SimulatedMesh::Create(*config, *clock);
    if (!created.ok()) {
      spdlog::critical("{}", created.status().ToString());
      return kExitBadConfig;
    }
    mesh = *std::move(created);
    relay =
        std::make_unique<radio_mesh::LinkHub>([&mesh](link::Role from, std::vector<Frame> frames) {
          mesh->OnFrames(from, std::move(frames));
        });
    mesh->set_hub(relay.get());
  } else {
    relay = std::make_unique<radio_mesh::LinkHub>();
  }
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + config->MeshSocketPath(), grpc::InsecureServerCredentials());
  builder.RegisterService(relay.get());
  if (mesh) builder.RegisterService(mesh.get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) {
    spdlog::critical("cannot listen on unix:{}", config->MeshSocketPath());
    return kExitFailure;
  }
  if (mesh) mesh->Start();
  spdlog::info("mesh ({}) listening on unix:{}", config->mesh.mode, config->MeshSocketPath());

  asio::io_context io;
  OnTerminationSignal(io, [&](int signal_number) {
    spdlog::info("signal {}: stopping", signal_number);
    io.stop();
  });
  io.run();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  if (mesh) mesh->Stop();
  spdlog::info("stopped; relayed {} frames, dropped {}", relay->frames_relayed(),
               relay->frames_dropped());
  return kExitOk;
}
