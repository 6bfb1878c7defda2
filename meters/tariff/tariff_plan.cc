#include "meters/tariff/tariff_plan.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/status.h"

namespace vmuc::meters {

absl::StatusOr<TariffPlan> TariffPlan::Create(TariffPlanConfig config) {
  TariffPlan plan;
  plan.control_ = config.control;
  switch (config.control) {
    case TariffControl::kDisabled:
      return plan;
    case TariffControl::kModulePort:
      VMUC_RETURN_IF_ERROR(ValidateTariffInputMode(config.input_mode));
      if (config.input_mode.kind == TariffInputKind::kNone) {
        return absl::InvalidArgumentError(
            "module port tariff control (Z13 001) needs a primary module configuration with "
            "tariff inputs (Z3 01, 02, 07..14, 22 or 23)");
      }
      plan.input_mode_ = config.input_mode;
      return plan;
    case TariffControl::kRegister: {
      VMUC_ASSIGN_OR_RETURN(TariffSchedule schedule,
                            TariffSchedule::Create(std::move(config.calendar), config.local_time));
      plan.schedule_ = std::make_shared<const TariffSchedule>(std::move(schedule));
      return plan;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown tariff control plan ", static_cast<int>(config.control), " (Z13)"));
}

int TariffPlan::CurrentTariff(TimePoint utc, const TariffInputs& inputs) const {
  switch (control_) {
    case TariffControl::kDisabled:
      return 1;
    case TariffControl::kModulePort:
      return TariffFromInputs(input_mode_, inputs);
    case TariffControl::kRegister:
      VMUC_CHECK(schedule_ != nullptr, "register control without a schedule");
      return schedule_->TariffAt(utc);
  }
  VMUC_CHECK(false, "unknown tariff control");
  return 1;
}

std::optional<TimePoint> TariffPlan::NextPossibleChange(TimePoint after) const {
  if (control_ != TariffControl::kRegister) return std::nullopt;
  VMUC_CHECK(schedule_ != nullptr, "register control without a schedule");
  return schedule_->NextChange(after);
}

}  // namespace vmuc::meters
