// The meter's civil (local) time: GMT offset plus daylight saving time.
//
// The meter's RTC keeps UTC (vmuc::TimePoint); what the display shows, and what calendar
// schedules such as the tariff plan (meters/tariff/tariff_plan.h) are keyed on, is local
// time derived from two software configuration codes (datasheet, "Configuration -
// software"):
//   Z11 "Greenwich Mean Time (GMT)": the standard-time offset in whole hours, -11..+12
//       (00 London time, 01 +1 h DK/NO/SE/DE/FR/ES, 02 +2 h FI, ..., 13 -11 h ... 23 -1 h);
//   Z15 "Daylight Saving time / Summer-winter time table": 000 none, 001 EU.
// The decoding of the codes lives in meters/configuration/; this unit takes the decoded
// rules.
//
// EU summer time (Directive 2000/84/EC, articles 2 and 3) starts at 01:00 UTC on the last
// Sunday of March and ends at 01:00 UTC on the last Sunday of October, at the same instant in
// every time zone; while it is active the local time is one hour ahead of standard time. The
// rule is applied to any GMT offset (also the ones outside Europe that Z11 allows), computed
// with the C++20 <chrono> calendar: no time-zone database is involved.
//
// Local times that do not map onto exactly one UTC instant (EU rule, CET example):
//   - skipped: on the spring change the clock jumps from 01:59:59.999999999 to 03:00:00, so
//     local 02:00:00 .. 02:59:59.999999999 never happens;
//   - repeated: on the autumn change the clock falls back from 02:59:59.999999999 (CEST) to
//     02:00:00 (CET), so local 02:00:00 .. 02:59:59.999999999 happens twice.
// LookupLocal() reports which case applies; ToUtc() resolves every local time to the first
// instant at which the meter's clock shows that local time or a later one (the first pass
// of a repeated time; the change instant for a skipped time). ScheduleLocalTime() is the
// local time that calendars use: it never runs backwards, so every local time of day is
// reached exactly once per day, and ToUtc() is exactly the instant it is reached.
//
// Everything here is a pure function of its arguments: no clock is read. Thread-safe.
#ifndef VMUC_METERS_CLOCK_LOCAL_TIME_H_
#define VMUC_METERS_CLOCK_LOCAL_TIME_H_

#include <chrono>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "common/time.h"

namespace vmuc::meters {

// A local civil time with nanosecond resolution (std::chrono::local_t: no zone attached).
using LocalTime = std::chrono::local_time<Duration>;

// Z15: the daylight saving time table.
enum class DstRule {
  kNone,  // Z15 000: the local time is always standard time
  kEu,    // Z15 001: EU summer time (Directive 2000/84/EC)
};

// The rules that turn UTC into the meter's local time. Plain data; check with
// ValidateLocalTimeRules() before use (the functions below accept any offset, but only
// validated rules are meaningful for a meter).
struct LocalTimeRules {
  // Z11: standard (winter) time minus UTC. Whole hours from -11 h to +12 h.
  std::chrono::minutes gmt_offset{0};
  // Z15: whether and how summer time moves the clock one hour ahead.
  DstRule dst = DstRule::kNone;
};

// Z11 range: -11 h .. +12 h in whole hours.
inline constexpr std::chrono::hours kMinGmtOffset{-11};
inline constexpr std::chrono::hours kMaxGmtOffset{12};

// InvalidArgument unless gmt_offset is a whole number of hours within Z11's range and dst is
// a known rule.
absl::Status ValidateLocalTimeRules(const LocalTimeRules& rules);

// The instants at which EU summer time starts and ends in `year` (01:00 UTC on the last
// Sunday of March and of October).
TimePoint EuSummerTimeStart(std::chrono::year year);
TimePoint EuSummerTimeEnd(std::chrono::year year);

// Whether summer time is in force at `utc`: EU rule, start <= utc < end of utc's year.
bool IsDstActive(TimePoint utc, const LocalTimeRules& rules);

// Local time minus UTC at `utc`: gmt_offset, plus one hour while summer time is active.
// (COSEM's clock "deviation" has the opposite sign: UTC minus local time.)
std::chrono::minutes UtcOffset(TimePoint utc, const LocalTimeRules& rules);

// The first instant strictly after `after` at which summer time starts or ends, or nullopt
// when the rules have no daylight saving time.
std::optional<TimePoint> NextDstChange(TimePoint after, const LocalTimeRules& rules);

// The local time the meter's clock shows at `utc`. Runs backwards by one hour at the autumn
// change (the repeated hour is shown twice).
LocalTime ToLocalTime(TimePoint utc, const LocalTimeRules& rules);

// The local time calendar schedules run on: ToLocalTime(), except during the second pass of
// the repeated hour after the autumn change, where it stays at the last instant of the first
// pass (02:59:59.999999999 for CET) until the clock reaches the end of the repeated hour
// again. It never runs backwards: a schedule entry keyed by a local time fires once, on the
// first pass. Across the spring change it jumps forward by one hour like the clock.
LocalTime ScheduleLocalTime(TimePoint utc, const LocalTimeRules& rules);

// A local date and time broken down the way the meter shows and logs it.
struct LocalDateTime {
  int year = 1970;
  int month = 1;    // 1..12
  int day = 1;      // 1..31
  int weekday = 4;  // ISO 8601: Monday = 1 .. Sunday = 7
  int hour = 0;     // 0..23
  int minute = 0;   // 0..59
  int second = 0;   // 0..59 (sub-seconds are truncated)
  bool dst_active = false;
  std::chrono::minutes utc_offset{0};  // local time minus UTC, as UtcOffset()

  bool operator==(const LocalDateTime&) const = default;
  // "2024-03-31 03:00:00 Sun UTC+02:00 DST", for logs and test failures.
  std::string ToString() const;
};

// The meter's local date and time at `utc` (ToLocalTime() broken down).
LocalDateTime ToLocal(TimePoint utc, const LocalTimeRules& rules);

// How a local time maps onto UTC.
enum class LocalTimeKind {
  kUnique,    // happens exactly once
  kSkipped,   // never happens: inside the hour the clock jumps over at the spring change
  kRepeated,  // happens twice: inside the hour the clock repeats at the autumn change
};

struct LocalTimeLookup {
  LocalTimeKind kind = LocalTimeKind::kUnique;
  // kUnique: the instant. kRepeated: the first pass (still summer time). kSkipped: the
  // instant of the spring change, the first at which the clock shows a later local time.
  TimePoint first;
  // kRepeated: the second pass (standard time again), one hour after `first`. Otherwise equal
  // to `first`.
  TimePoint second;
};

LocalTimeLookup LookupLocal(LocalTime local, const LocalTimeRules& rules);

// LookupLocal(local, rules).first: the first instant at which the meter's clock shows `local`
// or a later local time; equivalently the first instant t with ScheduleLocalTime(t) >= local.
TimePoint ToUtc(LocalTime local, const LocalTimeRules& rules);

}  // namespace vmuc::meters

#endif  // VMUC_METERS_CLOCK_LOCAL_TIME_H_
