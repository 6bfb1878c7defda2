#include "gateway/collector/scheduled_reads.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/mix64.h"
#include "common/strings.h"
#include "gateway/api/gateway_service.h"
#include "vmuc/v1/gateway.pb.h"

namespace vmuc::gateway {
namespace {

using dlms::DataType;
using dlms::DataValue;
using dlms::Obis;
using dlms::Unit;

constexpr uint16_t kDataClass = 1;
constexpr uint16_t kRegisterClass = 3;
constexpr uint16_t kExtendedRegisterClass = 4;
constexpr int8_t kValueAttribute = 2;
constexpr int8_t kCaptureTimeAttribute = 5;  // extended register (class 4) capture_time
constexpr int kTariffs = 4;                  // T1..T4 (datasheet "Tariffs")
constexpr int64_t kDaySeconds = 86'400;

// Which log a turn reads: 0 the billing logger, 1 + i kEventLogSources[i].
constexpr size_t kBillingLog = 0;
constexpr size_t kLogCount = 1 + kEventLogSources.size();

std::vector<BillingColumn> MakeBillingColumns() {
  std::vector<BillingColumn> columns;
  // IEC 62056-6-1 7.4: 0.0.0.1.0.255, the billing period counter (the debiting stops);
  // a Data object (class 1): a count, no scaler_unit.
  columns.push_back({Obis(0, 0, 0, 1, 0, 255), kDataClass, kValueAttribute, 0, Unit::kNone});
  // A+, A-, R+, R-, R1..R4 (per quadrant), E+, E- totals.
  const Unit totals[] = {Unit::kWattHour,      Unit::kWattHour, Unit::kVarHour,
                         Unit::kVarHour,       Unit::kVarHour,  Unit::kVarHour,
                         Unit::kVarHour,       Unit::kVarHour,  Unit::kVoltAmpereHour,
                         Unit::kVoltAmpereHour};
  for (uint8_t c = 1; c <= 10; ++c) {
    columns.push_back(
        {Obis(1, 1, c, 8, 0, 255), kRegisterClass, kValueAttribute, 0, totals[c - 1]});
  }
  for (uint8_t t = 1; t <= kTariffs; ++t) {
    columns.push_back(
        {Obis(1, 1, 1, 8, t, 255), kRegisterClass, kValueAttribute, 0, Unit::kWattHour});
  }
  for (uint8_t t = 1; t <= kTariffs; ++t) {
    columns.push_back(
        {Obis(1, 1, 3, 8, t, 255), kRegisterClass, kValueAttribute, 0, Unit::kVarHour});
  }
  // The period's maxima (class 4): P+ total, T1, T2; Q+ total, T1, T2; S+; S-.
  const std::pair<Obis, Unit> maxima[] = {
      {Obis(1, 1, 1, 6, 0, 255), Unit::kWatt},       {Obis(1, 1, 1, 6, 1, 255), Unit::kWatt},
      {Obis(1, 1, 1, 6, 2, 255), Unit::kWatt},       {Obis(1, 1, 3, 6, 0, 255), Unit::kVar},
      {Obis(1, 1, 3, 6, 1, 255), Unit::kVar},        {Obis(1, 1, 3, 6, 2, 255), Unit::kVar},
      {Obis(1, 1, 9, 6, 0, 255), Unit::kVoltAmpere}, {Obis(1, 1, 10, 6, 0, 255), Unit::kVoltAmpere},
  };
  for (const auto& [obis, unit] : maxima) {
    columns.push_back({obis, kExtendedRegisterClass, kValueAttribute, 0, unit});
    columns.push_back({obis, kExtendedRegisterClass, kCaptureTimeAttribute, 0, unit});
  }
  // The accumulated maxima (cumulative maximum demand, D = 2) after the period's end.
  const std::pair<Obis, Unit> accumulated[] = {
      {Obis(1, 1, 1, 2, 0, 255), Unit::kWatt},
      {Obis(1, 1, 1, 2, 1, 255), Unit::kWatt},
      {Obis(1, 1, 1, 2, 2, 255), Unit::kWatt},
      {Obis(1, 1, 3, 2, 0, 255), Unit::kVar},
  };
  for (const auto& [obis, unit] : accumulated) {
    columns.push_back({obis, kRegisterClass, kValueAttribute, 0, unit});
  }
  return columns;
}

// A row's capture time: whole seconds (the meters' date-times leave hundredths
// unspecified; a peer's hundredths are dropped so that the order check sees what is stored).
absl::StatusOr<TimePoint> CaptureTime(const DataValue& value) {
  auto at = value.AsDateTime();
  if (!at.ok()) return at.status();
  return std::chrono::floor<std::chrono::seconds>(*at);
}

// A maximum's time: a date-time, or none when the period never reached one (every field
// "not specified", the year 0xFFFF first; IEC 62056-6-2 4.1.6.1), or null-data.
absl::StatusOr<std::optional<TimePoint>> OptionalTime(const DataValue& value) {
  if (value.is(DataType::kNullData)) return std::optional<TimePoint>();
  auto bytes = value.AsBytes();
  if (bytes.ok() && bytes->size() == 12 && (*bytes)[0] == 0xFF && (*bytes)[1] == 0xFF) {
    return std::optional<TimePoint>();
  }
  auto at = CaptureTime(value);
  if (!at.ok()) return at.status();
  return std::optional<TimePoint>(*at);
}

// Any A-XDR integer type: meters differ in the widths they pick for the same register.
absl::StatusOr<int64_t> IntegerOf(const DataValue& value) {
  switch (value.type()) {
    case DataType::kDoubleLong:
    case DataType::kDoubleLongUnsigned:
    case DataType::kInteger:
    case DataType::kLong:
    case DataType::kUnsigned:
    case DataType::kLongUnsigned:
    case DataType::kLong64:
    case DataType::kLong64Unsigned:
      return value.AsInt64();
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("not an integer (", DataTypeName(value.type()), ")"));
  }
}

std::string LogName(meters::EventLogKind kind) { return std::string(meters::NameOf(kind)); }

// FNV-1a (64 bits) of the meter id, then mixed: a spread that every gateway and every
// restart agree on, whatever the standard library's std::hash does.
uint64_t HashOf(std::string_view meter_id) {
  uint64_t hash = 0xCBF29CE484222325ULL;
  for (char c : meter_id) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 0x100000001B3ULL;
  }
  return Mix64(hash);
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::span<const BillingColumn> BillingColumns() {
  static const std::vector<BillingColumn> kColumns = MakeBillingColumns();
  return kColumns;
}

absl::StatusOr<std::vector<BillingPeriodRecord>> DecodeBillingRows(const DataValue& buffer) {
  const std::span<const BillingColumn> layout = BillingColumns();
  auto rows = buffer.AsArray();
  if (!rows.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("billing buffer: not an array (", DataTypeName(buffer.type()), ")"));
  }
  std::vector<BillingPeriodRecord> periods;
  periods.reserve(rows->size());
  for (size_t r = 0; r < rows->size(); ++r) {
    auto columns = (*rows)[r].AsStructure();
    if (!columns.ok() || columns->size() != 1 + layout.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("billing buffer: row ", r, ": want a structure of ", 1 + layout.size(),
                       " columns (clock and the billing value set), got ",
                       columns.ok() ? absl::StrCat(columns->size(), " columns")
                                    : DataTypeName((*rows)[r].type())));
    }
    BillingPeriodRecord period;
    auto at = CaptureTime((*columns)[0]);
    if (!at.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("billing buffer: row ", r, " column 0 (clock): ", at.status().message()));
    }
    period.captured_at = *at;
    for (size_t c = 0; c < layout.size(); ++c) {
      const BillingColumn& column = layout[c];
      const DataValue& cell = (*columns)[1 + c];
      auto bad = [&](std::string_view what) {
        return absl::InvalidArgumentError(absl::StrCat("billing buffer: row ", r, " column ", 1 + c,
                                                       " (", column.obis.ToString(), " attribute ",
                                                       column.attribute, "): ", AsAbsl(what)));
      };
      if (column.attribute == kCaptureTimeAttribute) {
        // The time of the maximum whose value the column before holds.
        auto time = OptionalTime(cell);
        if (!time.ok()) return bad(AsStd(time.status().message()));
        period.values.back().value_at = *time;
        continue;
      }
      auto value = IntegerOf(cell);
      if (!value.ok()) return bad(AsStd(value.status().message()));
      period.values.push_back({.obis = column.obis.ToString(),
                               .value = *value,
                               .scaler = column.scaler,
                               .unit = static_cast<uint32_t>(column.unit),
                               .value_at = std::nullopt});
    }
    if (!periods.empty() && period.captured_at <= periods.back().captured_at) {
      return absl::InvalidArgumentError(absl::StrCat("billing buffer: row ", r, ": capture time ",
                                                     FormatRfc3339(period.captured_at),
                                                     " not after the previous row's"));
    }
    periods.push_back(std::move(period));
  }
  return periods;
}

