// TypeNumber: the hardware type number of a Kamstrup OMNIPOWER three-phase meter,
// "68 X1..X16", decoded into one typed field per position.
//
// Source: datasheet "Configuration – hardware" (omnipower-three-phase-datasheet.txt lines
// 338-386; transcribed in configuration-codes.csv, which the tests read). Real example:
// 6841121BN243101040 = three-phase OMNIPOWER, standard housing, 2 systems (Aron), 5-100 A,
// MID class B, generation N, variant 2, A+/A-/R+/R-, standard breaker, mesh radio,
// supercap, S0 output, country code 040.
//
// Grammar accepted by Parse (the canonical form is what ToString prints):
//   type-number = "68" X1 X2 X3 X4 X5 X6 X7 X8 X9 X10 X11 X12 X13 X14 X15 X16
//   each Xn is one character, X14..X16 three decimal digits; 18 characters in all.
//   ASCII spaces anywhere are ignored, so grouped forms such as
//   "68 41 121 BN 2 4 3 1 0 1 040" parse too. Letters are upper case only, as the
//   datasheet prints them (X6 'A'/'B', X7 'N').
//
// A TypeNumber is a plain value: copy it freely, use it from any thread. Its default is
// the real meter above, so TypeNumber{} is a valid meter.
#ifndef VMUC_METERS_CONFIGURATION_TYPE_NUMBER_H_
#define VMUC_METERS_CONFIGURATION_TYPE_NUMBER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "meters/configuration/code_table.h"

namespace vmuc::meters {

// Each enumerator's value is its code character, for readability in a debugger; the
// tables in type_number.cc are the authority.

// X1 - Metertype no. version (datasheet line 341).
enum class MeterType : char { kThreePhase = '4' };
// X2 - Type no. version (line 343).
enum class TypeVersion : char { kOmnipower = '1' };
// X3 - Housing (line 345).
enum class Housing : char { kStandard = '1', kTerminals50mm2TwoScrews = '5' };
// X4 - Measuring systems (line 348). Two systems is the Aron connection on a three-wire
// 3x230 V network without neutral (Technical data, nominal voltage "for Aron meter only").
enum class MeasuringSystems : char { kTwoAron = '2', kThree = '3' };
// X5 - Current range (line 351).
enum class CurrentRange : char {
  k5To100A = '1',
  k5To65A = '4',
  k10To60A = '6',
  k10To80A = '7',
  k5To80A = '8',
};
// X6 - Accuracy class (line 357): MID (EN 50470-3) classes A/B, IEC 62053-21 classes 2/1.
enum class AccuracyClass : char { kMidA = 'A', kMidB = 'B', kIec2 = '2', kIec1 = '1' };
// X7 - Generation (line 362).
enum class Generation : char { kN = 'N' };
// X8 - Variant (line 364). Several software codes exist for one variant only (Z18, Z27,
// Z28, Z29, Z30; see meter_configuration.h).
enum class Variant : char { k1 = '1', k2 = '2' };
// X9 - Energy type (line 367).
enum class EnergyType : char {
  kActiveImport = '1',                  // A+
  kActiveImportExport = '2',            // A+/A-
  kActiveAndReactiveImportExport = '4'  // A+/A-/R+/R-
};
// X10 - Breaker (line 371).
enum class Breaker : char { kNone = '0', kStandard = '3', kVersion2 = '5' };
// X11 - Communication (line 375): built-in radio for the OMNIA mesh network.
enum class Radio : char { kNone = '0', kMesh = '1' };
// X12 - Supply back-up of the real time clock (line 378).
enum class SupplyBackup : char { kSupercap = '0', kSupercapAndBattery = '1' };
// X13 - Interface (line 381). S0 is the DIN 43864 pulse output, 1000 imp/kWh (line 171).
enum class Interface : char { kNone = '0', kS0 = '1', kAps = '2' };

// Imin - Iref (Imax) in milliamperes.
//
// The datasheet gives the full rating only for X5 = 1: "0.25-5(100)A" (Technical data,
// line 244), which X5's table prints as "5-100A". Reading the other rows the same way,
// "a-b A" is Iref = a, Imax = b. Imin is not printed for them; it is taken as Iref / 20,
// the ratio of the printed 0.25-5 A (and within EN 50470-1's Imin <= 0.5 Itr = 0.05 Iref
// for direct-connected meters): 250 mA for Iref 5 A, 500 mA for Iref 10 A.
struct CurrentRating {
  int min_ma = 0;
  int ref_ma = 0;
  int max_ma = 0;
  friend bool operator==(const CurrentRating&, const CurrentRating&) = default;
};
CurrentRating Rating(CurrentRange range);

struct TypeNumber {
  MeterType meter_type = MeterType::kThreePhase;                        // X1 '4'
  TypeVersion type_version = TypeVersion::kOmnipower;                   // X2 '1'
  Housing housing = Housing::kStandard;                                 // X3 '1'
  MeasuringSystems measuring_systems = MeasuringSystems::kTwoAron;      // X4 '2'
  CurrentRange current_range = CurrentRange::k5To100A;                  // X5 '1'
  AccuracyClass accuracy_class = AccuracyClass::kMidB;                  // X6 'B'
  Generation generation = Generation::kN;                               // X7 'N'
  Variant variant = Variant::k2;                                        // X8 '2'
  EnergyType energy_type = EnergyType::kActiveAndReactiveImportExport;  // X9 '4'
  Breaker breaker = Breaker::kStandard;                                 // X10 '3'
  Radio radio = Radio::kMesh;                                           // X11 '1'
  SupplyBackup supply_backup = SupplyBackup::kSupercap;                 // X12 '0'
  Interface interface = Interface::kS0;                                 // X13 '1'
  // X14-X16, 0..999, printed as three digits. The datasheet's only row is "Denmark XXX"
  // (line 385): XXX is a placeholder for digits Kamstrup assigns, not a code, so Parse
  // accepts any three digits and rejects "XXX". The number is kept, not interpreted (the
  // example meter's 040 happens to be ISO 3166-1 numeric for Austria; nothing relies on
  // that).
  int country_code = 40;

