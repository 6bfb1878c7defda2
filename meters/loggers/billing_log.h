// The debiting (billing) logger: the value set the meter stores at the end of each debiting
// period (datasheet "Permanent memory", lines 127-140), in a circular log.
//
// The datasheet lists what is stored, not how many periods are kept. This log keeps the
// last 36 (three years of monthly periods, the longest Z7 option being yearly): a choice,
// documented in docs/loggers.md, and a constructor argument.
#ifndef VMUC_METERS_LOGGERS_BILLING_LOG_H_
#define VMUC_METERS_LOGGERS_BILLING_LOG_H_

#include <array>
#include <cstdint>
#include <deque>

#include "common/time.h"
#include "meters/registers/demand.h"
#include "meters/registers/energy_registers.h"

namespace vmuc::meters {

inline constexpr size_t kBillingLogDepth = 36;

// One debiting period end: the datasheet's "Various", "Energy registers" and "Power
// registers" columns.
struct BillingValues {
  TimePoint at;               // RTC at the period end
  bool clock_valid = true;    // RTC quality (invalid after a long outage: power-failure work)
  uint64_t hour_counter = 0;  // whole hours with supply
  uint32_t debiting_stop_count = 0;  // including this end
  uint32_t power_threshold_count = 0;
  uint64_t pulse_input_count = 0;  // 0 without a pulse input
  RegisterSet energy;              // totals, milli-unit-seconds (A±, R±, R1..R4, E±)
  std::array<uint64_t, kTariffs> active_import_tariff{};
  std::array<uint64_t, kTariffs> reactive_import_tariff{};
  std::array<Peak, kPeakCount> peaks{};                   // the period's maxima, with RTC
  std::array<uint32_t, kAccumulatedCount> accumulated{};  // accumulated peaks after this end
  friend bool operator==(const BillingValues&, const BillingValues&) = default;
};

class BillingLog {
 public:
  explicit BillingLog(size_t depth = kBillingLogDepth) : depth_(depth) {}
  // Stores an end; the oldest falls out beyond the depth.
  void Append(const BillingValues& values);
  // Oldest first.
  const std::deque<BillingValues>& entries() const { return entries_; }
  size_t entries_in_use() const { return entries_.size(); }
  size_t capacity() const { return depth_; }
  friend bool operator==(const BillingLog&, const BillingLog&) = default;

 private:
  size_t depth_;
  std::deque<BillingValues> entries_;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_LOGGERS_BILLING_LOG_H_
