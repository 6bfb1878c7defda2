#include "common/net.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace vmuc {

absl::StatusOr<uint16_t> PickFreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int saved = errno;
    ::close(fd);
    return absl::InternalError(absl::StrCat("bind 127.0.0.1:0: ", std::strerror(saved)));
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

namespace {

absl::Status ConnectOnce(int family, const sockaddr* address, socklen_t length,
                         std::chrono::milliseconds timeout, std::string_view shown) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  // On Linux SO_SNDTIMEO bounds a blocking connect() too (socket(7)).
  timeval limit{};
  limit.tv_sec = timeout.count() / 1000;
  limit.tv_usec = (timeout.count() % 1000) * 1000;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
  const int result = ::connect(fd, address, length);
  const int saved = errno;
  ::close(fd);
  if (result == 0) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("connect ", std::string(shown), ": ", std::strerror(saved)));
}

}  // namespace

absl::Status ProbeStreamListener(std::string_view address, std::chrono::milliseconds timeout) {
  const std::string_view shown = address;
  if (address.starts_with("unix:")) {
    address.remove_prefix(5);
    sockaddr_un unix_address{};
    unix_address.sun_family = AF_UNIX;
    if (address.empty() || address.size() >= sizeof(unix_address.sun_path)) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", std::string(shown), "': not a usable unix socket path"));
    }
    address.copy(unix_address.sun_path, address.size());
    return ConnectOnce(AF_UNIX, reinterpret_cast<const sockaddr*>(&unix_address),
                       sizeof(unix_address), timeout, shown);
  }
  if (const size_t scheme = address.find("://"); scheme != std::string_view::npos) {
    address.remove_prefix(scheme + 3);
  }
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == address.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", std::string(shown), "': expected host:port"));
  }
  std::string host(address.substr(0, colon));
  const std::string port(address.substr(colon + 1));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int error = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); error != 0) {
    return absl::UnavailableError(
        absl::StrCat("'", std::string(shown), "': ", ::gai_strerror(error)));
  }
  absl::Status status =
      absl::UnavailableError(absl::StrCat("'", std::string(shown), "': no address"));
  for (const addrinfo* each = found; each != nullptr; each = each->ai_next) {
    status = ConnectOnce(each->ai_family, each->ai_addr, each->ai_addrlen, timeout, shown);
    if (status.ok()) break;
  }
  ::freeaddrinfo(found);
  return status;
}

}  // namespace vmuc
