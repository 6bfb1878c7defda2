#include "dlms/data_notification.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace vmuc::dlms {

void AppendDataNotification(const DataNotification& notification, std::vector<uint8_t>& out) {
  out.push_back(kDataNotificationTag);
  const uint32_t id = notification.long_invoke_id_and_priority;
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(id >> shift));
  // date-time is an A-XDR OCTET STRING: its length, then the bytes; length 0 = absent.
  if (notification.date_time) {
    AppendLength(kDateTimeSize, out);
    out.insert(out.end(), notification.date_time->begin(), notification.date_time->end());
  } else {
    AppendLength(0, out);
  }
  AppendData(notification.body, out);
}

std::vector<uint8_t> EncodeDataNotification(const DataNotification& notification) {
  std::vector<uint8_t> out;
  AppendDataNotification(notification, out);
  return out;
}

absl::StatusOr<DataNotification> DecodeDataNotification(std::span<const uint8_t> apdu) {
  AxdrReader reader(apdu);
  VMUC_ASSIGN_OR_RETURN(const uint8_t tag, reader.ReadUint8("data-notification tag"));
  if (tag != kDataNotificationTag) {
    return AxdrReader::ErrorAt(0, absl::StrCat("expected data-notification tag 0x0F, got 0x",
                                               absl::Hex(tag, absl::kZeroPad2)));
  }
  DataNotification notification;
  VMUC_ASSIGN_OR_RETURN(notification.long_invoke_id_and_priority,
                        reader.ReadUint32("long-invoke-id-and-priority"));
  const size_t date_time_at = reader.offset();
  VMUC_ASSIGN_OR_RETURN(const size_t date_time_length, reader.ReadLength("date-time length"));
  if (date_time_length == kDateTimeSize) {
    VMUC_ASSIGN_OR_RETURN(const auto bytes, reader.ReadBytes(kDateTimeSize, "date-time"));
    DateTimeBytes raw;
    std::copy(bytes.begin(), bytes.end(), raw.begin());
    notification.date_time = raw;
  } else if (date_time_length != 0) {
    return AxdrReader::ErrorAt(
        date_time_at, absl::StrCat("date-time must be empty or 12 bytes, not ", date_time_length));
  }
  VMUC_ASSIGN_OR_RETURN(notification.body, reader.ReadData());
  VMUC_RETURN_IF_ERROR(reader.ExpectEnd("the data-notification body"));
  return notification;
}

}  // namespace vmuc::dlms
