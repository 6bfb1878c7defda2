#include "meters/loggers/analysis_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "meters/fleet.h"

namespace vmuc::meters {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using R = AnalysisRegister;

TimePoint Utc(int y, unsigned m, unsigned d, int hour = 0) {
  return TimePoint(sys_days(year(y) / m / d)) + hours(hour);
}

const TimePoint kEpoch = Utc(2027, 6, 1);
const LocalTimeRules kCet{60min, DstRule::kEu};

MeterIdentity Identity(uint32_t index = 5, uint8_t flags = kDefaultMixFlags) {
  MeterIdentity identity = FleetMeter(FleetSection(), index);
  identity.household_flags = flags;
  return identity;
}

AnalysisLogConfig Default() {
  auto config = AnalysisLogConfigFor(AnalysisLoggerSetup::kDefault);
  EXPECT_TRUE(config.ok());
  return *config;
}

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST(AnalysisLogConfigTest, TheDefaultSetIsValidAndDocumented) {
  const AnalysisLogConfig config = Default();
  EXPECT_TRUE(ValidateAnalysisLogConfig(config).ok());
  EXPECT_EQ(config.interval, 10min);
  std::vector<std::string> names;
  for (AnalysisRegister reg : config.registers) {
    names.push_back(std::string(AnalysisRegisterInfoOf(reg).name));
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"A+", "A-", "U L1", "U L2", "U L3", "I L1", "I L2", "I L3",
                                      "P L1", "P L2", "P L3", "Q L1", "Q L2", "Q L3", "f",
                                      "THD I L1", "THD I L2", "THD I L3", "U unbalance"}));
  auto layout = AnalysisLogLayoutFor(config);
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(*layout, (AnalysisLogLayout{.registers = 19,
                                        .entry_bytes = 94,
                                        .capacity_entries = 2788,
                                        .captures_per_day = 144,
                                        .depth_days = 19}));
  EXPECT_EQ(AnalysisLog(config).depth_days(), 19u);
}