absl::StatusOr<std::vector<MeterEventRecord>> DecodeEventLogRows(const DataValue& buffer,
                                                                 meters::EventLogKind log) {
  const std::string name = LogName(log);
  const bool power_failure = log == meters::EventLogKind::kPowerFailure;
  auto rows = buffer.AsArray();
  if (!rows.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("event log ", name, ": not an array (", DataTypeName(buffer.type()), ")"));
  }
  std::vector<MeterEventRecord> entries;
  entries.reserve(rows->size());
  for (size_t r = 0; r < rows->size(); ++r) {
    auto columns = (*rows)[r].AsStructure();
    if (!columns.ok() || columns->size() != 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("event log ", name, ": row ", r, ": want a structure of 2 columns (clock, ",
                       power_failure ? "duration" : "event code", ")"));
    }
    auto at = CaptureTime((*columns)[0]);
    if (!at.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("event log ", name, ": row ", r,
                                                     " column 0 (clock): ", at.status().message()));
    }
    auto number = IntegerOf((*columns)[1]);
    const int64_t limit = power_failure ? int64_t{UINT32_MAX} : int64_t{UINT16_MAX};
    if (!number.ok() || *number < 0 || *number > limit) {
      return absl::InvalidArgumentError(
          absl::StrCat("event log ", name, ": row ", r, " column 1 (",
                       power_failure ? "duration, 0.0.96.7.19.255" : "event code", "): ",
                       number.ok() ? absl::StrCat(*number, " is out of range")
                                   : std::string(number.status().message())));
    }
    MeterEventRecord entry{.log = name, .captured_at = *at, .code = 0, .value = 0};
    if (power_failure) {
      // IDIS logs a long power failure as (end time, duration) without a code.
      entry.code = static_cast<uint32_t>(meters::EventCode::kLongPowerFailure);
      entry.value = *number;
    } else {
      entry.code = static_cast<uint32_t>(*number);
    }
    // Events share a second (power down and up in a short dip): the order is the log's.
    if (!entries.empty() && entry.captured_at < entries.back().captured_at) {
      return absl::InvalidArgumentError(
          absl::StrCat("event log ", name, ": row ", r, ": capture time ",
                       FormatRfc3339(entry.captured_at), " before the previous row's"));
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

ScheduledReads::ScheduledReads(ScheduledReadsOptions options, Scheduler& scheduler, Store& store,
                               EventHub& hub, ProfileBufferReader& reader)
    : options_(std::move(options)),
      scheduler_(scheduler),
      store_(store),
      hub_(hub),
      reader_(reader) {
  VMUC_CHECK(options_.max_in_flight >= 1, "ScheduledReadsOptions.max_in_flight must be >= 1");
  VMUC_CHECK(options_.spread.count() >= 0 && options_.retry_after.count() > 0,
             "ScheduledReadsOptions: negative spread or no retry delay");
}

ScheduledReads::~ScheduledReads() {
  if (timer_) scheduler_.Cancel(*timer_);
}

std::chrono::seconds ScheduledReads::SpreadOffset(std::string_view meter_id) const {
  const int64_t spread_s = options_.spread.count();
  if (spread_s <= 0) return std::chrono::seconds(0);
  return std::chrono::seconds(
      static_cast<int64_t>(HashOf(meter_id) % static_cast<uint64_t>(spread_s)));
}

TimePoint ScheduledReads::NextSlot(std::string_view meter_id, TimePoint t) const {
  // The meter's slots: every day at read_time_of_day + its offset after 00:00 UTC.
  const int64_t base_s = (options_.read_time_of_day + SpreadOffset(meter_id)).count();
  const int64_t day = FloorDiv(ToUnixSeconds(t) - base_s, kDaySeconds);
  TimePoint slot = FromUnixSeconds(day * kDaySeconds + base_s);
  while (slot < t) slot += std::chrono::seconds(kDaySeconds);
  return slot;
}

std::optional<TimePoint> ScheduledReads::NextReadOf(const std::string& meter_id) const {
  auto it = meters_.find(meter_id);
  if (it == meters_.end()) return std::nullopt;
  return it->second.due();
}

void ScheduledReads::OnMeterSeen(const std::string& meter_id, NodeAddress node) {
  auto [it, inserted] = meters_.try_emplace(meter_id);
  it->second.node = node;
  if (!inserted) return;
  it->second.next_slot = NextSlot(meter_id, scheduler_.Now());
  due_.insert({it->second.due(), meter_id});
  Arm();
}

void ScheduledReads::Arm() {
  if (due_.empty()) {
    if (timer_) scheduler_.Cancel(*timer_);
    timer_.reset();
    return;
  }
  const TimePoint at = due_.begin()->first;
  if (timer_ && timer_at_ == at) return;
  if (timer_) scheduler_.Cancel(*timer_);
  timer_at_ = at;
  timer_ = scheduler_.ScheduleAt(at, [this] {
    timer_.reset();
    OnTimer();
  });
}

void ScheduledReads::OnTimer() {
  const TimePoint now = scheduler_.Now();
  while (!due_.empty() && due_.begin()->first <= now) {
    const std::string meter_id = due_.begin()->second;
    due_.erase(due_.begin());
    MeterState& meter = meters_.at(meter_id);
    if (meter.next_slot <= now) {
      // The day's read: every log again (a retry still owed is part of it).
      meter.pending.clear();
      for (size_t log = 0; log < kLogCount; ++log) meter.pending.push_back(log);
      meter.next_slot = NextSlot(meter_id, now + std::chrono::seconds(1));
    }
    meter.retry_at.reset();
    if (!meter.reading && !meter.waiting && !meter.pending.empty()) {
      meter.waiting = true;
      ready_.push_back(meter_id);
    }
    due_.insert({meter.due(), meter_id});
  }
  StartTurns();
  Arm();
}

void ScheduledReads::StartTurns() {
  while (in_flight_ < options_.max_in_flight && !ready_.empty()) {
    const std::string meter_id = std::move(ready_.front());
    ready_.pop_front();
    MeterState& meter = meters_.at(meter_id);
    meter.waiting = false;
    if (meter.pending.empty()) continue;
    meter.reading = true;
    ++in_flight_;
    ++reads_started_;
    ReadNext(meter_id);
  }
}

void ScheduledReads::ReadNext(const std::string& meter_id) {
  MeterState& meter = meters_.at(meter_id);
  const TimePoint now = scheduler_.Now();
  while (!meter.pending.empty()) {
    const size_t log = meter.pending.front();
    absl::StatusOr<std::optional<TimePoint>> newest =
        log == kBillingLog
            ? store_.NewestBillingPeriod(meter_id)
            : store_.NewestMeterEvent(meter_id, LogName(kEventLogSources[log - 1].kind));
    if (!newest.ok()) {
      spdlog::error("scheduled reads: {}: {}", meter_id, newest.status().ToString());
      EndTurn(meter_id, /*failed=*/true);
      return;
    }
    // Entries are stamped in whole seconds: the next one new to the store is a second on.
    const TimePoint from =
        std::max({*newest ? **newest + std::chrono::seconds(1) : options_.first_read_from,
                  options_.first_read_from, now - options_.max_age});
    if (from > now) {
      // The meter's clock runs ahead of the gateway's: its newest entry is still to come
      // here; tomorrow's read asks again.
      meter.pending.erase(meter.pending.begin());
      continue;
    }
    const Obis profile =
        log == kBillingLog ? kBillingLoggerObis : kEventLogSources[log - 1].profile;
    reader_.ReadBuffer(meter.node, meter_id, profile, from, now,
                       [this, meter_id, log](absl::StatusOr<DataValue> buffer) {
                         OnBuffer(meter_id, log, std::move(buffer));
                       });
    return;
  }
  EndTurn(meter_id, /*failed=*/false);
}

void ScheduledReads::OnBuffer(const std::string& meter_id, size_t log,
                              absl::StatusOr<DataValue> buffer) {
  MeterState& meter = meters_.at(meter_id);
  const std::string what = log == kBillingLog
                               ? std::string("billing logger")
                               : LogName(kEventLogSources[log - 1].kind) + " event log";
  if (!buffer.ok()) {
    // Out of reach for now (mesh, supply, association): the retry reads from the store's
    // newest entry on, so nothing is missed.
    spdlog::warn("scheduled reads: {}: reading the {} failed: {}", meter_id, what,
                 buffer.status().ToString());
    EndTurn(meter_id, /*failed=*/true);
    return;
  }
  absl::Status decoded;
  absl::StatusOr<size_t> added = size_t{0};
  if (log == kBillingLog) {
    auto periods = DecodeBillingRows(*buffer);
    decoded = periods.status();
    if (periods.ok()) added = StoreBilling(meter_id, *std::move(periods));
  } else {
    auto entries = DecodeEventLogRows(*buffer, kEventLogSources[log - 1].kind);
    decoded = entries.status();
    if (entries.ok()) added = StoreEvents(meter_id, *std::move(entries));
  }
  if (!decoded.ok()) {
    // The same bytes again would not decode either: skipped until the next day's read.
    ++buffers_rejected_;
    spdlog::error("scheduled reads: {}: {} rejected: {}", meter_id, what, AsStd(decoded.message()));
  } else if (!added.ok()) {
    spdlog::error("scheduled reads: {}: storing the {}: {}", meter_id, what,
                  added.status().ToString());
    EndTurn(meter_id, /*failed=*/true);
    return;
  } else if (*added > 0) {
    hub_.Notify();
  }
  std::erase(meter.pending, log);
  ReadNext(meter_id);
}

absl::StatusOr<size_t> ScheduledReads::StoreBilling(const std::string& meter_id,
                                                    std::vector<BillingPeriodRecord> periods) {
  auto make_event = [&](const BillingPeriodRecord& period) {
    v1::Event event;
    event.set_meter_id(meter_id);
    ToTimestampOf(period.captured_at, event.mutable_at());
    ToProto(period, event.mutable_billing_period());
    return event.SerializeAsString();
  };
  auto added =
      store_.StoreBillingPeriods({.meter_id = meter_id, .periods = std::move(periods)}, make_event);
  if (added.ok()) billing_periods_stored_ += *added;
  return added;
}

absl::StatusOr<size_t> ScheduledReads::StoreEvents(const std::string& meter_id,
                                                   std::vector<MeterEventRecord> entries) {
  auto make_event = [&](const MeterEventRecord& entry) {
    v1::Event event;
    event.set_meter_id(meter_id);
    ToTimestampOf(entry.captured_at, event.mutable_at());
    ToProto(entry, event.mutable_meter_event());
    return event.SerializeAsString();
  };
  auto added =
      store_.StoreMeterEvents({.meter_id = meter_id, .events = std::move(entries)}, make_event);
  if (added.ok()) meter_events_stored_ += *added;
  return added;
}

void ScheduledReads::EndTurn(const std::string& meter_id, bool failed) {
  MeterState& meter = meters_.at(meter_id);
  meter.reading = false;
  --in_flight_;
  if (failed) {
    ++reads_failed_;
    if (!meter.pending.empty()) {
      due_.erase({meter.due(), meter_id});
      const TimePoint retry = scheduler_.Now() + options_.retry_after;
      // A retry after the next daily read would be that read.
      if (retry < meter.next_slot) meter.retry_at = retry;
      due_.insert({meter.due(), meter_id});
      Arm();
    }
  } else {
    ++reads_completed_;
  }
  StartTurns();
}

}  // namespace vmuc::gateway
