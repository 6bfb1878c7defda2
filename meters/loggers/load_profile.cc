#include "meters/loggers/load_profile.h"

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "dlms/cosem_date_time.h"

namespace vmuc::meters {
namespace {

uint64_t UnitHours(uint64_t milli_unit_seconds) {
  return milli_unit_seconds / kMilliUnitSecondsPerUnitHour;
}

uint64_t ChannelValue(const RegisterSet& total, LoadProfileChannel channel) {
  const auto& r = total.milli_unit_seconds;
  switch (channel) {
    case LoadProfileChannel::kActiveImport:
      return UnitHours(r[kActiveImport]);
    case LoadProfileChannel::kActiveExport:
      return UnitHours(r[kActiveExport]);
    case LoadProfileChannel::kReactiveImport:  // R+ = R1 + R2 (IEC 62053-23)
      return UnitHours(r[kReactiveQ1] + r[kReactiveQ2]);
    case LoadProfileChannel::kReactiveExport:  // R- = R3 + R4
      return UnitHours(r[kReactiveQ3] + r[kReactiveQ4]);
    case LoadProfileChannel::kReactiveQ1:
      return UnitHours(r[kReactiveQ1]);
    case LoadProfileChannel::kReactiveQ2:
      return UnitHours(r[kReactiveQ2]);
    case LoadProfileChannel::kReactiveQ3:
      return UnitHours(r[kReactiveQ3]);
    case LoadProfileChannel::kReactiveQ4:
      return UnitHours(r[kReactiveQ4]);
  }
  return 0;
}

void PutBigEndian(std::vector<uint8_t>& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

uint64_t GetBigEndian(std::span<const uint8_t> bytes) {
  uint64_t value = 0;
  for (uint8_t b : bytes) value = (value << 8) | b;
  return value;
}

}  // namespace

std::vector<uint8_t> EncodeProfileEntry(const LoadProfileEntry& entry) {
  VMUC_CHECK(entry.channels <= kMaxProfileChannels, "load profile entry with too many channels");
  std::vector<uint8_t> out;
  out.reserve(kLoadProfileHeaderBytes + kLoadProfileChannelBytes * entry.channels);
  const dlms::DateTimeBytes time = dlms::EncodeDateTime(entry.at, dlms::kMeterDateTimeOptions);
  out.insert(out.end(), time.begin(), time.end());
  PutBigEndian(out, entry.status, 2);
  PutBigEndian(out, entry.sequence, 4);
  for (size_t i = 0; i < entry.channels; ++i) PutBigEndian(out, entry.values[i], 4);
  return out;
}

absl::StatusOr<LoadProfileEntry> DecodeProfileEntry(std::span<const uint8_t> bytes,
                                                    uint8_t channels) {
  if (channels < 1 || channels > kMaxProfileChannels) {
    return absl::InvalidArgumentError(
        absl::StrCat("load profile entry: ", channels, " channels; 1 to 8"));
  }
  const size_t size = kLoadProfileHeaderBytes + kLoadProfileChannelBytes * channels;
  if (bytes.size() != size) {
    return absl::InvalidArgumentError(absl::StrCat("load profile entry: ", bytes.size(),
                                                   " bytes, want ", size, " for ", channels,
                                                   " channels"));
  }
  auto time = dlms::DecodeDateTime(bytes.subspan(0, dlms::kDateTimeSize));
  if (!time.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("load profile entry: capture time: ", time.status().message()));
  }
  LoadProfileEntry entry;
  entry.at = *time;
  entry.status = static_cast<uint16_t>(GetBigEndian(bytes.subspan(12, 2)));
  entry.sequence = static_cast<uint32_t>(GetBigEndian(bytes.subspan(14, 4)));
  entry.channels = channels;
  for (size_t i = 0; i < channels; ++i) {
    entry.values[i] = static_cast<uint32_t>(GetBigEndian(bytes.subspan(18 + 4 * i, 4)));
  }
  return entry;
}

LoadProfileLog::LoadProfileLog(LoadProfileSet set, LoadProfileData data, LoadProfileLayout layout)
    : data_(data), layout_(layout), channel_list_(Channels(set)) {
  VMUC_CHECK(layout_.channels == static_cast<uint32_t>(ChannelCount(set)),
             "load profile layout for another channel count");
}

std::array<uint64_t, kMaxProfileChannels> LoadProfileLog::ValuesOf(const RegisterSet& total) const {
  std::array<uint64_t, kMaxProfileChannels> values{};
  for (size_t i = 0; i < channel_list_.size(); ++i) {
    values[i] = ChannelValue(total, channel_list_[i]);
  }
  return values;
}

void LoadProfileLog::SetBaseline(const RegisterSet& total) { previous_ = ValuesOf(total); }

void LoadProfileLog::Record(TimePoint at, const RegisterSet& total, uint16_t status) {
  const std::array<uint64_t, kMaxProfileChannels> now = ValuesOf(total);
  LoadProfileEntry entry;
  entry.at = at;
  entry.status = status;
  entry.sequence = next_sequence_++;
  entry.channels = static_cast<uint8_t>(layout_.channels);
  for (size_t i = 0; i < layout_.channels; ++i) {
    // A 4-byte register wraps like the meter's: modulo 2^32 Wh (4.29 GWh).
    const uint64_t value = data_ == LoadProfileData::kDelta ? now[i] - previous_[i] : now[i];
    entry.values[i] = static_cast<uint32_t>(value);
  }
  previous_ = now;
  if (entries_.size() == layout_.capacity_entries) entries_.pop_front();
  entries_.push_back(entry);
}

absl::StatusOr<std::vector<LoadProfileEntry>> LoadProfileLog::Select(
    const ProfileSelection& selection) const {
  if (selection.columns.size() > layout_.channels) {
    return absl::InvalidArgumentError(
        absl::StrCat("load profile read-out: ", selection.columns.size(), " columns of ",
                     layout_.channels, " channels"));
  }
  for (uint8_t column : selection.columns) {
    if (column >= layout_.channels) {
      return absl::InvalidArgumentError(absl::StrCat(
          "load profile read-out: column ", column, " beyond the ", layout_.channels, " channels"));
    }
  }
  if (selection.from && selection.to && *selection.to < *selection.from) {
    return absl::InvalidArgumentError("load profile read-out: time range ends before it starts");
  }
  if (selection.from_entry < 1 ||
      (selection.to_entry != 0 && selection.to_entry < selection.from_entry)) {
    return absl::InvalidArgumentError(absl::StrCat("load profile read-out: entry range ",
                                                   selection.from_entry, "..", selection.to_entry,
                                                   " is empty"));
  }
  std::vector<LoadProfileEntry> out;
  const size_t last = selection.to_entry == 0
                          ? entries_.size()
                          : std::min<size_t>(selection.to_entry, entries_.size());
  for (size_t n = selection.from_entry; n <= last; ++n) {
    const LoadProfileEntry& entry = entries_[n - 1];
    if (selection.from && entry.at < *selection.from) continue;
    if (selection.to && entry.at > *selection.to) continue;
    if (selection.columns.empty()) {
      out.push_back(entry);
      continue;
    }
    LoadProfileEntry picked = entry;
    picked.values = {};
    picked.channels = static_cast<uint8_t>(selection.columns.size());
    for (size_t c = 0; c < selection.columns.size(); ++c) {
      picked.values[c] = entry.values[selection.columns[c]];
    }
    out.push_back(picked);
  }
  return out;
}

}  // namespace vmuc::meters
