#include "meters/pulses/pulse_input.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace vmuc::meters {
namespace {

constexpr int kMaxScaler = 3;   // 1 imp/kWh: one pulse is 10^3 Wh
constexpr int kMinScaler = -8;  // exact readings down to 10^-8 of the unit
constexpr int64_t kNoPulse = INT64_MIN;

uint64_t Pow10(int n) {
  uint64_t p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

// Per Z12 unit: the reading's DLMS unit, how many of its base units one Z12 unit is (kWh
// reads in Wh), and the unit's usual pulse constant. Unit none reads as a count.
struct UnitRow {
  uint8_t dlms_unit;
  uint64_t per_unit;
  uint32_t default_pulses_per_unit;
};
UnitRow RowOf(PulseInputUnit unit) {
  switch (unit) {
    case PulseInputUnit::kKilowattHour:
      return {kDlmsUnitWattHour, 1000, 1000};
    case PulseInputUnit::kCubicMetre:
      return {kDlmsUnitCubicMetre, 1, 100};
    case PulseInputUnit::kLitre:
      return {kDlmsUnitLitre, 1, 1};
    case PulseInputUnit::kNone:
      break;
  }
  return {kDlmsUnitCount, 0, 1000};
}

// value = floor(count * num / den) and value * 10^scaler base units == count pulses.
struct Scale {
  uint64_t num;
  uint64_t den;
  int8_t scaler;
};
Scale ScaleAt(uint64_t per_unit, uint64_t pulses_per_unit, int scaler) {
  // One pulse is per_unit / pulses_per_unit base units, i.e. (that / 10^scaler) steps.
  if (scaler >= 0) return {per_unit, pulses_per_unit * Pow10(scaler), static_cast<int8_t>(scaler)};
  return {per_unit * Pow10(-scaler), pulses_per_unit, static_cast<int8_t>(scaler)};
}
Scale ScaleOf(uint64_t per_unit, uint64_t pulses_per_unit) {
  // Exact: the largest scaler of which one pulse is a whole multiple.
  for (int s = kMaxScaler; s >= kMinScaler; --s) {
    const Scale scale = ScaleAt(per_unit, pulses_per_unit, s);
    if (scale.num % scale.den == 0) return scale;
  }
  // Not exact: the largest scaler not above one pulse (steps no coarser than a pulse).
  for (int s = kMaxScaler; s >= kMinScaler; --s) {
    const Scale scale = ScaleAt(per_unit, pulses_per_unit, s);
    if (scale.num >= scale.den) return scale;
  }
  return ScaleAt(per_unit, pulses_per_unit, kMinScaler);  // unreachable for validated configs
}

}  // namespace

PulseInputConfig DefaultPulseInputConfig(PulseInputUnit unit) {
  return {unit, RowOf(unit).default_pulses_per_unit};
}

absl::Status ValidatePulseInputConfig(const PulseInputConfig& config) {
  if (config.unit == PulseInputUnit::kNone) return absl::OkStatus();
  if (config.pulses_per_unit < 1 || config.pulses_per_unit > kMaxPulsesPerUnit) {
    return absl::InvalidArgumentError(absl::StrCat("pulse input: ", config.pulses_per_unit,
                                                   " pulses per unit is outside 1..",
                                                   kMaxPulsesPerUnit));
  }
  return absl::OkStatus();
}

PulseInputReading ReadingOf(const PulseInputConfig& config, uint64_t count) {
  const UnitRow base = RowOf(config.unit);
  if (base.per_unit == 0) return PulseInputReading{};
  const Scale scale = ScaleOf(base.per_unit, config.pulses_per_unit);
  // floor(count * num / den) without overflowing the product.
  const uint64_t value = count / scale.den * scale.num + count % scale.den * scale.num / scale.den;
  return PulseInputReading{.value = value, .scaler = scale.scaler, .unit = base.dlms_unit};
}

absl::StatusOr<PulseInputRegister> PulseInputRegister::Create(PulseInputConfig config,
                                                              uint64_t count) {
  if (absl::Status status = ValidatePulseInputConfig(config); !status.ok()) return status;
  if (config.unit == PulseInputUnit::kNone && count != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("pulse input: an input with no unit (Z12 00) cannot hold ", count, " pulses"));
  }
  return PulseInputRegister(config, count);
}

absl::Status PulseInputRegister::AddPulses(TimePoint t, uint64_t pulses) {
  if (config_.unit == PulseInputUnit::kNone) {
    return absl::FailedPreconditionError(
        "pulse input: no unit configured (Z12 00), so the input is not a pulse input; pulse "
        "rejected");
  }
  if (pulses == 0) return absl::InvalidArgumentError("pulse input: zero pulses");
  const int64_t t_ns = t.time_since_epoch().count();
  if (last_pulse_ns_ != kNoPulse && t_ns < last_pulse_ns_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "pulse input: pulse at ", FormatRfc3339(t), " is before the previous pulse at ",
        FormatRfc3339(TimePoint(Duration(last_pulse_ns_))), "; time may not run backwards"));
  }
  if (count_ > UINT64_MAX - pulses) {
    return absl::OutOfRangeError("pulse input: the pulse count would overflow 64 bits");
  }
  count_ += pulses;
  last_pulse_ns_ = t_ns;
  return absl::OkStatus();
}

std::optional<TimePoint> PulseInputRegister::last_pulse() const {
  if (last_pulse_ns_ == kNoPulse) return std::nullopt;
  return TimePoint(Duration(last_pulse_ns_));
}

}  // namespace vmuc::meters
