// Harmonic currents: a spectrum per load type (LoadType, load_model.h) and the per-phase
// current spectrum and THD they add up to. The power-quality issue measures THD from these
// (the datasheet's "extended analysis of the main grid using measurements of THD"; COSEM
// 1.1.31.7.124.255 and friends, current THD L1..L3); voltage distortion belongs to the grid
// disturbances there.
//
// THD as IEC 61000-4-7 and EN 50160 define it, up to the 40th order:
//   THD_I = sqrt(sum_{h=2..40} I_h^2) / I_1.
//
// Each load type draws, per ampere of its own fundamental, a fixed set of harmonic current
// phasors. Their angles are given in quarter turns in a frame tied to the phase voltage,
// which is what decides whether the harmonics of two loads on one phase add (same
// rectifier physics: the current pulses sit at the voltage peak), partly cancel (diversity)
// or cancel. The magnitudes are typical values, not limits from a standard:
//   - capacitor-input rectifiers (switched-mode supplies, CFL/LED drivers without PFC):
//     3rd 80 %, 5th 53 %, 7th 20 %, 9th 13 %, ... THD ~ 99 % (the classic CFL measurement
//     0.15 / 0.12 / 0.08 / 0.03 / 0.02 A, THD 99 %; LBNL, "Harmonics from compact
//     fluorescent lamps": THD above 100 %);
//   - the standing household mix (lighting, standby, small motors): THD ~ 35 %;
//   - single-phase compressor motor: THD ~ 8 %;
//   - inverter heat pump (three-phase bridge: no triplen harmonics): THD ~ 10 %;
//   - EV charger with active PFC and PV inverter: THD below 5 % (the emission limits of
//     IEC 61000-3-12 and EN 50549-1 such equipment is built to);
//   - resistive loads: none (a resistor's current is the voltage's shape; the voltage's own
//     distortion is not modelled here).
// Integers throughout: phasors in mVA x per mille, magnitudes by IntegerSqrt.
#ifndef VMUC_METERS_METROLOGY_HARMONICS_H_
#define VMUC_METERS_METROLOGY_HARMONICS_H_

#include <array>
#include <cstdint>

#include "meters/metrology/grid_model.h"
#include "meters/metrology/load_model.h"

namespace vmuc::meters {

inline constexpr int kMaxHarmonicOrder = 40;

// One order of a load type's spectrum: magnitude in per mille of the load's fundamental
// current, angle in quarter turns (0..3: 0, 90, 180, 270 degrees).
struct HarmonicComponent {
  int32_t magnitude_permille = 0;
  int32_t quarter_turns = 0;
};
using CurrentSpectrum = std::array<HarmonicComponent, kMaxHarmonicOrder + 1>;  // by order

// The spectrum of one load type; orders 0 and 1 are zero (the fundamental is the load).
const CurrentSpectrum& SpectrumOf(LoadType type);
// THD of that spectrum alone, in 0.01 %.
int32_t SpectrumThdCentipercent(LoadType type);

// One phase's current spectrum.
struct PhaseHarmonics {
  std::array<int32_t, kMaxHarmonicOrder + 1> current_ma{};  // |I_h| by order; [1] fundamental
  int32_t thd_centipercent = 0;  // THD_I in 0.01 %, at most kMaxThdCentipercent; 0 at no load
};
using HarmonicsSet = std::array<PhaseHarmonics, kPhases>;

// 999.99 %: the largest THD reported (a phase whose loads nearly cancel at the fundamental,
// PV export against consumption, can have arbitrarily large relative distortion; with no
// fundamental at all but harmonics flowing, THD is this cap too).
inline constexpr int32_t kMaxThdCentipercent = 99'999;

// The phases' current spectra for a slot's load composition at the phases' voltages. A
// phase without voltage carries no current.
HarmonicsSet CurrentHarmonics(const LoadComposition& composition, const GridValues& grid);

}  // namespace vmuc::meters

#endif  // VMUC_METERS_METROLOGY_HARMONICS_H_
