// ProfileEntry: one entry of a "profile generic" logger (DLMS Blue Book class 7): the load
// profile, debit logger 2 and the analysis logger all store the same shape, and this is its
// one codec and its one read-out over a LogImage (log_image.h). Free functions and a value
// type; pure, thread-safe.
//
// An entry's byte image, the record the memory models count (18 + 4 x values bytes):
//   capture time  12  COSEM date-time (IEC 62056-6-2 4.1.6.1), the meter's convention: UTC
//                     fields, hundredths and deviation not specified, clock status 0
//                     (cosem-object-model.md, "Conventions")
//   status         2  big-endian, the AMR profile status bits of load_profile.h
//   sequence       4  big-endian, the entry's number since installation (1, 2, ...): a gap
//                     or repeat is visible to a reader even across a clock change
//   values     4 x n  big-endian 32-bit words in the logger's column order; what a word
//                     means (unsigned register modulo 2^32 or a two's-complement signed
//                     value, and its scaler) is the logger's column definition
//
//
// Status bits. The low byte is the DLMS "AMR profile status" common in European load
// profiles (bit 0 critical error, 1 clock invalid, 2 data not valid, 3 daylight saving, 5
// clock adjusted, 7 power down); the high byte says which way the clock was set (bit 8
// forwards, bit 9 backwards), so a clock change never leaves a silent gap or duplicate.
#ifndef VMUC_METERS_LOGGERS_PROFILE_ENTRY_H_
#define VMUC_METERS_LOGGERS_PROFILE_ENTRY_H_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/time.h"
#include "meters/loggers/log_image.h"

namespace vmuc::meters {

inline constexpr uint16_t kProfileStatusCriticalError = 1 << 0;
inline constexpr uint16_t kProfileStatusClockInvalid = 1 << 1;
inline constexpr uint16_t kProfileStatusDataNotValid = 1 << 2;
inline constexpr uint16_t kProfileStatusDaylightSaving = 1 << 3;
inline constexpr uint16_t kProfileStatusClockAdjusted = 1 << 5;
inline constexpr uint16_t kProfileStatusPowerDown = 1 << 7;
inline constexpr uint16_t kProfileStatusClockSetForwards = 1 << 8;
inline constexpr uint16_t kProfileStatusClockSetBackwards = 1 << 9;

inline constexpr uint32_t kProfileHeaderBytes = 18;  // date-time 12, status 2, sequence 4
inline constexpr uint32_t kProfileValueBytes = 4;
// The analysis logger's limit (datasheet line 207: "up to 24 different registers"), the
// widest of the meter's profiles.
inline constexpr size_t kMaxProfileValues = 24;

constexpr uint32_t ProfileRecordBytes(size_t values) {
  return kProfileHeaderBytes + kProfileValueBytes * static_cast<uint32_t>(values);
}

struct ProfileEntry {
  TimePoint at;  // the capture time (whole seconds)
  uint16_t status = 0;
  uint32_t sequence = 0;
  uint8_t channels = 0;  // values in use
  std::array<uint32_t, kMaxProfileValues> values{};
  friend bool operator==(const ProfileEntry&, const ProfileEntry&) = default;
};

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

// The record of `entry`, ProfileRecordBytes(entry.channels) bytes. More than
// kMaxProfileValues channels is a programming error (aborts).
std::vector<uint8_t> EncodeProfileRecord(const ProfileEntry& entry);
// InvalidArgument naming the field for a wrong size, value count or date-time.
absl::StatusOr<ProfileEntry> DecodeProfileRecord(std::span<const uint8_t> bytes, uint8_t channels);

// Every record held in `image`, oldest first, each `channels` values wide. A record that does
// not decode aborts: check a restored image with CheckProfileImage first.
std::vector<ProfileEntry> DecodeProfileImage(const LogImage& image, uint8_t channels);

// DataLoss naming the log and the first held record that does not decode (a page restored
// from a damaged store), or a record size that is not 18 + 4 x channels.
absl::Status CheckProfileImage(const LogImage& image, uint8_t channels, std::string_view log_name);

// The read-out of DLMS selective access over `image` (IEC 62056-6-2 / Blue Book class 7:
// range on the capture-time column, entries counted from the oldest, column selection),
// with the rules of LoadProfileLog::Select: the selected columns are renumbered from 0 and
// `channels` set to their count; a column may be repeated. InvalidArgument, starting with
// "<log_name> read-out: ", for more columns than channels, a column beyond the channels, a
// time range that ends before it starts, or an empty entry range; DataLoss for a record that
// does not decode.
absl::StatusOr<std::vector<ProfileEntry>> SelectProfileEntries(const LogImage& image,
                                                               uint8_t channels,
                                                               const ProfileSelection& selection,
                                                               std::string_view log_name);

// What the meter's three "profile generic" loggers (load profile, debit logger 2, analysis
// logger) share: their entries as records in a LogImage, entry n since installation having
// sequence number n (modulo 2^32), and the read-out. Each logger adds what it captures.
class ProfileLog {
 public:
  uint32_t entries_in_use() const { return image_.entries_in_use(); }
  uint32_t capacity() const { return image_.capacity(); }
  uint32_t entry_bytes() const { return image_.record_bytes(); }
  // Decoded, oldest first. Aborts on an undecodable record: check a restored image with
  // CheckImage() first.
  std::vector<ProfileEntry> entries() const { return DecodeProfileImage(image_, channels_); }
  // DLMS selective access (SelectProfileEntries), errors named "<log> read-out: ...".
  absl::StatusOr<std::vector<ProfileEntry>> Select(const ProfileSelection& selection) const {
    return SelectProfileEntries(image_, channels_, selection, name_);
  }
  // DataLoss naming the first held record that does not decode (after restoring pages).
  absl::Status CheckImage() const { return CheckProfileImage(image_, channels_, name_); }
  // The byte image the meter host persists page by page (log_image.h).
  const LogImage& image() const { return image_; }
  LogImage& mutable_image() { return image_; }

  friend bool operator==(const ProfileLog&, const ProfileLog&) = default;

 protected:
  // `name`: a string literal naming the log in errors.
  ProfileLog(std::string_view name, uint8_t channels, uint32_t capacity)
      : name_(name), channels_(channels), image_(ProfileRecordBytes(channels), capacity) {}
  // Appends the entry captured at `at` with the next sequence number; `values` holds the
  // channels' words.
  void Append(TimePoint at, uint16_t status, std::span<const uint32_t> values);

 private:
  std::string_view name_;
  uint8_t channels_;
  LogImage image_;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_LOGGERS_PROFILE_ENTRY_H_
