// The meter's load-profile push: the entries its load profile (1.1.99.1.0.255) closed
// since the previous push, as a DLMS data-notification (IEC 62056-5-3 DataNotification)
// that the collector stores without a read-out. The rows are those a GET of the profile's
// buffer (attribute 2) returns, so an entry the mesh loses can be read back by range
// (gap filling, docs/radio_mesh.md) and compared with what was pushed, value for value:
//
//   0F <long-invoke-id-and-priority: 4> 0C <date-time: 12, the push instant>
//   02 05                                    structure
//     0A len "VMUC-LP-1"                     list identifier
//     0A 10 <16-digit meter number>
//     06 <capture period, s>                 the profile's attribute 4
//     01 n { 09 06 <channel OBIS> }          the registers after clock and status (Z29)
//     01 m { 02 2+n { 09 0C <clock>  12 <AMR status>  06 <value> ... } }   buffer rows
//
// Pure functions; thread-safe.
#ifndef VMUC_METERS_COSEM_PROFILE_PUSH_H_
#define VMUC_METERS_COSEM_PROFILE_PUSH_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/time.h"
#include "dlms/apdu.h"
#include "dlms/obis.h"
#include "meters/loggers/load_profile.h"
#include "meters/meter.h"

namespace vmuc::meters {

inline constexpr std::string_view kProfilePushListId = "VMUC-LP-1";
// The load profile's logical name (cosem-object-model.md).
inline constexpr dlms::Obis kLoadProfileObis(1, 1, 99, 1, 0, 255);

// The register a load-profile channel logs (Z29; cosem-object-model.md): A+, A-, R+, R-,
// R1..R4 are 1.1.1.8.0 .. 1.1.8.8.0, in the order of LoadProfileChannel.
dlms::Obis LoadProfileChannelObis(LoadProfileChannel channel);

struct ProfileRow {
  TimePoint captured_at{};
  uint16_t status = 0;           // AMR profile status bits
  std::vector<uint32_t> values;  // one per channel, in column order
  friend bool operator==(const ProfileRow&, const ProfileRow&) = default;
};

struct ProfilePush {
  uint32_t invoke_id = 0;  // long-invoke-id (24 bits used)
  std::string meter_id;    // 16 digits
  TimePoint sent_at{};
  uint32_t capture_period_s = 0;
  std::vector<dlms::Obis> channels;
  std::vector<ProfileRow> rows;  // oldest first
  friend bool operator==(const ProfilePush&, const ProfilePush&) = default;
};

// The entries `meter` captured in (after, up_to], pushed at up_to; nullopt when the meter
// has no load profile or captured nothing in that span.
std::optional<ProfilePush> ProfilePushOf(const Meter& meter, TimePoint after, TimePoint up_to,
                                         uint32_t capture_period_s, uint32_t invoke_id);

std::vector<uint8_t> EncodeProfilePush(const ProfilePush& push);

// Decodes and checks a profile push; errors start with "profile push: " and name the
// element that is wrong. NotFound when the APDU is a data-notification of another list
// (so a collector can try the next decoder).
absl::StatusOr<ProfilePush> DecodeProfilePush(std::span<const uint8_t> apdu);

// Selective access by range on a profile's clock column (IEC 62056-6-2 4.3.6, selector
// 1): the entries captured in [from, to], every column.
dlms::SelectiveAccess ProfileRangeAccess(TimePoint from, TimePoint to);

// The rows of a profile buffer read over DLMS (attribute 2, every column): each a
// structure of clock, AMR status and `channels` double-long-unsigned values. Errors name
// the row and column.
absl::StatusOr<std::vector<ProfileRow>> DecodeProfileRows(const dlms::DataValue& buffer,
                                                          size_t channels);

}  // namespace vmuc::meters

#endif  // VMUC_METERS_COSEM_PROFILE_PUSH_H_
