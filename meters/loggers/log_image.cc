#include "meters/loggers/log_image.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/strings.h"

namespace vmuc::meters {

absl::Status CheckReadOutRange(std::string_view what, const std::optional<TimePoint>& from,
                               const std::optional<TimePoint>& to, uint32_t from_entry,
                               uint32_t to_entry) {
  if (from && to && *to < *from) {
    return absl::InvalidArgumentError(
        absl::StrCat(AsAbsl(what), " read-out: time range ends before it starts"));
  }
  if (from_entry < 1 || (to_entry != 0 && to_entry < from_entry)) {
    return absl::InvalidArgumentError(absl::StrCat(AsAbsl(what), " read-out: entry range ",
                                                   from_entry, "..", to_entry, " is empty"));
  }
  return absl::OkStatus();
}

LogImage::LogImage(uint32_t record_bytes, uint32_t capacity)
    : record_bytes_(record_bytes), capacity_(capacity) {
  VMUC_CHECK(record_bytes >= 1 && capacity >= 1, "LogImage: empty records or capacity");
  pages_.resize((image_bytes() + kLogPageBytes - 1) / kLogPageBytes);
}

LogImage::LogImage(const LogImage& other)
    : record_bytes_(other.record_bytes_), capacity_(other.capacity_), appended_(other.appended_) {
  pages_.resize(other.pages_.size());
  for (size_t i = 0; i < pages_.size(); ++i) {
    if (other.pages_[i]) pages_[i] = std::make_unique<HeldPage>(*other.pages_[i]);
  }
}

LogImage& LogImage::operator=(const LogImage& other) {
  if (this != &other) *this = LogImage(other);
  return *this;
}

uint32_t LogImage::PageBytes(uint32_t page) const {
  const size_t start = static_cast<size_t>(page) * kLogPageBytes;
  return static_cast<uint32_t>(std::min<size_t>(kLogPageBytes, image_bytes() - start));
}

void LogImage::Write(uint64_t offset, std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    const auto page = static_cast<uint32_t>(offset / kLogPageBytes);
    const auto within = static_cast<uint32_t>(offset % kLogPageBytes);
    auto& slot = pages_[page];
    if (!slot) {
      slot = std::make_unique<HeldPage>();
      slot->bytes.assign(PageBytes(page), 0);
    }
    const size_t n = std::min<size_t>(bytes.size(), slot->bytes.size() - within);
    std::copy_n(bytes.begin(), n, slot->bytes.begin() + within);
    slot->dirty = true;
    bytes = bytes.subspan(n);
    offset += n;
  }
}

void LogImage::Read(uint64_t offset, std::span<uint8_t> out) const {
  while (!out.empty()) {
    const auto page = static_cast<uint32_t>(offset / kLogPageBytes);
    const auto within = static_cast<uint32_t>(offset % kLogPageBytes);
    const size_t n = std::min<size_t>(out.size(), PageBytes(page) - within);
    if (pages_[page]) {
      std::copy_n(pages_[page]->bytes.begin() + within, n, out.begin());
    } else {
      std::fill_n(out.begin(), n, 0);
    }
    out = out.subspan(n);
    offset += n;
  }
}

void LogImage::Append(std::span<const uint8_t> record) {
  VMUC_CHECK(record.size() == record_bytes_, "LogImage: a record of the wrong size");
  Write((appended_ % capacity_) * record_bytes_, record);
  ++appended_;
}

std::vector<uint8_t> LogImage::Record(uint32_t index) const {
  VMUC_CHECK(index < entries_in_use(), "LogImage: no such record");
  const uint64_t first = appended_ < capacity_ ? 0 : appended_ % capacity_;
  std::vector<uint8_t> out(record_bytes_);
  Read(((first + index) % capacity_) * record_bytes_, out);
  return out;
}

std::vector<uint8_t> LogImage::Page(uint32_t page) const {
  VMUC_CHECK(page < pages_.size(), "LogImage: no such page");
  if (pages_[page]) return pages_[page]->bytes;
  return std::vector<uint8_t>(PageBytes(page), 0);
}

std::vector<uint32_t> LogImage::DirtyPages() const {
  std::vector<uint32_t> dirty;
  for (uint32_t i = 0; i < pages_.size(); ++i) {
    if (pages_[i] && pages_[i]->dirty) dirty.push_back(i);
  }
  return dirty;
}

void LogImage::MarkClean() {
  for (auto& page : pages_) {
    if (page) page->dirty = false;
  }
}

absl::Status LogImage::RestorePage(uint32_t page, std::span<const uint8_t> bytes) {
  if (page >= pages_.size()) {
    return absl::DataLossError(
        absl::StrCat("log image: page ", page, " beyond the image's ", pages_.size()));
  }
  if (bytes.size() != PageBytes(page)) {
    return absl::DataLossError(absl::StrCat("log image: page ", page, " has ", bytes.size(),
                                            " bytes, want ", PageBytes(page)));
  }
  pages_[page] = std::make_unique<HeldPage>();
  pages_[page]->bytes.assign(bytes.begin(), bytes.end());
  return absl::OkStatus();
}

bool operator==(const LogImage& a, const LogImage& b) {
  if (a.record_bytes_ != b.record_bytes_ || a.capacity_ != b.capacity_ ||
      a.appended_ != b.appended_) {
    return false;
  }
  for (uint32_t i = 0; i < a.page_count(); ++i) {
    const bool a_held = a.pages_[i] != nullptr;
    const bool b_held = b.pages_[i] != nullptr;
    if (!a_held && !b_held) continue;
    if (a.Page(i) != b.Page(i)) return false;
  }
  return true;
}

}  // namespace vmuc::meters
