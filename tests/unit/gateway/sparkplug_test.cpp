#include "gateway/mqtt/sparkplug.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/strings.h"
#include "common/version.h"

namespace vmuc::gateway {
namespace {

namespace spb = org::eclipse::tahu::protobuf;
using namespace std::chrono_literals;
using Kind = SparkplugEvent::Kind;

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'767'225'600));  // 2026-01-01T00:00:00Z
constexpr uint64_t kT0Ms = 1'767'225'600'000;
constexpr char kEnergy[] = "1.1.1.8.0.255";    // A+ in Wh
constexpr char kVoltage[] = "1.1.32.7.0.255";  // L1 voltage in 0.1 V
constexpr char kMeter[] = "5700000000000001";
constexpr char kOtherMeter[] = "5700000000000002";

uint64_t Ms(TimePoint t) {
  return static_cast<uint64_t>(
      std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

SparkplugEdgeNode MakeNode(std::string primary_host = "") {
  auto node = SparkplugEdgeNode::Create(
      {.group_id = "vmuc", .edge_node_id = "gw1", .primary_host_id = std::move(primary_host)});
  EXPECT_TRUE(node.ok()) << node.status();
  return std::move(node).value();
}

DeviceReport Reading(std::string device, TimePoint at, int64_t energy_wh, int64_t voltage_dv) {
  return {
      .device_id = std::move(device),
      .at = at,
      .metrics = {{.name = kEnergy, .value = energy_wh, .scaler = 0, .unit = "Wh", .at = {}},
                  {.name = kVoltage, .value = voltage_dv, .scaler = -1, .unit = "V", .at = {}}}};
}

spb::Payload Decode(const MqttMessage& message) {
  auto payload = DecodeSparkplugPayload(message.payload);
  EXPECT_TRUE(payload.ok()) << message.topic << ": " << payload.status();
  return payload.ok() ? *payload : spb::Payload();
}

const spb::Payload_Metric* Find(const spb::Payload& payload, std::string_view name) {
  for (const auto& metric : payload.metrics()) {
    if (metric.name() == name) return &metric;
  }
  return nullptr;
}

// The long_value of metric `name` in a message (0, and a failure, when it has none).
uint64_t LongValue(const MqttMessage& message, std::string_view name) {
  const spb::Payload payload = Decode(message);
  const spb::Payload_Metric* metric = Find(payload, name);
  EXPECT_NE(metric, nullptr) << message.topic << " has no metric " << name;
  return metric == nullptr ? 0 : metric->long_value();
}

std::vector<std::string> Topics(const std::vector<MqttMessage>& messages) {
  std::vector<std::string> topics;
  for (const auto& message : messages) topics.push_back(message.topic);
  return topics;
}

std::vector<MqttMessage> MustReport(SparkplugEdgeNode& node, const DeviceReport& report,
                                    bool historical, TimePoint now) {
  auto messages = node.Report(report, historical, now);
  EXPECT_TRUE(messages.ok()) << messages.status();
  return messages.ok() ? *messages : std::vector<MqttMessage>();
}

// A command payload as a host would send it.
std::string Command(const std::vector<spb::Payload_Metric>& metrics) {
  spb::Payload payload;
  payload.set_timestamp(kT0Ms + 5000);
  for (const auto& metric : metrics) *payload.add_metrics() = metric;
  return payload.SerializeAsString();
}

spb::Payload_Metric BoolMetric(std::string name, bool value) {
  spb::Payload_Metric metric;
  metric.set_name(std::move(name));
  metric.set_datatype(spb::Boolean);
  metric.set_boolean_value(value);
  return metric;
}

spb::Payload_Metric Int64Metric(std::string name, int64_t value) {
  spb::Payload_Metric metric;
  metric.set_name(std::move(name));
  metric.set_datatype(spb::Int64);
  metric.set_long_value(static_cast<uint64_t>(value));
  return metric;
}

std::string StateJson(bool online, uint64_t timestamp_ms) {
  return std::string("{\"online\":") + (online ? "true" : "false") +
         ",\"timestamp\":" + std::to_string(timestamp_ms) + "}";
}

constexpr char kRebirthTopic[] = "spBv1.0/vmuc/NCMD/gw1";
constexpr char kStateTopic[] = "spBv1.0/STATE/scada";

TEST(SparkplugTopicTest, SplitsEveryShape) {
  auto nbirth = ParseSparkplugTopic("spBv1.0/vmuc/NBIRTH/gw1");
  ASSERT_TRUE(nbirth.ok()) << nbirth.status();
  EXPECT_EQ(nbirth->message_type, "NBIRTH");
  EXPECT_EQ(nbirth->group_id, "vmuc");
  EXPECT_EQ(nbirth->edge_node_id, "gw1");
  EXPECT_EQ(nbirth->device_id, "");
  auto dcmd = ParseSparkplugTopic("spBv1.0/vmuc/DCMD/gw1/5700000000000001");
  ASSERT_TRUE(dcmd.ok()) << dcmd.status();
  EXPECT_EQ(dcmd->message_type, "DCMD");
  EXPECT_EQ(dcmd->device_id, "5700000000000001");
  auto state = ParseSparkplugTopic("spBv1.0/STATE/scada");
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->message_type, "STATE");
  EXPECT_EQ(state->host_id, "scada");
}

TEST(SparkplugTopicTest, MalformedTopicsNameTheProblem) {
  const struct {
    const char* topic;
    const char* names;
  } kCases[] = {
      {"spAv1.0/vmuc/NBIRTH/gw1", "namespace"},
      {"vmuc/gw1/status", "namespace"},
      {"spBv1.0/vmuc/NBIRTH", "no edge node id"},
      {"spBv1.0/vmuc/NJUNK/gw1", "unknown message type 'NJUNK'"},
      {"spBv1.0/vmuc/NCMD/gw1/meter", "NCMD takes no device id"},
      {"spBv1.0/vmuc/DCMD/gw1", "DCMD takes exactly one device id"},
      {"spBv1.0/vmuc/DCMD/gw1/a/b", "DCMD takes exactly one device id"},
      {"spBv1.0//NCMD/gw1", "empty element at position 1"},
      {"spBv1.0/STATE/scada/x", "spBv1.0/STATE/<sparkplug_host_id>"},
  };
  for (const auto& c : kCases) {
    auto parsed = ParseSparkplugTopic(c.topic);
    ASSERT_FALSE(parsed.ok()) << c.topic;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << c.topic;
    EXPECT_NE(AsStd(parsed.status().message()).find(c.names), std::string_view::npos)
        << c.topic << ": " << parsed.status();
  }
}

TEST(SparkplugEdgeNodeTest, CreateRefusesIdsThatCannotBeTopicElements) {
  EXPECT_EQ(
      SparkplugEdgeNode::Create({.group_id = "", .edge_node_id = "gw1", .primary_host_id = ""})
          .status()
          .message(),
      "group_id is empty");
  EXPECT_EQ(
      SparkplugEdgeNode::Create({.group_id = "vmuc", .edge_node_id = "gw/1", .primary_host_id = ""})
          .status()
          .message(),
      "edge_node_id 'gw/1' contains /, which Sparkplug reserves in topics");
  EXPECT_EQ(SparkplugEdgeNode::Create(
                {.group_id = "vmuc", .edge_node_id = "gw1", .primary_host_id = "a#"})
                .status()
                .message(),
            "primary_host_id 'a#' contains #, which Sparkplug reserves in topics");
  EXPECT_FALSE(
      SparkplugEdgeNode::Create({.group_id = "\xC3(", .edge_node_id = "gw1", .primary_host_id = ""})
          .ok());
}

TEST(SparkplugEdgeNodeTest, WillIsAnNdeathWithBdSeqAndNoSeq) {
  SparkplugEdgeNode node = MakeNode();
  const MqttMessage will = node.WillMessage(42);
  EXPECT_EQ(will.topic, "spBv1.0/vmuc/NDEATH/gw1");
  EXPECT_EQ(will.qos, 1);
  EXPECT_FALSE(will.retained);
  const spb::Payload payload = Decode(will);
  EXPECT_FALSE(payload.has_seq());
  ASSERT_EQ(payload.metrics_size(), 1);
  EXPECT_EQ(payload.metrics(0).name(), "bdSeq");
  EXPECT_EQ(payload.metrics(0).datatype(), 4u);  // Int64
  EXPECT_EQ(payload.metrics(0).long_value(), 42u);
}

TEST(SparkplugEdgeNodeTest, NbirthHasSeqZeroTheWillsBdSeqAndRebirthFalse) {
  SparkplugEdgeNode node = MakeNode();
  EXPECT_EQ(node.SubscriptionTopics(),
            (std::vector<std::string>{"spBv1.0/vmuc/NCMD/gw1", "spBv1.0/vmuc/DCMD/gw1/+"}));
  const spb::Payload will = Decode(node.WillMessage(7));
  const std::vector<MqttMessage> births = node.OnConnected(7, kT0);
  ASSERT_EQ(births.size(), 1u);
  EXPECT_TRUE(node.born());
  EXPECT_EQ(births[0].topic, "spBv1.0/vmuc/NBIRTH/gw1");
  EXPECT_EQ(births[0].qos, 0);
  EXPECT_FALSE(births[0].retained);
  const spb::Payload birth = Decode(births[0]);
  ASSERT_TRUE(birth.has_seq());
  EXPECT_EQ(birth.seq(), 0u);
  EXPECT_EQ(birth.timestamp(), kT0Ms);
  const auto* bd_seq = Find(birth, "bdSeq");
  ASSERT_NE(bd_seq, nullptr);
  EXPECT_EQ(bd_seq->datatype(), 4u);
  EXPECT_EQ(bd_seq->long_value(), 7u);
  EXPECT_EQ(bd_seq->long_value(), will.metrics(0).long_value());
  const auto* rebirth = Find(birth, "Node Control/Rebirth");
  ASSERT_NE(rebirth, nullptr);
  EXPECT_EQ(rebirth->datatype(), 11u);  // Boolean
  ASSERT_TRUE(rebirth->has_boolean_value());
  EXPECT_FALSE(rebirth->boolean_value());
  const auto* version = Find(birth, "Properties/Software Version");
  ASSERT_NE(version, nullptr);
  EXPECT_EQ(version->datatype(), 12u);  // String
  EXPECT_EQ(version->string_value(), kVersion);
  for (const auto& metric : birth.metrics()) {
    EXPECT_EQ(metric.timestamp(), kT0Ms) << metric.name();
  }
}

TEST(SparkplugEdgeNodeTest, FirstReportBirthsTheDeviceWithValuesTypesAndScale) {
  SparkplugEdgeNode node = MakeNode();
  node.OnConnected(0, kT0);
  const std::vector<MqttMessage> out =
      MustReport(node, Reading(kMeter, kT0 + 15s, 12'345, 2'301), false, kT0 + 16s);
  // The birth carries the values: a DDATA repeating them would resend unchanged values.
  ASSERT_EQ(Topics(out), std::vector<std::string>{"spBv1.0/vmuc/DBIRTH/gw1/5700000000000001"});
  EXPECT_EQ(out[0].qos, 0);
  EXPECT_FALSE(out[0].retained);
  EXPECT_TRUE(node.device_born(kMeter));
  const spb::Payload birth = Decode(out[0]);
  EXPECT_EQ(birth.seq(), 1u);
  EXPECT_EQ(birth.timestamp(), Ms(kT0 + 16s));
  ASSERT_EQ(birth.metrics_size(), 2);
  const auto* energy = Find(birth, kEnergy);
  ASSERT_NE(energy, nullptr);
  EXPECT_EQ(energy->datatype(), 4u);
  EXPECT_EQ(energy->long_value(), 12'345u);
  EXPECT_EQ(energy->timestamp(), Ms(kT0 + 15s));
  EXPECT_FALSE(energy->has_is_historical());
  ASSERT_EQ(energy->properties().keys_size(), 2);
  EXPECT_EQ(energy->properties().keys(0), "scaler");
  EXPECT_EQ(energy->properties().values(0).type(), 3u);  // Int32
  EXPECT_EQ(energy->properties().values(0).int_value(), 0u);
  EXPECT_EQ(energy->properties().keys(1), "unit");
  EXPECT_EQ(energy->properties().values(1).type(), 12u);
  EXPECT_EQ(energy->properties().values(1).string_value(), "Wh");
  const auto* voltage = Find(birth, kVoltage);
  ASSERT_NE(voltage, nullptr);
  EXPECT_EQ(voltage->long_value(), 2'301u);
  // Int32 -1 travels as two's complement in the uint32 field.
  EXPECT_EQ(static_cast<int32_t>(voltage->properties().values(0).int_value()), -1);
  EXPECT_EQ(voltage->properties().values(1).string_value(), "V");
}

TEST(SparkplugEdgeNodeTest, DbirthComesOncePerSessionThenDdata) {
  SparkplugEdgeNode node = MakeNode();
  node.OnConnected(0, kT0);
  ASSERT_EQ(MustReport(node, Reading(kMeter, kT0 + 15s, 100, 2'300), false, kT0 + 15s).size(), 1u);
  ASSERT_EQ(MustReport(node, Reading(kOtherMeter, kT0 + 15s, 5, 2'310), false, kT0 + 15s).size(),
            1u);
  const std::vector<MqttMessage> out =
      MustReport(node, Reading(kMeter, kT0 + 30s, 101, 2'302), false, kT0 + 31s);
  ASSERT_EQ(Topics(out), std::vector<std::string>{"spBv1.0/vmuc/DDATA/gw1/5700000000000001"});
  const spb::Payload data = Decode(out[0]);
  EXPECT_EQ(data.seq(), 3u);
  EXPECT_EQ(data.timestamp(), Ms(kT0 + 31s));
  ASSERT_EQ(data.metrics_size(), 2);
  EXPECT_EQ(Find(data, kEnergy)->long_value(), 101u);
  EXPECT_EQ(Find(data, kEnergy)->timestamp(), Ms(kT0 + 30s));
  EXPECT_EQ(Find(data, kEnergy)->datatype(), 4u);
  EXPECT_FALSE(Find(data, kEnergy)->has_is_historical());
  EXPECT_EQ(Find(data, kVoltage)->long_value(), 2'302u);
  // Properties are static: they ride in the birth only.
  EXPECT_FALSE(Find(data, kEnergy)->has_properties());
}

TEST(SparkplugEdgeNodeTest, UnchangedValuesAreNotResent) {
  SparkplugEdgeNode node = MakeNode();
  node.OnConnected(0, kT0);
  MustReport(node, Reading(kMeter, kT0 + 15s, 100, 2'300), false, kT0 + 15s);
  const std::vector<MqttMessage> out =
      MustReport(node, Reading(kMeter, kT0 + 30s, 100, 2'301), false, kT0 + 30s);
  ASSERT_EQ(out.size(), 1u);
  const spb::Payload data = Decode(out[0]);
  ASSERT_EQ(data.metrics_size(), 1);
  EXPECT_EQ(data.metrics(0).name(), kVoltage);
  EXPECT_TRUE(MustReport(node, Reading(kMeter, kT0 + 45s, 100, 2'301), false, kT0 + 45s).empty());
}

TEST(SparkplugEdgeNodeTest, LoggedRecordsAreSentEvenWhenTheirValueRepeats) {
  SparkplugEdgeNode node = MakeNode();
  node.OnConnected(0, kT0);
  auto entry = [](TimePoint at) {
    // Two quiet load-profile periods in a row: the same interval value, two observations.
    return DeviceReport{.device_id = kMeter,
                        .at = at,
                        .metrics = {{.name = "profile/1.1.2.29.0.255",
                                     .value = 0,
                                     .scaler = 0,
                                     .unit = "",
                                     .at = at,
                                     .every_value = true}}};
  };
  MustReport(node, entry(kT0 + 15min), false, kT0 + 15min);  // the DBIRTH
  const std::vector<MqttMessage> out = MustReport(node, entry(kT0 + 30min), false, kT0 + 30min);
  ASSERT_EQ(out.size(), 1u);
  const spb::Payload data = Decode(out[0]);
  ASSERT_EQ(data.metrics_size(), 1);
  EXPECT_EQ(data.metrics(0).long_value(), 0u);
  EXPECT_EQ(data.metrics(0).timestamp(), static_cast<uint64_t>(ToUnixMicros(kT0 + 30min) / 1000));
}

TEST(SparkplugEdgeNodeTest, SeqIncrementsAndWrapsFrom255To0) {
  SparkplugEdgeNode node = MakeNode();
  std::vector<uint64_t> seqs;
  for (const auto& message : node.OnConnected(0, kT0)) seqs.push_back(Decode(message).seq());
  for (int i = 0; i < 600; ++i) {
    const TimePoint at = kT0 + std::chrono::seconds(15 * (i + 1));
    const std::string meter = i % 3 == 0 ? kMeter : kOtherMeter;
    for (const auto& message :
         MustReport(node, Reading(meter, at, 100 + i, 2'300 + i), false, at)) {
      seqs.push_back(Decode(message).seq());
    }
  }
  ASSERT_EQ(seqs.size(), 601u);
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i % 256) << i;
  EXPECT_EQ(seqs[255], 255u);
  EXPECT_EQ(seqs[256], 0u);
}

TEST(SparkplugEdgeNodeTest, HistoricalReportFlagsEveryMetric) {
  SparkplugEdgeNode node = MakeNode();
  node.OnConnected(0, kT0);
  MustReport(node, Reading(kMeter, kT0 + 15s, 100, 2'300), false, kT0 + 15s);
  const std::vector<MqttMessage> out =
      MustReport(node, Reading(kMeter, kT0 + 30s, 101, 2'300), true, kT0 + 600s);
  ASSERT_EQ(out.size(), 1u);
  const spb::Payload data = Decode(out[0]);
  // Historical values are a record, not a change report: the unchanged voltage goes too.
  ASSERT_EQ(data.metrics_size(), 2);
  for (const auto& metric : data.metrics()) {
    EXPECT_TRUE(metric.is_historical()) << metric.name();
    EXPECT_EQ(metric.timestamp(), Ms(kT0 + 30s)) << metric.name();
  }
  EXPECT_EQ(data.timestamp(), Ms(kT0 + 600s));
}

TEST(SparkplugEdgeNodeTest, ValueOlderThanTheHostsIsHistoricalAndDoesNotReplaceIt) {
  SparkplugEdgeNode node = MakeNode();
  node.OnConnected(0, kT0);
  MustReport(node, Reading(kMeter, kT0 + 30s, 130, 2'300), false, kT0 + 30s);
  const std::vector<MqttMessage> late =
      MustReport(node, Reading(kMeter, kT0 + 15s, 115, 2'299), false, kT0 + 31s);
  ASSERT_EQ(late.size(), 1u);
  const spb::Payload late_data = Decode(late[0]);
  ASSERT_EQ(late_data.metrics_size(), 2);
  for (const auto& metric : late_data.metrics()) EXPECT_TRUE(metric.is_historical());
  // A rebirth shows the newest value, not the late one.
  auto rebirth =
      node.OnMessage(kRebirthTopic, Command({BoolMetric("Node Control/Rebirth", true)}), kT0 + 40s);
  ASSERT_TRUE(rebirth.ok()) << rebirth.status();
  ASSERT_EQ(rebirth->messages.size(), 2u);
  EXPECT_EQ(LongValue(rebirth->messages[1], kEnergy), 130u);
}

TEST(SparkplugEdgeNodeTest, NewMetricTakesDdeathThenDbirthWithTheWholeSet) {
  SparkplugEdgeNode node = MakeNode();
  node.OnConnected(0, kT0);
  MustReport(node, Reading(kMeter, kT0 + 15s, 100, 2'300), false, kT0 + 15s);  // seq 1
  DeviceReport report = Reading(kMeter, kT0 + 30s, 101, 2'300);
  report.metrics.push_back(
      {.name = "1.1.2.8.0.255", .value = 7, .scaler = 0, .unit = "Wh", .at = {}});
  const std::vector<MqttMessage> out = MustReport(node, report, false, kT0 + 31s);
  ASSERT_EQ(Topics(out), (std::vector<std::string>{"spBv1.0/vmuc/DDEATH/gw1/5700000000000001",
                                                   "spBv1.0/vmuc/DBIRTH/gw1/5700000000000001"}));
  const spb::Payload death = Decode(out[0]);
  EXPECT_EQ(death.seq(), 2u);
  EXPECT_EQ(death.metrics_size(), 0);
  const spb::Payload birth = Decode(out[1]);
  EXPECT_EQ(birth.seq(), 3u);
  ASSERT_EQ(birth.metrics_size(), 3);
  EXPECT_EQ(Find(birth, kEnergy)->long_value(), 101u);
  EXPECT_EQ(Find(birth, kVoltage)->long_value(), 2'300u);
  EXPECT_EQ(Find(birth, "1.1.2.8.0.255")->long_value(), 7u);
  // Born with the new set: the next report is plain DDATA.
  EXPECT_EQ(Topics(MustReport(node, Reading(kMeter, kT0 + 45s, 102, 2'300), false, kT0 + 45s)),
            std::vector<std::string>{"spBv1.0/vmuc/DDATA/gw1/5700000000000001"});
}

TEST(SparkplugEdgeNodeTest, ChangedScalerTakesDdeathThenDbirth) {
  SparkplugEdgeNode node = MakeNode();
  node.OnConnected(0, kT0);
  MustReport(node, Reading(kMeter, kT0 + 15s, 100, 2'300), false, kT0 + 15s);
  DeviceReport report = Reading(kMeter, kT0 + 30s, 100, 230);
  report.metrics[1].scaler = 0;
  const std::vector<MqttMessage> out = MustReport(node, report, false, kT0 + 30s);
  ASSERT_EQ(out.size(), 2u);
  const spb::Payload birth = Decode(out[1]);
  EXPECT_EQ(Find(birth, kVoltage)->long_value(), 230u);
  EXPECT_EQ(Find(birth, kVoltage)->properties().values(0).int_value(), 0u);
}

TEST(SparkplugEdgeNodeTest, RebirthRequestRepublishesNbirthAndEveryBornDevice) {
  SparkplugEdgeNode node = MakeNode();
  node.OnConnected(9, kT0);
  MustReport(node, Reading(kMeter, kT0 + 15s, 100, 2'300), false, kT0 + 15s);        // seq 1
  MustReport(node, Reading(kOtherMeter, kT0 + 15s, 200, 2'310), false, kT0 + 15s);   // seq 2
  MustReport(node, Reading(kMeter, kT0 + 30s, 101, 2'300), false, kT0 + 30s);        // seq 3
  MustReport(node, Reading("5700000000000003", kT0 + 30s, 1, 1), false, kT0 + 30s);  // seq 4
  ASSERT_TRUE(node.DeviceDeath("5700000000000003", kT0 + 35s).ok());                 // seq 5

  auto event =
      node.OnMessage(kRebirthTopic, Command({BoolMetric("Node Control/Rebirth", true)}), kT0 + 40s);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->kind, Kind::kRebirth);
  ASSERT_EQ(Topics(event->messages),
            (std::vector<std::string>{"spBv1.0/vmuc/NBIRTH/gw1",
                                      "spBv1.0/vmuc/DBIRTH/gw1/5700000000000001",
                                      "spBv1.0/vmuc/DBIRTH/gw1/5700000000000002"}));
  const spb::Payload nbirth = Decode(event->messages[0]);
  EXPECT_EQ(nbirth.seq(), 0u);
  EXPECT_EQ(Find(nbirth, "bdSeq")->long_value(), 9u);  // the same session, the same will
  const spb::Payload first = Decode(event->messages[1]);
  EXPECT_EQ(first.seq(), 1u);
  EXPECT_EQ(Find(first, kEnergy)->long_value(), 101u);
  EXPECT_EQ(Find(first, kEnergy)->timestamp(), Ms(kT0 + 30s));
  EXPECT_EQ(Decode(event->messages[2]).seq(), 2u);
  EXPECT_EQ(LongValue(event->messages[2], kEnergy), 200u);
  // Data continues the new sequence.
  const auto next = MustReport(node, Reading(kMeter, kT0 + 45s, 102, 2'300), false, kT0 + 45s);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(Decode(next[0]).seq(), 3u);

  auto no_op = node.OnMessage(kRebirthTopic, Command({BoolMetric("Node Control/Rebirth", false)}),
                              kT0 + 50s);
  ASSERT_TRUE(no_op.ok()) << no_op.status();
  EXPECT_EQ(no_op->kind, Kind::kNone);
  EXPECT_TRUE(no_op->messages.empty());
}

TEST(SparkplugEdgeNodeTest, NewSessionBirthsDevicesAgainLazilyWithLastKnownValues) {
  SparkplugEdgeNode node = MakeNode();
  node.OnConnected(0, kT0);
  MustReport(node, Reading(kMeter, kT0 + 15s, 100, 2'300), false, kT0 + 15s);
  node.OnConnectionLost();
  EXPECT_FALSE(node.born());
  EXPECT_FALSE(node.device_born(kMeter));
  auto refused = node.Report(Reading(kMeter, kT0 + 30s, 101, 2'300), false, kT0 + 30s);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);

  const auto births = node.OnConnected(1, kT0 + 60s);
  ASSERT_EQ(births.size(), 1u);  // the NBIRTH only: devices are born by their reports
  EXPECT_EQ(LongValue(births[0], "bdSeq"), 1u);
  // Buffered data replayed as historical: the device is born first; a report carrying one
  // metric gets a birth declaring both, the other with its last known value.
  DeviceReport buffered = Reading(kMeter, kT0 + 30s, 101, 0);
  buffered.metrics.pop_back();
  const auto out = MustReport(node, buffered, true, kT0 + 61s);
  ASSERT_EQ(Topics(out), std::vector<std::string>{"spBv1.0/vmuc/DBIRTH/gw1/5700000000000001"});
  const spb::Payload birth = Decode(out[0]);
  EXPECT_EQ(birth.seq(), 1u);
  ASSERT_EQ(birth.metrics_size(), 2);
  // Chronological order (tck-id-operational-behavior-data-publish-dbirth-order).
  EXPECT_EQ(birth.metrics(0).name(), kVoltage);
  EXPECT_EQ(birth.metrics(0).long_value(), 2'300u);
  EXPECT_EQ(birth.metrics(0).timestamp(), Ms(kT0 + 15s));
  EXPECT_EQ(birth.metrics(1).name(), kEnergy);
  EXPECT_EQ(birth.metrics(1).long_value(), 101u);
}

TEST(SparkplugEdgeNodeTest, DeviceDeathSendsDdeathAndForgetsTheDevice) {
  SparkplugEdgeNode node = MakeNode();
  node.OnConnected(0, kT0);
  MustReport(node, Reading(kMeter, kT0 + 15s, 100, 2'300), false, kT0 + 15s);
  auto death = node.DeviceDeath(kMeter, kT0 + 20s);
  ASSERT_TRUE(death.ok()) << death.status();
  EXPECT_EQ(death->topic, "spBv1.0/vmuc/DDEATH/gw1/5700000000000001");
  EXPECT_EQ(death->qos, 0);
  const spb::Payload payload = Decode(*death);
  EXPECT_EQ(payload.seq(), 2u);
  EXPECT_EQ(payload.timestamp(), Ms(kT0 + 20s));
  EXPECT_EQ(payload.metrics_size(), 0);
  EXPECT_FALSE(node.device_born(kMeter));
  auto again = node.DeviceDeath(kMeter, kT0 + 21s);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(again.status().message(),
            "device '5700000000000001' is not born in this session: no DDEATH to send");
  // Back again: born afresh, with this report's metric only.
  DeviceReport back = Reading(kMeter, kT0 + 30s, 101, 0);
  back.metrics.pop_back();
  const auto out = MustReport(node, back, false, kT0 + 30s);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Decode(out[0]).metrics_size(), 1);
}

TEST(SparkplugEdgeNodeTest, PrimaryHostStateGatesTheBirthAndEndsTheSession) {
  SparkplugEdgeNode node = MakeNode("scada");
  EXPECT_EQ(node.SubscriptionTopics().back(), "spBv1.0/STATE/scada");
  EXPECT_TRUE(node.OnConnected(3, kT0).empty());
  EXPECT_TRUE(node.connected());
  EXPECT_FALSE(node.born());
  EXPECT_FALSE(node.primary_host_online());
  EXPECT_EQ(node.Report(Reading(kMeter, kT0, 1, 1), false, kT0).status().message(),
            "no Sparkplug session to publish device '5700000000000001' in: waiting for primary "
            "host 'scada'");

  auto offline_first = node.OnMessage(kStateTopic, StateJson(false, kT0Ms - 1000), kT0);
  ASSERT_TRUE(offline_first.ok()) << offline_first.status();
  EXPECT_EQ(offline_first->kind, Kind::kNone);  // keep waiting
  EXPECT_TRUE(offline_first->messages.empty());

  auto other = node.OnMessage("spBv1.0/STATE/other", StateJson(true, kT0Ms), kT0);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->kind, Kind::kNone);
  EXPECT_FALSE(node.born());

  auto online = node.OnMessage(kStateTopic, StateJson(true, kT0Ms), kT0 + 1s);
  ASSERT_TRUE(online.ok()) << online.status();
  EXPECT_EQ(online->kind, Kind::kBirth);
  ASSERT_EQ(Topics(online->messages), std::vector<std::string>{"spBv1.0/vmuc/NBIRTH/gw1"});
  EXPECT_EQ(Decode(online->messages[0]).seq(), 0u);
  EXPECT_EQ(LongValue(online->messages[0], "bdSeq"), 3u);
  EXPECT_TRUE(node.born());
  EXPECT_TRUE(node.primary_host_online());

  // An older offline STATE (a late will of an earlier host session) is stale.
  auto stale = node.OnMessage(kStateTopic, StateJson(false, kT0Ms - 1), kT0 + 2s);
  ASSERT_TRUE(stale.ok()) << stale.status();
  EXPECT_EQ(stale->kind, Kind::kNone);
  EXPECT_EQ(stale->note,
            "stale STATE of 'scada' ignored: timestamp 1767225599999 precedes 1767225600000");
  EXPECT_TRUE(node.born());

  // The host's will repeats its birth's timestamp: equal is that session's death.
  auto offline = node.OnMessage(kStateTopic, StateJson(false, kT0Ms), kT0 + 3s);
  ASSERT_TRUE(offline.ok()) << offline.status();
  EXPECT_EQ(offline->kind, Kind::kPrimaryHostOffline);
  ASSERT_EQ(offline->messages.size(), 1u);
  EXPECT_EQ(offline->messages[0].topic, "spBv1.0/vmuc/NDEATH/gw1");
  EXPECT_EQ(offline->messages[0].qos, 1);
  EXPECT_EQ(LongValue(offline->messages[0], "bdSeq"), 3u);
  EXPECT_FALSE(node.born());
  EXPECT_FALSE(node.primary_host_online());
  EXPECT_EQ(node.Report(Reading(kMeter, kT0, 1, 1), false, kT0 + 4s).status().code(),
            absl::StatusCode::kFailedPrecondition);

  // The next connection waits for the host again.
  EXPECT_TRUE(node.OnConnected(4, kT0 + 10s).empty());
  auto back = node.OnMessage(kStateTopic, StateJson(true, kT0Ms + 9000), kT0 + 11s);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->kind, Kind::kBirth);
  EXPECT_EQ(LongValue(back->messages[0], "bdSeq"), 4u);
}

TEST(SparkplugEdgeNodeTest, RetainedStateBeforeOnConnectedBirthsAtOnce) {
  SparkplugEdgeNode node = MakeNode("scada");
  auto online = node.OnMessage(kStateTopic, StateJson(true, kT0Ms), kT0);
  ASSERT_TRUE(online.ok()) << online.status();
  EXPECT_EQ(online->kind, Kind::kNone);
  ASSERT_EQ(node.OnConnected(0, kT0).size(), 1u);
  EXPECT_TRUE(node.born());
}

TEST(SparkplugEdgeNodeTest, DcmdIsDecodedForTheCaller) {
  SparkplugEdgeNode node = MakeNode();
  node.OnConnected(0, kT0);
  MustReport(node, Reading(kMeter, kT0 + 15s, 100, 2'300), false, kT0 + 15s);
  spb::Payload_Metric write = Int64Metric(kVoltage, -5);
  write.set_timestamp(kT0Ms + 4000);
  spb::Payload_Metric no_type;  // a host may leave the datatype to the birth
  no_type.set_name(kEnergy);
  no_type.set_long_value(0);
  auto event = node.OnMessage("spBv1.0/vmuc/DCMD/gw1/5700000000000001", Command({write, no_type}),
                              kT0 + 20s);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->kind, Kind::kDeviceCommand);
  EXPECT_TRUE(event->messages.empty());
  ASSERT_TRUE(event->command.has_value());
  const SparkplugCommand& command = *event->command;
  EXPECT_EQ(command.device_id, kMeter);
  EXPECT_EQ(command.sent_at, kT0 + 5s);
  ASSERT_EQ(command.metrics.size(), 2u);
  EXPECT_EQ(command.metrics[0].name, kVoltage);
  EXPECT_EQ(command.metrics[0].datatype, 4u);
  EXPECT_EQ(command.metrics[0].value, SparkplugValue(int64_t{-5}));
  EXPECT_EQ(command.metrics[0].at, kT0 + 4s);
  EXPECT_EQ(command.metrics[1].name, kEnergy);
  EXPECT_EQ(command.metrics[1].value, SparkplugValue(int64_t{0}));
  EXPECT_FALSE(command.metrics[1].at.has_value());
}

TEST(SparkplugEdgeNodeTest, MalformedCommandsNameTheProblem) {
  SparkplugEdgeNode node = MakeNode();
  node.OnConnected(0, kT0);
  MustReport(node, Reading(kMeter, kT0 + 15s, 100, 2'300), false, kT0 + 15s);
  const std::string dcmd = "spBv1.0/vmuc/DCMD/gw1/5700000000000001";
  spb::Payload_Metric unnamed = Int64Metric("", 1);
  spb::Payload_Metric float_in_int64 = Int64Metric(kEnergy, 1);
  float_in_int64.clear_datatype();
  float_in_int64.set_float_value(1.5f);
  spb::Payload_Metric rebirth_as_int = Int64Metric("Node Control/Rebirth", 1);
  const struct {
    std::string topic;
    std::string payload;
    absl::StatusCode code;
    std::string message;
  } kCases[] = {
      {dcmd, std::string("\xFF\xFF\xFF", 3), absl::StatusCode::kInvalidArgument,
       "not a Sparkplug B payload: 3 bytes that do not decode as protobuf"},
      {"spBv1.0/vmuc/DCMD/gw1/5799", Command({Int64Metric(kEnergy, 1)}),
       absl::StatusCode::kNotFound, "DCMD for device '5799', which is not born in this session"},
      {dcmd, Command({}), absl::StatusCode::kInvalidArgument,
       "DCMD for device '5700000000000001' carries no metrics"},
      {dcmd, Command({Int64Metric("9.9.9.9.9.9", 1)}), absl::StatusCode::kInvalidArgument,
       "DCMD for device '5700000000000001': metric '9.9.9.9.9.9' is not in the device's DBIRTH"},
      {dcmd, Command({BoolMetric(kEnergy, true)}), absl::StatusCode::kInvalidArgument,
       "DCMD for device '5700000000000001': metric '1.1.1.8.0.255' has datatype Boolean (11), "
       "but the DBIRTH declared Int64 (4)"},
      {dcmd, Command({float_in_int64}), absl::StatusCode::kInvalidArgument,
       "DCMD for device '5700000000000001': metric '1.1.1.8.0.255': datatype Int64 (4) travels "
       "in long_value, but the metric has float_value"},
      {dcmd, Command({unnamed}), absl::StatusCode::kInvalidArgument,
       "DCMD for device '5700000000000001': metric 0 has no name (this edge node declares no "
       "aliases)"},
      {"spBv1.0/vmuc/DCMD/gw2/5700000000000001", Command({Int64Metric(kEnergy, 1)}),
       absl::StatusCode::kInvalidArgument, "DCMD for edge node 'vmuc/gw2', but this is 'vmuc/gw1'"},
      {kRebirthTopic, Command({rebirth_as_int}), absl::StatusCode::kInvalidArgument,
       "NCMD 'Node Control/Rebirth' has datatype Int64 (4), not Boolean (11)"},
      {kRebirthTopic, Command({BoolMetric("Node Control/Reboot", true)}),
       absl::StatusCode::kInvalidArgument,
       "NCMD metric 'Node Control/Reboot' is not a command of this edge node (Node "
       "Control/Rebirth is its only one)"},
      {kRebirthTopic, Command({}), absl::StatusCode::kInvalidArgument, "NCMD carries no metrics"},
      {"spBv1.0/vmuc/DDATA/gw1/5700000000000001", Command({Int64Metric(kEnergy, 1)}),
       absl::StatusCode::kInvalidArgument,
       "an edge node takes no DDATA messages (topic 'spBv1.0/vmuc/DDATA/gw1/5700000000000001')"},
  };
  for (const auto& c : kCases) {
    auto event = node.OnMessage(c.topic, c.payload, kT0 + 20s);
    ASSERT_FALSE(event.ok()) << c.message;
    EXPECT_EQ(event.status().code(), c.code) << c.message;
    EXPECT_EQ(AsStd(event.status().message()), c.message);
  }
  // Errors change nothing: data goes on in sequence.
  const auto out = MustReport(node, Reading(kMeter, kT0 + 30s, 101, 2'300), false, kT0 + 30s);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Decode(out[0]).seq(), 2u);
}

TEST(SparkplugEdgeNodeTest, MalformedStateNamesTheProblem) {
  SparkplugEdgeNode node = MakeNode("scada");
  node.OnConnected(0, kT0);
  const struct {
    std::string payload;
    std::string names;
  } kCases[] = {
      {"OFFLINE", "is not a JSON object"},
      {"{\"timestamp\":1}", "STATE payload has no 'online' key"},
      {"{\"online\":\"yes\",\"timestamp\":1}", "STATE payload's 'online' is not a boolean"},
      {"{\"online\":true}", "STATE payload has no 'timestamp' key"},
      {"{\"online\":true,\"timestamp\":\"1\"}", "STATE payload's 'timestamp' is not a number"},
      {"{\"online\":true,\"timestamp\":-5}", "is not whole milliseconds since 1970"},
      {"{\"online\":true,\"timestamp\":1.5}", "is not whole milliseconds since 1970"},
  };
  for (const auto& c : kCases) {
    auto event = node.OnMessage(kStateTopic, c.payload, kT0);
    ASSERT_FALSE(event.ok()) << c.payload;
    EXPECT_EQ(event.status().code(), absl::StatusCode::kInvalidArgument) << c.payload;
    EXPECT_NE(AsStd(event.status().message()).find(c.names), std::string_view::npos)
        << c.payload << ": " << event.status();
  }
  EXPECT_FALSE(node.born());
  auto spaced = ParseSparkplugHostState(" { \"timestamp\" : 1668114759262 , \"online\" : true } ");
  ASSERT_TRUE(spaced.ok()) << spaced.status();
  EXPECT_TRUE(spaced->online);
  EXPECT_EQ(spaced->timestamp_ms, 1'668'114'759'262u);
}

TEST(SparkplugEdgeNodeTest, BadReportsNameTheProblem) {
  SparkplugEdgeNode node = MakeNode();
  EXPECT_EQ(node.Report(Reading(kMeter, kT0, 1, 1), false, kT0).status().message(),
            "no Sparkplug session to publish device '5700000000000001' in: not connected");
  node.OnConnected(0, kT0);
  EXPECT_EQ(node.Report(Reading("57/01", kT0, 1, 1), false, kT0).status().message(),
            "device_id '57/01' contains /, which Sparkplug reserves in topics");
  EXPECT_EQ(
      node.Report({.device_id = kMeter, .at = kT0, .metrics = {}}, false, kT0).status().message(),
      "report of device '5700000000000001' has no metrics");
  EXPECT_EQ(node.Report(Reading(kMeter, TimePoint{}, 1, 1), false, kT0).status().message(),
            "report of device '5700000000000001': metric '1.1.1.8.0.255' has no capture time "
            "after 1970");
  DeviceReport twice = Reading(kMeter, kT0, 1, 1);
  twice.metrics[1].name = kEnergy;
  EXPECT_EQ(node.Report(twice, false, kT0).status().message(),
            "report of device '5700000000000001' has metric '1.1.1.8.0.255' twice with the same "
            "capture time or a different scaler or unit");
  EXPECT_FALSE(node.device_born(kMeter));
  // Two values of one metric at different times are fine: the newest is born, the older one
  // follows as history.
  DeviceReport series = Reading(kMeter, kT0 + 30s, 2, 1);
  series.metrics[1] = {.name = kEnergy, .value = 1, .scaler = 0, .unit = "Wh", .at = kT0 + 15s};
  const auto out = MustReport(node, series, false, kT0 + 31s);
  ASSERT_EQ(Topics(out), (std::vector<std::string>{"spBv1.0/vmuc/DBIRTH/gw1/5700000000000001",
                                                   "spBv1.0/vmuc/DDATA/gw1/5700000000000001"}));
  EXPECT_EQ(LongValue(out[0], kEnergy), 2u);
  const spb::Payload data = Decode(out[1]);
  ASSERT_EQ(data.metrics_size(), 1);
  EXPECT_EQ(data.metrics(0).long_value(), 1u);
  EXPECT_EQ(data.metrics(0).timestamp(), Ms(kT0 + 15s));
  EXPECT_TRUE(data.metrics(0).is_historical());
}

TEST(SparkplugEdgeNodeTest, DisconnectPublishesTheNdeathFirst) {
  SparkplugEdgeNode node = MakeNode();
  EXPECT_TRUE(node.Disconnect().empty());
  node.OnConnected(5, kT0);
  const auto out = node.Disconnect();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], node.WillMessage(5));
  EXPECT_FALSE(node.connected());
}

}  // namespace
}  // namespace vmuc::gateway
