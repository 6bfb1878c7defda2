#include "gateway/mqtt/sparkplug.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <limits>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/version.h"

namespace vmuc::gateway {
namespace {

namespace spb = org::eclipse::tahu::protobuf;
using spb::Payload;
using Metric = spb::Payload_Metric;

// Node metrics beside bdSeq and the rebirth control: what a host operator wants to see of
// the edge node (the 'Properties/...' folder of the NBIRTH examples in Sparkplug 3.0 chapter 4).
constexpr std::string_view kSoftwareMetric = "Properties/Software";
constexpr std::string_view kSoftwareVersionMetric = "Properties/Software Version";

constexpr std::string_view kNbirth = "NBIRTH";
constexpr std::string_view kNdeath = "NDEATH";
constexpr std::string_view kDbirth = "DBIRTH";
constexpr std::string_view kDdata = "DDATA";
constexpr std::string_view kDdeath = "DDEATH";
constexpr std::string_view kNcmd = "NCMD";
constexpr std::string_view kDcmd = "DCMD";
constexpr std::string_view kState = "STATE";

// Births, data and deaths go at QoS 0, not retained (tck-id-payloads-nbirth-qos,
// -dbirth-qos, -ddata-qos, -ddeath-qos and their -retain twins); the NDEATH will at QoS 1
// (tck-id-payloads-ndeath-will-message-qos, -retain).
constexpr int kDataQos = 0;
constexpr int kWillQos = 1;

// Sparkplug time stamps are uint64 milliseconds since the Unix epoch, UTC
// (tck-id-payloads_timestamp_in_UTC). vmuc time never precedes 1970: a clock that says so is
// broken, not bad input (reports' times are checked before they get here).
uint64_t UnixMillis(TimePoint t) {
  const int64_t ms = std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
  VMUC_CHECK(ms >= 0, "Sparkplug time stamps cannot precede 1970");
  return static_cast<uint64_t>(ms);
}

absl::StatusOr<TimePoint> FromUnixMillis(uint64_t ms, std::string_view what) {
  // TimePoint counts int64 nanoseconds: the year 2262 is its end.
  constexpr uint64_t kMaxMs = std::numeric_limits<int64_t>::max() / 1'000'000;
  if (ms > kMaxMs) {
    return absl::InvalidArgumentError(
        absl::StrCat(AsAbsl(what), " ", ms, " ms is beyond the year 2262"));
  }
  return TimePoint(std::chrono::milliseconds(static_cast<int64_t>(ms)));
}

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t continuation = 0;
    uint32_t code_point = 0;
    if ((lead & 0xE0) == 0xC0) {
      continuation = 1;
      code_point = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      continuation = 2;
      code_point = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      continuation = 3;
      code_point = lead & 0x07;
    } else {
      return false;
    }
    if (text.size() - i <= continuation) return false;
    for (size_t k = 1; k <= continuation; ++k) {
      const auto byte = static_cast<unsigned char>(text[i + k]);
      if ((byte & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (byte & 0x3F);
    }
    constexpr uint32_t kSmallest[] = {0, 0x80, 0x800, 0x10000};
    if (code_point < kSmallest[continuation] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;  // overlong, beyond Unicode, or a UTF-16 surrogate
    }
    i += continuation + 1;
  }
  return true;
}

// Group, edge node, device and host ids are topic elements: UTF-8 without the MQTT topic
// separators and wildcards (tck-id-topic-structure-namespace-valid-group-id,
// -valid-edge-node-id, -valid-device-id), and without U+0000 (MQTT 3.1.1 4.7.3).
absl::Status ValidateId(std::string_view what, std::string_view id) {
  if (id.empty()) return absl::InvalidArgumentError(absl::StrCat(AsAbsl(what), " is empty"));
  if (!IsValidUtf8(id)) {
    return absl::InvalidArgumentError(absl::StrCat(AsAbsl(what), " is not valid UTF-8"));
  }
  for (const char reserved : {'+', '/', '#', '\0'}) {
    if (id.find(reserved) != std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(AsAbsl(what), " '", AsAbsl(id), "' contains ",
                       reserved == '\0' ? std::string("U+0000") : std::string(1, reserved),
                       ", which Sparkplug reserves in topics"));
    }
  }
  return absl::OkStatus();
}

std::string TypeName(uint32_t datatype) {
  if (datatype <= static_cast<uint32_t>(std::numeric_limits<int>::max()) &&
      spb::DataType_IsValid(static_cast<int>(datatype))) {
    return absl::StrCat(spb::DataType_Name(static_cast<spb::DataType>(datatype)), " (", datatype,
                        ")");
  }
  return absl::StrCat("unknown (", datatype, ")");
}

std::string_view ValueFieldName(Metric::ValueCase value_case) {
  switch (value_case) {
    case Metric::kIntValue:
      return "int_value";
    case Metric::kLongValue:
      return "long_value";
    case Metric::kFloatValue:
      return "float_value";
    case Metric::kDoubleValue:
      return "double_value";
    case Metric::kBooleanValue:
      return "boolean_value";
    case Metric::kStringValue:
      return "string_value";
    case Metric::kBytesValue:
      return "bytes_value";
    case Metric::kDatasetValue:
      return "dataset_value";
    case Metric::kTemplateValue:
      return "template_value";
    case Metric::kExtensionValue:
      return "extension_value";
    case Metric::VALUE_NOT_SET:
      break;
  }
  return "no value field";
}

// Decodes a metric's value as `datatype` says (Sparkplug 3.0 chapter 6, "Datatype Details":
// which protobuf field carries which type). Signed integers travel as two's complement in the
// unsigned fields; C++20 makes the narrowing conversions below exactly that.
absl::StatusOr<SparkplugValue> DecodeValue(const Metric& metric, uint32_t datatype,
                                           std::string_view what) {
  if (metric.is_null()) return SparkplugValue(std::monostate{});
  const auto need = [&](Metric::ValueCase field) -> absl::Status {
    if (metric.value_case() == field) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(AsAbsl(what), ": datatype ", TypeName(datatype),
                                                   " travels in ", AsAbsl(ValueFieldName(field)),
                                                   ", but the metric has ",
                                                   AsAbsl(ValueFieldName(metric.value_case()))));
  };
  const auto unsigned_within = [&](uint64_t max) -> absl::StatusOr<SparkplugValue> {
    VMUC_RETURN_IF_ERROR(need(Metric::kIntValue));
    if (metric.int_value() > max) {
      return absl::InvalidArgumentError(absl::StrCat(AsAbsl(what), ": ", metric.int_value(),
                                                     " does not fit ", TypeName(datatype)));
    }
    return SparkplugValue(static_cast<uint64_t>(metric.int_value()));
  };
  switch (datatype) {
    case spb::Int8:
      VMUC_RETURN_IF_ERROR(need(Metric::kIntValue));
      return SparkplugValue(static_cast<int64_t>(static_cast<int8_t>(metric.int_value())));
    case spb::Int16:
      VMUC_RETURN_IF_ERROR(need(Metric::kIntValue));
      return SparkplugValue(static_cast<int64_t>(static_cast<int16_t>(metric.int_value())));
    case spb::Int32:
      VMUC_RETURN_IF_ERROR(need(Metric::kIntValue));
      return SparkplugValue(static_cast<int64_t>(static_cast<int32_t>(metric.int_value())));
    case spb::Int64:
      VMUC_RETURN_IF_ERROR(need(Metric::kLongValue));
      return SparkplugValue(static_cast<int64_t>(metric.long_value()));
    case spb::UInt8:
      return unsigned_within(UINT8_MAX);
    case spb::UInt16:
      return unsigned_within(UINT16_MAX);
    case spb::UInt32:
      return unsigned_within(UINT32_MAX);
    case spb::UInt64:
    case spb::DateTime:
      VMUC_RETURN_IF_ERROR(need(Metric::kLongValue));
      return SparkplugValue(static_cast<uint64_t>(metric.long_value()));
    case spb::Float:
      VMUC_RETURN_IF_ERROR(need(Metric::kFloatValue));
      return SparkplugValue(static_cast<double>(metric.float_value()));
    case spb::Double:
      VMUC_RETURN_IF_ERROR(need(Metric::kDoubleValue));
      return SparkplugValue(metric.double_value());
    case spb::Boolean:
      VMUC_RETURN_IF_ERROR(need(Metric::kBooleanValue));
      return SparkplugValue(metric.boolean_value());
    case spb::String:
    case spb::Text:
    case spb::UUID:
      VMUC_RETURN_IF_ERROR(need(Metric::kStringValue));
      return SparkplugValue(metric.string_value());
    default:
      return absl::UnimplementedError(
          absl::StrCat(AsAbsl(what), ": datatype ", TypeName(datatype), " is not supported"));
  }
}

