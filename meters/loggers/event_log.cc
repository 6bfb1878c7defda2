#include "meters/loggers/event_log.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/strings.h"
#include "dlms/cosem_date_time.h"

namespace vmuc::meters {
namespace {

// The catalogue's promises, checked where they are made rather than at run time.
constexpr bool CodesAndNamesAreUnique() {
  for (size_t i = 0; i < kEventCatalogue.size(); ++i) {
    for (size_t j = i + 1; j < kEventCatalogue.size(); ++j) {
      if (kEventCatalogue[i].code == kEventCatalogue[j].code) return false;
      if (kEventCatalogue[i].name == kEventCatalogue[j].name) return false;
    }
  }
  return true;
}
static_assert(CodesAndNamesAreUnique(), "event codes and names must be unique");

// Names become MQTT topic parts and gRPC enum-like strings: lower snake_case only.
constexpr bool NamesAreSnakeCase() {
  for (const EventInfo& info : kEventCatalogue) {
    if (info.name.empty() || info.name.front() == '_' || info.name.back() == '_') return false;
    for (char c : info.name) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
  }
  return true;
}
static_assert(NamesAreSnakeCase(), "event names must be snake_case");

// IDIS numbers fit its 8-bit event code objects; vmuc's own start at 1001 so the two sets
// can never meet.
constexpr bool CodesAreIdisOrVmuc() {
  for (const EventInfo& info : kEventCatalogue) {
    const auto n = static_cast<uint16_t>(info.code);
    if (n == 0 || (n > 255 && n < 1001)) return false;
  }
  return true;
}
static_assert(CodesAreIdisOrVmuc(), "event codes are IDIS (1..255) or vmuc (1001..)");

constexpr bool EveryLogHasACode() {
  for (EventLogKind kind : kEventLogKinds) {
    bool found = false;
    for (const EventInfo& info : kEventCatalogue) found = found || info.log == kind;
    if (!found) return false;
  }
  return true;
}
static_assert(EveryLogHasACode(), "every event log must have at least one code");

size_t IndexOf(EventLogKind kind) {
  const auto index = static_cast<size_t>(kind);
  VMUC_CHECK(index < kEventLogCount, "no such event log");
  return index;
}

// IEC 62056-6-2 4.1.6.1 clock status: bit 0 invalid value, bit 1 doubtful value, bit 7
// daylight saving active. The other bits (different clock base, invalid clock status,
// reserved) are never written, so finding one means the image is damaged.
constexpr uint8_t kWrittenClockStatusBits = dlms::kClockStatusInvalidValue |
                                            dlms::kClockStatusDoubtfulValue |
                                            dlms::kClockStatusDaylightSaving;

uint8_t ClockStatusOf(TimeQuality quality) {
  uint8_t status = 0;
  switch (quality.clock) {
    case ClockQuality::kValid:
      break;
    case ClockQuality::kDoubtful:
      status |= dlms::kClockStatusDoubtfulValue;
      break;
    case ClockQuality::kInvalid:
      status |= dlms::kClockStatusInvalidValue;
      break;
  }
  if (quality.daylight_saving) status |= dlms::kClockStatusDaylightSaving;
  return status;
}

absl::StatusOr<TimeQuality> QualityOf(uint8_t status) {
  const bool invalid = (status & dlms::kClockStatusInvalidValue) != 0;
  const bool doubtful = (status & dlms::kClockStatusDoubtfulValue) != 0;
  if ((status & ~kWrittenClockStatusBits) != 0 || (invalid && doubtful)) {
    return absl::DataLossError(absl::StrCat("clock status 0x", absl::Hex(status, absl::kZeroPad2),
                                            " is not one the meter writes"));
  }
  TimeQuality quality;
  quality.clock = invalid ? ClockQuality::kInvalid
                          : (doubtful ? ClockQuality::kDoubtful : ClockQuality::kValid);
  quality.daylight_saving = (status & dlms::kClockStatusDaylightSaving) != 0;
  return quality;
}

// DecodeEventRecord without the "event record: " prefix, for callers that name the record
// themselves.
absl::StatusOr<EventRecord> Decode(std::span<const uint8_t> bytes) {
  if (bytes.size() != kEventRecordBytes) {
    return absl::DataLossError(absl::StrCat(bytes.size(), " bytes, want ", kEventRecordBytes));
  }
  ByteReader in(bytes, "event record");
  auto time = dlms::DecodeDateTimeDetailed(in.Bytes(dlms::kDateTimeSize));
  if (!time.ok()) {
    return absl::DataLossError(absl::StrCat("capture time: ", time.status().message()));
  }
  // Only the meter's convention is ever written (kMeterDateTimeOptions): UTC fields with the
  // deviation and hundredths not specified.
  if (time->deviation_minutes.has_value() || time->hundredths_specified) {
    return absl::DataLossError(
        "capture time: deviation or hundredths specified, not the meter's convention");
  }
  auto quality = QualityOf(time->clock_status);
  if (!quality.ok()) {
    return absl::DataLossError(absl::StrCat("capture time: ", quality.status().message()));
  }
  const uint16_t number = in.U16();
  const std::optional<EventCode> code = EventCodeFromNumber(number);
  if (!code) {
    return absl::DataLossError(absl::StrCat("event code ", number, " is not in the catalogue"));
  }
  EventRecord record;
  record.at = time->time;
  record.quality = *quality;
  record.code = *code;
  record.sequence = in.U32();
  record.value = in.U32();
  if (absl::Status status = in.Finish(); !status.ok()) return status;
  return record;
}

absl::Status LogError(EventLogKind kind, uint32_t index, std::string_view why) {
  return absl::DataLossError(
      absl::StrCat(AsAbsl(NameOf(kind)), " event log entry ", index + 1, ": ", AsAbsl(why)));
}

}  // namespace

void DieOnUncataloguedEvent(EventCode code) {
  std::fprintf(stderr, "event code %u is not in the catalogue\n",
               static_cast<unsigned>(static_cast<uint16_t>(code)));
  std::abort();
}

std::optional<EventCode> EventCodeFromNumber(uint16_t number) {
  const auto code = static_cast<EventCode>(number);
  if (FindEvent(code) == nullptr) return std::nullopt;
  return code;
}

std::optional<EventCode> EventCodeFromName(std::string_view name) {
  for (const EventInfo& info : kEventCatalogue) {
    if (info.name == name) return info.code;
  }
  return std::nullopt;
}

std::optional<TimePoint> PowerFailureStart(const EventRecord& record) {
  if (record.code != EventCode::kLongPowerFailure) return std::nullopt;
  return record.at - std::chrono::seconds(record.value);
}

std::vector<uint8_t> EncodeEventRecord(const EventRecord& record) {
  const auto number = static_cast<uint16_t>(InfoOf(record.code).code);
  dlms::DateTimeEncodeOptions options = dlms::kMeterDateTimeOptions;
  options.clock_status = ClockStatusOf(record.quality);
  ByteWriter out;
  out.Bytes(dlms::EncodeDateTime(record.at, options));
  out.U16(number);
  out.U32(record.sequence);
  out.U32(record.value);
  VMUC_CHECK(out.bytes().size() == kEventRecordBytes, "event record size");
  return out.Take();
}

absl::StatusOr<EventRecord> DecodeEventRecord(std::span<const uint8_t> bytes) {
  auto record = Decode(bytes);
  if (!record.ok()) {
    return absl::DataLossError(absl::StrCat("event record: ", record.status().message()));
  }
  return record;
}

EventLogs::EventLogs(const EventLogDepths& depths) {
  images_.reserve(kEventLogCount);
  for (uint32_t depth : depths) {
    VMUC_CHECK(depth >= 1, "an event log of depth 0");
    images_.emplace_back(kEventRecordBytes, depth);
  }
}

const LogImage& EventLogs::image(EventLogKind kind) const { return images_[IndexOf(kind)]; }
LogImage& EventLogs::mutable_image(EventLogKind kind) { return images_[IndexOf(kind)]; }

EventRecord EventLogs::Raise(TimePoint at, TimeQuality quality, EventCode code, uint32_t value) {
  VMUC_CHECK(last_sequence_ < std::numeric_limits<uint32_t>::max(),
             "event sequence numbers exhausted");
  EventRecord record;
  // The date-time keeps whole seconds (hundredths not specified), so the record says what
  // the image will say.
  record.at = std::chrono::floor<std::chrono::seconds>(at);
  record.quality = quality;
  record.code = code;
  record.sequence = last_sequence_ + 1;
  record.value = value;
  // Encoding first: an uncatalogued code aborts before the counter moves.
  const std::vector<uint8_t> bytes = EncodeEventRecord(record);
  mutable_image(LogOf(code)).Append(bytes);
  last_sequence_ = record.sequence;
  return record;
}

EventRecord EventLogs::Decoded(EventLogKind kind, uint32_t index) const {
  auto record = Decode(image(kind).Record(index));
  VMUC_CHECK(record.ok(), "event log: an undecodable record in a checked image");
  return *record;
}

std::vector<EventRecord> EventLogs::Entries(EventLogKind kind) const {
  std::vector<EventRecord> out;
  const uint32_t n = entries_in_use(kind);
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) out.push_back(Decoded(kind, i));
  return out;
}

