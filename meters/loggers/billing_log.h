// The debiting (billing) logger: the value set the meter stores at the end of each debiting
// period (datasheet "Permanent memory", lines 127-140), in a circular log.
//
// The datasheet lists what is stored, not how many periods are kept. This log keeps the
// last 36 (three years of monthly periods, the longest Z7 option being yearly): a choice,
// documented in docs/loggers.md, and a constructor argument.
//
// A stored end is a 240-byte record in the log's byte image (big-endian):
//   RTC             12  COSEM date-time, clock status bit 0 (invalid value) when the clock
//                       was not valid ("RTC w/Quality info")
//   hour counter     4  debiting stop counter 4, power threshold counter 4
//   pulse input      8
//   energy      8 x 8   A+, A-, R1..R4, E+, E- totals in milli-unit-seconds (mW·s ...)
//   tariffs     8 x 8   A+ T1..T4, R+ T1..T4
//   peaks       8 x 8   value (W, var, VA) and RTC (Unix seconds) of each maximum
//   accumulated 4 x 4
#ifndef VMUC_METERS_LOGGERS_BILLING_LOG_H_
#define VMUC_METERS_LOGGERS_BILLING_LOG_H_

#include <array>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "common/time.h"
#include "meters/loggers/log_image.h"
#include "meters/registers/demand.h"
#include "meters/registers/energy_registers.h"

namespace vmuc::meters {

inline constexpr uint32_t kBillingLogDepth = 36;
inline constexpr uint32_t kBillingRecordBytes = 240;

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

std::vector<uint8_t> EncodeBillingValues(const BillingValues& values);
// DataLoss naming the field that does not decode.
absl::StatusOr<BillingValues> DecodeBillingValues(std::span<const uint8_t> bytes);

class BillingLog {
 public:
  explicit BillingLog(uint32_t depth = kBillingLogDepth) : image_(kBillingRecordBytes, depth) {}
  // Stores an end; the oldest falls out beyond the depth.
  void Append(const BillingValues& values) { image_.Append(EncodeBillingValues(values)); }
  // Oldest first, decoded from the image.
  std::vector<BillingValues> entries() const;
  size_t entries_in_use() const { return image_.entries_in_use(); }
  size_t capacity() const { return image_.capacity(); }
  const LogImage& image() const { return image_; }
  LogImage& mutable_image() { return image_; }
  void Save(ByteWriter& out) const { image_.SaveCursor(out); }
  void Restore(ByteReader& in) { image_.RestoreCursor(in); }
  // DataLoss naming the first stored end that does not decode.
  absl::Status CheckImage() const;
  friend bool operator==(const BillingLog&, const BillingLog&) = default;

 private:
  LogImage image_;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_LOGGERS_BILLING_LOG_H_