MqttMessage ToMessage(std::string topic, const Payload& payload, int qos) {
  MqttMessage message;
  message.topic = std::move(topic);
  message.payload = payload.SerializeAsString();
  message.qos = qos;
  message.retained = false;
  return message;
}

// Every metric of a birth or data message has a name (no aliases: tck-id-payloads-name-
// requirement), a datatype and a timestamp (tck-id-payloads-name-birth-data-requirement).
Metric* AddMetric(Payload& payload, std::string_view name, spb::DataType datatype, TimePoint at) {
  Metric* metric = payload.add_metrics();
  metric->set_name(std::string(name));
  metric->set_datatype(static_cast<uint32_t>(datatype));
  metric->set_timestamp(UnixMillis(at));
  return metric;
}

}  // namespace

absl::StatusOr<SparkplugTopic> ParseSparkplugTopic(std::string_view topic) {
  if (!IsValidUtf8(topic)) return absl::InvalidArgumentError("topic is not valid UTF-8");
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t slash = topic.find('/', start);
    parts.push_back(topic.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  // tck-id-topic-structure: namespace/group_id/message_type/edge_node_id/[device_id].
  if (parts.size() < 3 || parts[0] != kSparkplugNamespace) {
    return absl::InvalidArgumentError(absl::StrCat("topic '", AsAbsl(topic),
                                                   "' is not in the Sparkplug B namespace '",
                                                   AsAbsl(kSparkplugNamespace), "/'"));
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("topic '", AsAbsl(topic), "' has an empty element at position ", i));
    }
  }
  SparkplugTopic result;
  // Sparkplug 3.0 chapter 4, "Sparkplug Host Application": spBv1.0/STATE/sparkplug_host_id
  // (tck-id-host-topic-phid-birth-topic).
  if (parts[1] == kState) {
    if (parts.size() != 3) {
      return absl::InvalidArgumentError(absl::StrCat("STATE topic '", AsAbsl(topic),
                                                     "' is not spBv1.0/STATE/<sparkplug_host_id>"));
    }
    result.message_type = std::string(kState);
    result.host_id = std::string(parts[2]);
    return result;
  }
  if (parts.size() < 4) {
    return absl::InvalidArgumentError(absl::StrCat(
        "topic '", AsAbsl(topic), "' has no edge node id (spBv1.0/<group>/<type>/<edge>)"));
  }
  const std::string_view type = parts[2];
  const bool node_type = type == kNbirth || type == kNdeath || type == "NDATA" || type == kNcmd;
  const bool device_type = type == kDbirth || type == kDdeath || type == kDdata || type == kDcmd;
  if (!node_type && !device_type) {
    return absl::InvalidArgumentError(
        absl::StrCat("topic '", AsAbsl(topic), "': unknown message type '", AsAbsl(type), "'"));
  }
  // tck-id-topic-structure-namespace-device-id-associated-message-types and
  // -device-id-non-associated-message-types.
  if (node_type && parts.size() != 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("topic '", AsAbsl(topic), "': ", AsAbsl(type), " takes no device id"));
  }
  if (device_type && parts.size() != 5) {
    return absl::InvalidArgumentError(absl::StrCat("topic '", AsAbsl(topic), "': ", AsAbsl(type),
                                                   " takes exactly one device id"));
  }
  result.message_type = std::string(type);
  result.group_id = std::string(parts[1]);
  result.edge_node_id = std::string(parts[3]);
  if (device_type) result.device_id = std::string(parts[4]);
  return result;
}

