// S0PulseTrain: the S0 pulse output and the meter-constant LEDs, as a pulse train that
// follows one energy register.
//
// Datasheet (omnipower-three-phase-datasheet.txt):
//   "S0 pulse output": "Emits pulses of active energy at 1000 pulses per kWh. The pulses are
//     emitted synchronously with the LED. [...] The pulse time is 30 msec." (line 173);
//   technical data: meter constant 1000 imp/kWh; "S0 pulse diode 1000 imp/kWh, kvarh
//     Pulse time 30 ms +/- 10 %"; "S0 pulse output 1000 imp/kWh" (lines 273-275);
//   Z2 "LED configuration": LED off (1) or on (2) at no consumption (line 396);
//   Z8 "Pulse out length": 30 or 80 ms (line 496);
//   "The meter constant LED flashes proportionally to the consumed active energy" (641).
//
// The train: at 1000 imp/kWh one pulse is one Wh (one varh for the reactive LED), so a pulse
// starts each time the register it follows crosses a whole Wh. The registers count mW·s
// (meters/registers/energy_registers.h) and the core integrates constant-power segments of
// whole seconds, so the crossing instants are exact rationals; they are emitted at
// millisecond resolution, rounded up, so a pulse never precedes its energy: the k-th
// crossing of a segment that starts with the register at r mW·s and grows by p mW is at
//   start + ceil((k * 3 600 000 - r) * 1000 / p) ms.
// The count of pulses therefore always equals the register's whole Wh gained while the
// train was fed, which a test compares with the A+ delta.
//
// One class, several instances: the active LED and the S0 output follow A+ (the same
// instants: "synchronous with the LED"), the reactive LED ("kvarh") follows R+ (R1 + R2),
// and a module's pulse outputs (Z3: A+, A-, R+ out) follow their registers. Whether a meter
// has an S0 terminal (type number X13 = 1) is the type number's business, not this one's.
//
// Spacing (a judgement call; the datasheet is silent): a pulse is `length` on and then at
// least `length` off (a pulse counter needs the gap as much as the pulse; IEC 62053-31 asks
// for >= 30 ms of each), so pulse starts are at least 2 * length apart. That caps the
// output at 1 / (2 * length) pulses per second: 60 kW at 30 ms and 22.5 kW at 80 ms. A
// 3x230 V meter at 100 A imports up to 69 kW, so the cap is reachable (at 80 ms easily).
// Pulses that would come too early are queued, never dropped: each starts at
// max(its crossing instant, previous start + 2 * length). Pulses are emitted only up to
// the end of the segment being fed; the rest wait in pending() and start in later
// segments (also segments of zero power), so count() + pending() always equals the Wh
// gained, and count() alone does again once the power falls below the cap for long enough.
//
// Cost: OnSegment does two divisions when no pulse falls in the segment and O(pulses)
// work otherwise; the core calls it only when someone observes the pulses. State is 72
// bytes. Plain state owned by one meter actor; not thread-safe. Pure: no clock is read.
#ifndef VMUC_METERS_PULSES_S0_OUTPUT_H_
#define VMUC_METERS_PULSES_S0_OUTPUT_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "common/time.h"
#include "meters/configuration/software_config.h"

namespace vmuc::meters {

// 1000 imp/kWh (and kvarh): one pulse per 3 600 000 mW·s, i.e. per Wh; the same figure as
// kMilliUnitSecondsPerUnitHour of meters/registers/energy_registers.h.
inline constexpr uint64_t kMilliUnitSecondsPerPulse = 3'600'000;

// Z8's two pulse lengths.
inline constexpr std::chrono::milliseconds kShortPulse{30};
inline constexpr std::chrono::milliseconds kLongPulse{80};

struct PulseSettings {
  std::chrono::milliseconds length = kShortPulse;  // Z8: 30 or 80 ms
  LedMode led = LedMode::kOffAtNoConsumption;      // Z2
  friend bool operator==(const PulseSettings&, const PulseSettings&) = default;
};

// OK for the Z8 lengths (30 or 80 ms); InvalidArgument otherwise.
absl::Status ValidatePulseSettings(const PulseSettings& settings);

// Z8's pulse length and Z2's LED mode of a decoded software configuration.
PulseSettings PulseSettingsFrom(const SoftwareConfig& config);

// The smallest distance between two pulse starts: `length` on plus `length` off.
inline std::chrono::milliseconds MinimumPulseSpacing(const PulseSettings& settings) {
  return 2 * settings.length;
}

// Told of each pulse as it is emitted (in time order). A plain function pointer and a
// context: no allocation, cheap to copy. `on_pulse` null means nobody listens.
struct PulseObserver {
  void (*on_pulse)(void* context, TimePoint pulse_start) = nullptr;
  void* context = nullptr;
};

// Whether a meter-constant LED is lit at `now`. Lit for `length` from the start of a
// pulse; between pulses lit only with Z2 "LED on at no consumption" while the power of the
// register the LED follows is zero (A+ for the active LED: an exporting meter counts as
// no consumption). `last_pulse_start` is the latest pulse start at or before `now`
// (nullopt: none yet). `power_mw` >= 0.
bool LedLit(const PulseSettings& settings, int64_t power_mw, TimePoint now,
            std::optional<TimePoint> last_pulse_start);

class S0PulseTrain {
 public:
  // `settings` must pass ValidatePulseSettings (aborts otherwise).
  explicit S0PulseTrain(PulseSettings settings = {}, PulseObserver observer = {});

  void set_observer(PulseObserver observer) { observer_ = observer; }

  // Feeds one constant-power segment of the followed register: it held
  // `register_before_mws` at `start_unix_s` and grew by `power_mw` (>= 0: the rate at which
  // the register grows, e.g. the sum of the importing phases' P for A+) for `seconds`
  // (>= 0). Emits, in order, the queued pulses and then this segment's crossings whose
  // start falls in [start, start + seconds]; the observer hears each. Segments come in
  // time order: a segment that starts before the previous one ended aborts; a gap between
  // segments is allowed (nothing was registered in it, or nobody fed it).
  void OnSegment(uint64_t register_before_mws, int64_t power_mw, int64_t start_unix_s,
                 int64_t seconds);

  // Pulses started so far.
  uint64_t count() const { return count_; }
  // Pulses owed (their Wh crossed) but queued behind the spacing rule; 0 below the cap.
  uint64_t pending() const { return pending_; }
  // The start of the latest pulse emitted; nullopt before the first.
  std::optional<TimePoint> last_pulse_start() const;
  // The LED at `now`, for `now` at or after the end of the last segment fed.
  bool LedLit(int64_t power_mw, TimePoint now) const;
  const PulseSettings& settings() const { return settings_; }

  // The crossing instants of one segment with no spacing applied (what the train emits
  // below the cap): start + ceil((k * 3 600 000 - register_before) * 1000 / power) ms for
  // each whole Wh k in (register_before, register_before + power * seconds]. For tests.
  static std::vector<TimePoint> PulsesInSegment(uint64_t register_before_mws, int64_t power_mw,
                                                int64_t start_unix_s, int64_t seconds);

 private:
  void Emit(int64_t start_ms);

  PulseSettings settings_;
  PulseObserver observer_;
  uint64_t count_ = 0;
  uint64_t pending_ = 0;
  int64_t next_free_ms_ = INT64_MIN;    // earliest start of the next pulse (Unix ms)
  int64_t last_pulse_ms_ = INT64_MIN;   // INT64_MIN: no pulse yet
  int64_t segment_end_ms_ = INT64_MIN;  // end of the last segment fed
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_PULSES_S0_OUTPUT_H_
