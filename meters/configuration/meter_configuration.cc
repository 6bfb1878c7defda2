#include "meters/configuration/meter_configuration.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/strings.h"

namespace vmuc::meters {
namespace {

using configuration_internal::ErrorList;

bool IsReactive(LoadProfileChannel channel) {
  return channel != LoadProfileChannel::kActiveImport &&
         channel != LoadProfileChannel::kActiveExport;
}

// The Z3 codes HasPulseInput / HasTariffInputs accept, for the error messages; the test
// checks these lists against the functions.
constexpr std::string_view kPulseInputModules = "03, 04, 05, 13, 14, 18..21, 27, 28";
constexpr std::string_view kTariffInputModules = "01, 02, 07..14, 22, 23";

}  // namespace

absl::Status Validate(const TypeNumber& type, const SoftwareConfig& software) {
  VMUC_RETURN_IF_ERROR(type.CheckValues());
  VMUC_RETURN_IF_ERROR(software.CheckValues());

  // "Z29 '2' (A+/A-)" and "X9 is '1' (A+)".
  auto z = [&software](std::string_view field) {
    return absl::StrCat(AsAbsl(field), " ", software.Describe(field));
  };
  auto x = [&type](std::string_view position) {
    return absl::StrCat(AsAbsl(position), " is ", type.Describe(position));
  };
  auto variant_only = [&](std::string_view field, int variant) {
    return absl::StrCat(z(field), " is only available for variant ", variant, "; ", x("X8"));
  };

  ErrorList errors;
  const bool variant_1 = type.variant == Variant::k1;

  // Z18 lines 579-580: the 1107 modes are variant 1 only.
  if (!variant_1 && (software.iec_1107 == Iec1107Setup::kModeACUd ||
                     software.iec_1107 == Iec1107Setup::kModeACUd2)) {
    errors.Add(variant_only("Z18", 1));
  }

  // Z19 lines 582-584: the breaker position must describe the breaker X10 says exists.
  if (software.breaker_position == BreakerPosition::kNoBreaker && type.has_breaker()) {
    errors.Add(absl::StrCat(z("Z19"), " requires X10 = 0 (no breaker); ", x("X10")));
  }
  if (software.breaker_position != BreakerPosition::kNoBreaker && !type.has_breaker()) {
    errors.Add(absl::StrCat(z("Z19"), " requires a breaker (X10 = 3 or 5); ", x("X10")));
  }

  // Z27 line 603: delta values are variant 2 only.
  if (variant_1 && software.load_profile_data == LoadProfileData::kDelta) {
    errors.Add(variant_only("Z27", 2));
  }

  // Z28 lines 605-607: N/A exactly on variant 1.
  const bool encryption_na =
      software.local_interface_encryption == LocalInterfaceEncryption::kNotApplicable;
  if (encryption_na && !variant_1) {
    errors.Add(absl::StrCat(z("Z28"), " is only for variant 1; ", x("X8")));
  }
  if (!encryption_na && variant_1) errors.Add(variant_only("Z28", 2));

  // Z29 lines 612-613: the R1..R4 sets are variant 2 only.
  if (variant_1 && (software.load_profile == LoadProfileSet::kActiveQuadrants ||
                    software.load_profile == LoadProfileSet::kActiveReactiveQuadrants)) {
    errors.Add(variant_only("Z29", 2));
  }
  // Z29 / X9, line 191: a profile logs only what the energy type measures. X9 = 4 is the
  // only energy type with reactive energy, and it has A- as well.
  const std::vector<LoadProfileChannel> channels = Channels(software.load_profile);
  const bool needs_reactive = std::any_of(channels.begin(), channels.end(), IsReactive);
  const bool needs_export = std::find(channels.begin(), channels.end(),
                                      LoadProfileChannel::kActiveExport) != channels.end();
  if (needs_reactive && !type.measures_reactive()) {
    errors.Add(absl::StrCat(z("Z29"), " needs X9 energy type with reactive energy (4); ", x("X9")));
  } else if (needs_export && !type.measures_export()) {
    errors.Add(absl::StrCat(z("Z29"), " needs X9 energy type with A-; ", x("X9")));
  }

  // Z30 line 616: profile 02 is variant 2 only.
  if (variant_1 && software.debit_2_logger_profile == Debit2LoggerProfile::kProfile02) {
    errors.Add(variant_only("Z30", 2));
  }

  // Z12 line 534: a pulse input unit needs a module port that counts pulses.
  if (software.pulse_input_unit != PulseInputUnit::kNone &&
      !HasPulseInput(software.primary_module)) {
    errors.Add(absl::StrCat(z("Z12"), " needs a Z3 configuration with a pulse input (",
                            AsAbsl(kPulseInputModules), "); ", "Z3 is ", software.Describe("Z3")));
  }

  // Z13 line 543: module port control reads the module's tariff inputs.
  if (software.tariff_control == TariffControlPlan::kModulePortControl &&
      !HasTariffInputs(software.primary_module)) {
    errors.Add(absl::StrCat(z("Z13"), " needs a Z3 configuration with tariff inputs (",
                            AsAbsl(kTariffInputModules), "); ", "Z3 is ", software.Describe("Z3")));
  }

  return errors.ToStatus();
}

SoftwareConfig DefaultSoftwareConfig(const TypeNumber& type) {
  SoftwareConfig software;
  software.breaker_position =
      type.has_breaker() ? BreakerPosition::kConnected : BreakerPosition::kNoBreaker;
  software.local_interface_encryption = type.variant == Variant::k1
                                            ? LocalInterfaceEncryption::kNotApplicable
                                            : LocalInterfaceEncryption::kEnabled;
  switch (type.energy_type) {
    case EnergyType::kActiveImport:
      software.load_profile = LoadProfileSet::kActiveImport;
      break;
    case EnergyType::kActiveImportExport:
      software.load_profile = LoadProfileSet::kActive;
      break;
    case EnergyType::kActiveAndReactiveImportExport:
      software.load_profile = LoadProfileSet::kActiveReactive;
      break;
  }
  return software;
}

absl::StatusOr<MeterConfiguration> MeterConfiguration::Create(
    std::string_view type_number, const std::map<std::string, std::string>& software_codes) {
  VMUC_ASSIGN_OR_RETURN(TypeNumber type, TypeNumber::Parse(type_number));
  VMUC_ASSIGN_OR_RETURN(SoftwareConfig software,
                        SoftwareConfig::FromCodes(software_codes, DefaultSoftwareConfig(type)));
  VMUC_RETURN_IF_ERROR(meters::Validate(type, software));
  return MeterConfiguration{type, software};
}

}  // namespace vmuc::meters
