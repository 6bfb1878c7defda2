// MeterActor: one virtual meter living on a shard (design.md, "Actors and time").
//
// Wraps the pure MeterCore with behaviour in time: it pushes a DLMS data-notification with
// its registers every push interval (and one with the load-profile entries closed since
// the previous push instant), at instants fixed by its identity (epoch + a seeded
// offset + k * interval), so that every run, and every restart, captures the same
// instants. All calls on the shard thread.
#ifndef VMUC_METERS_ACTOR_METER_ACTOR_H_
#define VMUC_METERS_ACTOR_METER_ACTOR_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "common/actor_context.h"
#include "meters/cosem/meter_dlms.h"
#include "meters/meter.h"

namespace vmuc::meters {

class MeterActor {
 public:
  // `options` (from the fleet's MeterSetup) must outlive the actor. `pulse_input` (Z12,
  // MeterSetup::pulse_input()) wires a seeded device to the module's pulse input; unit
  // none: no pulse input.
  MeterActor(MeterIdentity identity, TimePoint epoch, std::chrono::seconds push_interval,
             ActorContext& context, const MeterOptions& options = {},
             PulseInputConfig pulse_input = {}, BillingConfig billing = {},
             LoadProfileConfig load_profile = {}, std::optional<AnalysisLogConfig> analysis = {},
             std::optional<DebitLog2Config> debit_log_2 = {});
  MeterActor(const MeterActor&) = delete;
  MeterActor& operator=(const MeterActor&) = delete;

  // Catches up to the context's present (replaying from the epoch) and starts pushing.
  void Start();
  // Answers DLMS sessions relayed by the collector (docs/dlms.md) with `setup`, which must
  // outlive the actor; nullptr (the default): session frames are dropped.
  void EnableDlms(const MeterDlmsSetup* setup) { dlms_setup_ = setup; }
  // A downlink frame addressed to this meter.
  void OnFrame(const Frame& frame);

  const Meter& meter() const { return meter_; }
  // For the host's checkpoints and restore, on the shard thread (or before Start).
  Meter& mutable_meter() { return meter_; }
  const MeterCore& core() const { return meter_.core(); }
  // The pulse input channel, advanced with the core; nullptr without a pulse input.
  const PulseInputChannel* pulse_input() const { return meter_.pulse_input(); }
  uint64_t pushes_sent() const { return pushes_sent_; }
  // Load-profile pushes (meters/cosem/profile_push.h) sent: one per push instant that
  // follows new entries.
  uint64_t profile_pushes_sent() const { return profile_pushes_sent_; }

  // The first push instant strictly after `t`.
  TimePoint NextPushAfter(TimePoint t) const;

 private:
  void PushAt(TimePoint capture);
  Meter meter_;
  const TimePoint epoch_;
  const std::chrono::milliseconds push_interval_;
  const std::chrono::seconds push_offset_;
  ActorContext& context_;
  uint32_t invoke_id_ = 0;
  uint64_t pushes_sent_ = 0;
  uint64_t profile_pushes_sent_ = 0;
  const MeterDlmsSetup* dlms_setup_ = nullptr;
  // Brings the counters in from the setup's store (once) and reserves a block of outgoing
  // counters there; false if the store fails (the session is refused, never run on
  // counters that might repeat).
  bool LoadAndReserveCounters();
  void SaveCounters(uint32_t next_outgoing);

  // The DLMS server while a session is open; its counters outlive it.
  std::unique_ptr<MeterDlmsEndpoint> dlms_;
  dlms::SecurityCounters dlms_counters_;
  bool dlms_counters_loaded_ = false;
  uint64_t dlms_reserved_until_ = 0;  // outgoing counters below this are reserved in the store
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_ACTOR_METER_ACTOR_H_
