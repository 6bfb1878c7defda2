#include "meters/actor/meter_actor.h"

#include <spdlog/spdlog.h>

#include "common/check.h"
#include "meters/cosem/push_list.h"
#include "meters/metrology/load_model.h"

namespace vmuc::meters {

MeterActor::MeterActor(MeterIdentity identity, TimePoint epoch, std::chrono::seconds push_interval,
                       ActorContext& context, const MeterOptions& options,
                       PulseInputConfig pulse_input, BillingConfig billing,
                       LoadProfileConfig load_profile, std::optional<AnalysisLogConfig> analysis,
                       std::optional<DebitLog2Config> debit_log_2)
    : meter_(identity, epoch, options, pulse_input, billing, load_profile, std::move(analysis),
             debit_log_2),
      epoch_(epoch),
      push_interval_(push_interval),
      // Spread the fleet's pushes over the interval instead of all at once. Whole seconds:
      // the pushed date-time leaves hundredths unspecified, as this meter family does.
      push_offset_(std::chrono::seconds(static_cast<int64_t>(
          Mix64(identity.load_seed) % static_cast<uint64_t>(push_interval.count())))),
      context_(context) {}

TimePoint MeterActor::NextPushAfter(TimePoint t) const {
  const TimePoint first = epoch_ + push_offset_;
  if (t < first) return first;
  const auto periods = (t - first) / push_interval_;  // whole intervals since the first
  return first + (periods + 1) * push_interval_;
}

void MeterActor::Start() {
  const TimePoint now = context_.Now();
  if (now > meter_.time()) meter_.AdvanceTo(now);
  const TimePoint next = NextPushAfter(now);
  context_.ScheduleAt(next, [this, next] { PushAt(next); });
}

void MeterActor::PushAt(TimePoint capture) {
  meter_.AdvanceTo(capture);
  Frame frame;
  frame.source = meter_.core().identity().node;
  frame.destination = kCollectorNode;
  frame.kind = PayloadKind::kDlmsApdu;
  frame.payload = EncodePush(SnapshotOf(meter_.core(), ++invoke_id_));
  frame.sent_at = context_.Now();
  context_.Send(std::move(frame));
  ++pushes_sent_;
  const TimePoint next = NextPushAfter(capture);
  context_.ScheduleAt(next, [this, next] { PushAt(next); });
}

void MeterActor::OnFrame(const Frame& frame) {
  const std::string& id = meter_.core().identity().MeterId();
  if (frame.kind != PayloadKind::kDlmsWrapper || dlms_setup_ == nullptr) {
    spdlog::debug("meter {}: downlink of {} bytes ignored", id, frame.payload.size());
    return;
  }
  const TimePoint now = context_.Now();
  if (now > meter_.time()) meter_.AdvanceTo(now);  // answer with the registers of now
  if (!dlms_) {
    auto endpoint = MeterDlmsEndpoint::Create(*dlms_setup_, meter_, dlms_counters_);
    if (!endpoint.ok()) {
      spdlog::warn("meter {}: DLMS session refused: {}", id, endpoint.status().ToString());
      return;
    }
    dlms_ = *std::move(endpoint);
  }
  std::vector<uint8_t> answer = dlms_->OnWrapperPdu(frame.session, frame.payload, now);
  dlms_counters_ = dlms_->counters();
  if (dlms_->idle()) dlms_.reset();  // a fleet keeps servers only while sessions are open
  if (answer.empty()) return;
  Frame reply;
  reply.source = meter_.core().identity().node;
  reply.destination = frame.source;
  reply.kind = PayloadKind::kDlmsWrapper;
  reply.payload = std::move(answer);
  reply.sent_at = now;
  reply.session = frame.session;
  context_.Send(std::move(reply));
}

}  // namespace vmuc::meters
