// The load profile logger: one entry per integration period (Z4), with the channels of Z29,
// absolute or delta values (Z27), and a status word, in the circular memory of
// load_profile_memory.h. Pure state; the meter (meters/meter.h) records an entry at every
// period end.
//
// An entry is a profile record (profile_entry.h: 18 + 4 x channels bytes, the size the
// memory model counts), its values the channels in Z29's order: Wh / varh, the register's
// value modulo 2^32 (absolute) or its increase over the period (delta); its status the
// AMR profile status bits of profile_entry.h.
#ifndef VMUC_METERS_LOGGERS_LOAD_PROFILE_H_
#define VMUC_METERS_LOGGERS_LOAD_PROFILE_H_

#include <array>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "common/time.h"
#include "meters/configuration/software_config.h"
#include "meters/loggers/load_profile_memory.h"
#include "meters/loggers/log_image.h"
#include "meters/loggers/profile_entry.h"
#include "meters/registers/energy_registers.h"

namespace vmuc::meters {

inline constexpr size_t kMaxProfileChannels = 8;

class LoadProfileLog {
 public:
  LoadProfileLog(LoadProfileSet set, LoadProfileData data, LoadProfileLayout layout);

  // Records the period ending at `at` with the registers `total` then; `status`: the
  // kProfileStatus* bits. Delta values are the increase since the previous entry (the first entry's
  // delta is counted from `baseline`, the registers when logging began).
  void Record(TimePoint at, const RegisterSet& total, uint16_t status);
  void SetBaseline(const RegisterSet& total);

  size_t entries_in_use() const { return image_.entries_in_use(); }
  size_t capacity() const { return layout_.capacity_entries; }
  const LoadProfileLayout& layout() const { return layout_; }
  // Every held entry, decoded from the image, oldest first.
  std::vector<ProfileEntry> entries() const;
  // The memory model's byte image (pages persisted by the meter host).
  const LogImage& image() const { return image_; }
  LogImage& mutable_image() { return image_; }

  // The state besides the image's pages: the image's cursor and the previous values the
  // next delta is counted from.
  void Save(ByteWriter& out) const;
  absl::Status Restore(ByteReader& in);
  // DataLoss naming the first entry of the image (as restored from a store) that does not
  // decode.
  absl::Status CheckImage() const;

  // The selected entries, with only the selected columns (in `values`, renumbered from 0,
  // `channels` set to their count; a column may be repeated). InvalidArgument for more
  // columns than channels, a column beyond the channels, or an empty / reversed range.
  absl::StatusOr<std::vector<ProfileEntry>> Select(const ProfileSelection& selection) const;

  friend bool operator==(const LoadProfileLog&, const LoadProfileLog&) = default;

 private:
  std::array<uint64_t, kMaxProfileChannels> ValuesOf(const RegisterSet& total) const;

  LoadProfileData data_;
  LoadProfileLayout layout_;
  std::array<uint64_t, kMaxProfileChannels> previous_{};  // for delta values
  std::vector<LoadProfileChannel> channel_list_;          // Z29's, kept: read every period
  LogImage image_;  // entry n (1-based, since installation) has sequence number n
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_LOGGERS_LOAD_PROFILE_H_
