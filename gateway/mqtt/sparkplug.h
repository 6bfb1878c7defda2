// SparkplugEdgeNode: the protocol core of the gateway's "sparkplug" MQTT profile, an Eclipse
// Sparkplug 3.0.0 edge node (docs/sparkplug.md). The gateway is the edge node, each meter
// one of its devices.
//
// A pure state machine: no sockets, no clock, no threads. The owner (the MQTT adapter) keeps
// the connection and tells this class what happened: connected, connection lost, a message
// arrived on a subscription, a meter reported. Each call returns the MQTT messages to
// publish, in order, with their QoS and retain flag. It never publishes by itself.
//
// Who owns what:
//  - the owner persists bdSeq (Sparkplug's birth/death sequence) across restarts, increments
//    it (mod 256) before each MQTT CONNECT, registers WillMessage(bd_seq) as the CONNECT's
//    will and passes the same value to OnConnected;
//  - this class owns seq (0..255 per message), which devices have been born in the current
//    session, and each device's last known metric values (kept across reconnects, so a
//    device is born again with its whole metric set; dropped by DeviceDeath);
//  - a report that cannot go out now (no session, or the primary host is offline) is
//    refused with FailedPrecondition; the owner keeps it (the outbox) and hands it in again
//    with `historical = true` once born again. Keep reports, never encoded messages: a
//    message's seq is only valid in the session that produced it.
//
// Lives as long as the gateway's MQTT publisher. Not thread-safe: one thread (the
// publisher's) calls every method.
#ifndef VMUC_GATEWAY_MQTT_SPARKPLUG_H_
#define VMUC_GATEWAY_MQTT_SPARKPLUG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "common/time.h"
#include "gateway/mqtt/mqtt_profile.h"  // MqttMessage
#include "sparkplug_b/sparkplug_b.pb.h"

namespace vmuc::gateway {

// The topic namespace of Sparkplug B (tck-id-topic-structure-namespace-a).
inline constexpr std::string_view kSparkplugNamespace = "spBv1.0";
// The node metrics every NBIRTH carries.
inline constexpr std::string_view kSparkplugBdSeqMetric = "bdSeq";
inline constexpr std::string_view kSparkplugRebirthMetric = "Node Control/Rebirth";
// The property keys of each device metric in a DBIRTH: physical = value * 10^scaler unit.
inline constexpr std::string_view kSparkplugScalerProperty = "scaler";
inline constexpr std::string_view kSparkplugUnitProperty = "unit";

struct SparkplugOptions {
  std::string group_id;      // required; UTF-8 without '+', '/', '#'
  std::string edge_node_id;  // required; same rules
  // The Primary Host Application's id. Empty: none, the edge node is born right after
  // connecting. Set: it is born only once spBv1.0/STATE/<id> says online, and dies (NDEATH)
  // when that host goes offline.
  std::string primary_host_id;
};

// One meter register value, the gateway's internal model: physical = value * 10^scaler unit.
struct SparkplugMetricValue {
  std::string name;  // the OBIS code, e.g. "1.1.1.8.0.255"
  int64_t value = 0;
  int32_t scaler = 0;
  std::string unit;  // e.g. "Wh"; may be empty (a count)
  TimePoint at{};    // capture time; TimePoint{} (unset): the report's `at`
  // A logged record (a load-profile entry, an event code): each one is an observation of
  // its own, sent even when its value equals the last. Otherwise a current value, reported
  // by exception (tck-id-operational-behavior-data-publish-dbirth-change).
  bool every_value = false;
};

struct DeviceReport {
  std::string device_id;  // the meter id; UTF-8 without '+', '/', '#'
  TimePoint at{};         // capture time of the metrics that carry none
  std::vector<SparkplugMetricValue> metrics;
};

// A metric value decoded from a command: std::monostate when is_null; int64_t for Int8..Int64;
// uint64_t for UInt8..UInt64 and DateTime (ms since the epoch); double for Float and Double;
// bool; std::string for String, Text and UUID.
using SparkplugValue = std::variant<std::monostate, int64_t, uint64_t, double, bool, std::string>;

struct SparkplugCommandMetric {
  std::string name;
  uint32_t datatype = 0;  // a Sparkplug DataType number (4 = Int64)
  SparkplugValue value;
  std::optional<TimePoint> at;  // the metric's timestamp, when the host sent one
};

// A DCMD for the owner to check and execute: values are raw integers in the scale the device's
// DBIRTH declared (property "scaler").
struct SparkplugCommand {
  std::string device_id;
  std::optional<TimePoint> sent_at;  // the payload's timestamp, when present
  std::vector<SparkplugCommandMetric> metrics;
};

// What OnMessage made of a message. Publish `messages` in order whatever the kind.
struct SparkplugEvent {
  enum class Kind {
    kNone,                // nothing to do; `note` says why (e.g. a stale STATE)
    kBirth,               // the primary host came online: `messages` is the NBIRTH
    kRebirth,             // a rebirth request: NBIRTH, then a DBIRTH per born device
    kPrimaryHostOffline,  // publish the NDEATH, disconnect, then connect again (bdSeq + 1)
    kDeviceCommand,       // `command` holds a DCMD
  };
  Kind kind = Kind::kNone;
  std::vector<MqttMessage> messages;
  std::optional<SparkplugCommand> command;
  std::string note;
};

// A topic of the Sparkplug B namespace, split: spBv1.0/<group>/<type>/<edge>[/<device>] or
// spBv1.0/STATE/<host_id>.
struct SparkplugTopic {
  std::string message_type;  // "NBIRTH", "NDATA", ..., "DCMD" or "STATE"
  std::string group_id;      // empty for STATE
  std::string edge_node_id;  // empty for STATE
  std::string device_id;     // only DBIRTH, DDATA, DDEATH and DCMD have one
  std::string host_id;       // only STATE has one
};

// The STATE payload of a Sparkplug 3.0 host application: {"online":bool,"timestamp":ms}.
struct SparkplugHostState {
  bool online = false;
  uint64_t timestamp_ms = 0;
};

// Splits and checks a topic; the error names the element that is wrong.
absl::StatusOr<SparkplugTopic> ParseSparkplugTopic(std::string_view topic);
// Decodes a Sparkplug B protobuf payload (for tests and tools, and commands).
absl::StatusOr<org::eclipse::tahu::protobuf::Payload> DecodeSparkplugPayload(
    std::string_view payload);
// Parses a STATE payload; the error names the missing or mistyped key.
absl::StatusOr<SparkplugHostState> ParseSparkplugHostState(std::string_view json);

class SparkplugEdgeNode {
 public:
  // Refuses empty or malformed ids (tck-id-topic-structure-namespace-valid-group-id and
  // -valid-edge-node-id).
  static absl::StatusOr<SparkplugEdgeNode> Create(SparkplugOptions options);

