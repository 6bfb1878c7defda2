// systemd's service notification protocol (sd_notify(3), "Type=notify" in
// systemd.service(5)) spoken directly: one datagram of "KEY=VALUE" lines to the
// AF_UNIX socket named by $NOTIFY_SOCKET. No libsystemd, so the same binary runs where
// there is no systemd (Docker, a developer's shell), where every call is a no-op.
#ifndef VMUC_COMMON_SERVICE_NOTIFY_H_
#define VMUC_COMMON_SERVICE_NOTIFY_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace vmuc {

class ServiceNotifier {
 public:
  // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID and removes them from the
  // environment, so children (a mosquitto built with systemd support would announce
  // itself) do not speak for the service; sd_notify(3)'s unset_environment.
  static ServiceNotifier TakeFromEnvironment();

  ServiceNotifier() = default;  // notifies nobody
  ServiceNotifier(std::string socket_path, std::optional<std::chrono::microseconds> watchdog)
      : socket_path_(std::move(socket_path)), watchdog_(watchdog) {}

  bool enabled() const { return !socket_path_.empty(); }

  // The keep-alive period systemd expects (WatchdogSec=), when it watches this process.
  // sd_watchdog_enabled(3) advises a ping at half of it.
  std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_; }

  // Sends `state`, e.g. "READY=1\nSTATUS=100 meters". OK and nothing sent when disabled.
  // Never blocks: Unavailable when the manager's queue is full.
  absl::Status Notify(std::string_view state) const;

 private:
  std::string socket_path_;  // "@name" is Linux's abstract namespace
  std::optional<std::chrono::microseconds> watchdog_;
};

}  // namespace vmuc

#endif  // VMUC_COMMON_SERVICE_NOTIFY_H_
