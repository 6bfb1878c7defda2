#include "meters/loggers/debit_log_2.h"

#include <array>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "common/check.h"

namespace vmuc::meters {
namespace {

using R = AnalysisRegister;

constexpr std::array<AnalysisRegister, 4> kProfile01 = {R::kActiveImport, R::kActiveExport,
                                                        R::kReactiveImport, R::kReactiveExport};
constexpr std::array<AnalysisRegister, 12> kProfile02 = {
    R::kActiveImport,     R::kActiveExport,     R::kReactiveImport,   R::kReactiveExport,
    R::kActiveImportT1,   R::kActiveImportT2,   R::kActiveImportT3,   R::kActiveImportT4,
    R::kReactiveImportT1, R::kReactiveImportT2, R::kReactiveImportT3, R::kReactiveImportT4};

constexpr uint8_t kStateVersion = 1;

// Z30's code: 1 or 2.
uint8_t ProfileCode(Debit2LoggerProfile profile) {
  return profile == Debit2LoggerProfile::kProfile01 ? 1 : 2;
}

uint32_t CheckedCapacity(Debit2LoggerProfile profile, uint32_t memory_bytes) {
  const uint32_t capacity = memory_bytes / ProfileRecordBytes(DebitLog2Registers(profile).size());
  VMUC_CHECK(capacity >= 1, "DebitLog2: a memory that holds no entry");
  return capacity;
}

}  // namespace

TimePoint NextDebitLog2CaptureAfter(TimePoint t, DebitLogger2Interval interval,
                                    const LocalTimeRules& rules) {
  using namespace std::chrono;
  // The local day the schedule is in (ScheduleLocalTime never runs backwards, so the
  // repeated hour of the autumn change does not revisit a day), and the start of the
  // interval that contains it: its capture is at or before `t` (ToUtc of a local time
  // not after the schedule's), the next one after `t`.
  const local_days today = floor<days>(ScheduleLocalTime(t, rules));
  local_days day = today;
  if (interval == DebitLogger2Interval::kWeekly) {
    day = today - (weekday(today) - Monday);  // the Monday on or before today
  } else if (interval == DebitLogger2Interval::kMonthly) {
    const year_month_day date(today);
    day = local_days(date.year() / date.month() / 1);
  }
  for (int step = 0; step < 3; ++step) {
    const TimePoint at = ToUtc(LocalTime(day), rules);
    if (at > t) return at;
    switch (interval) {
      case DebitLogger2Interval::kDaily:
        day += days(1);
        break;
      case DebitLogger2Interval::kWeekly:
        day += days(7);
        break;
      case DebitLogger2Interval::kMonthly: {
        const year_month_day date(day);
        day = local_days((date.year() / date.month() + months(1)) / 1);
        break;
      }
    }
  }
  VMUC_CHECK(false, "no debit logger 2 capture within two intervals");
  return t;
}

std::span<const AnalysisRegister> DebitLog2Registers(Debit2LoggerProfile profile) {
  if (profile == Debit2LoggerProfile::kProfile01) return kProfile01;
  return kProfile02;
}

DebitLog2::DebitLog2(DebitLog2Config config, uint32_t memory_bytes)
    : ProfileLog("debit logger 2", static_cast<uint8_t>(DebitLog2Registers(config.profile).size()),
                 CheckedCapacity(config.profile, memory_bytes)),
      config_(config),
      registers_(DebitLog2Registers(config.profile)) {}

void DebitLog2::Capture(TimePoint at, const MeterCore& core, uint16_t status) {
  const CapturedWords captured = CaptureWords(registers_, core);
  // Energy registers are always available: the status is stored as given.
  Append(at, status, std::span(captured.words).first(captured.count));
}

void DebitLog2::Save(ByteWriter& out) const {
  out.U8(kStateVersion);
  out.U8(ProfileCode(config_.profile));
  image().SaveCursor(out);
}

absl::Status DebitLog2::Restore(ByteReader& in) {
  const uint8_t version = in.U8();
  if (in.status().ok() && version != kStateVersion) {
    in.Fail(absl::StrCat("debit logger 2 state version ", version, ", want ", kStateVersion));
  }
  const uint8_t profile = in.U8();
  if (in.status().ok() && profile != ProfileCode(config_.profile)) {
    in.Fail(absl::StrCat("debit logger 2 saved with profile 0", profile, ", configured 0",
                         ProfileCode(config_.profile), " (Z30)"));
  }
  if (!in.status().ok()) return in.status();
  mutable_image().RestoreCursor(in);  // unchanged when truncated
  return in.status();
}

}  // namespace vmuc::meters
