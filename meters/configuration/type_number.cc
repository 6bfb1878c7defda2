#include "meters/configuration/type_number.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/check.h"
#include "common/status.h"
#include "common/strings.h"

namespace vmuc::meters {
namespace {

using configuration_internal::CodeRow;
using configuration_internal::CodeRows;
using configuration_internal::ErrorList;
using configuration_internal::Quote;

// The tables of "Configuration – hardware" (datasheet lines 338-386), in printed order.
// Labels follow the reference transcription (configuration-codes.csv).

constexpr std::array<CodeRow<MeterType>, 1> kMeterTypes = {{
    {"4", MeterType::kThreePhase, "Three-phase meter"},
}};
constexpr std::array<CodeRow<TypeVersion>, 1> kTypeVersions = {{
    {"1", TypeVersion::kOmnipower, "OMNIPOWER"},
}};
constexpr std::array<CodeRow<Housing>, 2> kHousings = {{
    {"1", Housing::kStandard, "Standard housing"},
    {"5", Housing::kTerminals50mm2TwoScrews, "50 mm2 terminals with 2 screws"},
}};
constexpr std::array<CodeRow<MeasuringSystems>, 2> kMeasuringSystems = {{
    {"2", MeasuringSystems::kTwoAron, "2 measuring systems (Aron, 3x230 V)"},
    {"3", MeasuringSystems::kThree, "3 measuring systems"},
}};
constexpr std::array<CodeRow<CurrentRange>, 5> kCurrentRanges = {{
    {"1", CurrentRange::k5To100A, "5-100 A"},
    {"4", CurrentRange::k5To65A, "5-65 A"},
    {"6", CurrentRange::k10To60A, "10-60 A"},
    {"7", CurrentRange::k10To80A, "10-80 A"},
    {"8", CurrentRange::k5To80A, "5-80 A"},
}};
constexpr std::array<CodeRow<AccuracyClass>, 4> kAccuracyClasses = {{
    {"A", AccuracyClass::kMidA, "MID class A"},
    {"B", AccuracyClass::kMidB, "MID class B"},
    {"2", AccuracyClass::kIec2, "IEC class 2"},
    {"1", AccuracyClass::kIec1, "IEC class 1"},
}};
constexpr std::array<CodeRow<Generation>, 1> kGenerations = {{
    {"N", Generation::kN, "Generation N"},
}};
constexpr std::array<CodeRow<Variant>, 2> kVariants = {{
    {"1", Variant::k1, "Variant 1"},
    {"2", Variant::k2, "Variant 2"},
}};
constexpr std::array<CodeRow<EnergyType>, 3> kEnergyTypes = {{
    {"1", EnergyType::kActiveImport, "A+"},
    {"2", EnergyType::kActiveImportExport, "A+/A-"},
    {"4", EnergyType::kActiveAndReactiveImportExport, "A+/A-/R+/R-"},
}};
constexpr std::array<CodeRow<Breaker>, 3> kBreakers = {{
    {"0", Breaker::kNone, "No breaker"},
    {"3", Breaker::kStandard, "Standard breaker"},
    {"5", Breaker::kVersion2, "Breaker version 2"},
}};
constexpr std::array<CodeRow<Radio>, 2> kRadios = {{
    {"0", Radio::kNone, "No radio"},
    {"1", Radio::kMesh, "Radio (mesh)"},
}};
constexpr std::array<CodeRow<SupplyBackup>, 2> kSupplyBackups = {{
    {"0", SupplyBackup::kSupercap, "Supercap"},
    {"1", SupplyBackup::kSupercapAndBattery, "Supercap + battery"},
}};
constexpr std::array<CodeRow<Interface>, 3> kInterfaces = {{
    {"0", Interface::kNone, "No interface"},
    {"1", Interface::kS0, "S0 output"},
    {"2", Interface::kAps, "APS"},
}};

constexpr std::string_view kPrefix = "68";  // Kamstrup electricity meter
constexpr size_t kLength = 18;              // "68" + X1..X13 + X14..X16
constexpr size_t kCountryOffset = 15;
constexpr int kMaxCountryCode = 999;

template <typename T, size_t N>
CodeRows<T> Rows(const std::array<CodeRow<T>, N>& table) {
  return CodeRows<T>(table.data(), table.size());
}

// Names a value that has no row by its enumerator's character (see type_number.h).
template <typename T>
std::string Printed(T value) {
  return absl::StrCat("value ", Quote(std::string(1, static_cast<char>(value))));
}

absl::StatusOr<std::vector<FieldCode>> Encode(const TypeNumber& t) {
  ErrorList errors;
  std::vector<FieldCode> fields = {
      errors.Encode("X1", t.meter_type, Rows(kMeterTypes), Printed(t.meter_type)),
      errors.Encode("X2", t.type_version, Rows(kTypeVersions), Printed(t.type_version)),
      errors.Encode("X3", t.housing, Rows(kHousings), Printed(t.housing)),
      errors.Encode("X4", t.measuring_systems, Rows(kMeasuringSystems),
                    Printed(t.measuring_systems)),
      errors.Encode("X5", t.current_range, Rows(kCurrentRanges), Printed(t.current_range)),
      errors.Encode("X6", t.accuracy_class, Rows(kAccuracyClasses), Printed(t.accuracy_class)),
      errors.Encode("X7", t.generation, Rows(kGenerations), Printed(t.generation)),
      errors.Encode("X8", t.variant, Rows(kVariants), Printed(t.variant)),
      errors.Encode("X9", t.energy_type, Rows(kEnergyTypes), Printed(t.energy_type)),
      errors.Encode("X10", t.breaker, Rows(kBreakers), Printed(t.breaker)),
      errors.Encode("X11", t.radio, Rows(kRadios), Printed(t.radio)),
      errors.Encode("X12", t.supply_backup, Rows(kSupplyBackups), Printed(t.supply_backup)),
      errors.Encode("X13", t.interface, Rows(kInterfaces), Printed(t.interface)),
  };
  if (t.country_code < 0 || t.country_code > kMaxCountryCode) {
    errors.Add(absl::StrCat("X14-X16: country code ", t.country_code,
                            " does not fit three digits (000..999)"));
  } else {
    std::string digits = absl::StrCat(t.country_code);
    digits.insert(0, 3 - digits.size(), '0');
    fields.push_back(FieldCode{"X14-X16", digits, absl::StrCat("country code ", digits)});
  }
  VMUC_RETURN_IF_ERROR(errors.ToStatus());
  return fields;
}

}  // namespace

CurrentRating Rating(CurrentRange range) {
  // See CurrentRating: Iref and Imax as printed, Imin = Iref / 20.
  switch (range) {
    case CurrentRange::k5To100A:
      return {250, 5'000, 100'000};  // "0.25-5(100)A", datasheet line 244
    case CurrentRange::k5To65A:
      return {250, 5'000, 65'000};
    case CurrentRange::k10To60A:
      return {500, 10'000, 60'000};
    case CurrentRange::k10To80A:
      return {500, 10'000, 80'000};
    case CurrentRange::k5To80A:
      return {250, 5'000, 80'000};
  }
  VMUC_CHECK(false, "CurrentRange outside its table");
  return {};
}

absl::StatusOr<TypeNumber> TypeNumber::Parse(std::string_view text) {
  std::string compact;
  for (char c : text) {
    if (c != ' ') compact.push_back(c);
  }
  if (compact.size() != kLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("type number ", Quote(text), " has ", compact.size(),
                     " characters without spaces; expected 18 ('68', X1..X13, X14-X16)"));
  }
  const std::string_view number = compact;
  ErrorList errors;
  if (number.substr(0, 2) != kPrefix) {
    errors.Add(absl::StrCat("prefix: ", Quote(number.substr(0, 2)),
                            " is not the Kamstrup electricity meter prefix (68)"));
  }
  // X1..X13 are one character each, from offset 2.
  auto x = [&number](int position) { return number.substr(1 + position, 1); };
  TypeNumber t;
  t.meter_type =
      errors.Decode("X1", x(1), Rows(kMeterTypes), "a meter type version code", t.meter_type);
  t.type_version =
      errors.Decode("X2", x(2), Rows(kTypeVersions), "a type version code", t.type_version);
  t.housing = errors.Decode("X3", x(3), Rows(kHousings), "a housing code", t.housing);
  t.measuring_systems = errors.Decode("X4", x(4), Rows(kMeasuringSystems),
                                      "a measuring systems code", t.measuring_systems);
  t.current_range =
      errors.Decode("X5", x(5), Rows(kCurrentRanges), "a current range code", t.current_range);
  t.accuracy_class =
      errors.Decode("X6", x(6), Rows(kAccuracyClasses), "an accuracy class code", t.accuracy_class);
  t.generation = errors.Decode("X7", x(7), Rows(kGenerations), "a generation code", t.generation);
  t.variant = errors.Decode("X8", x(8), Rows(kVariants), "a variant code", t.variant);
  t.energy_type =
      errors.Decode("X9", x(9), Rows(kEnergyTypes), "an energy type code", t.energy_type);
  t.breaker = errors.Decode("X10", x(10), Rows(kBreakers), "a breaker code", t.breaker);
  t.radio = errors.Decode("X11", x(11), Rows(kRadios), "a communication code", t.radio);
  t.supply_backup =
      errors.Decode("X12", x(12), Rows(kSupplyBackups), "a supply back-up code", t.supply_backup);
  t.interface = errors.Decode("X13", x(13), Rows(kInterfaces), "an interface code", t.interface);

