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

TEST(CtlFormatTest, MeshFaultsParseAndBadOnesAreNamed) {
  auto degrade = ParseMeshFault({"degrade", "12", "13", "25.5"});
  ASSERT_TRUE(degrade.ok()) << degrade.status();
  EXPECT_EQ(degrade->action(), v1::MeshFault::ACTION_DEGRADE);
  EXPECT_EQ(degrade->node(), 12u);
  EXPECT_EQ(degrade->peer(), 13u);
  EXPECT_DOUBLE_EQ(degrade->extra_loss_db(), 25.5);
  auto partition = ParseMeshFault({"partition", "0", "0", "100", "50"});
  ASSERT_TRUE(partition.ok());
  EXPECT_DOUBLE_EQ(partition->y_max_m(), 50);
  EXPECT_EQ(ParseMeshFault({"restart-collector"})->action(),
            v1::MeshFault::ACTION_RESTART_COLLECTOR);

  EXPECT_NE(ParseMeshFault({"explode"}).status().message().find("'explode' is not a fault"),
            std::string::npos);
  EXPECT_NE(ParseMeshFault({"kill"}).status().message().find("kill takes 1 argument(s): NODE"),
            std::string::npos);
  EXPECT_NE(ParseMeshFault({"kill", "x7"}).status().message().find("NODE: 'x7' is not a number"),
            std::string::npos);
  EXPECT_NE(ParseMeshFault({"kill", "268435456"}).status().message().find("28-bit"),
            std::string::npos);
  EXPECT_NE(ParseMeshFault({"revive", "1.5"}).status().message().find("28-bit"), std::string::npos);
}

}  // namespace
}  // namespace vmuc::gateway
