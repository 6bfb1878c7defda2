#include "gateway/api/gateway_service.h"

#include <google/protobuf/arena.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <mutex>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "common/version.h"
#include "dlms/obis.h"
#include "dlms/units.h"
#include "gateway/api/api_security.h"
#include "meters/loggers/event_log.h"

namespace vmuc::gateway {
namespace {

constexpr int kDefaultPageSize = 1000;
constexpr int kMaxPageSize = 10000;
constexpr int kEventPage = 256;
// ReadLoadProfile: rows per store read, and entries per message. A message of 1000
// entries (some 50 kB with 8 channels) keeps the per-message costs (a reactor round, a
// flow-control step, the framing) far below the per-row ones; one message per row would
// cap the stream well under the 500 000 rows/s it is meant for.
constexpr int kProfilePageRows = 1000;
constexpr int kProfileChunkEntries = 1000;
// ReadBillingPeriods: periods per store read (some 40 values each; a meter keeps 36).
constexpr int kBillingPageRows = 100;
// The span of TimePoint (nanoseconds in int64: years 1677 to 2262), in seconds, to which
// a request's (valid, years 1 to 9999) time stamps are clamped before they reach the store.
constexpr int64_t kMaxStoreSeconds = 9'000'000'000;

}  // namespace

void ToTimestampOf(TimePoint t, google::protobuf::Timestamp* ts) {
  const int64_t us = ToUnixMicros(t);
  int64_t seconds = us / 1'000'000;
  int64_t micros = us % 1'000'000;
  if (micros < 0) {
    micros += 1'000'000;
    --seconds;
  }
  ts->set_seconds(seconds);
  ts->set_nanos(static_cast<int32_t>(micros * 1000));
}

namespace {

grpc::Status Invalid(absl::string_view field, absl::string_view what) {
  return {grpc::StatusCode::INVALID_ARGUMENT, absl::StrCat(field, ": ", what)};
}

// Statuses from the service's own checks keep their code; anything else is the store
// failing, which the client cannot fix: INTERNAL, and logged here.
grpc::Status FromAbsl(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return {grpc::StatusCode::INVALID_ARGUMENT, std::string(status.message())};
    case absl::StatusCode::kNotFound:
      return {grpc::StatusCode::NOT_FOUND, std::string(status.message())};
    default:
      spdlog::error("api: store: {}", status.ToString());
      return {grpc::StatusCode::INTERNAL, std::string(status.message())};
  }
}

// The stored meter, or NotFound naming the field.
absl::StatusOr<MeterRecord> FindMeter(Store& store, const std::string& meter_id) {
  auto meter = store.GetMeter(meter_id);
  if (!meter.ok()) return meter.status();
  if (!meter->has_value())
    return absl::NotFoundError(absl::StrCat("meter_id: no meter ", meter_id));
  return **meter;
}

// Meter ids are the 16-digit meter number (OBIS 1.1.0.0.5.255).
grpc::Status CheckMeterId(const std::string& meter_id) {
  if (meter_id.size() != 16 || !std::all_of(meter_id.begin(), meter_id.end(),
                                            [](char c) { return absl::ascii_isdigit(c); })) {
    return Invalid("meter_id", absl::StrCat("'", meter_id, "' is not a 16-digit meter number"));
  }
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* Reply(grpc::CallbackServerContext* context, grpc::Status status) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(std::move(status));
  return reactor;
}

// A server stream that ends at once with `status` (a refused or invalid request).
template <typename Message>
class RefusedStream final : public grpc::ServerWriteReactor<Message> {
 public:
  explicit RefusedStream(grpc::Status status) { this->Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

// google/protobuf/timestamp.proto: seconds within 0001-01-01 and 9999-12-31, nanos within
// [0, 1e9). A missing time stamp is refused rather than read as 1970.
grpc::Status CheckTimestamp(absl::string_view field, bool present,
                            const google::protobuf::Timestamp& timestamp) {
  if (!present) return Invalid(field, "required");
  if (timestamp.seconds() < -62'135'596'800 || timestamp.seconds() > 253'402'300'799 ||
      timestamp.nanos() < 0 || timestamp.nanos() > 999'999'999) {
    return Invalid(field, absl::StrCat("not a valid time stamp (seconds ", timestamp.seconds(),
                                       ", nanos ", timestamp.nanos(), ")"));
  }
  return grpc::Status::OK;
}

// The checks of a request for a meter's stored entries over [from_time, to_time]
// (ReadLoadProfile, ReadBillingPeriods), in order: the meter id, both time stamps, their
// order. The meter's existence is the caller's next check.
template <typename Request>
grpc::Status CheckRangeRequest(const Request& request) {
  if (grpc::Status status = CheckMeterId(request.meter_id()); !status.ok()) return status;
  if (grpc::Status status =
          CheckTimestamp("from_time", request.has_from_time(), request.from_time());
      !status.ok()) {
    return status;
  }
  if (grpc::Status status = CheckTimestamp("to_time", request.has_to_time(), request.to_time());
      !status.ok()) {
    return status;
  }
  const google::protobuf::Timestamp& from = request.from_time();
  const google::protobuf::Timestamp& to = request.to_time();
  if (std::pair(to.seconds(), to.nanos()) < std::pair(from.seconds(), from.nanos())) {
    return Invalid("to_time", "is before from_time");
  }
  return grpc::Status::OK;
}

// A checked range in the whole seconds entries are captured on: the first at or after
// from_time, the last at or before to_time.
struct SecondsRange {
  int64_t from_s = 0;
  int64_t to_s = 0;
};
template <typename Request>
SecondsRange SecondsOf(const Request& request) {
  const google::protobuf::Timestamp& from = request.from_time();
  const google::protobuf::Timestamp& to = request.to_time();
  return {.from_s = std::clamp<int64_t>(from.seconds() + (from.nanos() > 0 ? 1 : 0),
                                        -kMaxStoreSeconds, kMaxStoreSeconds),
          .to_s = std::clamp<int64_t>(to.seconds(), -kMaxStoreSeconds, kMaxStoreSeconds)};
}

// Streams stored events after a sequence, then (following) new ones as the hub wakes it.
class EventStream final : public grpc::ServerWriteReactor<v1::Event> {
 public:
  EventStream(Store& store, EventHub& hub, uint64_t after_sequence, bool follow)
      : store_(store), hub_(hub), last_sequence_(after_sequence), follow_(follow) {
    if (follow_) subscription_ = hub_.Subscribe([this] { Wake(); });
    Wake();
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mutex_);
    writing_ = false;
    if (!ok) {
      FinishOnce(grpc::Status::CANCELLED);
      return;
    }
    last_sequence_ = pending_.front().sequence();
    pending_.pop_front();
    WriteNextLocked();
  }

  void OnCancel() override {
    std::lock_guard lock(mutex_);
    if (!writing_) FinishOnce(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    if (subscription_) hub_.Unsubscribe(*subscription_);
    delete this;
  }

 private:
  void Wake() {
    std::lock_guard lock(mutex_);
    if (!writing_) WriteNextLocked();
  }

  void WriteNextLocked() {
    if (finished_) return;
    if (pending_.empty()) {
      auto events = store_.EventsAfter(last_sequence_, kEventPage);
      if (!events.ok()) {
        FinishOnce(FromAbsl(events.status()));
        return;
      }
      for (const EventRecord& record : *events) {
        v1::Event event;
        if (!event.ParseFromString(record.event_bytes)) {
          spdlog::error("api: event {} in the store does not parse; skipped", record.sequence);
          last_sequence_ = record.sequence;
          continue;
        }
        event.set_sequence(record.sequence);
        pending_.push_back(std::move(event));
      }
    }
    if (pending_.empty()) {
      if (!follow_) FinishOnce(grpc::Status::OK);
      return;  // following: the hub wakes us when more is stored
    }
    writing_ = true;
    StartWrite(&pending_.front());
  }

  void FinishOnce(grpc::Status status) {
    if (finished_) return;
    finished_ = true;
    Finish(std::move(status));
  }

  Store& store_;
  EventHub& hub_;
  std::mutex mutex_;
  uint64_t last_sequence_;
  const bool follow_;
  std::optional<uint64_t> subscription_;
  std::deque<v1::Event> pending_;
  bool writing_ = false;
  bool finished_ = false;
};

// A server stream of a meter's stored records over [from_s, to_s] (whole seconds,
// inclusive): reads a page of records at a time and writes one message at a time, the next
// once the client has taken the last (flow control), reading the next page when the page
// runs out. A cancelled call stops at the next write. Records carry `captured_at`, unique
// per meter, so the next page starts just after the last record read.
template <typename Message, typename Record>
class PagedStream : public grpc::ServerWriteReactor<Message> {
 public:
  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mutex_);
    writing_ = false;
    if (!ok || cancelled_) {
      FinishOnce(grpc::Status::CANCELLED);
      return;
    }
    WriteNextLocked();
  }

