// Conversions between the mesh's plain types (MeshSnapshot, config MeshFault) and their
// vmuc.v1 messages, for vmuc-mesh, the gateway and vmucctl. Pure; thread-safe.
#ifndef VMUC_RADIO_MESH_MESH_PROTO_H_
#define VMUC_RADIO_MESH_MESH_PROTO_H_

#include "absl/status/statusor.h"
#include "common/config.h"
#include "radio_mesh/mesh_snapshot.h"
#include "vmuc/v1/mesh.pb.h"

namespace vmuc::radio_mesh {

// The largest GetMeshTopology answer the gateway and vmucctl accept (gRPC's default is
// 4 MB): a million-node mesh with its route tree.
inline constexpr int kMaxTopologyBytes = 512 << 20;

void ToTimestamp(TimePoint t, google::protobuf::Timestamp* out);
void ToProto(const MeshSnapshot& snapshot, bool all_links, v1::MeshTopology* out);
MeshSnapshot FromProto(const v1::MeshTopology& topology);
// InvalidArgument naming the field that a fault's action needs and lacks.
absl::StatusOr<MeshFault> FaultFromProto(const v1::MeshFault& fault, TimePoint at);

}  // namespace vmuc::radio_mesh

#endif  // VMUC_RADIO_MESH_MESH_PROTO_H_
