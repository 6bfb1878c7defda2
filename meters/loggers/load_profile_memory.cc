#include "meters/loggers/load_profile_memory.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace vmuc::meters {

absl::StatusOr<LoadProfileLayout> LoadProfileLayoutFor(uint32_t channels,
                                                       std::chrono::minutes period,
                                                       LoadProfileVariant variant) {
  if (channels < 1 || channels > 8) {
    return absl::InvalidArgumentError(
        absl::StrCat("load profile: ", channels, " channels; a profile has 1 to 8"));
  }
  const int64_t minutes = period.count();
  if (minutes != 15 && minutes != 30 && minutes != 60) {
    return absl::InvalidArgumentError(absl::StrCat("load profile: integration period ", minutes,
                                                   " min; it is 15, 30 or 60 (Z4)"));
  }
  if (variant == LoadProfileVariant::kAustria && period != kAustrianLoadProfilePeriod) {
    return absl::InvalidArgumentError(absl::StrCat(
        "load profile: the Austrian variant logs every 15 min, not every ", minutes, " min"));
  }
  LoadProfileLayout layout;
  layout.channels = channels;
  layout.entry_bytes = ProfileRecordBytes(channels);
  layout.entries_per_day = static_cast<uint32_t>(24 * 60 / minutes);
  layout.capacity_entries = kLoadProfileMemoryBytes / layout.entry_bytes;
  if (variant == LoadProfileVariant::kAustria) {
    layout.capacity_entries =
        std::min(layout.capacity_entries, kAustrianLoadProfileDays * layout.entries_per_day);
  }
  layout.depth_days = layout.capacity_entries / layout.entries_per_day;
  return layout;
}

absl::StatusOr<LoadProfileLayout> LoadProfileLayoutFor(LoadProfileSet set,
                                                       std::chrono::minutes period,
                                                       LoadProfileVariant variant) {
  return LoadProfileLayoutFor(static_cast<uint32_t>(ChannelCount(set)), period, variant);
}

}  // namespace vmuc::meters