absl::StatusOr<Payload> DecodeSparkplugPayload(std::string_view payload) {
  Payload decoded;
  if (payload.size() > static_cast<size_t>(INT_MAX) ||
      !decoded.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return absl::InvalidArgumentError(absl::StrCat("not a Sparkplug B payload: ", payload.size(),
                                                   " bytes that do not decode as protobuf"));
  }
  return decoded;
}

absl::StatusOr<SparkplugHostState> ParseSparkplugHostState(std::string_view json) {
  // Sparkplug 3.0 chapter 4, "Birth Certificate Payload (STATE)": UTF-8 JSON with the keys 'online'
  // (boolean) and 'timestamp' (UTC ms since the epoch) (tck-id-host-topic-phid-birth-payload).
  // protobuf's JSON parser reads it into a Struct: no JSON library of our own.
  google::protobuf::Struct object;
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &object);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "STATE payload is not a JSON object (Sparkplug 3.0 sends {\"online\":..,\"timestamp\":..};"
        " a bare ONLINE/OFFLINE is the 2.2 form): ",
        parsed.ToString()));
  }
  const auto& fields = object.fields();
  const auto online = fields.find("online");
  if (online == fields.end()) {
    return absl::InvalidArgumentError("STATE payload has no 'online' key");
  }
  if (online->second.kind_case() != google::protobuf::Value::kBoolValue) {
    return absl::InvalidArgumentError("STATE payload's 'online' is not a boolean");
  }
  const auto timestamp = fields.find("timestamp");
  if (timestamp == fields.end()) {
    return absl::InvalidArgumentError("STATE payload has no 'timestamp' key");
  }
  if (timestamp->second.kind_case() != google::protobuf::Value::kNumberValue) {
    return absl::InvalidArgumentError("STATE payload's 'timestamp' is not a number");
  }
  // JSON numbers arrive as doubles: exact for whole milliseconds up to 2^53 (year 287396).
  const double ms = timestamp->second.number_value();
  if (!(ms >= 0) || ms > 9007199254740992.0 || std::floor(ms) != ms) {
    return absl::InvalidArgumentError(
        absl::StrCat("STATE payload's 'timestamp' ", ms, " is not whole milliseconds since 1970"));
  }
  SparkplugHostState state;
  state.online = online->second.bool_value();
  state.timestamp_ms = static_cast<uint64_t>(ms);
  return state;
}

