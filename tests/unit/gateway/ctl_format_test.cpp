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

// The February period end of 2026 (1 769 904 000): the stop counter, A+ with scaler -3 for
// the decimals, and two maxima, one reached on 14 January at 18:15, one never.
v1::BillingPeriod BillingPeriodGolden() {
  v1::BillingPeriod period;
  period.mutable_captured_at()->set_seconds(1'769'904'000);
  auto add = [&](const char* obis, int64_t value, int32_t scaler, uint32_t unit, const char* symbol,
                 int64_t at_s) {
    v1::RegisterValue* reg = period.add_registers();
    reg->set_obis(obis);
    reg->set_value(value);
    reg->set_scaler(scaler);
    reg->set_unit(unit);
    reg->set_unit_symbol(symbol);
    if (at_s != 0) reg->mutable_captured_at()->set_seconds(at_s);
  };
  add("0.0.0.1.0.255", 2, 0, 255, "", 1'769'904'000);
  add("1.1.1.8.0.255", 1234567, -3, 30, "Wh", 1'769'904'000);
  add("1.1.1.6.0.255", 4210, 0, 27, "W", 1'768'414'500);
  add("1.1.10.6.0.255", 0, 0, 28, "VA", 0);
  return period;
}

TEST(CtlFormatTest, BillingTableAndCsvGolden) {
  EXPECT_EQ(BillingTable({BillingPeriodGolden()}),
            "CAPTURED AT               OBIS            VALUE     UNIT  MAX AT\n"
            "2026-02-01T00:00:00.000Z  0.0.0.1.0.255   2               \n"
            "2026-02-01T00:00:00.000Z  1.1.1.8.0.255   1234.567  Wh    \n"
            "2026-02-01T00:00:00.000Z  1.1.1.6.0.255   4210      W     2026-01-14T18:15:00.000Z\n"
            "2026-02-01T00:00:00.000Z  1.1.10.6.0.255  0         VA    -\n");
  EXPECT_EQ(BillingTable({}), "CAPTURED AT  OBIS  VALUE  UNIT  MAX AT\n");
  EXPECT_EQ(BillingCsvHeader() + BillingCsvLines(BillingPeriodGolden()),
            "captured_at,obis,value,scaler,unit,value_at\n"
            "2026-02-01T00:00:00.000Z,0.0.0.1.0.255,2,0,255,2026-02-01T00:00:00.000Z\n"
            "2026-02-01T00:00:00.000Z,1.1.1.8.0.255,1234567,-3,30,2026-02-01T00:00:00.000Z\n"
            "2026-02-01T00:00:00.000Z,1.1.1.6.0.255,4210,0,27,2026-01-14T18:15:00.000Z\n"
            "2026-02-01T00:00:00.000Z,1.1.10.6.0.255,0,0,28,\n");
}

TEST(CtlFormatTest, EventLineShowsBillingPeriodsMeterEventsAndProfiles) {
  v1::Event billing;
  billing.set_sequence(43);
  billing.set_meter_id("5700000000000001");
  billing.mutable_at()->set_seconds(1'769'904'000);
  *billing.mutable_billing_period() = BillingPeriodGolden();
  billing.mutable_billing_period()->mutable_registers()->DeleteSubrange(2, 2);
  EXPECT_EQ(EventLine(billing),
            "43  2026-02-01T00:00:00.000Z  5700000000000001  billing_period  "
            "end=2026-02-01T00:00:00.000Z 0.0.0.1.0.255=2 1.1.1.8.0.255=1234.567Wh");

  v1::Event failure;
  failure.set_sequence(44);
  failure.set_meter_id("5700000000000001");
  failure.mutable_at()->set_seconds(1'769'868'000);
  v1::MeterEvent* entry = failure.mutable_meter_event();
  entry->set_log("power_failure");
  entry->set_code(1001);
  entry->set_name("long_power_failure");
  entry->set_value(3600);
  EXPECT_EQ(EventLine(failure),
            "44  2026-01-31T14:00:00.000Z  5700000000000001  meter_event  "
            "log=power_failure code=1001 long_power_failure value=3600");
  entry->set_log("fraud");
  entry->set_code(40);
  entry->set_name("terminal_cover_opened");
  entry->set_value(0);
  entry->set_alarm(true);
  EXPECT_EQ(EventLine(failure),
            "44  2026-01-31T14:00:00.000Z  5700000000000001  meter_alarm  "
            "log=fraud code=40 terminal_cover_opened");
  entry->set_log("power_quality");
  entry->set_code(1234);
  entry->clear_name();
  entry->set_alarm(false);
  entry->set_power_quality(true);
  EXPECT_EQ(EventLine(failure),
            "44  2026-01-31T14:00:00.000Z  5700000000000001  meter_event  "
            "log=power_quality code=1234 power_quality");

  v1::Event profile;
  profile.set_sequence(45);
  profile.set_meter_id("5700000000000001");
  profile.mutable_at()->set_seconds(1'767'226'500);
  profile.mutable_load_profile()->set_period_s(900);
  profile.mutable_load_profile()->add_rows();
  profile.mutable_load_profile()->add_rows()->set_read_back(true);
  EXPECT_EQ(EventLine(profile),
            "45  2026-01-01T00:15:00.000Z  5700000000000001  load_profile  rows=2 period=900s "
            "read_back=1");
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

// Two entries of a meter's profile: 2026-01-01 00:15 and 00:30, channels A+ and A-.
v1::LoadProfileChunk ProfileChunk() {
  v1::LoadProfileChunk chunk;
  chunk.add_channels("1.1.1.8.0.255");
  chunk.add_channels("1.1.2.8.0.255");
  auto* first = chunk.add_entries();
  first->mutable_captured_at()->set_seconds(1'767'226'500);
  first->set_status(8);
  first->add_values(4'294'967'295);  // the largest double-long-unsigned, exactly
  first->add_values(0);
  auto* second = chunk.add_entries();
  second->mutable_captured_at()->set_seconds(1'767'227'400);
  second->set_status(0);
  second->add_values(1'234'567);
  second->add_values(89);
  second->set_read_back(true);
  return chunk;
}

TEST(CtlFormatTest, ProfileCsvGolden) {
  ProfileCsv csv;
  auto first = csv.Add(ProfileChunk());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first,
            "captured_at,status,1.1.1.8.0.255,1.1.2.8.0.255\n"
            "2026-01-01T00:15:00.000Z,8,4294967295,0\n"
            "2026-01-01T00:30:00.000Z,0,1234567,89\n");
  // A later chunk with the same channels: rows only.
  v1::LoadProfileChunk next = ProfileChunk();
  next.mutable_entries()->DeleteSubrange(0, 1);
  next.mutable_entries(0)->mutable_captured_at()->set_seconds(1'767'228'300);
  EXPECT_EQ(*csv.Add(next), "2026-01-01T00:45:00.000Z,0,1234567,89\n");
  EXPECT_EQ(csv.Finish(), "");
  // Other channels cannot share the columns.
  next.add_channels("1.1.3.8.0.255");
  const auto changed = csv.Add(next);
  EXPECT_EQ(changed.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(changed.status().message()),
            "the meter's channels change at 2026-01-01T00:45:00.000Z "
            "(1.1.1.8.0.255,1.1.2.8.0.255,1.1.3.8.0.255); export the ranges before and after "
            "apart");
  // Nothing at all: the header of what is known.
  EXPECT_EQ(ProfileCsv().Finish(), "captured_at,status\n");
}

TEST(CtlFormatTest, ProfileTableGolden) {
  v1::LoadProfileChunk wider = ProfileChunk();
  wider.mutable_entries()->DeleteSubrange(0, 1);
  wider.add_channels("1.1.3.8.0.255");
  wider.mutable_entries(0)->add_values(5);
  EXPECT_EQ(ProfileTable({ProfileChunk(), wider}),
            "CAPTURED AT               STATUS  1.1.1.8.0.255  1.1.2.8.0.255  READ BACK\n"
            "2026-01-01T00:15:00.000Z  8       4294967295     0              no\n"
            "2026-01-01T00:30:00.000Z  0       1234567        89             yes\n"
            "\n"
            "CAPTURED AT               STATUS  1.1.1.8.0.255  1.1.2.8.0.255  1.1.3.8.0.255  "
            "READ BACK\n"
            "2026-01-01T00:30:00.000Z  0       1234567        89             5              yes\n");
  EXPECT_EQ(ProfileTable({}), "");
}

TEST(CtlFormatTest, StatusTableGolden) {
  v1::GatewayStatus status;
  status.set_version("0.1.0");
  status.set_gateway_name("gw1");
  status.mutable_started_at()->set_seconds(1'767'225'600);
  status.set_uptime_s(2 * 86'400 + 3 * 3600 + 4 * 60 + 5);
  status.set_meter_count(100);
  status.set_last_event_sequence(123'456);
  EXPECT_EQ(StatusTable(status),
            "GATEWAY          gw1\n"
            "VERSION          0.1.0\n"
            "STARTED          2026-01-01T00:00:00.000Z\n"
            "UPTIME           2d 03:04:05\n"
            "METERS           100\n"
            "LAST EVENT       123456\n"
            "FRAMES ACCEPTED  -\n"
            "FRAMES REJECTED  -\n"
            "MQTT             -\n"
            "MQTT OUTBOX      -\n");
  status.mutable_live()->set_frames_accepted(98'765);
  status.mutable_live()->set_frames_rejected(3);
  status.mutable_live()->set_mqtt_connected(false);
  status.mutable_live()->set_mqtt_outbox_messages(17);
  const std::string table = StatusTable(status);
  EXPECT_NE(table.find("FRAMES ACCEPTED  98765\nFRAMES REJECTED  3\nMQTT             "
                       "disconnected\nMQTT OUTBOX      17\n"),
            std::string::npos)
      << table;
  EXPECT_EQ(FormatUptime(59), "00:00:59");
  EXPECT_EQ(FormatUptime(86'399), "23:59:59");
  EXPECT_EQ(FormatUptime(86'400), "1d 00:00:00");
}

TEST(CtlFormatTest, TimeOptionsAndTokenFiles) {
  auto from = ParseTimeOption("--from", "2026-01-01T00:15:00.250Z");
  ASSERT_TRUE(from.ok()) << from.status();
  EXPECT_EQ(from->seconds(), 1'767'226'500);
  EXPECT_EQ(from->nanos(), 250'000'000);
  auto before_1970 = ParseTimeOption("--to", "1969-12-31T23:59:59.500Z");
  ASSERT_TRUE(before_1970.ok());
  EXPECT_EQ(before_1970->seconds(), -1);
  EXPECT_EQ(before_1970->nanos(), 500'000'000);
  EXPECT_EQ(std::string(ParseTimeOption("--to", "yesterday").status().message()),
            "--to: 'yesterday' is not an RFC 3339 UTC time (e.g. 2026-01-01T00:00:00Z)");

  EXPECT_EQ(*ParseTokenFile("# for the head-end\n\n  alice-0123456789abcdef \n"),
            "alice-0123456789abcdef");
  EXPECT_EQ(ParseTokenFile("# nothing\n").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTokenFile("alice alice-0123456789abcdef\n").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vmuc::gateway
