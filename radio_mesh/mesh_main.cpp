// vmuc-mesh: the radio mesh between the meter hosts and the gateway's collector, served
// as the MeshLink gRPC service on a Unix socket (docs/link_protocol.md).
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "common/worker.h"
#include "radio_mesh/passthrough_relay.h"

int main(int argc, char** argv) {
  using namespace vmuc;
  WorkerStart start = StartWorker("vmuc-mesh", "the simulated radio mesh", argc, argv);
  if (!start.config) return start.exit_code;
  const Config* config = &*start.config;
  // A socket left by a killed predecessor would make the bind fail.
  std::error_code error;
  std::filesystem::remove(config->MeshSocketPath(), error);

  radio_mesh::PassthroughRelay relay;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + config->MeshSocketPath(), grpc::InsecureServerCredentials());
  builder.RegisterService(&relay);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) {
    spdlog::critical("cannot listen on unix:{}", config->MeshSocketPath());
    return kExitFailure;
  }
  spdlog::info("mesh ({}) listening on unix:{}", config->mesh.mode, config->MeshSocketPath());

  asio::io_context io;
  OnTerminationSignal(io, [&](int signal_number) {
    spdlog::info("signal {}: stopping", signal_number);
    io.stop();
  });
  io.run();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  spdlog::info("stopped; relayed {} frames, dropped {}", relay.frames_relayed(),
               relay.frames_dropped());
  return kExitOk;
}
