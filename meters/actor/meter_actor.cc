#include "meters/actor/meter_actor.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/check.h"
#include "meters/cosem/profile_push.h"
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
  const NodeAddress frame_source = meter_.core().identity().node;
  Frame frame;
  frame.source = frame_source;
  frame.destination = kCollectorNode;
  frame.kind = PayloadKind::kDlmsApdu;
  frame.payload = EncodePush(SnapshotOf(meter_.core(), ++invoke_id_));
  frame.sent_at = context_.Now();
  context_.Send(std::move(frame));
  ++pushes_sent_;
  // The load-profile entries closed since the previous push instant go in a push of their
  // own (meters/cosem/profile_push.h). The span is fixed by the schedule, not by what was
  // sent before, so a restarted host pushes exactly what an uninterrupted one would.
  const TimePoint previous = capture - push_interval_;
  const uint32_t period_s = uint32_t{meter_.core().options().integration_period_min} * 60;
  if (auto profile = ProfilePushOf(meter_, previous, capture, period_s, ++invoke_id_)) {
    Frame entries;
    entries.source = frame_source;
    entries.destination = kCollectorNode;
    entries.kind = PayloadKind::kDlmsApdu;
    entries.payload = EncodeProfilePush(*profile);
    entries.sent_at = context_.Now();
    context_.Send(std::move(entries));
    ++profile_pushes_sent_;
  }
  const TimePoint next = NextPushAfter(capture);
  context_.ScheduleAt(next, [this, next] { PushAt(next); });
}

bool MeterActor::LoadAndReserveCounters() {
  DlmsCounterStore* store = dlms_setup_->counters;
  const uint64_t serial = meter_.core().identity().serial;
  if (store != nullptr && !dlms_counters_loaded_) {
    auto loaded = store->Load(serial);
    if (!loaded.ok()) {
      spdlog::error("meter {}: DLMS counters: {}", meter_.core().identity().MeterId(),
                    loaded.status().ToString());
      return false;
    }
    if (*loaded) dlms_counters_ = **loaded;
  }
  dlms_counters_loaded_ = true;
  const uint64_t reserve = uint64_t{dlms_counters_.next_outgoing} + kCounterReservation;
  dlms_reserved_until_ = std::min<uint64_t>(reserve, UINT32_MAX);
  if (store == nullptr) return true;
  dlms::SecurityCounters reserved = dlms_counters_;
  reserved.next_outgoing = static_cast<uint32_t>(dlms_reserved_until_);
  if (auto status = store->Save(serial, reserved); !status.ok()) {
    spdlog::error("meter {}: DLMS counters: {}", meter_.core().identity().MeterId(),
                  status.ToString());
    return false;
  }
  return true;
}

void MeterActor::SaveCounters(uint32_t next_outgoing) {
  if (dlms_setup_->counters == nullptr) return;
  dlms::SecurityCounters counters = dlms_counters_;
  counters.next_outgoing = next_outgoing;
  if (auto status = dlms_setup_->counters->Save(meter_.core().identity().serial, counters);
      !status.ok()) {
    spdlog::error("meter {}: DLMS counters: {}", meter_.core().identity().MeterId(),
                  status.ToString());
  }
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
    if (!LoadAndReserveCounters()) return;
    auto endpoint = MeterDlmsEndpoint::Create(*dlms_setup_, meter_, dlms_counters_);
    if (!endpoint.ok()) {
      spdlog::warn("meter {}: DLMS session refused: {}", id, endpoint.status().ToString());
      return;
    }
    dlms_ = *std::move(endpoint);
  }
  std::vector<uint8_t> answer = dlms_->OnWrapperPdu(frame.session, frame.payload, now);
  const bool accepted_ciphered = dlms_->counters().last_incoming != dlms_counters_.last_incoming;
  dlms_counters_ = dlms_->counters();
  if (accepted_ciphered) {
    // A ciphered APDU was accepted: its counter is stored before the answer leaves, so a
    // replay is refused even after the host is killed (one small write per ciphered
    // request: management traffic, not metering).
    SaveCounters(static_cast<uint32_t>(dlms_reserved_until_));
  }
  if (dlms_counters_.next_outgoing + uint64_t{64} >= dlms_reserved_until_) {
    // The block runs out: reserve the next before the server may use it.
    if (!LoadAndReserveCounters()) {
      dlms_.reset();
      return;
    }
  }
  if (dlms_->idle()) {
    // A fleet keeps servers only while sessions are open. The counters are stored as they
    // stand (the next session reserves again): a clean end needs no skipped block.
    dlms_.reset();
    SaveCounters(dlms_counters_.next_outgoing);
    dlms_reserved_until_ = 0;
  }
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
