#include "meters/loggers/load_profile.h"

#include "common/check.h"

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

}  // namespace

LoadProfileLog::LoadProfileLog(LoadProfileSet set, LoadProfileData data, LoadProfileLayout layout)
    : ProfileLog("load profile", static_cast<uint8_t>(layout.channels), layout.capacity_entries),
      data_(data),
      layout_(layout),
      channel_list_(Channels(set)) {
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
  std::array<uint32_t, kMaxProfileChannels> values{};
  for (size_t i = 0; i < layout_.channels; ++i) {
    // A 4-byte register wraps like the meter's: modulo 2^32 Wh (4.29 GWh).
    const uint64_t value = data_ == LoadProfileData::kDelta ? now[i] - previous_[i] : now[i];
    values[i] = static_cast<uint32_t>(value);
  }
  previous_ = now;
  Append(at, status, std::span(values).first(layout_.channels));
}

void LoadProfileLog::Save(ByteWriter& out) const {
  image().SaveCursor(out);
  for (uint64_t v : previous_) out.U64(v);
}

absl::Status LoadProfileLog::Restore(ByteReader& in) {
  mutable_image().RestoreCursor(in);
  for (uint64_t& v : previous_) v = in.U64();
  return in.status();
}

}  // namespace vmuc::meters
