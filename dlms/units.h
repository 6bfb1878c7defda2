// DLMS physical units: the `unit` half of a Register's scaler_unit (IEC 62056-6-2 4.3.2,
// DLMS Blue Book table "Enumerated values for physical units"). Only the units the vmuc
// object model uses are named (docs: cosem-object-model.md); the enum is a plain byte so
// any other code read from the wire still fits. Header-only value types, thread-safe.
#ifndef VMUC_DLMS_UNITS_H_
#define VMUC_DLMS_UNITS_H_

#include <cstdint>
#include <string_view>

namespace vmuc::dlms {

enum class Unit : uint8_t {
  kHour = 5,             // h, a duration (time of operation)
  kSecond = 7,           // s, a duration
  kWatt = 27,            // W, active power
  kVoltAmpere = 28,      // VA, apparent power
  kVar = 29,             // var, reactive power
  kWattHour = 30,        // Wh, active energy
  kVoltAmpereHour = 31,  // VAh, apparent energy
  kVarHour = 32,         // varh, reactive energy
  kAmpere = 33,          // A, current
  kVolt = 35,            // V, voltage
  kHertz = 44,           // Hz, frequency
  kPercent = 56,         // %, e.g. THD
  kNone = 255,           // count or dimensionless
};

// The unit's symbol as written after a value ("Wh"); "" for kNone and for codes the
// object model does not use.
constexpr std::string_view UnitSymbol(Unit unit) {
  switch (unit) {
    case Unit::kWatt:
      return "W";
    case Unit::kVoltAmpere:
      return "VA";
    case Unit::kVar:
      return "var";
    case Unit::kWattHour:
      return "Wh";
    case Unit::kVoltAmpereHour:
      return "VAh";
    case Unit::kVarHour:
      return "varh";
    case Unit::kAmpere:
      return "A";
    case Unit::kVolt:
      return "V";
    case Unit::kHertz:
      return "Hz";
    case Unit::kPercent:
      return "%";
    case Unit::kSecond:
      return "s";
    case Unit::kHour:
      return "h";
    case Unit::kNone:
      return "";
  }
  return "";
}

}  // namespace vmuc::dlms

#endif  // VMUC_DLMS_UNITS_H_
