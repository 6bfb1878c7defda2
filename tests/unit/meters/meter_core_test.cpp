#include "meters/meter_core.h"

#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "meters/fleet.h"

namespace vmuc::meters {
namespace {

using namespace std::chrono_literals;

const TimePoint kEpoch = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 1 / 1));

MeterIdentity Identity(uint32_t index = 3, uint64_t seed = 11) {
  FleetSection fleet;
  fleet.seed = seed;
  return FleetMeter(fleet, index);
}

int64_t UnixSeconds(TimePoint t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

// 128-bit sums for the reference (a GCC extension; the core itself needs none).
__extension__ typedef __int128 Wide;

// An independent reference: walk the slots, apply the quadrant rules from scratch.
struct Reference {
  std::array<std::array<uint64_t, kRegisterCount>, kPhases> phase{};
  Wide net_active_mws = 0;  // integral of P (all phases)
};

Reference Integrate(const MeterIdentity& identity, TimePoint from, TimePoint to) {
  const LoadModel model(identity.load_seed);
  Reference ref;
  for (int64_t t = UnixSeconds(from); t < UnixSeconds(to);) {
    constexpr int64_t kSlotS = LoadModel::kSlot.count();
    const int64_t slot = t / kSlotS;
    const int64_t next = std::min(UnixSeconds(to), (slot + 1) * kSlotS);
    const PhaseSet values = model.PhasesInSlot(slot);
    for (int i = 0; i < kPhases; ++i) {
      const int64_t p = values[static_cast<size_t>(i)].active_mw;
      const int64_t q = values[static_cast<size_t>(i)].reactive_mvar;
      const uint64_t dt = static_cast<uint64_t>(next - t);
      auto& r = ref.phase[static_cast<size_t>(i)];
      (p >= 0 ? r[kActiveImport] : r[kActiveExport]) += static_cast<uint64_t>(p >= 0 ? p : -p) * dt;
      const int quadrant = p >= 0 ? (q >= 0 ? 1 : 4) : (q >= 0 ? 2 : 3);
      r[kReactiveQ1 + quadrant - 1] += static_cast<uint64_t>(q >= 0 ? q : -q) * dt;
      const double s =
          std::floor(std::sqrt(static_cast<double>(p) * p + static_cast<double>(q) * q));
      (p >= 0 ? r[kApparentImport] : r[kApparentExport]) += static_cast<uint64_t>(s) * dt;
      ref.net_active_mws += static_cast<Wide>(p) * static_cast<int64_t>(dt);
    }
    t = next;
  }
  return ref;
}

TEST(MeterCoreTest, StartsAtZeroAtTheEpoch) {
  MeterCore core(Identity(), kEpoch);
  EXPECT_EQ(core.time(), kEpoch);
  EXPECT_EQ(core.active_import_wh(), 0u);
  EXPECT_EQ(core.identity().MeterId(), "5700000000000004");
  EXPECT_EQ(core.registers(), EnergyRegisters{});
}

TEST(MeterCoreTest, RegistersAreTheExactIntegralOfTheLoadModel) {
  const MeterIdentity identity = Identity();
  MeterCore core(identity, kEpoch);
  const TimePoint end = kEpoch + 3 * 24h + 17min + 12s;
  core.AdvanceTo(end);
  const Reference ref = Integrate(identity, kEpoch, end);
  for (int i = 0; i < kPhases; ++i) {
    EXPECT_EQ(core.registers().phase[static_cast<size_t>(i)].milli_unit_seconds,
              ref.phase[static_cast<size_t>(i)])
        << "phase " << i;
  }
  EXPECT_GT(core.active_import_wh(), 1000u) << "three days of a household is over 1 kWh";
  EXPECT_EQ(core.supply_seconds(), static_cast<uint64_t>(UnixSeconds(end) - UnixSeconds(kEpoch)));
}

TEST(MeterCoreTest, FastForwardEqualsTickingSecondBySecondOverAWeek) {
  MeterCore jumped(Identity(), kEpoch, {.power_threshold_w = 1500});
  MeterCore ticked(Identity(), kEpoch, {.power_threshold_w = 1500});
  const TimePoint end = kEpoch + 7 * 24h;
  jumped.AdvanceTo(end);
  while (ticked.time() < end) ticked.Tick();
  EXPECT_EQ(jumped.registers(), ticked.registers());
  EXPECT_EQ(jumped.demand(), ticked.demand());
  EXPECT_EQ(jumped.supply_seconds(), ticked.supply_seconds());
  EXPECT_GT(jumped.demand().peaks[kPeakActiveImport].value, 0u);
}

TEST(MeterCoreTest, BillingPeriodEndsCountDebitingStopsAndAccumulatePeaks) {
  // Datasheet "Power registers": accumulated peak power is the sum of the billing periods'
  // P+max; the debiting stop counter counts the ends.
  MeterCore core(Identity(), kEpoch);
  EXPECT_EQ(core.debiting_stop_count(), 0u);
  core.AdvanceTo(kEpoch + 10 * 24h);
  const uint64_t first_peak = core.demand().peaks[kPeakActiveImport].value;
  ASSERT_GT(first_peak, 0u);
  core.EndBillingPeriod();
  EXPECT_EQ(core.debiting_stop_count(), 1u);
  EXPECT_EQ(core.demand().peaks[kPeakActiveImport], Peak{});
  EXPECT_EQ(core.demand().accumulated[kAccumulatedActiveImport], first_peak);
  core.AdvanceTo(kEpoch + 20 * 24h);
  const uint64_t second_peak = core.demand().peaks[kPeakActiveImport].value;
  core.EndBillingPeriod();
  EXPECT_EQ(core.debiting_stop_count(), 2u);
  EXPECT_EQ(core.demand().accumulated[kAccumulatedActiveImport], first_peak + second_peak);
  // The hour counter: 20 days with supply.
  EXPECT_EQ(core.supply_seconds() / 3600, 20u * 24u);
}

TEST(MeterCoreDeathTest, TimeNeverRunsBackwards) {
  MeterCore core(Identity(), kEpoch);
  core.AdvanceTo(kEpoch + 1h);
  EXPECT_DEATH(core.AdvanceTo(kEpoch + 30min), "went back in time");
}

// Switches at 07:00 and 22:00 UTC between T1 (day) and T2 (night).
class DayNight final : public TariffSource {
 public:
  int TariffAt(TimePoint t) const override {
    const int64_t s = UnixSeconds(t) % 86400;
    return s >= 7 * 3600 && s < 22 * 3600 ? 1 : 2;
  }
  std::optional<TimePoint> NextChangeAfter(TimePoint t) const override {
    const int64_t day = UnixSeconds(t) / 86400 * 86400;
    for (int64_t candidate : {day + 7 * 3600, day + 22 * 3600, day + 86400 + 7 * 3600}) {
      if (candidate > UnixSeconds(t)) return TimePoint(std::chrono::seconds(candidate));
    }
    return std::nullopt;
  }
};

TEST(MeterCoreTest, TariffSwitchesLandOnTheBoundarySecond) {
  const DayNight plan;
  const MeterIdentity identity = Identity();
  MeterCore core(identity, kEpoch, {.tariffs = &plan});
  core.AdvanceTo(kEpoch + 6h + 59min + 59s);
  EXPECT_EQ(core.current_tariff(), 2);
  core.AdvanceTo(kEpoch + 7h);
  EXPECT_EQ(core.current_tariff(), 1);
  core.AdvanceTo(kEpoch + 2 * 24h);
  // T2 holds exactly the A+ of 00:00-07:00 and 22:00-24:00 of both days, T1 the rest.
  uint64_t night = 0;
  for (int day = 0; day < 2; ++day) {
    const TimePoint midnight = kEpoch + day * 24h;
    for (auto [from, to] :
         {std::pair{midnight, midnight + 7h}, std::pair{midnight + 22h, midnight + 24h}}) {
      const Reference ref = Integrate(identity, from, to);
      for (const auto& phase : ref.phase) night += phase[kActiveImport];
    }
  }
  EXPECT_EQ(core.registers().active_import_tariff[1], night);
  EXPECT_EQ(core.registers().active_import_tariff[0] + night,
            core.registers().total().milli_unit_seconds[kActiveImport]);
}

// Properties over many households and a month each.
TEST(MeterCorePropertyTest, SumsIntegralsMonotonyAndAllQuadrants) {
  std::set<int> quadrants_seen;
  for (uint32_t index = 0; index < 24; ++index) {
    const MeterIdentity identity = Identity(index, 99);
    MeterCore core(identity, kEpoch + 150 * 24h);  // June: PV season
    EnergyRegisters previous = core.registers();
    for (int day = 1; day <= 30; ++day) {
      core.AdvanceTo(kEpoch + (150 + day) * 24h);
      const EnergyRegisters& now = core.registers();
      for (int r = 0; r < kRegisterCount; ++r) {
        uint64_t sum = 0;
        for (const RegisterSet& phase : now.phase)
          sum += phase.milli_unit_seconds[static_cast<size_t>(r)];
        ASSERT_EQ(sum, now.total().milli_unit_seconds[static_cast<size_t>(r)]) << "register " << r;
        ASSERT_GE(now.total().milli_unit_seconds[static_cast<size_t>(r)],
                  previous.total().milli_unit_seconds[static_cast<size_t>(r)]);
      }
      uint64_t tariff_sum = 0;
      for (uint64_t t : now.active_import_tariff) tariff_sum += t;
      ASSERT_EQ(tariff_sum, now.total().milli_unit_seconds[kActiveImport]);
      previous = now;
    }
    const Reference ref = Integrate(identity, kEpoch + 150 * 24h, core.time());
    const auto& total = core.registers().total().milli_unit_seconds;
    EXPECT_TRUE(static_cast<Wide>(total[kActiveImport]) - static_cast<Wide>(total[kActiveExport]) ==
                ref.net_active_mws)
        << "A+ - A- must equal the integral of P";
    for (int q = 0; q < 4; ++q) {
      if (total[static_cast<size_t>(kReactiveQ1 + q)] > 0) quadrants_seen.insert(q + 1);
    }
  }
  EXPECT_EQ(quadrants_seen, (std::set<int>{1, 2, 3, 4}))
      << "the fleet must visit all four quadrants";
}

TEST(FleetTest, TheHouseholdMixFollowsTheConfig) {
  FleetSection fleet;
  auto count = [&](uint8_t flag) {
    int n = 0;
    for (uint32_t i = 0; i < 1000; ++i) {
      n += (FleetMeter(fleet, i).household_flags & flag) != 0 ? 1 : 0;
    }
    return n;
  };
  fleet.pv_percent = 0;
  fleet.ev_percent = 100;
  fleet.heat_pump_percent = 50;
  EXPECT_EQ(count(kHasPv), 0);
  EXPECT_EQ(count(kHasEv), 1000);
  EXPECT_NEAR(count(kHasHeatPump), 500, 60);
  // And the load follows: with every household charging an EV, a night has 11 kW slots.
  const MeterIdentity identity = FleetMeter(fleet, 3);
  EXPECT_TRUE(LoadModel(identity.load_seed, identity.household_flags).household().has_ev);
  EXPECT_FALSE(LoadModel(identity.load_seed, identity.household_flags).household().has_pv);
}

TEST(FleetTest, SingleAndTwoPhaseConnectionsCarryNothingOnUnconnectedPhases) {
  for (const auto& [single, two, dead_from] : {std::tuple{100u, 0u, 1}, std::tuple{0u, 100u, 2}}) {
    FleetSection fleet;
    fleet.single_phase_percent = single;
    fleet.two_phase_percent = two;
    const MeterIdentity identity = FleetMeter(fleet, 5);
    MeterCore wired(identity, kEpoch);
    MeterIdentity three_phase = identity;
    three_phase.household_flags &= static_cast<uint8_t>(~kConnectionFlags);
    MeterCore reference(three_phase, kEpoch);
    wired.AdvanceTo(kEpoch + 2 * 24h);
    reference.AdvanceTo(kEpoch + 2 * 24h);
    for (int phase = dead_from; phase < kPhases; ++phase) {
      EXPECT_EQ(wired.registers().phase[static_cast<size_t>(phase)], RegisterSet{});
      EXPECT_FALSE(wired.indicators().voltage_present[static_cast<size_t>(phase)]);
    }
    EXPECT_TRUE(wired.indicators().voltage_present[0]);
    // The same appliances, on fewer phases: net active energy is unchanged.
    const RegisterSet w = wired.registers().total(), r = reference.registers().total();
    EXPECT_EQ(static_cast<int64_t>(w.milli_unit_seconds[kActiveImport] -
                                   w.milli_unit_seconds[kActiveExport]),
              static_cast<int64_t>(r.milli_unit_seconds[kActiveImport] -
                                   r.milli_unit_seconds[kActiveExport]));
  }
}

TEST(FleetTest, IdentitiesAreDistinctAndDerivedFromTheConfig) {
  FleetSection fleet;
  fleet.seed = 3;
  fleet.first_serial = 1234567890123456;
  std::set<uint64_t> seeds;
  for (uint32_t i = 0; i < 1000; ++i) {
    const MeterIdentity identity = FleetMeter(fleet, i);
    EXPECT_EQ(identity.serial, fleet.first_serial + i);
    EXPECT_EQ(identity.node, i + 1);
    seeds.insert(identity.load_seed);
  }
  EXPECT_EQ(seeds.size(), 1000u);
}

}  // namespace
}  // namespace vmuc::meters

