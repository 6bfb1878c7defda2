#include "meters/pulses/s0_output.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/check.h"

namespace vmuc::meters {
namespace {

constexpr int64_t kMillisPerSecond = 1000;

int64_t ToMillis(std::chrono::milliseconds d) { return static_cast<int64_t>(d.count()); }
TimePoint FromUnixMillis(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

// Milliseconds, rounded up, that a register growing by `power_mw` needs to gain
// `distance_mws`: ceil(distance * 1000 / power), split so that nothing overflows.
int64_t CrossingOffsetMs(uint64_t distance_mws, uint64_t power_mw) {
  const uint64_t whole_seconds = distance_mws / power_mw;
  const uint64_t rest = distance_mws % power_mw;  // < power_mw
  const uint64_t rest_ms = (rest * kMillisPerSecond + power_mw - 1) / power_mw;
  return static_cast<int64_t>(whole_seconds * kMillisPerSecond + rest_ms);
}

// Calls `emit(unix_ms)` for each whole-Wh crossing of the segment, in time order.
template <typename Emit>
void ForEachCrossing(uint64_t register_before_mws, int64_t power_mw, int64_t start_unix_s,
                     int64_t seconds, Emit&& emit) {
  VMUC_CHECK(power_mw >= 0, "a pulse train follows a register that never decreases");
  VMUC_CHECK(seconds >= 0, "a segment has a non-negative length");
  if (power_mw == 0 || seconds == 0) return;
  const uint64_t power = static_cast<uint64_t>(power_mw);
  uint64_t gained = 0;
  VMUC_CHECK(!__builtin_mul_overflow(power, static_cast<uint64_t>(seconds), &gained),
             "segment energy overflows 64 bits");
  VMUC_CHECK(register_before_mws <= UINT64_MAX - gained, "register overflows 64 bits");
  const uint64_t first = register_before_mws / kMilliUnitSecondsPerPulse + 1;
  const uint64_t last = (register_before_mws + gained) / kMilliUnitSecondsPerPulse;
  const int64_t start_ms = start_unix_s * kMillisPerSecond;
  for (uint64_t k = first; k <= last; ++k) {
    emit(start_ms + CrossingOffsetMs(k * kMilliUnitSecondsPerPulse - register_before_mws, power));
  }
}

}  // namespace

absl::Status ValidatePulseSettings(const PulseSettings& settings) {
  if (settings.length != kShortPulse && settings.length != kLongPulse) {
    return absl::InvalidArgumentError(absl::StrCat("pulse length ", ToMillis(settings.length),
                                                   " ms is not a Z8 pulse length (30 or 80 ms)"));
  }
  return absl::OkStatus();
}

PulseSettings PulseSettingsFrom(const SoftwareConfig& config) {
  return PulseSettings{.length = config.pulse_length, .led = config.led};
}

bool LedLit(const PulseSettings& settings, int64_t power_mw, TimePoint now,
            std::optional<TimePoint> last_pulse_start) {
  VMUC_CHECK(power_mw >= 0, "an LED follows a register that never decreases");
  if (last_pulse_start.has_value() && *last_pulse_start <= now &&
      now < *last_pulse_start + settings.length) {
    return true;  // flashing: "synchronously with the LED" (S0 pulse output, line 173)
  }
  return power_mw == 0 && settings.led == LedMode::kOnAtNoConsumption;  // Z2
}

S0PulseTrain::S0PulseTrain(PulseSettings settings, PulseObserver observer)
    : settings_(settings), observer_(observer) {
  VMUC_CHECK(ValidatePulseSettings(settings_).ok(), "pulse settings must be validated first");
}

void S0PulseTrain::OnSegment(uint64_t register_before_mws, int64_t power_mw, int64_t start_unix_s,
                             int64_t seconds) {
  const int64_t start_ms = start_unix_s * kMillisPerSecond;
  const int64_t end_ms = start_ms + seconds * kMillisPerSecond;
  VMUC_CHECK(start_ms >= segment_end_ms_, "segments must come in time order");
  // Queued pulses first: their energy was registered before this segment's.
  while (pending_ > 0 && std::max(next_free_ms_, start_ms) <= end_ms) {
    Emit(std::max(next_free_ms_, start_ms));
    --pending_;
  }
  ForEachCrossing(register_before_mws, power_mw, start_unix_s, seconds, [&](int64_t crossing_ms) {
    const int64_t at = std::max(crossing_ms, next_free_ms_);
    if (pending_ == 0 && at <= end_ms) {
      Emit(at);
    } else {
      ++pending_;  // first in, first out: once one waits, every later one waits too
    }
  });
  segment_end_ms_ = end_ms;
}

void S0PulseTrain::Emit(int64_t start_ms) {
  ++count_;
  last_pulse_ms_ = start_ms;
  next_free_ms_ = start_ms + ToMillis(MinimumPulseSpacing(settings_));
  if (observer_.on_pulse != nullptr)
    observer_.on_pulse(observer_.context, FromUnixMillis(start_ms));
}

std::optional<TimePoint> S0PulseTrain::last_pulse_start() const {
  if (last_pulse_ms_ == INT64_MIN) return std::nullopt;
  return FromUnixMillis(last_pulse_ms_);
}

bool S0PulseTrain::LedLit(int64_t power_mw, TimePoint now) const {
  return meters::LedLit(settings_, power_mw, now, last_pulse_start());
}

std::vector<TimePoint> S0PulseTrain::PulsesInSegment(uint64_t register_before_mws, int64_t power_mw,
                                                     int64_t start_unix_s, int64_t seconds) {
  std::vector<TimePoint> pulses;
  ForEachCrossing(register_before_mws, power_mw, start_unix_s, seconds,
                  [&](int64_t crossing_ms) { pulses.push_back(FromUnixMillis(crossing_ms)); });
  return pulses;
}

}  // namespace vmuc::meters