absl::StatusOr<SparkplugEdgeNode> SparkplugEdgeNode::Create(SparkplugOptions options) {
  VMUC_RETURN_IF_ERROR(ValidateId("group_id", options.group_id));
  VMUC_RETURN_IF_ERROR(ValidateId("edge_node_id", options.edge_node_id));
  if (!options.primary_host_id.empty()) {
    VMUC_RETURN_IF_ERROR(ValidateId("primary_host_id", options.primary_host_id));
  }
  if (options.group_id == kState) {
    // spBv1.0/STATE/... is the host state namespace: a group named so would read as one.
    return absl::InvalidArgumentError("group_id 'STATE' collides with spBv1.0/STATE/<host_id>");
  }
  return SparkplugEdgeNode(std::move(options));
}

std::string SparkplugEdgeNode::Topic(std::string_view message_type,
                                     std::string_view device_id) const {
  std::string topic = absl::StrCat(AsAbsl(kSparkplugNamespace), "/", options_.group_id, "/",
                                   AsAbsl(message_type), "/", options_.edge_node_id);
  if (!device_id.empty()) absl::StrAppend(&topic, "/", AsAbsl(device_id));
  return topic;
}

// tck-id-payloads-sequence-num-incrementing: one more than the previous message of the edge
// node, 255 wrapping to 0; uint8_t arithmetic does the wrap.
uint64_t SparkplugEdgeNode::NextSeq() { return next_seq_++; }

void SparkplugEdgeNode::EndSession() {
  state_ = State::kDisconnected;
  // tck-id-message-flow-edge-node-birth-publish-phid-wait: the next connection verifies the
  // primary host again through its own STATE subscription.
  host_online_ = false;
  for (auto& [id, device] : devices_) device.born = false;
}

bool SparkplugEdgeNode::primary_host_online() const {
  return options_.primary_host_id.empty() || host_online_;
}

bool SparkplugEdgeNode::device_born(std::string_view device_id) const {
  const auto it = devices_.find(device_id);
  return born() && it != devices_.end() && it->second.born;
}

MqttMessage SparkplugEdgeNode::WillMessage(uint8_t bd_seq) const {
  // tck-id-payloads-ndeath-bdseq: the bdSeq the NBIRTH of this connection will carry, as Int64
  // (tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq). No seq
  // (tck-id-payloads-ndeath-seq) and no timestamps: the will is written at CONNECT time, so a
  // time in it would only say when the session began (Sparkplug 3.0 chapter 5, "Edge Node Session
  // Establishment").
  Payload payload;
  Metric* metric = payload.add_metrics();
  metric->set_name(std::string(kSparkplugBdSeqMetric));
  metric->set_datatype(spb::Int64);
  metric->set_long_value(bd_seq);
  return ToMessage(Topic(kNdeath), payload, kWillQos);
}

std::vector<std::string> SparkplugEdgeNode::SubscriptionTopics() const {
  // tck-id-message-flow-edge-node-ncmd-subscribe and tck-id-message-flow-device-dcmd-subscribe
  // (at QoS 1); the primary host's STATE only when one is configured.
  std::vector<std::string> topics = {Topic(kNcmd), absl::StrCat(Topic(kDcmd), "/+")};
  if (!options_.primary_host_id.empty()) {
    topics.push_back(absl::StrCat(AsAbsl(kSparkplugNamespace), "/", AsAbsl(kState), "/",
                                  options_.primary_host_id));
  }
  return topics;
}

std::vector<MqttMessage> SparkplugEdgeNode::OnConnected(uint8_t bd_seq, TimePoint now) {
  bd_seq_ = bd_seq;
  for (auto& [id, device] : devices_) device.born = false;
  // tck-id-message-flow-edge-node-birth-publish-phid-wait and
  // tck-id-operational-behavior-edge-node-birth-sequence-wait: with a primary host, no
  // NBIRTH before its STATE said online on this connection. host_online_ may already be true
  // when the retained STATE arrived before the owner called this.
  if (!options_.primary_host_id.empty() && !host_online_) {
    state_ = State::kWaitingForHost;
    return {};
  }
  state_ = State::kBorn;
  return {NodeBirth(now)};
}

void SparkplugEdgeNode::OnConnectionLost() { EndSession(); }

std::vector<MqttMessage> SparkplugEdgeNode::Disconnect() {
  if (!connected()) return {};
  // tck-id-operational-behavior-edge-node-intentional-disconnect-ndeath: a clean DISCONNECT
  // discards the will, so the NDEATH goes out by hand first.
  MqttMessage death = WillMessage(bd_seq_);
  EndSession();
  return {std::move(death)};
}

