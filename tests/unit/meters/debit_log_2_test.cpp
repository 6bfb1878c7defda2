#include "meters/loggers/debit_log_2.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "meters/fleet.h"

namespace vmuc::meters {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

TimePoint Utc(int y, unsigned m, unsigned d, int hour = 0) {
  return TimePoint(sys_days(year(y) / m / d)) + hours(hour);
}

const LocalTimeRules kCet{60min, DstRule::kEu};            // Z11 01, Z15 001
const LocalTimeRules kMinusOneHour{-60min, DstRule::kEu};  // Z11 23: EU changes at local 00:00

std::string LocalString(TimePoint t, const LocalTimeRules& rules) {
  const LocalDateTime local = ToLocal(t, rules);
  return absl::StrFormat("%04d-%02d-%02d %02d:%02d:%02d", local.year, local.month, local.day,
                         local.hour, local.minute, local.second);
}

// Every capture in [start, end), walking NextDebitLog2CaptureAfter.
std::vector<TimePoint> Captures(TimePoint start, TimePoint end, DebitLogger2Interval interval,
                                const LocalTimeRules& rules) {
  std::vector<TimePoint> out;
  for (TimePoint t = NextDebitLog2CaptureAfter(start - 1s, interval, rules); t < end;
       t = NextDebitLog2CaptureAfter(t, interval, rules)) {
    out.push_back(t);
  }
  return out;
}

TEST(DebitLog2ScheduleTest, EveryZ25OptionOverThreeYearsLandsOnLocalMidnights) {
  // 2027-2029 (2028 a leap year) in CET with EU summer time. The expected dates come from
  // the calendar: every day, every Monday, every 1st.
  const TimePoint start = ToUtc(LocalTime(local_days(year(2027) / 1 / 1)), kCet);
  const TimePoint end = ToUtc(LocalTime(local_days(year(2030) / 1 / 1)), kCet);
  const std::pair<DebitLogger2Interval, int> options[] = {
      {DebitLogger2Interval::kDaily, 1096},  // 365 + 366 + 365
      {DebitLogger2Interval::kWeekly, 157},  // 2027-01-04 .. 2029-12-31
      {DebitLogger2Interval::kMonthly, 36}};
  for (const auto& [interval, count] : options) {
    std::vector<std::string> expected;
    for (sys_days d = sys_days(year(2027) / 1 / 1); d < sys_days(year(2030) / 1 / 1);
         d += days(1)) {
      const year_month_day date(d);
      const bool wanted = interval == DebitLogger2Interval::kDaily ||
                          (interval == DebitLogger2Interval::kWeekly && weekday(d) == Monday) ||
                          (interval == DebitLogger2Interval::kMonthly && date.day() == day(1));
      if (!wanted) continue;
      expected.push_back(absl::StrFormat("%04d-%02d-%02d 00:00:00", static_cast<int>(date.year()),
                                         static_cast<unsigned>(date.month()),
                                         static_cast<unsigned>(date.day())));
    }
    std::vector<std::string> actual;
    for (TimePoint t : Captures(start, end, interval, kCet)) actual.push_back(LocalString(t, kCet));
    EXPECT_EQ(actual.size(), static_cast<size_t>(count)) << static_cast<int>(interval);
    EXPECT_EQ(actual, expected) << static_cast<int>(interval);
  }
}

TEST(DebitLog2ScheduleTest, LeapDaysAreCapturedAndMonthsHaveTheirLengths) {
  const auto daily =
      Captures(Utc(2028, 2, 27), Utc(2028, 3, 3), DebitLogger2Interval::kDaily, kCet);
  std::vector<std::string> days;
  for (TimePoint t : daily) days.push_back(LocalString(t, kCet));
  EXPECT_THAT(days, ::testing::Contains("2028-02-29 00:00:00"));
  // Monthly: February is 29 days in 2028, 28 in 2027 and in 2100 (not a leap year).
  const TimePoint feb2028 = ToUtc(LocalTime(local_days(year(2028) / 2 / 1)), kCet);
  EXPECT_EQ(NextDebitLog2CaptureAfter(feb2028, DebitLogger2Interval::kMonthly, kCet) - feb2028,
            29 * 24h);
  const TimePoint feb2027 = ToUtc(LocalTime(local_days(year(2027) / 2 / 1)), kCet);
  EXPECT_EQ(NextDebitLog2CaptureAfter(feb2027, DebitLogger2Interval::kMonthly, kCet) - feb2027,
            28 * 24h);
  const TimePoint feb2100 = ToUtc(LocalTime(local_days(year(2100) / 2 / 1)), kCet);
  EXPECT_EQ(NextDebitLog2CaptureAfter(feb2100, DebitLogger2Interval::kMonthly, kCet) - feb2100,
            28 * 24h);
}

TEST(DebitLog2ScheduleTest, UtcInstantsFollowSummerTime) {
  // CET: local midnight is 23:00 UTC in winter, 22:00 UTC in summer; the days of the
  // changes (2027-03-28, 2027-10-31) are 23 and 25 hours long.
  const auto spring =
      Captures(Utc(2027, 3, 27), Utc(2027, 3, 30), DebitLogger2Interval::kDaily, kCet);
  EXPECT_EQ(spring, (std::vector<TimePoint>{Utc(2027, 3, 27, 23), Utc(2027, 3, 28, 22),
                                            Utc(2027, 3, 29, 22)}));
  const auto autumn =
      Captures(Utc(2027, 10, 30), Utc(2027, 11, 2), DebitLogger2Interval::kDaily, kCet);
  EXPECT_EQ(autumn, (std::vector<TimePoint>{Utc(2027, 10, 30, 22), Utc(2027, 10, 31, 23),
                                            Utc(2027, 11, 1, 23)}));
}

TEST(DebitLog2ScheduleTest, SkippedMidnightAtTheChangeInstantRepeatedOneOnItsFirstPass) {
  // Z11 -1 h: the EU change (01:00 UTC) falls at local midnight. On 2027-03-28 local
  // 00:00..00:59 never happens: that day's capture is at the change instant, where the
  // clock shows 01:00. On 2027-10-31 local 00:00..00:59 happens twice: one capture, on
  // the first pass (00:00 UTC, still summer time).
  EXPECT_EQ(
      Captures(Utc(2027, 3, 27), Utc(2027, 3, 30), DebitLogger2Interval::kDaily, kMinusOneHour),
      (std::vector<TimePoint>{Utc(2027, 3, 27, 1), Utc(2027, 3, 28, 1), Utc(2027, 3, 29, 0)}));
  EXPECT_EQ(LocalString(Utc(2027, 3, 28, 1), kMinusOneHour), "2027-03-28 01:00:00");
  EXPECT_EQ(
      Captures(Utc(2027, 10, 30), Utc(2027, 11, 2), DebitLogger2Interval::kDaily, kMinusOneHour),
      (std::vector<TimePoint>{Utc(2027, 10, 30, 0), Utc(2027, 10, 31, 0), Utc(2027, 11, 1, 1)}));
  // Weekly: the Monday after either change is an ordinary midnight.
  EXPECT_EQ(
      NextDebitLog2CaptureAfter(Utc(2027, 3, 27), DebitLogger2Interval::kWeekly, kMinusOneHour),
      Utc(2027, 3, 29, 0));
}

TEST(DebitLog2ScheduleTest, TheNextCaptureIsStrictlyAfter) {
  for (auto interval : {DebitLogger2Interval::kDaily, DebitLogger2Interval::kWeekly,
                        DebitLogger2Interval::kMonthly}) {
    for (TimePoint at : Captures(Utc(2027, 1, 1), Utc(2028, 1, 1), interval, kCet)) {
      EXPECT_GT(NextDebitLog2CaptureAfter(at, interval, kCet), at);
      EXPECT_EQ(NextDebitLog2CaptureAfter(at - 1ns, interval, kCet), at);
    }
  }
  // No DST: UTC midnight.
  EXPECT_EQ(NextDebitLog2CaptureAfter(Utc(2027, 6, 15, 12), DebitLogger2Interval::kDaily, {}),
            Utc(2027, 6, 16));
}

// Four tariffs in six-hour blocks of the UTC day, so every tariff register grows.
class SixHourTariffs final : public TariffSource {
 public:
  int TariffAt(TimePoint t) const override {
    return 1 + static_cast<int>(floor<hours>(t - floor<days>(t)).count() / 6);
  }
  std::optional<TimePoint> NextChangeAfter(TimePoint t) const override {
    return floor<hours>(t) - hours(floor<hours>(t - floor<days>(t)).count() % 6) + 6h;
  }
};

const TimePoint kEpoch = Utc(2027, 1, 1);

MeterIdentity Identity() { return FleetMeter(FleetSection(), 5); }

// A log and its core, advanced to `captures` capture instants.
struct Logged {
  explicit Logged(DebitLog2Config config, uint32_t memory = kDebitLog2MemoryBytes)
      : log(config, memory), core(Identity(), kEpoch, Options()) {}
  MeterOptions Options() {
    MeterOptions options;
    options.tariffs = &tariffs;
    return options;
  }
  void Run(int captures) {
    for (int i = 0; i < captures; ++i) {
      const TimePoint at = log.NextCaptureAfter(core.time());
      core.AdvanceTo(at);
      log.Capture(at, core, 0);
    }
  }
  SixHourTariffs tariffs;
  DebitLog2 log;
  MeterCore core;
};

uint32_t Wh(uint64_t milli_unit_seconds) {
  return static_cast<uint32_t>(milli_unit_seconds / kMilliUnitSecondsPerUnitHour);
}

TEST(DebitLog2Test, ProfilesHoldTheCoresRegistersAtEachCapture) {
  SixHourTariffs tariffs;
  MeterOptions options;
  options.tariffs = &tariffs;
  MeterCore core(Identity(), kEpoch, options);
  DebitLog2 one({DebitLogger2Interval::kDaily, Debit2LoggerProfile::kProfile01, kCet});
  DebitLog2 two({DebitLogger2Interval::kDaily, Debit2LoggerProfile::kProfile02, kCet});
  ASSERT_EQ(one.registers().size(), 4u);
  ASSERT_EQ(two.registers().size(), 12u);
  std::vector<std::array<uint32_t, 12>> expected;
  for (int i = 0; i < 40; ++i) {
    const TimePoint at = two.NextCaptureAfter(core.time());
    ASSERT_EQ(at, one.NextCaptureAfter(core.time()));
    core.AdvanceTo(at);
    one.Capture(at, core, kProfileStatusDaylightSaving);
    two.Capture(at, core, 0);
    const RegisterSet total = core.registers().total();
    std::array<uint32_t, 12> values = {static_cast<uint32_t>(total.wh(kActiveImport)),
                                       static_cast<uint32_t>(total.wh(kActiveExport)),
                                       static_cast<uint32_t>(total.reactive_import_varh()),
                                       static_cast<uint32_t>(total.reactive_export_varh())};
    for (size_t t = 0; t < 4; ++t) {
      values[4 + t] = Wh(core.registers().active_import_tariff[t]);
      values[8 + t] = Wh(core.registers().reactive_import_tariff[t]);
    }
    expected.push_back(values);
  }
  const std::vector<ProfileEntry> a = one.entries();
  const std::vector<ProfileEntry> b = two.entries();
  ASSERT_EQ(a.size(), 40u);
  ASSERT_EQ(b.size(), 40u);
  for (size_t i = 0; i < 40; ++i) {
    EXPECT_EQ(a[i].sequence, i + 1);
    EXPECT_EQ(a[i].status, kProfileStatusDaylightSaving);  // stored as given
    EXPECT_EQ(b[i].status, 0);
    EXPECT_EQ(a[i].at, b[i].at);
    EXPECT_EQ(LocalString(a[i].at, kCet).substr(10), " 00:00:00");
    ASSERT_EQ(a[i].channels, 4);
    ASSERT_EQ(b[i].channels, 12);
    for (size_t c = 0; c < 12; ++c) {
      EXPECT_EQ(b[i].values[c], expected[i][c]) << "entry " << i << " column " << c;
      if (c < 4) {
        EXPECT_EQ(a[i].values[c], expected[i][c]) << "entry " << i << " column " << c;
      }
    }
  }
  // Every tariff register has grown, and A+ is the tariffs' sum (each floored apart).
  for (size_t t = 0; t < 4; ++t) EXPECT_GT(b.back().values[4 + t], 0u) << t;
  const uint64_t tariff_sum =
      uint64_t{b.back().values[4]} + b.back().values[5] + b.back().values[6] + b.back().values[7];
  EXPECT_LE(tariff_sum, b.back().values[0]);
  EXPECT_GE(tariff_sum + 4, b.back().values[0]);
  // The columns' OBIS codes are the object model's A+, A-, R+, R-, then 1.8.1..4, 3.8.1..4.
  EXPECT_EQ(AnalysisRegisterInfoOf(two.registers()[0]).obis->ToString(), "1.1.1.8.0.255");
  EXPECT_EQ(AnalysisRegisterInfoOf(two.registers()[3]).obis->ToString(), "1.1.4.8.0.255");
  EXPECT_EQ(AnalysisRegisterInfoOf(two.registers()[7]).obis->ToString(), "1.1.1.8.4.255");
  EXPECT_EQ(AnalysisRegisterInfoOf(two.registers()[8]).obis->ToString(), "1.1.3.8.1.255");
}

TEST(DebitLog2Test, TheMemoryModelGivesTheDepth) {
  // 32 768 bytes: profile 01 entries are 18 + 16 = 34 bytes, profile 02 18 + 48 = 66.
  const DebitLog2 one({DebitLogger2Interval::kDaily, Debit2LoggerProfile::kProfile01, kCet});
  const DebitLog2 two({DebitLogger2Interval::kDaily, Debit2LoggerProfile::kProfile02, kCet});
  EXPECT_EQ(one.entry_bytes(), 34u);
  EXPECT_EQ(one.capacity(), 963u);  // 2.6 years of days
  EXPECT_EQ(two.entry_bytes(), 66u);
  EXPECT_EQ(two.capacity(), 496u);  // 1.4 years of days
  EXPECT_GT(two.capacity(), 366u);
  EXPECT_EQ(one.entries_in_use(), 0u);
}

TEST(DebitLog2Test, TheOldestEntriesAreOverwrittenAtCapacity) {
  Logged logged({DebitLogger2Interval::kWeekly, Debit2LoggerProfile::kProfile01, kCet}, 5 * 34);
  logged.Run(8);
  EXPECT_EQ(logged.log.capacity(), 5u);
  EXPECT_EQ(logged.log.entries_in_use(), 5u);
  const std::vector<ProfileEntry> entries = logged.log.entries();
  for (size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(entries[i].sequence, i + 4);
  for (size_t i = 1; i < entries.size(); ++i) EXPECT_EQ(entries[i].at - entries[i - 1].at, 7 * 24h);
}

TEST(DebitLog2Test, ReadOutByTimeRangeEntryRangeAndColumns) {
  Logged logged({DebitLogger2Interval::kDaily, Debit2LoggerProfile::kProfile02, kCet});
  logged.Run(10);
  const std::vector<ProfileEntry> all = logged.log.entries();
  // By time: the 3rd to 5th captures, inclusive bounds.
  ProfileSelection by_time;
  by_time.from = all[2].at;
  by_time.to = all[4].at;
  auto three = logged.log.Select(by_time);
  ASSERT_TRUE(three.ok()) << std::string(three.status().message());
  ASSERT_EQ(three->size(), 3u);
  EXPECT_EQ((*three)[0], all[2]);
  EXPECT_EQ((*three)[2], all[4]);
  // By entry, with columns A+ T2 and A+ (a column may come in any order).
  ProfileSelection by_entry;
  by_entry.from_entry = 9;
  by_entry.columns = {5, 0};
  auto last_two = logged.log.Select(by_entry);
  ASSERT_TRUE(last_two.ok()) << std::string(last_two.status().message());
  ASSERT_EQ(last_two->size(), 2u);
  EXPECT_EQ((*last_two)[0].sequence, 9u);
  EXPECT_EQ((*last_two)[1].channels, 2);
  EXPECT_EQ((*last_two)[1].values[0], all[9].values[5]);
  EXPECT_EQ((*last_two)[1].values[1], all[9].values[0]);
  EXPECT_EQ((*last_two)[1].values[2], 0u);
  // Both: entries 1..5 restricted to the time range from the 4th.
  ProfileSelection both;
  both.to_entry = 5;
  both.from = all[3].at;
  auto two = logged.log.Select(both);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->size(), 2u);
  // Errors name what was wrong.
  ProfileSelection beyond;
  beyond.columns = {12};
  EXPECT_THAT(std::string(logged.log.Select(beyond).status().message()),
              HasSubstr("debit logger 2 read-out: column 12 beyond the 12 channels"));
  ProfileSelection reversed;
  reversed.from = all[4].at;
  reversed.to = all[2].at;
  EXPECT_THAT(std::string(logged.log.Select(reversed).status().message()),
              HasSubstr("time range ends before it starts"));
  ProfileSelection empty;
  empty.from_entry = 3;
  empty.to_entry = 2;
  EXPECT_THAT(std::string(logged.log.Select(empty).status().message()),
              HasSubstr("entry range 3..2 is empty"));
  ProfileSelection too_many;
  too_many.columns.assign(13, 0);
  EXPECT_EQ(logged.log.Select(too_many).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DebitLog2Test, ImagePagesAndSavedStateRestoreTheLog) {
  const DebitLog2Config config{DebitLogger2Interval::kDaily, Debit2LoggerProfile::kProfile02, kCet};
  Logged logged(config);
  logged.Run(100);  // 6 600 bytes: four pages
  const DebitLog2& log = logged.log;
  ByteWriter state;
  log.Save(state);

  DebitLog2 restored(config);
  for (uint32_t page = 0; page < log.image().page_count(); ++page) {
    ASSERT_TRUE(restored.mutable_image().RestorePage(page, log.image().Page(page)).ok());
  }
  ByteReader in(state.bytes(), "meter state");
  ASSERT_TRUE(restored.Restore(in).ok());
  ASSERT_TRUE(in.Finish().ok());
  ASSERT_TRUE(restored.CheckImage().ok());
  EXPECT_EQ(restored, log);
  EXPECT_EQ(restored.entries(), log.entries());
  EXPECT_EQ(restored.entries_in_use(), 100u);
  // It logs on with the next sequence number.
  restored.Capture(Utc(2027, 6, 1), logged.core, 0);
  EXPECT_EQ(restored.entries().back().sequence, 101u);
}

TEST(DebitLog2Test, RestoreRejectsAnotherProfileAndTruncatedStateUnchanged) {
  Logged logged({DebitLogger2Interval::kDaily, Debit2LoggerProfile::kProfile02, kCet});
  logged.Run(3);
  ByteWriter state;
  logged.log.Save(state);

  DebitLog2 other({DebitLogger2Interval::kDaily, Debit2LoggerProfile::kProfile01, kCet});
  ByteReader in(state.bytes(), "meter state");
  const absl::Status status = other.Restore(in);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()), HasSubstr("saved with profile 02, configured 01"));
  EXPECT_EQ(other.entries_in_use(), 0u);

  DebitLog2 truncated_into({DebitLogger2Interval::kDaily, Debit2LoggerProfile::kProfile02, kCet});
  const DebitLog2 before = truncated_into;
  std::vector<uint8_t> truncated = state.bytes();
  truncated.pop_back();
  ByteReader short_in(truncated, "meter state");
  EXPECT_EQ(truncated_into.Restore(short_in).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(truncated_into, before);
}

TEST(DebitLog2Test, ADamagedPageIsNamedByCheckImage) {
  Logged logged({DebitLogger2Interval::kDaily, Debit2LoggerProfile::kProfile01, kCet});
  logged.Run(3);
  std::vector<uint8_t> page = logged.log.image().Page(0);
  page[34 + 2] = 13;  // the second entry's month
  ASSERT_TRUE(logged.log.mutable_image().RestorePage(0, page).ok());
  const absl::Status status = logged.log.CheckImage();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()), HasSubstr("debit logger 2: entry 2 of 3"));
  EXPECT_EQ(logged.log.Select({}).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace vmuc::meters
