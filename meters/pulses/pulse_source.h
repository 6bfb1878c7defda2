// PulseInputChannel: the module's pulse input (Z12) with the device wired to it.
//
// A virtual meter's pulse input needs something on the other end of the wire. By Z12's
// unit that is a water meter (L), a gas meter (m3) or an electricity sub-meter (kWh), each
// a seeded function of time like the household's load (design.md, principle 3): its flow
// is constant over the load model's five-minute slots and depends only on (seed, slot).
//
// Exactness: the flow is integrated in integers (micro-units per hour x seconds x the
// pulse constant) with the remainder carried, so after any sequence of AdvanceTo calls the
// register holds exactly floor(flow since installation x pulses per unit) pulses: ticking
// second by second and jumping a year give the same count. Pulses that fall inside one
// AdvanceTo step are counted at the step's end (the register keeps the count and the time
// of the latest pulse, not each pulse's instant).
//
// State: the register (24 bytes), the carried remainder and the time: it lives beside the
// core in the meter's actor. Pure: no clock is read.
#ifndef VMUC_METERS_PULSES_PULSE_SOURCE_H_
#define VMUC_METERS_PULSES_PULSE_SOURCE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "common/time.h"
#include "meters/pulses/pulse_input.h"

namespace vmuc::meters {

// The connected device's flow in slot `slot` (300 s slots since the Unix epoch), in
// millionths of the unit per hour: a water meter 0 or 240..720 L/h while a tap or shower
// runs (mostly mornings and evenings), a gas meter 0.4..1.2 m3/h while the boiler heats
// (whole hours, by season) plus 0.1..0.3 m3/h for hot water, a sub-meter 0.05..3.15 kW.
// A year comes to some 240 m3 of water, 2600 m3 of gas or 4400 kWh. 0 for unit none.
int64_t ConnectedDeviceFlow(PulseInputUnit unit, uint64_t seed, int64_t slot);

class PulseInputChannel {
 public:
  // The channel of a meter installed at `epoch`; `seed` picks the device's pattern.
  // InvalidArgument for unit none or an invalid config (ValidatePulseInputConfig).
  static absl::StatusOr<PulseInputChannel> Create(PulseInputConfig config, uint64_t seed,
                                                  TimePoint epoch);

  // Integrates the device's flow up to `t` (floored to the second) and counts its pulses.
  // `t` before the current time is a programming error.
  void AdvanceTo(TimePoint t);
  // Moves to `t` counting nothing: the meter had no supply, the device flowed unseen.
  void SkipTo(TimePoint t);

  const PulseInputRegister& input() const { return input_; }
  TimePoint time() const { return TimePoint(std::chrono::seconds(now_unix_s_)); }
  // What flowed through the device while the meter counted, in millionths of the unit
  // (floored): the pulse count is floor(this x pulses_per_unit / 1e6) up to rounding of
  // the flow itself, which tests compare against.
  uint64_t flow_micro_units() const { return flow_micro_unit_hours_ / 3600; }

  void Save(ByteWriter& out) const;
  // DataLoss for truncated bytes.
  absl::Status Restore(ByteReader& in);

 private:
  PulseInputChannel(PulseInputRegister input, uint64_t seed, int64_t now_unix_s)
      : input_(input), seed_(seed), now_unix_s_(now_unix_s) {}

  PulseInputRegister input_;
  uint64_t seed_;
  int64_t now_unix_s_;
  // Millionths of a pulse x 3600 not yet counted (< 3.6e9: the remainder of a division).
  uint64_t pending_ = 0;
  uint64_t flow_micro_unit_hours_ = 0;  // micro-units x 3600 since installation
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_PULSES_PULSE_SOURCE_H_
