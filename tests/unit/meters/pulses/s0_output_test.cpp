#include "meters/pulses/s0_output.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

#include "meters/configuration/software_config.h"

namespace vmuc::meters {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr uint64_t kWh = 3'600'000;              // mW·s
constexpr int64_t kStart = 1'767'225'600;        // 2026-01-01T00:00:00Z
constexpr int64_t kMeterMaximumMw = 69'000'000;  // 3 x 230 V x 100 A

TimePoint At(int64_t unix_s) { return TimePoint(seconds(unix_s)); }
int64_t UnixMs(TimePoint t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

struct Recorder {
  std::vector<TimePoint> pulses;
  static void On(void* context, TimePoint pulse_start) {
    static_cast<Recorder*>(context)->pulses.push_back(pulse_start);
  }
  PulseObserver observer() { return PulseObserver{&Recorder::On, this}; }
};

// The pulse of the k-th whole Wh is at the first millisecond at which the register holds
// k Wh: not a millisecond earlier (never before its energy), not a millisecond later.
void ExpectExactCrossing(uint64_t register_before, int64_t power_mw, int64_t start_s, uint64_t k,
                         TimePoint pulse) {
  const int64_t offset_ms = UnixMs(pulse) - start_s * 1000;
  ASSERT_GT(offset_ms, 0);
  const uint64_t p = static_cast<uint64_t>(power_mw);
  const uint64_t target = k * kWh * 1000;  // in mW·ms
  EXPECT_GE(register_before * 1000 + p * static_cast<uint64_t>(offset_ms), target) << k;
  EXPECT_LT(register_before * 1000 + p * static_cast<uint64_t>(offset_ms - 1), target) << k;
}

TEST(S0PulseTrain, OneHourAtConstantPowerGivesOnePulsePerWh) {
  Recorder recorder;
  S0PulseTrain train({}, recorder.observer());
  train.OnSegment(0, 3'600'000, kStart, 3600);  // 3.6 kW: one Wh a second

  ASSERT_EQ(train.count(), 3600u);
  EXPECT_EQ(train.pending(), 0u);
  ASSERT_EQ(recorder.pulses.size(), 3600u);
  for (int64_t i = 0; i < 3600; ++i) {
    EXPECT_EQ(recorder.pulses[static_cast<size_t>(i)], At(kStart + i + 1));
  }
  EXPECT_EQ(train.last_pulse_start(), At(kStart + 3600));
}

TEST(S0PulseTrain, OneHourMatchesTheRegisterDeltaAtAnyPower) {
  const uint64_t before = 123'456'789;
  const int64_t power = 2'345'678;
  const uint64_t after = before + static_cast<uint64_t>(power) * 3600;
  Recorder recorder;
  S0PulseTrain train({}, recorder.observer());
  train.OnSegment(before, power, kStart, 3600);

  EXPECT_EQ(train.count(), after / kWh - before / kWh);
  ASSERT_EQ(recorder.pulses.size(), train.count());
  for (size_t i = 0; i < recorder.pulses.size(); ++i) {
    ExpectExactCrossing(before, power, kStart, before / kWh + 1 + i, recorder.pulses[i]);
  }
  EXPECT_EQ(recorder.pulses, S0PulseTrain::PulsesInSegment(before, power, kStart, 3600));
}

TEST(S0PulseTrain, RandomSegmentsGiveTheRegistersWhAtTheExactInstants) {
  // Below 60 kW, 30 ms pulses never queue: every pulse is at its crossing instant.
  std::mt19937_64 random(20260101);
  for (int hour = 0; hour < 24; ++hour) {
    std::uniform_int_distribution<int64_t> length_s(1, 600);
    std::uniform_int_distribution<int64_t> power_mw(0, 55'000'000);
    std::bernoulli_distribution idle(0.2);
    const uint64_t first_register = random() % (1000 * kWh);
    uint64_t reg = first_register;
    Recorder recorder;
    S0PulseTrain train({}, recorder.observer());
    int64_t t = kStart + hour * 3600;
    const int64_t hour_end = t + 3600;
    while (t < hour_end) {
      const int64_t n = std::min(length_s(random), hour_end - t);
      const int64_t p = idle(random) ? 0 : power_mw(random);
      const uint64_t after = reg + static_cast<uint64_t>(p) * static_cast<uint64_t>(n);
      const size_t first_pulse = recorder.pulses.size();
      const uint64_t count_before = train.count();

      train.OnSegment(reg, p, t, n);

      ASSERT_EQ(train.count() - count_before, after / kWh - reg / kWh);
      ASSERT_EQ(train.pending(), 0u);
      const std::vector<TimePoint> segment(
          recorder.pulses.begin() + static_cast<ptrdiff_t>(first_pulse), recorder.pulses.end());
      EXPECT_EQ(segment, S0PulseTrain::PulsesInSegment(reg, p, t, n));
      for (size_t i = 0; i < segment.size(); ++i) {
        EXPECT_GT(segment[i], At(t));
        EXPECT_LE(segment[i], At(t + n));
        ExpectExactCrossing(reg, p, t, reg / kWh + 1 + i, segment[i]);
      }
      reg = after;
      t += n;
    }
    EXPECT_EQ(train.count(), reg / kWh - first_register / kWh);
    for (size_t i = 1; i < recorder.pulses.size(); ++i) {
      EXPECT_GE(recorder.pulses[i] - recorder.pulses[i - 1], milliseconds(60)) << i;
    }
  }
}

TEST(S0PulseTrain, APulseAtTheSegmentEndBelongsToThatSegment) {
  Recorder recorder;
  S0PulseTrain train({}, recorder.observer());
  train.OnSegment(0, 3'600'000, kStart, 1);  // exactly 1 Wh at the end
  ASSERT_EQ(recorder.pulses, std::vector<TimePoint>{At(kStart + 1)});
  train.OnSegment(kWh, 3'600'000, kStart + 1, 1);
  EXPECT_EQ(recorder.pulses, (std::vector<TimePoint>{At(kStart + 1), At(kStart + 2)}));
}

TEST(S0PulseTrain, NoPulseWithoutEnergyAndNoObserverNeeded) {
  S0PulseTrain train;
  train.OnSegment(kWh - 1, 0, kStart, 3600);
  train.OnSegment(kWh - 1, 1, kStart + 3600, 0);
  EXPECT_EQ(train.count(), 0u);
  EXPECT_EQ(train.last_pulse_start(), std::nullopt);
  train.OnSegment(kWh - 1, 1, kStart + 3600, 1);  // 1 mW for 1 s: the missing mW·s
  EXPECT_EQ(train.count(), 1u);
  EXPECT_EQ(train.last_pulse_start(), At(kStart + 3601));
}

TEST(S0PulseTrain, ZeroEightSetsThePulseLength) {
  for (const auto& [code, length] :
       std::vector<std::pair<std::string, milliseconds>>{{"1", milliseconds(30)},
                                                         {"2", milliseconds(30)},
                                                         {"3", milliseconds(80)},
                                                         {"4", milliseconds(80)}}) {
    absl::StatusOr<SoftwareConfig> config = SoftwareConfig::FromCodes({{"Z8", code}});
    ASSERT_TRUE(config.ok()) << std::string(config.status().message());
    const PulseSettings settings = PulseSettingsFrom(*config);
    EXPECT_EQ(settings.length, length) << code;
    EXPECT_TRUE(ValidatePulseSettings(settings).ok());

    // The LED (and the S0 output) stays on for exactly the pulse length.
    S0PulseTrain train(settings);
    train.OnSegment(0, 3'600'000, kStart, 10);
    const TimePoint pulse = At(kStart + 10);
    ASSERT_EQ(train.last_pulse_start(), pulse);
    EXPECT_TRUE(train.LedLit(3'600'000, pulse));
    EXPECT_TRUE(train.LedLit(3'600'000, pulse + length - milliseconds(1)));
    EXPECT_FALSE(train.LedLit(3'600'000, pulse + length));
  }
}

TEST(S0PulseTrain, OnlyTheZeroEightLengthsAreValid) {
  EXPECT_TRUE(ValidatePulseSettings({.length = milliseconds(30)}).ok());
  EXPECT_TRUE(ValidatePulseSettings({.length = milliseconds(80)}).ok());
  const absl::Status status = ValidatePulseSettings({.length = milliseconds(50)});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(status.message()).find("50 ms"), std::string::npos)
      << std::string(status.message());
  EXPECT_DEATH(S0PulseTrain({.length = milliseconds(0)}), "validated");
}

// Above 1 / (2 * length) pulses a second (60 kW at 30 ms, 22.5 kW at 80 ms) pulses queue,
// 2 * length apart, and none is lost: count() + pending() is the register's Wh throughout,
// and once the power drops the queue drains until count() is.
TEST(S0PulseTrain, PulsesAboveTheCapQueueAndNeverOverlap) {
  for (const milliseconds length : {milliseconds(30), milliseconds(80)}) {
    SCOPED_TRACE(length.count());
    Recorder recorder;
    S0PulseTrain train({.length = length}, recorder.observer());
    uint64_t reg = 0;
    std::vector<TimePoint> crossings;
    int64_t t = kStart;
    // Ten minutes at the meter's maximum in one-second ticks, as the core feeds it.
    for (; t < kStart + 600; ++t) {
      for (TimePoint c : S0PulseTrain::PulsesInSegment(reg, kMeterMaximumMw, t, 1)) {
        crossings.push_back(c);
      }
      train.OnSegment(reg, kMeterMaximumMw, t, 1);
      reg += kMeterMaximumMw;
      ASSERT_EQ(train.count() + train.pending(), reg / kWh);
      ASSERT_LE(train.last_pulse_start(), At(t + 1));  // nothing emitted ahead of time
    }
    EXPECT_GT(train.pending(), 0u);
    // Then no consumption until the queue has drained.
    const int64_t drain_start = t;
    for (; train.pending() > 0; ++t) {
      ASSERT_LT(t, drain_start + 3600);
      train.OnSegment(reg, 0, t, 1);
      ASSERT_EQ(train.count() + train.pending(), reg / kWh);
    }
    EXPECT_EQ(train.count(), reg / kWh);
    EXPECT_EQ(reg / kWh, 11'500u);  // 69 kW for 10 min
    ASSERT_EQ(recorder.pulses.size(), crossings.size());
    for (size_t i = 0; i < recorder.pulses.size(); ++i) {
      EXPECT_GE(recorder.pulses[i], crossings[i]) << i;  // never before its energy
      if (i > 0) {
        EXPECT_GE(recorder.pulses[i] - recorder.pulses[i - 1], 2 * length) << i;  // no overlap
      }
    }
    // Saturated, the output runs at its cap: exactly 2 * length apart.
    EXPECT_EQ(recorder.pulses.back() - recorder.pulses[recorder.pulses.size() - 2], 2 * length);
  }
}

TEST(S0PulseTrain, ZeroTwoSetsTheLedAtNoConsumption) {
  const PulseSettings off{.led = LedMode::kOffAtNoConsumption};
  const PulseSettings on{.led = LedMode::kOnAtNoConsumption};
  const TimePoint now = At(kStart);
  const TimePoint pulse = now - milliseconds(10);
  const TimePoint old_pulse = now - seconds(5);

  // No consumption: steady off or steady on.
  EXPECT_FALSE(LedLit(off, 0, now, std::nullopt));
  EXPECT_TRUE(LedLit(on, 0, now, std::nullopt));
  EXPECT_FALSE(LedLit(off, 0, now, old_pulse));
  EXPECT_TRUE(LedLit(on, 0, now, old_pulse));
  // Consumption: off between pulses in both modes ...
  EXPECT_FALSE(LedLit(off, 1'000'000, now, old_pulse));
  EXPECT_FALSE(LedLit(on, 1'000'000, now, old_pulse));
  // ... and on during a pulse in both modes.
  EXPECT_TRUE(LedLit(off, 1'000'000, now, pulse));
  EXPECT_TRUE(LedLit(on, 1'000'000, now, pulse));
  // A pulse still running when the power drops to zero finishes.
  EXPECT_TRUE(LedLit(off, 0, now, pulse));
  // A pulse not started yet does not light the LED.
  EXPECT_FALSE(LedLit(off, 1'000'000, now, now + milliseconds(1)));
}

TEST(S0PulseTrain, ZeroTwoFromTheSoftwareConfiguration) {
  absl::StatusOr<SoftwareConfig> config = SoftwareConfig::FromCodes({{"Z2", "2"}});
  ASSERT_TRUE(config.ok()) << std::string(config.status().message());
  S0PulseTrain train(PulseSettingsFrom(*config));
  EXPECT_TRUE(train.LedLit(0, At(kStart)));
  EXPECT_FALSE(train.LedLit(500'000, At(kStart)));
  EXPECT_EQ(PulseSettingsFrom(SoftwareConfig{}).led, LedMode::kOffAtNoConsumption);
}

// "S0 pulse diode 1000 imp/kWh, kvarh": the reactive LED is a second train over R+.
TEST(S0PulseTrain, TheReactiveLedIsASecondTrainOverRPlus) {
  Recorder active;
  Recorder reactive;
  S0PulseTrain active_train({}, active.observer());
  S0PulseTrain reactive_train({}, reactive.observer());
  uint64_t a_plus = 0;  // mW·s
  uint64_t r_plus = 0;  // mvar·s
  for (int64_t minute = 0; minute < 60; ++minute) {
    const int64_t p = 1'200'000;  // 1.2 kW
    const int64_t q = 450'000;    // 0.45 kvar inductive
    active_train.OnSegment(a_plus, p, kStart + minute * 60, 60);
    reactive_train.OnSegment(r_plus, q, kStart + minute * 60, 60);
    a_plus += static_cast<uint64_t>(p) * 60;
    r_plus += static_cast<uint64_t>(q) * 60;
  }
  EXPECT_EQ(active_train.count(), 1200u);   // Wh
  EXPECT_EQ(reactive_train.count(), 450u);  // varh
  ASSERT_EQ(reactive.pulses.size(), 450u);
  for (size_t k = 1; k <= reactive.pulses.size(); ++k) {
    EXPECT_EQ(reactive.pulses[k - 1], At(kStart) + seconds(8) * static_cast<int64_t>(k));
  }
  ASSERT_EQ(active.pulses.size(), 1200u);
  EXPECT_EQ(active.pulses.front(), At(kStart + 3));
  // Idle reactive power: the reactive LED shows Z2's idle state on its own.
  EXPECT_FALSE(reactive_train.LedLit(0, At(kStart + 7200)));
}

TEST(S0PulseTrain, SegmentsMayLeaveGapsButNeverGoBack) {
  S0PulseTrain train;
  train.OnSegment(0, 1'000'000, kStart, 60);
  train.OnSegment(60'000'000, 1'000'000, kStart + 120, 60);  // a gap is fine
  EXPECT_EQ(train.count(), 33u);  // 2 x 60 s at 1 kW: 120 000 000 mW·s, 33 whole Wh
  EXPECT_DEATH(train.OnSegment(120'000'000, 1'000'000, kStart + 170, 10), "time order");
  EXPECT_DEATH(train.OnSegment(120'000'000, -1, kStart + 180, 10), "never decreases");
}

TEST(S0PulseTrain, StateIsSmall) { EXPECT_LE(sizeof(S0PulseTrain), 72u); }

}  // namespace
}  // namespace vmuc::meters
