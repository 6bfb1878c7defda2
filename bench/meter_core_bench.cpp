// Meter core throughput: how much simulated time one core can integrate per second,
// which bounds fleet size x speed (docs/performance.md).
#include <benchmark/benchmark.h>

#include "meters/fleet.h"
#include "meters/meter.h"
#include "meters/meter_core.h"
#include "meters/meter_setup.h"

namespace vmuc::meters {
namespace {

using namespace std::chrono_literals;

const TimePoint kEpoch = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 1 / 1));

void BM_LoadModelSlot(benchmark::State& state) {
  const LoadModel model(42);
  int64_t slot = 1'767'225'600 / LoadModel::kSlot.count();
  for (auto _ : state) benchmark::DoNotOptimize(model.PhasesInSlot(slot++));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LoadModelSlot);

// One meter-day per iteration (288 load-model slots).
void BM_MeterCoreAdvanceOneDay(benchmark::State& state) {
  MeterCore core(FleetMeter(FleetSection(), 0), kEpoch);
  TimePoint t = kEpoch;
  for (auto _ : state) {
    t += 24h;
    core.AdvanceTo(t);
  }
  benchmark::DoNotOptimize(core.active_import_wh());
  state.counters["meter_days_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MeterCoreAdvanceOneDay);

// A year of one meter, fast-forwarded by events (aim: under 10 ms).
void BM_MeterCoreFastForwardOneYear(benchmark::State& state) {
  for (auto _ : state) {
    MeterCore core(FleetMeter(FleetSection(), 0), kEpoch);
    core.AdvanceTo(kEpoch + 365 * 24h);
    benchmark::DoNotOptimize(core.registers());
  }
}
BENCHMARK(BM_MeterCoreFastForwardOneYear)->Unit(benchmark::kMillisecond);

// The same year for a meter made from codes: register-control tariff calendar (Z13 002, EU
// DST) and the class B accuracy model (X6) on every load change. Arg 2: the shipped config's
// type number (X4 = 2, Aron); arg 3: its three-system sibling.
void BM_ConfiguredMeterFastForwardOneYear(benchmark::State& state) {
  const char* type_number = state.range(0) == 2 ? "6841121BN243101040" : "6841131BN243101040";
  auto configuration = MeterConfiguration::Create(type_number, {{"Z13", "002"}});
  auto setup = MeterSetup::Create(*configuration);
  for (auto _ : state) {
    MeterCore core(FleetMeter(FleetSection(), 0), kEpoch, (*setup)->options());
    core.AdvanceTo(kEpoch + 365 * 24h);
    benchmark::DoNotOptimize(core.registers());
  }
}
BENCHMARK(BM_ConfiguredMeterFastForwardOneYear)->Arg(2)->Arg(3)->Unit(benchmark::kMillisecond);

// A whole Meter (shipped codes, tariff calendar, class model, billing log and the 15-minute
// load profile) through a year: issue 4's per-meter budget is 60 ms (10 000 meters in 10
// minutes with every logger on).
void BM_MeterWithLoggersFastForwardOneYear(benchmark::State& state) {
  auto configuration = MeterConfiguration::Create("6841121BN243101040", {{"Z13", "002"}});
  auto setup = MeterSetup::Create(*configuration);
  for (auto _ : state) {
    Meter meter(FleetMeter(FleetSection(), 0), kEpoch, (*setup)->options(), (*setup)->pulse_input(),
                (*setup)->billing(), (*setup)->load_profile());
    meter.AdvanceTo(kEpoch + 365 * 24h);
    benchmark::DoNotOptimize(meter.load_profile()->entries_in_use());
  }
}
BENCHMARK(BM_MeterWithLoggersFastForwardOneYear)->Unit(benchmark::kMillisecond);

// One class-error evaluation of a phase's load at a prepared supply (what fast-forward
// pays per phase whose load changed), over a realistic spread of household loads.
void BM_AccuracyRegistered(benchmark::State& state) {
  const AccuracyModel model(AccuracyClass::kMidB, Rating(CurrentRange::k5To100A), 7);
  const AccuracyModel::Supply supply = model.AtSupply(231'500, 50'010, 23'000);
  std::vector<PhaseValues> loads;
  LoadCursor cursor(42);
  const int64_t first_slot = 1'767'225'600 / LoadModel::kSlot.count();
  for (int64_t slot = first_slot; loads.size() < 4096; ++slot) {
    for (const PhaseValues& phase : cursor.At(slot)) loads.push_back(phase);
  }
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(model.Registered(loads[i], supply));
    i = (i + 1) % loads.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AccuracyRegistered);

// A shard of 100 000 meters ticking: one metrology tick (1 s) per meter per iteration, a
// tight loop over the shard (aim: 20 million meter-seconds per core-second).
void BM_ShardTick(benchmark::State& state) {
  const uint32_t meters = static_cast<uint32_t>(state.range(0));
  std::vector<MeterCore> shard;
  shard.reserve(meters);
  for (uint32_t i = 0; i < meters; ++i) shard.emplace_back(FleetMeter(FleetSection(), i), kEpoch);
  for (auto _ : state) {
    for (MeterCore& core : shard) core.Tick();
  }
  state.counters["meter_seconds_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * meters, benchmark::Counter::kIsRate);
  state.counters["bytes_per_meter"] = static_cast<double>(sizeof(MeterCore));
}
BENCHMARK(BM_ShardTick)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vmuc::meters
