#include "meters/cosem/push_list.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/strings.h"
#include "dlms/axdr.h"
#include "dlms/cosem_date_time.h"
#include "dlms/data_notification.h"

namespace vmuc::meters {
namespace {

// cosem-object-model.md: meter id 1.1.0.0.5.255 (16-digit visible-string), A+ total
// 1.1.1.8.0.255 and per phase 1.1.21/41/61.8.0.255, in Wh with scaler 0.
constexpr dlms::Obis kMeterIdObis(1, 1, 0, 0, 5, 255);
constexpr std::array<dlms::Obis, 4> kActiveImportObis = {
    dlms::Obis(1, 1, 1, 8, 0, 255), dlms::Obis(1, 1, 21, 8, 0, 255),
    dlms::Obis(1, 1, 41, 8, 0, 255), dlms::Obis(1, 1, 61, 8, 0, 255)};

absl::Status Bad(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("push: ", what));
}

}  // namespace

std::vector<PushedObject> PushObjectList() {
  std::vector<PushedObject> objects = {{1, kMeterIdObis, 2}};
  for (const dlms::Obis& obis : kActiveImportObis) objects.push_back({3, obis, 2});
  return objects;
}

std::optional<ScalerUnit> PushedRegisterScalerUnit(const dlms::Obis& obis) {
  for (const dlms::Obis& known : kActiveImportObis) {
    if (obis == known) return ScalerUnit{0, dlms::Unit::kWattHour};
  }
  return std::nullopt;
}

PushSnapshot SnapshotOf(const MeterCore& core, uint32_t invoke_id) {
  PushSnapshot snapshot;
  snapshot.invoke_id = invoke_id & 0x00FFFFFF;
  snapshot.meter_id = core.identity().MeterId();
  snapshot.captured_at = core.time();
  const int64_t values[4] = {static_cast<int64_t>(core.active_import_wh()),
                             static_cast<int64_t>(core.active_import_wh(0)),
                             static_cast<int64_t>(core.active_import_wh(1)),
                             static_cast<int64_t>(core.active_import_wh(2))};
  for (size_t i = 0; i < kActiveImportObis.size(); ++i) {
    snapshot.registers.push_back({kActiveImportObis[i], values[i], 0, dlms::Unit::kWattHour});
  }
  return snapshot;
}

std::vector<uint8_t> EncodePush(const PushSnapshot& snapshot) {
  std::vector<dlms::DataValue> elements;
  elements.push_back(dlms::DataValue::VisibleString(kPushListId));
  elements.push_back(dlms::DataValue::ObisCode(kMeterIdObis));
  elements.push_back(dlms::DataValue::VisibleString(snapshot.meter_id));
  for (const PushedRegister& reg : snapshot.registers) {
    elements.push_back(dlms::DataValue::ObisCode(reg.obis));
    // double-long-unsigned Wh: 4.29 GWh before it wraps, as the register itself does on a
    // real meter (the datasheet's 9-digit display shows the same range in kWh).
    elements.push_back(dlms::DataValue::DoubleLongUnsigned(static_cast<uint32_t>(reg.value)));
  }
  dlms::DataNotification notification;
  notification.long_invoke_id_and_priority = snapshot.invoke_id;
  notification.date_time = dlms::EncodeDateTime(snapshot.captured_at, dlms::kMeterDateTimeOptions);
  notification.body = dlms::DataValue::Structure(std::move(elements));
  return dlms::EncodeDataNotification(notification);
}

absl::StatusOr<PushSnapshot> DecodePush(std::span<const uint8_t> apdu) {
  VMUC_ASSIGN_OR_RETURN(const dlms::DataNotification notification,
                        dlms::DecodeDataNotification(apdu));
  if (!notification.date_time.has_value()) return Bad("date-time: absent");
  PushSnapshot snapshot;
  snapshot.invoke_id = notification.long_invoke_id_and_priority & 0x00FFFFFF;
  VMUC_ASSIGN_OR_RETURN(snapshot.captured_at, dlms::DecodeDateTime(*notification.date_time));

  auto structure = notification.body.AsStructure();
  if (!structure.ok()) return Bad("body: not a structure");
  const std::span<const dlms::DataValue> elements = *structure;
  if (elements.size() < 3 || elements.size() % 2 == 0) {
    return Bad(absl::StrCat("body: ", elements.size(),
                            " elements; want the list id then OBIS/value pairs"));
  }
  auto list_id = elements[0].AsString();
  if (!list_id.ok() || *list_id != kPushListId) {
    return Bad(absl::StrCat("element 0: list identifier is not '", AsAbsl(kPushListId), "'"));
  }
  for (size_t i = 1; i < elements.size(); i += 2) {
    auto obis = elements[i].AsObis();
    if (!obis.ok()) return Bad(absl::StrCat("element ", i, ": not an OBIS code"));
    if (*obis == kMeterIdObis) {
      auto id = elements[i + 1].AsString();
      if (!id.ok() || id->size() != 16 ||
          !std::all_of(id->begin(), id->end(), [](char c) { return absl::ascii_isdigit(c); })) {
        return Bad(absl::StrCat("element ", i + 1, ": meter id is not 16 digits"));
      }
      snapshot.meter_id = std::string(*id);
      continue;
    }
    const auto scaler_unit = PushedRegisterScalerUnit(*obis);
    if (!scaler_unit) {
      return Bad(absl::StrCat("element ", i, ": register ", obis->ToString(), " is not pushed"));
    }
    if (!elements[i + 1].is(dlms::DataType::kDoubleLongUnsigned)) {
      return Bad(
          absl::StrCat("element ", i + 1, ": ", obis->ToString(), " is not double-long-unsigned"));
    }
    snapshot.registers.push_back({*obis, static_cast<int64_t>(*elements[i + 1].AsUint64()),
                                  scaler_unit->scaler, scaler_unit->unit});
  }
  if (snapshot.meter_id.empty()) return Bad("no meter id (1.1.0.0.5.255)");
  return snapshot;
}

}  // namespace vmuc::meters