TEST(AnalysisLogConfigTest, DepthFollowsFromTheMemoryModelAndTheRegisters) {
  // 262 144 bytes / (18 + 4 n) entries; days = entries / captures per day.
  struct Case {
    size_t registers;
    int minutes;
    uint32_t entries;
    uint32_t days;
  };
  const Case cases[] = {
      {1, 10, 11'915, 82}, {4, 10, 7'710, 53},  {8, 15, 5'242, 54},  {12, 5, 3'971, 13},
      {19, 10, 2'788, 19}, {24, 10, 2'299, 15}, {24, 60, 2'299, 95}, {24, 1, 2'299, 1},
  };
  const auto catalogue = AnalysisRegisterCatalogue();
  for (const Case& c : cases) {
    AnalysisLogConfig config;
    for (size_t i = 0; i < c.registers; ++i) config.registers.push_back(catalogue[i].id);
    config.interval = minutes(c.minutes);
    auto layout = AnalysisLogLayoutFor(config);
    ASSERT_TRUE(layout.ok()) << Message(layout.status());
    EXPECT_EQ(layout->entry_bytes, 18 + 4 * c.registers);
    EXPECT_EQ(layout->capacity_entries, 262'144 / (18 + 4 * c.registers));
    EXPECT_EQ(layout->capacity_entries, c.entries) << c.registers;
    EXPECT_EQ(layout->depth_days, c.days) << c.registers << " registers, " << c.minutes << " min";
    const AnalysisLog log(config);
    EXPECT_EQ(log.capacity(), c.entries);
    EXPECT_EQ(log.depth_days(), c.days);
  }
  // The memory size's reason: 24 registers at 10 minutes still hold two EN 50160 weeks.
  AnalysisLogConfig widest;
  for (size_t i = 0; i < 24; ++i) widest.registers.push_back(catalogue[i].id);
  EXPECT_GE(AnalysisLogLayoutFor(widest)->depth_days, 14u);
}

TEST(AnalysisLogConfigTest, InvalidConfigsAreNamed) {
  const AnalysisLogConfig good = Default();
  AnalysisLogConfig none = good;
  none.registers.clear();
  EXPECT_EQ(Message(ValidateAnalysisLogConfig(none)), "analysis logger: no registers; 1 to 24");

  AnalysisLogConfig too_many = good;
  for (const AnalysisRegisterInfo& info : AnalysisRegisterCatalogue()) {
    if (too_many.registers.size() == 25) break;
    if (std::find(good.registers.begin(), good.registers.end(), info.id) == good.registers.end()) {
      too_many.registers.push_back(info.id);
    }
  }
  EXPECT_THAT(Message(ValidateAnalysisLogConfig(too_many)),
              HasSubstr("analysis logger: 25 registers; at most 24"));

  AnalysisLogConfig twice = good;
  twice.registers.push_back(R::kVoltageL1);
  EXPECT_EQ(Message(ValidateAnalysisLogConfig(twice)),
            "analysis logger: register 'U L1' appears twice (3 and 20)");

  AnalysisLogConfig unknown = good;
  unknown.registers[1] = static_cast<AnalysisRegister>(0x3f);
  EXPECT_EQ(Message(ValidateAnalysisLogConfig(unknown)),
            "analysis logger: register 2 (0x3f) is not in the catalogue");

  for (int bad : {0, 7, 25, 90, 120}) {
    AnalysisLogConfig interval = good;
    interval.interval = minutes(bad);
    const absl::Status status = ValidateAnalysisLogConfig(interval);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Message(status),
                HasSubstr(absl::StrCat("interval ", bad, " min does not divide the hour")));
  }
  for (int fine : {1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60}) {
    AnalysisLogConfig interval = good;
    interval.interval = minutes(fine);
    EXPECT_TRUE(ValidateAnalysisLogConfig(interval).ok()) << fine;
  }
  EXPECT_THAT(Message(AnalysisLogLayoutFor(good, 93).status()),
              HasSubstr("a memory of 93 bytes holds no entry of 94 bytes"));
  EXPECT_THAT(Message(AnalysisLogLayoutFor(twice).status()), HasSubstr("appears twice"));
}

