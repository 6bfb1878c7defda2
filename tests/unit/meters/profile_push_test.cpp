// The load-profile push: the documented bytes, the entries of a real meter's load profile
// in a span, round trips, and errors that name what is wrong.
#include "meters/cosem/profile_push.h"

#include <gtest/gtest.h>

#include "meters/fleet.h"

namespace vmuc::meters {
namespace {

using namespace std::chrono_literals;

const TimePoint kEpoch = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 1 / 1));

ProfilePush Example() {
  ProfilePush push;
  push.invoke_id = 9;
  push.meter_id = "5700000000000001";
  push.sent_at = kEpoch + 15min;
  push.capture_period_s = 900;
  push.channels = {dlms::Obis(1, 1, 1, 8, 0, 255)};
  push.rows = {{.captured_at = kEpoch + 15min, .status = 0x08, .values = {1234}}};
  return push;
}

TEST(ProfilePushTest, EncodesTheDocumentedBytes) {
  // Hand-assembled from the layout in profile_push.h and IEC 62056-6-2 A-XDR.
  const std::vector<uint8_t> expected = {
      0x0F, 0x00, 0x00, 0x00, 0x09,                          // data-notification, invoke id 9
      0x0C, 0x07, 0xEA, 0x01, 0x01, 0x04, 0x00, 0x0F, 0x00,  // 2026-01-01 Thu 00:15:00
      0xFF, 0x80, 0x00, 0x00,                                // hundredths, deviation n/s, status
      0x02, 0x05,                                            // structure of 5
      0x0A, 0x09, 'V', 'M', 'U', 'C', '-', 'L', 'P', '-', '1',  // list identifier
      0x0A, 0x10, '5', '7', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0',
      '1',                                             // meter number
      0x06, 0x00, 0x00, 0x03, 0x84,                    // period 900 s
      0x01, 0x01, 0x09, 0x06, 0x01, 0x01, 0x01, 0x08, 0x00, 0xFF,  // channels: A+
      0x01, 0x01, 0x02, 0x03,                          // one row of 3 columns
      0x09, 0x0C, 0x07, 0xEA, 0x01, 0x01, 0x04, 0x00, 0x0F, 0x00, 0xFF, 0x80, 0x00, 0x00,
      0x12, 0x00, 0x08,                                // status
      0x06, 0x00, 0x00, 0x04, 0xD2};                   // 1234
  EXPECT_EQ(EncodeProfilePush(Example()), expected);
  auto decoded = DecodeProfilePush(expected);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, Example());
}

TEST(ProfilePushTest, CarriesTheEntriesOfTheSpanFromARealMeter) {
  Meter meter(FleetMeter(FleetSection(), 3), kEpoch);
  meter.AdvanceTo(kEpoch + 5h);
  const std::vector<ProfileEntry> entries = meter.load_profile()->entries();
  ASSERT_EQ(entries.size(), 20u);  // 15-minute entries over 5 h

  // (1 h, 2 h]: the entries at 1:15, 1:30, 1:45 and 2:00.
  auto push = ProfilePushOf(meter, kEpoch + 1h, kEpoch + 2h, 900, 77);
  ASSERT_TRUE(push.has_value());
  ASSERT_EQ(push->rows.size(), 4u);
  EXPECT_EQ(push->rows.front().captured_at, kEpoch + 75min);
  EXPECT_EQ(push->rows.back().captured_at, kEpoch + 2h);
  EXPECT_EQ(push->channels.size(), meter.load_profile()->channel_list().size());
  EXPECT_EQ(push->channels.front(), dlms::Obis(1, 1, 1, 8, 0, 255));
  for (size_t i = 0; i < 4; ++i) {
    const ProfileEntry& entry = entries[4 + i];
    EXPECT_EQ(push->rows[i].captured_at, entry.at);
    EXPECT_EQ(push->rows[i].status, entry.status);
    ASSERT_EQ(push->rows[i].values.size(), entry.channels);
    for (size_t c = 0; c < entry.channels; ++c) EXPECT_EQ(push->rows[i].values[c], entry.values[c]);
  }
  auto decoded = DecodeProfilePush(EncodeProfilePush(*push));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, *push);

  // A span between two captures holds nothing: no push.
  EXPECT_FALSE(ProfilePushOf(meter, kEpoch + 61min, kEpoch + 74min, 900, 78).has_value());
}

TEST(ProfilePushTest, EveryTruncationIsAnErrorNotACrash) {
  const std::vector<uint8_t> bytes = EncodeProfilePush(Example());
  for (size_t size = 0; size < bytes.size(); ++size) {
    EXPECT_FALSE(DecodeProfilePush(std::span(bytes).first(size)).ok()) << size;
  }
}

TEST(ProfilePushTest, AnotherListIsNotFoundAndBadContentIsNamed) {
  ProfilePush push = Example();
  std::vector<uint8_t> bytes = EncodeProfilePush(push);
  bytes[27] = 'X';  // "VMUC-XP-1"
  EXPECT_TRUE(absl::IsNotFound(DecodeProfilePush(bytes).status()));

  push = Example();
  push.meter_id = "57";
  EXPECT_NE(DecodeProfilePush(EncodeProfilePush(push)).status().message().find("element 1"),
            std::string::npos);
  push = Example();
  push.capture_period_s = 7;
  EXPECT_NE(DecodeProfilePush(EncodeProfilePush(push)).status().message().find("element 2"),
            std::string::npos);
  push = Example();
  push.rows.push_back(push.rows.front());  // not after the previous row
  const auto status = DecodeProfilePush(EncodeProfilePush(push)).status();
  EXPECT_NE(status.message().find("element 4: profile buffer: row 1"), std::string::npos)
      << status;
  push = Example();
  push.rows.front().values.push_back(5);  // more columns than channels
  EXPECT_NE(DecodeProfilePush(EncodeProfilePush(push)).status().message().find("row 0"),
            std::string::npos);
}

TEST(ProfilePushTest, RangeAccessNamesTheClockColumn) {
  const dlms::SelectiveAccess access = ProfileRangeAccess(kEpoch, kEpoch + 1h);
  EXPECT_EQ(access.selector, 1);
  const auto elements = *access.parameters.AsStructure();
  ASSERT_EQ(elements.size(), 4u);
  const auto clock = *elements[0].AsStructure();
  EXPECT_EQ(*clock[1].AsObis(), dlms::Obis(0, 0, 1, 0, 0, 255));
  EXPECT_EQ(*elements[1].AsDateTime(), kEpoch);
  EXPECT_EQ(*elements[2].AsDateTime(), kEpoch + 1h);
}

}  // namespace
}  // namespace vmuc::meters