  const std::string_view country = number.substr(kCountryOffset);
  bool digits = true;
  int value = 0;
  for (char c : country) {
    digits = digits && c >= '0' && c <= '9';
    value = value * 10 + (c - '0');
  }
  if (digits) {
    t.country_code = value;
  } else {
    // "XXX" is the datasheet's placeholder (line 385), not a code.
    errors.Add(absl::StrCat("X14-X16: ", Quote(country),
                            " is not a country code (three digits, 000..999)"));
  }
  VMUC_RETURN_IF_ERROR(errors.ToStatus());
  return t;
}

std::string TypeNumber::ToString() const {
  std::string text(kPrefix);
  for (const FieldCode& field : Fields()) text += field.code;
  return text;
}

absl::Status TypeNumber::CheckValues() const { return Encode(*this).status(); }

std::vector<FieldCode> TypeNumber::Fields() const {
  absl::StatusOr<std::vector<FieldCode>> fields = Encode(*this);
  VMUC_CHECK(fields.ok(), "TypeNumber holds a value outside the datasheet tables");
  return *std::move(fields);
}

std::string TypeNumber::Describe(std::string_view position) const {
  for (const FieldCode& field : Fields()) {
    if (field.field == position) return absl::StrCat(Quote(field.code), " (", field.label, ")");
  }
  VMUC_CHECK(false, "Describe: not a type number position");
  return "";
}

std::string TypeNumber::Summary() const {
  std::vector<std::string> labels;
  for (const FieldCode& field : Fields()) labels.push_back(field.label);
  return absl::StrJoin(labels, ", ");
}

}  // namespace vmuc::meters
