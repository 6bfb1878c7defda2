#include "dlms/axdr.h"

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/time.h"
#include "dlms/obis.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vmuc::dlms {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Bytes = std::vector<uint8_t>;

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// Encodes `value`, checks the bytes, and checks they decode back to `value`.
void ExpectEncoding(const DataValue& value, const Bytes& expected) {
  EXPECT_EQ(EncodeData(value), expected) << value.DebugString();
  auto decoded = DecodeData(expected);
  ASSERT_TRUE(decoded.ok()) << value.DebugString() << ": " << decoded.status();
  EXPECT_EQ(*decoded, value);
}

TEST(AxdrTest, EncodesScalarsByteExact) {
  ExpectEncoding(DataValue::Null(), {0x00});
  ExpectEncoding(DataValue::Boolean(false), {0x03, 0x00});
  ExpectEncoding(DataValue::Boolean(true), {0x03, 0x01});
  ExpectEncoding(DataValue::DoubleLong(-2), {0x05, 0xFF, 0xFF, 0xFF, 0xFE});
  ExpectEncoding(DataValue::DoubleLong(std::numeric_limits<int32_t>::min()),
                 {0x05, 0x80, 0x00, 0x00, 0x00});
  ExpectEncoding(DataValue::DoubleLongUnsigned(1234), {0x06, 0x00, 0x00, 0x04, 0xD2});
  ExpectEncoding(DataValue::DoubleLongUnsigned(0xFFFFFFFF), {0x06, 0xFF, 0xFF, 0xFF, 0xFF});
  ExpectEncoding(DataValue::Bcd(0x12), {0x0D, 0x12});
  ExpectEncoding(DataValue::Integer(-1), {0x0F, 0xFF});
  ExpectEncoding(DataValue::Integer(-128), {0x0F, 0x80});
  ExpectEncoding(DataValue::Long(-300), {0x10, 0xFE, 0xD4});
  ExpectEncoding(DataValue::Long(-2), {0x10, 0xFF, 0xFE});  // e.g. a scaler of -2 as long
  ExpectEncoding(DataValue::Unsigned(200), {0x11, 0xC8});
  ExpectEncoding(DataValue::LongUnsigned(230), {0x12, 0x00, 0xE6});
  ExpectEncoding(DataValue::Long64(-1), {0x14, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});
  ExpectEncoding(DataValue::Long64(std::numeric_limits<int64_t>::min()),
                 {0x14, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00});
  ExpectEncoding(DataValue::Long64Unsigned(0x0102030405060708),
                 {0x15, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08});
  ExpectEncoding(DataValue::Enum(30), {0x16, 0x1E});  // unit Wh
  ExpectEncoding(DataValue::Float32(1.0f), {0x17, 0x3F, 0x80, 0x00, 0x00});
  ExpectEncoding(DataValue::Float32(-2.5f), {0x17, 0xC0, 0x20, 0x00, 0x00});
  ExpectEncoding(DataValue::Float64(1.0), {0x18, 0x3F, 0xF0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00});
}

TEST(AxdrTest, EncodesStringsByteExact) {
  // The association object of the GET-Request in dlms-wire-examples.md, as the
  // logical_name octet-string: 00 00 28 00 00 FF.
  ExpectEncoding(DataValue::ObisCode(Obis(0, 0, 40, 0, 0, 255)),
                 {0x09, 0x06, 0x00, 0x00, 0x28, 0x00, 0x00, 0xFF});
  ExpectEncoding(DataValue::OctetString(Bytes{}), {0x09, 0x00});
  ExpectEncoding(DataValue::VisibleString("6841121BN243101040"),
                 Concat({{0x0A, 0x12},
                         Bytes{'6', '8', '4', '1', '1', '2', '1', 'B', 'N', '2', '4', '3', '1', '0',
                               '1', '0', '4', '0'}}));
  ExpectEncoding(DataValue::Utf8String("\xC3\xA9"), {0x0C, 0x02, 0xC3, 0xA9});
  // Bit-string of 10 bits: the length counts bits, content is 2 bytes.
  ExpectEncoding(DataValue::BitString(10, {0xAB, 0xC0}), {0x04, 0x0A, 0xAB, 0xC0});
  ExpectEncoding(DataValue::BitString(0, {}), {0x04, 0x00});
}

