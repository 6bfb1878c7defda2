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

#include "common/frame.h"
#include "common/time.h"
#include "meters/accuracy/accuracy.h"
#include "meters/metrology/grid_model.h"
#include "meters/metrology/harmonics.h"
#include "meters/metrology/load_model.h"
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

// Laid out small: every meter carries a copy (24 bytes).
struct MeterOptions {
  // nullptr: the meter registers true energy (tests of exactness); otherwise the seeded
  // class error of meters/accuracy/ applies, evaluated per load slot at the slot's current
  // and power factor and the hour's voltage and frequency (temperature: 23 °C reference).
  const AccuracySpec* accuracy = nullptr;
  const TariffSource* tariffs = nullptr;  // nullptr: always tariff 1
  uint32_t power_threshold_w = 0;         // 0: power threshold counter off
  uint16_t integration_period_min = 15;   // Z4: 15, 30 or 60
  EnergyType energy_type = EnergyType::kActiveAndReactiveImportExport;  // type number X9
  bool aron = false;  // X4 = 2: two measuring systems (metrology/measurement.h AronSystems)
};

class MeterCore;

// Told of every integration-period end (Z4) while the core advances, with the core's state
// at that instant (the loggers record from it): registers, demand and time are the period
// end's; current_tariff() is still the one in force during the period (a tariff switch at
// the same instant is applied after the observer returns). Not owned.
class PeriodEndObserver {
 public:
  virtual ~PeriodEndObserver() = default;
  virtual void OnPeriodEnd(const MeterCore& core) = 0;
};

class MeterCore {
 public:
  // The meter is installed at `epoch` (floored to the second) with every register at zero.
  MeterCore(MeterIdentity identity, TimePoint epoch, MeterOptions options = {});

  // Integrates from the current time to `t` (floored to the second). `t` before the
  // current time is a programming error (time never runs backwards inside a meter).
  // `observer` (optional) hears of every integration-period end on the way.
  void AdvanceTo(TimePoint t, PeriodEndObserver* observer = nullptr);
  // One metrology tick: AdvanceTo(time() + 1 s), with a fast path for the common case.
  void Tick(PeriodEndObserver* observer = nullptr);

  // Feeds the S0 output / active LED pulse train (meters/pulses/) with every segment
  // integrated from now on; nullptr detaches. Not owned; must outlive its attachment.
  // Costs nothing while detached, which fast-forward of a fleet relies on.
  void AttachS0(S0PulseTrain* train) { s0_ = train; }

  // Closes a debiting (billing) period: accumulates and resets the peaks and counts the
  // debiting stop (the billing logger of the loggers issue stores the value set first).
  void EndBillingPeriod();

  const MeterIdentity& identity() const { return identity_; }
  TimePoint time() const { return TimePoint(std::chrono::seconds(now_unix_s_)); }
  const EnergyRegisters& registers() const { return registers_; }
  const DemandRegisters& demand() const { return demand_; }
  int current_tariff() const { return tariff_; }
  // Instantaneous per-phase values now (what 1.1.21.7.0 and friends read).
  const PhaseSet& present_values() const { return slot_values_; }
  // The supply now (voltages, frequency) and the display's indicators; derived from the
  // seed and the current slot, not stored.
  GridValues grid() const { return Grid().InSlot(slot_); }
  Indicators indicators() const {
    const GridModel model = Grid();
    return IndicatorsOf(slot_values_, model.InSlot(slot_), model.phase_sequence_reversed());
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
  void UpdateTariff();
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
  S0PulseTrain* s0_ = nullptr;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_METER_CORE_H_
