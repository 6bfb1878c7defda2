#include "common/service_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace vmuc {

ServiceNotifier ServiceNotifier::TakeFromEnvironment() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  const char* usec = std::getenv("WATCHDOG_USEC");
  const char* pid = std::getenv("WATCHDOG_PID");
  std::optional<std::chrono::microseconds> watchdog;
  uint64_t usec_value = 0;
  int64_t pid_value = 0;
  // WATCHDOG_PID names the process systemd watches; a value for another pid is not ours.
  const bool watchdog_is_ours =
      pid == nullptr || (absl::SimpleAtoi(pid, &pid_value) && pid_value == ::getpid());
  if (usec != nullptr && absl::SimpleAtoi(usec, &usec_value) && usec_value > 0 &&
      watchdog_is_ours) {
    watchdog = std::chrono::microseconds(usec_value);
  }
  ServiceNotifier notifier(socket != nullptr ? socket : "", watchdog);
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  return notifier;
}

absl::Status ServiceNotifier::Notify(std::string_view state) const {
  if (!enabled()) return absl::OkStatus();
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  // sd_notify(3): a path, or '@' for an abstract-namespace name (leading NUL on the wire).
  if (socket_path_.size() >= sizeof(address.sun_path) ||
      (socket_path_[0] != '/' && socket_path_[0] != '@')) {
    return absl::InvalidArgumentError(
        absl::StrCat("NOTIFY_SOCKET '", socket_path_, "': not a socket path or @name"));
  }
  socket_path_.copy(address.sun_path, socket_path_.size());
  if (address.sun_path[0] == '@') address.sun_path[0] = '\0';
  const socklen_t length =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path_.size());
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  // MSG_DONTWAIT: a manager that does not read (its queue holds net.unix.max_dgram_qlen
  // datagrams, 10 by default) must not stall the caller's event loop; the message is lost
  // and the caller told.
  const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                                reinterpret_cast<const sockaddr*>(&address), length);
  const int saved = errno;
  ::close(fd);
  if (sent != static_cast<ssize_t>(state.size())) {
    return absl::UnavailableError(
        absl::StrCat("notify ", socket_path_, ": ", std::strerror(saved)));
  }
  return absl::OkStatus();
}

}  // namespace vmuc
