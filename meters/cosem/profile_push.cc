#include "meters/cosem/profile_push.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/strings.h"
#include "dlms/axdr.h"
#include "dlms/cosem_date_time.h"
#include "dlms/data_notification.h"

namespace vmuc::meters {
namespace {

using dlms::DataValue;

absl::Status Bad(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("profile push: ", what));
}

bool IsMeterNumber(std::string_view id) {
  return id.size() == 16 &&
         std::all_of(id.begin(), id.end(), [](char c) { return absl::ascii_isdigit(c); });
}

}  // namespace

dlms::Obis LoadProfileChannelObis(LoadProfileChannel channel) {
  static_assert(static_cast<int>(LoadProfileChannel::kActiveImport) == 0 &&
                static_cast<int>(LoadProfileChannel::kReactiveQ4) == 7);
  return dlms::Obis(1, 1, static_cast<uint8_t>(static_cast<int>(channel) + 1), 8, 0, 255);
}

std::optional<ProfilePush> ProfilePushOf(const Meter& meter, TimePoint after, TimePoint up_to,
                                         uint32_t capture_period_s, uint32_t invoke_id) {
  const LoadProfileLog* log = meter.load_profile();
  if (log == nullptr || up_to <= after) return std::nullopt;
  // Whole seconds: capture times are whole seconds, and the range is inclusive.
  auto entries = log->Select({.from = after + std::chrono::seconds(1),
                              .to = up_to,
                              .from_entry = 1,
                              .to_entry = 0,
                              .columns = {}});
  if (!entries.ok() || entries->empty()) return std::nullopt;
  ProfilePush push;
  push.invoke_id = invoke_id & dlms::kLongInvokeIdMask;
  push.meter_id = meter.core().identity().MeterId();
  push.sent_at = up_to;
  push.capture_period_s = capture_period_s;
  for (LoadProfileChannel channel : log->channel_list()) {
    push.channels.push_back(LoadProfileChannelObis(channel));
  }
  for (const ProfileEntry& entry : *entries) {
    ProfileRow row{.captured_at = entry.at, .status = entry.status, .values = {}};
    row.values.assign(entry.values.begin(), entry.values.begin() + entry.channels);
    push.rows.push_back(std::move(row));
  }
  return push;
}

std::vector<uint8_t> EncodeProfilePush(const ProfilePush& push) {
  std::vector<DataValue> channels;
  channels.reserve(push.channels.size());
  for (const dlms::Obis& obis : push.channels) channels.push_back(DataValue::ObisCode(obis));
  std::vector<DataValue> rows;
  rows.reserve(push.rows.size());
  for (const ProfileRow& row : push.rows) {
    std::vector<DataValue> columns;
    columns.reserve(2 + row.values.size());
    // The clock column as the profile's buffer carries it (an octet-string date-time).
    columns.push_back(
        DataValue::OctetString(dlms::EncodeDateTime(row.captured_at, dlms::kMeterDateTimeOptions)));
    columns.push_back(DataValue::LongUnsigned(row.status));
    for (uint32_t value : row.values) columns.push_back(DataValue::DoubleLongUnsigned(value));
    rows.push_back(DataValue::Structure(std::move(columns)));
  }
  dlms::DataNotification notification;
  notification.long_invoke_id_and_priority = push.invoke_id & dlms::kLongInvokeIdMask;
  notification.date_time = dlms::EncodeDateTime(push.sent_at, dlms::kMeterDateTimeOptions);
  notification.body = DataValue::Structure(
      {DataValue::VisibleString(kProfilePushListId), DataValue::VisibleString(push.meter_id),
       DataValue::DoubleLongUnsigned(push.capture_period_s), DataValue::Array(std::move(channels)),
       DataValue::Array(std::move(rows))});
  return dlms::EncodeDataNotification(notification);
}

dlms::SelectiveAccess ProfileRangeAccess(TimePoint from, TimePoint to) {
  const auto bound = [](TimePoint t) {
    return DataValue::OctetString(dlms::EncodeDateTime(t, dlms::kMeterDateTimeOptions));
  };
  // restricting_object: the clock's time attribute (class 8, 0.0.1.0.0.255, 2, index 0).
  const DataValue clock = DataValue::Structure({DataValue::LongUnsigned(8),
                                                DataValue::ObisCode(dlms::Obis(0, 0, 1, 0, 0, 255)),
                                                DataValue::Integer(2), DataValue::LongUnsigned(0)});
  return dlms::SelectiveAccess{
      .selector = 1,
      .parameters = DataValue::Structure({clock, bound(from), bound(to), DataValue::Array({})})};
}

