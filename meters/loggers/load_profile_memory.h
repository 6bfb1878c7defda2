// The load profile logger's memory model (datasheet "Load profile", lines 189-203).
//
// The meter keeps its load profile in a fixed circular memory of 587 776 bytes. An entry is
// an 18-byte header (the capture time as a 12-byte COSEM date-time, a 2-byte status word and
// a 4-byte entry sequence number) plus 4 bytes per channel (a 32-bit register value), and the
// memory holds as many whole entries as fit. That is the whole of the datasheet's
// logging-depth table: the depth in days is floor(capacity / entries per day) for every one
// of its 5 channel sets x 3 integration periods (a test reproduces all 15 cells).
//
// The Austrian variant logs at a fixed 15 minutes and is limited to 60 days (line 201).
#ifndef VMUC_METERS_LOGGERS_LOAD_PROFILE_MEMORY_H_
#define VMUC_METERS_LOGGERS_LOAD_PROFILE_MEMORY_H_

#include <chrono>
#include <cstdint>

#include "absl/status/statusor.h"
#include "meters/configuration/software_config.h"
#include "meters/loggers/profile_entry.h"  // the entry: 18 + 4 x channels bytes

namespace vmuc::meters {

inline constexpr uint32_t kLoadProfileMemoryBytes = 587'776;
// Line 201: the Austrian load profile, 15 minutes fixed, at most 60 days.
inline constexpr uint32_t kAustrianLoadProfileDays = 60;
inline constexpr std::chrono::minutes kAustrianLoadProfilePeriod{15};

enum class LoadProfileVariant { kStandard, kAustria };

struct LoadProfileLayout {
  uint32_t channels = 0;
  uint32_t entry_bytes = 0;       // header + 4 per channel
  uint32_t capacity_entries = 0;  // whole entries the memory holds (the Austrian limit applied)
  uint32_t entries_per_day = 0;
  uint32_t depth_days = 0;  // whole days of history at full memory
  friend bool operator==(const LoadProfileLayout&, const LoadProfileLayout&) = default;
};

// The layout for `channels` (1..8) logged every `period` (15, 30 or 60 min; the Austrian
// variant only 15). InvalidArgument, naming the value, for anything else.
absl::StatusOr<LoadProfileLayout> LoadProfileLayoutFor(
    uint32_t channels, std::chrono::minutes period,
    LoadProfileVariant variant = LoadProfileVariant::kStandard);

// The same for a Z29 channel set.
absl::StatusOr<LoadProfileLayout> LoadProfileLayoutFor(
    LoadProfileSet set, std::chrono::minutes period,
    LoadProfileVariant variant = LoadProfileVariant::kStandard);

}  // namespace vmuc::meters

#endif  // VMUC_METERS_LOGGERS_LOAD_PROFILE_MEMORY_H_