  void OnCancel() override {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    if (!writing_) FinishOnce(grpc::Status::CANCELLED);
  }

  void OnDone() override { delete this; }

 protected:
  PagedStream(Store& store, std::string meter_id, int64_t from_s, int64_t to_s, int page_rows)
      : store_(store),
        meter_id_(std::move(meter_id)),
        next_from_s_(from_s),
        to_s_(to_s),
        page_rows_(page_rows),
        exhausted_(from_s > to_s) {}

  // The derived class's constructor starts the stream (the base's cannot: virtual calls).
  void Start() {
    std::lock_guard lock(mutex_);
    WriteNextLocked();
  }
  // Reads up to `limit` records captured in [from_s, to_s], oldest first.
  virtual absl::StatusOr<std::vector<Record>> ReadPage(int64_t from_s, int64_t to_s, int limit) = 0;
  // The next message made of records taken with PeekLocked and AdvanceLocked; nullptr when
  // no record is left (or a read failed: the call is then finished with its error).
  virtual Message* NextMessageLocked() = 0;

  // The record to write next, reading the next page when the page is used up; nullptr
  // when none is left or the read failed (the call is then finished with the error).
  const Record* PeekLocked() {
    if (next_ == page_.size()) {
      if (exhausted_) return nullptr;
      auto records = ReadPage(next_from_s_, to_s_, page_rows_);
      if (!records.ok()) {
        FinishOnce(FromAbsl(records.status()));
        return nullptr;
      }
      page_ = std::move(*records);
      next_ = 0;
      if (static_cast<int>(page_.size()) < page_rows_) {
        exhausted_ = true;
      } else {
        next_from_s_ = ToUnixSeconds(page_.back().captured_at) + 1;
        exhausted_ = next_from_s_ > to_s_;
      }
      if (page_.empty()) return nullptr;
    }
    return &page_[next_];
  }
  void AdvanceLocked() { ++next_; }

