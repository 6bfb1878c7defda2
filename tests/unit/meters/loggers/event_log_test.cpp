#include "meters/loggers/event_log.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>

namespace vmuc::meters {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

// 2027-03-01T00:00:00Z: a fixed point on the time line; no clock is read.
const TimePoint kT0 = FromUnixMicros(1'803'859'200LL * 1'000'000);

constexpr TimeQuality kValid{};

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST(EventCatalogueTest, EveryCodeMapsToOneLogAndAUniqueStableName) {
  std::set<std::string_view> names;
  std::set<uint16_t> numbers;
  std::set<EventLogKind> logs;
  for (const EventInfo& info : kEventCatalogue) {
    SCOPED_TRACE(std::string(info.name));
    EXPECT_EQ(LogOf(info.code), info.log);
    EXPECT_EQ(IsAlarm(info.code), info.alarm);
    EXPECT_EQ(NameOf(info.code), info.name);
    EXPECT_TRUE(names.insert(info.name).second);
    EXPECT_TRUE(numbers.insert(static_cast<uint16_t>(info.code)).second);
    logs.insert(info.log);
    EXPECT_EQ(EventCodeFromName(info.name), info.code);
    EXPECT_EQ(EventCodeFromNumber(static_cast<uint16_t>(info.code)), info.code);
  }
  EXPECT_EQ(logs.size(), kEventLogCount);
  EXPECT_EQ(EventCodeFromName("no_such_event"), std::nullopt);
  EXPECT_EQ(EventCodeFromNumber(999), std::nullopt);
  EXPECT_EQ(EventCodeFromNumber(0), std::nullopt);
}

TEST(EventCatalogueTest, IdisNumbersArePinned) {
  // The IDIS package 2 numbers (docs/events.md, "Sources"); a renumbering would silently
  // change what the gateway publishes.
  EXPECT_EQ(static_cast<int>(EventCode::kPowerDown), 1);
  EXPECT_EQ(static_cast<int>(EventCode::kPowerUp), 2);
  EXPECT_EQ(static_cast<int>(EventCode::kDaylightSavingSwitch), 3);
  EXPECT_EQ(static_cast<int>(EventCode::kClockAdjustedOldTime), 4);
  EXPECT_EQ(static_cast<int>(EventCode::kClockAdjustedNewTime), 5);
  EXPECT_EQ(static_cast<int>(EventCode::kClockInvalid), 6);
  EXPECT_EQ(static_cast<int>(EventCode::kFirmwareReadyForActivation), 17);
  EXPECT_EQ(static_cast<int>(EventCode::kFirmwareActivated), 18);
  EXPECT_EQ(static_cast<int>(EventCode::kTerminalCoverOpened), 40);
  EXPECT_EQ(static_cast<int>(EventCode::kTerminalCoverClosed), 41);
  EXPECT_EQ(static_cast<int>(EventCode::kMagneticFieldDetected), 42);
  EXPECT_EQ(static_cast<int>(EventCode::kMagneticFieldGone), 43);
  EXPECT_EQ(static_cast<int>(EventCode::kFirmwareVerificationFailed), 51);
  EXPECT_EQ(static_cast<int>(EventCode::kManualDisconnect), 60);
  EXPECT_EQ(static_cast<int>(EventCode::kRemoteDisconnect), 62);
  EXPECT_EQ(static_cast<int>(EventCode::kAutomaticDisconnect), 64);
  EXPECT_EQ(static_cast<int>(EventCode::kDisconnectFailure), 68);
  EXPECT_EQ(static_cast<int>(EventCode::kAutomaticConnect), 69);
  EXPECT_EQ(static_cast<int>(EventCode::kVoltageSagL1), 76);
  EXPECT_EQ(static_cast<int>(EventCode::kVoltageSwellL3), 81);
  EXPECT_EQ(static_cast<int>(EventCode::kVoltageMissingL2), 83);
  EXPECT_EQ(static_cast<int>(EventCode::kVoltageNormalL3), 87);
  EXPECT_EQ(static_cast<int>(EventCode::kNeutralLost), 89);
}

TEST(EventCatalogueTest, AlarmsAreTheDocumentedOnes) {
  std::set<EventCode> alarms;
  for (const EventInfo& info : kEventCatalogue) {
    if (info.alarm) alarms.insert(info.code);
  }
  EXPECT_EQ(alarms, (std::set<EventCode>{
                        EventCode::kTerminalCoverOpened, EventCode::kMagneticFieldDetected,
                        EventCode::kNeutralLost, EventCode::kClockInvalid,
                        EventCode::kFirmwareVerificationFailed, EventCode::kDisconnectFailure}));
  static_assert(IsAlarm(EventCode::kTerminalCoverOpened));
  static_assert(!IsAlarm(EventCode::kTerminalCoverClosed));
  static_assert(LogOf(EventCode::kLongPowerFailure) == EventLogKind::kPowerFailure);
  static_assert(NameOf(EventCode::kClockInvalid) == "clock_invalid");
}

TEST(EventCatalogueTest, LogNames) {
  std::set<std::string_view> names;
  for (EventLogKind kind : kEventLogKinds) names.insert(NameOf(kind));
  EXPECT_EQ(names, (std::set<std::string_view>{"standard", "power_failure", "disconnect", "fraud",
                                               "power_quality", "clock", "firmware"}));
}

TEST(EventLogsTest, SequenceNumbersRiseAcrossAllLogsFromOne) {
  EventLogs logs;
  EXPECT_EQ(logs.last_sequence(), 0u);
  const EventRecord down = logs.Raise(kT0, kValid, EventCode::kPowerDown);
  const EventRecord outage = logs.Raise(kT0 + hours(1), kValid, EventCode::kLongPowerFailure, 3600);
  const EventRecord up = logs.Raise(kT0 + hours(1), kValid, EventCode::kPowerUp);
  const EventRecord cover = logs.Raise(kT0 + hours(2), kValid, EventCode::kTerminalCoverOpened);
  EXPECT_EQ(down.sequence, 1u);
  EXPECT_EQ(outage.sequence, 2u);
  EXPECT_EQ(up.sequence, 3u);
  EXPECT_EQ(cover.sequence, 4u);
  EXPECT_EQ(logs.last_sequence(), 4u);
  EXPECT_EQ(logs.Entries(EventLogKind::kStandard), (std::vector<EventRecord>{down, up}));
  EXPECT_EQ(logs.Entries(EventLogKind::kPowerFailure), (std::vector<EventRecord>{outage}));
  EXPECT_EQ(logs.Entries(EventLogKind::kFraud), (std::vector<EventRecord>{cover}));
  EXPECT_TRUE(logs.Entries(EventLogKind::kClock).empty());
  EXPECT_EQ(logs.entries_in_use(EventLogKind::kStandard), 2u);
}

TEST(EventLogsTest, DefaultDepths) {
  EventLogs logs;
  for (EventLogKind kind : kEventLogKinds) {
    EXPECT_EQ(logs.capacity(kind),
              kind == EventLogKind::kFirmware ? kFirmwareEventLogDepth : kEventLogDepth)
        << NameOf(kind);
    EXPECT_EQ(logs.image(kind).record_bytes(), kEventRecordBytes);
  }
}

TEST(EventLogsTest, RaiseKeepsWholeSecondsAndTheQuality) {
  EventLogs logs;
  const TimeQuality doubtful{ClockQuality::kDoubtful, true};
  const EventRecord record =
      logs.Raise(kT0 + milliseconds(1999), doubtful, EventCode::kClockInvalid);
  EXPECT_EQ(record.at, kT0 + seconds(1));
  EXPECT_EQ(record.quality, doubtful);
  EXPECT_EQ(logs.Entries(EventLogKind::kClock), (std::vector<EventRecord>{record}));
}

TEST(EventLogsTest, AFullLogKeepsTheNewestAndSequencesShowTheGap) {
  EventLogDepths depths = kDefaultEventLogDepths;
  depths[static_cast<size_t>(EventLogKind::kFraud)] = 3;
  EventLogs logs(depths);
  for (int i = 0; i < 5; ++i) {
    logs.Raise(kT0 + hours(i), kValid,
               i % 2 == 0 ? EventCode::kTerminalCoverOpened : EventCode::kTerminalCoverClosed);
    logs.Raise(kT0 + hours(i) + seconds(1), kValid, EventCode::kVoltageSagL2, 2);
  }
  // Fraud events were 1, 3, 5, 7, 9; the log holds the newest three.
  const std::vector<EventRecord> fraud = logs.Entries(EventLogKind::kFraud);
  ASSERT_EQ(fraud.size(), 3u);
  EXPECT_EQ(logs.entries_in_use(EventLogKind::kFraud), 3u);
  EXPECT_EQ(logs.image(EventLogKind::kFraud).appended(), 5u);
  EXPECT_EQ(fraud[0].sequence, 5u);
  EXPECT_EQ(fraud[1].sequence, 7u);
  EXPECT_EQ(fraud[2].sequence, 9u);
  EXPECT_EQ(fraud[0].at, kT0 + hours(2));
  EXPECT_EQ(fraud[0].code, EventCode::kTerminalCoverOpened);
  EXPECT_EQ(fraud[2].code, EventCode::kTerminalCoverOpened);

  // What an unpublished reader sees: 1 and 3 are gone, a visible gap before 5.
  std::vector<uint32_t> sequences;
  for (const EventRecord& r : logs.RaisedAfter(0)) sequences.push_back(r.sequence);
  EXPECT_EQ(sequences, (std::vector<uint32_t>{2, 4, 5, 6, 7, 8, 9, 10}));
}

TEST(EventLogsTest, RaisedAfterIsInSequenceOrderAcrossLogs) {
  EventLogs logs;
  logs.Raise(kT0, kValid, EventCode::kPowerDown);                               // 1
  logs.Raise(kT0 + seconds(5), kValid, EventCode::kLongPowerFailure, 5);        // 2
  logs.Raise(kT0 + seconds(5), kValid, EventCode::kPowerUp);                    // 3
  logs.Raise(kT0 + seconds(6), kValid, EventCode::kRemoteDisconnect);           // 4
  logs.Raise(kT0 + seconds(7), kValid, EventCode::kFirmwareActivated);          // 5
  logs.Raise(kT0 + seconds(8), kValid, EventCode::kMagneticFieldDetected);      // 6
  logs.Raise(kT0 + seconds(9), kValid, EventCode::kVoltageThdOverLimit, 3);     // 7
  logs.Raise(kT0 + seconds(9), kValid, EventCode::kPowerThresholdExceeded, 9);  // 8
  const std::vector<EventRecord> after = logs.RaisedAfter(3);
  ASSERT_EQ(after.size(), 5u);
  for (size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].sequence, 4 + i);
  EXPECT_EQ(after[0].code, EventCode::kRemoteDisconnect);
  EXPECT_EQ(after[4].value, 9u);
  EXPECT_EQ(logs.RaisedAfter(0).size(), 8u);
  EXPECT_TRUE(logs.RaisedAfter(8).empty());
  EXPECT_TRUE(logs.RaisedAfter(100).empty());
}

TEST(EventLogsDeathTest, RaisingAnUncataloguedCodeIsAProgrammingError) {
  EventLogs logs;
  EXPECT_DEATH(logs.Raise(kT0, kValid, static_cast<EventCode>(999)),
               "event code 999 is not in the catalogue");
}

TEST(EventLogsTest, APowerFailureRecordCarriesItsEndAndDuration) {
  EventLogs logs;
  const TimePoint end = kT0 + hours(5);
  const EventRecord record = logs.Raise(end, kValid, EventCode::kLongPowerFailure, 4 * 3600);
  EXPECT_EQ(record.at, end);
  EXPECT_EQ(record.value, 14'400u);
  EXPECT_EQ(PowerFailureStart(record), kT0 + hours(1));
  const std::vector<EventRecord> held = logs.Entries(EventLogKind::kPowerFailure);
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(PowerFailureStart(held[0]), kT0 + hours(1));
  EXPECT_EQ(PowerFailureStart(logs.Raise(end, kValid, EventCode::kPowerUp)), std::nullopt);
}

TEST(EventLogsTest, AClockStepIsSignedSeconds) {
  EventLogs logs;
  const TimePoint old_time = kT0 + seconds(100);
  const TimePoint new_time = kT0 + seconds(40);
  logs.Raise(old_time, kValid, EventCode::kClockAdjustedOldTime, ClockStepValue(-60));
  logs.Raise(new_time, kValid, EventCode::kClockAdjustedNewTime, ClockStepValue(-60));
  const std::vector<EventRecord> clock = logs.Entries(EventLogKind::kClock);
  ASSERT_EQ(clock.size(), 2u);
  EXPECT_EQ(ClockStepSeconds(clock[0].value), -60);
  EXPECT_EQ(clock[0].at + seconds(ClockStepSeconds(clock[0].value)), clock[1].at);
}

TEST(EventRecordTest, TheByteImageIsTheDocumentedLayout) {
  EventRecord record;
  record.at = kT0 + hours(13) + seconds(62);  // 2027-03-01 13:01:02 UTC, a Monday
  record.quality = TimeQuality{ClockQuality::kInvalid, true};
  record.code = EventCode::kTerminalCoverOpened;
  record.sequence = 0x01020304;
  record.value = 0xA0B0C0D0;
  const std::vector<uint8_t> bytes = EncodeEventRecord(record);
  EXPECT_EQ(bytes, (std::vector<uint8_t>{0x07, 0xEB, 3,    1,    1,    13,
                                         1,    2,    0xFF, 0x80, 0x00, 0x81,  // date-time
                                         0x00, 40,                            // code
                                         0x01, 0x02, 0x03, 0x04,              // sequence
                                         0xA0, 0xB0, 0xC0, 0xD0}));           // value
}

TEST(EventRecordTest, EveryCodeAndQualityRoundTripsThroughTheImage) {
  const TimeQuality qualities[] = {
      {ClockQuality::kValid, false},    {ClockQuality::kValid, true},
      {ClockQuality::kDoubtful, false}, {ClockQuality::kDoubtful, true},
      {ClockQuality::kInvalid, false},  {ClockQuality::kInvalid, true},
  };
  uint32_t sequence = 1;
  for (const EventInfo& info : kEventCatalogue) {
    for (const TimeQuality& quality : qualities) {
      EventRecord record;
      record.at = kT0 + seconds(sequence * 7919);
      record.quality = quality;
      record.code = info.code;
      record.sequence = sequence;
      record.value = sequence * 2654435761u;
      ++sequence;
      const std::vector<uint8_t> bytes = EncodeEventRecord(record);
      ASSERT_EQ(bytes.size(), kEventRecordBytes);
      auto decoded = DecodeEventRecord(bytes);
      ASSERT_TRUE(decoded.ok()) << info.name << ": " << Message(decoded.status());
      EXPECT_EQ(*decoded, record) << info.name;
    }
  }
}

TEST(EventRecordTest, BadBytesGiveANamedError) {
  EventRecord record;
  record.at = kT0;
  record.code = EventCode::kPowerUp;
  record.sequence = 1;
  const std::vector<uint8_t> good = EncodeEventRecord(record);

  auto short_record = DecodeEventRecord(std::span(good).first(21));
  EXPECT_EQ(short_record.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Message(short_record.status()), "event record: 21 bytes, want 22");

  std::vector<uint8_t> bad = good;
  bad[12] = 0x03;  // code 999
  bad[13] = 0xE7;
  EXPECT_EQ(Message(DecodeEventRecord(bad).status()),
            "event record: event code 999 is not in the catalogue");

  bad = good;
  bad[2] = 13;  // month 13
  const std::string month = Message(DecodeEventRecord(bad).status());
  EXPECT_EQ(month.rfind("event record: capture time: ", 0), 0u) << month;

  bad = good;
  bad[11] = 0x04;  // different clock base: never written
  EXPECT_EQ(Message(DecodeEventRecord(bad).status()),
            "event record: capture time: clock status 0x04 is not one the meter writes");
  bad[11] = 0x03;  // invalid and doubtful at once
  EXPECT_EQ(Message(DecodeEventRecord(bad).status()),
            "event record: capture time: clock status 0x03 is not one the meter writes");

  bad = good;
  bad[8] = 50;  // hundredths specified
  EXPECT_NE(Message(DecodeEventRecord(bad).status()).find("not the meter's convention"),
            std::string::npos);
}

TEST(EventLogsTest, SelectsByTimeAndByEntry) {
  EventLogs logs;
  for (int i = 0; i < 10; ++i) {
    logs.Raise(kT0 + hours(i), kValid, EventCode::kVoltageSwellL1, 1);
    logs.Raise(kT0 + hours(i), kValid, EventCode::kPowerDown);  // another log
  }
  const EventLogKind pq = EventLogKind::kPowerQuality;
  auto all = logs.Select(pq, {});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, logs.Entries(pq));

  EventSelection by_time;
  by_time.from = kT0 + hours(3);
  by_time.to = kT0 + hours(5);
  auto timed = logs.Select(pq, by_time);
  ASSERT_TRUE(timed.ok());
  ASSERT_EQ(timed->size(), 3u);
  EXPECT_EQ((*timed)[0].at, kT0 + hours(3));
  EXPECT_EQ((*timed)[2].at, kT0 + hours(5));
  EXPECT_EQ((*timed)[0].sequence, 7u);

  EventSelection by_entry;
  by_entry.from_entry = 9;
  auto newest = logs.Select(pq, by_entry);
  ASSERT_TRUE(newest.ok());
  ASSERT_EQ(newest->size(), 2u);
  EXPECT_EQ((*newest)[1].sequence, 19u);
  by_entry.from_entry = 2;
  by_entry.to_entry = 3;
  auto middle = logs.Select(pq, by_entry);
  ASSERT_TRUE(middle.ok());
  ASSERT_EQ(middle->size(), 2u);
  EXPECT_EQ((*middle)[0].at, kT0 + hours(1));
  by_entry.from_entry = 11;
  by_entry.to_entry = 0;
  EXPECT_TRUE(logs.Select(pq, by_entry)->empty());

  EventSelection both = by_time;  // entries 5..10 within hours 3..5: hours 4 and 5
  both.from_entry = 5;
  auto combined = logs.Select(pq, both);
  ASSERT_TRUE(combined.ok());
  EXPECT_EQ(combined->size(), 2u);
}

TEST(EventLogsTest, ABadSelectionNamesWhatIsWrong) {
  EventLogs logs;
  EventSelection reversed;
  reversed.from = kT0 + hours(2);
  reversed.to = kT0;
  auto status = logs.Select(EventLogKind::kFraud, reversed).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status), "fraud event log read-out: time range ends before it starts");

  EventSelection empty;
  empty.from_entry = 5;
  empty.to_entry = 4;
  status = logs.Select(EventLogKind::kClock, empty).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status), "clock event log read-out: entry range 5..4 is empty");
  empty.from_entry = 0;
  empty.to_entry = 0;
  EXPECT_EQ(logs.Select(EventLogKind::kClock, empty).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// A meter with history in every log: each code raised 25 times, so the disconnect, power
// quality and firmware logs have wrapped and the clock log is exactly full.
EventLogs WithHistory() {
  EventLogDepths depths = kDefaultEventLogDepths;
  depths[static_cast<size_t>(EventLogKind::kPowerQuality)] = 150;  // 3300 bytes: two pages
  EventLogs logs(depths);
  TimePoint t = kT0;
  for (int i = 0; i < 1000; ++i) {
    const EventInfo& info = kEventCatalogue[(i * 7) % kEventCatalogue.size()];
    t += seconds(37 * (i % 5 + 1));
    const TimeQuality quality{i % 3 == 0 ? ClockQuality::kDoubtful : ClockQuality::kValid,
                              i % 2 == 0};
    logs.Raise(t, quality, info.code, static_cast<uint32_t>(i));
  }
  return logs;
}

EventLogs RestoredFrom(const EventLogs& original, const EventLogDepths& depths) {
  ByteWriter state;
  original.Save(state);
  EventLogs restored(depths);
  ByteReader reader(state.bytes(), "meter state");
  EXPECT_TRUE(restored.Restore(reader).ok());
  EXPECT_TRUE(reader.Finish().ok());
  for (EventLogKind kind : kEventLogKinds) {
    const LogImage& image = original.image(kind);
    for (uint32_t page : image.DirtyPages()) {
      EXPECT_TRUE(restored.mutable_image(kind).RestorePage(page, image.Page(page)).ok());
    }
  }
  return restored;
}

TEST(EventLogsTest, PagesAndSavedStateRestoreTheLogs) {
  EventLogs original = WithHistory();
  ASSERT_EQ(original.last_sequence(), 1000u);
  ASSERT_EQ(original.image(EventLogKind::kPowerQuality).appended(), 375u);
  ASSERT_EQ(original.entries_in_use(EventLogKind::kFirmware), 10u);
  ASSERT_EQ(original.image(EventLogKind::kPowerQuality).page_count(), 2u);
  EventLogDepths depths = kDefaultEventLogDepths;
  depths[static_cast<size_t>(EventLogKind::kPowerQuality)] = 150;
  EventLogs restored = RestoredFrom(original, depths);
  EXPECT_TRUE(restored.CheckImage().ok()) << Message(restored.CheckImage());
  EXPECT_EQ(restored, original);
  for (EventLogKind kind : kEventLogKinds) {
    EXPECT_EQ(restored.Entries(kind), original.Entries(kind)) << NameOf(kind);
  }
  EXPECT_EQ(restored.RaisedAfter(950), original.RaisedAfter(950));
  // Both go on with the same next number.
  EXPECT_EQ(restored.Raise(kT0 + hours(99), kValid, EventCode::kPowerDown).sequence, 1001u);
  EXPECT_NE(restored, original);
  original.Raise(kT0 + hours(99), kValid, EventCode::kPowerDown);
  EXPECT_EQ(restored, original);
}

TEST(EventLogsTest, RestoringMisfitStateNamesItAndChangesNothing) {
  const EventLogs original = WithHistory();
  ByteWriter state;
  original.Save(state);
  const std::vector<uint8_t> bytes = state.bytes();

  {  // A meter keeping another depth.
    EventLogs other;
    const EventLogs before = other;
    ByteReader reader(bytes, "meter state");
    const absl::Status status = other.Restore(reader);
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(Message(status),
              "event logs: the power_quality log was saved with depth 150, this meter keeps 100");
    EXPECT_EQ(other, before);
  }
  EventLogDepths depths = kDefaultEventLogDepths;
  depths[static_cast<size_t>(EventLogKind::kPowerQuality)] = 150;
  {  // Truncated.
    EventLogs logs(depths);
    const std::span<const uint8_t> truncated = std::span(bytes).first(bytes.size() - 3);
    ByteReader reader(truncated, "meter state");
    const absl::Status status = logs.Restore(reader);
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
    EXPECT_NE(Message(status).find("meter state: at byte"), std::string::npos) << Message(status);
    EXPECT_EQ(logs, EventLogs(depths));
  }
  {  // A counter that does not match the cursors.
    std::vector<uint8_t> wrong = bytes;
    wrong[3] = static_cast<uint8_t>(wrong[3] + 1);  // 1001
    EventLogs logs(depths);
    ByteReader reader(wrong, "meter state");
    const absl::Status status = logs.Restore(reader);
    EXPECT_EQ(Message(status),
              "event logs: the logs hold 1000 events since installation, the sequence counter "
              "1001");
    EXPECT_EQ(logs, EventLogs(depths));
  }
}

TEST(EventLogsTest, ADamagedImageNamesTheLogAndTheEntry) {
  EventLogs logs;
  logs.Raise(kT0, kValid, EventCode::kTerminalCoverOpened);
  logs.Raise(kT0 + seconds(1), kValid, EventCode::kTerminalCoverClosed);
  logs.Raise(kT0 + seconds(2), kValid, EventCode::kMagneticFieldDetected);
  ASSERT_TRUE(logs.CheckImage().ok());
  LogImage& fraud = logs.mutable_image(EventLogKind::kFraud);
  const std::vector<uint8_t> page = fraud.Page(0);

  std::vector<uint8_t> damaged = page;
  damaged[kEventRecordBytes + 12] = 0x03;  // entry 2: code 999
  damaged[kEventRecordBytes + 13] = 0xE7;
  ASSERT_TRUE(fraud.RestorePage(0, damaged).ok());
  absl::Status status = logs.CheckImage();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Message(status), "fraud event log entry 2: event code 999 is not in the catalogue");

  damaged = page;
  damaged[2 * kEventRecordBytes + 13] = 1;  // entry 3: power_down, a standard-log event
  ASSERT_TRUE(fraud.RestorePage(0, damaged).ok());
  EXPECT_EQ(Message(logs.CheckImage()),
            "fraud event log entry 3: event power_down belongs to the standard log");

  damaged = page;
  damaged[kEventRecordBytes + 17] = 9;  // entry 2: sequence 9, beyond the counter's 3
  ASSERT_TRUE(fraud.RestorePage(0, damaged).ok());
  EXPECT_EQ(Message(logs.CheckImage()),
            "fraud event log entry 2: sequence 9 beyond the counter's 3");

  damaged = page;
  damaged[2 * kEventRecordBytes + 17] = 1;  // entry 3: sequence 1 after 2
  ASSERT_TRUE(fraud.RestorePage(0, damaged).ok());
  EXPECT_EQ(Message(logs.CheckImage()), "fraud event log entry 3: sequence 1 after 2");

  ASSERT_TRUE(fraud.RestorePage(0, page).ok());
  EXPECT_TRUE(logs.CheckImage().ok());
}

TEST(EventLogsTest, ACursorWithoutItsPagesIsADamagedImage) {
  EventLogs original;
  original.Raise(kT0, kValid, EventCode::kPowerDown);
  original.Raise(kT0, kValid, EventCode::kClockInvalid);
  ByteWriter state;
  original.Save(state);
  EventLogs restored;
  ByteReader reader(state.bytes(), "meter state");
  ASSERT_TRUE(restored.Restore(reader).ok());
  // The pages were never restored: the records read as zeros, which is no date-time.
  const absl::Status status = restored.CheckImage();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Message(status).rfind("standard event log entry 1: capture time: ", 0), 0u)
      << Message(status);
}

}  // namespace
}  // namespace vmuc::meters
