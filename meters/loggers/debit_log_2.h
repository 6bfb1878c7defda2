// Debit logger 2: energy registers captured daily, weekly or monthly (Z25, datasheet line
// 595) with profile 01 or 02 (Z30, line 614; 02 only on variant 2), in a circular memory
// beside the debiting (billing) logger. Pure state; the meter (meters/meter.h) calls
// Capture() at every NextCaptureAfter() instant. Not thread-safe: owned by the meter's actor.
//
// Capture instants. The datasheet names the interval, not the instant. Like the billing
// schedule (billing_schedule.h) the logger captures at 00:00:00 local time (Z11 offset,
// Z15 DST; meters/clock/local_time.h), so each entry closes whole local days, as a bill
// does:
//   daily    every day at 00:00;
//   weekly   Monday 00:00 (ISO 8601 weeks, Monday first);
//   monthly  the 1st of each month at 00:00 (so leap days need nothing special).
// A local midnight skipped by a DST change (only offsets where the EU change instant falls
// at local midnight, e.g. Z11 23, -1 h) is captured at the change instant, the first at
// which the clock shows a later time; a repeated one on its first pass (ToUtc()).
//
// Profiles. The datasheet does not say what the profiles hold; ours:
//   profile 01  A+, A-, R+, R- totals (4 columns): the four energy registers a daily
//               reading of a four-quadrant meter is billed and balanced from (the same
//               set as the load profile's Z29 3);
//   profile 02  profile 01 plus A+ T1..T4 and R+ T1..T4 (12 columns): the per-tariff
//               registers the debiting logger stores at a period end (datasheet "Permanent
//               memory", lines 132-140), so a supplier can bill time-of-use tariffs from
//               daily or weekly readings without the 15-minute load profile. (The four
//               quadrants are the load profile's, Z29 4 and 5, and are not repeated here.)
// Every column is a register in whole Wh / varh modulo 2^32, as the load profile's; the
// columns are named from the analysis logger's register catalogue (analysis_log.h), which
// carries their OBIS codes and units for the DLMS capture objects of 0.0.98.2.0.255.
//
// Memory model. The datasheet gives no size; kDebitLog2MemoryBytes, 32 KiB, is our choice.
// An entry is the profile record of profile_entry.h, 18 + 4 x columns bytes, so profile 01
// (34 bytes) keeps 963 entries and profile 02 (66 bytes) 496: more than a year of daily
// values either way (2.6 and 1.4 years), 18.5 and 9.5 years weekly.
#ifndef VMUC_METERS_LOGGERS_DEBIT_LOG_2_H_
#define VMUC_METERS_LOGGERS_DEBIT_LOG_2_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "common/time.h"
#include "meters/clock/local_time.h"
#include "meters/configuration/software_config.h"
#include "meters/loggers/analysis_log.h"
#include "meters/loggers/log_image.h"
#include "meters/loggers/profile_entry.h"
#include "meters/meter_core.h"

namespace vmuc::meters {

inline constexpr uint32_t kDebitLog2MemoryBytes = 32'768;  // our choice, see above

// The first capture instant of the Z25 interval strictly after `t` (see above).
TimePoint NextDebitLog2CaptureAfter(TimePoint t, DebitLogger2Interval interval,
                                    const LocalTimeRules& rules);

// The columns of a Z30 profile, in order.
std::span<const AnalysisRegister> DebitLog2Registers(Debit2LoggerProfile profile);

struct DebitLog2Config {
  DebitLogger2Interval interval = DebitLogger2Interval::kDaily;   // Z25 '1'
  Debit2LoggerProfile profile = Debit2LoggerProfile::kProfile01;  // Z30 '1'
  LocalTimeRules local_time;                                      // Z11, Z15
  friend bool operator==(const DebitLog2Config& a, const DebitLog2Config& b) {
    return a.interval == b.interval && a.profile == b.profile &&
           a.local_time.gmt_offset == b.local_time.gmt_offset &&
           a.local_time.dst == b.local_time.dst;
  }
};

class DebitLog2 final : public ProfileLog {
 public:
  // Aborts for a memory that does not hold one entry.
  explicit DebitLog2(DebitLog2Config config, uint32_t memory_bytes = kDebitLog2MemoryBytes);

  const DebitLog2Config& config() const { return config_; }
  // The columns (DebitLog2Registers of the profile).
  std::span<const AnalysisRegister> registers() const { return registers_; }

  TimePoint NextCaptureAfter(TimePoint t) const {
    return NextDebitLog2CaptureAfter(t, config_.interval, config_.local_time);
  }

  // Appends the entry captured at `at` (whole seconds) from `core`'s registers; `status`
  // is the AMR profile status (load_profile.h bits), stored as given.
  void Capture(TimePoint at, const MeterCore& core, uint16_t status);

  // The state besides the image's pages: a version byte, the Z30 profile (a state saved
  // under the other one would misread the records) and the image cursor. Entry n since
  // installation has sequence number n, so the cursor is also the next sequence number.
  // Restore leaves the log unchanged on an error, which it records in `in` (DataLoss
  // naming the mismatch) and returns.
  void Save(ByteWriter& out) const;
  absl::Status Restore(ByteReader& in);

  // Read out through ProfileLog: columns index registers().
  friend bool operator==(const DebitLog2& a, const DebitLog2& b) {
    return a.config_ == b.config_ &&
           static_cast<const ProfileLog&>(a) == static_cast<const ProfileLog&>(b);
  }

 private:
  DebitLog2Config config_;
  std::span<const AnalysisRegister> registers_;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_LOGGERS_DEBIT_LOG_2_H_