TEST(AnalysisLogConfigTest, TheCatalogueIsConsistent) {
  std::set<uint8_t> ids;
  std::set<std::string> names;
  std::set<dlms::Obis> codes;
  int previous = 0;
  for (const AnalysisRegisterInfo& info : AnalysisRegisterCatalogue()) {
    const uint8_t id = static_cast<uint8_t>(info.id);
    EXPECT_GT(id, previous) << info.name;  // identifier order
    previous = id;
    EXPECT_TRUE(ids.insert(id).second);
    EXPECT_TRUE(names.insert(std::string(info.name)).second) << info.name;
    if (info.obis) {
      EXPECT_TRUE(codes.insert(*info.obis).second) << info.name;
    }
    EXPECT_EQ(FindAnalysisRegister(info.id), &info);
    const AnalysisRegisterKind kind = id < 0x40   ? AnalysisRegisterKind::kEnergy
                                      : id < 0x80 ? AnalysisRegisterKind::kInstantaneous
                                                  : AnalysisRegisterKind::kPowerQuality;
    EXPECT_EQ(info.kind, kind) << info.name;
    if (info.kind == AnalysisRegisterKind::kEnergy) {
      EXPECT_FALSE(info.is_signed);
      EXPECT_EQ(info.scaler, 0);
      EXPECT_TRUE(info.unit == dlms::Unit::kWattHour || info.unit == dlms::Unit::kVarHour ||
                  info.unit == dlms::Unit::kVoltAmpereHour);
    }
  }
  EXPECT_EQ(FindAnalysisRegister(static_cast<AnalysisRegister>(0)), nullptr);
  // Signed: P, Q and the phase angles.
  EXPECT_TRUE(AnalysisRegisterInfoOf(R::kActivePowerL2).is_signed);
  EXPECT_TRUE(AnalysisRegisterInfoOf(R::kReactivePower).is_signed);
  EXPECT_TRUE(AnalysisRegisterInfoOf(R::kPhaseAngleL3).is_signed);
  EXPECT_FALSE(AnalysisRegisterInfoOf(R::kVoltageL1).is_signed);
  EXPECT_EQ(AnalysisValue(R::kActivePower, 0xFFFFFFFFu), -1);
  EXPECT_EQ(AnalysisValue(R::kActiveImport, 0xFFFFFFFFu), 4'294'967'295);
  // Codes of the object model (cosem-object-model.md).
  EXPECT_EQ(AnalysisRegisterInfoOf(R::kVoltageL2).obis->ToString(), "1.1.52.7.0.255");
  EXPECT_EQ(AnalysisRegisterInfoOf(R::kCurrentL3).obis->ToString(), "1.1.71.7.0.255");
  EXPECT_EQ(AnalysisRegisterInfoOf(R::kCurrentThdL1).obis->ToString(), "1.1.31.7.124.255");
  EXPECT_EQ(AnalysisRegisterInfoOf(R::kFrequency).obis->ToString(), "1.1.14.7.0.255");
  EXPECT_EQ(AnalysisRegisterInfoOf(R::kActiveImportL2).obis->ToString(), "1.1.41.8.0.255");
  EXPECT_FALSE(AnalysisRegisterInfoOf(R::kVoltageUnbalance).obis.has_value());
}

TEST(AnalysisLogTest, CapturesLandOnWholeClockBoundaries) {
  AnalysisLogConfig config = Default();
  config.interval = 15min;
  const AnalysisLog log(config);
  EXPECT_EQ(log.NextCaptureAfter(Utc(2027, 6, 1, 10) + 7min + 30s), Utc(2027, 6, 1, 10) + 15min);
  EXPECT_EQ(log.NextCaptureAfter(Utc(2027, 6, 1, 10) + 15min), Utc(2027, 6, 1, 10) + 30min);
  EXPECT_EQ(log.NextCaptureAfter(Utc(2027, 6, 1, 10) + 15min - 1ns), Utc(2027, 6, 1, 10) + 15min);
  // Also in local time, across the spring change.
  const AnalysisLog ten(Default());
  for (TimePoint t = ten.NextCaptureAfter(Utc(2027, 3, 27, 20)); t < Utc(2027, 3, 28, 6);
       t = ten.NextCaptureAfter(t)) {
    const LocalDateTime local = ToLocal(t, kCet);
    EXPECT_EQ(local.minute % 10, 0) << local.ToString();
    EXPECT_EQ(local.second, 0);
  }
}

// The value of `reg` computed here from the core's accessors, in doubles where the logger
// uses integer arithmetic (compared within 1 of the logger's last digit).
double Reference(AnalysisRegister reg, const MeterCore& core) {
  const RegisterSet total = core.registers().total();
  const PhaseSet& p = core.present_values();
  const GridValues grid = core.grid();
  const auto wh = [](uint64_t mws) { return static_cast<double>(mws / 3'600'000); };
  const auto phase = [](AnalysisRegister r, AnalysisRegister first) {
    return static_cast<size_t>(static_cast<int>(r) - static_cast<int>(first));
  };
  const auto current_ma = [&](size_t i) {
    return std::hypot(p[i].active_mw, p[i].reactive_mvar) / grid.voltage_mv[i] * 1000.0;
  };
  const auto pf = [](double active, double reactive) {
    const double s = std::hypot(active, reactive);
    return s == 0 ? 1000.0 : std::abs(active) / s * 1000.0;
  };
  double sum_p = 0, sum_q = 0;
  for (const PhaseValues& v : p) {
    sum_p += v.active_mw;
    sum_q += v.reactive_mvar;
  }
  switch (reg) {
    case R::kActiveImport:
      return wh(total.milli_unit_seconds[kActiveImport]);
    case R::kActiveExport:
      return wh(total.milli_unit_seconds[kActiveExport]);
    case R::kReactiveImport:
      return static_cast<double>(total.reactive_import_varh());
    case R::kReactiveExport:
      return static_cast<double>(total.reactive_export_varh());
    case R::kReactiveQ1:
    case R::kReactiveQ2:
    case R::kReactiveQ3:
    case R::kReactiveQ4:
      return wh(total.milli_unit_seconds[kReactiveQ1 + phase(reg, R::kReactiveQ1)]);
    case R::kApparentImport:
      return wh(total.milli_unit_seconds[kApparentImport]);
    case R::kApparentExport:
      return wh(total.milli_unit_seconds[kApparentExport]);
    case R::kActiveImportT1:
    case R::kActiveImportT2:
    case R::kActiveImportT3:
    case R::kActiveImportT4:
      return wh(core.registers().active_import_tariff[phase(reg, R::kActiveImportT1)]);
    case R::kReactiveImportT1:
    case R::kReactiveImportT2:
    case R::kReactiveImportT3:
    case R::kReactiveImportT4:
      return wh(core.registers().reactive_import_tariff[phase(reg, R::kReactiveImportT1)]);
    case R::kActiveImportL1:
    case R::kActiveImportL2:
    case R::kActiveImportL3:
      return static_cast<double>(
          core.active_import_wh(static_cast<int>(phase(reg, R::kActiveImportL1))));
    case R::kActiveExportL1:
    case R::kActiveExportL2:
    case R::kActiveExportL3:
      return static_cast<double>(
          core.registers().phase[phase(reg, R::kActiveExportL1)].wh(kActiveExport));
    case R::kActivePower:
      return std::trunc(sum_p / 1000);
    case R::kActivePowerL1:
    case R::kActivePowerL2:
    case R::kActivePowerL3:
      return std::trunc(p[phase(reg, R::kActivePowerL1)].active_mw / 1000.0);
    case R::kReactivePower:
      return std::trunc(sum_q / 1000);
    case R::kReactivePowerL1:
    case R::kReactivePowerL2:
    case R::kReactivePowerL3:
      return std::trunc(p[phase(reg, R::kReactivePowerL1)].reactive_mvar / 1000.0);
    case R::kVoltageL1:
    case R::kVoltageL2:
    case R::kVoltageL3:
      return std::floor(grid.voltage_mv[phase(reg, R::kVoltageL1)] / 100.0);
    case R::kCurrentL1:
    case R::kCurrentL2:
    case R::kCurrentL3:
      return current_ma(phase(reg, R::kCurrentL1));
    case R::kFrequency:
      return grid.frequency_mhz;
    case R::kPowerFactor:
      return pf(sum_p, sum_q);
    case R::kPowerFactorL1:
    case R::kPowerFactorL2:
    case R::kPowerFactorL3: {
      const PhaseValues& v = p[phase(reg, R::kPowerFactorL1)];
      return pf(v.active_mw, v.reactive_mvar);
    }
    case R::kPhaseAngleL1:
    case R::kPhaseAngleL2:
    case R::kPhaseAngleL3: {
      const PhaseValues& v = p[phase(reg, R::kPhaseAngleL1)];
      return std::atan2(v.reactive_mvar, v.active_mw) * 1800.0 / std::numbers::pi;
    }
    case R::kCurrentThdL1:
    case R::kCurrentThdL2:
    case R::kCurrentThdL3:
      return (*core.current_harmonics())[phase(reg, R::kCurrentThdL1)].thd_centipercent;
    case R::kVoltageUnbalance: {
      // |U2| / |U1| of three phasors 120 degrees apart, as complex numbers.
      const double a = grid.voltage_mv[0], b = grid.voltage_mv[1], c = grid.voltage_mv[2];
      const double k = std::sqrt(3.0) / 2;
      // U2 = (Ua + alpha Ub + alpha^2 Uc) / 3 with Ub at -120 and Uc at +120 degrees,
      // alpha^2 = 1 at 240 degrees: Ub lands at 120, Uc at 240.
      const double re = a - b / 2 - c / 2, im = k * b - k * c;
      return std::hypot(re, im) / (a + b + c) * 10'000.0;
    }
  }
  ADD_FAILURE() << "no reference for register " << static_cast<int>(reg);
  return 0;
}

TEST(AnalysisLogTest, EveryCatalogueRegisterReadsItsCoreValue) {
  // The catalogue in logs of at most 24 registers, captured from PV households at noon (P
  // and Q of both signs) and in the evening, on several meters.
  const auto catalogue = AnalysisRegisterCatalogue();
  std::vector<AnalysisLogConfig> configs;
  for (size_t i = 0; i < catalogue.size(); i += 24) {
    AnalysisLogConfig config;
    for (size_t j = i; j < std::min(catalogue.size(), i + 24); ++j) {
      config.registers.push_back(catalogue[j].id);
    }
    configs.push_back(config);
  }
  bool negative_p = false, negative_angle = false;
  for (uint32_t meter = 0; meter < 6; ++meter) {
    MeterCore core(Identity(meter, kHasPv | (meter % 2 ? kHasHeatPump : 0)), kEpoch);
    for (TimePoint at : {Utc(2027, 6, 3, 11), Utc(2027, 6, 3, 19) + 10min}) {
      core.AdvanceTo(at);
      for (const AnalysisLogConfig& config : configs) {
        AnalysisLog log(config);
        log.Capture(at, core, 0);
        const ProfileEntry entry = log.entries().back();
        EXPECT_EQ(entry.status, 0);
        EXPECT_EQ(entry.at, at);
        for (size_t c = 0; c < config.registers.size(); ++c) {
          const AnalysisRegister reg = config.registers[c];
          const int64_t value = AnalysisValue(reg, entry.values[c]);
          EXPECT_NEAR(static_cast<double>(value), Reference(reg, core), 1.0)
              << AnalysisRegisterInfoOf(reg).name << " meter " << meter;
          if (reg == R::kActivePower && value < 0) negative_p = true;
          if (AnalysisRegisterInfoOf(reg).unit == static_cast<dlms::Unit>(8) && value < 0) {
            negative_angle = true;
          }
        }
      }
    }
  }
  EXPECT_TRUE(negative_p);  // the signed encoding was exercised
  EXPECT_TRUE(negative_angle);
}

TEST(AnalysisLogTest, ADayOfDefaultCapturesFollowsTheCore) {
  MeterCore core(Identity(), kEpoch);
  AnalysisLog log(Default());
  std::vector<uint32_t> voltage_l1, active_import;
  for (int i = 0; i < 144; ++i) {
    const TimePoint at = log.NextCaptureAfter(core.time());
    core.AdvanceTo(at);
    log.Capture(at, core, kProfileStatusDaylightSaving);
    voltage_l1.push_back(static_cast<uint32_t>(core.grid().voltage_mv[0] / 100));
    active_import.push_back(static_cast<uint32_t>(core.active_import_wh()));
  }
  const std::vector<ProfileEntry> entries = log.entries();
  ASSERT_EQ(entries.size(), 144u);
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].at, kEpoch + (i + 1) * 10min);
    EXPECT_EQ(entries[i].sequence, i + 1);
    EXPECT_EQ(entries[i].status, kProfileStatusDaylightSaving);
    EXPECT_EQ(entries[i].channels, 19);
    EXPECT_EQ(entries[i].values[0], active_import[i]);
    EXPECT_EQ(entries[i].values[2], voltage_l1[i]);
  }
  EXPECT_GT(entries.back().values[0], entries.front().values[0]);
}

