#include "meters/clock/local_time.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace vmuc::meters {
namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::hours;
using std::chrono::minutes;

// EU summer time moves the clock one hour ahead (Directive 2000/84/EC, article 1).
constexpr hours kSummerShift{1};

LocalTime AsLocal(TimePoint utc, minutes offset) {
  return LocalTime(utc.time_since_epoch() + offset);
}

TimePoint AsUtc(LocalTime local, minutes offset) {
  return TimePoint(local.time_since_epoch() - offset);
}

std::chrono::year UtcYear(TimePoint utc) {
  return std::chrono::year_month_day(floor<days>(utc)).year();
}

const char* WeekdayName(int iso_weekday) {
  static constexpr const char* kNames[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  return (iso_weekday >= 1 && iso_weekday <= 7) ? kNames[iso_weekday - 1] : "???";
}

}  // namespace

absl::Status ValidateLocalTimeRules(const LocalTimeRules& rules) {
  const int64_t offset_min = rules.gmt_offset.count();
  if (offset_min % 60 != 0 || rules.gmt_offset < kMinGmtOffset ||
      rules.gmt_offset > kMaxGmtOffset) {
    return absl::InvalidArgumentError(
        absl::StrCat("GMT offset of ", offset_min,
                     " min is not a whole number of hours from -11 h to +12 h (Z11)"));
  }
  switch (rules.dst) {
    case DstRule::kNone:
    case DstRule::kEu:
      return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown daylight saving time rule ", static_cast<int>(rules.dst), " (Z15)"));
}

TimePoint EuSummerTimeStart(std::chrono::year year) {
  // Directive 2000/84/EC, article 2: from 1.00 a.m. GMT on the last Sunday in March.
  return TimePoint(std::chrono::sys_days(year / std::chrono::March /
                                         std::chrono::Sunday[std::chrono::last])) +
         hours(1);
}

TimePoint EuSummerTimeEnd(std::chrono::year year) {
  // Directive 2000/84/EC, article 3: until 1.00 a.m. GMT on the last Sunday in October.
  return TimePoint(std::chrono::sys_days(year / std::chrono::October /
                                         std::chrono::Sunday[std::chrono::last])) +
         hours(1);
}

bool IsDstActive(TimePoint utc, const LocalTimeRules& rules) {
  switch (rules.dst) {
    case DstRule::kNone:
      return false;
    case DstRule::kEu: {
      // Both changes fall well inside the UTC year, so the year of `utc` decides.
      const std::chrono::year year = UtcYear(utc);
      return utc >= EuSummerTimeStart(year) && utc < EuSummerTimeEnd(year);
    }
  }
  return false;
}

minutes UtcOffset(TimePoint utc, const LocalTimeRules& rules) {
  return IsDstActive(utc, rules) ? rules.gmt_offset + kSummerShift : rules.gmt_offset;
}

std::optional<TimePoint> NextDstChange(TimePoint after, const LocalTimeRules& rules) {
  switch (rules.dst) {
    case DstRule::kNone:
      return std::nullopt;
    case DstRule::kEu: {
      const std::chrono::year year = UtcYear(after);
      for (const TimePoint change : {EuSummerTimeStart(year), EuSummerTimeEnd(year),
                                     EuSummerTimeStart(year + std::chrono::years(1))}) {
        if (change > after) return change;
      }
      break;
    }
  }
  return std::nullopt;
}

LocalTime ToLocalTime(TimePoint utc, const LocalTimeRules& rules) {
  return AsLocal(utc, UtcOffset(utc, rules));
}

LocalTime ScheduleLocalTime(TimePoint utc, const LocalTimeRules& rules) {
  if (rules.dst == DstRule::kEu) {
    const TimePoint end = EuSummerTimeEnd(UtcYear(utc));
    if (utc >= end && utc < end + kSummerShift) {
      // Second pass of the repeated hour: hold the last local time of the first pass.
      return AsLocal(end, rules.gmt_offset + kSummerShift) - Duration(1);
    }
  }
  return ToLocalTime(utc, rules);
}

std::string LocalDateTime::ToString() const {
  const int64_t offset_min = utc_offset.count();
  const int64_t abs_min = std::llabs(offset_min);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02d %02d:%02d:%02d %s UTC%c%02lld:%02lld%s",
                year, month, day, hour, minute, second, WeekdayName(weekday),
                offset_min < 0 ? '-' : '+', static_cast<long long>(abs_min / 60),
                static_cast<long long>(abs_min % 60), dst_active ? " DST" : "");
  return buffer;
}

LocalDateTime ToLocal(TimePoint utc, const LocalTimeRules& rules) {
  const bool dst = IsDstActive(utc, rules);
  const minutes offset = dst ? rules.gmt_offset + kSummerShift : rules.gmt_offset;
  const LocalTime local = AsLocal(utc, offset);
  const std::chrono::local_days day = floor<days>(local);
  const std::chrono::year_month_day ymd(day);
  const std::chrono::hh_mm_ss hms(floor<std::chrono::seconds>(local - day));
  LocalDateTime out;
  out.year = static_cast<int>(ymd.year());
  out.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  out.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  out.weekday = static_cast<int>(std::chrono::weekday(day).iso_encoding());
  out.hour = static_cast<int>(hms.hours().count());
  out.minute = static_cast<int>(hms.minutes().count());
  out.second = static_cast<int>(hms.seconds().count());
  out.dst_active = dst;
  out.utc_offset = offset;
  return out;
}

LocalTimeLookup LookupLocal(LocalTime local, const LocalTimeRules& rules) {
  const minutes standard = rules.gmt_offset;
  const minutes summer = rules.gmt_offset + kSummerShift;
  auto unique = [](TimePoint t) { return LocalTimeLookup{LocalTimeKind::kUnique, t, t}; };
  if (rules.dst != DstRule::kEu) return unique(AsUtc(local, standard));

  // Both changes of the local date's year lie months away from its ends (offsets are at
  // most 12 h), so that year's changes are the only ones near `local`.
  const std::chrono::year year = std::chrono::year_month_day(floor<days>(local)).year();
  const TimePoint start = EuSummerTimeStart(year);
  const TimePoint end = EuSummerTimeEnd(year);
  const LocalTime gap_begin = AsLocal(start, standard);   // 02:00 CET: first skipped time
  const LocalTime gap_end = AsLocal(start, summer);       // 03:00 CEST: first time after it
  const LocalTime repeat_begin = AsLocal(end, standard);  // 02:00 CET: second pass begins
  const LocalTime repeat_end = AsLocal(end, summer);      // 03:00: first time after both passes
  if (local < gap_begin) return unique(AsUtc(local, standard));
  if (local < gap_end) return {LocalTimeKind::kSkipped, start, start};
  if (local < repeat_begin) return unique(AsUtc(local, summer));
  if (local < repeat_end) {
    return {LocalTimeKind::kRepeated, AsUtc(local, summer), AsUtc(local, standard)};
  }
  return unique(AsUtc(local, standard));
}

TimePoint ToUtc(LocalTime local, const LocalTimeRules& rules) {
  return LookupLocal(local, rules).first;
}

}  // namespace vmuc::meters
