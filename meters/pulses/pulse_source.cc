#include "meters/pulses/pulse_source.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>

#include "common/check.h"
#include "common/mix64.h"

namespace vmuc::meters {
namespace {

constexpr int64_t kSlotSeconds = 300;  // the load model's slot (metrology/load_model.h)
constexpr int64_t kMicro = 1'000'000;
constexpr int64_t kSecondsPerHour = 3600;

// Chance in percent that a tap, shower or appliance draws water in a slot, by UTC hour:
// morning and evening peaks, almost nothing at night.
constexpr std::array<int64_t, 24> kWaterUsePercent = {1, 1, 1, 1, 1, 3, 15, 20, 10, 5, 4, 4,
                                                      5, 4, 3, 3, 4, 6, 10, 12, 10, 8, 4, 2};

int64_t WaterFlow(uint64_t h, int64_t hour) {
  if (static_cast<int64_t>(h % 100) >= kWaterUsePercent[static_cast<size_t>(hour)]) return 0;
  return (240 + static_cast<int64_t>((h >> 8) % 481)) * kMicro;  // 4..12 L/min
}

// Space heating duty in percent: 70 % in mid-January falling linearly to 0 half a year
// away (a 365.25-day year without a calendar, as the load model's seasons).
int64_t HeatingDutyPercent(int64_t day) {
  const int64_t day_of_year = ((day * 4 % 1461 + 1461) % 1461) / 4;  // 0..365, floored
  int64_t distance = std::abs(day_of_year - 15);
  if (distance > 182) distance = 365 - distance;
  return std::max<int64_t>(70 - distance * 70 / 182, 0);
}

// `seed_key` is the meter's, `h` the slot's hash.
int64_t GasFlow(uint64_t seed_key, uint64_t h, int64_t slot) {
  const int64_t day = slot * kSlotSeconds / 86'400;
  int64_t flow = 0;
  // The boiler heats in whole hours: the hour's hash decides.
  const uint64_t hour_hash = Mix64(seed_key ^ static_cast<uint64_t>(slot / 12));
  if (static_cast<int64_t>(hour_hash % 100) < HeatingDutyPercent(day)) {
    flow += (400 + static_cast<int64_t>((hour_hash >> 8) % 801)) * 1000;  // 0.4..1.2 m3/h
  }
  if ((h >> 16) % 100 < 12) flow += (100 + static_cast<int64_t>((h >> 24) % 201)) * 1000;
  return flow;  // hot water or cooking: 0.1..0.3 m3/h in 12 % of slots
}

int64_t SubMeterFlow(uint64_t h) {
  int64_t watts = 50 + static_cast<int64_t>(h % 101);  // standing 50..150 W
  if ((h >> 8) % 100 < 20) watts += 1000 + static_cast<int64_t>((h >> 16) % 2001);  // 1..3 kW
  return watts * 1000;  // 1 W = 0.001 kWh/h = 1000 micro-kWh/h
}

}  // namespace

int64_t ConnectedDeviceFlow(PulseInputUnit unit, uint64_t seed, int64_t slot) {
  const uint64_t seed_key = Mix64(seed ^ 0x9015E);
  const uint64_t h = Mix64(seed_key ^ static_cast<uint64_t>(slot));
  // Floored, so that a slot before 1970 still has an hour of day 0..23.
  const int64_t hour = ((slot * kSlotSeconds / kSecondsPerHour) % 24 + 24) % 24;
  switch (unit) {
    case PulseInputUnit::kNone:
      return 0;
    case PulseInputUnit::kLitre:
      return WaterFlow(h, hour);
    case PulseInputUnit::kCubicMetre:
      return GasFlow(Mix64(seed_key), h, slot);
    case PulseInputUnit::kKilowattHour:
      return SubMeterFlow(h);
  }
  return 0;
}

absl::StatusOr<PulseInputChannel> PulseInputChannel::Create(PulseInputConfig config, uint64_t seed,
                                                            TimePoint epoch) {
  if (config.unit == PulseInputUnit::kNone) {
    return absl::InvalidArgumentError("pulse input channel: Z12 unit none has no pulse input");
  }
  auto input = PulseInputRegister::Create(config);
  if (!input.ok()) return input.status();
  return PulseInputChannel(
      *input, seed, std::chrono::floor<std::chrono::seconds>(epoch).time_since_epoch().count());
}

void PulseInputChannel::SkipTo(TimePoint t) {
  const int64_t target_s = std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
  VMUC_CHECK(target_s >= now_unix_s_, "PulseInputChannel::SkipTo went back in time");
  now_unix_s_ = target_s;
}

void PulseInputChannel::Save(ByteWriter& out) const {
  input_.Save(out);
  out.I64(now_unix_s_);
  out.U64(pending_);
  out.U64(flow_micro_unit_hours_);
}

absl::Status PulseInputChannel::Restore(ByteReader& in) {
  input_.Restore(in);
  now_unix_s_ = in.I64();
  pending_ = in.U64();
  flow_micro_unit_hours_ = in.U64();
  return in.status();
}

void PulseInputChannel::AdvanceTo(TimePoint t) {
  const int64_t target_s = std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
  VMUC_CHECK(target_s >= now_unix_s_, "PulseInputChannel::AdvanceTo went back in time");
  const uint64_t per_unit = input_.config().pulses_per_unit;
  constexpr uint64_t kPulse = static_cast<uint64_t>(kMicro * kSecondsPerHour);
  uint64_t pulses = 0;
  int64_t last_pulse_s = 0;
  while (now_unix_s_ < target_s) {
    const int64_t slot = now_unix_s_ / kSlotSeconds;
    const int64_t step_end = std::min(target_s, (slot + 1) * kSlotSeconds);
    const uint64_t flow =
        static_cast<uint64_t>(ConnectedDeviceFlow(input_.config().unit, seed_, slot));
    const uint64_t flow_seconds = flow * static_cast<uint64_t>(step_end - now_unix_s_);
    // micro-units x s / h; <= 2.2e11
    flow_micro_unit_hours_ += flow_seconds;
    // <= 2.2e11 x 1e5 = 2.2e16 per step, plus a remainder below 3.6e9: no overflow.
    const uint64_t before = pending_;
    pending_ += flow_seconds * per_unit;
    const uint64_t new_pulses = pending_ / kPulse;
    if (new_pulses > 0) {
      // The second the last of them was reached, so the register's last-pulse time is the
      // same however the advance was cut: ceil((multiple - before) / per-second increase).
      const uint64_t per_second = flow * per_unit;
      const uint64_t needed = new_pulses * kPulse - before;
      last_pulse_s = now_unix_s_ + static_cast<int64_t>((needed + per_second - 1) / per_second);
    }
    pulses += new_pulses;
    pending_ %= kPulse;
    now_unix_s_ = step_end;
  }
  if (pulses > 0) {
    const absl::Status counted =
        input_.AddPulses(TimePoint(std::chrono::seconds(last_pulse_s)), pulses);
    VMUC_CHECK(counted.ok(), "pulse input rejected the channel's pulses");
  }
}

}  // namespace vmuc::meters