TEST(AxdrTest, UsesLongLengthForms) {
  const Bytes two_hundred(200, 0x5A);
  ExpectEncoding(DataValue::OctetString(two_hundred), Concat({{0x09, 0x81, 0xC8}, two_hundred}));
  const Bytes hundred_twenty_seven(127, 0x01);
  ExpectEncoding(DataValue::OctetString(hundred_twenty_seven),
                 Concat({{0x09, 0x7F}, hundred_twenty_seven}));
  const Bytes three_hundred(300, 0x02);
  ExpectEncoding(DataValue::OctetString(three_hundred),
                 Concat({{0x09, 0x82, 0x01, 0x2C}, three_hundred}));
  const Bytes big(70000, 0x03);
  ExpectEncoding(DataValue::OctetString(big), Concat({{0x09, 0x83, 0x01, 0x11, 0x70}, big}));
}

TEST(AxdrTest, AppendLength) {
  auto length = [](size_t n) {
    Bytes out;
    AppendLength(n, out);
    return out;
  };
  EXPECT_THAT(length(0), ElementsAre(0x00));
  EXPECT_THAT(length(127), ElementsAre(0x7F));
  EXPECT_THAT(length(128), ElementsAre(0x81, 0x80));
  EXPECT_THAT(length(255), ElementsAre(0x81, 0xFF));
  EXPECT_THAT(length(256), ElementsAre(0x82, 0x01, 0x00));
  EXPECT_THAT(length(65535), ElementsAre(0x82, 0xFF, 0xFF));
  EXPECT_THAT(length(65536), ElementsAre(0x83, 0x01, 0x00, 0x00));
  EXPECT_THAT(length(0x01000000), ElementsAre(0x84, 0x01, 0x00, 0x00, 0x00));
  EXPECT_THAT(length(0xFFFFFFFF), ElementsAre(0x84, 0xFF, 0xFF, 0xFF, 0xFF));
}

TEST(AxdrTest, EncodesContainersByteExact) {
  // A consumer-port push pair: OBIS 1.1.1.8.0.255 then A+ = 1234 (x 10 Wh).
  const DataValue pair = DataValue::Structure(
      {DataValue::ObisCode(Obis(1, 1, 1, 8, 0, 255)), DataValue::DoubleLongUnsigned(1234)});
  ExpectEncoding(pair, {0x02, 0x02, 0x09, 0x06, 0x01, 0x01, 0x01, 0x08, 0x00, 0xFF, 0x06, 0x00,
                        0x00, 0x04, 0xD2});
  // Register scaler_unit: structure {integer -2, enum 33 (A)}.
  ExpectEncoding(DataValue::Structure({DataValue::Integer(-2), DataValue::Enum(33)}),
                 {0x02, 0x02, 0x0F, 0xFE, 0x16, 0x21});
  ExpectEncoding(DataValue::Array({}), {0x01, 0x00});
  ExpectEncoding(DataValue::Array({DataValue::LongUnsigned(1), DataValue::LongUnsigned(2)}),
                 {0x01, 0x02, 0x12, 0x00, 0x01, 0x12, 0x00, 0x02});
  // 130 elements need the long count form.
  std::vector<DataValue> many(130, DataValue::Unsigned(7));
  Bytes expected = {0x01, 0x81, 0x82};
  for (int i = 0; i < 130; ++i) expected.insert(expected.end(), {0x11, 0x07});
  ExpectEncoding(DataValue::Array(many), expected);
}

TEST(AxdrTest, EncodesDateAndTimeTypesWithoutLength) {
  const TimePoint new_year = ParseRfc3339("2026-01-01T00:00:00Z").value();
  ExpectEncoding(DataValue::DateTime(new_year),
                 {0x19, 0x07, 0xEA, 0x01, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00});
  ExpectEncoding(DataValue::Date({0x07, 0xEA, 0x01, 0x01, 0x04}),
                 {0x1A, 0x07, 0xEA, 0x01, 0x01, 0x04});
  ExpectEncoding(DataValue::Time({0x17, 0x3B, 0x3B, 0xFF}), {0x1B, 0x17, 0x3B, 0x3B, 0xFF});
}

TEST(AxdrTest, DecodesAnyNonZeroBooleanAsTrue) {
  EXPECT_EQ(DecodeData(Bytes{0x03, 0xFF}).value(), DataValue::Boolean(true));
}

