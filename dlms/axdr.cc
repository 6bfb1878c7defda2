#include "dlms/axdr.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <ostream>
#include <type_traits>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/status.h"
#include "common/strings.h"

namespace vmuc::dlms {
namespace {

// Fixed content sizes of the date and time types (IEC 62056-6-2 4.1.6.1).
constexpr size_t kDateSize = 5;
constexpr size_t kTimeSize = 4;

void AppendBigEndian(uint64_t value, size_t size, std::vector<uint8_t>& out) {
  for (size_t i = size; i > 0; --i) out.push_back(static_cast<uint8_t>(value >> (8 * (i - 1))));
}

// Two's complement view of a signed value, for big-endian output.
uint64_t Bits(int64_t value) { return static_cast<uint64_t>(value); }

std::string_view ToStringView(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// The standard's name of a Data type; "" for tags it does not define.
std::string_view KnownTypeName(DataType type) {
  switch (type) {
    case DataType::kNullData:
      return "null-data";
    case DataType::kArray:
      return "array";
    case DataType::kStructure:
      return "structure";
    case DataType::kBoolean:
      return "boolean";
    case DataType::kBitString:
      return "bit-string";
    case DataType::kDoubleLong:
      return "double-long";
    case DataType::kDoubleLongUnsigned:
      return "double-long-unsigned";
    case DataType::kOctetString:
      return "octet-string";
    case DataType::kVisibleString:
      return "visible-string";
    case DataType::kUtf8String:
      return "utf8-string";
    case DataType::kBcd:
      return "bcd";
    case DataType::kInteger:
      return "integer";
    case DataType::kLong:
      return "long";
    case DataType::kUnsigned:
      return "unsigned";
    case DataType::kLongUnsigned:
      return "long-unsigned";
    case DataType::kLong64:
      return "long64";
    case DataType::kLong64Unsigned:
      return "long64-unsigned";
    case DataType::kEnum:
      return "enum";
    case DataType::kFloat32:
      return "float32";
    case DataType::kFloat64:
      return "float64";
    case DataType::kDateTime:
      return "date-time";
    case DataType::kDate:
      return "date";
    case DataType::kTime:
      return "time";
  }
  return "";
}

}  // namespace

std::string DataTypeName(DataType type) {
  const std::string_view name = KnownTypeName(type);
  if (!name.empty()) return std::string(name);
  return absl::StrCat("tag ", static_cast<unsigned>(type));
}

// --- DataValue factories ---------------------------------------------------------------

DataValue DataValue::Array(std::vector<DataValue> elements) {
  return DataValue(DataType::kArray, std::move(elements));
}
DataValue DataValue::Structure(std::vector<DataValue> elements) {
  return DataValue(DataType::kStructure, std::move(elements));
}
DataValue DataValue::Boolean(bool value) { return DataValue(DataType::kBoolean, value); }
DataValue DataValue::BitString(size_t bit_count, std::vector<uint8_t> bytes) {
  VMUC_CHECK(bytes.size() == (bit_count + 7) / 8,
             "bit-string needs exactly (bit_count + 7) / 8 bytes");
  return DataValue(DataType::kBitString, BitStringValue{bit_count, std::move(bytes)});
}
DataValue DataValue::DoubleLong(int32_t value) {
  return DataValue(DataType::kDoubleLong, int64_t{value});
}
DataValue DataValue::DoubleLongUnsigned(uint32_t value) {
  return DataValue(DataType::kDoubleLongUnsigned, uint64_t{value});
}
DataValue DataValue::OctetString(std::vector<uint8_t> bytes) {
  return DataValue(DataType::kOctetString, std::move(bytes));
}
DataValue DataValue::OctetString(std::span<const uint8_t> bytes) {
  return OctetString(std::vector<uint8_t>(bytes.begin(), bytes.end()));
}
DataValue DataValue::ObisCode(const Obis& obis) { return OctetString(std::span(obis.bytes)); }
DataValue DataValue::VisibleString(std::string_view text) {
  return DataValue(DataType::kVisibleString, std::string(text));
}
DataValue DataValue::Utf8String(std::string_view text) {
  return DataValue(DataType::kUtf8String, std::string(text));
}
DataValue DataValue::Bcd(int8_t value) { return DataValue(DataType::kBcd, int64_t{value}); }
DataValue DataValue::Integer(int8_t value) { return DataValue(DataType::kInteger, int64_t{value}); }
DataValue DataValue::Long(int16_t value) { return DataValue(DataType::kLong, int64_t{value}); }
DataValue DataValue::Unsigned(uint8_t value) {
  return DataValue(DataType::kUnsigned, uint64_t{value});
}
DataValue DataValue::LongUnsigned(uint16_t value) {
  return DataValue(DataType::kLongUnsigned, uint64_t{value});
}
DataValue DataValue::Long64(int64_t value) { return DataValue(DataType::kLong64, value); }
DataValue DataValue::Long64Unsigned(uint64_t value) {
  return DataValue(DataType::kLong64Unsigned, value);
}
DataValue DataValue::Enum(uint8_t value) { return DataValue(DataType::kEnum, uint64_t{value}); }
DataValue DataValue::Float32(float value) { return DataValue(DataType::kFloat32, value); }
DataValue DataValue::Float64(double value) { return DataValue(DataType::kFloat64, value); }
DataValue DataValue::DateTime(const DateTimeBytes& bytes) {
  return DataValue(DataType::kDateTime, std::vector<uint8_t>(bytes.begin(), bytes.end()));
}
DataValue DataValue::DateTime(TimePoint time, const DateTimeEncodeOptions& options) {
  return DateTime(EncodeDateTime(time, options));
}
DataValue DataValue::Date(const std::array<uint8_t, 5>& bytes) {
  return DataValue(DataType::kDate, std::vector<uint8_t>(bytes.begin(), bytes.end()));
}
DataValue DataValue::Time(const std::array<uint8_t, 4>& bytes) {
  return DataValue(DataType::kTime, std::vector<uint8_t>(bytes.begin(), bytes.end()));
}

// --- DataValue accessors ---------------------------------------------------------------

absl::Status DataValue::WrongType(std::string_view wanted) const {
  return absl::FailedPreconditionError(
      absl::StrCat("expected ", AsAbsl(wanted), ", got ", DataTypeName(type_)));
}

absl::StatusOr<bool> DataValue::AsBoolean() const {
  if (type_ != DataType::kBoolean) return WrongType("boolean");
  return std::get<bool>(storage_);
}

absl::StatusOr<int64_t> DataValue::AsInt64() const {
  if (const auto* s = std::get_if<int64_t>(&storage_)) return *s;
  if (const auto* u = std::get_if<uint64_t>(&storage_)) {
    if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return absl::OutOfRangeError(
          absl::StrCat(DataTypeName(type_), " ", *u, " does not fit a signed 64-bit integer"));
    }
    return static_cast<int64_t>(*u);
  }
  return WrongType("an integer type");
}

absl::StatusOr<uint64_t> DataValue::AsUint64() const {
  if (const auto* u = std::get_if<uint64_t>(&storage_)) return *u;
  if (const auto* s = std::get_if<int64_t>(&storage_)) {
    if (*s < 0) {
      return absl::OutOfRangeError(absl::StrCat(DataTypeName(type_), " ", *s, " is negative"));
    }
    return static_cast<uint64_t>(*s);
  }
  return WrongType("an integer type");
}

absl::StatusOr<double> DataValue::AsDouble() const {
  if (const auto* f = std::get_if<float>(&storage_)) return double{*f};
  if (const auto* d = std::get_if<double>(&storage_)) return *d;
  return WrongType("float32 or float64");
}

absl::StatusOr<std::span<const uint8_t>> DataValue::AsBytes() const {
  if (const auto* bytes = std::get_if<std::vector<uint8_t>>(&storage_)) {
    return std::span<const uint8_t>(*bytes);
  }
  return WrongType("octet-string");
}

absl::StatusOr<std::string_view> DataValue::AsString() const {
  if (const auto* text = std::get_if<std::string>(&storage_)) return std::string_view(*text);
  return WrongType("visible-string or utf8-string");
}

absl::StatusOr<BitStringValue> DataValue::AsBitString() const {
  if (type_ != DataType::kBitString) return WrongType("bit-string");
  return std::get<BitStringValue>(storage_);
}

absl::StatusOr<std::span<const DataValue>> DataValue::AsArray() const {
  if (type_ != DataType::kArray) return WrongType("array");
  return std::span<const DataValue>(std::get<std::vector<DataValue>>(storage_));
}

absl::StatusOr<std::span<const DataValue>> DataValue::AsStructure() const {
  if (type_ != DataType::kStructure) return WrongType("structure");
  return std::span<const DataValue>(std::get<std::vector<DataValue>>(storage_));
}

absl::StatusOr<TimePoint> DataValue::AsDateTime() const {
  if (type_ != DataType::kDateTime && type_ != DataType::kOctetString) {
    return WrongType("date-time");
  }
  return DecodeDateTime(std::get<std::vector<uint8_t>>(storage_));
}

absl::StatusOr<Obis> DataValue::AsObis() const {
  if (type_ != DataType::kOctetString) return WrongType("octet-string (OBIS code)");
  const auto& bytes = std::get<std::vector<uint8_t>>(storage_);
  if (bytes.size() != 6) {
    return absl::InvalidArgumentError(
        absl::StrCat("an OBIS code is 6 bytes, this octet-string has ", bytes.size()));
  }
  Obis obis;
  std::copy(bytes.begin(), bytes.end(), obis.bytes.begin());
  return obis;
}

std::string DataValue::DebugString() const {
  std::string out = DataTypeName(type_);
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          // null-data has no content.
        } else if constexpr (std::is_same_v<T, bool>) {
          absl::StrAppend(&out, "(", v ? "true" : "false", ")");
        } else if constexpr (std::is_same_v<T, std::vector<uint8_t>>) {
          absl::StrAppend(&out, "(", absl::BytesToHexString(AsAbsl(ToStringView(v))), ")");
        } else if constexpr (std::is_same_v<T, std::string>) {
          absl::StrAppend(&out, "(\"", absl::CHexEscape(v), "\")");
        } else if constexpr (std::is_same_v<T, BitStringValue>) {
          absl::StrAppend(&out, "(", v.bit_count, " bits ",
                          absl::BytesToHexString(AsAbsl(ToStringView(v.bytes))), ")");
        } else if constexpr (std::is_same_v<T, std::vector<DataValue>>) {
          out.push_back('{');
          for (size_t i = 0; i < v.size(); ++i) {
            absl::StrAppend(&out, i == 0 ? "" : ", ", v[i].DebugString());
          }
          out.push_back('}');
        } else {
          absl::StrAppend(&out, "(", v, ")");
        }
      },
      storage_);
  return out;
}

