#include "common/worker.h"

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>

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

void OnTerminationSignal(asio::io_context& io, std::function<void(int)> on_signal) {
  auto signals = std::make_shared<asio::signal_set>(io, SIGTERM, SIGINT);
  signals->async_wait([signals, on_signal = std::move(on_signal)](
                          const boost::system::error_code& error, int signal_number) {
    if (!error) on_signal(signal_number);
  });
}


}  // namespace vmuc
