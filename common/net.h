// Small socket helpers at the edge of the system.
#ifndef VMUC_COMMON_NET_H_
#define VMUC_COMMON_NET_H_

#include <chrono>
#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace vmuc {

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
// For starting children such as a broker on a free loopback port; the caller must cope
// with the rare race of another process taking it first.
absl::StatusOr<uint16_t> PickFreeLoopbackPort();

// Whether a stream listener accepts a connection now: "host:port", "[v6]:port", a
// "tcp://host:port" URL or "unix:/path". The connection is closed at once. For readiness
// checks (a child has started listening); connect() gives up after `timeout`.
absl::Status ProbeStreamListener(std::string_view address,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(1));

}  // namespace vmuc

#endif  // VMUC_COMMON_NET_H_
