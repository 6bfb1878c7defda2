#include "meters/actor/meter_actor.h"

#include <gtest/gtest.h>

#include "meters/cosem/profile_push.h"
#include "meters/cosem/push_list.h"
#include "meters/fleet.h"

namespace vmuc::meters {
namespace {

using namespace std::chrono_literals;

const TimePoint kEpoch = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 1 / 1));

// A meter on a simulated shard: its pushes decoded as the gateway would.
struct SimulatedMeter {
  SimulatedMeter(TimePoint start, MeterIdentity identity)
      : scheduler(start),
        context(scheduler, [this](Frame frame) { frames.push_back(std::move(frame)); }),
        actor(identity, kEpoch, 15min, context) {}

  // The register pushes (the load-profile pushes left out).
  std::vector<const Frame*> RegisterFrames() const {
    std::vector<const Frame*> out;
    for (const Frame& frame : frames) {
      if (absl::IsNotFound(DecodeProfilePush(frame.payload).status())) out.push_back(&frame);
    }
    return out;
  }
  std::vector<ProfilePush> ProfilePushes() const {
    std::vector<ProfilePush> pushes;
    for (const Frame& frame : frames) {
      auto push = DecodeProfilePush(frame.payload);
      if (push.ok()) pushes.push_back(*push);
      EXPECT_TRUE(push.ok() || absl::IsNotFound(push.status())) << push.status();
    }
    return pushes;
  }

  std::vector<PushSnapshot> Pushes() const {
    std::vector<PushSnapshot> pushes;
    for (const Frame* frame : RegisterFrames()) {
      auto push = DecodePush(frame->payload);
      EXPECT_TRUE(push.ok()) << push.status();
      if (push.ok()) pushes.push_back(*push);
    }
    return pushes;
  }

  SimulatedScheduler scheduler;
  SchedulerActorContext context;
  std::vector<Frame> frames;
  MeterActor actor;
};

MeterIdentity Identity() {
  FleetSection fleet;
  return FleetMeter(fleet, 0);
}

TEST(MeterActorTest, PushesEveryIntervalAtFixedInstantsWithTheCoresValues) {
  SimulatedMeter meter(kEpoch, Identity());
  meter.actor.Start();
  meter.scheduler.RunUntil(kEpoch + 24h);  // a day in simulated time, in milliseconds
  const auto pushes = meter.Pushes();
  ASSERT_EQ(pushes.size(), 96u);  // 24 h / 15 min
  const auto frames = meter.RegisterFrames();
  for (size_t i = 0; i < pushes.size(); ++i) {
    EXPECT_EQ(frames[i]->source, 1u);
    EXPECT_EQ(frames[i]->destination, kCollectorNode);
    EXPECT_EQ(pushes[i].meter_id, "5700000000000001");
    if (i > 0) {
      EXPECT_EQ(pushes[i].captured_at - pushes[i - 1].captured_at, 15min);
    }
    MeterCore reference(Identity(), kEpoch);
    reference.AdvanceTo(pushes[i].captured_at);
    ASSERT_FALSE(pushes[i].registers.empty());
    EXPECT_EQ(pushes[i].registers[0].obis.ToString(), "1.1.1.8.0.255");
    EXPECT_EQ(pushes[i].registers[0].value, static_cast<int64_t>(reference.active_import_wh()));
  }
}

TEST(MeterActorTest, ARestartedMeterReplaysToTheSamePushes) {
  // Uninterrupted for two days, versus a meter "killed" and started afresh at noon of day
  // two: from then on both send identical frames.
  SimulatedMeter uninterrupted(kEpoch, Identity());
  uninterrupted.actor.Start();
  uninterrupted.scheduler.RunUntil(kEpoch + 48h);

  const TimePoint restart = kEpoch + 36h + 7min;
  SimulatedMeter restarted(restart, Identity());
  restarted.actor.Start();
  restarted.scheduler.RunUntil(kEpoch + 48h);

  std::vector<std::vector<uint8_t>> tail;
  for (const Frame* frame : uninterrupted.RegisterFrames()) {
    auto push = DecodePush(frame->payload);
    if (push.ok() && push->captured_at > restart) tail.push_back(frame->payload);
  }
  ASSERT_EQ(restarted.RegisterFrames().size(), tail.size());
  // The load-profile pushes after the restart carry the same entries, value for value.
  std::vector<ProfilePush> profile_tail;
  for (const ProfilePush& push : uninterrupted.ProfilePushes()) {
    if (push.sent_at > restart) profile_tail.push_back(push);
  }
  const auto replayed = restarted.ProfilePushes();
  ASSERT_EQ(replayed.size(), profile_tail.size());
  for (size_t i = 0; i < replayed.size(); ++i) {
    EXPECT_EQ(replayed[i].rows, profile_tail[i].rows);
    EXPECT_EQ(replayed[i].sent_at, profile_tail[i].sent_at);
  }
  const auto a = uninterrupted.Pushes();
  const auto b = restarted.Pushes();
  for (size_t i = 0; i < b.size(); ++i) {
    const auto& expected = a[a.size() - b.size() + i];
    EXPECT_EQ(b[i].captured_at, expected.captured_at);
    ASSERT_EQ(b[i].registers.size(), expected.registers.size());
    for (size_t r = 0; r < b[i].registers.size(); ++r) {
      EXPECT_EQ(b[i].registers[r].value, expected.registers[r].value);
    }
  }
}