TEST(AxdrTest, RoundTripsANestedTree) {
  const DataValue tree = DataValue::Structure({
      DataValue::VisibleString("KFM_001"),
      DataValue::Array({
          DataValue::Structure(
              {DataValue::ObisCode(Obis(1, 1, 32, 7, 0, 255)), DataValue::LongUnsigned(230)}),
          DataValue::Structure(
              {DataValue::ObisCode(Obis(1, 1, 31, 7, 0, 255)), DataValue::DoubleLong(-1234)}),
      }),
      DataValue::Null(),
      DataValue::Boolean(true),
      DataValue::BitString(3, {0xE0}),
      DataValue::Float64(-0.125),
      DataValue::Long64Unsigned(std::numeric_limits<uint64_t>::max()),
      DataValue::DateTime(
          DateTimeBytes{0x07, 0xEA, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0xFF}),
  });
  auto decoded = DecodeData(EncodeData(tree));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, tree);
}

TEST(AxdrTest, Accessors) {
  EXPECT_EQ(DataValue::DoubleLongUnsigned(1234).AsUint64().value(), 1234u);
  EXPECT_EQ(DataValue::DoubleLongUnsigned(1234).AsInt64().value(), 1234);
  EXPECT_EQ(DataValue::Integer(-2).AsInt64().value(), -2);
  EXPECT_EQ(DataValue::Enum(30).AsUint64().value(), 30u);
  EXPECT_EQ(
      DataValue::Long64Unsigned(std::numeric_limits<uint64_t>::max()).AsInt64().status().code(),
      absl::StatusCode::kOutOfRange);
  EXPECT_EQ(DataValue::Long(-1).AsUint64().status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(DataValue::Float32(0.5f).AsDouble().value(), 0.5);
  EXPECT_TRUE(DataValue::Boolean(true).AsBoolean().value());
  EXPECT_EQ(DataValue::VisibleString("abc").AsString().value(), "abc");
  EXPECT_THAT(DataValue::OctetString(Bytes{1, 2}).AsBytes().value(), ElementsAre(1, 2));
  EXPECT_EQ(DataValue::BitString(4, {0xF0}).AsBitString().value(), (BitStringValue{4, {0xF0}}));
  EXPECT_EQ(DataValue::ObisCode(Obis(1, 1, 1, 8, 0, 255)).AsObis().value(),
            Obis(1, 1, 1, 8, 0, 255));

  const DataValue structure = DataValue::Structure({DataValue::Unsigned(1)});
  ASSERT_TRUE(structure.AsStructure().ok());
  EXPECT_EQ(structure.AsStructure()->size(), 1u);
  EXPECT_EQ(structure.type(), DataType::kStructure);
  EXPECT_TRUE(structure.is(DataType::kStructure));

  // A date-time arrives either as date-time or as a 12-byte octet-string.
  const TimePoint new_year = ParseRfc3339("2026-01-01T00:00:00Z").value();
  const DateTimeBytes raw = EncodeDateTime(new_year);
  EXPECT_EQ(DataValue::DateTime(raw).AsDateTime().value(), new_year);
  EXPECT_EQ(DataValue::OctetString(std::span(raw)).AsDateTime().value(), new_year);
  EXPECT_EQ(DataValue::DateTime(raw).AsBytes().value().size(), 12u);
}

TEST(AxdrTest, AccessorsRejectOtherTypes) {
  auto wrong = DataValue::Unsigned(1).AsString();
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(wrong.status().message()),
              HasSubstr("expected visible-string or utf8-string, got unsigned"));
  EXPECT_FALSE(DataValue::Structure({}).AsArray().ok());
  EXPECT_FALSE(DataValue::Array({}).AsStructure().ok());
  EXPECT_FALSE(DataValue::VisibleString("1").AsInt64().ok());
  EXPECT_FALSE(DataValue::Long(1).AsDouble().ok());
  EXPECT_FALSE(DataValue::Null().AsBoolean().ok());
  EXPECT_FALSE(DataValue::Unsigned(1).AsBytes().ok());
  EXPECT_FALSE(DataValue::Unsigned(1).AsBitString().ok());
  EXPECT_FALSE(DataValue::Unsigned(1).AsDateTime().ok());
  EXPECT_FALSE(DataValue::OctetString(Bytes{1, 2, 3}).AsDateTime().ok());
  EXPECT_FALSE(DataValue::OctetString(Bytes{1, 2, 3}).AsObis().ok());
  EXPECT_FALSE(DataValue::VisibleString("1.1.1.8.0.255").AsObis().ok());
}