  Store& store_;
  const std::string meter_id_;

 private:
  void WriteNextLocked() {
    if (finished_) return;
    Message* message = NextMessageLocked();
    if (finished_) return;  // a read failed
    if (message == nullptr) {
      FinishOnce(grpc::Status::OK);
      return;
    }
    writing_ = true;
    this->StartWrite(message);
  }

  void FinishOnce(grpc::Status status) {
    if (finished_) return;
    finished_ = true;
    this->Finish(std::move(status));
  }

  std::mutex mutex_;
  int64_t next_from_s_;
  const int64_t to_s_;
  const int page_rows_;
  bool exhausted_;  // no record left in the store for the range
  std::vector<Record> page_;
  size_t next_ = 0;
  bool writing_ = false;
  bool cancelled_ = false;
  bool finished_ = false;
};

// A meter's stored load profile in chunks of up to kProfileChunkEntries entries that share
// one channel list (a new chunk where the channels change).
class ProfileStream final : public PagedStream<v1::LoadProfileChunk, ProfileRecord> {
 public:
  ProfileStream(Store& store, std::string meter_id, int64_t from_s, int64_t to_s)
      : PagedStream(store, std::move(meter_id), from_s, to_s, kProfilePageRows),
        arena_(ArenaOptions(arena_block_, sizeof(arena_block_))) {
    Start();
  }

 private:
  static google::protobuf::ArenaOptions ArenaOptions(char* block, size_t size) {
    google::protobuf::ArenaOptions options;
    options.initial_block = block;
    options.initial_block_size = size;
    return options;
  }

  absl::StatusOr<std::vector<ProfileRecord>> ReadPage(int64_t from_s, int64_t to_s,
                                                      int limit) override {
    return store_.ReadProfile(meter_id_, FromUnixSeconds(from_s), FromUnixSeconds(to_s), limit);
  }

