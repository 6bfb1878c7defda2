// MeterCore: the pure metrology core of one virtual meter.
//
// Plain state plus functions of (state, inputs, time): no clock reads, threads, sockets or
// files (design.md, principle 1). The owner (MeterActor, a test, a benchmark) says how far
// to advance; the core integrates its load model exactly up to that second.
//
// Fast-forward by events: AdvanceTo() cuts time at the instants where something changes
// (a load-model slot boundary, an integration-period end, a tariff switch) and integrates
// each piece in one step, so a year costs one step per minute slot, not per second, and
// gives exactly the registers that ticking second by second gives (the load is constant
// inside a slot and every register is an integer sum).
//
// Time resolution is the second: the metrology tick is 1 s (design.md, "Data flow") and
// every event of the datasheet (tariff switches, period ends) falls on whole seconds.
// Not thread-safe: owned by one actor.
#ifndef VMUC_METERS_METER_CORE_H_
#define VMUC_METERS_METER_CORE_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "common/bytes.h"
#include "common/frame.h"
#include "common/time.h"
#include "meters/accuracy/accuracy.h"
#include "meters/metrology/grid_model.h"
#include "meters/metrology/harmonics.h"
#include "meters/metrology/load_model.h"
#include "meters/metrology/outage_model.h"
#include "meters/pulses/s0_output.h"
#include "meters/registers/demand.h"
#include "meters/registers/energy_registers.h"

namespace vmuc::meters {

struct MeterIdentity {
  uint64_t serial = 0;                         // 16-digit meter number (OBIS 1.1.0.0.5.255)
  NodeAddress node = 0;                        // radio mesh address
  uint8_t household_flags = kDefaultMixFlags;  // PV / EV / heat pump, from the fleet mix
  uint64_t load_seed = 0;                      // seeds the load model
  std::string MeterId() const;                 // the serial as 16 digits
};

// Which tariff is in force, and when it can next change. Implemented by the tariff plans
// (meters/tariff/); shared by every meter with the same plan, so it must be immutable.
class TariffSource {
 public:
  virtual ~TariffSource() = default;
  virtual int TariffAt(TimePoint t) const = 0;  // 1..4
  // The first instant after `t` at which TariffAt may differ; nullopt: never.
  virtual std::optional<TimePoint> NextChangeAfter(TimePoint t) const = 0;
};

// The accuracy class (X6) and current rating (X5) a meter's registered energy follows.
struct AccuracySpec {
  AccuracyClass accuracy_class = AccuracyClass::kMidB;
  CurrentRating rating;
};

// The real-time clock's backup (type number X12, datasheet lines 281-282): the supercap
// keeps it running 7 days without supply; with the battery option, over 10 years.
inline constexpr uint32_t kSupercapBackupS = 7 * 86'400;
inline constexpr uint32_t kBatteryBackupS = 10 * 365 * 86'400;

// Laid out small: every meter carries a copy (32 bytes).
struct MeterOptions {
  // nullptr: the meter registers true energy (tests of exactness); otherwise the seeded
  // class error of meters/accuracy/ applies, evaluated per load slot at the slot's current
  // and power factor and the hour's voltage and frequency (temperature: 23 °C reference).
  const AccuracySpec* accuracy = nullptr;
  const TariffSource* tariffs = nullptr;  // nullptr: always tariff 1
  uint32_t power_threshold_w = 0;         // 0: power threshold counter off
  uint16_t integration_period_min = 15;   // Z4: 15, 30 or 60
  EnergyType energy_type = EnergyType::kActiveAndReactiveImportExport;  // type number X9
  bool aron = false;      // X4 = 2: two measuring systems (metrology/measurement.h AronSystems)
  OutageRates outages{};  // supply interruptions of the grid model; 0: none
  uint32_t rtc_backup_s = kSupercapBackupS;  // X12
};

class MeterCore;

// Told, while the core advances, of what the loggers and event logs record. Not owned.
class CoreObserver {
 public:
  virtual ~CoreObserver() = default;
  // Every integration-period end (Z4, on the RTC), with the core's state at that instant:
  // registers, demand and time are the period end's; current_tariff() is still the one in
  // force during the period (a switch at the same instant is applied after the observer
  // returns). Also while the supply is off: the RTC runs on, the meter records nothing.
  virtual void OnPeriodEnd(const MeterCore& core) = 0;
  // The supply went off (`on` false, at core.time()) or came back. When it comes back
  // after longer than the RTC's backup, the clock stood still from the backup's end (no
  // period end, tariff switch or schedule meanwhile): rtc_time() resumes behind and
  // clock_valid() is false.
  virtual void OnSupplyChange(const MeterCore& core, bool on) = 0;
};

class MeterCore {
 public:
  // The meter is installed at `epoch` (floored to the second) with every register at zero.
  MeterCore(MeterIdentity identity, TimePoint epoch, MeterOptions options = {});

