#include "meters/meter.h"

#include "common/check.h"
#include "meters/loggers/billing_schedule.h"

namespace vmuc::meters {

Meter::Meter(MeterIdentity identity, TimePoint epoch, const MeterOptions& options,
             PulseInputConfig pulse_input, BillingConfig billing, LoadProfileConfig profile)
    : core_(identity, epoch, options), billing_(billing) {
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
  next_billing_end_ =
      NextBillingEnd(core_.time(), billing_.stop_day, billing_.interval, billing_.local_time);
}

void Meter::AdvanceAllTo(TimePoint t) {
  core_.AdvanceTo(t, load_profile_ ? this : nullptr);
  if (pulse_input_) pulse_input_->AdvanceTo(t);
}

void Meter::AdvanceTo(TimePoint t) {
  while (next_billing_end_ && *next_billing_end_ <= t) {
    AdvanceAllTo(*next_billing_end_);
    EndBillingPeriod();
    next_billing_end_ = NextBillingEnd(*next_billing_end_, billing_.stop_day, billing_.interval,
                                       billing_.local_time);
  }
  AdvanceAllTo(t);
}

void Meter::OnPeriodEnd(const MeterCore& core) {
  // Status: daylight saving from the local time (Z15); power failures, clock setting and
  // invalid values come with the power-failure and clock work.
  uint16_t status = 0;
  if (ToLocal(core.time(), billing_.local_time).dst_active) status |= kProfileStatusDaylightSaving;
  load_profile_->Record(core.time(), core.registers().total(), status);
}

void Meter::EndBillingPeriod() {
  BillingValues values;
  values.at = core_.time();
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
}

}  // namespace vmuc::meters
