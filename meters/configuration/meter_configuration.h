// MeterConfiguration: a meter's hardware type number and software codes together, checked
// against each other, the input from which a virtual meter is created.
//
// Validate() enforces every combination rule of the datasheet (omnipower-three-phase-
// datasheet.txt) and of the "constraint" column of configuration-codes.csv:
//   Z18 001/002 (Mode A and C)         variant 1 only (X8 = 1)             lines 579-580
//   Z19 0 (no breaker)                 requires X10 = 0                    line 582
//   Z19 1/2 (connected/disconnected)   requires a breaker (X10 = 3 or 5)   lines 583-584
//   Z27 2 (delta values)               variant 2 only                      line 603
//   Z28 0 (N/A)                        variant 1 only                      line 605
//   Z28 1/2 (enabled/disabled)         variant 2 only                      lines 606-607
//   Z29 4/5 (R1..R4 channels)          variant 2 only                      lines 612-613
//   Z29 channels                       measured by X9: A- needs X9 = 2 or 4, R channels
//                                      X9 = 4 ("The number of generated profiles
//                                      corresponds to the selected energy type", line 191)
//   Z30 2 (profile 02)                 variant 2 only                      line 616
//   Z12 unit other than none           a Z3 configuration with a pulse input (Z12 is the
//                                      "Unit pulse input", line 534)
//   Z13 001 (module port control)      a Z3 configuration with tariff inputs (01, 02,
//                                      07..14, 22, 23; see HasTariffInputs)
// Deliberately not rules (judgement calls):
//   Z8 pulse length is accepted whatever X13 says: it also sets the module's pulse outputs
//   (Z3 05, 06, 11, 12, 16), and its other half (alarm input) is independent of X13; with
//   neither an S0 output nor a module pulse output it has no effect, which is harmless.
//   Z8's alarm input likewise does not require a Z3 alarm input.
//   The Austrian load profile footnote (line 201: fixed 15 min) is not enforced: nothing
//   in the datasheet says which country code or Z16 code means Austria.
//
// Plain values; callable from any thread.
#ifndef VMUC_METERS_CONFIGURATION_METER_CONFIGURATION_H_
#define VMUC_METERS_CONFIGURATION_METER_CONFIGURATION_H_

#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "meters/configuration/software_config.h"
#include "meters/configuration/type_number.h"

namespace vmuc::meters {

// OK, or InvalidArgument listing every violated rule above on one line, joined by "; ".
// Each names both fields and their values:
//   "Z29 '2' (A+/A-) needs X9 energy type with A-; X9 is '1' (A+)".
// Values outside the tables (CheckValues of either part) are reported first, alone.
absl::Status Validate(const TypeNumber& type, const SoftwareConfig& software);

// SoftwareConfig's defaults fitted to `type`, so that a meter ordered without software
// codes is valid: Z19 = 1 (connected) with a breaker, 0 without; Z28 = 0 (N/A) for
// variant 1, 1 (enabled) for variant 2; Z29 = the channels of X9's energy type: 1 (A+),
// 2 (A+/A-) or 3 (A+/A-/R+/R-). Every other field keeps SoftwareConfig's default.
SoftwareConfig DefaultSoftwareConfig(const TypeNumber& type);

struct MeterConfiguration {
  TypeNumber type;
  SoftwareConfig software;

  // Parses `type_number` (TypeNumber::Parse), decodes `software_codes` over
  // DefaultSoftwareConfig(type) (SoftwareConfig::FromCodes) and validates the pair. The
  // error is the first failing step's.
  static absl::StatusOr<MeterConfiguration> Create(
      std::string_view type_number, const std::map<std::string, std::string>& software_codes);

  absl::Status Validate() const { return meters::Validate(type, software); }

  friend bool operator==(const MeterConfiguration&, const MeterConfiguration&) = default;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_CONFIGURATION_METER_CONFIGURATION_H_
