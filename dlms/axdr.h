// A-XDR encoding of the COSEM `Data` CHOICE (IEC 62056-6-2 4.1.5 "Common data types";
// A-XDR rules of IEC 61334-6): the value tree every attribute, push body and method
// parameter is made of.
//
// DataValue is a plain value type (copyable, comparable, owns its children). AppendData /
// EncodeData write the tagged A-XDR form; DecodeData and AxdrReader read it back and treat
// their input as hostile: every failure is an InvalidArgument naming the byte offset, and
// no allocation exceeds a small multiple of the input size. All functions are pure; an
// AxdrReader is used by one thread and only borrows the bytes it reads, which must outlive
// it.
#ifndef VMUC_DLMS_AXDR_H_
#define VMUC_DLMS_AXDR_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/time.h"
#include "dlms/cosem_date_time.h"
#include "dlms/obis.h"

namespace vmuc::dlms {

// The Data CHOICE tags (IEC 62056-6-2 4.1.5 "Common data types").
enum class DataType : uint8_t {
  kNullData = 0,
  kArray = 1,
  kStructure = 2,
  kBoolean = 3,
  kBitString = 4,
  kDoubleLong = 5,          // int32
  kDoubleLongUnsigned = 6,  // uint32
  kOctetString = 9,
  kVisibleString = 10,
  kUtf8String = 12,
  kBcd = 13,             // int8
  kInteger = 15,         // int8
  kLong = 16,            // int16
  kUnsigned = 17,        // uint8
  kLongUnsigned = 18,    // uint16
  kLong64 = 20,          // int64
  kLong64Unsigned = 21,  // uint64
  kEnum = 22,            // uint8
  kFloat32 = 23,
  kFloat64 = 24,
  kDateTime = 25,  // octet-string SIZE(12), no length on the wire
  kDate = 26,      // octet-string SIZE(5)
  kTime = 27,      // octet-string SIZE(4)
};

// The standard's name of a type ("double-long-unsigned"), "tag N" for others.
std::string DataTypeName(DataType type);

// A-XDR nesting limit for arrays and structures: deeper input is rejected by the decoder.
inline constexpr int kMaxDataDepth = 16;

// IEC 62056-6-2 4.1.5: bit-string; bit 0 is the most significant bit of bytes[0], and
// bytes.size() == (bit_count + 7) / 8.
struct BitStringValue {
  size_t bit_count = 0;
  std::vector<uint8_t> bytes;
  friend bool operator==(const BitStringValue&, const BitStringValue&) = default;
};

class DataValue {
 public:
  DataValue() = default;  // null-data

  static DataValue Null() { return DataValue(); }
  static DataValue Array(std::vector<DataValue> elements);
  static DataValue Structure(std::vector<DataValue> elements);
  static DataValue Boolean(bool value);
  // Aborts if bytes.size() != (bit_count + 7) / 8.
  static DataValue BitString(size_t bit_count, std::vector<uint8_t> bytes);
  static DataValue DoubleLong(int32_t value);
  static DataValue DoubleLongUnsigned(uint32_t value);
  static DataValue OctetString(std::vector<uint8_t> bytes);
  static DataValue OctetString(std::span<const uint8_t> bytes);
  static DataValue ObisCode(const Obis& obis);  // octet-string of the 6 OBIS bytes
  static DataValue VisibleString(std::string_view text);
  static DataValue Utf8String(std::string_view text);
  static DataValue Bcd(int8_t value);
  static DataValue Integer(int8_t value);
  static DataValue Long(int16_t value);
  static DataValue Unsigned(uint8_t value);
  static DataValue LongUnsigned(uint16_t value);
  static DataValue Long64(int64_t value);
  static DataValue Long64Unsigned(uint64_t value);
  static DataValue Enum(uint8_t value);
  static DataValue Float32(float value);
  static DataValue Float64(double value);
  static DataValue DateTime(const DateTimeBytes& bytes);
  static DataValue DateTime(TimePoint time, const DateTimeEncodeOptions& options = {});
  static DataValue Date(const std::array<uint8_t, 5>& bytes);
  static DataValue Time(const std::array<uint8_t, 4>& bytes);

  DataType type() const { return type_; }
  bool is(DataType type) const { return type_ == type; }

