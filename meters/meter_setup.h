// MeterSetup: what a meter's type number and software codes mean for its core.
//
// Built once per configuration and shared by every meter that has it (a fleet of one
// type shares one setup): it validates the codes (meters/configuration/), builds the
// tariff plan they select (Z13 with Z3's inputs, Z11 and Z15 for local time;
// meters/tariff/) and the MeterOptions the cores run with (X9 energy type, Z4 integration
// period). Immutable after Create; must outlive the cores that use its options.
#ifndef VMUC_METERS_METER_SETUP_H_
#define VMUC_METERS_METER_SETUP_H_

#include <memory>

#include "absl/status/statusor.h"
#include "meters/configuration/meter_configuration.h"
#include "meters/meter.h"
#include "meters/meter_core.h"
#include "meters/pulses/pulse_input.h"
#include "meters/tariff/tariff_plan.h"

namespace vmuc::meters {

// The tariff inputs of a Z3 primary-module configuration (the table in
// meters/tariff/tariff_inputs.h); kNone where Z3 has no tariff input.
TariffInputMode TariffInputModeFor(PrimaryModule module);

// A TariffPlan seen through the core's TariffSource interface, with the module's tariff
// input levels fixed (the module I/O simulation that drives them comes with the control
// functions issue).
class PlanTariffSource final : public TariffSource {
 public:
  explicit PlanTariffSource(TariffPlan plan, TariffInputs inputs = {})
      : plan_(std::move(plan)), inputs_(inputs) {}
  int TariffAt(TimePoint t) const override { return plan_.CurrentTariff(t, inputs_); }
  std::optional<TimePoint> NextChangeAfter(TimePoint t) const override {
    return plan_.NextPossibleChange(t);
  }
  const TariffPlan& plan() const { return plan_; }

 private:
  TariffPlan plan_;
  TariffInputs inputs_;
};

class MeterSetup {
 public:
  // Errors name the code at fault ("Z13 ...", "X9 ...").
  // `outages`: the grid's supply interruptions, a property of the network rather than
  // of the meter type (the fleet config's).
  static absl::StatusOr<std::unique_ptr<MeterSetup>> Create(MeterConfiguration configuration,
                                                            TariffInputs inputs = {},
                                                            OutageRates outages = {});

  const MeterConfiguration& configuration() const { return configuration_; }
  // Options for MeterCore; they point into this setup.
  const MeterOptions& options() const { return options_; }
  // The module's pulse input (Z12); unit none: the meter has none.
  const PulseInputConfig& pulse_input() const { return pulse_input_; }
  // The debiting schedule: Z6 stop day, Z7 interval, on Z11/Z15 local time.
  const BillingConfig& billing() const { return billing_; }
  // The load profile: Z29 channels, Z27 absolute or delta values, at Z4's period.
  const LoadProfileConfig& load_profile() const { return load_profile_; }
  // The analysis logger's registers and interval (Z10).
  const AnalysisLogConfig& analysis_log() const { return analysis_log_; }
  // Debit logger 2: Z25 interval, Z30 profile, on Z11/Z15 local time.
  const DebitLog2Config& debit_log_2() const { return debit_log_2_; }

 private:
  MeterSetup() = default;

  MeterConfiguration configuration_;
  std::unique_ptr<PlanTariffSource> tariffs_;
  AccuracySpec accuracy_;
  MeterOptions options_;
  PulseInputConfig pulse_input_;
  BillingConfig billing_;
  LoadProfileConfig load_profile_;
  AnalysisLogConfig analysis_log_;
  DebitLog2Config debit_log_2_;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_METER_SETUP_H_
