#include "common/worker.h"

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/die_with_parent.h"
#include "common/logging.h"
#include "common/strings.h"

namespace vmuc {

void AddWorkerFlags(CLI::App& app, WorkerFlags* flags) {
  app.add_option("-c,--config", flags->config_path, "configuration file (TOML)")
      ->capture_default_str();
  app.add_option("--time-anchor-unix-us", flags->time_anchor_unix_us,
                 "simulated time: the wall-clock instant (Unix µs) at which time.start was")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--mqtt-broker", flags->mqtt_broker, "override mqtt.broker");
}

std::optional<Config> LoadWorkerConfig(const WorkerFlags& flags) {
  auto config = LoadConfigFile(flags.config_path);
  if (!config.ok()) {
    std::cerr << config.status().message() << "\n";
    return std::nullopt;
  }
  if (!flags.mqtt_broker.empty()) config->mqtt.broker = flags.mqtt_broker;
  return *std::move(config);
}

std::unique_ptr<Clock> MakeClock(const Config& config, std::optional<int64_t> anchor_unix_us) {
  if (config.time.mode == TimeMode::kReal) return std::make_unique<RealClock>();
  const TimePoint anchor = anchor_unix_us ? FromUnixMicros(*anchor_unix_us) : RealClock().Now();
  return std::make_unique<ScaledClock>(config.time.start, anchor, config.time.speed);
}

absl::Status CreateDirectories(const std::string& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat(path, ": cannot create: ", error.message()));
  }
  return absl::OkStatus();
}

WorkerStart StartWorker(std::string_view program, std::string_view description, int argc,
                        char** argv, const std::function<void(CLI::App&)>& add_flags) {
  WorkerStart start;
  CLI::App app{std::string(program) + ": " + std::string(description)};
  AddWorkerFlags(app, &start.flags);
  if (add_flags) add_flags(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    start.exit_code = app.exit(error) == 0 ? kExitOk : kExitBadConfig;
    return start;
  }
  // No worker outlives a SIGKILLed supervisor; before any thread starts.
  if (auto supervisor = SupervisorPidFromEnvironment()) DieWithParent(*supervisor);
  auto config = LoadWorkerConfig(start.flags);
  if (!config) {
    start.exit_code = kExitBadConfig;
    return start;
  }
  if (auto status = InitLogging(program, config->logging.level); !status.ok()) {
    std::cerr << status.message() << "\n";
    start.exit_code = kExitBadConfig;
    return start;
  }
  if (auto status = CreateDirectories(config->RunDir()); !status.ok()) {
    std::cerr << status.message() << "\n";
    start.exit_code = kExitFailure;
    return start;
  }
  start.config = std::move(config);
  return start;
}

void OnTerminationSignal(asio::io_context& io, std::function<void(int)> on_signal) {
  auto signals = std::make_shared<asio::signal_set>(io, SIGTERM, SIGINT);
  signals->async_wait([signals, on_signal = std::move(on_signal)](
                          const boost::system::error_code& error, int signal_number) {
    if (!error) on_signal(signal_number);
  });
}

}  // namespace vmuc
