#include "meters/cosem/push_list.h"

#include <gtest/gtest.h>

#include "meters/fleet.h"

namespace vmuc::meters {
namespace {

using namespace std::chrono_literals;

const TimePoint kEpoch = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 1 / 1));

PushSnapshot Example() {
  PushSnapshot snapshot;
  snapshot.invoke_id = 7;
  snapshot.meter_id = "5700000000000001";
  snapshot.captured_at = kEpoch + 15min;
  snapshot.registers = {{dlms::Obis(1, 1, 1, 8, 0, 255), 1234, 0, dlms::Unit::kWattHour}};
  return snapshot;
}

TEST(PushListTest, EncodesTheDocumentedBytes) {
  // Hand-assembled from the layout in push_list.h and IEC 62056-6-2 A-XDR.
  const std::vector<uint8_t> expected = {
      0x0F, 0x00, 0x00, 0x00, 0x07,                          // data-notification, invoke id 7
      0x0C, 0x07, 0xEA, 0x01, 0x01, 0x04, 0x00, 0x0F, 0x00,  // 2026-01-01 Thu 00:15:00
      0xFF, 0x80, 0x00, 0x00,                                // hundredths, deviation n/s, status
      0x02, 0x05,                                            // structure of 5
      0x0A, 0x0B, 'V',  'M',  'U',  'C',  '-',  'P',  'U',  'S',  'H',  '-',  '1', 0x09,
      0x06, 0x01, 0x01, 0x00, 0x00, 0x05, 0xFF,  // 1.1.0.0.5.255
      0x0A, 0x10, '5',  '7',  '0',  '0',  '0',  '0',  '0',  '0',  '0',  '0',  '0', '0',
      '0',  '0',  '0',  '1',  0x09, 0x06, 0x01, 0x01, 0x01, 0x08, 0x00, 0xFF,  // 1.1.1.8.0.255
      0x06, 0x00, 0x00, 0x04, 0xD2};                                           // 1234 Wh
  EXPECT_EQ(EncodePush(Example()), expected);
}

TEST(PushListTest, RoundTripsACoreSnapshot) {
  MeterCore core(FleetMeter(FleetSection(), 4), kEpoch);
  core.AdvanceTo(kEpoch + 40 * 24h + 17s);
  const PushSnapshot snapshot = SnapshotOf(core, 99);
  auto decoded = DecodePush(EncodePush(snapshot));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->meter_id, "5700000000000005");
  EXPECT_EQ(decoded->captured_at, kEpoch + 40 * 24h + 17s);
  EXPECT_EQ(decoded->invoke_id, 99u);
  ASSERT_EQ(decoded->registers.size(), 4u);
  EXPECT_EQ(decoded->registers[0].value, static_cast<int64_t>(core.active_import_wh()));
  EXPECT_EQ(decoded->registers[3].obis, dlms::Obis(1, 1, 61, 8, 0, 255));
  EXPECT_EQ(decoded->registers[3].value, static_cast<int64_t>(core.active_import_wh(2)));
  EXPECT_EQ(decoded->registers[3].unit, dlms::Unit::kWattHour);
}

TEST(PushListTest, EveryTruncationIsAnErrorNotACrash) {
  const std::vector<uint8_t> bytes = EncodePush(Example());
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodePush(std::span(bytes.data(), n)).ok()) << "length " << n;
  }
}

TEST(PushListTest, WrongContentIsNamed) {
  PushSnapshot unknown = Example();
  unknown.registers[0].obis = dlms::Obis(1, 1, 99, 8, 0, 255);
  auto decoded = DecodePush(EncodePush(unknown));
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(std::string(decoded.status().message()).find("1.1.99.8.0.255 is not pushed"),
            std::string::npos)
      << decoded.status();

  PushSnapshot short_id = Example();
  short_id.meter_id = "123";
  EXPECT_NE(std::string(DecodePush(EncodePush(short_id)).status().message()).find("16 digits"),
            std::string::npos);
}

}  // namespace
}  // namespace vmuc::meters