  // Integrates from the current time to `t` (floored to the second). `t` before the
  // current time is a programming error (time never runs backwards inside a meter).
  // `observer` (optional) hears of every integration-period end on the way.
  void AdvanceTo(TimePoint t, CoreObserver* observer = nullptr);
  // One metrology tick: AdvanceTo(time() + 1 s), with a fast path for the common case.
  void Tick(CoreObserver* observer = nullptr);

  // Feeds the S0 output / active LED pulse train (meters/pulses/) with every segment
  // integrated from now on; nullptr detaches. Not owned; must outlive its attachment.
  // Costs nothing while detached, which fast-forward of a fleet relies on.
  void AttachS0(S0PulseTrain* train) { s0_ = train; }

  // Closes a debiting (billing) period: accumulates and resets the peaks and counts the
  // debiting stop (the billing logger of the loggers issue stores the value set first).
  void EndBillingPeriod();

  // Sets the real-time clock to `rtc` now (a clock-set command): integration periods and
  // tariffs follow the new time from here on, and the clock is valid again. Only with
  // supply (a meter without supply takes no command; Meter::SetClock checks).
  void SetClock(TimePoint rtc);
  // An outage injected by command, from now for `duration` (nullopt: until
  // EndInjectedOutage). It overlaps the grid model's: the supply is on when neither holds.
  void InjectOutage(std::optional<std::chrono::seconds> duration, CoreObserver* observer);
  void EndInjectedOutage(CoreObserver* observer);

  // Saves the core's changing state (not its identity and options, which come from the
  // configuration), and restores it into a core built from the same configuration:
  // DataLoss naming what does not fit (another meter's state, truncated bytes).
  void Save(ByteWriter& out) const;
  absl::Status Restore(ByteReader& in);

  const MeterIdentity& identity() const { return identity_; }
  const MeterOptions& options() const { return options_; }
  // The meter's true time: what the household and the grid follow.
  TimePoint time() const { return TimePoint(std::chrono::seconds(now_unix_s_)); }
  // The real-time clock: the true time plus what clock setting and stopped clocks made of
  // it. Integration periods, tariffs and every logger's time stamps run on it.
  TimePoint rtc_time() const {
    return TimePoint(std::chrono::seconds(now_unix_s_ + rtc_offset_s_));
  }
  int64_t rtc_offset_s() const { return rtc_offset_s_; }
  // False after the clock stopped in a long outage, until it is set.
  bool clock_valid() const { return clock_valid_; }
  // True while the clock stands still (an outage outlasted its backup); it runs again at
  // power-up.
  bool clock_stopped() const { return clock_stopped_; }
  // The next instant (true time) the supply may come or go; INT64_MAX: none known.
  int64_t next_supply_change_unix_s() const { return next_supply_change_s_; }
  bool supply_on() const { return supply_on_; }
  // When the supply went off (true time); meaningful while !supply_on().
  TimePoint off_since() const { return TimePoint(std::chrono::seconds(off_since_s_)); }
  const EnergyRegisters& registers() const { return registers_; }
  const DemandRegisters& demand() const { return demand_; }
  int current_tariff() const { return tariff_; }
  // Instantaneous per-phase values now (what 1.1.21.7.0 and friends read).
  // Zero while the supply is off.
  const PhaseSet& present_values() const { return supply_on_ ? slot_values_ : kNoLoad; }
  // The supply now (voltages, frequency) and the display's indicators; derived from the
  // seed and the current slot, not stored. Zero voltages while the supply is off.
  GridValues grid() const { return supply_on_ ? Grid().InSlot(slot_) : GridValues{}; }
  Indicators indicators() const {
    return IndicatorsOf(present_values(), grid(), Grid().phase_sequence_reversed());
  }
  // Current harmonics of each measuring system now (orders 1..40 and THD, from the load
  // types in the current slot; true values, before the accuracy model). nullopt for the
  // Aron variant: its line currents mix two delta branches whose spectra, rotated by
  // h x 120 degrees, are not modelled.
  std::optional<HarmonicsSet> current_harmonics() const;
  // Seconds with supply since installation (the hour counter shows hours).
  uint64_t supply_seconds() const { return supply_seconds_; }
  uint32_t debiting_stop_count() const { return debiting_stop_count_; }