  v1::LoadProfileChunk* NextMessageLocked() override {
    // The previous chunk has been written: its memory is reused. The chunk lives on an
    // arena over a block of this reactor, so steady streaming allocates nothing per row.
    arena_.Reset();
    chunk_ = google::protobuf::Arena::CreateMessage<v1::LoadProfileChunk>(&arena_);
    while (chunk_->entries_size() < kProfileChunkEntries) {
      const ProfileRecord* row = PeekLocked();
      if (row == nullptr) break;
      if (chunk_->entries_size() == 0) {
        channels_ = row->channels;
        for (const std::string& channel : channels_) chunk_->add_channels(channel);
      } else if (row->channels != channels_) {
        break;  // the meter's channels changed: the rest goes in a chunk of its own
      }
      v1::LoadProfileEntry* entry = chunk_->add_entries();
      entry->mutable_captured_at()->set_seconds(ToUnixSeconds(row->captured_at));
      entry->set_status(row->status);
      entry->mutable_values()->Reserve(static_cast<int>(row->values.size()));
      for (uint32_t value : row->values) entry->add_values(value);
      entry->set_read_back(row->read_back);
      AdvanceLocked();
    }
    return chunk_->entries_size() == 0 ? nullptr : chunk_;
  }

  std::vector<std::string> channels_;  // the current chunk's
  alignas(std::max_align_t) char arena_block_[256 * 1024];
  google::protobuf::Arena arena_;
  v1::LoadProfileChunk* chunk_ = nullptr;  // on arena_
};

// A meter's stored billing periods, one message per period.
class BillingStream final : public PagedStream<v1::BillingPeriod, BillingPeriodRecord> {
 public:
  BillingStream(Store& store, std::string meter_id, int64_t from_s, int64_t to_s)
      : PagedStream(store, std::move(meter_id), from_s, to_s, kBillingPageRows) {
    Start();
  }

 private:
  absl::StatusOr<std::vector<BillingPeriodRecord>> ReadPage(int64_t from_s, int64_t to_s,
                                                            int limit) override {
    return store_.ReadBillingPeriods(meter_id_, FromUnixSeconds(from_s), FromUnixSeconds(to_s),
                                     limit);
  }

  v1::BillingPeriod* NextMessageLocked() override {
    const BillingPeriodRecord* period = PeekLocked();
    if (period == nullptr) return nullptr;
    message_.Clear();
    ToProto(*period, &message_);
    AdvanceLocked();
    return &message_;
  }

  v1::BillingPeriod message_;  // the one being written
};

}  // namespace

grpc::Status GatewayService::Admit(const grpc::CallbackServerContext& context) const {
  return auth_ == nullptr ? grpc::Status::OK : auth_->Check(context);
}

void ToProto(const MeterRecord& record, v1::Meter* meter) {
  meter->set_meter_id(record.meter_id);
  meter->set_node_address(record.node_address);
  ToTimestampOf(record.first_seen, meter->mutable_first_seen());
  ToTimestampOf(record.last_seen, meter->mutable_last_seen());
  meter->set_frames_received(record.frames_received);
}

void ToProto(const RegisterRecord& record, v1::RegisterValue* value) {
  value->set_obis(record.obis);
  value->set_value(record.value);
  value->set_scaler(record.scaler);
  value->set_unit(record.unit);
  value->set_unit_symbol(std::string(dlms::UnitSymbol(static_cast<dlms::Unit>(record.unit))));
  ToTimestampOf(record.captured_at, value->mutable_captured_at());
}

TimePoint TimePointOf(const google::protobuf::Timestamp& timestamp) {
  return TimePoint(std::chrono::seconds(timestamp.seconds()) +
                   std::chrono::nanoseconds(timestamp.nanos()));
}

v1::Event ReadingsEventOf(const std::string& meter_id,
                          const std::vector<RegisterRecord>& registers) {
  v1::Event event;
  event.set_meter_id(meter_id);
  if (!registers.empty()) ToTimestampOf(registers.front().captured_at, event.mutable_at());
  for (const RegisterRecord& reg : registers) {
    ToProto(reg, event.mutable_readings()->add_registers());
  }
  return event;
}

