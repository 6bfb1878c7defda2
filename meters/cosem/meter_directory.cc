#include "meters/cosem/meter_directory.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "dlms/cosem_date_time.h"
#include "dlms/units.h"
#include "meters/cosem/profile_push.h"
#include "meters/cosem/push_list.h"
#include "meters/loggers/analysis_log.h"
#include "meters/loggers/debit_log_2.h"
#include "meters/pulses/pulse_input.h"

namespace vmuc::meters {
namespace {

using dlms::AttributeAccess;
using dlms::CosemObject;
using dlms::DataAccessResult;
using dlms::DataValue;
using dlms::GetDataResult;
using dlms::MethodAccess;
using dlms::Obis;
using dlms::Unit;

constexpr AttributeAccess kR = AttributeAccess::kReadOnly;
constexpr uint16_t kDataClass = 1;
constexpr uint16_t kRegisterClass = 3;
constexpr uint16_t kExtendedRegisterClass = 4;
constexpr uint16_t kDemandRegisterClass = 5;
constexpr uint16_t kProfileClass = 7;
constexpr uint16_t kClockClass = 8;
constexpr uint16_t kScriptTableClass = 9;
constexpr uint16_t kPushSetupClass = 40;
constexpr uint16_t kSapAssignmentClass = 17;
constexpr Obis kPulseInputObis(0, 1, 24, 2, 1, 255);
constexpr Obis kClockObis(0, 0, 1, 0, 0, 255);
constexpr Obis kAmrStatusObis(0, 0, 96, 10, 1, 255);  // the profiles' status column
constexpr uint16_t kEndBillingScript = 1;

// Clock methods (IEC 62056-6-2 4.5.1): 6 is shift_time (long, seconds, -900..900).
constexpr int8_t kShiftTime = 6;
constexpr int kClockMethods = 6;
constexpr int64_t kMaxShiftS = 900;

// Selective access selectors of class 7 attribute 2.
constexpr uint8_t kByRange = 1;
constexpr uint8_t kByEntry = 2;

DataValue ScalerUnitValue(int8_t scaler, Unit unit) {
  return DataValue::Structure(
      {DataValue::Integer(scaler), DataValue::Enum(static_cast<uint8_t>(unit))});
}

// The meter's date-time convention (cosem-object-model.md): UTC fields, hundredths and
// deviation not specified, status 0.
DataValue TimeValue(TimePoint t) {
  return DataValue::OctetString(dlms::EncodeDateTime(t, dlms::kMeterDateTimeOptions));
}

// An unset time (a peak not reached yet): every field "not specified".
DataValue NoTime() {
  std::vector<uint8_t> bytes(12, 0xFF);
  bytes[8] = 0x80;
  bytes[9] = 0x00;
  bytes[10] = 0x00;
  bytes[11] = 0x00;
  return DataValue::OctetString(bytes);
}

DataValue U32(uint64_t value) {
  return DataValue::DoubleLongUnsigned(static_cast<uint32_t>(value));
}

GetDataResult Ok(DataValue value) { return GetDataResult::Data(std::move(value)); }
GetDataResult Undefined() { return GetDataResult::Error(DataAccessResult::kObjectUndefined); }

// A capture object definition (class 7 attribute 3 element).
DataValue CaptureObject(uint16_t class_id, const Obis& obis, int8_t attribute) {
  return DataValue::Structure({DataValue::LongUnsigned(class_id), DataValue::ObisCode(obis),
                               DataValue::Integer(attribute), DataValue::LongUnsigned(0)});
}

uint64_t WattsOf(int64_t milliwatts) {
  return milliwatts > 0 ? static_cast<uint64_t>(milliwatts) / 1000 : 0;
}

Obis EnergyObis(uint8_t c, uint8_t e = 0) { return Obis(1, 1, c, 8, e, 255); }

// The register object of an analysis-catalogue register: its standard code, or for the
// registers without one (signed reactive power, voltage unbalance) a manufacturer-specific
// code, value group C = 128 (IEC 62056-6-1 7.3.3), D = 7, E = the register's identifier.
Obis AnalysisObis(const AnalysisRegisterInfo& info) {
  return info.obis.value_or(Obis(1, 1, 128, 7, static_cast<uint8_t>(info.id), 255));
}

// A stored analysis word as its DLMS value: double-long for signed registers.
DataValue AnalysisWord(AnalysisRegister id, uint32_t word) {
  return AnalysisRegisterInfoOf(id).is_signed
             ? DataValue::DoubleLong(static_cast<int32_t>(AnalysisValue(id, word)))
             : DataValue::DoubleLongUnsigned(word);
}

DataValue AnalysisDataValue(AnalysisRegister id, const MeterCore& core) {
  const AnalysisRegister one[] = {id};
  return AnalysisWord(id, CaptureWords(one, core).words[0]);
}

// The billing logger's columns: clock, the debiting stop counter, the energy totals, A+ and
// R+ per tariff, the period's maxima (value and time) and the accumulated maxima.
constexpr Obis kBillingCounter(0, 0, 0, 1, 0,
                               255);  // debiting stops (IEC 62056-6-1: billing period counter)
struct BillingPeak {
  Obis obis;
  PeakIndex index;
};
constexpr BillingPeak kBillingPeaks[] = {
    {Obis(1, 1, 1, 6, 0, 255), kPeakActiveImport},
    {Obis(1, 1, 1, 6, 1, 255), kPeakActiveImportT1},
    {Obis(1, 1, 1, 6, 2, 255), kPeakActiveImportT2},
    {Obis(1, 1, 3, 6, 0, 255), kPeakReactiveImport},
    {Obis(1, 1, 3, 6, 1, 255), kPeakReactiveImportT1},
    {Obis(1, 1, 3, 6, 2, 255), kPeakReactiveImportT2},
    {Obis(1, 1, 9, 6, 0, 255), kPeakApparentImport},
    {Obis(1, 1, 10, 6, 0, 255), kPeakApparentExport},
};
constexpr Obis kBillingAccumulated[] = {Obis(1, 1, 1, 2, 0, 255), Obis(1, 1, 1, 2, 1, 255),
                                        Obis(1, 1, 1, 2, 2, 255), Obis(1, 1, 3, 2, 0, 255)};

std::vector<DataValue> BillingCaptureObjects() {
  std::vector<DataValue> captures = {CaptureObject(kClockClass, kClockObis, 2),
                                     CaptureObject(kDataClass, kBillingCounter, 2)};
  for (uint8_t c = 1; c <= 10; ++c)
    captures.push_back(CaptureObject(kRegisterClass, EnergyObis(c), 2));
  for (uint8_t t = 1; t <= kTariffs; ++t) {
    captures.push_back(CaptureObject(kRegisterClass, EnergyObis(1, t), 2));
  }
  for (uint8_t t = 1; t <= kTariffs; ++t) {
    captures.push_back(CaptureObject(kRegisterClass, EnergyObis(3, t), 2));
  }
  for (const BillingPeak& peak : kBillingPeaks) {
    captures.push_back(CaptureObject(kExtendedRegisterClass, peak.obis, 2));
    captures.push_back(CaptureObject(kExtendedRegisterClass, peak.obis, 5));
  }
  for (const Obis& obis : kBillingAccumulated) {
    captures.push_back(CaptureObject(kRegisterClass, obis, 2));
  }
  return captures;
}

std::vector<DataValue> BillingRow(const BillingValues& values) {
  const RegisterSet& e = values.energy;
  std::vector<DataValue> row = {TimeValue(values.at),
                                DataValue::DoubleLongUnsigned(values.debiting_stop_count)};
  const uint64_t totals[] = {e.wh(kActiveImport),      e.wh(kActiveExport),
                             e.reactive_import_varh(), e.reactive_export_varh(),
                             e.wh(kReactiveQ1),        e.wh(kReactiveQ2),
                             e.wh(kReactiveQ3),        e.wh(kReactiveQ4),
                             e.wh(kApparentImport),    e.wh(kApparentExport)};
  for (uint64_t total : totals) row.push_back(U32(total));
  for (uint64_t v : values.active_import_tariff)
    row.push_back(U32(v / kMilliUnitSecondsPerUnitHour));
  for (uint64_t v : values.reactive_import_tariff)
    row.push_back(U32(v / kMilliUnitSecondsPerUnitHour));
  for (const BillingPeak& peak : kBillingPeaks) {
    const Peak& p = values.peaks[peak.index];
    row.push_back(DataValue::DoubleLongUnsigned(p.value));
    row.push_back(p.at_unix_s == 0 ? NoTime()
                                   : TimeValue(TimePoint(std::chrono::seconds(p.at_unix_s))));
  }
  for (uint32_t v : values.accumulated) row.push_back(DataValue::DoubleLongUnsigned(v));
  return row;
}

// Rows of a profile buffer, then the column projection of selective access.
DataValue Project(std::vector<std::vector<DataValue>> rows, const std::vector<size_t>& columns) {
  std::vector<DataValue> out;
  out.reserve(rows.size());
  for (auto& row : rows) {
    if (columns.empty()) {
      out.push_back(DataValue::Structure(std::move(row)));
      continue;
    }
    std::vector<DataValue> picked;
    picked.reserve(columns.size());
    for (size_t column : columns) picked.push_back(row[column]);
    out.push_back(DataValue::Structure(std::move(picked)));
  }
  return DataValue::Array(std::move(out));
}

// A profile generic (class 7) as one read sees it: its capture objects, its figures and
// the rows a selection picks (every capture column, in order).
using Rows = std::vector<std::vector<DataValue>>;
struct Profile {
  DataValue capture_objects;
  uint32_t capture_period_s = 0;  // 0: asynchronous (events, calendar-driven captures)
  uint32_t entries_in_use = 0;
  uint32_t capacity = 0;
  std::function<absl::StatusOr<Rows>(const ProfileAccess&)> rows;
};
using ProfileOf = std::function<std::optional<Profile>(const Meter&)>;

// Attributes 2..8 of a profile (IEC 62056-6-2 4.3.6): the buffer, by selective access or
// whole, and the header figures.
GetDataResult ProfileAttribute(const Profile& profile, int8_t attribute,
                               const std::optional<dlms::SelectiveAccess>& access) {
  switch (attribute) {
    case 2:
      break;
    case 3:
      return Ok(profile.capture_objects);
    case 4:
      return Ok(DataValue::DoubleLongUnsigned(profile.capture_period_s));
    case 5:
      return Ok(DataValue::Enum(1));  // sort_method: fifo
    case 6:
      return Ok(CaptureObject(0, Obis(0, 0, 0, 0, 0, 0), 0));  // sort_object: none
    case 7:
      return Ok(DataValue::DoubleLongUnsigned(profile.entries_in_use));
    case 8:
      return Ok(DataValue::DoubleLongUnsigned(profile.capacity));
    default:
      return Undefined();
  }
  ProfileAccess selection;
  if (access) {
    auto decoded = DecodeProfileAccess(*access, profile.capture_objects);
    if (!decoded.ok()) return GetDataResult::Error(DataAccessResult::kOtherReason);
    selection = *std::move(decoded);
  }
  auto rows = profile.rows(selection);
  // An entry range past the newest entry is an empty answer, not an error.
  if (!rows.ok()) return Ok(DataValue::Array({}));
  return Ok(Project(*std::move(rows), selection.columns));
}

// The profile of a ProfileLog (load profile, analysis logger, debit logger 2): clock,
// AMR status, then `columns`, whose stored words `value_of(word, column)` turns into Data.
Profile ProfileOfLog(const ProfileLog& log, std::vector<DataValue> columns,
                     uint32_t capture_period_s,
                     std::function<DataValue(uint32_t, size_t)> value_of) {
  const size_t width = columns.size();
  std::vector<DataValue> captures = {CaptureObject(kClockClass, kClockObis, 2),
                                     CaptureObject(kDataClass, kAmrStatusObis, 2)};
  for (DataValue& column : columns) captures.push_back(std::move(column));
  return Profile{
      .capture_objects = DataValue::Array(std::move(captures)),
      .capture_period_s = capture_period_s,
      .entries_in_use = log.entries_in_use(),
      .capacity = log.capacity(),
      .rows = [&log, width, value_of](const ProfileAccess& selection) -> absl::StatusOr<Rows> {
        VMUC_ASSIGN_OR_RETURN(auto entries, log.Select({.from = selection.from,
                                                        .to = selection.to,
                                                        .from_entry = selection.from_entry,
                                                        .to_entry = selection.to_entry,
                                                        .columns = {}}));
        Rows rows;
        rows.reserve(entries.size());
        for (const ProfileEntry& entry : entries) {
          std::vector<DataValue> row;
          row.reserve(2 + width);
          row.push_back(TimeValue(entry.at));
          row.push_back(DataValue::LongUnsigned(entry.status));
          for (size_t c = 0; c < entry.channels && c < width; ++c) {
            row.push_back(value_of(entry.values[c], c));
          }
          rows.push_back(std::move(row));
        }
        return rows;
      }};
}

// The event logs (cosem-object-model.md and IDIS): profile OBIS and its event code object.
struct EventLogObjects {
  EventLogKind kind;
  Obis profile;
  Obis code_object;
};
constexpr EventLogObjects kEventLogObjects[] = {
    {EventLogKind::kStandard, Obis(0, 0, 99, 98, 0, 255), Obis(0, 0, 96, 11, 0, 255)},
    {EventLogKind::kFraud, Obis(0, 0, 99, 98, 1, 255), Obis(0, 0, 96, 11, 1, 255)},
    {EventLogKind::kDisconnect, Obis(0, 0, 99, 98, 2, 255), Obis(0, 0, 96, 11, 2, 255)},
    {EventLogKind::kPowerQuality, Obis(0, 0, 99, 98, 4, 255), Obis(0, 0, 96, 11, 4, 255)},
    // Not in IDIS: vmuc's own codes for the clock and firmware logs (docs/dlms.md).
    {EventLogKind::kClock, Obis(0, 0, 99, 98, 7, 255), Obis(0, 0, 96, 11, 7, 255)},
    {EventLogKind::kFirmware, Obis(0, 0, 99, 98, 8, 255), Obis(0, 0, 96, 11, 8, 255)},
    // IDIS power failure event log: the clock and the failure's duration.
    {EventLogKind::kPowerFailure, Obis(1, 0, 99, 97, 0, 255), Obis(0, 0, 96, 7, 19, 255)},
};

}  // namespace

std::string LogicalDeviceName(const MeterCosemInfo& info, const MeterIdentity& identity) {
  const std::string id = identity.MeterId();
  return info.flag_id + id.substr(id.size() - (16 - info.flag_id.size()));
}

absl::StatusOr<ProfileAccess> DecodeProfileAccess(const dlms::SelectiveAccess& access,
                                                  const DataValue& capture_objects) {
  ProfileAccess out;
  VMUC_ASSIGN_OR_RETURN(auto captures, capture_objects.AsArray());
  VMUC_ASSIGN_OR_RETURN(auto fields, access.parameters.AsStructure());
  if (access.selector == kByRange) {
    if (fields.size() != 4) {
      return absl::InvalidArgumentError("range_descriptor must have 4 elements");
    }
    VMUC_ASSIGN_OR_RETURN(auto restricting, fields[0].AsStructure());
    if (restricting.size() != 4) {
      return absl::InvalidArgumentError("restricting_object must have 4 elements");
    }
    VMUC_ASSIGN_OR_RETURN(int64_t class_id, restricting[0].AsInt64());
    VMUC_ASSIGN_OR_RETURN(Obis obis, restricting[1].AsObis());
    VMUC_ASSIGN_OR_RETURN(int64_t attribute, restricting[2].AsInt64());
    if (class_id != kClockClass || obis != kClockObis || attribute != 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          "range restricting_object must be the clock column (8, 0.0.1.0.0.255, 2), not (",
          class_id, ", ", obis.ToString(), ", ", attribute, ")"));
    }
    for (int bound = 0; bound < 2; ++bound) {
      VMUC_ASSIGN_OR_RETURN(auto bytes, fields[1 + bound].AsBytes());
      VMUC_ASSIGN_OR_RETURN(auto decoded, dlms::DecodeDateTimeDetailed(bytes));
      (bound == 0 ? out.from : out.to) = decoded.time;
    }
    VMUC_ASSIGN_OR_RETURN(auto selected, fields[3].AsArray());
    for (const DataValue& wanted : selected) {
      auto found = std::find(captures.begin(), captures.end(), wanted);
      if (found == captures.end()) {
        // Clients may send data_index 0 or leave it out; compare on the first three.
        VMUC_ASSIGN_OR_RETURN(auto wanted_fields, wanted.AsStructure());
        found = std::find_if(captures.begin(), captures.end(), [&](const DataValue& capture) {
          auto capture_fields = capture.AsStructure();
          return capture_fields.ok() && wanted_fields.size() >= 3 &&
                 std::equal(wanted_fields.begin(), wanted_fields.begin() + 3,
                            capture_fields->begin());
        });
      }
      if (found == captures.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("selected value ", wanted.DebugString(), " is not a capture object"));
      }
      out.columns.push_back(static_cast<size_t>(found - captures.begin()));
    }
    return out;
  }
  if (access.selector == kByEntry) {
    if (fields.size() != 4) {
      return absl::InvalidArgumentError("entry_descriptor must have 4 elements");
    }
    VMUC_ASSIGN_OR_RETURN(uint64_t from_entry, fields[0].AsUint64());
    VMUC_ASSIGN_OR_RETURN(uint64_t to_entry, fields[1].AsUint64());
    VMUC_ASSIGN_OR_RETURN(uint64_t from_value, fields[2].AsUint64());
    VMUC_ASSIGN_OR_RETURN(uint64_t to_value, fields[3].AsUint64());
    out.from_entry = static_cast<uint32_t>(std::max<uint64_t>(from_entry, 1));
    out.to_entry = static_cast<uint32_t>(to_entry);
    const size_t count = captures.size();
    const size_t first = from_value == 0 ? 1 : from_value;
    const size_t last = to_value == 0 ? count : to_value;
    if (first > last || last > count) {
      return absl::InvalidArgumentError(
          absl::StrCat("selected values ", from_value, "..", to_value, " outside 1..", count));
    }
    if (first != 1 || last != count) {
      for (size_t c = first; c <= last; ++c) out.columns.push_back(c - 1);
    }
    return out;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("selector ", static_cast<int>(access.selector), " is not 1 or 2"));
}

