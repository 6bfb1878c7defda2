// A meter created from its type number and software codes behaves as they say.
#include "meters/meter_setup.h"

#include <gtest/gtest.h>

#include "meters/fleet.h"

namespace vmuc::meters {
namespace {

using namespace std::chrono_literals;

const TimePoint kEpoch = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 6 / 1));

// A household with PV, so that it exports at noon.
MeterIdentity PvHousehold() {
  FleetSection fleet;
  for (uint32_t i = 0;; ++i) {
    const MeterIdentity identity = FleetMeter(fleet, i);
    if (LoadModel(identity.load_seed).household().has_pv) return identity;
  }
}

std::unique_ptr<MeterSetup> MakeSetup(std::string_view type_number,
                                      const std::map<std::string, std::string>& codes,
                                      TariffInputs inputs = {}) {
  auto configuration = MeterConfiguration::Create(type_number, codes);
  EXPECT_TRUE(configuration.ok()) << configuration.status();
  auto setup = MeterSetup::Create(*configuration, inputs);
  EXPECT_TRUE(setup.ok()) << setup.status();
  return *std::move(setup);
}

EnergyRegisters RunWeek(const MeterSetup& setup, const MeterIdentity& identity) {
  MeterCore core(identity, kEpoch, setup.options());
  core.AdvanceTo(kEpoch + 7 * 24h);
  return core.registers();
}

TEST(MeterSetupTest, EnergyTypeX9DecidesTheRegisters) {
  const MeterIdentity identity = PvHousehold();
  // X9 = 1 (A+), with a load profile it can measure (Z29 = 1).
  const auto a_plus = MakeSetup("6841121BN213101040", {{"Z29", "1"}});
  const auto four_quadrant = MakeSetup("6841121BN243101040", {});
  const RegisterSet only_import = RunWeek(*a_plus, identity).total();
  const RegisterSet everything = RunWeek(*four_quadrant, identity).total();
  EXPECT_GT(everything.wh(kActiveExport), 0u) << "a PV household exports in June";
  EXPECT_EQ(only_import.wh(kActiveExport), 0u);
  EXPECT_EQ(only_import.reactive_import_varh() + only_import.wh(kApparentImport), 0u);
  EXPECT_EQ(only_import.wh(kActiveImport), everything.wh(kActiveImport));
}

// X4 = 2 (Aron): two measuring systems; L2 registers nothing, the totals equal a
// three-system meter's net active energy.
TEST(MeterSetupTest, AronVariantHasTwoSystems) {
  const MeterIdentity identity = PvHousehold();
  const auto aron = MakeSetup("6841121BN243101040", {});  // the README's real meter: X4 = 2
  const auto three = MakeSetup("6841131BN243101040", {});
  MeterOptions aron_exact = aron->options();
  MeterOptions three_exact = three->options();
  aron_exact.accuracy = three_exact.accuracy = nullptr;
  MeterCore a(identity, kEpoch, aron_exact), t(identity, kEpoch, three_exact);
  a.AdvanceTo(kEpoch + 2 * 24h);
  t.AdvanceTo(kEpoch + 2 * 24h);
  EXPECT_EQ(a.registers().phase[1], RegisterSet{});
  EXPECT_GT(a.registers().phase[0].wh(kActiveImport), 0u);
  EXPECT_GT(a.registers().phase[2].wh(kActiveImport), 0u);
  // Net active energy (import - export) is the same: Blondel's theorem, to the mW·s.
  const RegisterSet at = a.registers().total(), tt = t.registers().total();
  EXPECT_EQ(static_cast<int64_t>(at.milli_unit_seconds[kActiveImport] -
                                 at.milli_unit_seconds[kActiveExport]),
            static_cast<int64_t>(tt.milli_unit_seconds[kActiveImport] -
                                 tt.milli_unit_seconds[kActiveExport]));
}

