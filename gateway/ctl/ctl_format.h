// How vmucctl shows API answers to a person: aligned tables, and exact decimal values
// (value * 10^scaler printed without floating point, so 123456 with scaler -3 is 123.456).
#ifndef VMUC_GATEWAY_CTL_CTL_FORMAT_H_
#define VMUC_GATEWAY_CTL_CTL_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>
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

// `vmucctl profile --from/--to`: an RFC 3339 UTC time ("2026-01-01T00:00:00Z", optional
// .fff). InvalidArgument naming `option`.
absl::StatusOr<google::protobuf::Timestamp> ParseTimeOption(std::string_view option,
                                                            std::string_view text);

// `vmucctl profile --csv`, streamed: the header "captured_at,status,<obis>..." before the
// first entry, then one line per entry: RFC 3339 capture time, the AMR status and each
// channel's raw integer, exactly as stored. Feed the chunks in order. One CSV has one set
// of columns: a chunk whose channels differ from the first's is refused
// (FailedPrecondition naming the entry's time, so the range can be split there).
class ProfileCsv {
 public:
  absl::StatusOr<std::string> Add(const v1::LoadProfileChunk& chunk);
  // The header alone when no entry came (its channels unknown: "captured_at,status").
  std::string Finish() const;

 private:
  bool header_written_ = false;
  std::vector<std::string> channels_;
};

// `vmucctl profile` as a table: CAPTURED AT, STATUS, one column per channel and READ BACK;
// a new header where the channels change.
std::string ProfileTable(const std::vector<v1::LoadProfileChunk>& chunks);

// `vmucctl billing` as a table: one row per value, CAPTURED AT (the period end), OBIS,
// VALUE (exact decimal), UNIT, and MAX AT: a maximum's own time, "-" for a maximum the
// period never reached, empty for the other registers.
std::string BillingTable(const std::vector<v1::BillingPeriod>& periods);
// `vmucctl billing --csv`: the header "captured_at,obis,value,scaler,unit,value_at", then one
// line per value, raw integers exactly as stored; value_at is the register's captured_at
// (a maximum's own time, the period end for others; empty when it has none).
std::string BillingCsvHeader();
std::string BillingCsvLines(const v1::BillingPeriod& period);

// "3d 04:05:06", or "04:05:06" under a day.
std::string FormatUptime(uint64_t seconds);
// `vmucctl status`: one "NAME  value" line per figure; "-" for a live figure the gateway
// does not report.
std::string StatusTable(const v1::GatewayStatus& status);

// `vmucctl --token-file`: the token is the file's first line that is neither blank nor a
// '#' comment, trimmed. InvalidArgument when there is none, or the line has a blank inside.
absl::StatusOr<std::string> ParseTokenFile(std::string_view text);

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_CTL_CTL_FORMAT_H_
