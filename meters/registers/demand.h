// DemandRegisters: peak power (datasheet, "Permanent memory", the "Power registers" column).
//
// Demand is the block average over the integration period (Z4: 15, 30 or 60 min), taken
// from the total energy registers at the period's start and end, so it is exact and needs
// no per-second work. At each period end the average is compared with the maxima, which
// keep their value (W, var, VA) and the period end's time stamp:
//   P+max, P+max T1, P+max T2, Q+max, Q+max T1, Q+max T2, S+max, S-max.
// The per-tariff maxima take the period whose end falls in that tariff. At the end of a
// debiting (billing) period the maxima are added to the accumulated peaks (P+, P+ T1,
// P+ T2, Q+) and reset. The power threshold counter (A+) counts integration periods whose
// average P+ exceeded the threshold. Plain data; not thread-safe.
#ifndef VMUC_METERS_REGISTERS_DEMAND_H_
#define VMUC_METERS_REGISTERS_DEMAND_H_

#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "meters/registers/energy_registers.h"

namespace vmuc::meters {

struct Peak {
  uint32_t value = 0;      // W, var or VA
  uint32_t at_unix_s = 0;  // end of the integration period; 0: none yet

  friend bool operator==(const Peak&, const Peak&) = default;
};

enum PeakIndex : uint8_t {
  kPeakActiveImport = 0,  // P+max
  kPeakActiveImportT1,
  kPeakActiveImportT2,
  kPeakReactiveImport,  // Q+max
  kPeakReactiveImportT1,
  kPeakReactiveImportT2,
  kPeakApparentImport,  // S+max
  kPeakApparentExport,  // S-max
  kPeakCount,
};

enum AccumulatedIndex : uint8_t {
  kAccumulatedActiveImport = 0,  // accumulated P+max
  kAccumulatedActiveImportT1,
  kAccumulatedActiveImportT2,
  kAccumulatedReactiveImport,  // accumulated Q+max
  kAccumulatedCount,
};

// The maxima as stored (billing values, checkpoints): value and time stamp, 8 bytes each.
inline void WritePeaks(ByteWriter& out, const std::array<Peak, kPeakCount>& peaks) {
  for (const Peak& peak : peaks) {
    out.U32(peak.value);
    out.U32(peak.at_unix_s);
  }
}
inline void ReadPeaks(ByteReader& in, std::array<Peak, kPeakCount>& peaks) {
  for (Peak& peak : peaks) {
    peak.value = in.U32();
    peak.at_unix_s = in.U32();
  }
}

struct DemandRegisters {
  std::array<Peak, kPeakCount> peaks{};
  std::array<uint32_t, kAccumulatedCount> accumulated{};
  uint32_t last_average_active_import_w = 0;  // 1.1.1.4.0: the last closed period
  uint32_t power_threshold_count = 0;
  // Energy totals when the running period began: A+, R+ (R1 + R2), E+, E-.
  std::array<uint64_t, 4> period_start{};

  void StartPeriod(const RegisterSet& total);
  // Closes the period that ends at `end_unix_s` after `period_s` seconds, `tariff` 1..4
  // being in force at its end; a threshold of 0 W turns the counter off.
  void EndPeriod(const RegisterSet& total, int64_t period_s, int tariff, int64_t end_unix_s,
                 uint32_t power_threshold_w);
  void EndBillingPeriod();

  friend bool operator==(const DemandRegisters&, const DemandRegisters&) = default;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_REGISTERS_DEMAND_H_