  // The NDEATH to register as the MQTT CONNECT's will: QoS 1, not retained, one metric
  // "bdSeq" (Int64), no seq. Also what to publish before a clean disconnect.
  MqttMessage WillMessage(uint8_t bd_seq) const;
  // Topic filters to subscribe to (at QoS 1) on each connection: NCMD, DCMD and, with a
  // primary host, its STATE.
  std::vector<std::string> SubscriptionTopics() const;

  // The connection is up (CONNACK) with `bd_seq` in its will. Returns the NBIRTH (seq 0), or
  // nothing while a configured primary host has not said online on this connection; its
  // STATE then births the node through OnMessage (kBirth). Devices are born lazily, by their
  // first Report of the session.
  std::vector<MqttMessage> OnConnected(uint8_t bd_seq, TimePoint now);
  // The connection dropped (the broker publishes the will). Ends the session.
  void OnConnectionLost();
  // Before a clean disconnect: the NDEATH to publish first (none when not connected). Ends
  // the session.
  std::vector<MqttMessage> Disconnect();

  // A meter's values. Returns, in order: a DDEATH and a DBIRTH when the report brings a
  // metric (or a scaler or unit) the device's birth did not declare; a DBIRTH when the
  // device is not born in this session; a DDATA with the values the host does not hold yet.
  // `historical`: buffered while not born; every DDATA metric is then flagged is_historical.
  // May return nothing (the values did not change). FailedPrecondition when not born.
  absl::StatusOr<std::vector<MqttMessage>> Report(const DeviceReport& report, bool historical,
                                                  TimePoint now);
  // A meter the gateway considers gone: its DDEATH. Forgets the device's values; a later
  // report births it afresh. NotFound when the device is not born in this session.
  absl::StatusOr<MqttMessage> DeviceDeath(std::string_view device_id, TimePoint now);

  // A message on one of SubscriptionTopics(). Errors name what was wrong with the topic or
  // payload; the session is unchanged by an error.
  absl::StatusOr<SparkplugEvent> OnMessage(std::string_view topic, std::string_view payload,
                                           TimePoint now);

  bool connected() const { return state_ != State::kDisconnected; }
  // Born: the NBIRTH of this connection is out, reports may be published.
  bool born() const { return state_ == State::kBorn; }
  // The primary host's last accepted STATE on this connection; true when none is configured.
  bool primary_host_online() const;
  bool device_born(std::string_view device_id) const;
  uint8_t bd_seq() const { return bd_seq_; }
  const SparkplugOptions& options() const { return options_; }

 private:
  enum class State { kDisconnected, kWaitingForHost, kBorn };
  struct MetricState {
    int64_t value = 0;
    int32_t scaler = 0;
    std::string unit;
    TimePoint at{};
  };
  struct DeviceState {
    std::map<std::string, MetricState, std::less<>> metrics;
    bool born = false;  // its DBIRTH went out in the current session
  };

  explicit SparkplugEdgeNode(SparkplugOptions options) : options_(std::move(options)) {}

  std::string Topic(std::string_view message_type, std::string_view device_id = {}) const;
  uint64_t NextSeq();
  void EndSession();
  MqttMessage NodeBirth(TimePoint now);
  MqttMessage DeviceBirth(std::string_view device_id, const DeviceState& device, TimePoint now);
  MqttMessage DeviceDeathMessage(std::string_view device_id, TimePoint now);
  absl::StatusOr<SparkplugEvent> OnState(const SparkplugTopic& topic, std::string_view payload,
                                         TimePoint now);
  absl::StatusOr<SparkplugEvent> OnNodeCommand(std::string_view payload, TimePoint now);
  absl::StatusOr<SparkplugEvent> OnDeviceCommand(const SparkplugTopic& topic,
                                                 std::string_view payload);

  SparkplugOptions options_;
  State state_ = State::kDisconnected;
  uint8_t bd_seq_ = 0;
  uint8_t next_seq_ = 0;  // wraps 255 -> 0 by itself
  bool host_online_ = false;
  std::optional<uint64_t> last_state_timestamp_ms_;
  std::map<std::string, DeviceState, std::less<>> devices_;
};

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_MQTT_SPARKPLUG_H_
