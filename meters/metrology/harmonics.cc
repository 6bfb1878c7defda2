#include "meters/metrology/harmonics.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>

#include "meters/metrology/measurement.h"

namespace vmuc::meters {
namespace {

struct Entry {
  int order;
  int32_t magnitude_permille;
  int32_t quarter_turns;
};

constexpr CurrentSpectrum MakeSpectrum(std::initializer_list<Entry> entries) {
  CurrentSpectrum spectrum{};
  for (const Entry& entry : entries) {
    spectrum[static_cast<size_t>(entry.order)] = {entry.magnitude_permille, entry.quarter_turns};
  }
  return spectrum;
}

// Indexed by LoadType; magnitudes and THDs as listed in harmonics.h.
constexpr std::array<CurrentSpectrum, kLoadTypes> kSpectra = {
    // kBase: THD 34.4 %.
    MakeSpectrum({{3, 300, 0}, {5, 150, 0}, {7, 60, 2}, {9, 40, 0}, {11, 25, 2}, {13, 15, 0}}),
    // kFridge: THD 7.8 %.
    MakeSpectrum({{3, 60, 1}, {5, 45, 2}, {7, 20, 3}}),
    // kElectronics: THD 99.5 %; the current pulses at the voltage peak put the 3rd, 5th, 9th
    // and 13th in phase with the standing mix's (they add); the mix's 7th and 11th, from its
    // motors, are opposed.
    MakeSpectrum({{3, 800, 0},
                  {5, 530, 0},
                  {7, 200, 0},
                  {9, 130, 0},
                  {11, 80, 0},
                  {13, 60, 0},
                  {15, 40, 0},
                  {17, 30, 0},
                  {19, 20, 0}}),
    // kResistive: none.
    MakeSpectrum({}),
    // kHeatPump: THD 9.9 %, orders 6k +- 1 only.
    MakeSpectrum({{5, 80, 2}, {7, 50, 2}, {11, 25, 0}, {13, 15, 0}, {17, 8, 2}, {19, 6, 2}}),
    // kEvCharger: THD 3.7 %.
    MakeSpectrum({{3, 25, 1}, {5, 20, 3}, {7, 15, 2}, {9, 8, 1}, {11, 6, 0}, {13, 4, 3}}),
    // kPv: THD 2.6 %.
    MakeSpectrum({{3, 15, 2}, {5, 15, 1}, {7, 10, 3}, {9, 5, 0}, {11, 8, 2}, {13, 6, 1}}),
};

// The phasor of a component in mVA x per mille for a load of `apparent_mva`.
void AddPhasor(const HarmonicComponent& component, int64_t apparent_mva, int64_t& re, int64_t& im) {
  const int64_t amount = apparent_mva * component.magnitude_permille;
  switch (component.quarter_turns & 3) {
    case 0:
      re += amount;
      break;
    case 1:
      im += amount;
      break;
    case 2:
      re -= amount;
      break;
    default:
      im -= amount;
      break;
  }
}

int64_t RoundedDivide(int64_t value, int64_t divisor) {  // divisor > 0, to nearest
  return value >= 0 ? (value + divisor / 2) / divisor : -((-value + divisor / 2) / divisor);
}

// CurrentMaOf capped to int32 (a phase at a few millivolts).
int32_t CurrentMa(int64_t apparent_mva, int64_t voltage_mv) {
  return static_cast<int32_t>(std::min<int64_t>(CurrentMaOf(apparent_mva, voltage_mv), INT32_MAX));
}

}  // namespace

const CurrentSpectrum& SpectrumOf(LoadType type) { return kSpectra[static_cast<size_t>(type)]; }

int32_t SpectrumThdCentipercent(LoadType type) {
  uint64_t sum_of_squares = 0;  // per mille squared
  for (const HarmonicComponent& component : SpectrumOf(type)) {
    sum_of_squares += static_cast<uint64_t>(component.magnitude_permille) *
                      static_cast<uint64_t>(component.magnitude_permille);
  }
  // sqrt(sum) per mille -> 0.01 %: x 10, with two more digits from scaling the sum.
  return static_cast<int32_t>(IntegerSqrt(sum_of_squares * 100));
}

HarmonicsSet CurrentHarmonics(const LoadComposition& composition, const GridValues& grid) {
  HarmonicsSet set{};
  for (size_t phase = 0; phase < kPhases; ++phase) {
    const int64_t voltage_mv = grid.voltage_mv[phase];
    if (voltage_mv <= 0) continue;
    PhaseHarmonics& out = set[phase];
    int64_t p_mw = 0;
    int64_t q_mvar = 0;
    std::array<int64_t, kLoadTypes> apparent_mva{};  // each load type's own S
    for (size_t type = 0; type < kLoadTypes; ++type) {
      const int64_t p = composition.active_mw[phase][type];
      const int64_t q = composition.reactive_mvar[phase][type];
      p_mw += p;
      q_mvar += q;
      apparent_mva[type] = static_cast<int64_t>(Magnitude(p, q));
    }
    // The fundamental is the phase's net load: I_1 = S / U.
    const int64_t phase_mva = static_cast<int64_t>(Magnitude(p_mw, q_mvar));
    out.current_ma[1] = CurrentMa(phase_mva, voltage_mv);
    uint64_t distortion_squared = 0;  // mVA^2
    for (int order = 2; order <= kMaxHarmonicOrder; ++order) {
      int64_t re = 0;  // mVA x per mille
      int64_t im = 0;
      for (size_t type = 0; type < kLoadTypes; ++type) {
        AddPhasor(kSpectra[type][static_cast<size_t>(order)], apparent_mva[type], re, im);
      }
      const int64_t harmonic_mva =
          static_cast<int64_t>(Magnitude(RoundedDivide(re, 1000), RoundedDivide(im, 1000)));
      out.current_ma[static_cast<size_t>(order)] = CurrentMa(harmonic_mva, voltage_mv);
      distortion_squared += static_cast<uint64_t>(harmonic_mva * harmonic_mva);
    }
    if (phase_mva > 0) {
      const int64_t thd =
          static_cast<int64_t>(IntegerSqrt(distortion_squared)) * 10'000 / phase_mva;
      out.thd_centipercent = static_cast<int32_t>(std::min<int64_t>(thd, kMaxThdCentipercent));
    } else if (distortion_squared > 0) {
      out.thd_centipercent = kMaxThdCentipercent;  // harmonics without a fundamental
    }
  }
  return set;
}

}  // namespace vmuc::meters
