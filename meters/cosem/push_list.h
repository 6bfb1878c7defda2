// The meter's push: its registers as a DLMS data-notification APDU (IEC 62056-5-3 /
// Green Book 9.3, DataNotification), shaped like this family's consumer-port pushes
// (cosem-object-model.md, "Consumer-port push"):
//
//   0F <long-invoke-id-and-priority: 4> 0C <date-time: 12>
//   02 n                                  structure
//     0A len "VMUC-PUSH-1"                list identifier (no OBIS before it)
//     09 06 <1.1.0.0.5.255> 0A 10 <16-digit meter number>
//     09 06 <1.1.1.8.0.255> 06 <A+ total, Wh>          double-long-unsigned
//     09 06 <1.1.21.8.0.255> 06 <A+ L1>  ... L2 (41), L3 (61)
//
// Scaler and unit are not sent (as on the consumer port); both sides take them from the
// register catalogue below. The date-time is the capture instant in UTC with hundredths
// and deviation "not specified", as meters of this family send it.
#ifndef VMUC_METERS_COSEM_PUSH_LIST_H_
#define VMUC_METERS_COSEM_PUSH_LIST_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/time.h"
#include "dlms/obis.h"
#include "dlms/units.h"
#include "meters/meter_core.h"

namespace vmuc::meters {

inline constexpr std::string_view kPushListId = "VMUC-PUSH-1";

struct ScalerUnit {
  int8_t scaler = 0;
  dlms::Unit unit = dlms::Unit::kNone;
};

// The objects a push carries, in order (the push setup's push_object_list, class 40
// attribute 2): the meter number (class 1) and the A+ registers (class 3), attribute 2.
struct PushedObject {
  uint16_t class_id = 0;
  dlms::Obis obis;
  int8_t attribute = 2;
};
std::vector<PushedObject> PushObjectList();

// The scaler and unit of a register this meter pushes; nullopt for codes it never pushes.
std::optional<ScalerUnit> PushedRegisterScalerUnit(const dlms::Obis& obis);

struct PushedRegister {
  dlms::Obis obis;
  int64_t value = 0;
  int8_t scaler = 0;
  dlms::Unit unit = dlms::Unit::kNone;
};

struct PushSnapshot {
  uint32_t invoke_id = 0;  // long-invoke-id (24 bits used); priority bits clear
  std::string meter_id;    // 16 digits
  TimePoint captured_at{};
  std::vector<PushedRegister> registers;
};

// What the meter pushes now: its identity and registers at the core's current time.
PushSnapshot SnapshotOf(const MeterCore& core, uint32_t invoke_id);

std::vector<uint8_t> EncodePush(const PushSnapshot& snapshot);

// Decodes and checks a push: APDU tag, list identifier, the meter number's form, OBIS and
// value types, registers known to the catalogue; errors name what was wrong.
absl::StatusOr<PushSnapshot> DecodePush(std::span<const uint8_t> apdu);

}  // namespace vmuc::meters

#endif  // VMUC_METERS_COSEM_PUSH_LIST_H_
