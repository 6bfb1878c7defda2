// LogImage: a logger's memory as the datasheet models it, a circular byte image of
// `capacity` fixed-size records. Appending past the capacity overwrites the oldest record,
// as the meter's ring memory does.
//
// The image is held in pages of kLogPageBytes, allocated when first written (a young meter
// holds only what it has logged) and marked dirty when written, so the meter host persists
// only the pages changed since its last checkpoint, each page a blob written in place
// (meters/store/). Where the ring stands (records appended so far) is part of the meter's
// state, saved with it (SaveCursor / RestoreCursor).
//
// Record i (0 = the oldest held) lives at byte ((first + i) mod capacity) x record_bytes of
// the image; a record may straddle two pages.
#ifndef VMUC_METERS_LOGGERS_LOG_IMAGE_H_
#define VMUC_METERS_LOGGERS_LOG_IMAGE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "common/bytes.h"
#include "common/time.h"

namespace vmuc::meters {

// 2000 bytes: a page and its row's overhead fit one 2 KiB SQLite page (the meter store's
// page_size) without an overflow page (SQLite file format, "B-tree pages"), so a dirty
// page costs one database page in the write-ahead log.
inline constexpr uint32_t kLogPageBytes = 2000;

// The ranges every read-out of a log takes (DLMS selective access, Blue Book class 7: by
// capture time, by entry numbers from the oldest, 1-based, to_entry 0 = the newest).
// InvalidArgument "<what> read-out: ..." for a time range that ends before it starts or an
// empty entry range.
absl::Status CheckReadOutRange(std::string_view what, const std::optional<TimePoint>& from,
                               const std::optional<TimePoint>& to, uint32_t from_entry,
                               uint32_t to_entry);

class LogImage {
 public:
  // `record_bytes` >= 1, `capacity` >= 1.
  LogImage(uint32_t record_bytes, uint32_t capacity);
  LogImage(const LogImage& other);
  LogImage& operator=(const LogImage& other);
  LogImage(LogImage&&) = default;
  LogImage& operator=(LogImage&&) = default;

  // Appends a record of exactly record_bytes (a programming error otherwise).
  void Append(std::span<const uint8_t> record);

  uint32_t record_bytes() const { return record_bytes_; }
  uint32_t capacity() const { return capacity_; }
  uint32_t entries_in_use() const {
    return appended_ < capacity_ ? static_cast<uint32_t>(appended_) : capacity_;
  }
  // Records appended since installation (those overwritten included).
  uint64_t appended() const { return appended_; }
  // The held record `index` (0 = the oldest), copied; index < entries_in_use().
  std::vector<uint8_t> Record(uint32_t index) const;

  // The image's pages: their count, a page's bytes (kLogPageBytes, the last one shorter;
  // zeros where nothing was ever written), and which were written since MarkClean().
  size_t image_bytes() const { return static_cast<size_t>(record_bytes_) * capacity_; }
  uint32_t page_count() const { return static_cast<uint32_t>(pages_.size()); }
  std::vector<uint8_t> Page(uint32_t page) const;
  uint32_t PageBytes(uint32_t page) const;
  std::vector<uint32_t> DirtyPages() const;
  void MarkClean();

  // Restoring a persisted image: the cursor from the meter's state, the pages from the
  // store. DataLoss naming the page for a page number or size that does not fit.
  void SaveCursor(ByteWriter& out) const { out.U64(appended_); }
  // Leaves the cursor as it was when `in` fails.
  void RestoreCursor(ByteReader& in) {
    const uint64_t appended = in.U64();
    if (in.status().ok()) appended_ = appended;
  }
  absl::Status RestorePage(uint32_t page, std::span<const uint8_t> bytes);

  // Same records and cursor (pages never written compare as zeros).
  friend bool operator==(const LogImage& a, const LogImage& b);

 private:
  struct HeldPage {
    std::vector<uint8_t> bytes;
    bool dirty = false;
  };
  void Write(uint64_t offset, std::span<const uint8_t> bytes);
  void Read(uint64_t offset, std::span<uint8_t> out) const;

  uint32_t record_bytes_;
  uint32_t capacity_;
  uint64_t appended_ = 0;
  std::vector<std::unique_ptr<HeldPage>> pages_;  // null: never written
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_LOGGERS_LOG_IMAGE_H_