MeterObjectTable::MeterObjectTable(MeterCosemInfo info) : info_(std::move(info)) {
  // Identification (cosem-object-model.md, "Objects").
  // SAP assignment (class 17, IEC 62056-6-2 4.4.5): the one logical device, SAP 1, with
  // its name; clients read it to find the logical devices behind a physical one.
  Add({kSapAssignmentClass, 0, Obis(0, 0, 41, 0, 0, 255), {kR, kR}, {}, {}},
      {[this](const Meter& meter, int8_t a, const auto&) -> GetDataResult {
         if (a != 2) return Undefined();
         const std::string name = LogicalDeviceName(info_, meter.core().identity());
         return Ok(DataValue::Array({DataValue::Structure(
             {DataValue::LongUnsigned(1),
              DataValue::OctetString(std::vector<uint8_t>(name.begin(), name.end()))})}));
       },
       {},
       {}},
      /*public_readable=*/true);
  // Error register (0.0.97.97.0.255, IDIS): bit 0 "clock invalid", the one error this
  // meter's core can be in (its clock stopped in an outage longer than its backup).
  Add({kDataClass, 0, Obis(0, 0, 97, 97, 0, 255), {kR, kR}, {}, {}},
      {[](const Meter& meter, int8_t a, const auto&) -> GetDataResult {
         if (a != 2) return Undefined();
         return Ok(DataValue::DoubleLongUnsigned(meter.core().clock_valid() ? 0 : 1));
       },
       {},
       {}});
  Add({kDataClass, 0, Obis(0, 0, 42, 0, 0, 255), {kR, kR}, {}, {}},
      {[this](const Meter& meter, int8_t a, const auto&) {
         if (a != 2) return Undefined();
         const std::string name = LogicalDeviceName(info_, meter.core().identity());
         return Ok(DataValue::OctetString(std::vector<uint8_t>(name.begin(), name.end())));
       },
       {},
       {}},
      /*public_readable=*/true);
  Add({kDataClass, 0, Obis(1, 1, 0, 0, 5, 255), {kR, kR}, {}, {}},
      {[](const Meter& meter, int8_t a, const auto&) {
         return a == 2 ? Ok(DataValue::VisibleString(meter.core().identity().MeterId()))
                       : Undefined();
       },
       {},
       {}},
      /*public_readable=*/true);
  auto constant_string = [](std::string text) {
    return [text](const Meter&, int8_t a, const auto&) {
      return a == 2 ? Ok(DataValue::VisibleString(text)) : Undefined();
    };
  };
  Add({kDataClass, 0, Obis(1, 1, 96, 1, 1, 255), {kR, kR}, {}, {}},
      {constant_string(info_.type_number), {}, {}});
  Add({kDataClass, 0, Obis(1, 0, 0, 2, 0, 255), {kR, kR}, {}, {}},
      {constant_string(info_.firmware_id), {}, {}});
  Add({kDataClass, 0, Obis(1, 1, 0, 2, 129, 255), {kR, kR}, {}, {}},
      {constant_string("VMUC-OBJECTS-1"), {}, {}});
  Add({kDataClass, 0, Obis(0, 0, 96, 14, 0, 255), {kR, kR}, {}, {}},
      {[](const Meter& meter, int8_t a, const auto&) {
         return a == 2
                    ? Ok(DataValue::Unsigned(static_cast<uint8_t>(meter.core().current_tariff())))
                    : Undefined();
       },
       {},
       {}});

  // Clock (class 8, IEC 62056-6-2 4.5.1): the RTC; time_zone is minutes of local time to
  // UTC with the sign of the deviation (UTC = local + deviation), so Z11 +1 h reads -60.
  Add({kClockClass,
       0,
       kClockObis,
       {kR, kR, kR, kR, kR, kR, kR, kR, kR},
       std::vector<MethodAccess>(kClockMethods, MethodAccess::kNoAccess),
       {}},
      {[this](const Meter& meter, int8_t a, const auto&) -> GetDataResult {
         static const std::vector<uint8_t> kDstBegin = {0xFF, 0xFF, 3,    0xFE, 7,    2,
                                                        0,    0,    0xFF, 0x80, 0x00, 0x00};
         static const std::vector<uint8_t> kDstEnd = {0xFF, 0xFF, 10,   0xFE, 7,    3,
                                                      0,    0,    0xFF, 0x80, 0x00, 0x00};
         switch (a) {
           case 2:
             return Ok(TimeValue(meter.core().rtc_time()));
           case 3:
             return Ok(DataValue::Long(static_cast<int16_t>(-info_.gmt_offset.count())));
           case 4:
             return Ok(DataValue::Unsigned(
                 meter.core().clock_valid() ? 0 : dlms::kClockStatusInvalidValue));
           case 5:
             return Ok(DataValue::OctetString(kDstBegin));
           case 6:
             return Ok(DataValue::OctetString(kDstEnd));
           case 7:
             return Ok(DataValue::Integer(60));
           case 8:
             return Ok(DataValue::Boolean(info_.dst_enabled));
           case 9:
             return Ok(DataValue::Enum(1));  // clock_base: internal crystal
           default:
             return Undefined();
         }
       },
       [](Meter& meter, int8_t a, const DataValue& value) {
         if (a != 2) return DataAccessResult::kReadWriteDenied;
         auto time = value.AsDateTime();
         if (!time.ok()) return DataAccessResult::kTypeUnmatched;
         const absl::Status status = meter.SetClock(*time);
         if (status.ok()) return DataAccessResult::kSuccess;
         return status.code() == absl::StatusCode::kFailedPrecondition
                    ? DataAccessResult::kTemporaryFailure
                    : DataAccessResult::kOtherReason;
       },
       [](Meter& meter, int8_t m, const std::optional<DataValue>& parameters,
          std::optional<DataValue>&) {
         if (m != kShiftTime || !parameters) return DataAccessResult::kReadWriteDenied;
         auto shift = parameters->AsInt64();
         if (!shift.ok()) return DataAccessResult::kTypeUnmatched;
         if (*shift < -kMaxShiftS || *shift > kMaxShiftS) return DataAccessResult::kOtherReason;
         const absl::Status status =
             meter.SetClock(meter.core().rtc_time() + std::chrono::seconds(*shift));
         return status.ok() ? DataAccessResult::kSuccess : DataAccessResult::kTemporaryFailure;
       }},
      /*public_readable=*/true, /*management_writes=*/{2}, /*management_methods=*/{kShiftTime});

  // The billing period counter (the debiting stops) and the profiles' status column.
  Add({kDataClass, 0, kBillingCounter, {kR, kR}, {}, {}},
      {[](const Meter& meter, int8_t a, const auto&) {
         return a == 2 ? Ok(DataValue::DoubleLongUnsigned(meter.core().debiting_stop_count()))
                       : Undefined();
       },
       {},
       {}});
  Add({kDataClass, 0, kAmrStatusObis, {kR, kR}, {}, {}},
      {[](const Meter& meter, int8_t a, const auto&) -> GetDataResult {
         if (a != 2) return Undefined();
         // The status of the latest load-profile entry: what the profile's column shows.
         const LoadProfileLog* log = meter.load_profile();
         uint16_t status = 0;
         if (log != nullptr && log->entries_in_use() > 0) {
           auto last = log->Select({.from = std::nullopt,
                                    .to = std::nullopt,
                                    .from_entry = log->entries_in_use(),
                                    .to_entry = 0,
                                    .columns = {}});
           if (last.ok() && !last->empty()) status = last->back().status;
         }
         return Ok(DataValue::LongUnsigned(status));
       },
       {},
       {}});
  // The event code objects: the latest event of each log (IDIS 0.0.96.11.x); the power
  // failure log's column is the duration of the last long power failure (0.0.96.7.19).
  for (const EventLogObjects& objects : kEventLogObjects) {
    const EventLogKind kind = objects.kind;
    const bool power_failure = kind == EventLogKind::kPowerFailure;
    auto latest = [kind](const Meter& meter) -> std::optional<EventRecord> {
      const EventLogs& logs = meter.events();
      const uint32_t in_use = logs.entries_in_use(kind);
      if (in_use == 0) return std::nullopt;
      auto records = logs.Select(
          kind, EventSelection{
                    .from = std::nullopt, .to = std::nullopt, .from_entry = in_use, .to_entry = 0});
      if (!records.ok() || records->empty()) return std::nullopt;
      return records->back();
    };
    if (power_failure) {
      Add({kRegisterClass, 0, objects.code_object, {kR, kR, kR}, {MethodAccess::kNoAccess}, {}},
          {[latest](const Meter& meter, int8_t a, const auto&) -> GetDataResult {
             if (a == 3) return Ok(ScalerUnitValue(0, Unit::kSecond));
             if (a != 2) return Undefined();
             const auto record = latest(meter);
             return Ok(DataValue::DoubleLongUnsigned(record ? record->value : 0));
           },
           {},
           {}});
    } else {
      Add({kDataClass, 0, objects.code_object, {kR, kR}, {}, {}},
          {[latest](const Meter& meter, int8_t a, const auto&) -> GetDataResult {
             if (a != 2) return Undefined();
             const auto record = latest(meter);
             return Ok(DataValue::LongUnsigned(record ? static_cast<uint16_t>(record->code) : 0));
           },
           {},
           {}});
    }
  }
  // End of billing period script table (class 9): execute(1) ends the debiting period now,
  // the externally controlled variant's command (Z7 00); the management client only.
  Add({kScriptTableClass, 0, Obis(0, 0, 10, 0, 1, 255), {kR, kR}, {MethodAccess::kNoAccess}, {}},
      {[](const Meter&, int8_t a, const auto&) -> GetDataResult {
         if (a != 2) return Undefined();
         return Ok(DataValue::Array({DataValue::Structure(
             {DataValue::LongUnsigned(kEndBillingScript), DataValue::Array({})})}));
       },
       {},
       [](Meter& meter, int8_t m, const std::optional<DataValue>& parameters,
          std::optional<DataValue>&) {
         if (m != 1 || !parameters) return DataAccessResult::kReadWriteDenied;
         auto script = parameters->AsInt64();
         if (!script.ok()) return DataAccessResult::kTypeUnmatched;
         if (*script != kEndBillingScript) return DataAccessResult::kObjectUnavailable;
         if (!meter.core().supply_on()) return DataAccessResult::kTemporaryFailure;
         meter.EndBillingPeriod();
         return DataAccessResult::kSuccess;
       }},
      /*public_readable=*/false, /*management_writes=*/{}, /*management_methods=*/{1});

  // Time of operation (the datasheet's hour counter): whole hours with supply.
  Add({kRegisterClass, 0, Obis(0, 0, 96, 8, 0, 255), {kR, kR, kR}, {MethodAccess::kNoAccess}, {}},
      {[](const Meter& meter, int8_t a, const auto&) -> GetDataResult {
         if (a == 3) return Ok(ScalerUnitValue(0, Unit::kHour));
         if (a != 2) return Undefined();
         return Ok(U32(meter.core().supply_seconds() / 3600));
       },
       {},
       {}});
  // The pulse input (Z12), as a channel-1 value with the time of its latest pulse
  // (0.1.24.2.1.255, the code head-ends read a connected device's index from); its scaler
  // and unit follow the pulse constant (meters/pulses/pulse_input.h).
  if (info_.pulse_input) {
    Add({kExtendedRegisterClass,
         0,
         kPulseInputObis,
         {kR, kR, kR, kR, kR},
         {MethodAccess::kNoAccess},
         {}},
        {[](const Meter& meter, int8_t a, const auto&) -> GetDataResult {
           const PulseInputChannel* channel = meter.pulse_input();
           if (channel == nullptr)
             return GetDataResult::Error(DataAccessResult::kObjectUnavailable);
           const PulseInputReading reading = channel->input().reading();
           switch (a) {
             case 2:
               return Ok(DataValue::Long64Unsigned(reading.value));
             case 3:
               return Ok(ScalerUnitValue(reading.scaler, static_cast<Unit>(reading.unit)));
             case 4:
               return Ok(DataValue::Null());
             case 5: {
               const auto last = channel->input().last_pulse();
               return Ok(last ? TimeValue(*last) : NoTime());
             }
             default:
               return Undefined();
           }
         },
         {},
         {}});
  }
  // Push setup (class 40, IEC 62056-6-2 4.4.8) of the pushes the meter sends to the
  // collector over the mesh (cosem-object-model.md, "Consumer-port push").
  Add({kPushSetupClass,
       0,
       Obis(0, 0, 25, 9, 0, 255),
       {kR, kR, kR, kR, kR, kR, kR},
       {MethodAccess::kNoAccess},
       {}},
      {[](const Meter&, int8_t a, const auto&) -> GetDataResult {
         switch (a) {
           case 2: {
             std::vector<DataValue> objects;
             for (const PushedObject& object : PushObjectList()) {
               objects.push_back(CaptureObject(object.class_id, object.obis, object.attribute));
             }
             return Ok(DataValue::Array(std::move(objects)));
           }
           case 3: {
             // Transport: the radio mesh (a manufacturer-specific service, 200); destination:
             // the collector's node address; message: A-XDR encoded xDLMS APDU (0).
             const std::string collector = "node 0";
             return Ok(DataValue::Structure(
                 {DataValue::Enum(200),
                  DataValue::OctetString(std::vector<uint8_t>(collector.begin(), collector.end())),
                  DataValue::Enum(0)}));
           }
           case 4:
             return Ok(DataValue::Array({}));  // communication window: always
           case 5:
             // Randomisation is the meter's seeded push offset, fixed per meter, not drawn.
             return Ok(DataValue::LongUnsigned(0));
           case 6:
             return Ok(DataValue::Unsigned(0));  // number_of_retries: the mesh retries
           case 7:
             return Ok(DataValue::LongUnsigned(0));
           default:
             return Undefined();
         }
       },
       {},
       {}});

  AddRegisters();
  AddProfiles();
}

