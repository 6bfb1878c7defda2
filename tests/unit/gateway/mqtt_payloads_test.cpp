#include "gateway/collector/mqtt_payloads.h"

#include <gtest/gtest.h>

namespace vmuc::gateway {
namespace {

TEST(MqttPayloadsTest, ReadingsJsonIsStable) {
  // Golden: integrators parse this; change it only with docs/mqtt.md.
  const TimePoint at = TimePoint(std::chrono::seconds(1'767'226'500));
  const std::string json =
      ReadingsJson("gw1", "5700000000000001", at,
                   {{"1.1.1.8.0.255", 12345, 0, 30, at}, {"1.1.21.8.0.255", 4000, 0, 30, at}});
  EXPECT_EQ(
      json,
      R"({"gateway":"gw1","meter":"5700000000000001","captured_at":"2026-01-01T00:15:00.000Z",)"
      R"("registers":[{"obis":"1.1.1.8.0.255","value":12345,"scaler":0,"unit":"Wh"},)"
      R"({"obis":"1.1.21.8.0.255","value":4000,"scaler":0,"unit":"Wh"}]})");
}

TEST(MqttPayloadsTest, TopicsAndEscaping) {
  EXPECT_EQ(MeterTopic("vmuc", "gw1", "5700000000000001", "readings"),
            "vmuc/gw1/5700000000000001/readings");
  EXPECT_EQ(GatewayStatusTopic("vmuc", "gw1"), "vmuc/gw1/status");
  EXPECT_EQ(JsonQuote("a\"b\\c\n\x01"), R"("a\"b\\c\n\u0001")");
}

}  // namespace
}  // namespace vmuc::gateway
