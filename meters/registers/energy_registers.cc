#include "meters/registers/energy_registers.h"

namespace vmuc::meters {

void EnergyRegisters::Integrate(const std::array<PhaseValues, kPhases>& phases, int64_t seconds,
                                int tariff, EnergyType type) {
  // The hot path of fast-forward and ticking: three adds per phase.
  const uint64_t dt = static_cast<uint64_t>(seconds);
  uint64_t active_import = 0;
  uint64_t reactive_import = 0;
  for (size_t i = 0; i < kPhases; ++i) {
    const PhaseValues& v = phases[i];
    RegisterSet& set = phase[i];
    const bool importing = v.active_mw >= 0;
    if (importing || type != EnergyType::kActiveImport) {
      const Register r = importing ? kActiveImport : kActiveExport;
      const uint64_t e =
          static_cast<uint64_t>(importing ? int64_t{v.active_mw} : -int64_t{v.active_mw}) * dt;
      set.milli_unit_seconds[r] += e;
      if (importing) active_import += e;
    }
    if (type == EnergyType::kActiveAndReactiveImportExport) {
      const bool inductive = v.reactive_mvar >= 0;
      const Register rq = importing ? (inductive ? kReactiveQ1 : kReactiveQ4)
                                    : (inductive ? kReactiveQ2 : kReactiveQ3);
      const uint64_t q =
          static_cast<uint64_t>(inductive ? int64_t{v.reactive_mvar} : -int64_t{v.reactive_mvar}) *
          dt;
      set.milli_unit_seconds[rq] += q;
      if (inductive) reactive_import += q;
      const Register rs = importing ? kApparentImport : kApparentExport;
      const uint64_t s = static_cast<uint64_t>(v.apparent_mva) * dt;
      set.milli_unit_seconds[rs] += s;
    }
  }
  active_import_tariff[static_cast<size_t>(tariff - 1)] += active_import;
  reactive_import_tariff[static_cast<size_t>(tariff - 1)] += reactive_import;
}

}  // namespace vmuc::meters
