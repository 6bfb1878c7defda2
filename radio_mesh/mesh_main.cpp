// vmuc-mesh: the radio mesh between the meter hosts and the gateway's collector, served
// as the MeshLink gRPC service on a Unix socket (docs/link_protocol.md).
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "common/die_with_parent.h"
#include "common/logging.h"
#include "common/worker.h"
#include "radio_mesh/passthrough_relay.h"

int main(int argc, char** argv) {
  using namespace vmuc;
  CLI::App app{"vmuc-mesh: the simulated radio mesh"};
  WorkerFlags flags;
  AddWorkerFlags(app, &flags);
  CLI11_PARSE(app, argc, argv);
  // No worker outlives a SIGKILLed supervisor (common/die_with_parent.h).
  if (auto supervisor = SupervisorPidFromEnvironment()) DieWithParent(*supervisor);
  auto config = LoadWorkerConfig(flags);
  if (!config) return kExitBadConfig;
  if (auto status = InitLogging("vmuc-mesh", config->logging.level); !status.ok()) {
    std::fprintf(stderr, "%s\n", std::string(status.message()).c_str());
    return kExitBadConfig;
  }
  std::error_code error;
  std::filesystem::create_directories(config->RunDir(), error);
  if (error) {
    spdlog::critical("{}: cannot create: {}", config->RunDir(), error.message());
    return kExitFailure;
  }
  // A socket left by a killed predecessor would make the bind fail.
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
