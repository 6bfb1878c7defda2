// Frame: one radio frame as the meter and collector cores see it, free of any transport.
// The link layer (radio_mesh/link_*) maps it to vmuc.link.RadioFrame on the wire.
#ifndef VMUC_COMMON_FRAME_H_
#define VMUC_COMMON_FRAME_H_

#include <cstdint>
#include <vector>

#include "common/time.h"

namespace vmuc {

// 28-bit radio node address; the collector is node 0 (kCollectorNode).
using NodeAddress = uint32_t;
inline constexpr NodeAddress kCollectorNode = 0;
inline constexpr NodeAddress kMaxNodeAddress = (1u << 28) - 1;
// A downlink to every meter (the mesh floods it; e.g. time synchronisation). Never a
// node's own address: further collectors count down from kMaxNodeAddress - 1.
inline constexpr NodeAddress kBroadcastNode = kMaxNodeAddress;

enum class PayloadKind : uint8_t {
  kDlmsApdu = 1,      // an xDLMS APDU (IEC 62056-5-3)
  kMbusTelegram = 2,  // an EN 13757-3 telegram
  // A wrapper PDU (IEC 62056-47) of a DLMS session between the collector and a meter:
  // source and destination wPorts are the client SAP and the meter's logical device.
  kDlmsWrapper = 3,
};

struct Frame {
  NodeAddress source = 0;
  NodeAddress destination = 0;
  PayloadKind kind = PayloadKind::kDlmsApdu;
  std::vector<uint8_t> payload;
  TimePoint sent_at{};
  // The collector's session the frame belongs to (kDlmsWrapper): one per client connection
  // it relays, so that a meter keeps their associations apart, as a real meter keeps those
  // of separate TCP connections. 0: none.
  uint64_t session = 0;
};

}  // namespace vmuc

#endif  // VMUC_COMMON_FRAME_H_
