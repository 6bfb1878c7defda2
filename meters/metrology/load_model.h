// LoadModel: a household's per-phase active and reactive power as a seeded function of
// time (design.md, principle 3).
//
// Power is constant over five-minute slots (load profiles and demand are 15-minute
// quantities; five minutes keeps appliance and cloud changes while a simulated year
// stays around 100 000 steps). A slot's values depend only on (seed, slot),
// never on earlier slots: any instant can be evaluated directly, every machine agrees bit
// for bit, and a restarted meter host replays exactly. All values are integers (mW, mvar).
//
// The household (fixed per seed): a base load on each phase (inductive, PF ~0.95), a
// cycling fridge on L1 (inductive), always-on electronics on L2 (capacitive), activity
// loads and 2 kW appliances following a daily pattern (resistive); optionally a heat pump
// (3-phase, inductive, PF ~0.9, more in winter), an 11 kW three-phase EV charger (night
// sessions) and PV (3-8 kWp, midday, seasonal and cloudy, with an inverter that runs at a
// small inductive or capacitive reactive power). Together they drive every phase through
// all four quadrants of IEC 62053-23 over a year: Q1 most of the time, Q4 when the
// capacitive electronics dominate, Q2/Q3 while PV exports.
#ifndef VMUC_METERS_METROLOGY_LOAD_MODEL_H_
#define VMUC_METERS_METROLOGY_LOAD_MODEL_H_

#include <array>
#include <chrono>
#include <cstdint>

#include "common/mix64.h"
#include "meters/metrology/measurement.h"

namespace vmuc::meters {

using PhaseSet = std::array<PhaseValues, kPhases>;

// What a household has; drawn from the seed (fleet mix percentages in the comments).
struct Household {
  std::array<int32_t, kPhases> base_w{};  // 60..251 W per phase
  bool has_pv = false;                    // 40 %
  int32_t pv_peak_w = 0;                  // 3000..8100 W
  bool pv_inductive = false;              // inverter reactive power sign
  bool has_ev = false;                    // 30 %
  bool has_heat_pump = false;             // 35 %
  int32_t fridge_offset_slots = 0;        // phase of the 50-minute fridge cycle
};

// The fleet's mix of household equipment ([fleet] pv_percent, ev_percent,
// heat_pump_percent in the config), in percent of households.
struct HouseholdMix {
  uint32_t pv_percent = 40;
  uint32_t ev_percent = 30;
  uint32_t heat_pump_percent = 35;
  // Connections of a three-system meter (datasheet: "whether it measures 1, 2 or 3
  // phases"): the rest are three-phase.
  uint32_t single_phase_percent = 5;
  uint32_t two_phase_percent = 2;
};

// Which equipment a household has, drawn from its seed with the fleet's mix: bit 0 PV,
// bit 1 EV charger, bit 2 heat pump; bit 3 connected on L1 only, bit 4 on L1 and L2 only.
// kDefaultMixFlags: draw with the default mix.
inline constexpr uint8_t kHasPv = 1, kHasEv = 2, kHasHeatPump = 4;
inline constexpr uint8_t kSinglePhase = 8, kTwoPhase = 16;
inline constexpr uint8_t kConnectionFlags = kSinglePhase | kTwoPhase;
inline constexpr uint8_t kDefaultMixFlags = 0xFF;
uint8_t DrawHouseholdFlags(uint64_t seed, const HouseholdMix& mix);

// The kinds of load the household is made of. Each draws its own harmonic current spectrum
// (metrology/harmonics.h), so a slot's load is also available split by kind.
enum class LoadType : uint8_t {
  kBase,         // standing load: lighting, standby, small appliances (mixed, mildly nonlinear)
  kFridge,       // compressor motor
  kElectronics,  // always-on switched-mode supplies (capacitor-input rectifiers)
  kResistive,    // activity loads and 2 kW appliances: kettle, hob, oven, heaters
  kHeatPump,     // inverter-driven compressor
  kEvCharger,    // 11 kW on-board charger with active power-factor correction
  kPv,           // PV inverter (exporting)
};
inline constexpr size_t kLoadTypes = 7;

// A slot's P and Q per phase split by load type; summed over the types they are exactly
// the phase's values of PhasesInSlot.
struct LoadComposition {
  std::array<std::array<int64_t, kLoadTypes>, kPhases> active_mw{};
  std::array<std::array<int64_t, kLoadTypes>, kPhases> reactive_mvar{};
};

class LoadModel {
 public:
  static constexpr std::chrono::seconds kSlot{300};
  static constexpr int64_t kSlotsPerHour = 3600 / kSlot.count();

  explicit LoadModel(uint64_t seed, uint8_t household_flags = kDefaultMixFlags)
      : seed_(seed),
        flags_(household_flags == kDefaultMixFlags ? DrawHouseholdFlags(seed, HouseholdMix{})
                                                   : household_flags) {}

  Household household() const;
  // `slot` counts kSlot-long slots since the Unix epoch (floor(unix_seconds / 300)).
  PhaseSet PhasesInSlot(int64_t slot) const;
  // The same slot split by load type (what the harmonic spectra need).
  LoadComposition CompositionInSlot(int64_t slot) const;

 private:
  uint64_t seed_;
  uint8_t flags_;
};

// Walks a LoadModel slot by slot, as fast-forward does: what holds for a whole hour (heat
// pump, EV session, PV clear-sky level, activity) is computed once per hour, and S is
// recomputed only for a phase whose P or Q changed. Gives exactly PhasesInSlot's values,
// for any order of slots (a test checks); cheapest for consecutive ones. A local of the
// fast-forward loop, not meter state.
class LoadCursor {
 public:
  explicit LoadCursor(uint64_t seed, uint8_t household_flags = kDefaultMixFlags);
  const PhaseSet& At(int64_t slot);
  // P and Q only, S left 0: for the Aron systems, which are made from the loads' P and Q
  // and need no square roots of the loads themselves.
  const PhaseSet& PowersAt(int64_t slot);
  LoadComposition CompositionAt(int64_t slot);

 private:
  void LoadHour(int64_t hour_index);
  // The slot's summed P and Q per phase, after the connection fold.
  void SumsAt(int64_t slot, std::array<int64_t, kPhases>& p_mw,
              std::array<int64_t, kPhases>& q_mvar);
  // The hour's standing loads and the slot's changing ones, each handed to
  // add(phase, LoadType, p_mw, q_mvar): one definition of the household for both the
  // summed values (At) and the composition.
  template <typename Add>
  void AddHourLoads(Add&& add) const;
  template <typename Add>
  void AddSlotLoads(int64_t slot, Add&& add) const;

  uint64_t seed_;
  uint8_t flags_;
  uint64_t slot_key_;  // Mix64(seed): the per-slot hash is Mix64(slot_key_ ^ slot)
  Household house_;
  int64_t hour_index_ = -1;
  std::array<int64_t, kPhases> hour_p_mw_{};
  std::array<int64_t, kPhases> hour_q_mvar_{};
  bool heat_pump_on_ = false;  // this hour
  bool ev_charging_ = false;   // this hour
  int64_t pv_clear_mw_ = 0;    // PV this hour before clouds
  int64_t activity_percent_ = 0;
  PhaseSet values_{};
  PhaseSet powers_{};  // PowersAt's
};

using ::vmuc::Mix64;  // common/mix64.h: the seeded randomness of every model

}  // namespace vmuc::meters

#endif  // VMUC_METERS_METROLOGY_LOAD_MODEL_H_
