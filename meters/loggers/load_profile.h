// The load profile logger: one entry per integration period (Z4), with the channels of Z29,
// absolute or delta values (Z27), and a status word, in the circular memory of
// load_profile_memory.h. Pure state; the meter (meters/meter.h) records an entry at every
// period end.
//
// An entry's byte image is what the memory model counts (18 + 4 x channels bytes):
//   capture time  12  COSEM date-time (IEC 62056-6-2 4.1.6.1), the meter's convention: UTC
//                     fields, hundredths and deviation not specified, clock status 0
//   status         2  big-endian, the bits below
//   sequence       4  big-endian, the entry's number since installation (1, 2, ...): a gap
//                     or repeat is visible to a reader even across a clock change
//   channels   4 x n  big-endian uint32 per channel in Z29's order: Wh / varh, the register's
//                     value modulo 2^32 (absolute) or its increase over the period (delta)
//
// Status bits. The low byte is the DLMS "AMR profile status" common in European load
// profiles (bit 0 critical error, 1 clock invalid, 2 data not valid, 3 daylight saving, 5
// clock adjusted, 7 power down); the high byte says which way the clock was set (bit 8
// forwards, bit 9 backwards), so a clock change never leaves a silent gap or duplicate.
#ifndef VMUC_METERS_LOGGERS_LOAD_PROFILE_H_
#define VMUC_METERS_LOGGERS_LOAD_PROFILE_H_

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "common/time.h"
#include "meters/configuration/software_config.h"
#include "meters/loggers/load_profile_memory.h"
#include "meters/registers/energy_registers.h"

namespace vmuc::meters {

inline constexpr uint16_t kProfileStatusCriticalError = 1 << 0;
inline constexpr uint16_t kProfileStatusClockInvalid = 1 << 1;
inline constexpr uint16_t kProfileStatusDataNotValid = 1 << 2;
inline constexpr uint16_t kProfileStatusDaylightSaving = 1 << 3;
inline constexpr uint16_t kProfileStatusClockAdjusted = 1 << 5;
inline constexpr uint16_t kProfileStatusPowerDown = 1 << 7;
inline constexpr uint16_t kProfileStatusClockSetForwards = 1 << 8;
inline constexpr uint16_t kProfileStatusClockSetBackwards = 1 << 9;

inline constexpr size_t kMaxProfileChannels = 8;

struct LoadProfileEntry {
  TimePoint at;  // the period end
  uint16_t status = 0;
  uint32_t sequence = 0;
  uint8_t channels = 0;
  std::array<uint32_t, kMaxProfileChannels> values{};
  friend bool operator==(const LoadProfileEntry&, const LoadProfileEntry&) = default;
};

// The byte image of an entry, 18 + 4 x channels bytes.
std::vector<uint8_t> EncodeProfileEntry(const LoadProfileEntry& entry);
// InvalidArgument naming the field for a wrong size, channel count or date-time.
absl::StatusOr<LoadProfileEntry> DecodeProfileEntry(std::span<const uint8_t> bytes,
                                                    uint8_t channels);

// Which entries a read-out selects (DLMS selective access, IEC 62056-6-2 / Blue Book class
// 7 "profile generic": by range on the capture-time column, or by entry numbers from the
// oldest, 1-based, with a column selection).
struct ProfileSelection {
  std::optional<TimePoint> from;  // capture time >= from
  std::optional<TimePoint> to;    // capture time <= to
  uint32_t from_entry = 1;        // by entry: 1 = the oldest held
  uint32_t to_entry = 0;          // 0: to the newest
  std::vector<uint8_t> columns;   // channel indexes (0-based) to keep; empty: all
};

class LoadProfileLog {
 public:
  LoadProfileLog(LoadProfileSet set, LoadProfileData data, LoadProfileLayout layout);

  // Records the period ending at `at` with the registers `total` then; `status` bits as
  // above. Delta values are the increase since the previous entry (the first entry's
  // delta is counted from `baseline`, the registers when logging began).
  void Record(TimePoint at, const RegisterSet& total, uint16_t status);
  void SetBaseline(const RegisterSet& total);

  size_t entries_in_use() const { return entries_.size(); }
  size_t capacity() const { return layout_.capacity_entries; }
  const LoadProfileLayout& layout() const { return layout_; }
  const std::deque<LoadProfileEntry>& entries() const { return entries_; }  // oldest first

  // The selected entries, with only the selected columns (in `values`, renumbered from 0,
  // `channels` set to their count; a column may be repeated). InvalidArgument for more
  // columns than channels, a column beyond the channels, or an empty / reversed range.
  absl::StatusOr<std::vector<LoadProfileEntry>> Select(const ProfileSelection& selection) const;

  friend bool operator==(const LoadProfileLog&, const LoadProfileLog&) = default;

 private:
  std::array<uint64_t, kMaxProfileChannels> ValuesOf(const RegisterSet& total) const;

  LoadProfileData data_;
  LoadProfileLayout layout_;
  uint32_t next_sequence_ = 1;
  std::array<uint64_t, kMaxProfileChannels> previous_{};  // for delta values
  std::vector<LoadProfileChannel> channel_list_;          // Z29's, kept: read every period
  std::deque<LoadProfileEntry> entries_;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_LOGGERS_LOAD_PROFILE_H_
