// SoftwareConfig: the software configuration codes Z1..Z30 of a Kamstrup OMNIPOWER
// three-phase meter, decoded into typed fields.
//
// Source: datasheet "Configuration – software" (omnipower-three-phase-datasheet.txt lines
// 388-617; transcribed in configuration-codes.csv, which the tests read). Z21..Z24 are not
// in the datasheet: they are reserved and may only be absent or empty.
//
// Input and output form: a map from field name ("Z1".."Z30") to the code exactly as the
// datasheet table prints it: "2", "01", "000", "-" (from the order form). Codes are
// fixed-width: Z3 takes "01", not "1". A field not in the map keeps its default, so {} is
// the factory configuration below. The defaults are the member initializers; they suit
// the README's real meter (6841121BN243101040: variant 2, breaker, four quadrants).
// For another type number use DefaultSoftwareConfig(type) (meter_configuration.h), which
// adjusts Z19, Z28 and Z29 to the hardware.
//
// Which codes fit which hardware (variant, breaker, energy type) is checked by
// Validate() in meter_configuration.h, not here. A SoftwareConfig is a plain value: copy
// it freely, use it from any thread.
#ifndef VMUC_METERS_CONFIGURATION_SOFTWARE_CONFIG_H_
#define VMUC_METERS_CONFIGURATION_SOFTWARE_CONFIG_H_

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "meters/configuration/code_table.h"

namespace vmuc::meters {

// Z1 Decimals in display (line 391): integer digits and decimals of the energy readings.
enum class DisplayDecimals { k7Dot0, k6Dot1, k7Dot2, k6Dot3 };
int IntegerDigits(DisplayDecimals format);  // 7, 6, 7, 6
int DecimalPlaces(DisplayDecimals format);  // 0, 1, 2, 3

// Z2 LED configuration (line 396).
enum class LedMode { kOffAtNoConsumption, kOnAtNoConsumption };

// Z3 Primary module configuration (line 399): what the module's two I/O ports do. The
// enumerator's value is the code; 24 and 25 are not in the table.
enum class PrimaryModule {
  kNoFunction = 0,
  kFourTariff = 1,
  kFourTariffInverted = 2,
  kPulseInAlarmIn = 3,
  kPulseInAlarmInInverted = 4,
  kPulseInActiveImportOut = 5,            // Pulse in / A+ out
  kReactiveImportOutActiveImportOut = 6,  // R+ out / A+ out
  kTwoTariffAlarmIn = 7,
  kTwoTariffInvertedAlarmIn = 8,
  kTwoTariffAlarmInInverted = 9,
  kTwoTariffInvertedAlarmInInverted = 10,
  kTwoTariffActiveImportOut = 11,
  kTwoTariffInvertedActiveImportOut = 12,
  kPulseInTwoTariff = 13,
  kPulseInTwoTariffInverted = 14,
  kDebitingStopPulse = 15,
  kActiveExportOutActiveImportOut = 16,  // A- out / A+ out
  kLoadControlLoadStatusControl = 17,
  kPulseInLoadTariffSync = 18,
  kPulseInInvertedLoadTariffSync = 19,
  kPulseInLoadTariffSyncInverted = 20,
  kPulseInInvertedLoadTariffSyncInverted = 21,
  kFourTariffSyncLoadControl = 22,
  kFourTariffSyncLoadControlInverted = 23,
  kLoadControl1LoadControl2 = 26,
  kPulseInLoadControl = 27,
  kPulseInToggleLoadControl = 28,
  kEarthFaultRelays = 29,  // Earth fault module with 2x5A relays
};

// The table's I/O 1 / I/O 2 columns: "-", Input, Output or I2C.
enum class IoDirection { kUnused, kInput, kOutput, kI2c };
// What one port does, from the row's name ("2-tariff inverted / A+ out": I/O 1 is a
// 2-tariff input, inverted; I/O 2 is an A+ pulse output). Both ports of a 4-tariff row
// carry the tariff (two inputs select one of four tariffs).
enum class IoFunction {
  kNone,
  kFourTariff,
  kTwoTariff,
  kPulseIn,
  kAlarmIn,
  kActiveImportOut,    // A+ pulses
  kActiveExportOut,    // A- pulses
  kReactiveImportOut,  // R+ pulses
  kDebitingStopPulse,
  kLoadControlLoad,
  kStatusControl,
  kLoadTariffSync,
  kFourTariffSyncLoadControl,
  kLoadControl1,
  kLoadControl2,
  kLoadControl,
  kToggleLoadControl,  // Toggle Load control 1 & 2
  kEarthFaultRelay,
};
struct IoPort {
  IoFunction function = IoFunction::kNone;
  IoDirection direction = IoDirection::kUnused;
  bool inverted = false;
  friend bool operator==(const IoPort&, const IoPort&) = default;
};
struct PrimaryModulePorts {
  IoPort io1;
  IoPort io2;
  friend bool operator==(const PrimaryModulePorts&, const PrimaryModulePorts&) = default;
};
PrimaryModulePorts Ports(PrimaryModule module);
// A port counts pulses (IoFunction::kPulseIn, the input Z12 gives a unit to); the
// debiting stop pulse of code 15 is a trigger, not a counted pulse input.
bool HasPulseInput(PrimaryModule module);
// A port selects tariffs: 4-tariff, 2-tariff or 4-tariff sync load control inputs (the
// inputs Z13 "Module port control" reads). "Load tariff sync" is an output and does not
// count.
bool HasTariffInputs(PrimaryModule module);
bool HasAlarmInput(PrimaryModule module);
// A port emits energy pulses (A+, A- or R+ out): what Z8's pulse length applies to
// besides the S0 output.
bool HasPulseOutput(PrimaryModule module);

// Z5 Display configuration, Z9 Disconnect setup, Z20 Calendar setup: the only code is "-",
// "see order form or contact Kamstrup". The setup itself comes from elsewhere.
enum class OrderForm { kFromOrderForm };

// Z7 Debiting logging interval (line 470): debiting happens every `every_months` months,
// starting with `first_month` of the year (1 = January). Code 00 ("None, externally
// controlled") is every_months 0, first_month 0: no month is a debiting month by itself.
struct DebitingInterval {
  int every_months = 1;  // 0 (none), 1, 2, 3, 6 or 12
  int first_month = 1;   // 1..every_months, or 0 for none