TEST(AnalysisLogTest, AnAronMeterHasNoCurrentThdAndFlagsTheEntry) {
  MeterOptions aron;
  aron.aron = true;
  MeterCore core(Identity(), kEpoch, aron);
  core.AdvanceTo(kEpoch + 19h);
  ASSERT_FALSE(core.current_harmonics().has_value());
  AnalysisLog log(Default());
  log.Capture(core.time(), core, kProfileStatusDaylightSaving);
  const ProfileEntry entry = log.entries().back();
  EXPECT_EQ(entry.status, kProfileStatusDaylightSaving | kProfileStatusDataNotValid);
  for (size_t c = 15; c < 18; ++c) EXPECT_EQ(entry.values[c], 0u) << c;  // THD I L1..L3
  EXPECT_GT(entry.values[2], 0u);                                        // U L1 still read
  // Without THD registers the entry is valid.
  AnalysisLog no_thd({.registers = {R::kVoltageL1, R::kActivePower}, .interval = 10min});
  no_thd.Capture(core.time(), core, 0);
  EXPECT_EQ(no_thd.entries().back().status, 0);
}

// A log of the default set run `captures` times on a core.
struct Logged {
  explicit Logged(AnalysisLogConfig config, uint32_t memory = kAnalysisLogMemoryBytes)
      : log(std::move(config), memory), core(Identity(), kEpoch) {}
  void Run(int captures) {
    for (int i = 0; i < captures; ++i) {
      const TimePoint at = log.NextCaptureAfter(core.time());
      core.AdvanceTo(at);
      log.Capture(at, core, 0);
    }
  }
  AnalysisLog log;
  MeterCore core;
};