void MeterObjectTable::Add(CosemObject reader, Entry entry, bool public_readable,
                           std::vector<int> management_writes,
                           std::vector<int> management_methods) {
  const Key key{reader.class_id, reader.logical_name};
  entry_of_[key] = entries_.size();
  entries_.push_back(std::move(entry));

  CosemObject management = reader;
  for (int a : management_writes) {
    management.attributes[static_cast<size_t>(a - 1)] = AttributeAccess::kReadWrite;
  }
  for (int m : management_methods) {
    management.methods[static_cast<size_t>(m - 1)] = MethodAccess::kAccess;
  }
  if (public_readable) {
    CosemObject for_public = reader;
    for (size_t i = 2; i < for_public.attributes.size(); ++i) {
      for_public.attributes[i] = AttributeAccess::kNoAccess;
    }
    index_[0][key] = views_[0].size();
    views_[0].push_back(std::move(for_public));
  }
  index_[1][key] = views_[1].size();
  views_[1].push_back(std::move(reader));
  index_[2][key] = views_[2].size();
  views_[2].push_back(std::move(management));
}

size_t MeterObjectTable::size(dlms::ClientRole role) const {
  const auto index = static_cast<size_t>(role);
  return index < kRoles ? views_[index].size() : 0;
}

void MeterObjectTable::AddRegisters() {
  using ValueOf = std::function<DataValue(const Meter&)>;
  auto add_register = [this](const Obis& obis, int8_t scaler, Unit unit, ValueOf value) {
    Add({kRegisterClass, 0, obis, {kR, kR, kR}, {MethodAccess::kNoAccess}, {}},
        {[scaler, unit, value](const Meter& meter, int8_t a, const auto&) {
           if (a == 2) return Ok(value(meter));
           if (a == 3) return Ok(ScalerUnitValue(scaler, unit));
           return Undefined();
         },
         {},
         {}});
  };

  // Energy (Wh, varh, VAh; exact integers of the core's registers).
  struct EnergyRow {
    uint8_t c;
    Unit unit;
    std::function<uint64_t(const RegisterSet&)> of;
  };
  const EnergyRow rows[] = {
      {1, Unit::kWattHour, [](const RegisterSet& r) { return r.wh(kActiveImport); }},
      {2, Unit::kWattHour, [](const RegisterSet& r) { return r.wh(kActiveExport); }},
      {3, Unit::kVarHour, [](const RegisterSet& r) { return r.reactive_import_varh(); }},
      {4, Unit::kVarHour, [](const RegisterSet& r) { return r.reactive_export_varh(); }},
      {5, Unit::kVarHour, [](const RegisterSet& r) { return r.wh(kReactiveQ1); }},
      {6, Unit::kVarHour, [](const RegisterSet& r) { return r.wh(kReactiveQ2); }},
      {7, Unit::kVarHour, [](const RegisterSet& r) { return r.wh(kReactiveQ3); }},
      {8, Unit::kVarHour, [](const RegisterSet& r) { return r.wh(kReactiveQ4); }},
      {9, Unit::kVoltAmpereHour, [](const RegisterSet& r) { return r.wh(kApparentImport); }},
      {10, Unit::kVoltAmpereHour, [](const RegisterSet& r) { return r.wh(kApparentExport); }},
  };
  for (const EnergyRow& row : rows) {
    auto of = row.of;
    add_register(EnergyObis(row.c), 0, row.unit,
                 [of](const Meter& m) { return U32(of(m.core().registers().total())); });
  }
  for (int t = 1; t <= kTariffs; ++t) {
    const size_t i = static_cast<size_t>(t - 1);
    add_register(EnergyObis(1, static_cast<uint8_t>(t)), 0, Unit::kWattHour, [i](const Meter& m) {
      return U32(m.core().registers().active_import_tariff[i] / kMilliUnitSecondsPerUnitHour);
    });
    add_register(EnergyObis(3, static_cast<uint8_t>(t)), 0, Unit::kVarHour, [i](const Meter& m) {
      return U32(m.core().registers().reactive_import_tariff[i] / kMilliUnitSecondsPerUnitHour);
    });
  }
  for (size_t p = 0; p < kPhases; ++p) {
    const auto c = static_cast<uint8_t>(20 * p);
    add_register(EnergyObis(static_cast<uint8_t>(21 + c)), 0, Unit::kWattHour, [p](const Meter& m) {
      return U32(m.core().registers().phase[p].wh(kActiveImport));
    });
    add_register(EnergyObis(static_cast<uint8_t>(22 + c)), 0, Unit::kWattHour, [p](const Meter& m) {
      return U32(m.core().registers().phase[p].wh(kActiveExport));
    });
  }

  // Instantaneous values (x.7.0): P+/P-/Q+/Q- total and per phase in W and var.
  auto phase_power = [](const Meter& m, size_t p, int kind) -> uint64_t {
    const PhaseValues& v = m.core().present_values()[p];
    switch (kind) {
      case 0:
        return WattsOf(v.active_mw);
      case 1:
        return WattsOf(-static_cast<int64_t>(v.active_mw));
      case 2:
        return WattsOf(v.reactive_mvar);
      default:
        return WattsOf(-static_cast<int64_t>(v.reactive_mvar));
    }
  };
  for (int kind = 0; kind < 4; ++kind) {
    const Unit unit = kind < 2 ? Unit::kWatt : Unit::kVar;
    add_register(Obis(1, 1, static_cast<uint8_t>(1 + kind), 7, 0, 255), 0, unit,
                 [phase_power, kind](const Meter& m) {
                   uint64_t sum = 0;
                   for (size_t p = 0; p < kPhases; ++p) sum += phase_power(m, p, kind);
                   return U32(sum);
                 });
    for (size_t p = 0; p < kPhases; ++p) {
      add_register(Obis(1, 1, static_cast<uint8_t>(21 + 20 * p + kind), 7, 0, 255), 0, unit,
                   [phase_power, kind, p](const Meter& m) { return U32(phase_power(m, p, kind)); });
    }
  }
  // The analysis catalogue's registers (meters/loggers/analysis_log.h): voltages,
  // currents, signed powers, power factors, frequency, phase angles, THD and unbalance,
  // with the scalers the analysis logger and debit logger 2 store them in, so that a
  // profile column and its register read alike. Energy registers above are the same values.
  for (const AnalysisRegisterInfo& info : AnalysisRegisterCatalogue()) {
    const Obis obis = AnalysisObis(info);
    if (entry_of_.contains({kRegisterClass, obis})) continue;
    const AnalysisRegister id = info.id;
    add_register(obis, info.scaler, info.unit,
                 [id](const Meter& m) { return AnalysisDataValue(id, m.core()); });
  }

  // Maximum demand with its capture time (class 4) and the accumulated maxima (class 3).
  struct PeakRow {
    Obis obis;
    PeakIndex index;
    Unit unit;
  };
  const PeakRow peaks[] = {
      {Obis(1, 1, 1, 6, 0, 255), kPeakActiveImport, Unit::kWatt},
      {Obis(1, 1, 1, 6, 1, 255), kPeakActiveImportT1, Unit::kWatt},
      {Obis(1, 1, 1, 6, 2, 255), kPeakActiveImportT2, Unit::kWatt},
      {Obis(1, 1, 3, 6, 0, 255), kPeakReactiveImport, Unit::kVar},
      {Obis(1, 1, 3, 6, 1, 255), kPeakReactiveImportT1, Unit::kVar},
      {Obis(1, 1, 3, 6, 2, 255), kPeakReactiveImportT2, Unit::kVar},
      {Obis(1, 1, 9, 6, 0, 255), kPeakApparentImport, Unit::kVoltAmpere},
      {Obis(1, 1, 10, 6, 0, 255), kPeakApparentExport, Unit::kVoltAmpere},
  };
  for (const PeakRow& row : peaks) {
    const PeakIndex index = row.index;
    const Unit unit = row.unit;
    Add({kExtendedRegisterClass, 0, row.obis, {kR, kR, kR, kR, kR}, {MethodAccess::kNoAccess}, {}},
        {[index, unit](const Meter& meter, int8_t a, const auto&) -> GetDataResult {
           const Peak& peak = meter.core().demand().peaks[index];
           switch (a) {
             case 2:
               return Ok(DataValue::DoubleLongUnsigned(peak.value));
             case 3:
               return Ok(ScalerUnitValue(0, unit));
             case 4:
               return Ok(DataValue::Null());  // status: none kept
             case 5:
               return Ok(peak.at_unix_s == 0
                             ? NoTime()
                             : TimeValue(TimePoint(std::chrono::seconds(peak.at_unix_s))));
             default:
               return Undefined();
           }
         },
         {},
         {}});
  }
  const std::pair<Obis, AccumulatedIndex> accumulated[] = {
      {Obis(1, 1, 1, 2, 0, 255), kAccumulatedActiveImport},
      {Obis(1, 1, 1, 2, 1, 255), kAccumulatedActiveImportT1},
      {Obis(1, 1, 1, 2, 2, 255), kAccumulatedActiveImportT2},
      {Obis(1, 1, 3, 2, 0, 255), kAccumulatedReactiveImport},
  };
  for (const auto& [obis, index] : accumulated) {
    const Unit unit = index == kAccumulatedReactiveImport ? Unit::kVar : Unit::kWatt;
    add_register(obis, 0, unit, [index = index](const Meter& m) {
      return DataValue::DoubleLongUnsigned(m.core().demand().accumulated[index]);
    });
  }

  // Demand register (class 5, IEC 62056-6-2 4.3.4): the average P+ over the running
  // integration period so far and the last closed one.
  const uint32_t period_s = uint32_t{info_.integration_period_min} * 60;
  Add({kDemandRegisterClass,
       0,
       Obis(1, 1, 1, 4, 0, 255),
       {kR, kR, kR, kR, kR, kR, kR, kR, kR},
       {MethodAccess::kNoAccess, MethodAccess::kNoAccess},
       {}},
      {[period_s](const Meter& meter, int8_t a, const auto&) -> GetDataResult {
         const MeterCore& core = meter.core();
         const int64_t rtc_s = ToUnixMicros(core.rtc_time()) / 1'000'000;
         const int64_t start_s = rtc_s - rtc_s % period_s;
         switch (a) {
           case 2: {
             const int64_t elapsed = rtc_s - start_s;
             const uint64_t energy = core.registers().total().wh(kActiveImport);
             const uint64_t start_wh = core.demand().period_start[0] / kMilliUnitSecondsPerUnitHour;
             const uint64_t watts =
                 elapsed > 0 && energy > start_wh
                     ? (energy - start_wh) * 3600 / static_cast<uint64_t>(elapsed)
                     : 0;
             return Ok(U32(watts));
           }
           case 3:
             return Ok(DataValue::DoubleLongUnsigned(core.demand().last_average_active_import_w));
           case 4:
             return Ok(ScalerUnitValue(0, Unit::kWatt));
           case 5:
             return Ok(DataValue::Null());
           case 6:
             return Ok(TimeValue(TimePoint(std::chrono::seconds(start_s))));
           case 7:
             return Ok(TimeValue(TimePoint(std::chrono::seconds(start_s))));
           case 8:
             return Ok(DataValue::DoubleLongUnsigned(period_s));
           case 9:
             return Ok(DataValue::LongUnsigned(1));
           default:
             return Undefined();
         }
       },
       {},
       {}});
}