TEST(MeterActorTest, EveryLoadProfileEntryIsPushedOnceInOrder) {
  SimulatedMeter meter(kEpoch, Identity());
  meter.actor.Start();
  meter.scheduler.RunUntil(kEpoch + 24h);
  std::vector<ProfileRow> pushed;
  for (const ProfilePush& push : meter.ProfilePushes()) {
    EXPECT_EQ(push.meter_id, "5700000000000001");
    EXPECT_EQ(push.capture_period_s, 900u);
    for (const ProfileRow& row : push.rows) {
      EXPECT_LE(row.captured_at, push.sent_at);
      pushed.push_back(row);
    }
  }
  EXPECT_EQ(meter.actor.profile_pushes_sent(), meter.ProfilePushes().size());
  // Every entry the meter logged up to its last push instant, once, oldest first.
  const auto entries = meter.actor.meter().load_profile()->entries();
  ASSERT_GE(entries.size(), pushed.size());
  ASSERT_GE(pushed.size(), 95u);
  for (size_t i = 0; i < pushed.size(); ++i) {
    EXPECT_EQ(pushed[i].captured_at, entries[i].at);
    EXPECT_EQ(pushed[i].values,
              std::vector<uint32_t>(entries[i].values.begin(),
                                    entries[i].values.begin() + entries[i].channels));
  }
}

TEST(MeterActorTest, NextPushAfterIsStrictlyLater) {
  SimulatedMeter meter(kEpoch, Identity());
  const TimePoint first = meter.actor.NextPushAfter(kEpoch - 1h);
  EXPECT_GE(first, kEpoch);
  EXPECT_LT(first, kEpoch + 15min);
  EXPECT_EQ(meter.actor.NextPushAfter(first), first + 15min);
  EXPECT_EQ(meter.actor.NextPushAfter(first + 1ms), first + 15min);
}

TEST(MeterActorTest, APulseInputCountsWithTheMeterAndReplaysExactly) {
  // A gas meter on the pulse input (Z12 02, 100 imp/m3): after a day of pushes the actor's
  // register holds the device's pulses, and a meter restarted at noon reaches the same.
  const PulseInputConfig gas = DefaultPulseInputConfig(PulseInputUnit::kCubicMetre);
  SimulatedScheduler scheduler(kEpoch);
  SchedulerActorContext context(scheduler, [](Frame) {});
  MeterActor actor(Identity(), kEpoch, 15min, context, {}, gas);
  actor.Start();
  scheduler.RunUntil(kEpoch + 24h);
  ASSERT_NE(actor.pulse_input(), nullptr);
  auto reference = PulseInputChannel::Create(gas, Identity().load_seed, kEpoch);
  ASSERT_TRUE(reference.ok());
  reference->AdvanceTo(actor.core().time());
  EXPECT_EQ(actor.pulse_input()->input().count(), reference->input().count());
  EXPECT_GT(reference->input().count(), 0u);
  EXPECT_EQ(actor.pulse_input()->time(), actor.core().time());

  SimulatedScheduler later(kEpoch + 12h);
  SchedulerActorContext later_context(later, [](Frame) {});
  MeterActor restarted(Identity(), kEpoch, 15min, later_context, {}, gas);
  restarted.Start();  // replays from the epoch
  later.RunUntil(kEpoch + 24h);
  EXPECT_EQ(restarted.pulse_input()->input().count(), actor.pulse_input()->input().count());

  MeterActor without(Identity(), kEpoch, 15min, context);
  EXPECT_EQ(without.pulse_input(), nullptr);
}

}  // namespace
}  // namespace vmuc::meters
