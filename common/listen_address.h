// Listen-address policy (design.md, "Secure by default"): plain-text listeners only on
// loopback; a non-loopback address needs TLS, which comes with the API issue's TLS support.
#ifndef VMUC_COMMON_LISTEN_ADDRESS_H_
#define VMUC_COMMON_LISTEN_ADDRESS_H_

#include <string_view>

#include "absl/status/status.h"

namespace vmuc {

// Accepts "127.x.y.z:port", "localhost:port", "[::1]:port" and "unix:/path"; any
// HOST:PORT when `allow_non_loopback` (gateway.allow_plaintext_non_loopback).
absl::Status CheckListenAddress(std::string_view address, bool allow_non_loopback = false);

}  // namespace vmuc

#endif  // VMUC_COMMON_LISTEN_ADDRESS_H_
