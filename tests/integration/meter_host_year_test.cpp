// A year of 15-minute load profile for 1000 meters, in simulated time, in a test (issue
// "Meter core II"): the real vmuc-meterd fast-forwards its fleet through 2026 into a real
// SQLite file, every logger on; the stored meters are then checked against the pure core.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>

#include "meters/fleet.h"
#include "meters/host/checkpoint.h"
#include "meters/store/meter_store.h"
#include "tests/integration/test_process.h"

namespace vmuc {
namespace {

using namespace std::chrono_literals;

const std::string kBin = VMUC_BIN_DIR;
constexpr uint32_t kMeters = 1000;

TEST(MeterHostYearTest, AThousandMetersLogAYearOfFifteenMinuteProfile) {
  testing::TempDir dir;
  const std::string config = dir.path() + "/vmuc.toml";
  std::ofstream(config) << "[gateway]\ndata_dir = \"" << dir.path() << "/var\"\n"
                        << "[fleet]\nmeters = " << kMeters << "\nshards = 2\n"
                        << "[logging]\nlevel = \"warn\"\n";
  const std::string log = dir.path() + "/meterd.log";
  auto host = testing::TestProcess::Start(
      {kBin + "/vmuc-meterd", "--config", config, "--run-until", "2027-01-01T00:00:00Z"}, log);
  ASSERT_TRUE(host.has_value());
  const std::optional<int> status = host->WaitFor(25min);
  ASSERT_TRUE(status.has_value()) << "a year did not finish";
  ASSERT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << testing::ReadFile(log);

  auto store = meters::MeterStore::Open(dir.path() + "/var/meters.db");
  ASSERT_TRUE(store.ok()) << store.status();
  auto stats = (*store)->Statistics();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->meters, kMeters);
  // The shipped profile (Z29 3, A+/A-/R+/R-, 15 min) holds 180 days: full after a year,
  // with every other logger; all of it within 1 MiB a meter.
  EXPECT_LT(stats->file_bytes / kMeters, 1u << 20);

  FleetSection fleet;  // the defaults, as the config above leaves them
  fleet.meters = kMeters;
  auto setup = meters::FleetSetup(fleet);
  ASSERT_TRUE(setup.ok());
  const TimePoint year_end = TimePoint(std::chrono::sys_days(std::chrono::year(2027) / 1 / 1));
  for (uint32_t index = 0; index < kMeters; index += 97) {
    const auto identity = meters::FleetMeter(fleet, index);
    meters::Meter stored(identity, fleet.epoch, (*setup)->options(), (*setup)->pulse_input(),
                         (*setup)->billing(), (*setup)->load_profile(), (*setup)->analysis_log(),
                         (*setup)->debit_log_2());
    auto restored = meters::RestoreMeter(**store, stored);
    ASSERT_TRUE(restored.ok() && *restored) << restored.status();
    EXPECT_EQ(stored.time(), year_end);
    const meters::LoadProfileLog& profile = *stored.load_profile();
    EXPECT_EQ(profile.entries_in_use(), profile.capacity()) << index;
    // 35 040 periods in 2026, less those ending while the supply was off.
    const auto newest = profile.entries().back();
    EXPECT_LE(newest.sequence, 35'040u);
    EXPECT_GT(newest.sequence, 35'040u - 200u);
    EXPECT_EQ(newest.at, year_end);
    EXPECT_EQ(stored.billing_log().entries_in_use(), 12u) << "monthly ends, 1 Feb .. 1 Jan";
    meters::Meter reference(identity, fleet.epoch, (*setup)->options(), (*setup)->pulse_input(),
                            (*setup)->billing(), (*setup)->load_profile(), (*setup)->analysis_log(),
                            (*setup)->debit_log_2());
    reference.AdvanceTo(year_end);
    EXPECT_TRUE(stored == reference) << "meter " << index;
  }
}

}  // namespace
}  // namespace vmuc
