// EnergyRegisters: every energy register of the meter, as exact integers.
//
// Registers count milli-unit-seconds (mW·s, mvar·s, mVA·s) in uint64: 1 Wh = 3 600 000
// mW·s, so a register reads whole Wh by one division, never drifts, and holds 5.1 TWh
// before it wraps. Each measuring system (phase) has its own set; the totals are the
// phases' registrations summed (datasheet, "Energy reading": each system's registration
// "is summed in the meter's main registers"), so a total equals the sum of its phases to
// the last mW·s. A+ and R+ also count per tariff T1..T4 (datasheet, "Permanent memory").
//
// Quadrants per IEC 62053-23: reactive energy goes to R1..R4 by the quadrant of the
// phase's (P, Q); R+ = R1 + R2, R- = R3 + R4. Apparent energy goes to E+ while the phase
// imports (P >= 0) and to E- while it exports.
//
// Energy type (type number X9) decides which registers count: A+ only, A+/A-, or
// A+/A-/R+/R- (which includes R1..R4 and apparent energy). An A+-only meter registers no
// export at all: a phase that exports adds nothing anywhere (documented in
// docs/metrology.md). Plain data; not thread-safe.
#ifndef VMUC_METERS_REGISTERS_ENERGY_REGISTERS_H_
#define VMUC_METERS_REGISTERS_ENERGY_REGISTERS_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "meters/configuration/type_number.h"  // EnergyType: X9
#include "meters/metrology/measurement.h"

namespace vmuc::meters {

inline constexpr uint64_t kMilliUnitSecondsPerUnitHour = 3'600'000;
inline constexpr int kTariffs = 4;

// Indexes into a RegisterSet.
enum Register : uint8_t {
  kActiveImport = 0,  // A+
  kActiveExport,      // A-
  kReactiveQ1,        // R1
  kReactiveQ2,        // R2
  kReactiveQ3,        // R3
  kReactiveQ4,        // R4
  kApparentImport,    // E+
  kApparentExport,    // E-
  kRegisterCount,
};

struct RegisterSet {
  std::array<uint64_t, kRegisterCount> milli_unit_seconds{};

  uint64_t wh(Register r) const { return milli_unit_seconds[r] / kMilliUnitSecondsPerUnitHour; }
  uint64_t reactive_import_varh() const {
    return (milli_unit_seconds[kReactiveQ1] + milli_unit_seconds[kReactiveQ2]) /
           kMilliUnitSecondsPerUnitHour;
  }
  uint64_t reactive_export_varh() const {
    return (milli_unit_seconds[kReactiveQ3] + milli_unit_seconds[kReactiveQ4]) /
           kMilliUnitSecondsPerUnitHour;
  }
  friend bool operator==(const RegisterSet&, const RegisterSet&) = default;
};

struct EnergyRegisters {
  std::array<RegisterSet, kPhases> phase;
  // The totals are the phases summed (derived, not stored: 64 bytes less per meter).
  RegisterSet total() const {
    RegisterSet sum;
    for (size_t r = 0; r < kRegisterCount; ++r) {
      sum.milli_unit_seconds[r] = phase[0].milli_unit_seconds[r] + phase[1].milli_unit_seconds[r] +
                                  phase[2].milli_unit_seconds[r];
    }
    return sum;
  }
  std::array<uint64_t, kTariffs> active_import_tariff{};    // A+ T1..T4, mW·s
  std::array<uint64_t, kTariffs> reactive_import_tariff{};  // R+ T1..T4, mvar·s

  // Adds `seconds` of constant load; `tariff` is 1..4.
  void Integrate(const std::array<PhaseValues, kPhases>& phases, int64_t seconds, int tariff,
                 EnergyType type);

  friend bool operator==(const EnergyRegisters&, const EnergyRegisters&) = default;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_REGISTERS_ENERGY_REGISTERS_H_
