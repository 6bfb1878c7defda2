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

class LoadProfileLog final : public ProfileLog {
 public:
  LoadProfileLog(LoadProfileSet set, LoadProfileData data, LoadProfileLayout layout);

  // Records the period ending at `at` with the registers `total` then; `status`: the
  // kProfileStatus* bits. Delta values are the increase since the previous entry (the first entry's
  // delta is counted from `baseline`, the registers when logging began).
  void Record(TimePoint at, const RegisterSet& total, uint16_t status);
  void SetBaseline(const RegisterSet& total);

  const LoadProfileLayout& layout() const { return layout_; }
  // Z29's channels in column order (what the COSEM capture objects list).
  const std::vector<LoadProfileChannel>& channel_list() const { return channel_list_; }
  // Entries, read-out and image: ProfileLog's; columns index Z29's channels.

  // The state besides the image's pages: the image's cursor and the previous values the
  // next delta is counted from.
  void Save(ByteWriter& out) const;
  absl::Status Restore(ByteReader& in);

  friend bool operator==(const LoadProfileLog&, const LoadProfileLog&) = default;

 private:
  std::array<uint64_t, kMaxProfileChannels> ValuesOf(const RegisterSet& total) const;

  LoadProfileData data_;
  LoadProfileLayout layout_;
  std::array<uint64_t, kMaxProfileChannels> previous_{};  // for delta values
  std::vector<LoadProfileChannel> channel_list_;          // Z29's, kept: read every period
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_LOGGERS_LOAD_PROFILE_H_