MqttMessage SparkplugEdgeNode::NodeBirth(TimePoint now) {
  // tck-id-payloads-nbirth-seq: an NBIRTH has seq 0, also on a rebirth, which keeps the
  // bdSeq of the connection's will (tck-id-operational-behavior-data-commands-rebirth-
  // action-3: no new MQTT session, so no new bdSeq).
  next_seq_ = 0;
  Payload payload;
  payload.set_timestamp(UnixMillis(now));  // tck-id-payloads-nbirth-timestamp
  payload.set_seq(NextSeq());
  // tck-id-payloads-nbirth-bdseq, as Int64 (tck-id-message-flow-edge-node-birth-publish-
  // nbirth-payload-bdSeq).
  AddMetric(payload, kSparkplugBdSeqMetric, spb::Int64, now)->set_long_value(bd_seq_);
  // tck-id-payloads-nbirth-rebirth-req: Boolean, false.
  AddMetric(payload, kSparkplugRebirthMetric, spb::Boolean, now)->set_boolean_value(false);
  AddMetric(payload, kSoftwareMetric, spb::String, now)->set_string_value("vmuc");
  AddMetric(payload, kSoftwareVersionMetric, spb::String, now)->set_string_value(kVersion);
  return ToMessage(Topic(kNbirth), payload, kDataQos);
}

MqttMessage SparkplugEdgeNode::DeviceBirth(std::string_view device_id, const DeviceState& device,
                                           TimePoint now) {
  // tck-id-operational-behavior-data-publish-dbirth-order: the values in chronological order.
  std::vector<const std::pair<const std::string, MetricState>*> metrics;
  metrics.reserve(device.metrics.size());
  for (const auto& entry : device.metrics) metrics.push_back(&entry);
  std::stable_sort(metrics.begin(), metrics.end(),
                   [](const auto* a, const auto* b) { return a->second.at < b->second.at; });
  Payload payload;
  payload.set_timestamp(UnixMillis(now));  // tck-id-payloads-dbirth-timestamp
  payload.set_seq(NextSeq());              // tck-id-payloads-dbirth-seq-inc
  for (const auto* entry : metrics) {
    const MetricState& state = entry->second;
    // tck-id-topics-dbirth-metrics: name, datatype and current value. Int64 keeps the meter's
    // exact integer; the scale and unit are static, so they ride in the birth's PropertySet
    // only (Sparkplug defines no unit property; 'Quality' is its only well-known key).
    Metric* metric = AddMetric(payload, entry->first, spb::Int64, state.at);
    metric->set_long_value(static_cast<uint64_t>(state.value));
    spb::Payload_PropertySet* properties = metric->mutable_properties();
    properties->add_keys(std::string(kSparkplugScalerProperty));
    spb::Payload_PropertyValue* scaler = properties->add_values();
    scaler->set_type(spb::Int32);
    scaler->set_int_value(static_cast<uint32_t>(state.scaler));
    properties->add_keys(std::string(kSparkplugUnitProperty));
    spb::Payload_PropertyValue* unit = properties->add_values();
    unit->set_type(spb::String);
    unit->set_string_value(state.unit);
  }
  return ToMessage(Topic(kDbirth, device_id), payload, kDataQos);
}

MqttMessage SparkplugEdgeNode::DeviceDeathMessage(std::string_view device_id, TimePoint now) {
  Payload payload;
  payload.set_timestamp(UnixMillis(now));  // tck-id-payloads-ddeath-timestamp
  payload.set_seq(NextSeq());              // tck-id-payloads-ddeath-seq-inc
  return ToMessage(Topic(kDdeath, device_id), payload, kDataQos);
}