void MeterObjectTable::AddProfiles() {
  const std::vector<MethodAccess> no_methods(2, MethodAccess::kNoAccess);  // reset, capture
  const std::vector<AttributeAccess> read_all(8, kR);
  auto add_profile = [&](const Obis& obis, ProfileOf profile_of) {
    Add({kProfileClass, 1, obis, read_all, no_methods, {1, 2}},
        {[profile_of](const Meter& meter, int8_t a,
                      const std::optional<dlms::SelectiveAccess>& access) {
           auto profile = profile_of(meter);
           if (!profile) return GetDataResult::Error(DataAccessResult::kObjectUnavailable);
           return ProfileAttribute(*profile, a, access);
         },
         {},
         {}});
  };

  // Load profile (1.1.99.1.0.255): clock, AMR status, then Z29's channels.
  const uint32_t period_s = uint32_t{info_.integration_period_min} * 60;
  if (info_.load_profile) {
    add_profile(
        Obis(1, 1, 99, 1, 0, 255), [period_s](const Meter& meter) -> std::optional<Profile> {
          const LoadProfileLog* log = meter.load_profile();
          if (log == nullptr) return std::nullopt;
          std::vector<DataValue> columns;
          for (LoadProfileChannel channel : log->channel_list()) {
            columns.push_back(CaptureObject(kRegisterClass, LoadProfileChannelObis(channel), 2));
          }
          return ProfileOfLog(*log, std::move(columns), period_s, [](uint32_t word, size_t) {
            return DataValue::DoubleLongUnsigned(word);
          });
        });
  }

  // Analysis logger (1.1.99.2.0.255) and debit logger 2 (0.0.98.2.0.255): clock, AMR
  // status, then their catalogue registers in capture order.
  auto register_profile = [](const ProfileLog& log, std::span<const AnalysisRegister> registers,
                             uint32_t capture_period_s) {
    std::vector<DataValue> columns;
    for (AnalysisRegister id : registers) {
      columns.push_back(CaptureObject(kRegisterClass, AnalysisObis(AnalysisRegisterInfoOf(id)), 2));
    }
    std::vector<AnalysisRegister> ids(registers.begin(), registers.end());
    return ProfileOfLog(log, std::move(columns), capture_period_s,
                        [ids](uint32_t word, size_t c) { return AnalysisWord(ids[c], word); });
  };
  if (info_.analysis_log) {
    add_profile(Obis(1, 1, 99, 2, 0, 255),
                [register_profile](const Meter& meter) -> std::optional<Profile> {
                  const AnalysisLog* log = meter.analysis_log();
                  if (log == nullptr) return std::nullopt;
                  return register_profile(
                      *log, log->registers(),
                      static_cast<uint32_t>(log->config().interval.count() * 60));
                });
  }
  if (info_.debit_log_2) {
    add_profile(Obis(0, 0, 98, 2, 0, 255),
                [register_profile](const Meter& meter) -> std::optional<Profile> {
                  const DebitLog2* log = meter.debit_log_2();
                  if (log == nullptr) return std::nullopt;
                  return register_profile(*log, log->registers(), 0);  // by calendar
                });
  }

  // Debiting (billing) logger (0.0.98.1.0.255): the datasheet's value set at each
  // debiting period end; energy in Wh/varh/VAh, maxima with their times.
  add_profile(Obis(0, 0, 98, 1, 0, 255), [](const Meter& meter) -> std::optional<Profile> {
    const BillingLog& log = meter.billing_log();
    return Profile{.capture_objects = DataValue::Array(BillingCaptureObjects()),
                   .capture_period_s = 0,
                   .entries_in_use = static_cast<uint32_t>(log.entries_in_use()),
                   .capacity = static_cast<uint32_t>(log.capacity()),
                   .rows = [&log](const ProfileAccess& selection) -> absl::StatusOr<Rows> {
                     const auto entries = log.entries();
                     Rows rows;
                     for (size_t i = 0; i < entries.size(); ++i) {
                       const BillingValues& values = entries[i];
                       const auto number = static_cast<uint32_t>(i + 1);
                       if (number < selection.from_entry ||
                           (selection.to_entry != 0 && number > selection.to_entry) ||
                           (selection.from && values.at < *selection.from) ||
                           (selection.to && values.at > *selection.to)) {
                         continue;
                       }
                       rows.push_back(BillingRow(values));
                     }
                     return rows;
                   }};
  });

  // Event logs: clock and event code (the power failure log: clock and duration).
  for (const EventLogObjects& objects : kEventLogObjects) {
    const EventLogKind kind = objects.kind;
    const Obis code_object = objects.code_object;
    const bool power_failure = kind == EventLogKind::kPowerFailure;
    add_profile(objects.profile, [=](const Meter& meter) -> std::optional<Profile> {
      const EventLogs& logs = meter.events();
      return Profile{
          .capture_objects = DataValue::Array(
              {CaptureObject(kClockClass, kClockObis, 2),
               CaptureObject(power_failure ? kRegisterClass : kDataClass, code_object, 2)}),
          .capture_period_s = 0,
          .entries_in_use = logs.entries_in_use(kind),
          .capacity = logs.capacity(kind),
          .rows = [&logs, kind,
                   power_failure](const ProfileAccess& selection) -> absl::StatusOr<Rows> {
            VMUC_ASSIGN_OR_RETURN(
                auto records, logs.Select(kind, EventSelection{.from = selection.from,
                                                               .to = selection.to,
                                                               .from_entry = selection.from_entry,
                                                               .to_entry = selection.to_entry}));
            Rows rows;
            rows.reserve(records.size());
            for (const EventRecord& record : records) {
              rows.push_back({TimeValue(record.at),
                              power_failure
                                  ? DataValue::DoubleLongUnsigned(record.value)
                                  : DataValue::LongUnsigned(static_cast<uint16_t>(record.code))});
            }
            return rows;
          }};
    });
  }
}

