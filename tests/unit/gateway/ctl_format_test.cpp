#include "gateway/ctl/ctl_format.h"

#include <gtest/gtest.h>

namespace vmuc::gateway {
namespace {

TEST(CtlFormatTest, ScaledDecimalIsExact) {
  EXPECT_EQ(ScaledDecimal(123456, 0), "123456");
  EXPECT_EQ(ScaledDecimal(123456, -3), "123.456");
  EXPECT_EQ(ScaledDecimal(5, -2), "0.05");
  EXPECT_EQ(ScaledDecimal(-5, -2), "-0.05");
  EXPECT_EQ(ScaledDecimal(12, 2), "1200");
  EXPECT_EQ(ScaledDecimal(0, 3), "0");
  EXPECT_EQ(ScaledDecimal(INT64_MIN, 0), "-9223372036854775808");
}

TEST(CtlFormatTest, RegistersTableGolden) {
  v1::ReadRegistersResponse response;
  auto* reg = response.add_registers();
  reg->set_obis("1.1.1.8.0.255");
  reg->set_value(1234567);
  reg->set_scaler(0);
  reg->set_unit_symbol("Wh");
  reg->mutable_captured_at()->set_seconds(1'767'226'500);
  EXPECT_EQ(RegistersTable(response),
            "OBIS           VALUE    UNIT  CAPTURED AT\n"
            "1.1.1.8.0.255  1234567  Wh    2026-01-01T00:15:00.000Z\n");
}

TEST(CtlFormatTest, EventLineGolden) {
  v1::Event event;
  event.set_sequence(42);
  event.set_meter_id("5700000000000001");
  event.mutable_at()->set_seconds(1'767'226'500);
  auto* reg = event.mutable_readings()->add_registers();
  reg->set_obis("1.1.1.8.0.255");
  reg->set_value(99);
  reg->set_unit_symbol("Wh");
  EXPECT_EQ(EventLine(event),
            "42  2026-01-01T00:15:00.000Z  5700000000000001  readings  1.1.1.8.0.255=99Wh");
}

}  // namespace
}  // namespace vmuc::gateway
