#include "meters/meter.h"

#include <gtest/gtest.h>

#include <random>

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

// The profile's entries by capture time (RTC).
std::vector<ProfileEntry> EntriesBetween(const Meter& meter, TimePoint from, TimePoint to) {
  ProfileSelection selection;
  selection.from = from;
  selection.to = to;
  auto selected = meter.load_profile()->Select(selection);
  EXPECT_TRUE(selected.ok()) << selected.status();
  return selected.ok() ? *selected : std::vector<ProfileEntry>{};
}

TEST(MeterTest, AnOutageLeavesOutTheEntriesItCoversAndFlagsTheNext) {
  Meter meter(Identity(), kEpoch);  // 15-minute profile, UTC
  meter.AdvanceTo(kEpoch + 10h + 7min);
  meter.InjectOutage(45min);  // 10:07 .. 10:52
  meter.AdvanceTo(kEpoch + 12h);
  const auto entries = EntriesBetween(meter, kEpoch + 9h + 45min, kEpoch + 11h + 15min);
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].at, kEpoch + 9h + 45min);
  EXPECT_EQ(entries[1].at, kEpoch + 10h);
  EXPECT_EQ(entries[2].at, kEpoch + 11h) << "10:15, 10:30, 10:45 ended while down";
  EXPECT_EQ(entries[2].status & kProfileStatusPowerDown, kProfileStatusPowerDown);
  EXPECT_EQ(entries[1].status & kProfileStatusPowerDown, 0);
  EXPECT_EQ(entries[3].status & kProfileStatusPowerDown, 0);
  EXPECT_EQ(entries[2].sequence, entries[1].sequence + 1);
}

TEST(MeterTest, AClockSetIsFlaggedInTheProfileNeverSilent) {
  Meter meter(Identity(), kEpoch);
  meter.AdvanceTo(kEpoch + 8h + 5min);
  ASSERT_TRUE(
      meter.SetClock(kEpoch + 9h + 5min).ok());  // forwards 1 h: RTC 09:00 .. 09:45 never end
  meter.AdvanceTo(kEpoch + 8h + 50min);
  ASSERT_TRUE(meter.SetClock(meter.core().rtc_time() - 40min).ok());  // backwards: 09:50 -> 09:10
  meter.AdvanceTo(kEpoch + 10h + 15min);                              // RTC 10:35
  const auto all = meter.load_profile()->entries();
  // From the 08:00 entry on: 08:00, [set +1 h] 09:15 (forwards), 09:30, 09:45, [set -40 min]
  // 09:15 (backwards), 09:30, 09:45, 10:00, 10:15, 10:30.
  std::vector<ProfileEntry> tail(all.end() - 10, all.end());
  const std::vector<TimePoint> times = {
      kEpoch + 8h,          kEpoch + 9h + 15min, kEpoch + 9h + 30min, kEpoch + 9h + 45min,
      kEpoch + 9h + 15min,  kEpoch + 9h + 30min, kEpoch + 9h + 45min, kEpoch + 10h,
      kEpoch + 10h + 15min, kEpoch + 10h + 30min};
  for (size_t i = 0; i < tail.size(); ++i) {
    EXPECT_EQ(tail[i].at, times[i]) << i;
    if (i > 0) {
      EXPECT_EQ(tail[i].sequence, tail[i - 1].sequence + 1) << i;
    }
  }
  const uint16_t forwards =
      kProfileStatusClockAdjusted | kProfileStatusClockSetForwards | kProfileStatusDataNotValid;
  const uint16_t backwards =
      kProfileStatusClockAdjusted | kProfileStatusClockSetBackwards | kProfileStatusDataNotValid;
  EXPECT_EQ(tail[1].status, forwards);
  EXPECT_EQ(tail[2].status, 0);
  EXPECT_EQ(tail[4].status, backwards);
  EXPECT_EQ(tail[5].status, 0);
}