void ToProto(const BillingPeriodRecord& record, v1::BillingPeriod* period) {
  ToTimestampOf(record.captured_at, period->mutable_captured_at());
  for (const BillingValueRecord& value : record.values) {
    v1::RegisterValue* reg = period->add_registers();
    reg->set_obis(value.obis);
    reg->set_value(value.value);
    reg->set_scaler(value.scaler);
    reg->set_unit(value.unit);
    reg->set_unit_symbol(std::string(dlms::UnitSymbol(static_cast<dlms::Unit>(value.unit))));
    // A maximum (value group D = 6, IEC 62056-6-1 7.5.2) has a time of its own.
    const auto obis = dlms::Obis::Parse(value.obis);
    const bool maximum = obis.ok() && obis->bytes[3] == 6;
    if (value.value_at) {
      ToTimestampOf(*value.value_at, reg->mutable_captured_at());
    } else if (!maximum) {
      ToTimestampOf(record.captured_at, reg->mutable_captured_at());
    }
  }
}

void ToProto(const MeterEventRecord& record, v1::MeterEvent* event) {
  event->set_log(record.log);
  event->set_code(record.code);
  ToTimestampOf(record.captured_at, event->mutable_captured_at());
  event->set_value(record.value);
  const std::optional<meters::EventCode> code =
      record.code <= UINT16_MAX ? meters::EventCodeFromNumber(static_cast<uint16_t>(record.code))
                                : std::nullopt;
  if (code) event->set_name(std::string(meters::NameOf(*code)));
  // A fraud-log entry is an alarm whatever its code (a tamper attempt's end as well as its
  // start); elsewhere the catalogue's alarms (docs/events.md, "Alarms").
  event->set_alarm(record.log == meters::NameOf(meters::EventLogKind::kFraud) ||
                   (code && meters::IsAlarm(*code)));
  event->set_power_quality(record.log == meters::NameOf(meters::EventLogKind::kPowerQuality));
}

