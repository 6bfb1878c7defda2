#include "gateway/mqtt/sparkplug_profile.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "dlms/units.h"
#include "gateway/api/gateway_service.h"

namespace vmuc::gateway {
namespace {

constexpr const char* kBdSeqKey = "sparkplug.bd_seq";

}  // namespace

absl::StatusOr<std::unique_ptr<SparkplugProfile>> SparkplugProfile::Create(SparkplugOptions options,
                                                                           Store& store) {
  auto node = SparkplugEdgeNode::Create(std::move(options));
  if (!node.ok()) return node.status();
  return std::unique_ptr<SparkplugProfile>(new SparkplugProfile(*std::move(node), store));
}

MqttMessage SparkplugProfile::Will() {
  // Asked before each connect: the previous session, if any, has ended.
  if (node_.connected()) node_.OnConnectionLost();
  must_reconnect_ = false;
  // The next bdSeq (tck-id-payloads-ndeath-bdseq: 0..255, one more per connection), stored
  // before it is used, so a crash right after the CONNECT does not reuse it.
  auto last = store_.StateValue(kBdSeqKey, -1);
  const int64_t next = ((last.ok() ? *last : bd_seq_) + 1) % 256;
  if (auto status = store_.SetStateValue(kBdSeqKey, next); !status.ok()) {
    spdlog::warn("sparkplug: keeping bdSeq: {}", status.ToString());
  }
  bd_seq_ = static_cast<uint8_t>(next);
  return node_.WillMessage(bd_seq_);
}

std::vector<MqttMessage> SparkplugProfile::OnConnected(TimePoint now) {
  return node_.OnConnected(bd_seq_, now);
}

std::vector<MqttMessage> SparkplugProfile::OnMessage(const std::string& topic,
                                                     const std::string& payload, TimePoint now) {
  auto event = node_.OnMessage(topic, payload, now);
  if (!event.ok()) {
    spdlog::warn("sparkplug: {}: {}", topic, event.status().ToString());
    return {};
  }
  switch (event->kind) {
    case SparkplugEvent::Kind::kPrimaryHostOffline:
      // tck-id-operational-behavior-edge-node-termination-host-offline: death, then a new
      // session (bdSeq + 1) that waits for the host again.
      spdlog::info("sparkplug: primary host {} went offline; reconnecting",
                   node_.options().primary_host_id);
      must_reconnect_ = true;
      break;
    case SparkplugEvent::Kind::kDeviceCommand:
      // Commands to meters go through the gateway's command API, which checks them; until
      // it takes DCMDs, refuse them visibly rather than drop them silently.
      spdlog::warn(
          "sparkplug: DCMD for {} refused: meter commands over Sparkplug are not "
          "accepted yet",
          event->command ? event->command->device_id : std::string("?"));
      break;
    case SparkplugEvent::Kind::kNone:
      if (!event->note.empty()) spdlog::info("sparkplug: {}", event->note);
      break;
    case SparkplugEvent::Kind::kBirth:
    case SparkplugEvent::Kind::kRebirth:
      break;
  }
  return std::move(event->messages);
}

std::vector<MqttMessage> SparkplugProfile::Render(uint64_t sequence, const v1::Event& event,
                                                  bool historical, TimePoint now) {
  std::optional<DeviceReport> report = SparkplugReportOf(event);
  if (!report) return {};
  auto messages = node_.Report(*report, historical, now);
  if (!messages.ok()) {
    // A meter id or metric Sparkplug cannot carry: logged, and the outbox moves on.
    spdlog::warn("sparkplug: event {} of {}: {}", sequence, event.meter_id(),
                 messages.status().ToString());
    return {};
  }
  return *std::move(messages);
}

std::vector<MqttMessage> SparkplugProfile::OnStopping(TimePoint) { return node_.Disconnect(); }

std::optional<DeviceReport> SparkplugReportOf(const v1::Event& event) {
  DeviceReport report;
  report.device_id = event.meter_id();
  report.at = TimePointOf(event.at());
  switch (event.kind_case()) {
    case v1::Event::kReadings:
      for (const v1::RegisterValue& reg : event.readings().registers()) {
        report.metrics.push_back(
            {.name = reg.obis(),
             .value = reg.value(),
             .scaler = reg.scaler(),
             .unit = std::string(dlms::UnitSymbol(static_cast<dlms::Unit>(reg.unit()))),
             .at = reg.has_captured_at() ? TimePointOf(reg.captured_at()) : report.at});
      }
      break;
    case v1::Event::kLoadProfile: {
      const v1::LoadProfile& profile = event.load_profile();
      for (const v1::LoadProfileRow& row : profile.rows()) {
        for (int i = 0; i < row.values_size() && i < profile.channels_size(); ++i) {
          report.metrics.push_back({.name = absl::StrCat("profile/", profile.channels(i)),
                                    .value = row.values(i),
                                    .scaler = 0,
                                    .unit = "",
                                    .at = TimePointOf(row.captured_at()),
                                    .every_value = true});
        }
      }
      break;
    }
    case v1::Event::kBillingPeriod:
      // A debiting period's values, "billing/<OBIS>", at the period end (a maximum: at its
      // own time).
      for (const v1::RegisterValue& reg : event.billing_period().registers()) {
        report.metrics.push_back(
            {.name = absl::StrCat("billing/", reg.obis()),
             .value = reg.value(),
             .scaler = reg.scaler(),
             .unit = std::string(dlms::UnitSymbol(static_cast<dlms::Unit>(reg.unit()))),
             .at = reg.has_captured_at() ? TimePointOf(reg.captured_at())
                                         : TimePointOf(event.billing_period().captured_at()),
             .every_value = true});
      }
      break;
    case v1::Event::kMeterEvent: {
      // An event-log entry: "events/<log>" holds the event code at its capture time.
      const v1::MeterEvent& entry = event.meter_event();
      report.metrics.push_back({.name = absl::StrCat("events/", entry.log()),
                                .value = entry.code(),
                                .scaler = 0,
                                .unit = "",
                                .at = TimePointOf(entry.captured_at()),
                                .every_value = true});
      break;
    }
    case v1::Event::kMeterDiscovered:
    case v1::Event::KIND_NOT_SET:
      return std::nullopt;
  }
  if (report.metrics.empty()) return std::nullopt;
  return report;
}

}  // namespace vmuc::gateway
