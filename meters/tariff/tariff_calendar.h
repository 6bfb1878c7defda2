// Register tariff control: a time-of-day / day-of-week calendar in the meter's local time.
//
// With Z13 = 002 "Register control" the meter chooses its tariff from a calendar held in its
// registers. The datasheet leaves the calendar to a "tariff order form"; its structure here
// follows the usual meter calendar (the shape of a COSEM activity calendar and special days
// table, so the object model in meters/cosem/ can expose it later):
//   - day profiles: switch points (local time of day, tariff), at second resolution;
//   - week profiles: a day profile for each weekday, Monday .. Sunday;
//   - seasons: from a start month/day every year, a week profile;
//   - special days: on a date, a day profile instead of the week profile's; either every year
//     (year unset) or once (year set).
//
// Rules, in the order they are applied to a local date D and local time of day T:
//   1. Day profile of D: a one-off special day on D, else a yearly special day on D's
//      month/day, else the season's week profile for D's weekday. The season in force is the
//      one with the latest start on or before D's month/day; before the first start of the
//      year, the last season (it carries over the new year). A yearly entry on 29 February
//      applies in leap years only; a season starting on 29 February starts on 1 March in
//      other years.
//   2. Tariff: that of the last switch point at or before T. Before the first switch point the
//      tariff of the day profile's last switch point applies, i.e. a day profile is a 24-hour
//      cycle: {07:00 -> T1, 22:00 -> T2} means T2 from 00:00 to 07:00. So a day profile never
//      depends on the day before; a day boundary changes the tariff only if the new day's
//      profile starts with a different one.
//   3. Local time is ScheduleLocalTime() of meters/clock/local_time.h (GMT offset and summer
//      time applied), at whole seconds. Consequences around the EU changes:
//        - a switch point inside the hour skipped in spring fires at the change instant
//          (01:00 UTC); if several do, the last of them wins;
//        - a switch point inside the hour repeated in autumn fires once, on the first (summer
//          time) pass; during the second pass the tariff stays as it was at the end of the
//          first pass.
//      A switch at local 07:00:00 changes the tariff at exactly the UTC second that is 07:00:00
//      local: the second before has the old tariff, that second the new one.
//
// TariffCalendar is plain data; TariffSchedule is a validated calendar bound to local time
// rules, immutable once created, cheap to query, and thread-compatible (const methods only).
#ifndef VMUC_METERS_TARIFF_TARIFF_CALENDAR_H_
#define VMUC_METERS_TARIFF_TARIFF_CALENDAR_H_

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "common/time.h"
#include "meters/clock/local_time.h"

namespace vmuc::meters {

struct SwitchPoint {
  std::chrono::seconds time_of_day{0};  // local, 00:00:00 .. 23:59:59
  int tariff = 1;                       // 1..4
};

struct DayProfile {
  int id = 0;
  std::vector<SwitchPoint> switches;  // at least one, strictly increasing times of day
};

struct WeekProfile {
  int id = 0;
  std::array<int, 7> day_profile_ids{};  // Monday .. Sunday (ISO 8601 order)
};

struct Season {
  std::chrono::month_day start;  // local midnight starting this date, every year
  int week_profile_id = 0;
};

struct SpecialDay {
  std::optional<std::chrono::year> year;  // unset: every year on `date`
  std::chrono::month_day date;
  int day_profile_id = 0;
};

struct TariffCalendar {
  std::vector<DayProfile> day_profiles;    // unique ids
  std::vector<WeekProfile> week_profiles;  // unique ids; days refer to existing day profiles
  std::vector<Season> seasons;             // at least one; strictly increasing starts
  std::vector<SpecialDay> special_days;    // unique dates; refer to existing day profiles
};

// The calendar used when the order form gives none: one season, all year:
//   Monday .. Friday: T1 from 07:00:00 to 22:00:00, T2 from 22:00:00 to 07:00:00;
//   Saturday, Sunday: T2 all day;
//   no special days (public holidays differ by country; add them per installation).
// Day profile 1 is the working day, 2 the weekend day; week profile 1; season from 1 Jan.
TariffCalendar DefaultTariffCalendar();

class TariffSchedule {
 public:
  // When no tariff change happens within this many local days of the instant asked about,
  // NextChange() returns the instant this far ahead instead (see there).
  static constexpr std::chrono::days kLookahead{400};

  // Validates the calendar and the rules. InvalidArgument names the first problem: a tariff
  // outside 1..4, a time of day outside 00:00:00..23:59:59, switch points not strictly
  // increasing (unsorted or duplicate), an empty day profile, duplicate ids, no seasons,
  // seasons not strictly increasing, an invalid date, a duplicate special day, a reference to
  // a missing day or week profile, or invalid LocalTimeRules.
  static absl::StatusOr<TariffSchedule> Create(TariffCalendar calendar, LocalTimeRules rules);

  // The tariff (1..4) in force at `utc`.
  int TariffAt(TimePoint utc) const;

  // The first instant strictly after `after` at which TariffAt() differs from
  // TariffAt(after); always a whole UTC second. nullopt when the calendar can never change
  // the tariff (every day profile it uses sets one and the same tariff). When no change
  // happens up to the local midnight kLookahead days after the local date of `after` (a
  // calendar whose tariffs differ only on rare special days), returns that midnight, at which
  // the tariff is unchanged: the caller asks again from there. Walking NextChange() from any
  // instant therefore visits every change exactly once, in order.
  std::optional<TimePoint> NextChange(TimePoint after) const;

  // The id of the day profile that applies on a local date (rule 1 above).
  int DayProfileIdOn(std::chrono::local_days day) const;

  const TariffCalendar& calendar() const { return calendar_; }
  const LocalTimeRules& rules() const { return rules_; }

 private:
  TariffSchedule(TariffCalendar calendar, LocalTimeRules rules);
  absl::Status Compile();

  // Index into calendar_.day_profiles of the profile for `day`.
  size_t DayProfileIndexOn(std::chrono::local_days day) const;
  int TariffAtLocal(std::chrono::local_seconds local) const;

  TariffCalendar calendar_;
  LocalTimeRules rules_;
  // Compiled lookups, all indices into calendar_.
  std::vector<std::array<size_t, 7>> week_days_;  // per week profile: day profile per weekday
  std::vector<std::pair<int, size_t>> seasons_;   // (month * 32 + day, week profile index)
  std::map<int, size_t> yearly_special_;          // month * 32 + day -> day profile index
  std::map<int64_t, size_t> one_off_special_;     // local_days count -> day profile index
  bool constant_ = false;                         // every used day profile sets one tariff
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_TARIFF_TARIFF_CALENDAR_H_