bool operator==(const DataValue& a, const DataValue& b) {
  return a.type_ == b.type_ && a.storage_ == b.storage_;
}

void PrintTo(const DataValue& value, std::ostream* os) { *os << value.DebugString(); }

// --- Encoding --------------------------------------------------------------------------

void AppendLength(size_t length, std::vector<uint8_t>& out) {
  // IEC 61334-6 (A-XDR) length: short form below 128, else 0x80 | n, n length bytes.
  if (length < 0x80) {
    out.push_back(static_cast<uint8_t>(length));
    return;
  }
  VMUC_CHECK(length <= std::numeric_limits<uint32_t>::max(), "A-XDR length above 2^32-1");
  size_t size = 1;
  while (size < 4 && (length >> (8 * size)) != 0) ++size;
  out.push_back(static_cast<uint8_t>(0x80 | size));
  AppendBigEndian(length, size, out);
}

void AppendData(const DataValue& value, std::vector<uint8_t>& out) {
  out.push_back(static_cast<uint8_t>(value.type_));
  const auto& storage = value.storage_;
  switch (value.type_) {
    case DataType::kNullData:
      return;
    case DataType::kArray:
    case DataType::kStructure: {
      const auto& elements = std::get<std::vector<DataValue>>(storage);
      AppendLength(elements.size(), out);  // element count
      for (const DataValue& element : elements) AppendData(element, out);
      return;
    }
    case DataType::kBoolean:
      out.push_back(std::get<bool>(storage) ? 0x01 : 0x00);
      return;
    case DataType::kBitString: {
      const auto& bits = std::get<BitStringValue>(storage);
      AppendLength(bits.bit_count, out);  // length in bits, then the padded bytes
      out.insert(out.end(), bits.bytes.begin(), bits.bytes.end());
      return;
    }
    case DataType::kOctetString:
    case DataType::kVisibleString:
    case DataType::kUtf8String: {
      std::span<const uint8_t> bytes;
      if (const auto* raw = std::get_if<std::vector<uint8_t>>(&storage)) {
        bytes = *raw;
      } else {
        const auto& text = std::get<std::string>(storage);
        bytes = {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
      }
      AppendLength(bytes.size(), out);
      out.insert(out.end(), bytes.begin(), bytes.end());
      return;
    }
    case DataType::kDateTime:
    case DataType::kDate:
    case DataType::kTime: {
      // Fixed-size octet-strings: no length on the wire (IEC 62056-6-2 4.1.5).
      const auto& raw = std::get<std::vector<uint8_t>>(storage);
      out.insert(out.end(), raw.begin(), raw.end());
      return;
    }
    case DataType::kBcd:
    case DataType::kInteger:
      AppendBigEndian(Bits(std::get<int64_t>(storage)), 1, out);
      return;
    case DataType::kLong:
      AppendBigEndian(Bits(std::get<int64_t>(storage)), 2, out);
      return;
    case DataType::kDoubleLong:
      AppendBigEndian(Bits(std::get<int64_t>(storage)), 4, out);
      return;
    case DataType::kLong64:
      AppendBigEndian(Bits(std::get<int64_t>(storage)), 8, out);
      return;
    case DataType::kUnsigned:
    case DataType::kEnum:
      AppendBigEndian(std::get<uint64_t>(storage), 1, out);
      return;
    case DataType::kLongUnsigned:
      AppendBigEndian(std::get<uint64_t>(storage), 2, out);
      return;
    case DataType::kDoubleLongUnsigned:
      AppendBigEndian(std::get<uint64_t>(storage), 4, out);
      return;
    case DataType::kLong64Unsigned:
      AppendBigEndian(std::get<uint64_t>(storage), 8, out);
      return;
    case DataType::kFloat32:
      // IEC 62056-6-2 4.1.5: IEEE 754 single precision, big-endian.
      AppendBigEndian(std::bit_cast<uint32_t>(std::get<float>(storage)), 4, out);
      return;
    case DataType::kFloat64:
      AppendBigEndian(std::bit_cast<uint64_t>(std::get<double>(storage)), 8, out);
      return;
  }
  VMUC_CHECK(false, "DataValue with an unknown type");
}

std::vector<uint8_t> EncodeData(const DataValue& value) {
  std::vector<uint8_t> out;
  AppendData(value, out);
  return out;
}

// --- Decoding --------------------------------------------------------------------------

absl::Status AxdrReader::ErrorAt(size_t at, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("A-XDR offset ", at, ": ", AsAbsl(message)));
}

