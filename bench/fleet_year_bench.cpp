// The meter host's year: N meters of the default fleet, every logger on, fast-forwarded
// through a simulated year on two threads (a shard each, with its own connection to one
// SQLite store), a checkpoint every 7 simulated days: what `vmuc-meterd --run-until` does.
// Prints the figures the loggers issue asks for: the time for the year, load-profile
// entries persisted per second, and bytes on disk per meter at full depth (the 15-minute
// A+/A-/R+/R- profile holds 180 days, so after a year every logger is full or nearly).
//
// Usage: vmuc_fleet_year_bench [meters (default 10000)] [directory for the store (default /tmp)]
//                              [simulated days between checkpoints (default 7, as vmuc-meterd)]
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/config.h"
#include "meters/fleet.h"
#include "meters/host/fast_forward.h"
#include "meters/store/meter_store.h"

namespace {

using namespace vmuc;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  const uint32_t meter_count = argc > 1 ? static_cast<uint32_t>(std::atol(argv[1])) : 10'000;
  const std::string dir = argc > 2 ? argv[2] : "/tmp";
  const int step_days = argc > 3 ? std::max(1, std::atoi(argv[3])) : 7;  // meterd's default
  const std::string path = dir + "/vmuc-fleet-year-bench-" + std::to_string(::getpid()) + ".db";
  constexpr int kShards = 2;

  FleetSection fleet;  // the shipped defaults: 5 short and 1 long interruption a year
  fleet.meters = meter_count;
  auto setup = meters::FleetSetup(fleet);
  if (!setup.ok()) {
    std::fprintf(stderr, "%s\n", std::string(setup.status().message()).c_str());
    return 1;
  }
  std::vector<std::unique_ptr<meters::Meter>> fleet_meters;
  std::vector<std::vector<meters::Meter*>> shards(kShards);
  for (uint32_t i = 0; i < meter_count; ++i) {
    fleet_meters.push_back(std::make_unique<meters::Meter>(
        meters::FleetMeter(fleet, i), fleet.epoch, (*setup)->options(), (*setup)->pulse_input(),
        (*setup)->billing(), (*setup)->load_profile(), (*setup)->analysis_log(),
        (*setup)->debit_log_2()));
    shards[i % kShards].push_back(fleet_meters.back().get());
  }
  const TimePoint year_end = fleet.epoch + std::chrono::days(365);

  const auto start = Clock::now();
  std::vector<std::thread> threads;
  std::vector<absl::Status> results(kShards);
  for (int s = 0; s < kShards; ++s) {
    threads.emplace_back([&, s] {
      auto store = meters::MeterStore::Open(path);
      if (!store.ok()) {
        results[s] = store.status();
        return;
      }
      results[s] = meters::FastForward(shards[s], **store,
                                       {.until = year_end, .step = std::chrono::days(step_days)});
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double elapsed_s = Seconds(Clock::now() - start);
  for (const absl::Status& status : results) {
    if (!status.ok()) {
      std::fprintf(stderr, "fast-forward: %s\n", std::string(status.message()).c_str());
      return 1;
    }
  }

  uint64_t entries = 0;
  for (const auto& meter : fleet_meters) entries += meter->load_profile()->image().appended();
  auto store = meters::MeterStore::Open(path);
  auto stats = store.ok() ? (*store)->Statistics()
                          : absl::StatusOr<meters::MeterStore::Stats>(store.status());
  if (!stats.ok()) {
    std::fprintf(stderr, "statistics: %s\n", std::string(stats.status().message()).c_str());
    return 1;
  }
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto& profile = *fleet_meters.front()->load_profile();
  std::printf(
      "meters                          %u (shards %d, checkpoint every %d simulated days)\n",
      meter_count, kShards, step_days);
  std::printf("simulated year, wall time       %.1f s\n", elapsed_s);
  std::printf("load-profile entries persisted  %llu (%.0f per second)\n",
              static_cast<unsigned long long>(entries), static_cast<double>(entries) / elapsed_s);
  std::printf("profile at year end             %u of %u entries (full: %s)\n",
              profile.entries_in_use(), profile.capacity(),
              profile.entries_in_use() == profile.capacity() ? "yes" : "no");
  std::printf("store on disk                   %llu bytes, %llu page rows\n",
              static_cast<unsigned long long>(stats->file_bytes),
              static_cast<unsigned long long>(stats->pages));
  std::printf("bytes on disk per meter         %.0f (%.2f MiB)\n",
              static_cast<double>(stats->file_bytes) / meter_count,
              static_cast<double>(stats->file_bytes) / meter_count / (1024.0 * 1024.0));
  std::printf("peak resident memory            %.0f MiB (%.0f KiB per meter)\n",
              usage.ru_maxrss / 1024.0, static_cast<double>(usage.ru_maxrss) / meter_count);
  std::remove(path.c_str());
  std::remove((path + "-wal").c_str());
  std::remove((path + "-shm").c_str());
  return 0;
}
