// What every vmuc process does at start-up, in one place: the common flags, loading and
// overriding the config, logging, choosing the clock, and waiting for SIGTERM/SIGINT on
// an Asio loop (signal handlers do no work themselves; style.md).
#ifndef VMUC_COMMON_WORKER_H_
#define VMUC_COMMON_WORKER_H_

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/asio.h"
#include "common/clock.h"
#include "common/config.h"

namespace vmuc {

// Exit codes shared by every vmuc program.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadConfig = 2;  // bad config file or command-line argument

struct WorkerFlags {
  std::string config_path = "config/vmuc.toml";
  // Set by the supervisor for its children; a worker run alone leaves them empty.
  std::optional<int64_t> time_anchor_unix_us;  // simulated time line shared by the run
  std::string mqtt_broker;                     // overrides mqtt.broker (a child broker)
};

void AddWorkerFlags(CLI::App& app, WorkerFlags* flags);

// Loads the config and applies the overrides; on error prints one line to stderr.
std::optional<Config> LoadWorkerConfig(const WorkerFlags& flags);

// Real time, or simulated time at time.speed anchored at `anchor` (now, when absent).
std::unique_ptr<Clock> MakeClock(const Config& config, std::optional<int64_t> anchor_unix_us);

// Calls `on_signal` on the loop when SIGTERM or SIGINT arrives (once).
void OnTerminationSignal(asio::io_context& io, std::function<void(int)> on_signal);

}  // namespace vmuc

#endif  // VMUC_COMMON_WORKER_H_
