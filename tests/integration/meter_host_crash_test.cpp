// The meter host's promise (issue "Meter core II"): a host SIGKILLed at any instant comes
// back, replaying from its last checkpoint, with exactly the registers, load profiles,
// billing values and event logs of an uninterrupted run with the same seed.
//
// Two real vmuc-meterd processes on real SQLite files: one runs its 1000 meters to the
// end undisturbed; the other is killed at 20 seeded random instants (during start-up,
// restore, replay or a checkpoint's transaction alike) and restarted each time, then runs
// to the end. Their stores must hold the same bytes, meter by meter and page by page.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <random>

#include "meters/fleet.h"
#include "meters/host/checkpoint.h"
#include "meters/store/meter_store.h"
#include "tests/integration/test_process.h"

namespace vmuc {
namespace {

using namespace std::chrono_literals;
using meters::MeterStore;
using testing::TestProcess;

const std::string kBin = VMUC_BIN_DIR;
constexpr int kMeters = 1000;
constexpr int kKills = 20;
// Simulated time the run covers: the fleet's epoch (2026-01-01) to here, through the
// 1 February debiting end, DST-free winter days and some 30 supply interruptions.
constexpr const char* kRunUntil = "2026-02-05T00:00:00Z";

std::string WriteConfig(const std::string& dir) {
  const std::string path = dir + "/vmuc.toml";
  std::ofstream(path) << "[gateway]\ndata_dir = \"" << dir << "/var\"\n"
                      << "[fleet]\nmeters = " << kMeters << "\nshards = 2\nseed = 77\n"
                      << "short_interruptions_per_year = 12\nlong_interruptions_per_year = 4\n"
                      << "[logging]\nlevel = \"warn\"\n";
  return path;
}

std::optional<TestProcess> StartHost(const std::string& config, const std::string& log) {
  // A checkpoint every simulated day: 35 of them for the kills to fall among.
  return TestProcess::Start({kBin + "/vmuc-meterd", "--config", config, "--run-until", kRunUntil,
                             "--checkpoint-days", "1"},
                            log);
}

// Runs the host to the end; its wall time.
std::chrono::milliseconds RunToTheEnd(const std::string& config, const std::string& log) {
  const auto start = std::chrono::steady_clock::now();
  auto host = StartHost(config, log);
  EXPECT_TRUE(host.has_value());
  const std::optional<int> status = host->WaitFor(20min);
  EXPECT_TRUE(status.has_value()) << "the host did not finish";
  EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << testing::ReadFile(log);
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

TEST(MeterHostCrashTest, KilledTwentyTimesItEndsByteForByteAsAnUninterruptedRun) {
  testing::TempDir uninterrupted_dir, killed_dir;
  const std::string uninterrupted = WriteConfig(uninterrupted_dir.path());
  const std::string killed = WriteConfig(killed_dir.path());
  const std::chrono::milliseconds whole_run =
      RunToTheEnd(uninterrupted, uninterrupted_dir.path() + "/meterd.log");

  // Each life lasts a seeded random part of 1/20 of an uninterrupted run, so the 20 kills
  // land before the end, anywhere from start-up to the middle of a checkpoint.
  std::mt19937_64 random(20261124);
  std::uniform_int_distribution<int64_t> life_ms(0, std::max<int64_t>(whole_run.count() / 20, 1));
  const std::string log = killed_dir.path() + "/meterd.log";
  for (int kill = 0; kill < kKills; ++kill) {
    auto host = StartHost(killed, log);
    ASSERT_TRUE(host.has_value());
    std::this_thread::sleep_for(std::chrono::milliseconds(life_ms(random)));
    host->Signal(SIGKILL);
    const std::optional<int> status = host->WaitFor(30s);
    ASSERT_TRUE(status.has_value());
    ASSERT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL)
        << "life " << kill << " ended before its kill: " << testing::ReadFile(log);
  }
  RunToTheEnd(killed, log);

  auto a = MeterStore::Open(uninterrupted_dir.path() + "/var/meters.db");
  auto b = MeterStore::Open(killed_dir.path() + "/var/meters.db");
  ASSERT_TRUE(a.ok() && b.ok());
  auto meters_a = (*a)->Meters();
  auto meters_b = (*b)->Meters();
  ASSERT_TRUE(meters_a.ok() && meters_b.ok());
  ASSERT_EQ(meters_a->size(), static_cast<size_t>(kMeters));
  ASSERT_EQ(*meters_a, *meters_b);
  size_t pages = 0;
  for (uint64_t meter : *meters_a) {
    auto stored_a = (*a)->Load(meter);
    auto stored_b = (*b)->Load(meter);
    ASSERT_TRUE(stored_a.ok() && stored_b.ok() && stored_a->has_value() && stored_b->has_value());
    const MeterStore::Loaded& x = **stored_a;
    const MeterStore::Loaded& y = **stored_b;
    ASSERT_EQ(x.at_unix_s, y.at_unix_s) << meter;
    ASSERT_EQ(x.state, y.state) << "meter " << meter << ": registers and cursors differ";
    ASSERT_EQ(x.pages, y.pages) << "meter " << meter << ": a logger's bytes differ";
    pages += x.pages.size();
  }

  // And the stores hold a real history: restore some meters and look.
  FleetSection fleet;
  fleet.meters = kMeters;
  fleet.seed = 77;
  fleet.short_interruptions_per_year = 12;
  fleet.long_interruptions_per_year = 4;
  auto setup = meters::FleetSetup(fleet);
  ASSERT_TRUE(setup.ok());
  size_t meters_with_outages = 0;
  for (uint32_t index = 0; index < kMeters; index += 100) {
    meters::Meter meter(meters::FleetMeter(fleet, index), fleet.epoch, (*setup)->options(),
                        (*setup)->pulse_input(), (*setup)->billing(), (*setup)->load_profile(),
                        (*setup)->analysis_log(), (*setup)->debit_log_2());
    auto restored = meters::RestoreMeter(**b, meter);
    ASSERT_TRUE(restored.ok() && *restored) << restored.status();
    EXPECT_EQ(meter.time(), *ParseRfc3339(kRunUntil));
    // The pure meter, run here in one go, is the same meter.
    meters::Meter reference(meters::FleetMeter(fleet, index), fleet.epoch, (*setup)->options(),
                            (*setup)->pulse_input(), (*setup)->billing(), (*setup)->load_profile(),
                            (*setup)->analysis_log(), (*setup)->debit_log_2());
    reference.AdvanceTo(meter.time());
    EXPECT_TRUE(meter == reference) << "meter " << index;
    EXPECT_GT(meter.load_profile()->entries_in_use(), 34u * 96u - 200u);
    EXPECT_EQ(meter.billing_log().entries_in_use(), 1u) << "the 1 February end";
    if (meter.events().entries_in_use(meters::EventLogKind::kStandard) > 1) ++meters_with_outages;
  }
  EXPECT_GT(pages, static_cast<size_t>(kMeters) * 2);
  EXPECT_GT(meters_with_outages, 0u);
}

}  // namespace
}  // namespace vmuc
