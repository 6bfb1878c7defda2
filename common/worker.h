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

// The start of every worker's main(): parses the common flags, ties the process to its
// supervisor (common/die_with_parent.h), loads the config, sets up logging as `program`
// and creates the run directory. `config` is set when the worker should go on; otherwise
// main returns `exit_code` (0 after --help, 2 for bad flags or config, 1 otherwise).
struct WorkerStart {
  std::optional<Config> config;
  WorkerFlags flags;
  int exit_code = kExitOk;
};
// `add_flags` adds the worker's own flags to the common ones.
WorkerStart StartWorker(std::string_view program, std::string_view description, int argc,
                        char** argv, const std::function<void(CLI::App&)>& add_flags = {});

// Creates `path` and its parents; the error names the path.
absl::Status CreateDirectories(const std::string& path);

// Calls `on_signal` on the loop when SIGTERM or SIGINT arrives (once).
void OnTerminationSignal(asio::io_context& io, std::function<void(int)> on_signal);

}  // namespace vmuc

#endif  // VMUC_COMMON_WORKER_H_