absl::StatusOr<std::vector<MqttMessage>> SparkplugEdgeNode::Report(const DeviceReport& report,
                                                                   bool historical, TimePoint now) {
  if (state_ != State::kBorn) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no Sparkplug session to publish device '", report.device_id, "' in: ",
        state_ == State::kDisconnected
            ? std::string("not connected")
            : absl::StrCat("waiting for primary host '", options_.primary_host_id, "'")));
  }
  VMUC_RETURN_IF_ERROR(ValidateId("device_id", report.device_id));
  if (report.metrics.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("report of device '", report.device_id, "' has no metrics"));
  }

  // Everything is checked before the device's state changes.
  struct Item {
    const SparkplugMetricValue* metric;
    TimePoint at;
  };
  std::vector<Item> items;
  items.reserve(report.metrics.size());
  for (size_t i = 0; i < report.metrics.size(); ++i) {
    const SparkplugMetricValue& metric = report.metrics[i];
    if (metric.name.empty() || !IsValidUtf8(metric.name)) {
      return absl::InvalidArgumentError(absl::StrCat("report of device '", report.device_id,
                                                     "': metric ", i,
                                                     " has no name or one that is not UTF-8"));
    }
    const TimePoint at = metric.at == TimePoint{} ? report.at : metric.at;
    if (at <= TimePoint{}) {
      return absl::InvalidArgumentError(absl::StrCat("report of device '", report.device_id,
                                                     "': metric '", metric.name,
                                                     "' has no capture time after 1970"));
    }
    items.push_back({&metric, at});
  }
  // The same metric twice: allowed with different timestamps (Sparkplug 3.0 chapter 5, "Data
  // Publish": several changes of one metric may share a DDATA) and the same scale and unit.
  {
    std::vector<const Item*> by_name;
    for (const Item& item : items) by_name.push_back(&item);
    std::sort(by_name.begin(), by_name.end(), [](const Item* a, const Item* b) {
      return std::tie(a->metric->name, a->at) < std::tie(b->metric->name, b->at);
    });
    for (size_t i = 1; i < by_name.size(); ++i) {
      const Item& a = *by_name[i - 1];
      const Item& b = *by_name[i];
      if (a.metric->name != b.metric->name) continue;
      if (a.at == b.at || a.metric->scaler != b.metric->scaler ||
          a.metric->unit != b.metric->unit) {
        return absl::InvalidArgumentError(
            absl::StrCat("report of device '", report.device_id, "' has metric '", a.metric->name,
                         "' twice with the same capture time or a different scaler or unit"));
      }
    }
  }
  // tck-id-operational-behavior-data-publish-dbirth-order: non-historical values in
  // chronological order.
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.at < b.at; });

  DeviceState& device = devices_[report.device_id];
  std::vector<MqttMessage> out;
  if (device.born) {
    // tck-id-operational-behavior-data-publish-dbirth: a DBIRTH declares every metric the
    // device will publish in the session, with its scale and unit. One it did not declare
    // takes a DDEATH and a new DBIRTH with the whole set: the Sparkplug maintainers' answer
    // for adding metrics to a device (eclipse-sparkplug/sparkplug#540), cheaper than a
    // rebirth of the node and all its devices.
    const bool redeclare = std::any_of(items.begin(), items.end(), [&](const Item& item) {
      const auto it = device.metrics.find(item.metric->name);
      return it == device.metrics.end() || it->second.scaler != item.metric->scaler ||
             it->second.unit != item.metric->unit;
    });
    if (redeclare) {
      out.push_back(DeviceDeathMessage(report.device_id, now));
      device.born = false;
    }
  }

  Payload data;
  const auto add_data = [&](const Item& item, bool is_historical) {
    Metric* metric = AddMetric(data, item.metric->name, spb::Int64, item.at);
    metric->set_long_value(static_cast<uint64_t>(item.metric->value));
    if (is_historical) metric->set_is_historical(true);
  };
  if (!device.born) {
    // The newest value of each metric goes into the DBIRTH (its "current value",
    // tck-id-operational-behavior-data-publish-dbirth-values), beside the last known values
    // of metrics this report lacks. A DDATA repeating them would resend unchanged values
    // (tck-id-operational-behavior-data-publish-dbirth-change); only older values of the
    // report follow, flagged historical so they do not overwrite the live tag.
    for (const Item& item : items) {
      MetricState& state = device.metrics[item.metric->name];
      state.scaler = item.metric->scaler;
      state.unit = item.metric->unit;
      if (state.at <= item.at) {
        state.value = item.metric->value;
        state.at = item.at;
      }
    }
    out.push_back(DeviceBirth(report.device_id, device, now));
    device.born = true;
    for (const Item& item : items) {
      const MetricState& state = device.metrics.find(item.metric->name)->second;
      if (state.at == item.at && state.value == item.metric->value) continue;
      add_data(item, /*is_historical=*/true);
    }
  } else {
    for (const Item& item : items) {
      MetricState& state = device.metrics.find(item.metric->name)->second;
      // is_historical (Sparkplug 3.0 chapter 6, "Metric"): "should not be considered a real
      // time/current value": buffered data, and any value older than the one the host holds.
      const bool older = item.at < state.at;
      const bool is_historical = historical || older;
      if (!is_historical && !item.metric->every_value && item.metric->value == state.value) {
        // Report by exception (tck-id-operational-behavior-data-publish-dbirth-change).
        state.at = item.at;
        continue;
      }
      add_data(item, is_historical);
      if (!older) {
        state.value = item.metric->value;
        state.at = item.at;
      }
    }
  }
  if (data.metrics_size() > 0) {
    data.set_timestamp(UnixMillis(now));  // tck-id-payloads-ddata-timestamp
    data.set_seq(NextSeq());              // tck-id-payloads-ddata-seq-inc
    out.push_back(ToMessage(Topic(kDdata, report.device_id), data, kDataQos));
  }
  return out;
}