  // Parses "6841121BN243101040" (spaces ignored, see the grammar above). Errors name the
  // position, the value and the valid codes, one per bad position, joined by "; ":
  //   "X5: '3' is not a current range code (1, 4, 6, 7, 8)".
  static absl::StatusOr<TypeNumber> Parse(std::string_view text);

  // The canonical 18 characters: Parse(t.ToString()) == t, and ToString() of a parsed
  // canonical string is that string. A value outside the tables (only reachable by
  // assigning a bad country_code or casting an enum) aborts; CheckValues() says so first.
  std::string ToString() const;

  // OK when every field has a code in the datasheet tables.
  absl::Status CheckValues() const;

  // Every position X1..X13 and "X14-X16" with its code and label, in order.
  std::vector<FieldCode> Fields() const;
  // "'4' (A+/A-/R+/R-)" for "X9"; aborts for a name that is not a position.
  std::string Describe(std::string_view position) const;
  // One line for logs: "three-phase meter, OMNIPOWER, standard housing, ...".
  std::string Summary() const;

  bool has_breaker() const { return breaker != Breaker::kNone; }
  bool measures_export() const { return energy_type != EnergyType::kActiveImport; }
  bool measures_reactive() const {
    return energy_type == EnergyType::kActiveAndReactiveImportExport;
  }
  bool is_aron() const { return measuring_systems == MeasuringSystems::kTwoAron; }
  int measuring_system_count() const { return is_aron() ? 2 : 3; }
  // Both X4 options connect three phases; Aron measures them with two systems.
  int phase_count() const { return 3; }
  bool has_neutral() const { return !is_aron(); }
  bool has_radio() const { return radio == Radio::kMesh; }
  bool has_battery() const { return supply_backup == SupplyBackup::kSupercapAndBattery; }
  bool has_s0_output() const { return interface == Interface::kS0; }
  bool is_mid() const {
    return accuracy_class == AccuracyClass::kMidA || accuracy_class == AccuracyClass::kMidB;
  }
  CurrentRating current() const { return Rating(current_range); }

  friend bool operator==(const TypeNumber&, const TypeNumber&) = default;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_CONFIGURATION_TYPE_NUMBER_H_
