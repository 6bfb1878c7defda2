#include "meters/meter.h"

#include "common/check.h"
#include "meters/loggers/billing_schedule.h"

namespace vmuc::meters {

Meter::Meter(MeterIdentity identity, TimePoint epoch, const MeterOptions& options,
             PulseInputConfig pulse_input, BillingConfig billing, LoadProfileConfig profile,
             std::optional<AnalysisLogConfig> analysis, std::optional<DebitLog2Config> debit_log_2)
    : core_(identity, epoch, options), billing_(billing) {
  if (analysis) analysis_.emplace(*std::move(analysis));
  if (debit_log_2) debit_log_2_.emplace(*debit_log_2);
  if (profile.enabled) {
    auto layout = LoadProfileLayoutFor(
        profile.channels, std::chrono::minutes(options.integration_period_min), profile.variant);
    VMUC_CHECK(layout.ok(), "Meter: the load profile config is invalid");
    load_profile_.emplace(profile.channels, profile.data, *layout);
    load_profile_->SetBaseline(core_.registers().total());
  }
  if (pulse_input.unit != PulseInputUnit::kNone) {
    auto channel = PulseInputChannel::Create(pulse_input, identity.load_seed, epoch);
    VMUC_CHECK(channel.ok(), "Meter: the pulse input config is invalid");
    pulse_input_.emplace(*std::move(channel));
  }
  RescheduleFromClock();
  dst_active_ = ToLocal(core_.rtc_time(), billing_.local_time).dst_active;
  if (!core_.supply_on()) {  // installed during an outage: as if it had just gone off
    off_since_rtc_s_ =
        std::chrono::floor<std::chrono::seconds>(core_.rtc_time()).time_since_epoch().count();
    rtc_offset_at_off_ = core_.rtc_offset_s();
    period_status_ |= kProfileStatusPowerDown;
  }
}

TimeQuality Meter::QualityNow() const {
  return TimeQuality{.clock = core_.clock_valid() ? ClockQuality::kValid : ClockQuality::kInvalid,
                     .daylight_saving = ToLocal(core_.rtc_time(), billing_.local_time).dst_active};
}

void Meter::Raise(EventCode code, uint32_t value) {
  events_.Raise(core_.rtc_time(), QualityNow(), code, value);
}

void Meter::RescheduleFromClock() {
  const TimePoint rtc = core_.rtc_time();
  next_billing_end_ =
      NextBillingEnd(rtc, billing_.stop_day, billing_.interval, billing_.local_time);
  if (analysis_) next_analysis_ = analysis_->NextCaptureAfter(rtc);
  if (debit_log_2_) next_debit_log_2_ = debit_log_2_->NextCaptureAfter(rtc);
}

uint16_t Meter::ClockStatusBits() const {
  uint16_t status = 0;
  if (!core_.clock_valid()) status |= kProfileStatusClockInvalid;
  // DST switches fall on RTC hour boundaries (EU: 01:00 UTC; Z11 offsets are whole hours),
  // which are period ends, where dst_active_ is kept (and at a clock set): no local-time
  // conversion per capture.
  if (dst_active_) status |= kProfileStatusDaylightSaving;
  return status;
}

std::optional<TimePoint> Meter::NextScheduled() const {
  std::optional<TimePoint> next;
  for (const std::optional<TimePoint>& at :
       {next_billing_end_, next_analysis_, next_debit_log_2_}) {
    if (at && (!next || *at < *next)) next = at;
  }
  return next;
}

void Meter::RunDue() {
  const TimePoint rtc = core_.rtc_time();
  // The debiting end first: debit logger 2's midnight capture then sees the period closed
  // (its registers do not reset, so the values are the same either way).
  if (next_billing_end_ && *next_billing_end_ <= rtc) {
    EndBillingPeriod();
    next_billing_end_ = NextBillingEnd(*next_billing_end_, billing_.stop_day, billing_.interval,
                                       billing_.local_time);
  }
  if (next_debit_log_2_ && *next_debit_log_2_ <= rtc) {
    debit_log_2_->Capture(rtc, core_, ClockStatusBits());
    next_debit_log_2_ = debit_log_2_->NextCaptureAfter(*next_debit_log_2_);
  }
  if (next_analysis_ && *next_analysis_ <= rtc) {
    if (core_.supply_on()) analysis_->Capture(rtc, core_, ClockStatusBits());
    next_analysis_ = analysis_->NextCaptureAfter(*next_analysis_);
  }
}

void Meter::AdvanceAllTo(TimePoint t) {
  core_.AdvanceTo(t, this);
  if (pulse_input_) {
    if (core_.supply_on()) {
      pulse_input_->AdvanceTo(t);
    } else {
      pulse_input_->SkipTo(t);
    }
  }
}

void Meter::AdvanceTo(TimePoint t) {
  // The schedules are on the RTC; its offset to true time changes only when a long outage
  // stops it (then the instant is later in true time: look again) or by command (between
  // calls).
  for (std::optional<TimePoint> next = NextScheduled(); next; next = NextScheduled()) {
    TimePoint due_true = *next - std::chrono::seconds(core_.rtc_offset_s());
    if (core_.clock_stopped()) {
      // Nothing falls due on a clock that stands still: look again when the supply changes.
      const int64_t change_s = core_.next_supply_change_unix_s();
      if (change_s == INT64_MAX) break;
      due_true = std::max(due_true, TimePoint(std::chrono::seconds(change_s)));
    }
    if (due_true > t) break;
    AdvanceAllTo(due_true);
    RunDue();
  }
  AdvanceAllTo(t);
}

void Meter::OnPeriodEnd(const MeterCore& core) {
  // DST switches at 01:00 UTC (EU), a period end for every Z4.
  const bool dst = ToLocal(core.rtc_time(), billing_.local_time).dst_active;
  if (dst != dst_active_) {
    dst_active_ = dst;
    Raise(EventCode::kDaylightSavingSwitch, dst ? 1 : 0);
  }
  if (core.demand().power_threshold_count != power_threshold_count_) {
    power_threshold_count_ = core.demand().power_threshold_count;
    Raise(EventCode::kPowerThresholdExceeded, core.demand().last_average_active_import_w);
  }
  if (!load_profile_) return;
  if (!core.supply_on()) {
    period_status_ |= kProfileStatusPowerDown;  // the period the meter comes back in
    return;
  }
  const uint16_t status = period_status_ | ClockStatusBits();
  load_profile_->Record(core.rtc_time(), core.registers().total(), status);
  period_status_ = 0;
}

void Meter::OnSupplyChange(const MeterCore& core, bool on) {
  if (pulse_input_) {
    // Pulses up to the outage count; during it the device flows unseen.
    if (on) {
      pulse_input_->SkipTo(core.time());
    } else {
      pulse_input_->AdvanceTo(core.time());
    }
  }
  // A period interrupted by an outage is short of supply; one whose clock stopped is also
  // of the wrong length on the RTC.
  period_status_ |= kProfileStatusPowerDown;
  const int64_t rtc_s =
      std::chrono::floor<std::chrono::seconds>(core.rtc_time()).time_since_epoch().count();
  if (!on) {
    off_since_rtc_s_ = rtc_s;
    rtc_offset_at_off_ = core.rtc_offset_s();
    Raise(EventCode::kPowerDown);
    return;
  }
  const bool clock_stopped = !core.clock_valid() && core.rtc_offset_s() != rtc_offset_at_off_;
  Raise(EventCode::kPowerUp);
  // IDIS: a failure over 3 minutes is long and goes to the power failure log, with the
  // duration the meter measured, on its RTC.
  const int64_t measured_s = rtc_s - off_since_rtc_s_;
  if (measured_s > 180) {
    Raise(EventCode::kLongPowerFailure,
          static_cast<uint32_t>(std::min<int64_t>(measured_s, UINT32_MAX)));
  }
  if (clock_stopped) {
    period_status_ |= kProfileStatusDataNotValid | kProfileStatusClockInvalid;
    Raise(EventCode::kClockInvalid);
  }
}

absl::Status Meter::SetClock(TimePoint rtc) {
  if (!core_.supply_on()) {
    return absl::FailedPreconditionError("clock set: the meter has no supply");
  }
  if (rtc < TimePoint(std::chrono::sys_days(std::chrono::year(2000) / 1 / 1))) {
    return absl::InvalidArgumentError(
        "clock set: a time before 2000 (COSEM date-times of this meter start there)");
  }
  const TimePoint before = core_.rtc_time();
  const TimeQuality quality_before = QualityNow();
  core_.SetClock(rtc);
  const TimePoint after = core_.rtc_time();
  if (after != before) {
    // IDIS: the old time and the new time, each stamped with itself.
    const auto step_s = std::chrono::duration_cast<std::chrono::seconds>(after - before).count();
    const uint32_t value =
        ClockStepValue(static_cast<int32_t>(std::clamp<int64_t>(step_s, INT32_MIN, INT32_MAX)));
    events_.Raise(before, quality_before, EventCode::kClockAdjustedOldTime, value);
    Raise(EventCode::kClockAdjustedNewTime, value);
    period_status_ |=
        kProfileStatusClockAdjusted | kProfileStatusDataNotValid |
        (after > before ? kProfileStatusClockSetForwards : kProfileStatusClockSetBackwards);
  }
  RescheduleFromClock();
  dst_active_ = ToLocal(core_.rtc_time(), billing_.local_time).dst_active;  // no switch event
  return absl::OkStatus();
}

void Meter::InjectOutage(std::optional<std::chrono::seconds> duration) {
  core_.InjectOutage(duration, this);
}

void Meter::EndOutage() { core_.EndInjectedOutage(this); }

void Meter::EndBillingPeriod() {
  BillingValues values;
  values.at = core_.rtc_time();
  values.clock_valid = core_.clock_valid();
  values.hour_counter = core_.supply_seconds() / 3600;
  values.debiting_stop_count = core_.debiting_stop_count() + 1;
  values.power_threshold_count = core_.demand().power_threshold_count;
  values.pulse_input_count = pulse_input_ ? pulse_input_->input().count() : 0;
  values.energy = core_.registers().total();
  values.active_import_tariff = core_.registers().active_import_tariff;
  values.reactive_import_tariff = core_.registers().reactive_import_tariff;
  values.peaks = core_.demand().peaks;
  core_.EndBillingPeriod();
  values.accumulated = core_.demand().accumulated;
  billing_log_.Append(values);
  Raise(EventCode::kBillingPeriodReset, values.debiting_stop_count);
}

void Meter::SaveState(ByteWriter& out) const {
  core_.Save(out);
  out.Bool(pulse_input_.has_value());
  if (pulse_input_) pulse_input_->Save(out);
  billing_log_.Save(out);
  out.Bool(load_profile_.has_value());
  if (load_profile_) load_profile_->Save(out);
  out.Bool(next_billing_end_.has_value());
  if (next_billing_end_) {
    out.I64(
        std::chrono::floor<std::chrono::seconds>(*next_billing_end_).time_since_epoch().count());
  }
  for (const auto* at : {&next_analysis_, &next_debit_log_2_}) {
    out.Bool(at->has_value());
    if (*at) out.I64(std::chrono::floor<std::chrono::seconds>(**at).time_since_epoch().count());
  }
  out.Bool(analysis_.has_value());
  if (analysis_) analysis_->Save(out);
  out.Bool(debit_log_2_.has_value());
  if (debit_log_2_) debit_log_2_->Save(out);
  out.U16(period_status_);
  out.Bool(dst_active_);
  out.U32(power_threshold_count_);
  out.I64(off_since_rtc_s_);
  out.I64(rtc_offset_at_off_);
  events_.Save(out);
}

absl::Status Meter::RestoreState(ByteReader& in) {
  if (absl::Status status = core_.Restore(in); !status.ok()) return status;
  if (in.Bool() != pulse_input_.has_value())
    in.Fail("a pulse input where the config has none, or none where it has one");
  if (pulse_input_) {
    if (absl::Status status = pulse_input_->Restore(in); !status.ok()) return status;
  }
  billing_log_.Restore(in);
  if (in.Bool() != load_profile_.has_value())
    in.Fail("a load profile where the config has none, or none where it has one");
  if (load_profile_) {
    if (absl::Status status = load_profile_->Restore(in); !status.ok()) return status;
  }
  if (in.Bool()) {
    next_billing_end_ = TimePoint(std::chrono::seconds(in.I64()));
  } else {
    next_billing_end_.reset();
  }
  for (auto* at : {&next_analysis_, &next_debit_log_2_}) {
    if (in.Bool()) {
      *at = TimePoint(std::chrono::seconds(in.I64()));
    } else {
      at->reset();
    }
  }
  if (in.Bool() != analysis_.has_value()) {
    in.Fail("an analysis logger where the config has none, or none where it has one");
  }
  if (analysis_ && in.status().ok()) {
    if (absl::Status status = analysis_->Restore(in); !status.ok()) return status;
  }
  if (in.Bool() != debit_log_2_.has_value()) {
    in.Fail("a debit logger 2 where the config has none, or none where it has one");
  }
  if (debit_log_2_ && in.status().ok()) {
    if (absl::Status status = debit_log_2_->Restore(in); !status.ok()) return status;
  }
  period_status_ = in.U16();
  dst_active_ = in.Bool();
  power_threshold_count_ = in.U32();
  off_since_rtc_s_ = in.I64();
  rtc_offset_at_off_ = in.I64();
  if (!in.status().ok()) return in.status();
  if (absl::Status status = events_.Restore(in); !status.ok()) return status;
  return in.Finish();
}

void Meter::ForEachImage(const std::function<void(MeterLog, const LogImage&)>& visit) const {
  if (load_profile_) visit(MeterLog::kLoadProfile, load_profile_->image());
  visit(MeterLog::kBilling, billing_log_.image());
  if (analysis_) visit(MeterLog::kAnalysis, analysis_->image());
  if (debit_log_2_) visit(MeterLog::kDebitLog2, debit_log_2_->image());
  for (EventLogKind kind : kEventLogKinds) visit(EventMeterLog(kind), events_.image(kind));
}

LogImage* Meter::mutable_image(MeterLog log) {
  switch (log) {
    case MeterLog::kLoadProfile:
      return load_profile_ ? &load_profile_->mutable_image() : nullptr;
    case MeterLog::kBilling:
      return &billing_log_.mutable_image();
    case MeterLog::kAnalysis:
      return analysis_ ? &analysis_->mutable_image() : nullptr;
    case MeterLog::kDebitLog2:
      return debit_log_2_ ? &debit_log_2_->mutable_image() : nullptr;
    case MeterLog::kEventsFirst:
      break;
  }
  for (EventLogKind kind : kEventLogKinds) {
    if (log == EventMeterLog(kind)) return &events_.mutable_image(kind);
  }
  return nullptr;
}

absl::Status Meter::CheckImages() const {
  if (load_profile_) {
    if (absl::Status status = load_profile_->CheckImage(); !status.ok()) return status;
  }
  if (absl::Status status = billing_log_.CheckImage(); !status.ok()) return status;
  if (analysis_) {
    if (absl::Status status = analysis_->CheckImage(); !status.ok()) return status;
  }
  if (debit_log_2_) {
    if (absl::Status status = debit_log_2_->CheckImage(); !status.ok()) return status;
  }
  return events_.CheckImage();
}

bool operator==(const Meter& a, const Meter& b) {
  ByteWriter state_a, state_b;
  a.SaveState(state_a);
  b.SaveState(state_b);
  if (state_a.bytes() != state_b.bytes()) return false;
  std::vector<const LogImage*> images_a, images_b;
  a.ForEachImage([&](MeterLog, const LogImage& image) { images_a.push_back(&image); });
  b.ForEachImage([&](MeterLog, const LogImage& image) { images_b.push_back(&image); });
  if (images_a.size() != images_b.size()) return false;
  for (size_t i = 0; i < images_a.size(); ++i) {
    if (!(*images_a[i] == *images_b[i])) return false;
  }
  return true;
}

}  // namespace vmuc::meters
