// vmuc: the supervisor. Starts a broker (when none is configured), vmuc-mesh,
// vmuc-gateway and vmuc-meterd from one config, restarts a child that dies, and on
// SIGTERM/SIGINT stops them all and exits 0 with no child left behind.
//
//   vmuc [--config FILE] [--mqtt-broker URL]   run the gateway
//   vmuc check-config FILE          validate a config file (exit 2 when it is bad)
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/asio.h"
#include "common/event_loop.h"
#include "common/logging.h"
#include "common/net.h"
#include "common/service_notify.h"
#include "common/version.h"
#include "common/worker.h"
#include "dlms/key_store.h"
#include "gateway/supervisor/process_supervisor.h"
#include "meters/fleet.h"

namespace {

using namespace vmuc;

std::filesystem::path ExecutableDir() {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path();
}

// The helpers sit beside vmuc in a build tree and in libexec once installed.
std::filesystem::path HelperDir() {
  const std::filesystem::path beside = ExecutableDir();
  if (std::filesystem::exists(beside / "vmuc-meterd")) return beside;
  return kInstalledHelperDir;
}

// A mosquitto of our own on a free loopback port, persisting under data_dir/mosquitto so
// queued QoS 1 messages survive a broker restart.
absl::StatusOr<std::pair<supervisor::ChildSpec, std::string>> ChildBroker(const Config& config) {
  auto port = PickFreeLoopbackPort();
  if (!port.ok()) return port.status();
  const std::string dir = config.gateway.data_dir + "/mosquitto";
  if (auto status = CreateDirectories(dir); !status.ok()) return status;
  const std::string conf_path = config.RunDir() + "/mosquitto.conf";
  std::ofstream conf(conf_path);
  conf << "# written by vmuc at start-up; edits are lost\n"
       << "listener " << *port << " 127.0.0.1\n"
       << "allow_anonymous true\n"
       << "persistence true\n"
       << "persistence_location " << dir << "/\n"
       << "log_dest stderr\n"
       << "log_type error\nlog_type warning\nlog_type notice\n";
  if (!conf) return absl::UnavailableError(absl::StrCat(conf_path, ": cannot write"));
  supervisor::ChildSpec spec;
  spec.name = "mosquitto";
  spec.argv = {config.mqtt.mosquitto, "-c", conf_path};
  return std::make_pair(spec, absl::StrCat("tcp://127.0.0.1:", *port));
}

// How long the supervisor waits for its children to listen before it says "up" anyway.
constexpr std::chrono::seconds kReadinessLimit{30};
constexpr std::chrono::milliseconds kReadinessPoll{100};

// Polls until every address accepts a connection, then calls on_done(true); after
// kReadinessLimit calls on_done(false). The probes are loopback connects (microseconds).
void WhenListening(Scheduler& scheduler, std::vector<std::string> addresses,
                   std::function<void(bool)> on_done) {
  const TimePoint deadline = scheduler.Now() + kReadinessLimit;
  RunEvery(scheduler, kReadinessPoll,
           [&scheduler, deadline, addresses = std::move(addresses), on_done = std::move(on_done)] {
             bool all_listening = true;
             for (const std::string& address : addresses) {
               if (!ProbeStreamListener(address, kReadinessPoll).ok()) all_listening = false;
             }
             if (!all_listening && scheduler.Now() < deadline) return true;  // poll again
             on_done(all_listening);
             return false;
           });
}

void NotifyOrLog(const ServiceNotifier& systemd, std::string_view state) {
  if (auto status = systemd.Notify(state); !status.ok()) {
    spdlog::warn("systemd notification: {}", status.ToString());
  }
}

// WatchdogSec=: a keep-alive at half the period (sd_watchdog_enabled(3)) from the
// supervisor's own loop, so a wedged loop lets systemd restart the service.
void KeepWatchdogFed(Scheduler& scheduler, const ServiceNotifier& systemd) {
  if (!systemd.watchdog_interval()) return;
  RunEvery(scheduler, *systemd.watchdog_interval() / 2, [&systemd] {
    NotifyOrLog(systemd, "WATCHDOG=1");
    return true;
  });
}

int CheckConfig(const std::string& path) {
  auto config = LoadConfigFile(path);
  if (!config.ok()) {
    std::cerr << config.status().message() << "\n";
    return kExitBadConfig;
  }
  if (auto setup = meters::FleetSetup(config->fleet); !setup.ok()) {
    std::cerr << setup.status().message() << "\n";
    return kExitBadConfig;
  }
  std::cout << path << ": ok (" << config->fleet.meters << " meters, gRPC on "
            << config->gateway.grpc_listen << ")\n";
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vmuc: virtual multi-utility controller (supervisor)"};
  WorkerFlags flags;
  app.add_option("-c,--config", flags.config_path, "configuration file (TOML)")
      ->capture_default_str();
  app.add_option("--mqtt-broker", flags.mqtt_broker,
                 "use this broker (tcp://host:port) instead of the config's mqtt.broker");
  app.set_version_flag("--version", absl::StrCat("vmuc ", kVersion));
  std::string check_path;
  auto* check = app.add_subcommand("check-config", "validate a configuration file");
  check->add_option("file", check_path, "the file to check")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? kExitOk : kExitBadConfig;
  }
  if (*check) return CheckConfig(check_path);
  // Before any child exists: the children must not inherit systemd's socket.
  const ServiceNotifier systemd = ServiceNotifier::TakeFromEnvironment();

