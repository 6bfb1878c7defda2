// How vmucctl shows API answers to a person: aligned tables, and exact decimal values
// (value * 10^scaler printed without floating point, so 123456 with scaler -3 is 123.456).
#ifndef VMUC_GATEWAY_CTL_CTL_FORMAT_H_
#define VMUC_GATEWAY_CTL_CTL_FORMAT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "vmuc/v1/gateway.pb.h"

namespace vmuc::gateway {

std::string ScaledDecimal(int64_t value, int32_t scaler);
std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp);

// Columns padded to their widest cell, two spaces apart; the first row is the header.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

std::string MetersTable(const std::vector<v1::Meter>& meters);
std::string RegistersTable(const v1::ReadRegistersResponse& response);
// One line per event: "SEQ  AT  METER  KIND  DETAILS".
std::string EventLine(const v1::Event& event);

// `vmucctl mesh-fault` arguments: kill NODE | revive NODE | degrade NODE PEER DB |
// partition X0 Y0 X1 Y1 | heal | restart-collector. InvalidArgument naming the argument.
absl::StatusOr<v1::MeshFault> ParseMeshFault(const std::vector<std::string>& args);

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_CTL_CTL_FORMAT_H_