absl::StatusOr<std::span<const uint8_t>> AxdrReader::ReadBytes(size_t count,
                                                               std::string_view what) {
  if (count > remaining()) {
    return ErrorAt(offset_,
                   absl::StrCat(AsAbsl(what), " needs ", count, " bytes, ", remaining(), " left"));
  }
  const auto bytes = bytes_.subspan(offset_, count);
  offset_ += count;
  return bytes;
}

namespace {

absl::StatusOr<uint64_t> BigEndian(absl::StatusOr<std::span<const uint8_t>> bytes) {
  if (!bytes.ok()) return bytes.status();
  uint64_t value = 0;
  for (uint8_t b : *bytes) value = (value << 8) | b;
  return value;
}

}  // namespace

absl::StatusOr<uint8_t> AxdrReader::ReadUint8(std::string_view what) {
  VMUC_ASSIGN_OR_RETURN(const uint64_t value, BigEndian(ReadBytes(1, what)));
  return static_cast<uint8_t>(value);
}
absl::StatusOr<uint16_t> AxdrReader::ReadUint16(std::string_view what) {
  VMUC_ASSIGN_OR_RETURN(const uint64_t value, BigEndian(ReadBytes(2, what)));
  return static_cast<uint16_t>(value);
}
absl::StatusOr<uint32_t> AxdrReader::ReadUint32(std::string_view what) {
  VMUC_ASSIGN_OR_RETURN(const uint64_t value, BigEndian(ReadBytes(4, what)));
  return static_cast<uint32_t>(value);
}
absl::StatusOr<uint64_t> AxdrReader::ReadUint64(std::string_view what) {
  return BigEndian(ReadBytes(8, what));
}

