#include "meters/meter_setup.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace vmuc::meters {

TariffInputMode TariffInputModeFor(PrimaryModule module) {
  // Derived from the decoder's port table (Ports), the one place Z3 is written down: the
  // first input port that carries a tariff function decides the mode, its own inversion
  // flag the level.
  const PrimaryModulePorts ports = Ports(module);
  const std::pair<int, const IoPort*> candidates[] = {{1, &ports.io1}, {2, &ports.io2}};
  for (const auto& [io, port] : candidates) {
    if (port->direction != IoDirection::kInput) continue;
    switch (port->function) {
      case IoFunction::kFourTariff:
      case IoFunction::kFourTariffSyncLoadControl:
        return {TariffInputKind::kFourTariff, port->inverted, 1};
      case IoFunction::kTwoTariff:
        return {TariffInputKind::kTwoTariff, port->inverted, io};
      default:
        break;
    }
  }
  return {};
}

absl::StatusOr<std::unique_ptr<MeterSetup>> MeterSetup::Create(MeterConfiguration configuration,
                                                               TariffInputs inputs,
                                                               OutageRates outages) {
  VMUC_RETURN_IF_ERROR(configuration.Validate());
  const SoftwareConfig& software = configuration.software;
  TariffPlanConfig plan_config;
  switch (software.tariff_control) {
    case TariffControlPlan::kDisabled:
      plan_config.control = TariffControl::kDisabled;
      break;
    case TariffControlPlan::kModulePortControl:
      plan_config.control = TariffControl::kModulePort;
      plan_config.input_mode = TariffInputModeFor(software.primary_module);
      break;
    case TariffControlPlan::kRegisterControl:
    case TariffControlPlan::kFromOrderForm:  // the order form's plan: the default calendar
      plan_config.control = TariffControl::kRegister;
      break;
  }
  plan_config.local_time.gmt_offset = software.gmt_offset;
  plan_config.local_time.dst =
      software.daylight_saving == DaylightSaving::kEu ? DstRule::kEu : DstRule::kNone;
  auto plan = TariffPlan::Create(plan_config);
  if (!plan.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Z13 tariff control plan: ", plan.status().message()));
  }

  std::unique_ptr<MeterSetup> setup(new MeterSetup());
  setup->configuration_ = std::move(configuration);
  setup->tariffs_ = std::make_unique<PlanTariffSource>(*std::move(plan), inputs);
  MeterOptions& options = setup->options_;
  options.energy_type = setup->configuration_.type.energy_type;
  options.aron = setup->configuration_.type.measuring_systems == MeasuringSystems::kTwoAron;
  options.integration_period_min =
      static_cast<uint16_t>(setup->configuration_.software.integration_period.count());
  options.tariffs = setup->tariffs_.get();
  options.outages = outages;
  // X12: the RTC's backup decides how long an outage it outlasts (datasheet lines 281-282).
  options.rtc_backup_s =
      setup->configuration_.type.has_battery() ? kBatteryBackupS : kSupercapBackupS;
  setup->accuracy_.accuracy_class = setup->configuration_.type.accuracy_class;
  setup->accuracy_.rating = Rating(setup->configuration_.type.current_range);
  options.accuracy = &setup->accuracy_;
  // Z12: a pulse input with the unit's usual constant (the constant is not a Z code).
  setup->pulse_input_ = DefaultPulseInputConfig(setup->configuration_.software.pulse_input_unit);
  setup->billing_.stop_day = setup->configuration_.software.debiting_stop_day;
  setup->billing_.interval = setup->configuration_.software.debiting_interval;
  setup->billing_.local_time = plan_config.local_time;
  setup->load_profile_.channels = setup->configuration_.software.load_profile;
  setup->load_profile_.data = setup->configuration_.software.load_profile_data;
  auto analysis = AnalysisLogConfigFor(setup->configuration_.software.analysis_logger);
  if (!analysis.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Z10 analysis logger: ", analysis.status().message()));
  }
  setup->analysis_log_ = *std::move(analysis);
  setup->debit_log_2_ = DebitLog2Config{setup->configuration_.software.debit_logger_2_interval,
                                        setup->configuration_.software.debit_2_logger_profile,
                                        plan_config.local_time};
  return setup;
}

}  // namespace vmuc::meters
