// The meter's tariff controller: which of the 4 tariffs is in force, chosen by the tariff
// control plan (datasheet Z13 "Tariff control plan"):
//   000 Tariff disabled      -> always tariff 1;
//   001 Module Port control  -> the module's tariff inputs, as Z3 configures them
//                               (meters/tariff/tariff_inputs.h);
//   002 Register control     -> a calendar in local time (meters/tariff/tariff_calendar.h)
//                               with the Z11 GMT offset and Z15 summer time applied.
// The current tariff is what the display's "tariff indication" shows and which per-tariff
// registers integrate.
//
// Pure core: the plan reads no clock and no I/O; the owner passes the time and the input
// levels. For fast-forward by events, NextPossibleChange() tells the instant up to which
// the tariff is known not to change on its own; input-driven changes arrive as input events
// from the owner.
//
// A TariffPlan is immutable once created and thread-safe to read. Copies share one compiled
// calendar, so a fleet of meters with the same plan holds it once.
#ifndef VMUC_METERS_TARIFF_TARIFF_PLAN_H_
#define VMUC_METERS_TARIFF_TARIFF_PLAN_H_

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "common/time.h"
#include "meters/clock/local_time.h"
#include "meters/tariff/tariff.h"
#include "meters/tariff/tariff_calendar.h"
#include "meters/tariff/tariff_inputs.h"

namespace vmuc::meters {

// Z13.
enum class TariffControl {
  kDisabled,    // 000
  kModulePort,  // 001
  kRegister,    // 002
};

struct TariffPlanConfig {
  TariffControl control = TariffControl::kDisabled;
  // kModulePort: the tariff inputs from Z3; must not be kNone then.
  TariffInputMode input_mode;
  // kRegister: the calendar (the order form's; DefaultTariffCalendar() unless given) and the
  // local time it runs on (Z11, Z15).
  TariffCalendar calendar = DefaultTariffCalendar();
  LocalTimeRules local_time;
};

class TariffPlan {
 public:
  // Tariffs disabled: always tariff 1.
  TariffPlan() = default;

  // Validates only what the chosen control uses: the input mode for kModulePort (which needs
  // a Z3 mode with tariff inputs), the calendar and local time rules for kRegister
  // (TariffSchedule::Create). InvalidArgument names the problem.
  static absl::StatusOr<TariffPlan> Create(TariffPlanConfig config);

  TariffControl control() const { return control_; }
  const TariffInputMode& input_mode() const { return input_mode_; }
  // The compiled calendar for register control; nullptr otherwise.
  const TariffSchedule* schedule() const { return schedule_.get(); }

  // The tariff (1..4) in force at `utc` with the module's tariff inputs at `inputs`. Disabled
  // ignores both, module port control ignores the time, register control ignores the inputs.
  int CurrentTariff(TimePoint utc, const TariffInputs& inputs) const;

  // The next instant strictly after `after` at which the tariff changes by itself: for
  // register control TariffSchedule::NextChange() (a switch point, a day boundary or a
  // summer-time change that moves the tariff, exact to the second; rarely an instant without
  // a change, see there). nullopt when it never does: tariffs disabled, or module port
  // control (there the tariff changes only with the inputs, which the owner reports as
  // events).
  std::optional<TimePoint> NextPossibleChange(TimePoint after) const;

 private:
  TariffControl control_ = TariffControl::kDisabled;
  TariffInputMode input_mode_;                      // kModulePort
  std::shared_ptr<const TariffSchedule> schedule_;  // kRegister
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_TARIFF_TARIFF_PLAN_H_