  auto config = LoadWorkerConfig(flags);
  if (!config) return kExitBadConfig;
  // Bad meter codes stop the run here, with the config's file and line, not in a child.
  if (auto setup = meters::FleetSetup(config->fleet); !setup.ok()) {
    std::cerr << setup.status().message() << "\n";
    return kExitBadConfig;
  }
  if (const std::string& broker = config->mqtt.broker;
      !broker.empty() && (!broker.starts_with("tcp://") || broker.rfind(':') < 6)) {
    std::cerr << (flags.mqtt_broker.empty() ? config->source + ": mqtt.broker" : "--mqtt-broker")
              << ": '" << broker << "' is not tcp://HOST:PORT\n";
    return kExitBadConfig;
  }
  if (auto status = InitLogging("vmuc", config->logging.level); !status.ok()) {
    std::cerr << status.message() << "\n";
    return kExitBadConfig;
  }
  if (auto status = CreateDirectories(config->RunDir()); !status.ok()) {
    spdlog::critical("{}", status.ToString());
    return kExitFailure;
  }
  // The meters' DLMS keys: made once, like a host's SSH keys, and kept (docs/dlms.md).
  if (auto status = CreateDirectories(
          std::filesystem::path(config->DlmsKeyStorePath()).parent_path().string());
      !status.ok()) {
    spdlog::critical("{}", status.ToString());
    return kExitFailure;
  }
  if (auto created = dlms::KeyStore::CreateIfMissing(config->DlmsKeyStorePath()); !created.ok()) {
    spdlog::critical("DLMS key store: {}", created.status().ToString());
    return kExitFailure;
  } else if (*created) {
    spdlog::info("DLMS key store {} created (random master secret, mode 0600)",
                 config->DlmsKeyStorePath());
  }

  std::vector<supervisor::ChildSpec> children;
  std::string broker = config->mqtt.broker;
  if (broker.empty()) {
    auto child_broker = ChildBroker(*config);
    if (!child_broker.ok()) {
      spdlog::critical("broker: {}", child_broker.status().ToString());
      return kExitFailure;
    }
    children.push_back(child_broker->first);
    broker = child_broker->second;
  }

