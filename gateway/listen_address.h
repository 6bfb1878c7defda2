// Listen-address policy (design.md, "Secure by default"): plain-text listeners only on
// loopback; a non-loopback address needs TLS, which comes with the API issue's TLS support.
#ifndef VMUC_GATEWAY_LISTEN_ADDRESS_H_
#define VMUC_GATEWAY_LISTEN_ADDRESS_H_

#include <string_view>

#include "absl/status/status.h"

namespace vmuc::gateway {

// Accepts "127.x.y.z:port", "localhost:port", "[::1]:port" and "unix:/path".
absl::Status CheckListenAddress(std::string_view address);

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_LISTEN_ADDRESS_H_
