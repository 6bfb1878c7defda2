#include "gateway/collector/collector.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/strings.h"
#include "gateway/api/gateway_service.h"
#include "meters/cosem/push_list.h"
#include "vmuc/v1/gateway.pb.h"

namespace vmuc::gateway {

void Collector::OnFrames(const std::vector<Frame>& frames) {
  const TimePoint now = clock_.Now();
  std::vector<ReadingBatch> batches;
  for (const Frame& frame : frames) {
    if (frame.kind != PayloadKind::kDlmsApdu) {
      ++frames_rejected_;
      spdlog::warn("collector: node {}: payload kind {} is not handled yet", frame.source,
                   static_cast<int>(frame.kind));
      continue;
    }
    if (auto profile = meters::DecodeProfilePush(frame.payload);
        !absl::IsNotFound(profile.status())) {
      if (!profile.ok()) {
        ++frames_rejected_;
        spdlog::warn("collector: node {}: rejected load-profile push: {}", frame.source,
                     AsStd(profile.status().message()));
      } else if (StoreProfilePush(frame, *profile)) {
        ++frames_accepted_;
        if (meter_seen_) meter_seen_(profile->meter_id, frame.source);
      }
      continue;
    }
    auto push = meters::DecodePush(frame.payload);
    if (!push.ok()) {
      ++frames_rejected_;
      spdlog::warn("collector: node {}: rejected data-notification: {}", frame.source,
                   AsStd(push.status().message()));
      continue;
    }
    ++frames_accepted_;
    ReadingBatch batch;
    batch.meter_id = push->meter_id;
    batch.node_address = frame.source;
    batch.received_at = now;
    for (const meters::PushedRegister& reg : push->registers) {
      batch.registers.push_back(RegisterRecord{reg.obis.ToString(), reg.value, reg.scaler,
                                               static_cast<uint32_t>(reg.unit), push->captured_at});
    }
    batches.push_back(std::move(batch));
  }
  if (batches.empty()) return;

  // What is new in each batch, remembered for publishing once the transaction commits.
  std::vector<Store::Stored> outcomes;
  auto make_events = [&](const ReadingBatch& batch, const Store::Stored& stored) {
    outcomes.push_back(stored);
    std::vector<std::string> events;
    if (stored.meter_discovered) {
      v1::Event event;
      event.set_meter_id(batch.meter_id);
      ToTimestampOf(batch.received_at, event.mutable_at());
      event.mutable_meter_discovered()->set_node_address(batch.node_address);
      events.push_back(event.SerializeAsString());
    }
    if (!stored.new_registers.empty()) {
      events.push_back(ReadingsEventOf(batch.meter_id, stored.new_registers).SerializeAsString());
    }
    return events;
  };
  auto sequences = store_.StoreBatches(batches, make_events);
  if (!sequences.ok()) {
    // Nothing of the batch is stored; the meters' next pushes carry the registers again
    // (they are cumulative), so the loss is one push interval of resolution, not energy.
    spdlog::error("collector: could not store {} readings: {}", batches.size(),
                  sequences.status().ToString());
    return;
  }
  hub_.Notify();
  if (meter_seen_) {
    for (const ReadingBatch& batch : batches) meter_seen_(batch.meter_id, batch.node_address);
  }
}

namespace {

std::vector<ProfileRecord> RecordsOf(const std::vector<meters::ProfileRow>& rows,
                                     const std::vector<std::string>& channels, bool read_back) {
  std::vector<ProfileRecord> records;
  records.reserve(rows.size());
  for (const meters::ProfileRow& row : rows) {
    records.push_back({.captured_at = row.captured_at,
                       .status = row.status,
                       .channels = channels,
                       .values = row.values,
                       .read_back = read_back});
  }
  return records;
}

}  // namespace

absl::StatusOr<size_t> Collector::StoreProfileRows(const std::string& meter_id,
                                                   const ProfileSource& source,
                                                   const std::vector<meters::ProfileRow>& rows,
                                                   bool read_back) {
  auto make_event = [&](const std::vector<ProfileRecord>& new_rows) {
    v1::Event event;
    event.set_meter_id(meter_id);
    ToTimestampOf(new_rows.back().captured_at, event.mutable_at());
    v1::LoadProfile& profile = *event.mutable_load_profile();
    profile.set_period_s(source.period_s);
    for (const std::string& channel : source.channels) profile.add_channels(channel);
    for (const ProfileRecord& record : new_rows) {
      v1::LoadProfileRow& row = *profile.add_rows();
      ToTimestampOf(record.captured_at, row.mutable_captured_at());
      row.set_status(record.status);
      for (uint32_t value : record.values) row.add_values(value);
      row.set_read_back(record.read_back);
    }
    return event.SerializeAsString();
  };
  auto added = store_.StoreProfile({.meter_id = meter_id,
                                    .period_s = source.period_s,
                                    .rows = RecordsOf(rows, source.channels, read_back)},
                                   make_event);
  if (added.ok() && *added > 0) hub_.Notify();
  return added;
}

bool Collector::StoreProfilePush(const Frame& frame, const meters::ProfilePush& push) {
  ProfileSource& source = profile_sources_[push.meter_id];
  source.node = frame.source;
  source.period_s = push.capture_period_s;
  source.channels.clear();
  for (const dlms::Obis& obis : push.channels) source.channels.push_back(obis.ToString());
  auto added = StoreProfileRows(push.meter_id, source, push.rows, /*read_back=*/false);
  if (!added.ok()) {
    // Not stored: the entries stay in the meter and gap filling reads them later.
    ++frames_rejected_;
    spdlog::error("collector: load profile of {}: {}", push.meter_id, added.status().ToString());
    return false;
  }
  profile_entries_pushed_ += *added;
  if (!push.rows.empty()) {
    const int64_t first_s = ToUnixSeconds(push.rows.front().captured_at);
    if (first_s - source.last_captured_s > int64_t{source.period_s}) source.may_have_gaps = true;
    source.last_captured_s =
        std::max(source.last_captured_s, ToUnixSeconds(push.rows.back().captured_at));
  }
  if (source.may_have_gaps) FillGaps(push.meter_id);
  return true;
}

void Collector::FillGaps(const std::string& meter_id) {
  auto it = profile_sources_.find(meter_id);
  if (profile_reader_ == nullptr || it == profile_sources_.end() || it->second.reading) return;
  ProfileSource& source = it->second;
  auto gaps = store_.ProfileGaps(meter_id);
  if (!gaps.ok()) {
    spdlog::error("collector: load-profile gaps of {}: {}", meter_id, gaps.status().ToString());
    return;
  }
  for (const ProfileGap& gap : *gaps) {
    // Past the spans already known to be empty at the meter.
    int64_t from_s = ToUnixSeconds(gap.from);
    for (auto settled = source.settled_s.find(from_s); settled != source.settled_s.end();
         settled = source.settled_s.find(from_s)) {
      from_s = settled->second + 1;
    }
    const int64_t gap_to_s = ToUnixSeconds(gap.to);
    if (from_s > gap_to_s) continue;
    // The oldest hole first, at most max_entries_per_read capture periods of it; the rest
    // in the reads that follow.
    const int64_t to_s =
        std::min(gap_to_s, from_s + int64_t{source.period_s} * options_.max_entries_per_read - 1);
    const TimePoint from = FromUnixSeconds(from_s);
    const TimePoint to = FromUnixSeconds(to_s);
    source.reading = true;
    spdlog::info("collector: {} misses {} load-profile entries between {} and {}; reading back",
                 meter_id, gap.missing, FormatRfc3339(from), FormatRfc3339(to));
    profile_reader_->ReadProfile(
        source.node, meter_id, from, to, source.channels.size(),
        [this, meter_id, from, to](absl::StatusOr<std::vector<meters::ProfileRow>> rows) {
          OnProfileRead(meter_id, from, to, std::move(rows));
        });
    return;
  }
  source.may_have_gaps = false;  // nothing left to read until a push shows a new hole
}

void Collector::OnProfileRead(const std::string& meter_id, TimePoint from, TimePoint to,
                              absl::StatusOr<std::vector<meters::ProfileRow>> rows) {
  auto it = profile_sources_.find(meter_id);
  if (it == profile_sources_.end()) return;
  ProfileSource& source = it->second;
  source.reading = false;
  if (!rows.ok()) {
    // The meter is out of reach for now: its next profile push asks again.
    ++profile_reads_failed_;
    spdlog::warn("collector: reading the load profile of {} back failed: {}", meter_id,
                 rows.status().ToString());
    return;
  }
  auto added = StoreProfileRows(meter_id, source, *rows, /*read_back=*/true);
  if (!added.ok()) {
    spdlog::error("collector: load profile of {}: {}", meter_id, added.status().ToString());
    return;
  }
  profile_entries_read_back_ += *added;
  // What the meter holds in the span is stored now; the span itself is never asked for
  // again (entries it lacks there were not lost on the way), and the gap's remainder, if
  // any, is the next read.
  source.settled_s[ToUnixSeconds(from)] = ToUnixSeconds(to);
  bool inside = false;
  for (const meters::ProfileRow& row : *rows) {
    inside |= row.captured_at >= from && row.captured_at <= to;
  }
  if (!inside) {
    spdlog::info("collector: {} holds no load-profile entries from {} to {}", meter_id,
                 FormatRfc3339(from), FormatRfc3339(to));
  }
  FillGaps(meter_id);
}

}  // namespace vmuc::gateway
