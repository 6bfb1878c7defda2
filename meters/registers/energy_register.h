// EnergyRegister: an integer energy register with a sub-unit accumulator.
//
// The register counts whole Wh (or varh, VAh); what does not yet make a whole unit stays
// in an accumulator of milliwatt-milliseconds (1 Wh = 3.6e9 mW·ms), so a register driven
// for ten years shows exactly the integral of its inputs: no float, no drift
// (design.md, principle 4).
#ifndef VMUC_METERS_REGISTERS_ENERGY_REGISTER_H_
#define VMUC_METERS_REGISTERS_ENERGY_REGISTER_H_

#include <cstdint>

namespace vmuc::meters {

class EnergyRegister {
 public:
  static constexpr int64_t kMilliwattMillisecondsPerWh = 3'600'000'000;

  // Adds `power_mw` (>= 0) held for `duration_ms` (>= 0).
  void Add(int64_t power_mw, int64_t duration_ms) {
    // Worst case power 3 x 100 A x 276 V ~ 8.3e7 mW, times 60 000 ms: ~5e12, far from 9.2e18.
    residue_ += power_mw * duration_ms;
    wh_ += static_cast<uint64_t>(residue_ / kMilliwattMillisecondsPerWh);
    residue_ %= kMilliwattMillisecondsPerWh;
  }
  uint64_t wh() const { return wh_; }
  int64_t residue_mw_ms() const { return residue_; }

 private:
  uint64_t wh_ = 0;
  int64_t residue_ = 0;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_REGISTERS_ENERGY_REGISTER_H_