TEST(MeterTest, AnOutageBeyondTheSupercapLeavesTheClockInvalidUntilSet) {
  const BillingConfig billing{1, DebitingInterval{1, 1}, kCet};
  const PulseInputConfig water = DefaultPulseInputConfig(PulseInputUnit::kLitre);
  Meter meter(Identity(), kEpoch, {}, water, billing);
  meter.AdvanceTo(kEpoch + 20 * 24h);
  const uint64_t litres_before = meter.pulse_input()->input().count();
  meter.InjectOutage(std::nullopt);
  meter.AdvanceTo(kEpoch + 30 * 24h);  // 10 days off: the clock stood still for 3
  EXPECT_EQ(meter.pulse_input()->input().count(), litres_before) << "no pulses while off";
  meter.EndOutage();
  EXPECT_FALSE(meter.core().clock_valid());
  EXPECT_EQ(meter.core().rtc_time(), meter.time() - 3 * 24h);
  meter.AdvanceTo(kEpoch + 30 * 24h + 1h);
  auto entries = meter.load_profile()->entries();
  EXPECT_EQ(entries.back().status & kProfileStatusClockInvalid, kProfileStatusClockInvalid);
  // The February debiting end (00:00 CET on 1 Feb = 31 Jan 23:00 UTC) comes on the RTC,
  // which is 3 days behind: at 3 Feb 23:00 true time, with the clock flagged invalid.
  meter.AdvanceTo(Utc(2027, 2, 3, 22));
  EXPECT_EQ(meter.billing_log().entries_in_use(), 0u);
  meter.AdvanceTo(Utc(2027, 2, 3, 23));
  ASSERT_EQ(meter.billing_log().entries_in_use(), 1u);
  EXPECT_FALSE(meter.billing_log().entries()[0].clock_valid);
  EXPECT_EQ(meter.billing_log().entries()[0].at, Utc(2027, 1, 31, 23));
  ASSERT_TRUE(meter.SetClock(meter.time()).ok());
  meter.AdvanceTo(meter.time() + 1h);
  entries = meter.load_profile()->entries();
  EXPECT_EQ(entries.back().status & kProfileStatusClockInvalid, 0);
  EXPECT_NE(entries[entries.size() - 4].status & kProfileStatusClockSetForwards, 0);
}

// A checkpoint: the state and every page of every image, as the store keeps them.
struct Checkpoint {
  std::vector<uint8_t> state;
  std::vector<std::tuple<MeterLog, uint32_t, std::vector<uint8_t>>> pages;
};

Checkpoint Save(const Meter& meter) {
  Checkpoint checkpoint;
  ByteWriter out;
  meter.SaveState(out);
  checkpoint.state = out.Take();
  meter.ForEachImage([&](MeterLog log, const LogImage& image) {
    for (uint32_t page = 0; page < image.page_count(); ++page) {
      checkpoint.pages.emplace_back(log, page, image.Page(page));
    }
  });
  return checkpoint;
}

absl::Status Restore(Meter& meter, const Checkpoint& checkpoint) {
  ByteReader in(checkpoint.state, "meter state");
  if (absl::Status status = meter.RestoreState(in); !status.ok()) return status;
  for (const auto& [log, page, bytes] : checkpoint.pages) {
    LogImage* image = meter.mutable_image(log);
    if (image == nullptr) return absl::DataLossError("no such log");
    if (absl::Status status = image->RestorePage(page, bytes); !status.ok()) return status;
  }
  return meter.CheckImages();
}

TEST(MeterTest, AMeterRestoredFromACheckpointContinuesByteForByte) {
  const BillingConfig billing{5, DebitingInterval{1, 1}, kCet};
  const PulseInputConfig gas = DefaultPulseInputConfig(PulseInputUnit::kCubicMetre);
  const MeterOptions options{.outages = {.short_per_year = 50, .long_per_year = 20}};
  const LoadProfileConfig profile{.channels = LoadProfileSet::kActiveReactive,
                                  .data = LoadProfileData::kDelta};
  Meter uninterrupted(Identity(), kEpoch, options, gas, billing, profile);
  Meter restarted = uninterrupted;
  const TimePoint end = kEpoch + 200 * 24h;
  uninterrupted.AdvanceTo(end);
  // Killed at arbitrary instants; each time rebuilt from the configuration and restored.
  for (TimePoint t : {kEpoch + 3 * 24h + 7s, kEpoch + 41 * 24h + 13h, kEpoch + 150 * 24h}) {
    restarted.AdvanceTo(t);
    const Checkpoint checkpoint = Save(restarted);
    Meter fresh(Identity(), kEpoch, options, gas, billing, profile);
    ASSERT_TRUE(Restore(fresh, checkpoint).ok());
    restarted = fresh;
  }
  restarted.AdvanceTo(end);
  EXPECT_TRUE(restarted == uninterrupted);
  EXPECT_EQ(Save(restarted).state, Save(uninterrupted).state);
  EXPECT_EQ(restarted.load_profile()->entries(), uninterrupted.load_profile()->entries());
  EXPECT_EQ(restarted.billing_log().entries(), uninterrupted.billing_log().entries());
}