grpc::ServerUnaryReactor* GatewayService::ListMeters(grpc::CallbackServerContext* context,
                                                     const v1::ListMetersRequest* request,
                                                     v1::ListMetersResponse* response) {
  if (grpc::Status admitted = Admit(*context); !admitted.ok()) return Reply(context, admitted);
  if (request->page_size() < 0 || request->page_size() > kMaxPageSize) {
    return Reply(context, Invalid("page_size", absl::StrCat("must be between 0 and ", kMaxPageSize,
                                                            ", got ", request->page_size())));
  }
  if (!request->page_token().empty()) {
    if (grpc::Status status = CheckMeterId(request->page_token()); !status.ok()) {
      return Reply(context, Invalid("page_token", "not a token this API returned"));
    }
  }
  const int page_size = request->page_size() == 0 ? kDefaultPageSize : request->page_size();
  auto meters = store_.ListMeters(request->page_token(), page_size);
  if (!meters.ok()) return Reply(context, FromAbsl(meters.status()));
  for (const MeterRecord& meter : *meters) ToProto(meter, response->add_meters());
  if (static_cast<int>(meters->size()) == page_size) {
    response->set_next_page_token(meters->back().meter_id);
  }
  return Reply(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* GatewayService::GetMeter(grpc::CallbackServerContext* context,
                                                   const v1::GetMeterRequest* request,
                                                   v1::Meter* response) {
  if (grpc::Status admitted = Admit(*context); !admitted.ok()) return Reply(context, admitted);
  if (grpc::Status status = CheckMeterId(request->meter_id()); !status.ok()) {
    return Reply(context, status);
  }
  auto meter = FindMeter(store_, request->meter_id());
  if (!meter.ok()) return Reply(context, FromAbsl(meter.status()));
  ToProto(*meter, response);
  return Reply(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* GatewayService::ReadLive(grpc::CallbackServerContext* context,
                                                   const MeterRecord& meter,
                                                   const v1::ReadRegistersRequest* request,
                                                   v1::ReadRegistersResponse* response) {
  if (live_reader_ == nullptr) {
    return Reply(context, grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                       "live: no DLMS key store, the gateway reads no meter"));
  }
  if (request->obis_size() == 0) {
    return Reply(context, Invalid("obis", "a live read names the registers to read"));
  }
  std::vector<dlms::Obis> codes;
  for (const std::string& code : request->obis()) codes.push_back(*dlms::Obis::Parse(code));
  response->set_meter_id(request->meter_id());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  live_reader_->ReadRegisters(meter.node_address, request->meter_id(), std::move(codes),
                              [reactor, response](absl::StatusOr<LiveReading> reading) {
                                if (!reading.ok()) {
                                  reactor->Finish(FromAbsl(reading.status()));
                                  return;
                                }
                                for (const LiveRegister& item : reading->registers) {
                                  if (!item.status.ok()) {
                                    reactor->Finish(FromAbsl(item.status));
                                    return;
                                  }
                                  v1::RegisterValue* value = response->add_registers();
                                  value->set_obis(item.obis.ToString());
                                  value->set_value(item.value);
                                  value->set_scaler(item.scaler);
                                  value->set_unit(static_cast<uint32_t>(item.unit));
                                  value->set_unit_symbol(std::string(dlms::UnitSymbol(item.unit)));
                                  ToTimestampOf(reading->meter_time, value->mutable_captured_at());
                                }
                                reactor->Finish(grpc::Status::OK);
                              });
  return reactor;
}

grpc::ServerUnaryReactor* GatewayService::ReadRegisters(grpc::CallbackServerContext* context,
                                                        const v1::ReadRegistersRequest* request,
                                                        v1::ReadRegistersResponse* response) {
  if (grpc::Status admitted = Admit(*context); !admitted.ok()) return Reply(context, admitted);
  if (grpc::Status status = CheckMeterId(request->meter_id()); !status.ok()) {
    return Reply(context, status);
  }
  std::vector<std::string> codes;
  for (int i = 0; i < request->obis_size(); ++i) {
    auto obis = dlms::Obis::Parse(request->obis(i));
    if (!obis.ok()) {
      return Reply(context, Invalid(absl::StrCat("obis[", i, "]"), obis.status().message()));
    }
    codes.push_back(obis->ToString());
  }
  auto meter = FindMeter(store_, request->meter_id());
  if (!meter.ok()) return Reply(context, FromAbsl(meter.status()));
  if (request->live()) return ReadLive(context, *meter, request, response);
  auto registers = store_.LatestRegisters(request->meter_id(), codes);
  if (!registers.ok()) return Reply(context, FromAbsl(registers.status()));
  response->set_meter_id(request->meter_id());
  for (const RegisterRecord& record : *registers) ToProto(record, response->add_registers());
  return Reply(context, grpc::Status::OK);
}

grpc::ServerWriteReactor<v1::Event>* GatewayService::StreamEvents(
    grpc::CallbackServerContext* context, const v1::StreamEventsRequest* request) {
  if (grpc::Status admitted = Admit(*context); !admitted.ok()) {
    return new RefusedStream<v1::Event>(admitted);
  }
  return new EventStream(store_, hub_, request->after_sequence(), !request->no_follow());
}

grpc::ServerWriteReactor<v1::LoadProfileChunk>* GatewayService::ReadLoadProfile(
    grpc::CallbackServerContext* context, const v1::ReadLoadProfileRequest* request) {
  using Refused = RefusedStream<v1::LoadProfileChunk>;
  if (grpc::Status admitted = Admit(*context); !admitted.ok()) return new Refused(admitted);
  if (grpc::Status status = CheckRangeRequest(*request); !status.ok()) return new Refused(status);
  auto meter = FindMeter(store_, request->meter_id());
  if (!meter.ok()) return new Refused(FromAbsl(meter.status()));
  const SecondsRange range = SecondsOf(*request);
  return new ProfileStream(store_, request->meter_id(), range.from_s, range.to_s);
}

grpc::ServerWriteReactor<v1::BillingPeriod>* GatewayService::ReadBillingPeriods(
    grpc::CallbackServerContext* context, const v1::ReadBillingPeriodsRequest* request) {
  using Refused = RefusedStream<v1::BillingPeriod>;
  if (grpc::Status admitted = Admit(*context); !admitted.ok()) return new Refused(admitted);
  if (grpc::Status status = CheckRangeRequest(*request); !status.ok()) return new Refused(status);
  auto meter = FindMeter(store_, request->meter_id());
  if (!meter.ok()) return new Refused(FromAbsl(meter.status()));
  const SecondsRange range = SecondsOf(*request);
  return new BillingStream(store_, request->meter_id(), range.from_s, range.to_s);
}

grpc::ServerUnaryReactor* GatewayService::GetGatewayStatus(
    grpc::CallbackServerContext* context, const v1::GetGatewayStatusRequest* /*request*/,
    v1::GatewayStatus* response) {
  if (grpc::Status admitted = Admit(*context); !admitted.ok()) return Reply(context, admitted);
  response->set_version(kVersion);
  response->set_gateway_name(identity_.name);
  if (identity_.clock != nullptr) {
    ToTimestampOf(identity_.started_at, response->mutable_started_at());
    const auto up =
        std::chrono::floor<std::chrono::seconds>(identity_.clock->Now() - identity_.started_at);
    response->set_uptime_s(static_cast<uint64_t>(std::max<int64_t>(0, up.count())));
  }
  // The store keeps no count: the meters are counted page by page (10 000 a read).
  uint64_t meters = 0;
  std::string after;
  while (true) {
    auto page = store_.ListMeters(after, kMaxPageSize);
    if (!page.ok()) return Reply(context, FromAbsl(page.status()));
    meters += page->size();
    if (static_cast<int>(page->size()) < kMaxPageSize) break;
    after = page->back().meter_id;
  }
  response->set_meter_count(meters);
  auto last = store_.LastEventSequence();
  if (!last.ok()) return Reply(context, FromAbsl(last.status()));
  response->set_last_event_sequence(*last);
  if (live_figures_) {
    const LiveFigures figures = live_figures_();
    v1::GatewayLiveFigures* live = response->mutable_live();
    live->set_frames_accepted(figures.frames_accepted);
    live->set_frames_rejected(figures.frames_rejected);
    live->set_mqtt_connected(figures.mqtt_connected);
    live->set_mqtt_outbox_messages(figures.mqtt_outbox_messages);
  }
  return Reply(context, grpc::Status::OK);
}

namespace {

// One call to vmuc-mesh on behalf of a public one: its client context and answer live until
// the mesh answers, then the public call finishes with the mesh's status.
template <typename Response>
struct MeshCall {
  grpc::ClientContext context;
  Response answer;
};

// The caller's deadline, but at most 30 s: the mesh answers from memory.
std::chrono::system_clock::time_point MeshDeadline(const grpc::CallbackServerContext& context) {
  return std::min(context.deadline(), std::chrono::system_clock::now() + std::chrono::seconds(30));
}

grpc::Status FromMesh(const grpc::Status& status) {
  if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
    return {grpc::StatusCode::FAILED_PRECONDITION,
            "mesh.mode is \"passthrough\": there is no radio mesh to show or to fault"};
  }
  return status;
}

}  // namespace

grpc::ServerUnaryReactor* GatewayService::GetMeshTopology(grpc::CallbackServerContext* context,
                                                          const v1::GetMeshTopologyRequest* request,
                                                          v1::MeshTopology* response) {
  if (grpc::Status admitted = Admit(*context); !admitted.ok()) return Reply(context, admitted);
  if (!mesh_control_) {
    return Reply(context, grpc::Status(grpc::StatusCode::UNAVAILABLE, "no link to vmuc-mesh"));
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto* call = new MeshCall<v1::MeshTopology>;
  call->context.set_deadline(MeshDeadline(*context));
  mesh_control_->async()->GetTopology(&call->context, request, &call->answer,
                                      [reactor, response, call](grpc::Status status) {
                                        if (status.ok()) response->Swap(&call->answer);
                                        delete call;
                                        reactor->Finish(FromMesh(status));
                                      });
  return reactor;
}

grpc::ServerUnaryReactor* GatewayService::InjectMeshFault(grpc::CallbackServerContext* context,
                                                          const v1::MeshFault* request,
                                                          v1::InjectMeshFaultResponse* response) {
  if (grpc::Status admitted = Admit(*context); !admitted.ok()) return Reply(context, admitted);
  if (request->action() == v1::MeshFault::ACTION_UNSPECIFIED) {
    return Reply(context, Invalid("action", "name the fault (kill, revive, degrade ...)"));
  }
  if (!mesh_control_) {
    return Reply(context, grpc::Status(grpc::StatusCode::UNAVAILABLE, "no link to vmuc-mesh"));
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto* call = new MeshCall<v1::InjectMeshFaultResponse>;
  call->context.set_deadline(MeshDeadline(*context));
  mesh_control_->async()->InjectFault(&call->context, request, &call->answer,
                                      [reactor, response, call](grpc::Status status) {
                                        if (status.ok()) response->Swap(&call->answer);
                                        delete call;
                                        reactor->Finish(FromMesh(status));
                                      });
  return reactor;
}

}  // namespace vmuc::gateway
