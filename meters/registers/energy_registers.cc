#include "meters/registers/energy_registers.h"

namespace vmuc::meters {

void EnergyRegisters::Integrate(const std::array<PhaseValues, kPhases>& phases, int64_t seconds,
                                int tariff, EnergyType type) {
  const uint64_t dt = static_cast<uint64_t>(seconds);
  uint64_t active_import = 0;
  uint64_t reactive_import = 0;
  for (int i = 0; i < kPhases; ++i) {
    const PhaseValues& v = phases[static_cast<size_t>(i)];
    std::array<uint64_t, kRegisterCount> add{};
    if (v.active_mw >= 0) {
      add[kActiveImport] = static_cast<uint64_t>(v.active_mw) * dt;
    } else if (type != EnergyType::kActiveImport) {
      add[kActiveExport] = static_cast<uint64_t>(-int64_t{v.active_mw}) * dt;
    }
    if (type == EnergyType::kFourQuadrant) {
      const uint64_t q = static_cast<uint64_t>(v.reactive_mvar >= 0 ? int64_t{v.reactive_mvar}
                                                                    : -int64_t{v.reactive_mvar}) *
                         dt;
      add[kReactiveQ1 + static_cast<int>(v.quadrant()) - 1] = q;
      add[v.active_mw >= 0 ? kApparentImport : kApparentExport] =
          static_cast<uint64_t>(v.apparent_mva) * dt;
    }
    RegisterSet& set = phase[static_cast<size_t>(i)];
    for (int r = 0; r < kRegisterCount; ++r) {
      set.milli_unit_seconds[static_cast<size_t>(r)] += add[static_cast<size_t>(r)];
      total.milli_unit_seconds[static_cast<size_t>(r)] += add[static_cast<size_t>(r)];
    }
    active_import += add[kActiveImport];
    reactive_import += add[kReactiveQ1] + add[kReactiveQ2];
  }
  active_import_tariff[static_cast<size_t>(tariff - 1)] += active_import;
  reactive_import_tariff[static_cast<size_t>(tariff - 1)] += reactive_import;
}

}  // namespace vmuc::meters
