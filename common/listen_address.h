// Listen-address policy (design.md, "Secure by default"): plain-text listeners only on
// loopback; beyond it the gRPC API needs TLS (common/config.cc, CheckApiSecurity) or the
// explicit plain-text opt-in.
#ifndef VMUC_COMMON_LISTEN_ADDRESS_H_
#define VMUC_COMMON_LISTEN_ADDRESS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace vmuc {

// "HOST:PORT" taken apart: an IPv6 host loses its brackets ("[::1]:4059" -> "::1").
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
// InvalidArgument "'<address>' is not HOST:PORT (e.g. 127.0.0.1:50051)" when there is no
// colon or the port is not 0..65535.
absl::StatusOr<HostPort> ParseHostPort(std::string_view address);

// Accepts "127.x.y.z:port", "localhost:port", "[::1]:port" and "unix:/path"; any
// HOST:PORT when `allow_non_loopback` (gateway.allow_plaintext_non_loopback).
absl::Status CheckListenAddress(std::string_view address, bool allow_non_loopback = false);

}  // namespace vmuc

#endif  // VMUC_COMMON_LISTEN_ADDRESS_H_