absl::StatusOr<MqttMessage> SparkplugEdgeNode::DeviceDeath(std::string_view device_id,
                                                           TimePoint now) {
  const auto it = devices_.find(device_id);
  if (state_ != State::kBorn || it == devices_.end() || !it->second.born) {
    return absl::NotFoundError(absl::StrCat("device '", AsAbsl(device_id),
                                            "' is not born in this session: no DDEATH to send"));
  }
  // tck-id-operational-behavior-device-ddeath.
  MqttMessage death = DeviceDeathMessage(device_id, now);
  devices_.erase(it);
  return death;
}

absl::StatusOr<SparkplugEvent> SparkplugEdgeNode::OnMessage(std::string_view topic,
                                                            std::string_view payload,
                                                            TimePoint now) {
  VMUC_ASSIGN_OR_RETURN(const SparkplugTopic parsed, ParseSparkplugTopic(topic));
  if (parsed.message_type == kState) return OnState(parsed, payload, now);
  if (parsed.group_id != options_.group_id || parsed.edge_node_id != options_.edge_node_id) {
    return absl::InvalidArgumentError(absl::StrCat(
        parsed.message_type, " for edge node '", parsed.group_id, "/", parsed.edge_node_id,
        "', but this is '", options_.group_id, "/", options_.edge_node_id, "'"));
  }
  if (parsed.message_type == kNcmd) return OnNodeCommand(payload, now);
  if (parsed.message_type == kDcmd) return OnDeviceCommand(parsed, payload);
  return absl::InvalidArgumentError(absl::StrCat("an edge node takes no ", parsed.message_type,
                                                 " messages (topic '", AsAbsl(topic), "')"));
}

absl::StatusOr<SparkplugEvent> SparkplugEdgeNode::OnState(const SparkplugTopic& topic,
                                                          std::string_view payload, TimePoint now) {
  SparkplugEvent event;
  // tck-id-message-flow-edge-node-birth-publish-phid-wait-id: only the configured host counts.
  if (options_.primary_host_id.empty() || topic.host_id != options_.primary_host_id) {
    event.note = absl::StrCat("STATE of host '", topic.host_id, "' ignored: not the primary host");
    return event;
  }
  VMUC_ASSIGN_OR_RETURN(const SparkplugHostState state, ParseSparkplugHostState(payload));
  // tck-id-message-flow-edge-node-birth-publish-phid-wait-timestamp and
  // tck-id-operational-behavior-edge-node-termination-host-offline-timestamp: a STATE older
  // than the last one accepted is stale (a retained message overtaken, a late will). An equal
  // timestamp is not: the host's birth repeats its will's timestamp
  // (tck-id-host-topic-phid-birth-payload-timestamp), so offline(T) after online(T) is that
  // very session's death.
  if (last_state_timestamp_ms_.has_value() && state.timestamp_ms < *last_state_timestamp_ms_) {
    event.note = absl::StrCat("stale STATE of '", topic.host_id, "' ignored: timestamp ",
                              state.timestamp_ms, " precedes ", *last_state_timestamp_ms_);
    return event;
  }
  last_state_timestamp_ms_ = state.timestamp_ms;
  host_online_ = state.online;
  if (state.online) {
    if (state_ == State::kWaitingForHost) {
      state_ = State::kBorn;
      event.kind = SparkplugEvent::Kind::kBirth;
      event.messages.push_back(NodeBirth(now));
      event.note = absl::StrCat("primary host '", topic.host_id, "' online: born");
    } else {
      event.note = absl::StrCat("primary host '", topic.host_id, "' online");
    }
    return event;
  }
  if (state_ == State::kBorn) {
    // tck-id-message-flow-edge-node-birth-publish-phid-offline and
    // tck-id-operational-behavior-edge-node-termination-host-offline: NDEATH, disconnect,
    // start over (the next connection waits for the host's online STATE again).
    event.kind = SparkplugEvent::Kind::kPrimaryHostOffline;
    event.messages.push_back(WillMessage(bd_seq_));
    event.note = absl::StrCat("primary host '", topic.host_id, "' offline: session ended");
    EndSession();
    return event;
  }
  // Not born yet: keep waiting on this connection. With one broker, reconnecting would read
  // the same retained offline STATE again.
  event.note = absl::StrCat("primary host '", topic.host_id, "' offline: waiting");
  return event;
}