TEST(AnalysisLogTest, TheOldestEntriesAreOverwrittenAtCapacity) {
  Logged logged(Default(), 3 * 94 + 50);
  logged.Run(5);
  EXPECT_EQ(logged.log.capacity(), 3u);
  EXPECT_EQ(logged.log.entries_in_use(), 3u);
  const std::vector<ProfileEntry> entries = logged.log.entries();
  EXPECT_EQ(entries.front().sequence, 3u);
  EXPECT_EQ(entries.back().sequence, 5u);
  EXPECT_EQ(entries.back().at, kEpoch + 50min);
}

TEST(AnalysisLogTest, ReadOutByTimeRangeEntryRangeAndColumns) {
  Logged logged(Default());
  logged.Run(36);  // six hours
  const std::vector<ProfileEntry> all = logged.log.entries();
  ProfileSelection hour;
  hour.from = kEpoch + 2h;
  hour.to = kEpoch + 3h;
  auto seven = logged.log.Select(hour);
  ASSERT_TRUE(seven.ok()) << Message(seven.status());
  ASSERT_EQ(seven->size(), 7u);
  EXPECT_EQ(seven->front().at, kEpoch + 2h);
  EXPECT_EQ(seven->back().at, kEpoch + 3h);
  // Entries 10..12, voltages only (columns 2..4).
  ProfileSelection voltages;
  voltages.from_entry = 10;
  voltages.to_entry = 12;
  voltages.columns = {2, 3, 4};
  auto three = logged.log.Select(voltages);
  ASSERT_TRUE(three.ok()) << Message(three.status());
  ASSERT_EQ(three->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*three)[i].sequence, 10 + i);
    EXPECT_EQ((*three)[i].channels, 3);
    for (size_t c = 0; c < 3; ++c) EXPECT_EQ((*three)[i].values[c], all[9 + i].values[2 + c]);
    EXPECT_EQ((*three)[i].values[3], 0u);
  }
  // An entry range beyond the held entries is cut at the newest.
  ProfileSelection past;
  past.from_entry = 35;
  past.to_entry = 100;
  EXPECT_EQ(logged.log.Select(past)->size(), 2u);
  ProfileSelection beyond;
  beyond.columns = {0, 19};
  EXPECT_EQ(Message(logged.log.Select(beyond).status()),
            "analysis logger read-out: column 19 beyond the 19 channels");
  ProfileSelection zero;
  zero.from_entry = 0;
  EXPECT_THAT(Message(logged.log.Select(zero).status()), HasSubstr("entry range 0..0 is empty"));
  ProfileSelection reversed;
  reversed.from = kEpoch + 3h;
  reversed.to = kEpoch + 2h;
  EXPECT_EQ(logged.log.Select(reversed).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(AnalysisLogTest, ImagePagesAndSavedStateRestoreTheLog) {
  Logged logged(Default());
  logged.Run(300);  // 28 200 bytes: 15 pages
  const AnalysisLog& log = logged.log;
  ByteWriter state;
  log.Save(state);
  AnalysisLog restored(Default());
  for (uint32_t page = 0; page < log.image().page_count(); ++page) {
    ASSERT_TRUE(restored.mutable_image().RestorePage(page, log.image().Page(page)).ok());
  }
  ByteReader in(state.bytes(), "meter state");
  ASSERT_TRUE(restored.Restore(in).ok());
  ASSERT_TRUE(in.Finish().ok());
  ASSERT_TRUE(restored.CheckImage().ok());
  EXPECT_EQ(restored, log);
  EXPECT_EQ(restored.entries(), log.entries());
  // Both log on alike.
  AnalysisLog original = log;
  const TimePoint at = original.NextCaptureAfter(logged.core.time());
  logged.core.AdvanceTo(at);
  original.Capture(at, logged.core, 0);
  restored.Capture(at, logged.core, 0);
  EXPECT_EQ(restored, original);
  EXPECT_EQ(restored.entries().back().sequence, 301u);
}

TEST(AnalysisLogTest, RestoreRejectsOtherRegistersAndTruncatedStateUnchanged) {
  Logged logged(Default());
  logged.Run(4);
  ByteWriter state;
  logged.log.Save(state);

  AnalysisLog other({.registers = {R::kActiveImport, R::kVoltageL1}, .interval = 10min});
  ByteReader in(state.bytes(), "meter state");
  const absl::Status status = other.Restore(in);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Message(status), HasSubstr("configured [A+, U L1]"));
  EXPECT_THAT(Message(status), HasSubstr("saved with registers [A+, A-, U L1"));
  EXPECT_EQ(other.entries_in_use(), 0u);

  AnalysisLog into(Default());
  const AnalysisLog before = into;
  std::vector<uint8_t> truncated = state.bytes();
  truncated.resize(truncated.size() - 3);
  ByteReader short_in(truncated, "meter state");
  EXPECT_EQ(into.Restore(short_in).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(into, before);
}

TEST(AnalysisLogTest, ProfileRecordsRoundTrip) {
  ProfileEntry entry;
  entry.at = Utc(2027, 6, 1, 12) + 10min;
  entry.status = kProfileStatusDaylightSaving | kProfileStatusDataNotValid;
  entry.sequence = 0xDEADBEEF;
  entry.channels = 24;
  for (size_t i = 0; i < 24; ++i) entry.values[i] = static_cast<uint32_t>(0x01020304u * (i + 1));
  const std::vector<uint8_t> bytes = EncodeProfileRecord(entry);
  ASSERT_EQ(bytes.size(), 114u);
  EXPECT_EQ(bytes[12], 0x00);  // status, big-endian
  EXPECT_EQ(bytes[13], 0x0C);
  auto decoded = DecodeProfileRecord(bytes, 24);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, entry);
  EXPECT_THAT(Message(DecodeProfileRecord(bytes, 23).status()),
              HasSubstr("114 bytes, want 110 for 23 values"));
  EXPECT_THAT(Message(DecodeProfileRecord(bytes, 25).status()), HasSubstr("25 values; 1 to 24"));
}

}  // namespace
}  // namespace vmuc::meters