TEST(AxdrTest, EqualityComparesTypeAndValue) {
  EXPECT_EQ(DataValue::Unsigned(1), DataValue::Unsigned(1));
  EXPECT_NE(DataValue::Unsigned(1), DataValue::Enum(1));  // same storage, other type
  EXPECT_NE(DataValue::Integer(1), DataValue::Bcd(1));
  EXPECT_NE(DataValue::Array({}), DataValue::Structure({}));
  EXPECT_NE(DataValue::VisibleString("a"), DataValue::Utf8String("a"));
}

TEST(AxdrTest, DebugString) {
  EXPECT_EQ(DataValue::Structure(
                {DataValue::ObisCode(Obis(1, 1, 1, 8, 0, 255)), DataValue::DoubleLongUnsigned(1234),
                 DataValue::VisibleString("a\"b"), DataValue::Null(), DataValue::Boolean(false)})
                .DebugString(),
            "structure{octet-string(0101010800ff), double-long-unsigned(1234), "
            "visible-string(\"a\\\"b\"), null-data, boolean(false)}");
  EXPECT_EQ(DataTypeName(static_cast<DataType>(19)), "tag 19");
}

TEST(AxdrReaderTest, ReadsFieldsInSequence) {
  const Bytes bytes = {0xC1, 0x00, 0x0F, 0x00, 0x00, 0x00, 0x01, 0x81, 0x05, 0x11, 0x07};
  AxdrReader reader(bytes);
  EXPECT_EQ(reader.ReadUint8("a").value(), 0xC1);
  EXPECT_EQ(reader.ReadUint16("b").value(), 0x000F);
  EXPECT_EQ(reader.ReadUint32("c").value(), 1u);
  EXPECT_EQ(reader.ReadLength("d").value(), 5u);  // non-minimal form accepted
  EXPECT_EQ(reader.offset(), 9u);
  EXPECT_EQ(reader.remaining(), 2u);
  EXPECT_THAT(std::string(reader.ExpectEnd("x").message()),
              HasSubstr("offset 9: 2 trailing bytes"));
  EXPECT_EQ(reader.ReadData().value(), DataValue::Unsigned(7));
  EXPECT_TRUE(reader.AtEnd());
  EXPECT_TRUE(reader.ExpectEnd("x").ok());
  auto past = reader.ReadUint64("class id");
  EXPECT_THAT(std::string(past.status().message()),
              HasSubstr("offset 11: class id needs 8 bytes, 0 left"));
}

TEST(AxdrReaderTest, RejectsUnsupportedLengthForms) {
  EXPECT_THAT(std::string(AxdrReader(Bytes{0x80}).ReadLength("len").status().message()),
              HasSubstr("offset 0: len: unsupported length form 0x80"));
  EXPECT_THAT(
      std::string(AxdrReader(Bytes{0x85, 1, 2, 3, 4, 5}).ReadLength("len").status().message()),
      HasSubstr("unsupported length form 0x85"));
  EXPECT_FALSE(AxdrReader(Bytes{0x82, 0x01}).ReadLength("len").ok());
}

// --- malformed input -------------------------------------------------------------------

void ExpectInvalid(const Bytes& bytes, std::string_view message) {
  auto decoded = DecodeData(bytes);
  ASSERT_FALSE(decoded.ok()) << "decoded " << decoded->DebugString();
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(decoded.status().message()), HasSubstr(message));
}

TEST(AxdrMalformedTest, EveryTruncationFails) {
  const DataValue tree = DataValue::Structure({
      DataValue::VisibleString("KFM_001"),
      DataValue::OctetString(Bytes(200, 0xAA)),
      DataValue::Array({DataValue::Long64(5), DataValue::Float32(1.5f)}),
      DataValue::BitString(12, {0xFF, 0xF0}),
      DataValue::DateTime(DateTimeBytes{}),
      DataValue::Date({}),
      DataValue::Time({}),
      DataValue::Boolean(true),
      DataValue::Null(),
  });
  const Bytes full = EncodeData(tree);
  ASSERT_TRUE(DecodeData(full).ok());
  for (size_t size = 0; size < full.size(); ++size) {
    auto decoded = DecodeData(std::span(full).first(size));
    ASSERT_FALSE(decoded.ok()) << "prefix of " << size << " bytes decoded";
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(decoded.status().message()), HasSubstr("A-XDR offset "));
  }
}