absl::StatusOr<SparkplugEvent> SparkplugEdgeNode::OnNodeCommand(std::string_view payload,
                                                                TimePoint now) {
  VMUC_ASSIGN_OR_RETURN(const Payload command, DecodeSparkplugPayload(payload));
  if (command.metrics_size() == 0) return absl::InvalidArgumentError("NCMD carries no metrics");
  bool rebirth = false;
  for (int i = 0; i < command.metrics_size(); ++i) {
    const Metric& metric = command.metrics(i);
    if (metric.name().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("NCMD metric ", i, " has no name (this edge node declares no aliases)"));
    }
    // tck-id-operational-behavior-data-commands-ncmd-metric-name: the NBIRTH's metrics; of
    // those only the rebirth control is writable.
    if (metric.name() != kSparkplugRebirthMetric) {
      return absl::InvalidArgumentError(
          absl::StrCat("NCMD metric '", metric.name(), "' is not a command of this edge node (",
                       AsAbsl(kSparkplugRebirthMetric), " is its only one)"));
    }
    // tck-id-operational-behavior-data-commands-ncmd-rebirth-value: a Boolean.
    if (metric.has_datatype() && metric.datatype() != spb::Boolean) {
      return absl::InvalidArgumentError(absl::StrCat("NCMD '", metric.name(), "' has datatype ",
                                                     TypeName(metric.datatype()),
                                                     ", not Boolean (11)"));
    }
    VMUC_ASSIGN_OR_RETURN(
        const SparkplugValue value,
        DecodeValue(metric, spb::Boolean, absl::StrCat("NCMD '", metric.name(), "'")));
    if (!std::holds_alternative<bool>(value)) {
      return absl::InvalidArgumentError(absl::StrCat("NCMD '", metric.name(), "' is null"));
    }
    rebirth = rebirth || std::get<bool>(value);
  }
  SparkplugEvent event;
  if (!rebirth) {
    event.note = "rebirth request with value false: nothing to do";
    return event;
  }
  if (state_ != State::kBorn) {
    // Not born: the birth that comes with the primary host's online STATE (or the next
    // connection) is the complete one the host asks for.
    event.note = "rebirth request while not born: the next birth answers it";
    return event;
  }
  // tck-id-operational-behavior-data-commands-rebirth-action-1 and -action-2: no DATA in
  // between (this call returns first), then NBIRTH and a DBIRTH per born device, with their
  // last known values.
  event.kind = SparkplugEvent::Kind::kRebirth;
  event.messages.push_back(NodeBirth(now));
  for (const auto& [device_id, device] : devices_) {
    if (device.born) event.messages.push_back(DeviceBirth(device_id, device, now));
  }
  return event;
}

absl::StatusOr<SparkplugEvent> SparkplugEdgeNode::OnDeviceCommand(const SparkplugTopic& topic,
                                                                  std::string_view payload) {
  VMUC_ASSIGN_OR_RETURN(const Payload decoded, DecodeSparkplugPayload(payload));
  const auto it = devices_.find(topic.device_id);
  if (state_ != State::kBorn || it == devices_.end() || !it->second.born) {
    return absl::NotFoundError(
        absl::StrCat("DCMD for device '", topic.device_id, "', which is not born in this session"));
  }
  const DeviceState& device = it->second;
  const std::string where = absl::StrCat("DCMD for device '", topic.device_id, "'");
  if (decoded.metrics_size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(where, " carries no metrics"));
  }
  SparkplugCommand command;
  command.device_id = topic.device_id;
  if (decoded.has_timestamp()) {
    VMUC_ASSIGN_OR_RETURN(command.sent_at,
                          FromUnixMillis(decoded.timestamp(), absl::StrCat(where, ": timestamp")));
  }
  for (int i = 0; i < decoded.metrics_size(); ++i) {
    const Metric& metric = decoded.metrics(i);
    if (metric.name().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": metric ", i, " has no name (this edge node declares no aliases)"));
    }
    // tck-id-operational-behavior-data-commands-dcmd-metric-name: a metric of the DBIRTH.
    if (device.metrics.find(metric.name()) == device.metrics.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": metric '", metric.name(), "' is not in the device's DBIRTH"));
    }
    // tck-id-operational-behavior-data-commands-dcmd-metric-value: a value of the declared
    // type (every device metric is born Int64).
    const uint32_t declared = spb::Int64;
    if (metric.has_datatype() && metric.datatype() != declared) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": metric '", metric.name(), "' has datatype ", TypeName(metric.datatype()),
          ", but the DBIRTH declared ", TypeName(declared)));
    }
    SparkplugCommandMetric out;
    out.name = metric.name();
    out.datatype = declared;
    VMUC_ASSIGN_OR_RETURN(
        out.value,
        DecodeValue(metric, declared, absl::StrCat(where, ": metric '", metric.name(), "'")));
    if (metric.has_timestamp()) {
      VMUC_ASSIGN_OR_RETURN(
          out.at, FromUnixMillis(metric.timestamp(),
                                 absl::StrCat(where, ": metric '", metric.name(), "' timestamp")));
    }
    command.metrics.push_back(std::move(out));
  }
  SparkplugEvent event;
  event.kind = SparkplugEvent::Kind::kDeviceCommand;
  event.command = std::move(command);
  return event;
}

}  // namespace vmuc::gateway