absl::StatusOr<std::vector<EventRecord>> EventLogs::Select(EventLogKind kind,
                                                           const EventSelection& selection) const {
  const absl::string_view log = AsAbsl(NameOf(kind));
  if (absl::Status range =
          CheckReadOutRange(absl::StrCat(log, " event log"), selection.from, selection.to,
                            selection.from_entry, selection.to_entry);
      !range.ok()) {
    return range;
  }
  const uint32_t held = entries_in_use(kind);
  const uint32_t last = selection.to_entry == 0 ? held : std::min(selection.to_entry, held);
  std::vector<EventRecord> out;
  for (uint32_t n = selection.from_entry; n <= last; ++n) {
    EventRecord record = Decoded(kind, n - 1);
    // Capture times are not monotonic (the clock can be set back), so every entry is tested.
    if (selection.from && record.at < *selection.from) continue;
    if (selection.to && record.at > *selection.to) continue;
    out.push_back(record);
  }
  return out;
}

std::vector<EventRecord> EventLogs::RaisedAfter(uint32_t sequence) const {
  std::vector<EventRecord> out;
  // Within a log sequence numbers rise (Raise appends, CheckImage checks), so each log is
  // read from its newest record back to the first one already published.
  for (EventLogKind kind : kEventLogKinds) {
    for (uint32_t i = entries_in_use(kind); i > 0; --i) {
      EventRecord record = Decoded(kind, i - 1);
      if (record.sequence <= sequence) break;
      out.push_back(record);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const EventRecord& a, const EventRecord& b) { return a.sequence < b.sequence; });
  return out;
}