TEST(AxdrMalformedTest, LengthsPastTheEnd) {
  ExpectInvalid({0x09, 0x81, 0xC8, 0x01, 0x02},
                "offset 1: octet-string of 200 bytes runs past the end (2 bytes left)");
  ExpectInvalid({0x0A, 0x84, 0xFF, 0xFF, 0xFF, 0xFF}, "visible-string of 4294967295 bytes");
  ExpectInvalid({0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}, "bit-string of 4294967295 bits");
  ExpectInvalid({0x04, 0x09, 0xFF}, "bit-string of 9 bits runs past the end (1 bytes left)");
  ExpectInvalid({0x19, 0x07, 0xEA}, "offset 1: date-time needs 12 bytes, 2 left");
  ExpectInvalid({0x06, 0x00, 0x00}, "double-long-unsigned needs 4 bytes, 2 left");
  ExpectInvalid({0x09, 0x80}, "unsupported length form 0x80");
  ExpectInvalid({}, "offset 0: Data tag needs 1 bytes, 0 left");
}

TEST(AxdrMalformedTest, ElementCountsLargerThanTheInput) {
  // Counts are checked before anything is allocated: 4 billion elements in 7 bytes.
  ExpectInvalid({0x01, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00},
                "offset 1: array of 4294967295 elements runs past the end (1 bytes left)");
  ExpectInvalid({0x02, 0x03, 0x11, 0x01}, "structure of 3 elements");
  // A count that fits the bytes but whose elements do not.
  ExpectInvalid({0x02, 0x02, 0x06, 0x00}, "offset 3: double-long-unsigned needs 4 bytes, 1 left");
}

TEST(AxdrMalformedTest, NestingLimit) {
  auto nested = [](int depth) {
    Bytes bytes;
    for (int i = 0; i < depth; ++i) bytes.insert(bytes.end(), {0x01, 0x01});
    bytes.push_back(0x00);
    return bytes;
  };
  ASSERT_TRUE(DecodeData(nested(kMaxDataDepth)).ok());
  ExpectInvalid(nested(kMaxDataDepth + 1), "offset 32: array nested deeper than 16 levels");
  ExpectInvalid(nested(100000), "nested deeper than 16 levels");
}

TEST(AxdrMalformedTest, UnsupportedTags) {
  for (uint8_t tag : {7, 8, 11, 14, 19, 28, 100, 255}) {
    ExpectInvalid({tag, 0x00, 0x00, 0x00, 0x00},
                  absl::StrCat("offset 0: unsupported Data tag ", static_cast<unsigned>(tag)));
  }
  ExpectInvalid({0x02, 0x01, 0x13, 0x00}, "offset 2: unsupported Data tag 19");
}

TEST(AxdrMalformedTest, TrailingBytes) {
  ExpectInvalid({0x11, 0x01, 0x00}, "offset 2: 1 trailing bytes after the Data value");
}

TEST(AxdrMalformedTest, RandomMutationsNeverCrash) {
  const Bytes seed = EncodeData(DataValue::Structure({
      DataValue::VisibleString("KFM"),
      DataValue::Array({DataValue::Structure(
          {DataValue::ObisCode(Obis(1, 1, 1, 8, 0, 255)), DataValue::DoubleLongUnsigned(1234)})}),
      DataValue::BitString(9, {0x01, 0x80}),
      DataValue::Float64(2.0),
  }));
  std::mt19937 random(20260101);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 20000; ++round) {
    Bytes bytes = seed;
    const int mutations = 1 + round % 4;
    for (int m = 0; m < mutations; ++m) {
      bytes[static_cast<size_t>(random()) % bytes.size()] = static_cast<uint8_t>(byte(random));
    }
    auto decoded = DecodeData(bytes);
    if (decoded.ok()) {
      // Whatever decodes must survive its own round trip (compared as bytes: NaN != NaN).
      const Bytes encoded = EncodeData(*decoded);
      EXPECT_EQ(EncodeData(DecodeData(encoded).value()), encoded);
    } else {
      EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace vmuc::dlms
