#include "meters/meter.h"

#include <gtest/gtest.h>

#include "meters/fleet.h"
#include "meters/meter_setup.h"

namespace vmuc::meters {
namespace {

using namespace std::chrono_literals;

const TimePoint kEpoch = TimePoint(std::chrono::sys_days(std::chrono::year(2027) / 1 / 1));
const LocalTimeRules kCet{60min, DstRule::kEu};

MeterIdentity Identity() { return FleetMeter(FleetSection(), 3); }

TimePoint Utc(int y, unsigned m, unsigned d, int hour) {
  return TimePoint(std::chrono::sys_days(std::chrono::year(y) / m / d)) + std::chrono::hours(hour);
}

TEST(MeterTest, MonthlyBillingEndsStoreTheValueSetAndResetTheMaxima) {
  // Z6 15, Z7 01 (monthly), CET: ends at 00:00 CET on the 15th = 23:00 UTC on the 14th.
  const BillingConfig billing{15, DebitingInterval{1, 1}, kCet};
  const PulseInputConfig water = DefaultPulseInputConfig(PulseInputUnit::kLitre);
  Meter meter(Identity(), kEpoch, {}, water, billing);
  meter.AdvanceTo(kEpoch + 100 * 24h);  // to 11 April 2027

  const auto& entries = meter.billing_log().entries();
  ASSERT_EQ(entries.size(), 3u);  // 15 Jan, 15 Feb, 15 Mar
  EXPECT_EQ(entries[0].at, Utc(2027, 1, 14, 23));
  EXPECT_EQ(entries[1].at, Utc(2027, 2, 14, 23));
  EXPECT_EQ(entries[2].at, Utc(2027, 3, 14, 23));             // still CET: DST starts on the 28th
  EXPECT_EQ(meter.next_billing_end(), Utc(2027, 4, 14, 22));  // CEST

  // Each entry is the state of a meter without billing at that instant; the peaks are the
  // period's own (reset at each end) and the accumulated peaks add up.
  MeterCore reference(Identity(), kEpoch);
  auto channel = PulseInputChannel::Create(water, Identity().load_seed, kEpoch);
  ASSERT_TRUE(channel.ok());
  uint64_t accumulated = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    reference.AdvanceTo(entries[i].at);
    channel->AdvanceTo(entries[i].at);
    EXPECT_EQ(entries[i].energy, reference.registers().total()) << i;
    EXPECT_EQ(entries[i].active_import_tariff, reference.registers().active_import_tariff);
    EXPECT_EQ(entries[i].hour_counter, reference.supply_seconds() / 3600);
    EXPECT_EQ(entries[i].pulse_input_count, channel->input().count());
    EXPECT_EQ(entries[i].debiting_stop_count, i + 1);
    EXPECT_EQ(entries[i].peaks, reference.demand().peaks) << i;
    accumulated += reference.demand().peaks[kPeakActiveImport].value;
    EXPECT_EQ(entries[i].accumulated[kAccumulatedActiveImport], accumulated);
    reference.EndBillingPeriod();  // the reference resets its maxima as the meter did
  }
  EXPECT_EQ(meter.core().debiting_stop_count(), 3u);
  EXPECT_GT(entries[2].peaks[kPeakActiveImport].value, 0u);
}

TEST(MeterTest, JumpingAndSteppingGiveTheSameLog) {
  const BillingConfig billing{1, DebitingInterval{1, 1}, kCet};
  Meter jumping(Identity(), kEpoch, {}, {}, billing);
  Meter stepping(Identity(), kEpoch, {}, {}, billing);
  jumping.AdvanceTo(kEpoch + 70 * 24h);
  for (TimePoint t = kEpoch; t < kEpoch + 70 * 24h;) {
    t += 37min;
    stepping.AdvanceTo(std::min(t, kEpoch + 70 * 24h));
  }
  EXPECT_EQ(jumping.billing_log(), stepping.billing_log());
  EXPECT_EQ(jumping.core().demand(), stepping.core().demand());
  EXPECT_EQ(jumping.billing_log().entries_in_use(), 2u);  // 1 Feb, 1 Mar
}

TEST(MeterTest, ExternallyControlledEndsOnlyOnCommand) {
  const BillingConfig billing{1, DebitingInterval{0, 0}, kCet};
  Meter meter(Identity(), kEpoch, {}, {}, billing);
  meter.AdvanceTo(kEpoch + 90 * 24h);
  EXPECT_EQ(meter.billing_log().entries_in_use(), 0u);
  EXPECT_FALSE(meter.next_billing_end().has_value());
  meter.EndBillingPeriod();
  ASSERT_EQ(meter.billing_log().entries_in_use(), 1u);
  EXPECT_EQ(meter.billing_log().entries()[0].at, kEpoch + 90 * 24h);
}

TEST(MeterTest, TheLogKeepsItsDepth) {
  const BillingConfig billing{1, DebitingInterval{1, 1}, kCet};
  Meter meter(Identity(), kEpoch, {}, {}, billing);
  // To 2030-12-31 00:00 UTC: 47 monthly ends, 1 Feb 2027 .. 1 Dec 2030 CET (1 Jan 2027 CET
  // was before the epoch, 1 Jan 2031 CET is 23:00 UTC on the 31st).
  meter.AdvanceTo(kEpoch + 4 * 365 * 24h);
  EXPECT_EQ(meter.billing_log().capacity(), kBillingLogDepth);
  ASSERT_EQ(meter.billing_log().entries_in_use(), kBillingLogDepth);
  EXPECT_EQ(meter.billing_log().entries().back().debiting_stop_count, 47u);
  EXPECT_EQ(meter.billing_log().entries().front().debiting_stop_count, 47u - 35u);
  EXPECT_EQ(meter.billing_log().entries().back().at, Utc(2030, 11, 30, 23));
}

TEST(MeterTest, TheSetupGivesZ6Z7AndTheLocalTime) {
  auto configuration = MeterConfiguration::Create(
      "6841121BN243101040", {{"Z6", "10"}, {"Z7", "13"}, {"Z11", "01"}, {"Z15", "001"}});
  ASSERT_TRUE(configuration.ok()) << configuration.status();
  auto setup = MeterSetup::Create(*configuration);
  ASSERT_TRUE(setup.ok()) << setup.status();
  EXPECT_EQ((*setup)->billing().stop_day, 10);
  EXPECT_EQ((*setup)->billing().interval, (DebitingInterval{12, 1}));  // yearly, January
  Meter meter(Identity(), kEpoch, (*setup)->options(), (*setup)->pulse_input(),
              (*setup)->billing());
  EXPECT_EQ(meter.next_billing_end(), Utc(2027, 1, 9, 23));
}

}  // namespace
}  // namespace vmuc::meters