void EventLogs::Save(ByteWriter& out) const {
  out.U32(last_sequence_);
  out.U8(static_cast<uint8_t>(kEventLogCount));
  for (const LogImage& log : images_) {
    out.U32(log.capacity());
    log.SaveCursor(out);
  }
}

absl::Status EventLogs::Restore(ByteReader& in) {
  const uint32_t sequence = in.U32();
  const uint8_t logs = in.U8();
  if (!in.status().ok()) return in.status();
  if (logs != kEventLogCount) {
    return absl::DataLossError(
        absl::StrCat("event logs: ", logs, " logs saved, this meter keeps ", kEventLogCount));
  }
  // Each cursor is read into a scratch image first, so an error leaves this meter as it was.
  std::vector<LogImage> cursors;
  cursors.reserve(kEventLogCount);
  uint64_t appended = 0;
  for (EventLogKind kind : kEventLogKinds) {
    const uint32_t depth = in.U32();
    if (!in.status().ok()) return in.status();
    if (depth != capacity(kind)) {
      return absl::DataLossError(absl::StrCat("event logs: the ", AsAbsl(NameOf(kind)),
                                              " log was saved with depth ", depth,
                                              ", this meter keeps ", capacity(kind)));
    }
    LogImage& scratch = cursors.emplace_back(kEventRecordBytes, depth);
    scratch.RestoreCursor(in);
    if (!in.status().ok()) return in.status();
    // Every event is appended to exactly one log: the cursors add up to the counter.
    if (scratch.appended() > sequence - appended) {
      return absl::DataLossError(absl::StrCat(
          "event logs: the ", AsAbsl(NameOf(kind)), " log's ", scratch.appended(),
          " events since installation exceed what the sequence counter ", sequence, " leaves"));
    }
    appended += scratch.appended();
  }
  if (appended != sequence) {
    return absl::DataLossError(absl::StrCat("event logs: the logs hold ", appended,
                                            " events since installation, the sequence counter ",
                                            sequence));
  }
  for (size_t i = 0; i < kEventLogCount; ++i) {
    ByteWriter cursor;
    cursors[i].SaveCursor(cursor);
    ByteReader reader(cursor.bytes(), "event log cursor");
    images_[i].RestoreCursor(reader);
    VMUC_CHECK(reader.Finish().ok(), "event log cursor round trip");
  }
  last_sequence_ = sequence;
  return absl::OkStatus();
}

absl::Status EventLogs::CheckImage() const {
  for (EventLogKind kind : kEventLogKinds) {
    uint32_t previous = 0;
    for (uint32_t i = 0; i < entries_in_use(kind); ++i) {
      auto record = Decode(image(kind).Record(i));
      if (!record.ok()) return LogError(kind, i, AsStd(record.status().message()));
      if (LogOf(record->code) != kind) {
        return LogError(kind, i,
                        absl::StrCat("event ", AsAbsl(NameOf(record->code)), " belongs to the ",
                                     AsAbsl(NameOf(LogOf(record->code))), " log"));
      }
      if (record->sequence <= previous) {
        return LogError(kind, i, absl::StrCat("sequence ", record->sequence, " after ", previous));
      }
      if (record->sequence > last_sequence_) {
        return LogError(
            kind, i,
            absl::StrCat("sequence ", record->sequence, " beyond the counter's ", last_sequence_));
      }
      previous = record->sequence;
    }
  }
  return absl::OkStatus();
}

}  // namespace vmuc::meters