TEST(MeterTest, ACorruptCheckpointIsRefusedWithWhatIsWrong) {
  Meter meter(Identity(), kEpoch);
  meter.AdvanceTo(kEpoch + 2 * 24h);
  Checkpoint checkpoint = Save(meter);
  Checkpoint truncated = checkpoint;
  truncated.state.resize(truncated.state.size() - 3);
  Meter fresh(Identity(), kEpoch);
  const absl::Status short_state = Restore(fresh, truncated);
  EXPECT_EQ(short_state.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(std::string(short_state.message()).find("meter state"), std::string::npos);
  // A page whose entry no longer decodes (a month of 13 in the first capture time).
  Checkpoint bad_page = checkpoint;
  std::get<2>(bad_page.pages[0])[2] = 13;
  Meter other(Identity(), kEpoch);
  const absl::Status bad = Restore(other, bad_page);
  EXPECT_EQ(bad.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(std::string(bad.message()).find("load profile: entry 1"), std::string::npos) << bad;
}

TEST(MeterTest, OutagesClockSetsAndPeriodEndsRaiseEventsInSequence) {
  const BillingConfig billing{1, DebitingInterval{1, 1}, kCet};
  Meter meter(Identity(), kEpoch, {}, {}, billing);
  meter.AdvanceTo(kEpoch + 3h);
  meter.InjectOutage(90s);  // short: down and up only
  meter.AdvanceTo(kEpoch + 4h);
  meter.InjectOutage(8 * 24h);  // long, and beyond the supercap: the clock stops 1 day
  meter.AdvanceTo(kEpoch + 9 * 24h);
  ASSERT_TRUE(meter.SetClock(meter.time()).ok());
  meter.AdvanceTo(Utc(2027, 2, 2, 0));  // through the 1 Feb debiting end

  const auto standard = meter.events().Entries(EventLogKind::kStandard);
  ASSERT_EQ(standard.size(), 5u);
  EXPECT_EQ(standard[0].code, EventCode::kPowerDown);
  EXPECT_EQ(standard[0].at, kEpoch + 3h);
  EXPECT_EQ(standard[1].code, EventCode::kPowerUp);
  EXPECT_EQ(standard[1].at, kEpoch + 3h + 90s);
  EXPECT_EQ(standard[2].code, EventCode::kPowerDown);
  EXPECT_EQ(standard[3].code, EventCode::kPowerUp);
  EXPECT_EQ(standard[3].at, kEpoch + 4h + 7 * 24h) << "the RTC stood still after 7 days";
  EXPECT_EQ(standard[3].quality.clock, ClockQuality::kInvalid);
  EXPECT_EQ(standard[4].code, EventCode::kBillingPeriodReset);
  EXPECT_EQ(standard[4].value, 1u);
  EXPECT_EQ(standard[4].at, Utc(2027, 1, 31, 23));

  const auto failures = meter.events().Entries(EventLogKind::kPowerFailure);
  ASSERT_EQ(failures.size(), 1u) << "90 s is not a long power failure";
  EXPECT_EQ(failures[0].value, 7u * 86'400u) << "as the RTC measured it";
  EXPECT_EQ(PowerFailureStart(failures[0]), kEpoch + 4h);

  const auto clock = meter.events().Entries(EventLogKind::kClock);
  ASSERT_EQ(clock.size(), 3u);
  EXPECT_EQ(clock[0].code, EventCode::kClockInvalid);
  EXPECT_TRUE(IsAlarm(clock[0].code));
  EXPECT_EQ(clock[1].code, EventCode::kClockAdjustedOldTime);
  EXPECT_EQ(clock[1].at, kEpoch + 8 * 24h);
  EXPECT_EQ(clock[2].code, EventCode::kClockAdjustedNewTime);
  EXPECT_EQ(clock[2].at, kEpoch + 9 * 24h);
  EXPECT_EQ(clock[2].quality.clock, ClockQuality::kValid);
  EXPECT_EQ(ClockStepSeconds(clock[2].value), 86'400);

  // One sequence across the logs, in the order raised.
  const auto all = meter.events().RaisedAfter(0);
  ASSERT_EQ(all.size(), 9u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].sequence, i + 1);
}

TEST(MeterTest, DaylightSavingSwitchesAreEventsTwiceAYear) {
  Meter meter(Identity(), kEpoch, {}, {}, BillingConfig{1, DebitingInterval{1, 1}, kCet});
  meter.AdvanceTo(Utc(2028, 1, 1, 0));
  const auto clock = meter.events().Entries(EventLogKind::kClock);
  ASSERT_EQ(clock.size(), 2u);
  EXPECT_EQ(clock[0].at, Utc(2027, 3, 28, 1));  // last Sunday of March, 01:00 UTC
  EXPECT_EQ(clock[0].value, 1u);
  EXPECT_TRUE(clock[0].quality.daylight_saving);
  EXPECT_EQ(clock[1].at, Utc(2027, 10, 31, 1));
  EXPECT_EQ(clock[1].value, 0u);
}

// Every logger on, as a fleet meter has them.
Meter FullMeter(const MeterOptions& options, PulseInputConfig pulses) {
  const LocalTimeRules cet = kCet;
  auto analysis = AnalysisLogConfigFor(AnalysisLoggerSetup::kDefault);
  EXPECT_TRUE(analysis.ok());
  return Meter(Identity(), kEpoch, options, pulses, BillingConfig{1, DebitingInterval{1, 1}, cet},
               LoadProfileConfig{}, *analysis,
               DebitLog2Config{DebitLogger2Interval::kDaily, Debit2LoggerProfile::kProfile01, cet});
}

TEST(MeterTest, SteppingOrJumpingThroughLongOutagesGivesTheSameMeter) {
  // Outages often and long (some beyond the supercap's 7 days by command), every logger
  // on, a water meter's sparse pulses: a meter advanced in odd steps equals one advanced
  // in one go, byte for byte (what a restart's replay relies on).
  const MeterOptions options{.outages = {.short_per_year = 100, .long_per_year = 60}};
  const PulseInputConfig water = DefaultPulseInputConfig(PulseInputUnit::kLitre);
  Meter jumped = FullMeter(options, water);
  Meter stepped = FullMeter(options, water);
  for (Meter* meter : {&jumped, &stepped}) {
    meter->AdvanceTo(kEpoch + 20 * 24h + 5h);
    meter->InjectOutage(10 * 24h);  // the clock stands still for 3 days
  }
  jumped.AdvanceTo(kEpoch + 75 * 24h);
  std::mt19937_64 random(4);
  while (stepped.time() < kEpoch + 75 * 24h) {
    const auto step = std::chrono::seconds(1 + random() % (3 * 86'400));
    stepped.AdvanceTo(std::min(stepped.time() + step, kEpoch + 75 * 24h));
  }
  EXPECT_TRUE(stepped == jumped);
  EXPECT_FALSE(jumped.core().clock_valid());
  EXPECT_EQ(jumped.core().rtc_time(), jumped.time() - 3 * 24h);
  EXPECT_EQ(jumped.billing_log().entries_in_use(), 2u) << "1 Feb and 1 Mar, on the RTC";
  EXPECT_GT(jumped.events().entries_in_use(EventLogKind::kPowerFailure), 3u);
}

TEST(MeterTest, AMeterInstalledDuringAnOutageStartsDown) {
  // Find a fleet seed whose meter is installed during an interruption of the grid model.
  const MeterOptions options{.outages = {.short_per_year = 0, .long_per_year = 365}};
  for (uint32_t index = 0; index < 2000; ++index) {
    const MeterIdentity identity = FleetMeter(FleetSection(), index);
    Meter meter(identity, kEpoch, options);
    if (meter.core().supply_on()) continue;
    meter.AdvanceTo(kEpoch + 6h);
    const auto failures = meter.events().Entries(EventLogKind::kPowerFailure);
    ASSERT_LE(failures.size(), 1u);
    for (const EventRecord& failure : failures) EXPECT_LE(failure.value, 4u * 3600u);
    return;
  }
  GTEST_SKIP() << "no meter of 2000 is installed during an outage";
}

TEST(MeterTest, AClockSetNeedsSupplyAndATimeAfter2000) {
  Meter meter(Identity(), kEpoch);
  meter.InjectOutage(std::nullopt);
  EXPECT_EQ(meter.SetClock(kEpoch + 1h).code(), absl::StatusCode::kFailedPrecondition);
  meter.EndOutage();
  EXPECT_EQ(meter.SetClock(TimePoint()).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(meter.core().rtc_time(), meter.time());
}

}  // namespace
}  // namespace vmuc::meters
