// Small socket helpers at the edge of the system.
#ifndef VMUC_COMMON_NET_H_
#define VMUC_COMMON_NET_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace vmuc {

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
// For starting children such as a broker on a free loopback port; the caller must cope
// with the rare race of another process taking it first.
absl::StatusOr<uint16_t> PickFreeLoopbackPort();

}  // namespace vmuc

#endif  // VMUC_COMMON_NET_H_
