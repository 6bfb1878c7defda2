#include "gateway/collector/collector.h"

#include <spdlog/spdlog.h>

#include "common/strings.h"
#include "gateway/api/gateway_service.h"
#include "gateway/collector/mqtt_payloads.h"
#include "meters/cosem/push_list.h"
#include "vmuc/v1/gateway.pb.h"

namespace vmuc::gateway {

void Collector::OnFrames(const std::vector<Frame>& frames) {
  const TimePoint now = clock_.Now();
  std::vector<ReadingBatch> batches;
  std::vector<TimePoint> captured;
  for (const Frame& frame : frames) {
    if (frame.kind != PayloadKind::kDlmsApdu) {
      ++frames_rejected_;
      spdlog::warn("collector: node {}: payload kind {} is not handled yet", frame.source,
                   static_cast<int>(frame.kind));
      continue;
    }
    auto push = meters::DecodePush(frame.payload);
    if (!push.ok()) {
      ++frames_rejected_;
      spdlog::warn("collector: node {}: rejected data-notification: {}", frame.source,
                   AsStd(push.status().message()));
      continue;
    }
    ++frames_accepted_;
    ReadingBatch batch;
    batch.meter_id = push->meter_id;
    batch.node_address = frame.source;
    batch.received_at = now;
    for (const meters::PushedRegister& reg : push->registers) {
      batch.registers.push_back(RegisterRecord{reg.obis.ToString(), reg.value, reg.scaler,
                                               static_cast<uint32_t>(reg.unit), push->captured_at});
    }
    captured.push_back(push->captured_at);
    batches.push_back(std::move(batch));
  }
  if (batches.empty()) return;

  // What is new in each batch, remembered for publishing once the transaction commits.
  std::vector<Store::Stored> outcomes;
  auto make_events = [&](const ReadingBatch& batch, const Store::Stored& stored) {
    outcomes.push_back(stored);
    std::vector<std::string> events;
    const TimePoint at =
        stored.new_registers.empty() ? batch.received_at : stored.new_registers.front().captured_at;
    if (stored.meter_discovered) {
      v1::Event event;
      event.set_meter_id(batch.meter_id);
      ToTimestampOf(batch.received_at, event.mutable_at());
      event.mutable_meter_discovered()->set_node_address(batch.node_address);
      events.push_back(event.SerializeAsString());
    }
    if (!stored.new_registers.empty()) {
      v1::Event event;
      event.set_meter_id(batch.meter_id);
      ToTimestampOf(at, event.mutable_at());
      for (const RegisterRecord& reg : stored.new_registers) {
        ToProto(reg, event.mutable_readings()->add_registers());
      }
      events.push_back(event.SerializeAsString());
    }
    return events;
  };
  auto sequences = store_.StoreBatches(batches, make_events);
  if (!sequences.ok()) {
    // Nothing of the batch is stored; the meters' next pushes carry the registers again
    // (they are cumulative), so the loss is one push interval of resolution, not energy.
    spdlog::error("collector: could not store {} readings: {}", batches.size(),
                  sequences.status().ToString());
    return;
  }
  for (size_t i = 0; i < batches.size(); ++i) {
    if (outcomes[i].new_registers.empty()) continue;
    publisher_.Publish(
        MeterTopic(options_.topic_prefix, options_.gateway_name, batches[i].meter_id, "readings"),
        ReadingsJson(options_.gateway_name, batches[i].meter_id, captured[i],
                     outcomes[i].new_registers),
        /*retained=*/false);
  }
  hub_.Notify();
}

}  // namespace vmuc::gateway
