#include "meters/registers/demand.h"

namespace vmuc::meters {
namespace {

std::array<uint64_t, 4> Snapshot(const RegisterSet& total) {
  const auto& e = total.milli_unit_seconds;
  return {e[kActiveImport], e[kReactiveQ1] + e[kReactiveQ2], e[kApparentImport],
          e[kApparentExport]};
}

void Offer(Peak& peak, uint32_t value, int64_t at_unix_s) {
  if (value > peak.value || peak.at_unix_s == 0) {
    peak.value = value;
    peak.at_unix_s = static_cast<uint32_t>(at_unix_s);
  }
}

}  // namespace

void DemandRegisters::StartPeriod(const RegisterSet& total) { period_start = Snapshot(total); }

void DemandRegisters::EndPeriod(const RegisterSet& total, int64_t period_s, int tariff,
                                int64_t end_unix_s, uint32_t power_threshold_w) {
  const std::array<uint64_t, 4> now = Snapshot(total);
  std::array<uint32_t, 4> average{};  // W, var, VA, VA: milli-unit-seconds / s / 1000
  for (size_t i = 0; i < now.size(); ++i) {
    average[i] = static_cast<uint32_t>((now[i] - period_start[i]) /
                                       (static_cast<uint64_t>(period_s) * 1000));
  }
  Offer(peaks[kPeakActiveImport], average[0], end_unix_s);
  Offer(peaks[kPeakReactiveImport], average[1], end_unix_s);
  Offer(peaks[kPeakApparentImport], average[2], end_unix_s);
  Offer(peaks[kPeakApparentExport], average[3], end_unix_s);
  if (tariff == 1 || tariff == 2) {
    Offer(peaks[tariff == 1 ? kPeakActiveImportT1 : kPeakActiveImportT2], average[0], end_unix_s);
    Offer(peaks[tariff == 1 ? kPeakReactiveImportT1 : kPeakReactiveImportT2], average[1],
          end_unix_s);
  }
  last_average_active_import_w = average[0];
  if (power_threshold_w > 0 && average[0] > power_threshold_w) ++power_threshold_count;
  period_start = now;
}

void DemandRegisters::EndBillingPeriod() {
  accumulated[kAccumulatedActiveImport] += peaks[kPeakActiveImport].value;
  accumulated[kAccumulatedActiveImportT1] += peaks[kPeakActiveImportT1].value;
  accumulated[kAccumulatedActiveImportT2] += peaks[kPeakActiveImportT2].value;
  accumulated[kAccumulatedReactiveImport] += peaks[kPeakReactiveImport].value;
  peaks = {};
}

}  // namespace vmuc::meters
