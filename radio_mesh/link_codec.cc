#include "radio_mesh/link_codec.h"

#include "absl/strings/str_cat.h"

namespace vmuc::radio_mesh {

void ToWire(const Frame& frame, link::RadioFrame* wire) {
  wire->set_source(frame.source);
  wire->set_destination(frame.destination);
  switch (frame.kind) {
    case PayloadKind::kDlmsApdu:
      wire->set_kind(link::PAYLOAD_DLMS_APDU);
      break;
    case PayloadKind::kMbusTelegram:
      wire->set_kind(link::PAYLOAD_MBUS_TELEGRAM);
      break;
    case PayloadKind::kDlmsWrapper:
      wire->set_kind(link::PAYLOAD_DLMS_WRAPPER);
      break;
  }
  wire->set_session(frame.session);
  wire->set_payload(frame.payload.data(), frame.payload.size());
  wire->set_sent_at_unix_us(ToUnixMicros(frame.sent_at));
}

absl::StatusOr<Frame> FromWire(const link::RadioFrame& wire) {
  Frame frame;
  switch (wire.kind()) {
    case link::PAYLOAD_DLMS_APDU:
      frame.kind = PayloadKind::kDlmsApdu;
      break;
    case link::PAYLOAD_MBUS_TELEGRAM:
      frame.kind = PayloadKind::kMbusTelegram;
      break;
    case link::PAYLOAD_DLMS_WRAPPER:
      frame.kind = PayloadKind::kDlmsWrapper;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("RadioFrame.kind: unknown payload kind ", wire.kind()));
  }
  if (wire.source() > kMaxNodeAddress || wire.destination() > kMaxNodeAddress) {
    return absl::InvalidArgumentError(
        absl::StrCat("RadioFrame.source/destination: node address beyond 28 bits (", wire.source(),
                     " -> ", wire.destination(), ")"));
  }
  frame.source = wire.source();
  frame.destination = wire.destination();
  frame.payload.assign(wire.payload().begin(), wire.payload().end());
  frame.sent_at = FromUnixMicros(wire.sent_at_unix_us());
  frame.session = wire.session();
  return frame;
}

}  // namespace vmuc::radio_mesh