  const std::string config_path = std::filesystem::absolute(flags.config_path);
  std::vector<std::string> common_args = {"--config", config_path, "--mqtt-broker", broker};
  if (config->time.mode == TimeMode::kSimulated) {
    // One anchor for the whole run: a restarted child rejoins the same simulated time line.
    common_args.push_back("--time-anchor-unix-us");
    common_args.push_back(std::to_string(ToUnixMicros(RealClock().Now())));
  }
  const std::filesystem::path bin = ExecutableDir();
  const std::filesystem::path helper_dir = HelperDir();
  for (const char* name : {"vmuc-mesh", "vmuc-gateway", "vmuc-meterd"}) {
    supervisor::ChildSpec spec;
    spec.name = name;
    spec.argv = {(helper_dir / name).string()};
    spec.argv.insert(spec.argv.end(), common_args.begin(), common_args.end());
    children.push_back(std::move(spec));
  }

  asio::io_context io;
  const RealClock real_clock;
  AsioScheduler scheduler(io, real_clock);
  supervisor::SupervisorOptions options;
  options.restart_backoff_initial = config->supervisor.restart_backoff_initial;
  options.restart_backoff_max = config->supervisor.restart_backoff_max;
  options.crash_loop_limit = config->supervisor.crash_loop_limit;
  options.crash_loop_window = config->supervisor.crash_loop_window;
  options.stop_timeout = config->supervisor.stop_timeout;
  options.pid_dir = config->RunDir();
  int exit_code = kExitOk;
  supervisor::ProcessSupervisor processes(io, options);
  processes.set_on_fatal([&](const absl::Status& status) {
    spdlog::critical("giving up: {}", status.ToString());
    NotifyOrLog(systemd, absl::StrCat("STOPPING=1\nSTATUS=giving up: ", status.message()));
    exit_code = kExitFailure;
    processes.Stop([&io] { io.stop(); });
  });
  if (auto status = processes.Start(children); !status.ok()) {
    spdlog::critical("{}", status.ToString());
    processes.Stop([&io] { io.stop(); });
    io.run();
    return kExitFailure;
  }
  const std::string broker_hostport = broker.substr(broker.find("://") + 3);
  const std::string broker_host = broker_hostport.substr(0, broker_hostport.rfind(':'));
  const std::string broker_port = broker_hostport.substr(broker_hostport.rfind(':') + 1);
  auto announce = [&](bool ready) {
    if (!ready) {
      spdlog::warn("the broker ({}) or gRPC ({}) does not accept connections yet after {} s",
                   broker, config->gateway.grpc_listen, kReadinessLimit.count());
    }
    std::cout << "vmuc is up: " << config->fleet.meters << " meters, gRPC on "
              << config->gateway.grpc_listen << ", MQTT broker " << broker << "\n"
              << "Look at it with:\n"
              << "  " << (bin / "vmucctl").string() << " --server " << config->gateway.grpc_listen
              << " meters\n"
              << "  mosquitto_sub -h " << broker_host << " -p " << broker_port << " -t '"
              << config->mqtt.topic_prefix << "/" << config->gateway.name << "/#' -v\n"
              << "Stop with Ctrl-C." << std::endl;
    // Type=notify: systemd holds back units ordered after vmuc until this arrives. Late
    // children still count as started (they are restarted if they die), so READY is sent
    // either way, with a status saying which.
    NotifyOrLog(systemd,
                absl::StrCat("READY=1\nSTATUS=", config->fleet.meters, " meters, gRPC on ",
                             config->gateway.grpc_listen, ready ? "" : " (not all listening yet)"));
  };
  // "Up" is said once the broker and the gRPC API accept connections, so the commands
  // printed work when a user types them (the children start listening a moment later).
  WhenListening(scheduler, {broker, config->gateway.grpc_listen}, announce);

  KeepWatchdogFed(scheduler, systemd);
  OnTerminationSignal(io, [&](int signal_number) {
    spdlog::info("signal {}: stopping every child", signal_number);
    NotifyOrLog(systemd, "STOPPING=1");
    processes.Stop([&io] { io.stop(); });
  });
  io.run();
  spdlog::info("stopped");
  return exit_code;
}