absl::StatusOr<std::vector<ProfileRow>> DecodeProfileRows(const DataValue& buffer,
                                                          size_t channels) {
  auto rows = buffer.AsArray();
  if (!rows.ok()) return absl::InvalidArgumentError("profile buffer: not an array");
  std::vector<ProfileRow> out;
  out.reserve(rows->size());
  for (size_t r = 0; r < rows->size(); ++r) {
    auto columns = (*rows)[r].AsStructure();
    if (!columns.ok() || columns->size() != 2 + channels) {
      return absl::InvalidArgumentError(absl::StrCat("profile buffer: row ", r,
                                                     ": want a structure of ", 2 + channels,
                                                     " columns (clock, status, channels)"));
    }
    ProfileRow row;
    auto at = (*columns)[0].AsDateTime();
    if (!at.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("profile buffer: row ", r, " column 0: ", at.status().message()));
    }
    // Capture times are whole seconds (ProfileEntry::at); hundredths a peer sends are
    // dropped here, before the order check, so what decodes encodes back unchanged.
    row.captured_at = std::chrono::floor<std::chrono::seconds>(*at);
    auto status = (*columns)[1].AsUint64();
    if (!status.ok() || *status > UINT16_MAX) {
      return absl::InvalidArgumentError(
          absl::StrCat("profile buffer: row ", r, " column 1: status is not long-unsigned"));
    }
    row.status = static_cast<uint16_t>(*status);
    for (size_t c = 0; c < channels; ++c) {
      const DataValue& value = (*columns)[2 + c];
      if (!value.is(dlms::DataType::kDoubleLongUnsigned)) {
        return absl::InvalidArgumentError(absl::StrCat("profile buffer: row ", r, " column ", 2 + c,
                                                       ": not double-long-unsigned"));
      }
      row.values.push_back(static_cast<uint32_t>(*value.AsUint64()));
    }
    if (!out.empty() && row.captured_at <= out.back().captured_at) {
      return absl::InvalidArgumentError(
          absl::StrCat("profile buffer: row ", r, ": capture time not after the previous row's"));
    }
    out.push_back(std::move(row));
  }
  return out;
}

absl::StatusOr<ProfilePush> DecodeProfilePush(std::span<const uint8_t> apdu) {
  VMUC_ASSIGN_OR_RETURN(const dlms::DataNotification notification,
                        dlms::DecodeDataNotification(apdu));
  auto structure = notification.body.AsStructure();
  if (!structure.ok() || structure->empty()) return Bad("body: not a structure");
  const std::span<const DataValue> elements = *structure;
  auto list_id = elements[0].AsString();
  if (!list_id.ok() || *list_id != kProfilePushListId) {
    return absl::NotFoundError(
        absl::StrCat("profile push: list identifier is not '", AsAbsl(kProfilePushListId), "'"));
  }
  if (elements.size() != 5) {
    return Bad(absl::StrCat("body: ", elements.size(),
                            " elements; want list id, meter number, period, channels, rows"));
  }
  if (!notification.date_time.has_value()) return Bad("date-time: absent");
  ProfilePush push;
  push.invoke_id = notification.long_invoke_id_and_priority & dlms::kLongInvokeIdMask;
  VMUC_ASSIGN_OR_RETURN(const TimePoint sent_at, dlms::DecodeDateTime(*notification.date_time));
  push.sent_at = std::chrono::floor<std::chrono::seconds>(sent_at);
  auto id = elements[1].AsString();
  if (!id.ok() || !IsMeterNumber(*id)) return Bad("element 1: meter id is not 16 digits");
  push.meter_id = std::string(*id);
  auto period = elements[2].AsUint64();
  if (!period.ok() || !elements[2].is(dlms::DataType::kDoubleLongUnsigned) || *period == 0 ||
      86400 % *period != 0) {
    return Bad("element 2: capture period is not a divisor of a day in seconds");
  }
  push.capture_period_s = static_cast<uint32_t>(*period);
  auto channels = elements[3].AsArray();
  if (!channels.ok() || channels->empty() || channels->size() > kMaxProfileValues) {
    return Bad(
        absl::StrCat("element 3: want an array of 1..", kMaxProfileValues, " channel OBIS codes"));
  }
  for (size_t c = 0; c < channels->size(); ++c) {
    auto obis = (*channels)[c].AsObis();
    if (!obis.ok()) return Bad(absl::StrCat("element 3: channel ", c, ": not an OBIS code"));
    push.channels.push_back(*obis);
  }
  auto rows = DecodeProfileRows(elements[4], push.channels.size());
  if (!rows.ok()) return Bad(absl::StrCat("element 4: ", rows.status().message()));
  push.rows = *std::move(rows);
  return push;
}

}  // namespace vmuc::meters
