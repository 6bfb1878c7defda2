// The xDLMS DATA-NOTIFICATION APDU (IEC 62056-5-3, DataNotification service; DLMS Green
// Book, xDLMS APDU ASN.1: tag [15]): how a meter pushes unsolicited data, e.g. the
// consumer-port lists (cosem-object-model.md, "Consumer-port push").
//
//   Data-Notification ::= SEQUENCE {
//     long-invoke-id-and-priority  Unsigned32,
//     date-time                    OCTET STRING,   -- empty, or a 12-byte COSEM date-time
//     notification-body            Data }
//
// Plain value type plus pure encode/decode functions; thread-safe.
#ifndef VMUC_DLMS_DATA_NOTIFICATION_H_
#define VMUC_DLMS_DATA_NOTIFICATION_H_

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "dlms/axdr.h"
#include "dlms/cosem_date_time.h"

namespace vmuc::dlms {

inline constexpr uint8_t kDataNotificationTag = 0x0F;

// Long-Invoke-Id-And-Priority bits (IEC 62056-5-3, xDLMS APDU ASN.1).
inline constexpr uint32_t kLongInvokeIdMask = 0x00FFFFFF;  // bits 0..23
inline constexpr uint32_t kSelfDescriptive = 1u << 28;
inline constexpr uint32_t kBreakOnError = 1u << 29;  // processing option
inline constexpr uint32_t kServiceClassConfirmed = 1u << 30;
inline constexpr uint32_t kPriorityHigh = 1u << 31;

struct DataNotification {
  uint32_t long_invoke_id_and_priority = 0;
  // The raw date-time, kept byte-exact (hundredths 0xFF, deviation 0x8000 ...); nullopt
  // encodes as an empty octet-string. Build it with EncodeDateTime (e.g. with
  // kMeterDateTimeOptions) and read it with DecodeDateTime.
  std::optional<DateTimeBytes> date_time;
  DataValue body;

  friend bool operator==(const DataNotification&, const DataNotification&) = default;
};

// The whole APDU, starting with the 0x0F tag.
std::vector<uint8_t> EncodeDataNotification(const DataNotification& notification);
void AppendDataNotification(const DataNotification& notification, std::vector<uint8_t>& out);

// Decodes an APDU that must span all of `apdu`: InvalidArgument on a wrong tag, a
// date-time that is neither empty nor 12 bytes, a malformed body, truncation or trailing
// bytes. The date-time is not interpreted, so wildcard fields are preserved.
absl::StatusOr<DataNotification> DecodeDataNotification(std::span<const uint8_t> apdu);

}  // namespace vmuc::dlms

#endif  // VMUC_DLMS_DATA_NOTIFICATION_H_