TEST(MeterSetupTest, AConfiguredMeterFastForwardsExactlyAsItTicks) {
  // The shipped codes (Aron, class B accuracy model) with the tariff calendar: a week in one
  // jump and second by second give the same registers, demand and tariff.
  const auto setup = MakeSetup("6841121BN243101040", {{"Z13", "002"}});
  const MeterIdentity identity = PvHousehold();
  MeterCore jumping(identity, kEpoch, setup->options());
  MeterCore ticking(identity, kEpoch, setup->options());
  jumping.AdvanceTo(kEpoch + 7 * 24h);
  for (int64_t s = 0; s < 7 * 86'400; ++s) ticking.Tick();
  EXPECT_EQ(ticking.time(), jumping.time());
  EXPECT_EQ(ticking.registers(), jumping.registers());
  EXPECT_EQ(ticking.demand(), jumping.demand());
  EXPECT_EQ(ticking.current_tariff(), jumping.current_tariff());
  EXPECT_GT(jumping.registers().total().wh(kActiveImport), 0u);
}

TEST(MeterSetupTest, IntegrationPeriodZ4SetsTheDemandPeriod) {
  const MeterIdentity identity = PvHousehold();
  for (const auto& [code, minutes] : {std::pair{"2", 15}, std::pair{"3", 30}, std::pair{"4", 60}}) {
    const auto setup = MakeSetup("6841121BN243101040", {{"Z4", code}});
    MeterCore core(identity, kEpoch, setup->options());
    core.AdvanceTo(kEpoch + 3 * 24h);
    const Peak peak = core.demand().peaks[kPeakActiveImport];
    ASSERT_NE(peak.at_unix_s, 0u);
    EXPECT_EQ(peak.at_unix_s % (minutes * 60), 0u) << "Z4 " << code;
  }
}

TEST(MeterSetupTest, TariffControlPlanZ13) {
  const MeterIdentity identity = PvHousehold();
  // 000: tariff disabled, everything in T1.
  const EnergyRegisters disabled =
      RunWeek(*MakeSetup("6841121BN243101040", {{"Z13", "000"}}), identity);
  EXPECT_EQ(disabled.active_import_tariff[0], disabled.total().milli_unit_seconds[kActiveImport]);
  // 002: register control with the default calendar (T1 weekdays 07-22 local, else T2).
  const EnergyRegisters calendar =
      RunWeek(*MakeSetup("6841121BN243101040", {{"Z13", "002"}}), identity);
  EXPECT_GT(calendar.active_import_tariff[0], 0u);
  EXPECT_GT(calendar.active_import_tariff[1], 0u);
  EXPECT_EQ(calendar.active_import_tariff[0] + calendar.active_import_tariff[1],
            calendar.total().milli_unit_seconds[kActiveImport]);
  // 001: module port control through Z3 01 (4-tariff): I/O 2 energised alone selects T3.
  const EnergyRegisters port = RunWeek(
      *MakeSetup("6841121BN243101040", {{"Z3", "01"}, {"Z13", "001"}}, TariffInputs{false, true}),
      identity);
  EXPECT_EQ(port.active_import_tariff[2], port.total().milli_unit_seconds[kActiveImport]);
}

// X6: the meter registers true energy with its seeded class error, inside the class's
// maximum permissible error (EN 50470-3 class A 2.5 %, B 1.5 % at their loosest).
TEST(MeterSetupTest, AccuracyClassX6BoundsRegisteredAgainstTrueEnergy) {
  for (const auto& [type_number, limit_ppm] :
       {std::pair{"6841121AN243101040", 25'000}, std::pair{"6841121BN243101040", 15'000}}) {
    const auto setup = MakeSetup(type_number, {});
    int differing = 0;
    for (uint32_t index = 0; index < 10; ++index) {
      FleetSection fleet;
      const MeterIdentity identity = FleetMeter(fleet, index);
      MeterCore registered(identity, kEpoch, setup->options());
      MeterOptions exact = setup->options();
      exact.accuracy = nullptr;
      MeterCore truth(identity, kEpoch, exact);
      registered.AdvanceTo(kEpoch + 7 * 24h);
      truth.AdvanceTo(kEpoch + 7 * 24h);
      const auto r = registered.registers().total().milli_unit_seconds[kActiveImport];
      const auto t = truth.registers().total().milli_unit_seconds[kActiveImport];
      ASSERT_GT(t, 0u);
      const int64_t error_ppm =
          (static_cast<int64_t>(r) - static_cast<int64_t>(t)) * 1'000'000 / static_cast<int64_t>(t);
      EXPECT_LE(std::abs(error_ppm), limit_ppm) << type_number << " meter " << index;
      differing += r != t ? 1 : 0;
    }
    EXPECT_EQ(differing, 10) << "every meter has an error of its own";
  }
}

TEST(MeterSetupTest, Z3TariffInputsFollowTheTable) {
  EXPECT_EQ(TariffInputModeFor(PrimaryModule::kFourTariffInverted).kind,
            TariffInputKind::kFourTariff);
  EXPECT_TRUE(TariffInputModeFor(PrimaryModule::kFourTariffInverted).inverted);
  EXPECT_EQ(TariffInputModeFor(PrimaryModule::kPulseInTwoTariff).tariff_io, 2);
  EXPECT_FALSE(TariffInputModeFor(PrimaryModule::kTwoTariffAlarmInInverted).inverted);
  EXPECT_EQ(TariffInputModeFor(PrimaryModule::kPulseInLoadTariffSync).kind, TariffInputKind::kNone);
  for (int code = 0; code <= 29; ++code) {
    if (code == 24 || code == 25) continue;  // not in the Z3 table
    const auto module = static_cast<PrimaryModule>(code);
    EXPECT_EQ(TariffInputModeFor(module).kind != TariffInputKind::kNone, HasTariffInputs(module))
        << "Z3 " << code << ": the tariff table and the configuration decoder disagree";
  }
}

TEST(MeterSetupTest, InvalidCodesAreRejectedNamingTheField) {
  auto configuration = MeterConfiguration::Create("6841121BN243101040", {{"Z4", "9"}});
  ASSERT_FALSE(configuration.ok());
  EXPECT_NE(std::string(configuration.status().message()).find("Z4"), std::string::npos);
  // Module port control without tariff inputs on the module.
  auto no_inputs = MeterConfiguration::Create("6841121BN243101040", {{"Z3", "00"}, {"Z13", "001"}});
  EXPECT_FALSE(no_inputs.ok());
}

TEST(MeterSetupTest, Z12GivesThePulseInputItsUnit) {
  // Z3 03 "Pulse in / Alarm in" has the pulse input Z12 needs.
  const auto none = MakeSetup("6841121BN243101040", {});
  EXPECT_EQ(none->pulse_input().unit, PulseInputUnit::kNone);
  const auto water = MakeSetup("6841121BN243101040", {{"Z3", "03"}, {"Z12", "03"}});
  EXPECT_EQ(water->pulse_input(), (PulseInputConfig{PulseInputUnit::kLitre, 1}));
  const auto gas = MakeSetup("6841121BN243101040", {{"Z3", "03"}, {"Z12", "02"}});
  EXPECT_EQ(gas->pulse_input(), (PulseInputConfig{PulseInputUnit::kCubicMetre, 100}));
  const auto sub_meter = MakeSetup("6841121BN243101040", {{"Z3", "13"}, {"Z12", "01"}});
  EXPECT_EQ(sub_meter->pulse_input(), (PulseInputConfig{PulseInputUnit::kKilowattHour, 1000}));
}

}  // namespace
}  // namespace vmuc::meters