absl::StatusOr<size_t> AxdrReader::ReadLength(std::string_view what) {
  const size_t start = offset_;
  VMUC_ASSIGN_OR_RETURN(const uint8_t first, ReadUint8(what));
  if (first < 0x80) return first;
  const size_t size = first & 0x7F;
  if (size == 0 || size > 4) {
    return ErrorAt(start, absl::StrCat(AsAbsl(what), ": unsupported length form 0x",
                                       absl::Hex(first, absl::kZeroPad2)));
  }
  VMUC_ASSIGN_OR_RETURN(const uint64_t length, BigEndian(ReadBytes(size, what)));
  return static_cast<size_t>(length);
}

absl::Status AxdrReader::ExpectEnd(std::string_view what) const {
  if (AtEnd()) return absl::OkStatus();
  return ErrorAt(offset_, absl::StrCat(remaining(), " trailing bytes after ", AsAbsl(what)));
}

absl::StatusOr<DataValue> AxdrReader::ReadData() { return ReadDataAtDepth(0); }

absl::StatusOr<DataValue> AxdrReader::ReadDataAtDepth(int depth) {
  const size_t start = offset_;
  VMUC_ASSIGN_OR_RETURN(const uint8_t tag, ReadUint8("Data tag"));
  const auto type = static_cast<DataType>(tag);
  const std::string_view name = KnownTypeName(type);  // "" only for unsupported tags

  // Reads a length-prefixed byte run, checking the length against what is left.
  auto read_counted = [&](std::string_view unit,
                          size_t divisor) -> absl::StatusOr<std::pair<size_t, size_t>> {
    const size_t length_at = offset_;
    VMUC_ASSIGN_OR_RETURN(const size_t length, ReadLength(name));
    const size_t bytes = length / divisor + (length % divisor != 0 ? 1 : 0);
    if (bytes > remaining()) {
      return ErrorAt(length_at, absl::StrCat(AsAbsl(name), " of ", length, " ", AsAbsl(unit),
                                             " runs past the end (", remaining(), " bytes left)"));
    }
    return std::pair{length, bytes};
  };
  auto signed_value = [](uint64_t raw, int size) {
    // Sign-extend a big-endian two's complement field of `size` bytes.
    const int shift = 64 - 8 * size;
    return static_cast<int64_t>(raw << shift) >> shift;
  };
  auto fixed = [&](int size) -> absl::StatusOr<uint64_t> {
    return BigEndian(ReadBytes(static_cast<size_t>(size), name));
  };

  switch (type) {
    case DataType::kNullData:
      return DataValue::Null();
    case DataType::kArray:
    case DataType::kStructure: {
      if (depth >= kMaxDataDepth) {
        return ErrorAt(
            start, absl::StrCat(AsAbsl(name), " nested deeper than ", kMaxDataDepth, " levels"));
      }
      // Every element takes at least its tag byte, so a count above the bytes left is
      // malformed; checking first bounds the allocation by the input size.
      VMUC_ASSIGN_OR_RETURN(const auto counted, read_counted("elements", 1));
      std::vector<DataValue> elements;
      elements.reserve(counted.first);
      for (size_t i = 0; i < counted.first; ++i) {
        VMUC_ASSIGN_OR_RETURN(DataValue element, ReadDataAtDepth(depth + 1));
        elements.push_back(std::move(element));
      }
      return type == DataType::kArray ? DataValue::Array(std::move(elements))
                                      : DataValue::Structure(std::move(elements));
    }
    case DataType::kBoolean: {
      // A-XDR BOOLEAN: 0x00 is FALSE, any other value TRUE.
      VMUC_ASSIGN_OR_RETURN(const uint64_t raw, fixed(1));
      return DataValue::Boolean(raw != 0);
    }
    case DataType::kBitString: {
      VMUC_ASSIGN_OR_RETURN(const auto counted, read_counted("bits", 8));
      VMUC_ASSIGN_OR_RETURN(const auto bytes, ReadBytes(counted.second, name));
      return DataValue::BitString(counted.first, std::vector<uint8_t>(bytes.begin(), bytes.end()));
    }
    case DataType::kOctetString:
    case DataType::kVisibleString:
    case DataType::kUtf8String: {
      VMUC_ASSIGN_OR_RETURN(const auto counted, read_counted("bytes", 1));
      VMUC_ASSIGN_OR_RETURN(const auto bytes, ReadBytes(counted.second, name));
      if (type == DataType::kOctetString) return DataValue::OctetString(bytes);
      return type == DataType::kVisibleString ? DataValue::VisibleString(ToStringView(bytes))
                                              : DataValue::Utf8String(ToStringView(bytes));
    }
    case DataType::kDateTime:
    case DataType::kDate:
    case DataType::kTime: {
      const size_t size = type == DataType::kDateTime ? kDateTimeSize
                          : type == DataType::kDate   ? kDateSize
                                                      : kTimeSize;
      VMUC_ASSIGN_OR_RETURN(const auto bytes, ReadBytes(size, name));
      return DataValue(type, std::vector<uint8_t>(bytes.begin(), bytes.end()));
    }
    case DataType::kBcd:
    case DataType::kInteger: {
      VMUC_ASSIGN_OR_RETURN(const uint64_t raw, fixed(1));
      const auto value = static_cast<int8_t>(signed_value(raw, 1));
      return type == DataType::kBcd ? DataValue::Bcd(value) : DataValue::Integer(value);
    }
    case DataType::kLong: {
      VMUC_ASSIGN_OR_RETURN(const uint64_t raw, fixed(2));
      return DataValue::Long(static_cast<int16_t>(signed_value(raw, 2)));
    }
    case DataType::kDoubleLong: {
      VMUC_ASSIGN_OR_RETURN(const uint64_t raw, fixed(4));
      return DataValue::DoubleLong(static_cast<int32_t>(signed_value(raw, 4)));
    }
    case DataType::kLong64: {
      VMUC_ASSIGN_OR_RETURN(const uint64_t raw, fixed(8));
      return DataValue::Long64(static_cast<int64_t>(raw));
    }
    case DataType::kUnsigned:
    case DataType::kEnum: {
      VMUC_ASSIGN_OR_RETURN(const uint64_t raw, fixed(1));
      const auto value = static_cast<uint8_t>(raw);
      return type == DataType::kEnum ? DataValue::Enum(value) : DataValue::Unsigned(value);
    }
    case DataType::kLongUnsigned: {
      VMUC_ASSIGN_OR_RETURN(const uint64_t raw, fixed(2));
      return DataValue::LongUnsigned(static_cast<uint16_t>(raw));
    }
    case DataType::kDoubleLongUnsigned: {
      VMUC_ASSIGN_OR_RETURN(const uint64_t raw, fixed(4));
      return DataValue::DoubleLongUnsigned(static_cast<uint32_t>(raw));
    }
    case DataType::kLong64Unsigned: {
      VMUC_ASSIGN_OR_RETURN(const uint64_t raw, fixed(8));
      return DataValue::Long64Unsigned(raw);
    }
    case DataType::kFloat32: {
      VMUC_ASSIGN_OR_RETURN(const uint64_t raw, fixed(4));
      return DataValue::Float32(std::bit_cast<float>(static_cast<uint32_t>(raw)));
    }
    case DataType::kFloat64: {
      VMUC_ASSIGN_OR_RETURN(const uint64_t raw, fixed(8));
      return DataValue::Float64(std::bit_cast<double>(raw));
    }
  }
  // compact-array (19), dont-care (255) and tags the standard does not define.
  return ErrorAt(start, absl::StrCat("unsupported Data tag ", static_cast<unsigned>(tag)));
}

absl::StatusOr<DataValue> DecodeData(std::span<const uint8_t> bytes) {
  AxdrReader reader(bytes);
  VMUC_ASSIGN_OR_RETURN(DataValue value, reader.ReadData());
  VMUC_RETURN_IF_ERROR(reader.ExpectEnd("the Data value"));
  return value;
}

}  // namespace vmuc::dlms
