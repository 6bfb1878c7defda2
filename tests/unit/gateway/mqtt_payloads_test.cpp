#include "gateway/mqtt/mqtt_payloads.h"

#include <gtest/gtest.h>

#include "gateway/api/gateway_service.h"
#include "gateway/mqtt/json_profile.h"

namespace vmuc::gateway {
namespace {

const TimePoint kAt = TimePoint(std::chrono::seconds(1'767'226'500));  // 2026-01-01T00:15:00Z

TEST(MqttPayloadsTest, ReadingsJsonIsStable) {
  // Golden: integrators parse this; change it only with docs/mqtt.md.
  v1::Event event;
  event.set_meter_id("5700000000000001");
  ToTimestampOf(kAt, event.mutable_at());
  ToProto(RegisterRecord{"1.1.1.8.0.255", 12345, 0, 30, kAt},
          event.mutable_readings()->add_registers());
  ToProto(RegisterRecord{"1.1.21.8.0.255", 4000, -1, 30, kAt},
          event.mutable_readings()->add_registers());
  EXPECT_EQ(ReadingsJson("gw1", 42, event),
            R"({"gateway":"gw1","meter":"5700000000000001","seq":42,)"
            R"("captured_at":"2026-01-01T00:15:00.000Z",)"
            R"("registers":[{"obis":"1.1.1.8.0.255","value":12345,"scaler":0,"unit":"Wh"},)"
            R"({"obis":"1.1.21.8.0.255","value":4000,"scaler":-1,"unit":"Wh"}]})");
}

TEST(MqttPayloadsTest, LoadProfileJsonIsStable) {
  v1::Event event;
  event.set_meter_id("5700000000000001");
  v1::LoadProfile& profile = *event.mutable_load_profile();
  profile.set_period_s(900);
  profile.add_channels("1.1.1.29.0.255");
  profile.add_channels("1.1.2.29.0.255");
  for (int i = 0; i < 2; ++i) {
    v1::LoadProfileRow& row = *profile.add_rows();
    ToTimestampOf(kAt + std::chrono::minutes(15 * i), row.mutable_captured_at());
    row.set_status(i == 0 ? 0 : 0x80);
    row.add_values(100 + i);
    row.add_values(7);
    row.set_read_back(i == 1);
  }
  EXPECT_EQ(LoadProfileJson("gw1", 7, event),
            R"({"gateway":"gw1","meter":"5700000000000001","seq":7,"period_s":900,)"
            R"("channels":["1.1.1.29.0.255","1.1.2.29.0.255"],"entries":[)"
            R"({"captured_at":"2026-01-01T00:15:00.000Z","status":0,"values":[100,7],)"
            R"("read_back":false},)"
            R"({"captured_at":"2026-01-01T00:30:00.000Z","status":128,"values":[101,7],)"
            R"("read_back":true}]})");
}

TEST(MqttPayloadsTest, MeterStatusJsonIsStable) {
  v1::Event event;
  event.set_meter_id("5700000000000001");
  ToTimestampOf(kAt, event.mutable_at());
  event.mutable_meter_discovered()->set_node_address(17);
  EXPECT_EQ(MeterStatusJson("gw1", 1, event),
            R"({"gateway":"gw1","meter":"5700000000000001","seq":1,"state":"online",)"
            R"("node_address":17,"since":"2026-01-01T00:15:00.000Z"})");
}

TEST(MqttPayloadsTest, BillingPeriodJsonGivesAMaximumItsOwnTime) {
  v1::Event event;
  event.set_meter_id("5700000000000001");
  ToTimestampOf(kAt, event.mutable_billing_period()->mutable_captured_at());
  ToProto(RegisterRecord{"1.1.1.8.0.255", 5000, 0, 30, kAt},
          event.mutable_billing_period()->add_registers());
  ToProto(RegisterRecord{"1.1.1.6.0.255", 2300, 0, 27, kAt - std::chrono::hours(5)},
          event.mutable_billing_period()->add_registers());
  EXPECT_EQ(BillingPeriodJson("gw1", 9, event),
            R"({"gateway":"gw1","meter":"5700000000000001","seq":9,)"
            R"("captured_at":"2026-01-01T00:15:00.000Z","registers":[)"
            R"({"obis":"1.1.1.8.0.255","value":5000,"scaler":0,"unit":"Wh"},)"
            R"({"obis":"1.1.1.6.0.255","value":2300,"scaler":0,"unit":"W",)"
            R"("at":"2025-12-31T19:15:00.000Z"}]})");
}

TEST(MqttPayloadsTest, MeterEventsGoToEventsAlarmsOrPq) {
  JsonProfile profile("vmuc", "gw1");
  auto topic_of = [&](bool alarm, bool power_quality) {
    v1::Event event;
    event.set_meter_id("5700000000000001");
    v1::MeterEvent& entry = *event.mutable_meter_event();
    entry.set_log(alarm ? "fraud" : power_quality ? "power_quality" : "standard");
    entry.set_code(40);
    entry.set_name("terminal_cover_opened");
    ToTimestampOf(kAt, entry.mutable_captured_at());
    entry.set_alarm(alarm);
    entry.set_power_quality(power_quality);
    const std::vector<MqttMessage> messages = profile.Render(3, event, false, kAt);
    EXPECT_EQ(messages.size(), 1u);
    return messages.empty() ? std::string() : messages[0].topic + " " + messages[0].payload;
  };
  EXPECT_EQ(topic_of(true, false),
            R"(vmuc/gw1/5700000000000001/alarms {"gateway":"gw1","meter":"5700000000000001",)"
            R"("seq":3,"log":"fraud","code":40,"name":"terminal_cover_opened",)"
            R"("captured_at":"2026-01-01T00:15:00.000Z","value":0,"alarm":true,)"
            R"("power_quality":false})");
  EXPECT_EQ(topic_of(false, true).substr(0, 29), "vmuc/gw1/5700000000000001/pq ");
  EXPECT_EQ(topic_of(false, false).substr(0, 33), "vmuc/gw1/5700000000000001/events ");
}

TEST(MqttPayloadsTest, TopicsAndEscaping) {
  EXPECT_EQ(MeterTopic("vmuc", "gw1", "5700000000000001", "readings"),
            "vmuc/gw1/5700000000000001/readings");
  EXPECT_EQ(GatewayStatusTopic("vmuc", "gw1"), "vmuc/gw1/status");
  EXPECT_EQ(JsonQuote("a\"b\\c\n\x01"), R"("a\"b\\c\n\u0001")");
}

}  // namespace
}  // namespace vmuc::gateway
