#include "meters/configuration/software_config.h"

#include <array>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/status.h"
#include "common/strings.h"

namespace vmuc::meters {
namespace {

using configuration_internal::CodeRow;
using configuration_internal::CodeRows;
using configuration_internal::ErrorList;
using configuration_internal::Quote;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

// The tables of "Configuration – software" (datasheet lines 388-617), in printed order.
// Labels follow the reference transcription (configuration-codes.csv).

// Z1, line 391.
constexpr std::array<CodeRow<DisplayDecimals>, 4> kDisplayDecimals = {{
    {"1", DisplayDecimals::k7Dot0, "7.0"},
    {"2", DisplayDecimals::k6Dot1, "6.1"},
    {"3", DisplayDecimals::k7Dot2, "7.2"},
    {"4", DisplayDecimals::k6Dot3, "6.3"},
}};

// Z2, line 396.
constexpr std::array<CodeRow<LedMode>, 2> kLedModes = {{
    {"1", LedMode::kOffAtNoConsumption, "LED off at no consumption"},
    {"2", LedMode::kOnAtNoConsumption, "LED on at no consumption"},
}};

// Z3, lines 399-428. The ports of each row are in PrimaryModuleRow below.
struct PrimaryModuleRow {
  PrimaryModule module;
  PrimaryModulePorts ports;
};
constexpr IoPort kUnused = {IoFunction::kNone, IoDirection::kUnused, false};
constexpr IoPort In(IoFunction function, bool inverted = false) {
  return {function, IoDirection::kInput, inverted};
}
constexpr IoPort Out(IoFunction function, bool inverted = false) {
  return {function, IoDirection::kOutput, inverted};
}
constexpr bool kInverted = true;
using F = IoFunction;
using P = PrimaryModule;

constexpr std::array<CodeRow<PrimaryModule>, 28> kPrimaryModules = {{
    {"00", P::kNoFunction, "No function"},
    {"01", P::kFourTariff, "4-tariff"},
    {"02", P::kFourTariffInverted, "4-tariff inverted"},
    {"03", P::kPulseInAlarmIn, "Pulse in / Alarm in"},
    {"04", P::kPulseInAlarmInInverted, "Pulse in / Alarm in inverted"},
    {"05", P::kPulseInActiveImportOut, "Pulse in / A+ out"},
    {"06", P::kReactiveImportOutActiveImportOut, "R+ out / A+ out"},
    {"07", P::kTwoTariffAlarmIn, "2-tariff / Alarm in"},
    {"08", P::kTwoTariffInvertedAlarmIn, "2-tariff inverted / Alarm in"},
    {"09", P::kTwoTariffAlarmInInverted, "2-tariff / Alarm in inverted"},
    {"10", P::kTwoTariffInvertedAlarmInInverted, "2-tariff inverted / Alarm in inverted"},
    {"11", P::kTwoTariffActiveImportOut, "2-tariff / A+ out"},
    {"12", P::kTwoTariffInvertedActiveImportOut, "2-tariff inverted / A+ out"},
    {"13", P::kPulseInTwoTariff, "Pulse in / 2-tariff"},
    {"14", P::kPulseInTwoTariffInverted, "Pulse in / 2-tariff inverted"},
    {"15", P::kDebitingStopPulse, "Debiting stop pulse / -"},
    {"16", P::kActiveExportOutActiveImportOut, "A- out / A+ out"},
    {"17", P::kLoadControlLoadStatusControl, "Load control load / Status control"},
    {"18", P::kPulseInLoadTariffSync, "Pulse in / Load tariff sync"},
    {"19", P::kPulseInInvertedLoadTariffSync, "Pulse in inv. / Load tariff sync"},
    {"20", P::kPulseInLoadTariffSyncInverted, "Pulse in / Load tariff sync inverted"},
    {"21", P::kPulseInInvertedLoadTariffSyncInverted, "Pulse in inv. / Load tariff sync inverted"},
    {"22", P::kFourTariffSyncLoadControl, "4-tariff sync load control"},
    {"23", P::kFourTariffSyncLoadControlInverted, "4-tariff sync load control inverted"},
    {"26", P::kLoadControl1LoadControl2, "Load control 1 / Load control 2"},
    {"27", P::kPulseInLoadControl, "Pulse in / Load control"},
    {"28", P::kPulseInToggleLoadControl, "Pulse in / Toggle Load control 1 & 2"},
    {"29", P::kEarthFaultRelays, "Earth fault module with 2x5A relays"},
}};

// The I/O 1 and I/O 2 columns of the same table, read with the row's name.
constexpr std::array<PrimaryModuleRow, 28> kPrimaryModulePorts = {{
    {P::kNoFunction, {kUnused, kUnused}},
    {P::kFourTariff, {In(F::kFourTariff), In(F::kFourTariff)}},
    {P::kFourTariffInverted, {In(F::kFourTariff, kInverted), In(F::kFourTariff, kInverted)}},
    {P::kPulseInAlarmIn, {In(F::kPulseIn), In(F::kAlarmIn)}},
    {P::kPulseInAlarmInInverted, {In(F::kPulseIn), In(F::kAlarmIn, kInverted)}},
    {P::kPulseInActiveImportOut, {In(F::kPulseIn), Out(F::kActiveImportOut)}},
    {P::kReactiveImportOutActiveImportOut, {Out(F::kReactiveImportOut), Out(F::kActiveImportOut)}},
    {P::kTwoTariffAlarmIn, {In(F::kTwoTariff), In(F::kAlarmIn)}},
    {P::kTwoTariffInvertedAlarmIn, {In(F::kTwoTariff, kInverted), In(F::kAlarmIn)}},
    {P::kTwoTariffAlarmInInverted, {In(F::kTwoTariff), In(F::kAlarmIn, kInverted)}},
    {P::kTwoTariffInvertedAlarmInInverted,
     {In(F::kTwoTariff, kInverted), In(F::kAlarmIn, kInverted)}},
    {P::kTwoTariffActiveImportOut, {In(F::kTwoTariff), Out(F::kActiveImportOut)}},
    {P::kTwoTariffInvertedActiveImportOut,
     {In(F::kTwoTariff, kInverted), Out(F::kActiveImportOut)}},
    {P::kPulseInTwoTariff, {In(F::kPulseIn), In(F::kTwoTariff)}},
    {P::kPulseInTwoTariffInverted, {In(F::kPulseIn), In(F::kTwoTariff, kInverted)}},
    {P::kDebitingStopPulse, {In(F::kDebitingStopPulse), kUnused}},
    {P::kActiveExportOutActiveImportOut, {Out(F::kActiveExportOut), Out(F::kActiveImportOut)}},
    {P::kLoadControlLoadStatusControl, {In(F::kLoadControlLoad), Out(F::kStatusControl)}},
    {P::kPulseInLoadTariffSync, {In(F::kPulseIn), Out(F::kLoadTariffSync)}},
    {P::kPulseInInvertedLoadTariffSync, {In(F::kPulseIn, kInverted), Out(F::kLoadTariffSync)}},
    {P::kPulseInLoadTariffSyncInverted, {In(F::kPulseIn), Out(F::kLoadTariffSync, kInverted)}},
    {P::kPulseInInvertedLoadTariffSyncInverted,
     {In(F::kPulseIn, kInverted), Out(F::kLoadTariffSync, kInverted)}},
    {P::kFourTariffSyncLoadControl,
     {In(F::kFourTariffSyncLoadControl), In(F::kFourTariffSyncLoadControl)}},
    {P::kFourTariffSyncLoadControlInverted,
     {In(F::kFourTariffSyncLoadControl, kInverted), In(F::kFourTariffSyncLoadControl, kInverted)}},
    {P::kLoadControl1LoadControl2, {Out(F::kLoadControl1), Out(F::kLoadControl2)}},
    {P::kPulseInLoadControl, {In(F::kPulseIn), Out(F::kLoadControl)}},
    {P::kPulseInToggleLoadControl, {In(F::kPulseIn), Out(F::kToggleLoadControl)}},
    {P::kEarthFaultRelays,
     {{F::kEarthFaultRelay, IoDirection::kI2c, false},
      {F::kEarthFaultRelay, IoDirection::kI2c, false}}},
}};

// Z4, line 429.
constexpr std::array<CodeRow<minutes>, 3> kIntegrationPeriods = {{
    {"2", minutes(15), "15 min"},
    {"3", minutes(30), "30 min"},
    {"4", minutes(60), "60 min"},
}};

// Z5, line 437.
constexpr std::array<CodeRow<OrderForm>, 1> kDisplaySetups = {{
    {"-", OrderForm::kFromOrderForm, "from the display order form"},
}};

// Z6, line 439: the day of the month debiting stops.
constexpr std::array<CodeRow<int>, 28> kDebitingStopDays = {{
    {"01", 1, "day 1"},   {"02", 2, "day 2"},   {"03", 3, "day 3"},   {"04", 4, "day 4"},
    {"05", 5, "day 5"},   {"06", 6, "day 6"},   {"07", 7, "day 7"},   {"08", 8, "day 8"},
    {"09", 9, "day 9"},   {"10", 10, "day 10"}, {"11", 11, "day 11"}, {"12", 12, "day 12"},
    {"13", 13, "day 13"}, {"14", 14, "day 14"}, {"15", 15, "day 15"}, {"16", 16, "day 16"},
    {"17", 17, "day 17"}, {"18", 18, "day 18"}, {"19", 19, "day 19"}, {"20", 20, "day 20"},
    {"21", 21, "day 21"}, {"22", 22, "day 22"}, {"23", 23, "day 23"}, {"24", 24, "day 24"},
    {"25", 25, "day 25"}, {"26", 26, "day 26"}, {"27", 27, "day 27"}, {"28", 28, "day 28"},
}};

// Z7, line 470: {every_months, first_month}.
constexpr std::array<CodeRow<DebitingInterval>, 25> kDebitingIntervals = {{
    {"00", {0, 0}, "None (externally controlled)"},
    {"01", {1, 1}, "Monthly"},
    {"02", {2, 1}, "Every second month, January"},
    {"03", {2, 2}, "Every second month, February"},
    {"04", {3, 1}, "Every third month, January"},
    {"05", {3, 2}, "Every third month, February"},
    {"06", {3, 3}, "Every third month, March"},
    {"07", {6, 1}, "Half-yearly, January"},
    {"08", {6, 2}, "Half-yearly, February"},
    {"09", {6, 3}, "Half-yearly, March"},
    {"10", {6, 4}, "Half-yearly, April"},
    {"11", {6, 5}, "Half-yearly, May"},
    {"12", {6, 6}, "Half-yearly, June"},
    {"13", {12, 1}, "Yearly, January"},
    {"14", {12, 2}, "Yearly, February"},
    {"15", {12, 3}, "Yearly, March"},
    {"16", {12, 4}, "Yearly, April"},
    {"17", {12, 5}, "Yearly, May"},
    {"18", {12, 6}, "Yearly, June"},
    {"19", {12, 7}, "Yearly, July"},
    {"20", {12, 8}, "Yearly, August"},
    {"21", {12, 9}, "Yearly, September"},
    {"22", {12, 10}, "Yearly, October"},
    {"23", {12, 11}, "Yearly, November"},
    {"24", {12, 12}, "Yearly, December"},
}};

// Z8, line 496: one code, two settings.
struct PulseAndAlarm {
  milliseconds pulse_length;
  bool alarm_input_active;
  friend bool operator==(const PulseAndAlarm&, const PulseAndAlarm&) = default;
};
constexpr std::array<CodeRow<PulseAndAlarm>, 4> kPulseAndAlarms = {{
    {"1", {milliseconds(30), false}, "30 ms pulse length / alarm input deactivated"},
    {"2", {milliseconds(30), true}, "30 ms pulse length / alarm input active"},
    {"3", {milliseconds(80), false}, "80 ms pulse length / alarm input deactivated"},
    {"4", {milliseconds(80), true}, "80 ms pulse length / alarm input active"},
}};

// Z9, line 505.
constexpr std::array<CodeRow<OrderForm>, 1> kDisconnectSetups = {{
    {"-", OrderForm::kFromOrderForm, "from the disconnect order form"},
}};

// Z10, line 507.
constexpr std::array<CodeRow<AnalysisLoggerSetup>, 1> kAnalysisLoggerSetups = {{
    {"000", AnalysisLoggerSetup::kDefault, "default setup"},
}};

// Z11, line 509: codes 00..12 are +0..+12 h, codes 13..23 are -11..-1 h.
constexpr std::array<CodeRow<hours>, 24> kGmtOffsets = {{
    {"00", hours(0), "+0 h"},   {"01", hours(1), "+1 h"},    {"02", hours(2), "+2 h"},
    {"03", hours(3), "+3 h"},   {"04", hours(4), "+4 h"},    {"05", hours(5), "+5 h"},
    {"06", hours(6), "+6 h"},   {"07", hours(7), "+7 h"},    {"08", hours(8), "+8 h"},
    {"09", hours(9), "+9 h"},   {"10", hours(10), "+10 h"},  {"11", hours(11), "+11 h"},
    {"12", hours(12), "+12 h"}, {"13", hours(-11), "-11 h"}, {"14", hours(-10), "-10 h"},
    {"15", hours(-9), "-9 h"},  {"16", hours(-8), "-8 h"},   {"17", hours(-7), "-7 h"},
    {"18", hours(-6), "-6 h"},  {"19", hours(-5), "-5 h"},   {"20", hours(-4), "-4 h"},
    {"21", hours(-3), "-3 h"},  {"22", hours(-2), "-2 h"},   {"23", hours(-1), "-1 h"},
}};

// Z12, line 534.
constexpr std::array<CodeRow<PulseInputUnit>, 4> kPulseInputUnits = {{
    {"00", PulseInputUnit::kNone, "none"},
    {"01", PulseInputUnit::kKilowattHour, "kWh"},
    {"02", PulseInputUnit::kCubicMetre, "m3"},
    {"03", PulseInputUnit::kLitre, "L"},
}};

// Z13, line 543.
constexpr std::array<CodeRow<TariffControlPlan>, 4> kTariffControlPlans = {{
    {"-", TariffControlPlan::kFromOrderForm, "from the tariff order form"},
    {"000", TariffControlPlan::kDisabled, "Tariff disabled"},
    {"001", TariffControlPlan::kModulePortControl, "Module port control"},
    {"002", TariffControlPlan::kRegisterControl, "Register control"},
}};

// Z14, line 548.
constexpr std::array<CodeRow<LoadControlPlan>, 3> kLoadControlPlans = {{
    {"-", LoadControlPlan::kFromOrderForm, "from the order form"},
    {"000", LoadControlPlan::kDisabled, "Load control disabled"},
    {"001", LoadControlPlan::kRegisterControl, "Register control"},
}};

// Z15, line 552.
constexpr std::array<CodeRow<DaylightSaving>, 2> kDaylightSavings = {{
    {"000", DaylightSaving::kNone, "No daylight saving time"},
    {"001", DaylightSaving::kEu, "EU daylight saving time"},
}};

// Z16, line 555: the code is the number in the label.
constexpr std::array<CodeRow<int>, 17> kFrequencyCodes = {{
    {"000", 0, "None"},
    {"318", 318, "CH 318 K"},
    {"319", 319, "EU 319 K"},
    {"326", 326, "SE 326 K"},
    {"328", 328, "SE 328 K"},
    {"329", 329, "SE 329 K"},
    {"337", 337, "NO 337 K"},
    {"338", 338, "NO 338 K"},
    {"339", 339, "NO 339 K"},
    {"348", 348, "DK 348 K"},
    {"349", 349, "DK 349 K"},
    {"356", 356, "FI 356 K"},
    {"357", 357, "FI 357 K"},
    {"359", 359, "FI 359 K"},
    {"369", 369, "PL 369 K"},
    {"378", 378, "AT 378 K"},
    {"379", 379, "AT 379 K"},
}};

// Z17, line 573.
constexpr std::array<CodeRow<PushButton2Setup>, 2> kPushButton2Setups = {{
    {"-", PushButton2Setup::kFromOrderForm, "from the PB2 order form"},
    {"000", PushButton2Setup::kNone, "No PB2 setup"},
}};

// Z18, line 576.
constexpr std::array<CodeRow<Iec1107Setup>, 4> kIec1107Setups = {{
    {"-", Iec1107Setup::kFromOrderForm, "from the order form"},
    {"000", Iec1107Setup::kDisabled, "IEC 62056-21 (1107) disabled"},
    {"001", Iec1107Setup::kModeACUd, "Mode A and C, UD"},
    {"002", Iec1107Setup::kModeACUd2, "Mode A and C, UD2"},
}};

// Z19, line 581.
constexpr std::array<CodeRow<BreakerPosition>, 3> kBreakerPositions = {{
    {"0", BreakerPosition::kNoBreaker, "No breaker"},
    {"1", BreakerPosition::kConnected, "Breaker connected"},
    {"2", BreakerPosition::kDisconnected, "Breaker disconnected"},
}};

// Z20, line 585.
constexpr std::array<CodeRow<OrderForm>, 1> kCalendarSetups = {{
    {"-", OrderForm::kFromOrderForm, "from the calendar order form"},
}};

// Z25, line 595.
constexpr std::array<CodeRow<DebitLogger2Interval>, 3> kDebitLogger2Intervals = {{
    {"1", DebitLogger2Interval::kDaily, "daily"},
    {"2", DebitLogger2Interval::kWeekly, "weekly"},
    {"3", DebitLogger2Interval::kMonthly, "monthly"},
}};

// Z26, line 599.
constexpr std::array<CodeRow<AlarmSetup>, 1> kAlarmSetups = {{
    {"000", AlarmSetup::kNoAlarms, "No alarms enabled"},
}};

// Z27, line 601.
constexpr std::array<CodeRow<LoadProfileData>, 2> kLoadProfileData = {{
    {"1", LoadProfileData::kAbsolute, "absolute values"},
    {"2", LoadProfileData::kDelta, "delta values"},
}};

// Z28, line 604.
constexpr std::array<CodeRow<LocalInterfaceEncryption>, 3> kLocalInterfaceEncryptions = {{
    {"0", LocalInterfaceEncryption::kNotApplicable, "N/A"},
    {"1", LocalInterfaceEncryption::kEnabled, "enabled"},
    {"2", LocalInterfaceEncryption::kDisabled, "disabled"},
}};

// Z29, line 608.
constexpr std::array<CodeRow<LoadProfileSet>, 5> kLoadProfileSets = {{
    {"1", LoadProfileSet::kActiveImport, "A+"},
    {"2", LoadProfileSet::kActive, "A+/A-"},
    {"3", LoadProfileSet::kActiveReactive, "A+/A-/R+/R-"},
    {"4", LoadProfileSet::kActiveQuadrants, "A+/A-/R1/R2/R3/R4"},
    {"5", LoadProfileSet::kActiveReactiveQuadrants, "A+/A-/R+/R-/R1/R2/R3/R4"},
}};

// Z30, line 614.
constexpr std::array<CodeRow<Debit2LoggerProfile>, 2> kDebit2LoggerProfiles = {{
    {"1", Debit2LoggerProfile::kProfile01, "profile 01"},
    {"2", Debit2LoggerProfile::kProfile02, "profile 02"},
}};

// Z21..Z24 are absent from the datasheet (its tables jump from Z20 to Z25, line 592).
constexpr std::array<std::string_view, 4> kReservedFields = {"Z21", "Z22", "Z23", "Z24"};

template <typename T, size_t N>
CodeRows<T> Rows(const std::array<CodeRow<T>, N>& table) {
  return CodeRows<T>(table.data(), table.size());
}

template <typename T>
std::string PrintedEnum(T value) {
  return absl::StrCat("value ", static_cast<int>(value));
}

bool IsReserved(std::string_view field) {
  for (std::string_view reserved : kReservedFields) {
    if (field == reserved) return true;
  }
  return false;
}

// The fields in order, with ToCodes()'s codes. Every field of SoftwareConfig is here.
absl::StatusOr<std::vector<FieldCode>> Encode(const SoftwareConfig& c) {
  ErrorList errors;
  const DebitingInterval& interval = c.debiting_interval;
  std::vector<FieldCode> fields = {
      errors.Encode("Z1", c.display_decimals, Rows(kDisplayDecimals),
                    PrintedEnum(c.display_decimals)),
      errors.Encode("Z2", c.led, Rows(kLedModes), PrintedEnum(c.led)),
      errors.Encode("Z3", c.primary_module, Rows(kPrimaryModules), PrintedEnum(c.primary_module)),
      errors.Encode("Z4", c.integration_period, Rows(kIntegrationPeriods),
                    absl::StrCat(c.integration_period.count(), " min")),
      errors.Encode("Z5", c.display_setup, Rows(kDisplaySetups), PrintedEnum(c.display_setup)),
      errors.Encode("Z6", c.debiting_stop_day, Rows(kDebitingStopDays),
                    absl::StrCat("day ", c.debiting_stop_day)),
      errors.Encode("Z7", interval, Rows(kDebitingIntervals),
                    absl::StrCat("every ", interval.every_months, " months from month ",
                                 interval.first_month)),
      errors.Encode("Z8", PulseAndAlarm{c.pulse_length, c.alarm_input_active},
                    Rows(kPulseAndAlarms),
                    absl::StrCat(c.pulse_length.count(), " ms pulse length")),
      errors.Encode("Z9", c.disconnect_setup, Rows(kDisconnectSetups),
                    PrintedEnum(c.disconnect_setup)),
      errors.Encode("Z10", c.analysis_logger, Rows(kAnalysisLoggerSetups),
                    PrintedEnum(c.analysis_logger)),
      errors.Encode("Z11", c.gmt_offset, Rows(kGmtOffsets),
                    absl::StrCat(c.gmt_offset.count(), " h")),
      errors.Encode("Z12", c.pulse_input_unit, Rows(kPulseInputUnits),
                    PrintedEnum(c.pulse_input_unit)),
      errors.Encode("Z13", c.tariff_control, Rows(kTariffControlPlans),
                    PrintedEnum(c.tariff_control)),
      errors.Encode("Z14", c.load_control, Rows(kLoadControlPlans), PrintedEnum(c.load_control)),
      errors.Encode("Z15", c.daylight_saving, Rows(kDaylightSavings),
                    PrintedEnum(c.daylight_saving)),
      errors.Encode("Z16", c.frequency_code, Rows(kFrequencyCodes),
                    absl::StrCat("frequency code ", c.frequency_code)),
      errors.Encode("Z17", c.push_button_2, Rows(kPushButton2Setups), PrintedEnum(c.push_button_2)),
      errors.Encode("Z18", c.iec_1107, Rows(kIec1107Setups), PrintedEnum(c.iec_1107)),
      errors.Encode("Z19", c.breaker_position, Rows(kBreakerPositions),
                    PrintedEnum(c.breaker_position)),
      errors.Encode("Z20", c.calendar_setup, Rows(kCalendarSetups), PrintedEnum(c.calendar_setup)),
      errors.Encode("Z25", c.debit_logger_2_interval, Rows(kDebitLogger2Intervals),
                    PrintedEnum(c.debit_logger_2_interval)),
      errors.Encode("Z26", c.alarms, Rows(kAlarmSetups), PrintedEnum(c.alarms)),
      errors.Encode("Z27", c.load_profile_data, Rows(kLoadProfileData),
                    PrintedEnum(c.load_profile_data)),
      errors.Encode("Z28", c.local_interface_encryption, Rows(kLocalInterfaceEncryptions),
                    PrintedEnum(c.local_interface_encryption)),
      errors.Encode("Z29", c.load_profile, Rows(kLoadProfileSets), PrintedEnum(c.load_profile)),
      errors.Encode("Z30", c.debit_2_logger_profile, Rows(kDebit2LoggerProfiles),
                    PrintedEnum(c.debit_2_logger_profile)),
  };
  VMUC_RETURN_IF_ERROR(errors.ToStatus());
  return fields;
}

}  // namespace

int IntegerDigits(DisplayDecimals format) {
  return format == DisplayDecimals::k7Dot0 || format == DisplayDecimals::k7Dot2 ? 7 : 6;
}

int DecimalPlaces(DisplayDecimals format) {
  switch (format) {
    case DisplayDecimals::k7Dot0:
      return 0;
    case DisplayDecimals::k6Dot1:
      return 1;
    case DisplayDecimals::k7Dot2:
      return 2;
    case DisplayDecimals::k6Dot3:
      return 3;
  }
  VMUC_CHECK(false, "DisplayDecimals outside its table");
  return 0;
}

PrimaryModulePorts Ports(PrimaryModule module) {
  for (const PrimaryModuleRow& row : kPrimaryModulePorts) {
    if (row.module == module) return row.ports;
  }
  VMUC_CHECK(false, "PrimaryModule outside its table");
  return {};
}

namespace {

template <typename Predicate>
bool AnyPort(PrimaryModule module, Predicate predicate) {
  const PrimaryModulePorts ports = Ports(module);
  return predicate(ports.io1) || predicate(ports.io2);
}

}  // namespace

bool HasPulseInput(PrimaryModule module) {
  return AnyPort(module, [](const IoPort& port) { return port.function == F::kPulseIn; });
}

bool HasTariffInputs(PrimaryModule module) {
  return AnyPort(module, [](const IoPort& port) {
    return port.direction == IoDirection::kInput &&
           (port.function == F::kFourTariff || port.function == F::kTwoTariff ||
            port.function == F::kFourTariffSyncLoadControl);
  });
}

bool HasAlarmInput(PrimaryModule module) {
  return AnyPort(module, [](const IoPort& port) { return port.function == F::kAlarmIn; });
}

bool HasPulseOutput(PrimaryModule module) {
  return AnyPort(module, [](const IoPort& port) {
    return port.function == F::kActiveImportOut || port.function == F::kActiveExportOut ||
           port.function == F::kReactiveImportOut;
  });
}

bool DebitingInterval::IsDebitingMonth(int month) const {
  VMUC_CHECK(month >= 1 && month <= 12, "IsDebitingMonth: month outside 1..12");
  if (every_months <= 0) return false;
  const int since_first = month - first_month;
  return ((since_first % every_months) + every_months) % every_months == 0;
}

std::string_view FrequencyCodeCountry(int frequency_code) {
  if (frequency_code == 0) return "";
  for (const CodeRow<int>& row : kFrequencyCodes) {
    if (row.value == frequency_code) return row.label.substr(0, 2);
  }
  return "";
}

std::vector<LoadProfileChannel> Channels(LoadProfileSet set) {
  using C = LoadProfileChannel;
  switch (set) {
    case LoadProfileSet::kActiveImport:
      return {C::kActiveImport};
    case LoadProfileSet::kActive:
      return {C::kActiveImport, C::kActiveExport};
    case LoadProfileSet::kActiveReactive:
      return {C::kActiveImport, C::kActiveExport, C::kReactiveImport, C::kReactiveExport};
    case LoadProfileSet::kActiveQuadrants:
      return {C::kActiveImport, C::kActiveExport, C::kReactiveQ1,
              C::kReactiveQ2,   C::kReactiveQ3,   C::kReactiveQ4};
    case LoadProfileSet::kActiveReactiveQuadrants:
      return {C::kActiveImport, C::kActiveExport, C::kReactiveImport, C::kReactiveExport,
              C::kReactiveQ1,   C::kReactiveQ2,   C::kReactiveQ3,     C::kReactiveQ4};
  }
  VMUC_CHECK(false, "LoadProfileSet outside its table");
  return {};
}

int ChannelCount(LoadProfileSet set) { return static_cast<int>(Channels(set).size()); }

std::string_view ChannelName(LoadProfileChannel channel) {
  switch (channel) {
    case LoadProfileChannel::kActiveImport:
      return "A+";
    case LoadProfileChannel::kActiveExport:
      return "A-";
    case LoadProfileChannel::kReactiveImport:
      return "R+";
    case LoadProfileChannel::kReactiveExport:
      return "R-";
    case LoadProfileChannel::kReactiveQ1:
      return "R1";
    case LoadProfileChannel::kReactiveQ2:
      return "R2";
    case LoadProfileChannel::kReactiveQ3:
      return "R3";
    case LoadProfileChannel::kReactiveQ4:
      return "R4";
  }
  VMUC_CHECK(false, "LoadProfileChannel outside its table");
  return "";
}

absl::StatusOr<SoftwareConfig> SoftwareConfig::FromCodes(
    const std::map<std::string, std::string>& codes) {
  return FromCodes(codes, SoftwareConfig());
}

absl::StatusOr<SoftwareConfig> SoftwareConfig::FromCodes(
    const std::map<std::string, std::string>& codes, const SoftwareConfig& defaults) {
  ErrorList errors;
  // Names every key that is not a field before decoding, so a typo ("z3", "Z 3") is not
  // silently replaced by the default.
  for (const auto& [field, code] : codes) {
    if (IsReserved(field)) {
      if (!code.empty()) {
        errors.Add(absl::StrCat(field, ": ", Quote(code),
                                " given, but Z21..Z24 are not in the datasheet (reserved); "
                                "leave it absent or empty"));
      }
      continue;
    }
    bool known = false;
    for (int z = 1; z <= 30; ++z) known = known || field == absl::StrCat("Z", z);
    if (!known) {
      errors.Add(absl::StrCat(Quote(field), " is not a software configuration field (Z1..Z30)"));
    }
  }

  SoftwareConfig c = defaults;
  // Decodes `field` when given; keeps `current` otherwise.
  auto take = [&]<typename T, size_t N>(std::string_view field,
                                        const std::array<CodeRow<T>, N>& table,
                                        std::string_view what, const T& current) {
    const auto it = codes.find(std::string(field));
    if (it == codes.end()) return current;
    return errors.Decode(field, it->second, Rows(table), what, current);
  };
  c.display_decimals = take("Z1", kDisplayDecimals, "a display decimals code", c.display_decimals);
  c.led = take("Z2", kLedModes, "an LED configuration code", c.led);
  c.primary_module =
      take("Z3", kPrimaryModules, "a primary module configuration code", c.primary_module);
  c.integration_period =
      take("Z4", kIntegrationPeriods, "an integration period code", c.integration_period);
  c.display_setup = take("Z5", kDisplaySetups, "a display configuration code", c.display_setup);
  c.debiting_stop_day =
      take("Z6", kDebitingStopDays, "a debiting stop date code", c.debiting_stop_day);
  c.debiting_interval =
      take("Z7", kDebitingIntervals, "a debiting logging interval code", c.debiting_interval);
  const PulseAndAlarm pulse_and_alarm =
      take("Z8", kPulseAndAlarms, "a pulse out length / alarm input code",
           PulseAndAlarm{c.pulse_length, c.alarm_input_active});
  c.pulse_length = pulse_and_alarm.pulse_length;
  c.alarm_input_active = pulse_and_alarm.alarm_input_active;
  c.disconnect_setup = take("Z9", kDisconnectSetups, "a disconnect setup code", c.disconnect_setup);
  c.analysis_logger =
      take("Z10", kAnalysisLoggerSetups, "an analysis logger setup code", c.analysis_logger);
  c.gmt_offset = take("Z11", kGmtOffsets, "a GMT offset code", c.gmt_offset);
  c.pulse_input_unit = take("Z12", kPulseInputUnits, "a pulse input unit code", c.pulse_input_unit);
  c.tariff_control =
      take("Z13", kTariffControlPlans, "a tariff control plan code", c.tariff_control);
  c.load_control = take("Z14", kLoadControlPlans, "a load control plan code", c.load_control);
  c.daylight_saving =
      take("Z15", kDaylightSavings, "a daylight saving time code", c.daylight_saving);
  c.frequency_code =
      take("Z16", kFrequencyCodes, "a frequency code protocol code", c.frequency_code);
  c.push_button_2 = take("Z17", kPushButton2Setups, "a push button 2 setup code", c.push_button_2);
  c.iec_1107 = take("Z18", kIec1107Setups, "a 1107 configuration code", c.iec_1107);
  c.breaker_position =
      take("Z19", kBreakerPositions, "a breaker position code", c.breaker_position);
  c.calendar_setup = take("Z20", kCalendarSetups, "a calendar setup code", c.calendar_setup);
  c.debit_logger_2_interval = take("Z25", kDebitLogger2Intervals, "a debit logger 2 interval code",
                                   c.debit_logger_2_interval);
  c.alarms = take("Z26", kAlarmSetups, "an alarm configuration code", c.alarms);
  c.load_profile_data =
      take("Z27", kLoadProfileData, "a load profile data code", c.load_profile_data);
  c.local_interface_encryption =
      take("Z28", kLocalInterfaceEncryptions, "a local interface encryption code",
           c.local_interface_encryption);
  c.load_profile =
      take("Z29", kLoadProfileSets, "a load profile configuration code", c.load_profile);
  c.debit_2_logger_profile = take("Z30", kDebit2LoggerProfiles,
                                  "a debit 2 logger configuration code", c.debit_2_logger_profile);
  VMUC_RETURN_IF_ERROR(errors.ToStatus());
  return c;
}

std::map<std::string, std::string> SoftwareConfig::ToCodes() const {
  std::map<std::string, std::string> codes;
  for (FieldCode& field : Fields()) codes.emplace(std::move(field.field), std::move(field.code));
  return codes;
}

absl::Status SoftwareConfig::CheckValues() const { return Encode(*this).status(); }

std::vector<FieldCode> SoftwareConfig::Fields() const {
  absl::StatusOr<std::vector<FieldCode>> fields = Encode(*this);
  VMUC_CHECK(fields.ok(), "SoftwareConfig holds a value outside the datasheet tables");
  return *std::move(fields);
}

std::string SoftwareConfig::Describe(std::string_view field) const {
  for (const FieldCode& f : Fields()) {
    if (f.field == field) return absl::StrCat(Quote(f.code), " (", f.label, ")");
  }
  VMUC_CHECK(false, "Describe: not a software configuration field");
  return "";
}

}  // namespace vmuc::meters