const MeterObjectTable::Entry* MeterDirectory::EntryFor(uint16_t class_id, const Obis& name) const {
  auto it = table_.entry_of_.find({class_id, name});
  return it == table_.entry_of_.end() ? nullptr : &table_.entries_[it->second];
}

void MeterDirectory::ListObjects(dlms::ClientRole role,
                                 const std::function<void(const CosemObject&)>& visit) const {
  const auto index = static_cast<size_t>(role);
  if (index >= MeterObjectTable::kRoles) return;
  for (const CosemObject& object : table_.views_[index]) visit(object);
}

const CosemObject* MeterDirectory::Find(dlms::ClientRole role, uint16_t class_id,
                                        const Obis& name) const {
  const auto index = static_cast<size_t>(role);
  if (index >= MeterObjectTable::kRoles) return nullptr;
  auto it = table_.index_[index].find({class_id, name});
  return it == table_.index_[index].end() ? nullptr : &table_.views_[index][it->second];
}

GetDataResult MeterDirectory::Get(const dlms::AttributeDescriptor& attribute,
                                  const std::optional<dlms::SelectiveAccess>& access) {
  const auto* entry = EntryFor(attribute.class_id, attribute.instance);
  if (entry == nullptr) return Undefined();
  return entry->get(meter_, attribute.attribute_id, access);
}

DataAccessResult MeterDirectory::Set(const dlms::AttributeDescriptor& attribute,
                                     const DataValue& value) {
  const auto* entry = EntryFor(attribute.class_id, attribute.instance);
  if (entry == nullptr || !entry->set) return DataAccessResult::kReadWriteDenied;
  return entry->set(meter_, attribute.attribute_id, value);
}

DataAccessResult MeterDirectory::Action(const dlms::MethodDescriptor& method,
                                        const std::optional<DataValue>& parameters,
                                        std::optional<DataValue>& return_value) {
  const auto* entry = EntryFor(method.class_id, method.instance);
  if (entry == nullptr || !entry->act) return DataAccessResult::kReadWriteDenied;
  return entry->act(meter_, method.method_id, parameters, return_value);
}

}  // namespace vmuc::meters
