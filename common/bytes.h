// Big-endian byte writing and reading for the byte images the meters keep (logger entries,
// checkpoints of meter state). Network order because that is what DLMS/COSEM puts on the
// wire (IEC 62056-6-2 A-XDR) and what a memory dump of the real meter shows.
//
// ByteReader keeps a sticky error, like a stream: a read past the end returns 0 and every
// later read fails too, so a decoder reads all its fields and checks status() once.
#ifndef VMUC_COMMON_BYTES_H_
#define VMUC_COMMON_BYTES_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace vmuc {

class ByteWriter {
 public:
  void U8(uint8_t value) { out_.push_back(value); }
  void U16(uint16_t value) { Put(value, 2); }
  void U32(uint32_t value) { Put(value, 4); }
  void U64(uint64_t value) { Put(value, 8); }
  void I64(int64_t value) { Put(static_cast<uint64_t>(value), 8); }
  void Bool(bool value) { U8(value ? 1 : 0); }
  void U32s(std::span<const uint32_t> values) {
    for (uint32_t v : values) U32(v);
  }
  void U64s(std::span<const uint64_t> values) {
    for (uint64_t v : values) U64(v);
  }
  void Bytes(std::span<const uint8_t> bytes) {
    out_.insert(out_.end(), bytes.begin(), bytes.end());
  }

  const std::vector<uint8_t>& bytes() const { return out_; }
  std::vector<uint8_t> Take() { return std::move(out_); }

 private:
  void Put(uint64_t value, int width) {
    for (int i = width - 1; i >= 0; --i) out_.push_back(static_cast<uint8_t>(value >> (8 * i)));
  }
  std::vector<uint8_t> out_;
};

class ByteReader {
 public:
  // `what` names the image in errors ("meter state", "load profile entry").
  ByteReader(std::span<const uint8_t> bytes, std::string what)
      : bytes_(bytes), what_(std::move(what)) {}

  uint8_t U8() { return static_cast<uint8_t>(Get(1)); }
  uint16_t U16() { return static_cast<uint16_t>(Get(2)); }
  uint32_t U32() { return static_cast<uint32_t>(Get(4)); }
  uint64_t U64() { return Get(8); }
  int64_t I64() { return static_cast<int64_t>(Get(8)); }
  // A bool stored as one byte; any value but 0 or 1 is an error.
  bool Bool() {
    const uint8_t b = U8();
    if (b > 1) Fail(absl::StrCat("a flag byte of ", b));
    return b == 1;
  }
  // Fills `values` in order.
  void U32s(std::span<uint32_t> values) {
    for (uint32_t& v : values) v = U32();
  }
  void U64s(std::span<uint64_t> values) {
    for (uint64_t& v : values) v = U64();
  }
  // The next `n` bytes (empty after an error).
  std::span<const uint8_t> Bytes(size_t n) {
    if (!Need(n)) return {};
    auto out = bytes_.subspan(offset_, n);
    offset_ += n;
    return out;
  }

  size_t offset() const { return offset_; }
  size_t remaining() const { return status_.ok() ? bytes_.size() - offset_ : 0; }
  // Records a decoding error found by the caller (a value out of range), at this offset.
  void Fail(const std::string& why) {
    if (!status_.ok()) return;
    status_ = absl::DataLossError(absl::StrCat(what_, ": at byte ", offset_, ": ", why));
  }
  // OK when every read so far was in bounds and valid.
  const absl::Status& status() const { return status_; }
  // The status, and an error too when bytes are left over.
  absl::Status Finish() {
    if (status_.ok() && offset_ != bytes_.size()) {
      Fail(absl::StrCat(bytes_.size() - offset_, " bytes left over"));
    }
    return status_;
  }

 private:
  bool Need(size_t n) {
    if (!status_.ok()) return false;
    if (bytes_.size() - offset_ < n) {
      Fail(absl::StrCat("truncated: ", n, " bytes wanted, ", bytes_.size() - offset_, " left"));
      return false;
    }
    return true;
  }
  uint64_t Get(int width) {
    if (!Need(static_cast<size_t>(width))) return 0;
    uint64_t value = 0;
    for (int i = 0; i < width; ++i) value = (value << 8) | bytes_[offset_++];
    return value;
  }

  std::span<const uint8_t> bytes_;
  std::string what_;
  size_t offset_ = 0;
  absl::Status status_;
};

}  // namespace vmuc

#endif  // VMUC_COMMON_BYTES_H_