  // Shorthands for the A+ registers (Wh).
  uint64_t active_import_wh() const { return registers_.total().wh(kActiveImport); }
  uint64_t active_import_wh(int phase) const {
    return registers_.phase[static_cast<size_t>(phase)].wh(kActiveImport);
  }

 private:
  static constexpr PhaseSet kNoLoad{};
  void UpdateTariff();
  // Re-evaluates the supply now (grid outages, injected ones): sets next_supply_change_s_,
  // and on a change tells `observer` (and stops the clock's time for an outage longer
  // than the backup). True when the supply changed.
  bool UpdateSupply(CoreObserver* observer);
  // The first integration-period end after now, on the RTC, in true seconds.
  int64_t NextPeriodEnd() const;
  // When the RTC's backup runs out in the outage now; INT64_MAX with supply or once stopped.
  int64_t ClockStopsAt() const;
  // The household flags the models see: an Aron meter sits on a 3-wire network, so the
  // single- and two-phase connection kinds apply to three-system meters only.
  uint8_t HouseholdFlags() const;
  GridModel Grid() const { return GridModel(identity_.load_seed, HouseholdFlags()); }
  // Sets slot_values_ for `slot`: the load model's values, through the accuracy model
  // when one is configured. The cursor and the model are the caller's, built lazily.
  // What one AdvanceTo call keeps between slots so the class error is recomputed only
  // for a phase whose load changed (never meter state: it dies with the call).
  struct AccuracyMemo {
    int64_t hour = -1;
    std::array<AccuracyModel::Supply, kPhases> supply{};  // the hour's, per phase
    PhaseSet truth{};
    PhaseSet registered{};
    std::array<bool, kPhases> valid{};
  };
  void LoadSlot(int64_t slot, std::optional<LoadCursor>& cursor,
                std::optional<AccuracyModel>& accuracy, std::optional<AccuracyMemo>& memo);
  void FeedS0(int64_t seconds);

  MeterIdentity identity_;  // its load_seed is the load model's seed
  MeterOptions options_;
  int64_t now_unix_s_;
  int64_t slot_ = -1;  // the load-model slot slot_values_ belongs to
  PhaseSet slot_values_{};
  int tariff_ = 1;
  int64_t next_tariff_change_s_ = INT64_MAX;
  EnergyRegisters registers_;
  DemandRegisters demand_;
  uint64_t supply_seconds_ = 0;
  uint32_t debiting_stop_count_ = 0;
  int64_t rtc_offset_s_ = 0;  // RTC minus true time
  bool clock_valid_ = true;
  bool clock_stopped_ = false;  // its backup spent in an outage
  bool supply_on_ = true;
  int64_t off_since_s_ = 0;
  int64_t injected_until_s_ = INT64_MIN;      // an injected outage holds before this
  Outage grid_outage_{INT64_MIN, INT64_MIN};  // the grid model's first ending after now
  int64_t next_supply_change_s_ = INT64_MAX;
  S0PulseTrain* s0_ = nullptr;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_METER_CORE_H_