  // Each accessor fails with FailedPrecondition naming both types when the value is of
  // another type.
  absl::StatusOr<bool> AsBoolean() const;
  // Any integer type (integer .. long64-unsigned, enum, bcd); OutOfRange if it does not fit.
  absl::StatusOr<int64_t> AsInt64() const;
  absl::StatusOr<uint64_t> AsUint64() const;
  // float32 or float64.
  absl::StatusOr<double> AsDouble() const;
  // octet-string, date-time, date or time: the raw bytes (valid while this value lives).
  absl::StatusOr<std::span<const uint8_t>> AsBytes() const;
  // visible-string or utf8-string (valid while this value lives).
  absl::StatusOr<std::string_view> AsString() const;
  absl::StatusOr<BitStringValue> AsBitString() const;
  // The elements of an array / a structure (valid while this value lives).
  absl::StatusOr<std::span<const DataValue>> AsArray() const;
  absl::StatusOr<std::span<const DataValue>> AsStructure() const;
  // date-time, or an octet-string of 12 bytes (how most attributes carry one), decoded
  // with DecodeDateTime.
  absl::StatusOr<TimePoint> AsDateTime() const;
  // An octet-string of 6 bytes.
  absl::StatusOr<Obis> AsObis() const;

  // Compact human-readable form for logs and test failures:
  // structure{octet-string(0101010800ff), double-long-unsigned(1234)}.
  std::string DebugString() const;

  friend bool operator==(const DataValue& a, const DataValue& b);

 private:
  using Storage =
      std::variant<std::monostate, bool, int64_t, uint64_t, float, double, std::vector<uint8_t>,
                   std::string, BitStringValue, std::vector<DataValue>>;

  DataValue(DataType type, Storage storage) : type_(type), storage_(std::move(storage)) {}
  absl::Status WrongType(std::string_view wanted) const;

  friend class AxdrReader;
  friend void AppendData(const DataValue& value, std::vector<uint8_t>& out);

  DataType type_ = DataType::kNullData;
  Storage storage_;
};

void PrintTo(const DataValue& value, std::ostream* os);  // GoogleTest printer

// Appends the A-XDR encoding of `value` (tag, then content) to `out`.
void AppendData(const DataValue& value, std::vector<uint8_t>& out);
std::vector<uint8_t> EncodeData(const DataValue& value);

// Appends an A-XDR length (IEC 61334-6 / BER definite form): one byte below 0x80,
// otherwise 0x81..0x84 followed by 1..4 big-endian bytes. Minimal form.
void AppendLength(size_t length, std::vector<uint8_t>& out);

// Decodes exactly one Data value spanning all of `bytes`; trailing bytes are an error.
absl::StatusOr<DataValue> DecodeData(std::span<const uint8_t> bytes);

// Sequential reader over an A-XDR buffer, for APDU decoders that interleave fixed fields
// with Data values. Each failed read returns InvalidArgument("A-XDR offset N: <what> ...")
// with N relative to the start of the buffer; after a failure the position is unspecified
// and the reader should be dropped.
class AxdrReader {
 public:
  explicit AxdrReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  size_t offset() const { return offset_; }
  size_t remaining() const { return bytes_.size() - offset_; }
  bool AtEnd() const { return offset_ == bytes_.size(); }

  // Fixed-size big-endian fields; `what` names the field in error messages.
  absl::StatusOr<uint8_t> ReadUint8(std::string_view what);
  absl::StatusOr<uint16_t> ReadUint16(std::string_view what);
  absl::StatusOr<uint32_t> ReadUint32(std::string_view what);
  absl::StatusOr<uint64_t> ReadUint64(std::string_view what);
  // `count` raw bytes, borrowed from the buffer.
  absl::StatusOr<std::span<const uint8_t>> ReadBytes(size_t count, std::string_view what);
  // An A-XDR length (see AppendLength); non-minimal forms are accepted, 0x80 (indefinite)
  // and more than 4 length bytes are not. The length is not checked against remaining().
  absl::StatusOr<size_t> ReadLength(std::string_view what);
  // One tagged Data value, nesting at most kMaxDataDepth arrays/structures.
  absl::StatusOr<DataValue> ReadData();
  // InvalidArgument if bytes remain after `what`.
  absl::Status ExpectEnd(std::string_view what) const;

  // InvalidArgument("A-XDR offset <at>: <message>").
  static absl::Status ErrorAt(size_t at, std::string_view message);

 private:
  absl::StatusOr<DataValue> ReadDataAtDepth(int depth);

  std::span<const uint8_t> bytes_;
  size_t offset_ = 0;
};

}  // namespace vmuc::dlms

#endif  // VMUC_DLMS_AXDR_H_
