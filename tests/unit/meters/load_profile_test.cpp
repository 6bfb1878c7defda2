#include "meters/loggers/load_profile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meters/fleet.h"
#include "meters/meter.h"
#include "meters/meter_setup.h"

namespace vmuc::meters {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

const TimePoint kJanuary = TimePoint(std::chrono::sys_days(std::chrono::year(2027) / 1 / 1));
const TimePoint kJuly = TimePoint(std::chrono::sys_days(std::chrono::year(2027) / 7 / 1));
const LocalTimeRules kCet{60min, DstRule::kEu};

MeterIdentity Identity() { return FleetMeter(FleetSection(), 5); }

BillingConfig Cet() { return BillingConfig{1, DebitingInterval{1, 1}, kCet}; }

TEST(LoadProfileTest, ADayOfFifteenMinuteEntriesHoldsTheRegistersAtEachPeriodEnd) {
  Meter meter(Identity(), kJanuary, {}, {}, Cet());  // Z29 3: A+/A-/R+/R-
  meter.AdvanceTo(kJanuary + 24h);
  const LoadProfileLog& log = *meter.load_profile();
  ASSERT_EQ(log.entries_in_use(), 96u);
  MeterCore reference(Identity(), kJanuary);
  const std::vector<ProfileEntry> entries = log.entries();
  for (size_t i = 0; i < 96; ++i) {
    const ProfileEntry& entry = entries[i];
    const TimePoint end = kJanuary + (i + 1) * 15min;
    reference.AdvanceTo(end);
    EXPECT_EQ(entry.at, end);
    EXPECT_EQ(entry.sequence, i + 1);
    EXPECT_EQ(entry.channels, 4);
    const RegisterSet total = reference.registers().total();
    EXPECT_EQ(entry.values[0], total.wh(kActiveImport)) << i;
    EXPECT_EQ(entry.values[1], total.wh(kActiveExport)) << i;
    EXPECT_EQ(entry.values[2], total.reactive_import_varh()) << i;
    EXPECT_EQ(entry.values[3], total.reactive_export_varh()) << i;
    EXPECT_EQ(entry.status, 0) << i;  // winter: no DST bit
  }
  EXPECT_GT(log.entries().back().values[0], 0u);
}

TEST(LoadProfileTest, SummerEntriesCarryTheDaylightSavingBit) {
  Meter meter(Identity(), kJuly, {}, {}, Cet());
  meter.AdvanceTo(kJuly + 1h);
  ASSERT_EQ(meter.load_profile()->entries_in_use(), 4u);
  for (const ProfileEntry& entry : meter.load_profile()->entries()) {
    EXPECT_EQ(entry.status, kProfileStatusDaylightSaving);
  }
}

TEST(LoadProfileTest, DeltaValuesAddUpToTheAbsoluteOnes) {
  LoadProfileConfig delta;
  delta.channels = LoadProfileSet::kActiveReactiveQuadrants;  // 8 channels
  delta.data = LoadProfileData::kDelta;
  LoadProfileConfig absolute = delta;
  absolute.data = LoadProfileData::kAbsolute;
  MeterOptions hourly;
  hourly.integration_period_min = 60;
  Meter d(Identity(), kJanuary, hourly, {}, Cet(), delta);
  Meter a(Identity(), kJanuary, hourly, {}, Cet(), absolute);
  d.AdvanceTo(kJanuary + 3 * 24h);
  a.AdvanceTo(kJanuary + 3 * 24h);
  ASSERT_EQ(d.load_profile()->entries_in_use(), 72u);
  for (size_t channel = 0; channel < 8; ++channel) {
    uint64_t sum = 0;
    for (const ProfileEntry& entry : d.load_profile()->entries()) sum += entry.values[channel];
    EXPECT_EQ(sum, a.load_profile()->entries().back().values[channel]) << channel;
  }
}

TEST(LoadProfileTest, TheMemoryWrapsAtItsCapacity) {
  // A+/A-/R+/R- at 15 min: 17 287 entries (180 days); after 200 days the oldest are gone.
  Meter meter(Identity(), kJanuary, {}, {}, Cet());
  meter.AdvanceTo(kJanuary + 200 * 24h);
  const LoadProfileLog& log = *meter.load_profile();
  EXPECT_EQ(log.capacity(), 17'287u);
  EXPECT_EQ(log.entries_in_use(), 17'287u);
  EXPECT_EQ(log.entries().back().sequence, 200u * 96u);
  EXPECT_EQ(log.entries().front().sequence, 200u * 96u - 17'287u + 1u);
}

TEST(LoadProfileTest, JumpingAndSteppingRecordTheSameProfile) {
  Meter jumping(Identity(), kJanuary, {}, {}, Cet());
  Meter stepping(Identity(), kJanuary, {}, {}, Cet());
  jumping.AdvanceTo(kJanuary + 40 * 24h);
  for (TimePoint t = kJanuary; t < kJanuary + 40 * 24h;) {
    t = std::min(t + 53min, kJanuary + 40 * 24h);
    stepping.AdvanceTo(t);
  }
  EXPECT_EQ(*jumping.load_profile(), *stepping.load_profile());
}

TEST(LoadProfileTest, ReadOutByTimeRangeEntryRangeAndColumns) {
  Meter meter(Identity(), kJanuary, {}, {}, Cet());
  meter.AdvanceTo(kJanuary + 24h);
  const LoadProfileLog& log = *meter.load_profile();
  // By time: 10:00 to 11:00 inclusive is 5 entries.
  ProfileSelection by_time;
  by_time.from = kJanuary + 10h;
  by_time.to = kJanuary + 11h;
  auto hour = log.Select(by_time);
  ASSERT_TRUE(hour.ok());
  ASSERT_EQ(hour->size(), 5u);
  EXPECT_EQ(hour->front().at, kJanuary + 10h);
  EXPECT_EQ(hour->back().at, kJanuary + 11h);
  // By entry, with columns A- and R+ only.
  ProfileSelection by_entry;
  by_entry.from_entry = 3;
  by_entry.to_entry = 4;
  by_entry.columns = {1, 2};
  auto two = log.Select(by_entry);
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].sequence, 3u);
  EXPECT_EQ((*two)[0].channels, 2);
  EXPECT_EQ((*two)[0].values[0], log.entries()[2].values[1]);
  EXPECT_EQ((*two)[0].values[1], log.entries()[2].values[2]);
  EXPECT_EQ((*two)[0].values[2], 0u);
  // Errors name what is wrong.
  ProfileSelection bad_column;
  bad_column.columns = {4};
  EXPECT_THAT(std::string(log.Select(bad_column).status().message()), HasSubstr("column 4"));
  ProfileSelection too_many;  // a client's request: more columns than there are channels
  too_many.columns = {0, 1, 2, 3, 0, 1, 2, 3, 0};
  EXPECT_THAT(std::string(log.Select(too_many).status().message()),
              HasSubstr("9 columns of 4 channels"));
  ProfileSelection repeated;
  repeated.columns = {0, 0};
  ASSERT_TRUE(log.Select(repeated).ok());
  ProfileSelection reversed;
  reversed.from = kJanuary + 2h;
  reversed.to = kJanuary + 1h;
  EXPECT_FALSE(log.Select(reversed).ok());
  ProfileSelection empty_range;
  empty_range.from_entry = 5;
  empty_range.to_entry = 4;
  EXPECT_THAT(std::string(log.Select(empty_range).status().message()), HasSubstr("5..4"));
}

TEST(LoadProfileTest, EntriesEncodeToTheMemoryModelsSizeAndBack) {
  ProfileEntry entry;
  entry.at = kJanuary + 15min;
  entry.status = kProfileStatusDaylightSaving | kProfileStatusClockSetForwards;
  entry.sequence = 0x01020304;
  entry.channels = 4;
  entry.values = {1, 0xFFFFFFFF, 70'000, 5};
  const std::vector<uint8_t> bytes = EncodeProfileRecord(entry);
  ASSERT_EQ(bytes.size(), 18u + 4u * 4u);
  EXPECT_EQ(bytes[12], 0x01);  // status, big-endian: bit 8 in the high byte
  EXPECT_EQ(bytes[13], 0x08);
  EXPECT_EQ(bytes[14], 0x01);  // sequence
  EXPECT_EQ(bytes[17], 0x04);
  auto decoded = DecodeProfileRecord(bytes, 4);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, entry);
  EXPECT_THAT(std::string(DecodeProfileRecord(bytes, 3).status().message()),
              HasSubstr("34 bytes, want 30"));
  std::vector<uint8_t> bad_time = bytes;
  bad_time[2] = 13;  // month 13
  EXPECT_THAT(std::string(DecodeProfileRecord(bad_time, 4).status().message()),
              HasSubstr("capture time"));
}

TEST(LoadProfileTest, TheSetupGivesZ29AndZ27) {
  // The shipped type number with Z29 1: an A+-only profile of 26 717 entries.
  auto configuration = MeterConfiguration::Create("6841121BN243101040", {{"Z29", "1"}});
  ASSERT_TRUE(configuration.ok()) << configuration.status();
  auto setup = MeterSetup::Create(*configuration);
  ASSERT_TRUE(setup.ok());
  EXPECT_EQ((*setup)->load_profile().channels, LoadProfileSet::kActiveImport);
  Meter meter(Identity(), kJanuary, (*setup)->options(), {}, (*setup)->billing(),
              (*setup)->load_profile());
  meter.AdvanceTo(kJanuary + 1h);
  EXPECT_EQ(meter.load_profile()->layout().channels, 1u);
  EXPECT_EQ(meter.load_profile()->capacity(), 26'717u);
}

}  // namespace
}  // namespace vmuc::meters
