#include "dlms/data_notification.h"

#include <cstdint>
#include <vector>

#include "common/time.h"
#include "dlms/obis.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vmuc::dlms {
namespace {

using ::testing::HasSubstr;

using Bytes = std::vector<uint8_t>;

// A short consumer-port list (cosem-object-model.md, "Consumer-port push"): the list
// version string with no OBIS before it, then OBIS / value pairs.
DataNotification ConsumerPortPush() {
  DataNotification push;
  push.long_invoke_id_and_priority = 0x00000001;
  push.date_time =
      EncodeDateTime(ParseRfc3339("2026-01-01T00:00:10Z").value(), kMeterDateTimeOptions);
  push.body = DataValue::Structure({
      DataValue::VisibleString("KFM_001"),
      DataValue::ObisCode(Obis(1, 1, 1, 7, 0, 255)),
      DataValue::DoubleLongUnsigned(1234),
  });
  return push;
}

const Bytes kConsumerPortPushBytes = {
    0x0F,                                                 // data-notification
    0x00, 0x00, 0x00, 0x01,                               // long-invoke-id-and-priority
    0x0C,                                                 // date-time: 12 bytes
    0x07, 0xEA, 0x01, 0x01, 0x04, 0x00, 0x00, 0x0A,       // 2026-01-01 Thu 00:00:10
    0xFF, 0x80, 0x00, 0x00,                               // hundredths, deviation, status
    0x02, 0x03,                                           // structure of 3
    0x0A, 0x07, 'K',  'F',  'M',  '_',  '0',  '0',  '1',  // list version
    0x09, 0x06, 0x01, 0x01, 0x01, 0x07, 0x00, 0xFF,       // P+ 1.1.1.7.0.255
    0x06, 0x00, 0x00, 0x04, 0xD2,                         // 1234 W
};

TEST(DataNotificationTest, EncodesTheConsumerPortShape) {
  EXPECT_EQ(EncodeDataNotification(ConsumerPortPush()), kConsumerPortPushBytes);
}

TEST(DataNotificationTest, DecodesTheConsumerPortShape) {
  auto decoded = DecodeDataNotification(kConsumerPortPushBytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, ConsumerPortPush());
  EXPECT_EQ(decoded->long_invoke_id_and_priority & kLongInvokeIdMask, 1u);
  ASSERT_TRUE(decoded->date_time.has_value());
  EXPECT_EQ(DecodeDateTime(*decoded->date_time).value(),
            ParseRfc3339("2026-01-01T00:00:10Z").value());
  auto elements = decoded->body.AsStructure();
  ASSERT_TRUE(elements.ok());
  EXPECT_EQ((*elements)[1].AsObis().value(), Obis(1, 1, 1, 7, 0, 255));
}

TEST(DataNotificationTest, AbsentDateTimeIsAnEmptyOctetString) {
  DataNotification push;
  push.long_invoke_id_and_priority = kPriorityHigh | kServiceClassConfirmed | 42;
  push.body = DataValue::Unsigned(7);
  const Bytes expected = {0x0F, 0xC0, 0x00, 0x00, 0x2A, 0x00, 0x11, 0x07};
  EXPECT_EQ(EncodeDataNotification(push), expected);
  auto decoded = DecodeDataNotification(expected);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, push);
  EXPECT_FALSE(decoded->date_time.has_value());
}

TEST(DataNotificationTest, AppendsAfterExistingBytes) {
  Bytes out = {0xE6, 0xE7, 0x00};  // LLC header of the HDLC UI frame
  AppendDataNotification(ConsumerPortPush(), out);
  ASSERT_EQ(out.size(), 3 + kConsumerPortPushBytes.size());
  EXPECT_TRUE(
      std::equal(kConsumerPortPushBytes.begin(), kConsumerPortPushBytes.end(), out.begin() + 3));
}

TEST(DataNotificationTest, KeepsWildcardDateTimesByteExact) {
  Bytes bytes = kConsumerPortPushBytes;
  bytes[7] = 0xFF;  // month not specified: not a point in time, still carried
  auto decoded = DecodeDataNotification(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_FALSE(DecodeDateTime(*decoded->date_time).ok());
  EXPECT_EQ(EncodeDataNotification(*decoded), bytes);
}

void ExpectInvalid(const Bytes& bytes, std::string_view message) {
  auto decoded = DecodeDataNotification(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(decoded.status().message()), HasSubstr(message));
}

TEST(DataNotificationTest, RejectsAWrongTag) {
  Bytes bytes = kConsumerPortPushBytes;
  bytes[0] = 0xC4;  // GET-Response
  ExpectInvalid(bytes, "offset 0: expected data-notification tag 0x0F, got 0xc4");
}

TEST(DataNotificationTest, RejectsOtherDateTimeSizes) {
  ExpectInvalid({0x0F, 0x00, 0x00, 0x00, 0x01, 0x05, 0x07, 0xEA, 0x01, 0x01, 0x04, 0x00},
                "offset 5: date-time must be empty or 12 bytes, not 5");
}

TEST(DataNotificationTest, RejectsTrailingBytes) {
  Bytes bytes = kConsumerPortPushBytes;
  bytes.push_back(0x00);
  ExpectInvalid(bytes, "1 trailing bytes after the data-notification body");
}

TEST(DataNotificationTest, RejectsAMalformedBody) {
  ExpectInvalid({0x0F, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x05, 0x00},
                "offset 7: structure of 5 elements runs past the end");
}

TEST(DataNotificationTest, EveryTruncationFails) {
  for (size_t size = 0; size < kConsumerPortPushBytes.size(); ++size) {
    auto decoded = DecodeDataNotification(std::span(kConsumerPortPushBytes).first(size));
    ASSERT_FALSE(decoded.ok()) << "prefix of " << size << " bytes decoded";
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace vmuc::dlms