namespace vmuc::meters {
namespace {

// Datasheet "S0 pulse output": 1000 pulses per kWh, with the LED. Over an hour the pulses
// equal the A+ delta in Wh (kWh x 1000), give or take the Wh in progress at either end.
TEST(MeterCoreS0Test, PulsesOverAnHourEqualTheAplusDelta) {
  for (uint32_t index : {0u, 7u, 21u}) {
    MeterCore core(Identity(index), kEpoch + 18h);  // evening: the busiest hour
    core.AdvanceTo(kEpoch + 18h + 17min + 3s);
    S0PulseTrain train;
    core.AttachS0(&train);
    const uint64_t before_wh = core.active_import_wh();
    std::vector<TimePoint> seen;
    // Ticked and jumped parts mixed: the pulse train must not care.
    for (int s = 0; s < 600; ++s) core.Tick();
    core.AdvanceTo(kEpoch + 19h + 17min + 3s);
    const uint64_t delta_wh = core.active_import_wh() - before_wh;
    EXPECT_GT(delta_wh, 100u);
    EXPECT_LE(train.count() + train.pending(), delta_wh + 1);
    EXPECT_GE(train.count() + train.pending() + 1, delta_wh);
    core.AttachS0(nullptr);
  }
}

// Records what the core tells its observer.
struct Recorder final : CoreObserver {
  std::vector<TimePoint> period_ends;              // RTC
  std::vector<std::pair<TimePoint, bool>> supply;  // true time
  void OnPeriodEnd(const MeterCore& core) override { period_ends.push_back(core.rtc_time()); }
  void OnSupplyChange(const MeterCore& core, bool on) override {
    supply.emplace_back(core.time(), on);
  }
};

TEST(MeterCoreTest, AnInjectedOutageStopsTheRegistersAndTheHourCounter) {
  MeterCore core(Identity(), kEpoch);
  MeterCore reference(Identity(), kEpoch);
  Recorder recorder;
  core.AdvanceTo(kEpoch + 10h, &recorder);
  reference.AdvanceTo(kEpoch + 10h);
  core.InjectOutage(2h, &recorder);
  EXPECT_FALSE(core.supply_on());
  EXPECT_EQ(core.present_values()[0].active_mw, 0);
  EXPECT_EQ(core.grid().voltage_mv[0], 0);
  core.AdvanceTo(kEpoch + 11h, &recorder);
  EXPECT_EQ(core.registers(), reference.registers()) << "nothing registers while off";
  EXPECT_EQ(core.supply_seconds(), 10u * 3600u);
  core.AdvanceTo(kEpoch + 13h, &recorder);
  EXPECT_TRUE(core.supply_on());
  EXPECT_EQ(core.supply_seconds(), 11u * 3600u);
  ASSERT_EQ(recorder.supply.size(), 2u);
  EXPECT_EQ(recorder.supply[0], std::make_pair(kEpoch + 10h, false));
  EXPECT_EQ(recorder.supply[1], std::make_pair(kEpoch + 12h, true));
  EXPECT_TRUE(core.clock_valid()) << "2 h is within the supercap's 7 days";
  EXPECT_EQ(core.rtc_time(), core.time());
  // The RTC ran on: every period end was told, 4 an hour.
  EXPECT_EQ(recorder.period_ends.size(), 13u * 4u);
}

TEST(MeterCoreTest, AnOutageLongerThanTheBackupStopsTheClock) {
  MeterCore supercap(Identity(), kEpoch);
  MeterCore battery(Identity(), kEpoch, {.rtc_backup_s = kBatteryBackupS});
  for (MeterCore* core : {&supercap, &battery}) {
    core->InjectOutage(9 * 24h, nullptr);
    core->AdvanceTo(kEpoch + 10 * 24h);
  }
  EXPECT_FALSE(supercap.clock_valid());
  EXPECT_EQ(supercap.rtc_time(), supercap.time() - 2 * 24h) << "stopped after 7 of 9 days";
  EXPECT_TRUE(battery.clock_valid());
  EXPECT_EQ(battery.rtc_time(), battery.time());
  supercap.SetClock(supercap.time());
  EXPECT_TRUE(supercap.clock_valid());
  EXPECT_EQ(supercap.rtc_time(), supercap.time());
}

TEST(MeterCoreTest, GridOutagesAreTheSameWhetherJumpingOrTicking) {
  const MeterOptions options{.outages = {.short_per_year = 200, .long_per_year = 100}};
  MeterCore jumped(Identity(), kEpoch, options);
  MeterCore ticked(Identity(), kEpoch, options);
  Recorder jumped_events, ticked_events;
  const TimePoint end = kEpoch + 14 * 24h;
  jumped.AdvanceTo(end, &jumped_events);
  while (ticked.time() < end) ticked.Tick(&ticked_events);
  EXPECT_EQ(jumped.registers(), ticked.registers());
  EXPECT_EQ(jumped.supply_seconds(), ticked.supply_seconds());
  EXPECT_EQ(jumped_events.supply, ticked_events.supply);
  EXPECT_GE(jumped_events.supply.size(), 4u) << "about 11 outages in two weeks at these rates";
  EXPECT_LT(jumped.supply_seconds(), 14u * 86'400u);
}

TEST(MeterCoreTest, PeriodsAndTariffsFollowASetClock) {
  const DayNight plan;
  MeterCore core(Identity(), kEpoch, {.tariffs = &plan});
  Recorder recorder;
  core.AdvanceTo(kEpoch + 6h + 10min, &recorder);
  // Forwards by 47 min 30 s: the RTC reads 06:57:30, so T1 (07:00) starts 2.5 min later in
  // true time and the period ends at RTC 07:00, 07:15 ...
  core.SetClock(kEpoch + 6h + 57min + 30s);
  recorder.period_ends.clear();
  core.AdvanceTo(kEpoch + 6h + 12min + 29s, &recorder);
  EXPECT_EQ(core.current_tariff(), 2);
  core.AdvanceTo(kEpoch + 6h + 12min + 30s, &recorder);
  EXPECT_EQ(core.current_tariff(), 1);
  core.AdvanceTo(kEpoch + 6h + 30min, &recorder);
  EXPECT_EQ(recorder.period_ends, (std::vector<TimePoint>{kEpoch + 7h, kEpoch + 7h + 15min}));
  // Ticking through the shifted periods tells the same ends.
  MeterCore ticked = core;
  Recorder ticked_ends;
  core.AdvanceTo(kEpoch + 9h, &recorder);
  while (ticked.time() < kEpoch + 9h) ticked.Tick(&ticked_ends);
  EXPECT_EQ(ticked_ends.period_ends.size(), 10u);
  EXPECT_EQ(ticked.registers(), core.registers());
  EXPECT_EQ(ticked.demand(), core.demand());
}

TEST(MeterCoreTest, ARestoredCoreContinuesExactlyAsTheOriginal) {
  const DayNight plan;
  const MeterOptions options{.tariffs = &plan,
                             .power_threshold_w = 900,
                             .outages = {.short_per_year = 100, .long_per_year = 50}};
  MeterCore original(Identity(), kEpoch, options);
  original.AdvanceTo(kEpoch + 40 * 24h + 17min + 3s);
  original.SetClock(original.time() + 95s);
  ByteWriter saved;
  original.Save(saved);

  MeterCore restored(Identity(), kEpoch, options);
  ByteReader in(saved.bytes(), "meter state");
  ASSERT_TRUE(restored.Restore(in).ok()) << in.status();
  ASSERT_TRUE(in.Finish().ok());
  original.AdvanceTo(kEpoch + 80 * 24h);
  restored.AdvanceTo(kEpoch + 80 * 24h);
  ByteWriter a, b;
  original.Save(a);
  restored.Save(b);
  EXPECT_EQ(a.bytes(), b.bytes());
  EXPECT_EQ(original.registers(), restored.registers());

  MeterCore other(Identity(4), kEpoch, options);
  ByteReader wrong(saved.bytes(), "meter state");
  const absl::Status status = other.Restore(wrong);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(std::string(status.message()).find("not of"), std::string::npos) << status;
  ByteReader truncated(std::span(saved.bytes()).first(40), "meter state");
  EXPECT_FALSE(restored.Restore(truncated).ok());
}

}  // namespace
}  // namespace vmuc::meters
