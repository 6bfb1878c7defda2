// PulseInputRegister: a pulse input of the meter's module (Z3 "Pulse in", e.g. a water,
// gas or sub-meter's pulse output) counted into a register with the unit of Z12.
//
// Datasheet: Z12 "Unit pulse input": 00 none, 01 kWh, 02 m3, 03 L (line 534); the display
// shows a "Pulse input" reading (line 136). The pulse constant (imp per unit) is not a
// Z code: it comes with the module's setup (order form), so it is configured here, from 1
// to 100 000 imp per unit (e.g. 1000 imp/kWh, 100 imp/m3, 1 imp/L).
//
// The register keeps only the pulse count; its reading is derived, as a DLMS register
// value with scaler and unit (IEC 62056-6-2 4.3.2; unit codes from the DLMS Blue Book
// table of physical units):
//   kWh -> Wh (unit 30), m3 -> m3 (unit 13), L -> l, litre (unit 19).
// A litre input reads in litres (unit 19) rather than in m3 with scaler -3: Z12 chose the
// litre, and unit 19 is a DLMS unit of its own; a head-end converts if it wants m3.
// The scaler: the largest power of ten of which one pulse is a whole multiple (down to
// 10^-8 of the unit), so the reading is exact, value * 10^scaler == count / constant:
//   1000 imp/kWh -> value Wh, scaler 0    1 imp/kWh   -> value kWh, scaler 3 (unit Wh)
//   100 imp/m3   -> scaler -2 (0.01 m3)   1 imp/L     -> scaler 0 (litres)
//   400 imp/kWh  -> 2.5 Wh a pulse: scaler -1, value 25 per pulse
// Every constant of the form 2^a * 5^b qualifies (all the usual ones). For any other
// (e.g. 3 imp/L) no decimal scaler is exact; the scaler is then the largest power of ten
// not above one pulse's worth and the value is truncated (floor), so the reading never
// shows more than was counted and steps no coarser than a pulse.
//
// Pulses carry their UTC time stamps, which may not run backwards (equal stamps are
// accepted: a bulk of pulses arrives at one instant). An input with unit none (Z12 00) is
// not a pulse input: it rejects pulses with FailedPrecondition.
//
// State: 24 bytes (config, count, time of the last pulse); it lives in every meter. Plain
// state owned by one meter actor; not thread-safe. Pure: no clock is read.
#ifndef VMUC_METERS_PULSES_PULSE_INPUT_H_
#define VMUC_METERS_PULSES_PULSE_INPUT_H_

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "common/time.h"
#include "meters/configuration/software_config.h"

namespace vmuc::meters {

inline constexpr uint32_t kMaxPulsesPerUnit = 100'000;

// DLMS unit codes of the readings (Blue Book, "Enumerated values for physical units").
inline constexpr uint8_t kDlmsUnitCubicMetre = 13;  // m3
inline constexpr uint8_t kDlmsUnitLitre = 19;       // l
inline constexpr uint8_t kDlmsUnitWattHour = 30;    // Wh
inline constexpr uint8_t kDlmsUnitCount = 255;      // no unit: the reading of unit none

struct PulseInputConfig {
  PulseInputUnit unit = PulseInputUnit::kNone;  // Z12
  uint32_t pulses_per_unit = 1000;              // imp per kWh, m3 or L; 1..100 000
  friend bool operator==(const PulseInputConfig&, const PulseInputConfig&) = default;
};

// The common pulse constant of each unit: 1000 imp/kWh, 100 imp/m3, 1 imp/L (1000 for none).
PulseInputConfig DefaultPulseInputConfig(PulseInputUnit unit);

// InvalidArgument unless pulses_per_unit is 1..100 000; with unit none it is not looked at
// (no pulse is accepted anyway).
absl::Status ValidatePulseInputConfig(const PulseInputConfig& config);

// A DLMS register reading: value * 10^scaler, in `unit` (a DLMS unit code).
struct PulseInputReading {
  uint64_t value = 0;
  int8_t scaler = 0;
  uint8_t unit = kDlmsUnitCount;
  friend bool operator==(const PulseInputReading&, const PulseInputReading&) = default;
};

// The reading of `count` pulses on a validated input (see the header comment for the
// scaler rule). Unit none reads {0, 0, 255}.
PulseInputReading ReadingOf(const PulseInputConfig& config, uint64_t count);

class PulseInputRegister {
 public:
  // `count` restores the count from permanent memory (0 for a new meter; must be 0 for
  // unit none). InvalidArgument for a config that fails ValidatePulseInputConfig.
  static absl::StatusOr<PulseInputRegister> Create(PulseInputConfig config, uint64_t count = 0);

  // Counts `pulses` pulses (>= 1) seen at `t`. FailedPrecondition for unit none,
  // InvalidArgument for `t` before the previous pulse's time or for pulses == 0,
  // OutOfRange if the count would overflow; the register is unchanged on error.
  absl::Status AddPulses(TimePoint t, uint64_t pulses = 1);

  uint64_t count() const { return count_; }
  // Time of the latest pulse counted since Create(); nullopt before the first.
  std::optional<TimePoint> last_pulse() const;
  PulseInputReading reading() const { return ReadingOf(config_, count_); }
  const PulseInputConfig& config() const { return config_; }

  // The count and last pulse time, for the meter's checkpoints (the config is the
  // configuration's).
  void Save(ByteWriter& out) const {
    out.U64(count_);
    out.I64(last_pulse_ns_);
  }
  void Restore(ByteReader& in) {
    count_ = in.U64();
    last_pulse_ns_ = in.I64();
  }

 private:
  PulseInputRegister(PulseInputConfig config, uint64_t count) : config_(config), count_(count) {}

  PulseInputConfig config_;
  uint64_t count_ = 0;
  int64_t last_pulse_ns_ = INT64_MIN;  // INT64_MIN: none yet
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_PULSES_PULSE_INPUT_H_
