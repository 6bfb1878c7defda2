#include "meters/pulses/pulse_source.h"

#include <gtest/gtest.h>

#include <chrono>

namespace vmuc::meters {
namespace {

using namespace std::chrono_literals;

// A regression pin (the value this implementation gave when written: 640 L a day, a family
// of four to five), not an independently computed one.
constexpr uint64_t kPinnedWeekLitres = 4476;
const TimePoint kEpoch = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 1 / 1));

PulseInputChannel Channel(PulseInputUnit unit, uint64_t seed = 3, uint32_t per_unit = 0) {
  PulseInputConfig config = DefaultPulseInputConfig(unit);
  if (per_unit != 0) config.pulses_per_unit = per_unit;
  auto channel = PulseInputChannel::Create(config, seed, kEpoch);
  EXPECT_TRUE(channel.ok()) << channel.status();
  return *std::move(channel);
}

TEST(PulseInputChannelTest, RejectsUnitNoneAndABadConstant) {
  const auto none = PulseInputChannel::Create({}, 1, kEpoch);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(none.status().message()).find("Z12"), std::string::npos);
  const auto zero = PulseInputChannel::Create({PulseInputUnit::kLitre, 0}, 1, kEpoch);
  EXPECT_EQ(zero.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PulseInputChannelTest, TickingAndJumpingCountTheSamePulses) {
  // A day second by second against one jump, for each unit and an odd constant (7 imp/L,
  // where pulses straddle steps).
  for (PulseInputUnit unit :
       {PulseInputUnit::kLitre, PulseInputUnit::kCubicMetre, PulseInputUnit::kKilowattHour}) {
    for (uint32_t per_unit : {0u, 7u}) {
      PulseInputChannel ticking = Channel(unit, 11, per_unit);
      PulseInputChannel jumping = Channel(unit, 11, per_unit);
      for (int64_t s = 1; s <= 86'400; ++s) ticking.AdvanceTo(kEpoch + std::chrono::seconds(s));
      jumping.AdvanceTo(kEpoch + 24h);
      EXPECT_EQ(ticking.input().count(), jumping.input().count()) << static_cast<int>(unit);
      EXPECT_EQ(ticking.flow_micro_units(), jumping.flow_micro_units());
      EXPECT_GT(jumping.input().count(), 0u);
      // The second the last pulse was reached, whichever way the day was cut.
      EXPECT_EQ(ticking.input().last_pulse(), jumping.input().last_pulse());
      EXPECT_LE(jumping.input().last_pulse(), kEpoch + 24h);
      EXPECT_GT(jumping.input().last_pulse(), kEpoch + 20h);
    }
  }
}

TEST(PulseInputChannelTest, TheCountIsTheFlowTimesTheConstant) {
  // Over a month in uneven steps, the count is floor(flow x imp per unit) up to the
  // micro-unit the flow is floored to; it never decreases.
  for (uint32_t per_unit : {1u, 3u, 100u, 1000u, 100'000u}) {
    PulseInputChannel channel = Channel(PulseInputUnit::kCubicMetre, 5, per_unit);
    TimePoint t = kEpoch;
    uint64_t last = 0;
    for (int step = 0; step < 3000; ++step) {
      t += std::chrono::seconds(1 + (step * 7919) % 1777);
      channel.AdvanceTo(t);
      const uint64_t flow = channel.flow_micro_units();
      ASSERT_GE(channel.input().count(), flow * per_unit / 1'000'000) << per_unit;
      ASSERT_LE(channel.input().count(), (flow + 1) * per_unit / 1'000'000) << per_unit;
      ASSERT_GE(channel.input().count(), last);
      last = channel.input().count();
    }
  }
}

TEST(PulseInputChannelTest, AYearIsPlausibleForEachDevice) {
  // A household's water, gas and sub-metered electricity (pulse_source.h).
  struct Expect {
    PulseInputUnit unit;
    uint64_t low_units, high_units;
  };
  for (const Expect& e : {Expect{PulseInputUnit::kLitre, 100'000, 400'000},  // 100-400 m3
                          Expect{PulseInputUnit::kCubicMetre, 1'000, 4'000},
                          Expect{PulseInputUnit::kKilowattHour, 2'000, 7'000}}) {
    for (uint64_t seed = 1; seed <= 5; ++seed) {
      PulseInputChannel channel = Channel(e.unit, seed);
      channel.AdvanceTo(kEpoch + 365 * 24h);
      const uint64_t units = channel.flow_micro_units() / 1'000'000;
      EXPECT_GE(units, e.low_units) << static_cast<int>(e.unit) << " seed " << seed;
      EXPECT_LE(units, e.high_units) << static_cast<int>(e.unit) << " seed " << seed;
    }
  }
}

TEST(PulseInputChannelTest, GasFollowsTheSeasonAndWaterTheTimeOfDay) {
  PulseInputChannel january = Channel(PulseInputUnit::kCubicMetre, 9);
  january.AdvanceTo(kEpoch + 31 * 24h);
  const uint64_t january_flow = january.flow_micro_units();
  PulseInputChannel july = Channel(PulseInputUnit::kCubicMetre, 9);
  july.AdvanceTo(kEpoch + 181 * 24h);
  const uint64_t before_july = july.flow_micro_units();
  july.AdvanceTo(kEpoch + 212 * 24h);
  EXPECT_GT(january_flow, 4 * (july.flow_micro_units() - before_july));

  // Water: the 6-9 h UTC mornings of a month draw more than the 0-3 h nights.
  int64_t mornings = 0, nights = 0;
  const int64_t first_slot =
      std::chrono::duration_cast<std::chrono::seconds>(kEpoch.time_since_epoch()).count() / 300;
  for (int64_t day = 0; day < 30; ++day) {
    for (int64_t slot = 0; slot < 36; ++slot) {
      nights += ConnectedDeviceFlow(PulseInputUnit::kLitre, 9, first_slot + day * 288 + slot);
      mornings +=
          ConnectedDeviceFlow(PulseInputUnit::kLitre, 9, first_slot + day * 288 + 72 + slot);
    }
  }
  EXPECT_GT(mornings, 3 * nights);
  EXPECT_EQ(ConnectedDeviceFlow(PulseInputUnit::kNone, 9, first_slot), 0);
}

TEST(PulseInputChannelTest, PinnedCountDoesNotChangeAcrossBuilds) {
  // Golden value: a change here changes every virtual water meter's readings.
  PulseInputChannel channel = Channel(PulseInputUnit::kLitre, 42);
  channel.AdvanceTo(kEpoch + 7 * 24h);
  EXPECT_EQ(channel.input().count(), kPinnedWeekLitres);
}

}  // namespace
}  // namespace vmuc::meters