  bool externally_controlled() const { return every_months == 0; }
  // Whether the debiting stop date (Z6) of `month` (1..12) logs; aborts for another month.
  bool IsDebitingMonth(int month) const;
  friend bool operator==(const DebitingInterval&, const DebitingInterval&) = default;
};

// Z10 Analysis logger setup (line 507): only the default setup, "000".
enum class AnalysisLoggerSetup { kDefault };
// Z12 Unit pulse input (line 534).
enum class PulseInputUnit { kNone, kKilowattHour, kCubicMetre, kLitre };
// Z13 Tariff control plan (line 543).
enum class TariffControlPlan { kFromOrderForm, kDisabled, kModulePortControl, kRegisterControl };
// Z14 Load control plan (line 548).
enum class LoadControlPlan { kFromOrderForm, kDisabled, kRegisterControl };
// Z15 Daylight saving time / summer-winter time table (line 552).
enum class DaylightSaving { kNone, kEu };
// Z16 Frequency code protocol (line 555): the code number (0 = none, 318 .. 379) is kept
// as printed; its country is the label's prefix: "CH" for 318, "" for 0 or a number that
// is not in the table.
std::string_view FrequencyCodeCountry(int frequency_code);
// Z17 Push button 2 setup (line 573).
enum class PushButton2Setup { kFromOrderForm, kNone };
// Z18 1107 (IEC 62056-21) configuration (line 576); the two modes are variant 1 only.
enum class Iec1107Setup { kFromOrderForm, kDisabled, kModeACUd, kModeACUd2 };
// Z19 Breaker position (line 581): 0 requires a meter without breaker, 1 and 2 one with.
enum class BreakerPosition { kNoBreaker, kConnected, kDisconnected };
// Z25 Debitlogger 2 interval (line 595).
enum class DebitLogger2Interval { kDaily, kWeekly, kMonthly };
// Z26 Alarm configuration (line 599): only "000", no alarms enabled.
enum class AlarmSetup { kNoAlarms };
// Z27 Load profile data over DLMS (line 601); delta values are variant 2 only.
enum class LoadProfileData { kAbsolute, kDelta };
// Z28 Local interface encryption (line 604): N/A is variant 1 only, the others variant 2.
enum class LocalInterfaceEncryption { kNotApplicable, kEnabled, kDisabled };

// Z29 Load profile configuration (line 608): which channels the load profile logs. The
// last two sets are variant 2 only; each channel must be measured by the meter's energy
// type (X9), line 191: "The number of generated profiles corresponds to the selected
// energy type".
enum class LoadProfileSet {
  kActiveImport,             // 1: A+
  kActive,                   // 2: A+/A-
  kActiveReactive,           // 3: A+/A-/R+/R-
  kActiveQuadrants,          // 4: A+/A-/R1/R2/R3/R4
  kActiveReactiveQuadrants,  // 5: A+/A-/R+/R-/R1/R2/R3/R4
};
enum class LoadProfileChannel {
  kActiveImport,    // A+
  kActiveExport,    // A-
  kReactiveImport,  // R+
  kReactiveExport,  // R-
  kReactiveQ1,      // R1
  kReactiveQ2,      // R2
  kReactiveQ3,      // R3
  kReactiveQ4,      // R4
};
std::vector<LoadProfileChannel> Channels(LoadProfileSet set);  // in the label's order
int ChannelCount(LoadProfileSet set);                          // 1, 2, 4, 6, 8
std::string_view ChannelName(LoadProfileChannel channel);      // "A+", "R3"

// Z30 Debit 2 logger configuration (line 614); profile 02 is variant 2 only.
enum class Debit2LoggerProfile { kProfile01, kProfile02 };

struct SoftwareConfig {
  DisplayDecimals display_decimals = DisplayDecimals::k7Dot0;  // Z1 '1': whole kWh
  LedMode led = LedMode::kOffAtNoConsumption;                  // Z2 '1'
  PrimaryModule primary_module = PrimaryModule::kNoFunction;   // Z3 '00': no module
  std::chrono::minutes integration_period{15};                 // Z4 '2': 15, 30 or 60 min
  OrderForm display_setup = OrderForm::kFromOrderForm;         // Z5 '-'
  int debiting_stop_day = 1;                                   // Z6 '01': day 1..28
  DebitingInterval debiting_interval;                          // Z7 '01': monthly
  // Z8 '1' carries two settings: pulse out length 30 or 80 ms (S0 datasheet value 30 ms,
  // line 275) and whether the module's alarm input is active.
  std::chrono::milliseconds pulse_length{30};                           // Z8 '1'
  bool alarm_input_active = false;                                      // Z8 '1'
  OrderForm disconnect_setup = OrderForm::kFromOrderForm;               // Z9 '-'
  AnalysisLoggerSetup analysis_logger = AnalysisLoggerSetup::kDefault;  // Z10 '000'
  // Offset of standard (winter) time from GMT, -11..+12 h; summer time is Z15's.
  std::chrono::hours gmt_offset{1};                                 // Z11 '01': DK/NO/SE/DE
  PulseInputUnit pulse_input_unit = PulseInputUnit::kNone;          // Z12 '00'
  TariffControlPlan tariff_control = TariffControlPlan::kDisabled;  // Z13 '000'
  LoadControlPlan load_control = LoadControlPlan::kDisabled;        // Z14 '000'
  DaylightSaving daylight_saving = DaylightSaving::kEu;             // Z15 '001'
  int frequency_code = 0;                                           // Z16 '000': none
  PushButton2Setup push_button_2 = PushButton2Setup::kNone;         // Z17 '000'
  Iec1107Setup iec_1107 = Iec1107Setup::kDisabled;                  // Z18 '000'
  BreakerPosition breaker_position = BreakerPosition::kConnected;   // Z19 '1'
  OrderForm calendar_setup = OrderForm::kFromOrderForm;             // Z20 '-'
  DebitLogger2Interval debit_logger_2_interval = DebitLogger2Interval::kDaily;  // Z25 '1'
  AlarmSetup alarms = AlarmSetup::kNoAlarms;                                    // Z26 '000'
  LoadProfileData load_profile_data = LoadProfileData::kAbsolute;               // Z27 '1'
  LocalInterfaceEncryption local_interface_encryption =
      LocalInterfaceEncryption::kEnabled;                         // Z28 '1'
  LoadProfileSet load_profile = LoadProfileSet::kActiveReactive;  // Z29 '3': A+/A-/R+/R-
  Debit2LoggerProfile debit_2_logger_profile = Debit2LoggerProfile::kProfile01;  // Z30 '1'

