// Conversion between the cores' Frame (common/frame.h) and the wire's vmuc.link.RadioFrame.
#ifndef VMUC_RADIO_MESH_LINK_CODEC_H_
#define VMUC_RADIO_MESH_LINK_CODEC_H_

#include "absl/status/statusor.h"
#include "common/frame.h"
#include "vmuc/link/frames.pb.h"

namespace vmuc::radio_mesh {

void ToWire(const Frame& frame, link::RadioFrame* wire);
// Rejects unknown payload kinds and node addresses beyond 28 bits, naming the field.
absl::StatusOr<Frame> FromWire(const link::RadioFrame& wire);

}  // namespace vmuc::radio_mesh

#endif  // VMUC_RADIO_MESH_LINK_CODEC_H_