  // Decodes `codes` over the defaults above (or over `defaults`). Errors name each bad
  // field, its value and the valid codes, joined by "; " on one line:
  //   "Z3: '24' is not a primary module configuration code (00..23, 26, 27, 28, 29)".
  // A key other than "Z1".."Z30" is an error; so is a non-empty Z21..Z24.
  static absl::StatusOr<SoftwareConfig> FromCodes(const std::map<std::string, std::string>& codes);
  static absl::StatusOr<SoftwareConfig> FromCodes(const std::map<std::string, std::string>& codes,
                                                  const SoftwareConfig& defaults);

  // Every field Z1..Z20 and Z25..Z30 (not the reserved Z21..Z24) with its code:
  // FromCodes(c.ToCodes()) == c. A value outside the tables (a hand-set 20 min period,
  // day 29 ...) aborts; CheckValues() reports it as an error first.
  std::map<std::string, std::string> ToCodes() const;

  // OK when every field has a code in the datasheet tables.
  absl::Status CheckValues() const;

  // The fields of ToCodes() with their labels, in order Z1..Z30.
  std::vector<FieldCode> Fields() const;
  // "'3' (A+/A-/R+/R-)" for "Z29"; aborts for a name that is not a field of Fields().
  std::string Describe(std::string_view field) const;

  bool IsDebitingMonth(int month) const { return debiting_interval.IsDebitingMonth(month); }

  friend bool operator==(const SoftwareConfig&, const SoftwareConfig&) = default;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_CONFIGURATION_SOFTWARE_CONFIG_H_
