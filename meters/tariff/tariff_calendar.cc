#include "meters/tariff/tariff_calendar.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/status.h"
#include "meters/tariff/tariff.h"

namespace vmuc::meters {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::local_days;
using std::chrono::local_seconds;
using std::chrono::seconds;

// Month and day as one sortable number (month * 32 + day).
int MonthDayKey(std::chrono::month month, std::chrono::day day) {
  return static_cast<int>(static_cast<unsigned>(month)) * 32 +
         static_cast<int>(static_cast<unsigned>(day));
}
int MonthDayKey(std::chrono::month_day md) { return MonthDayKey(md.month(), md.day()); }

std::string FormatTimeOfDay(seconds time_of_day) {
  const int64_t s = time_of_day.count();
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%02lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return buffer;
}

std::string FormatDate(const SpecialDay& special) {
  char buffer[32];
  const unsigned month = static_cast<unsigned>(special.date.month());
  const unsigned day = static_cast<unsigned>(special.date.day());
  if (special.year.has_value()) {
    std::snprintf(buffer, sizeof(buffer), "%04d-%02u-%02u", static_cast<int>(*special.year), month,
                  day);
  } else {
    std::snprintf(buffer, sizeof(buffer), "every year %02u-%02u", month, day);
  }
  return buffer;
}

absl::Status ValidateDayProfile(const DayProfile& profile) {
  if (profile.switches.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("day profile ", profile.id, " has no switch points"));
  }
  for (size_t i = 0; i < profile.switches.size(); ++i) {
    const SwitchPoint& point = profile.switches[i];
    if (!IsValidTariff(point.tariff)) {
      return absl::InvalidArgumentError(absl::StrCat("day profile ", profile.id, ", switch point ",
                                                     i + 1, ": tariff ", point.tariff,
                                                     " is not one of 1..4"));
    }
    if (point.time_of_day < seconds(0) || point.time_of_day >= days(1)) {
      return absl::InvalidArgumentError(
          absl::StrCat("day profile ", profile.id, ", switch point ", i + 1, ": time of day ",
                       point.time_of_day.count(), " s is not within 00:00:00..23:59:59"));
    }
    if (i > 0 && point.time_of_day <= profile.switches[i - 1].time_of_day) {
      return absl::InvalidArgumentError(
          absl::StrCat("day profile ", profile.id, ": switch point ", i + 1, " at ",
                       FormatTimeOfDay(point.time_of_day), " is not after switch point ", i, " at ",
                       FormatTimeOfDay(profile.switches[i - 1].time_of_day),
                       " (switch points must be sorted and unique)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

TariffCalendar DefaultTariffCalendar() {
  TariffCalendar calendar;
  calendar.day_profiles = {
      DayProfile{1, {SwitchPoint{hours(7), 1}, SwitchPoint{hours(22), 2}}},
      DayProfile{2, {SwitchPoint{seconds(0), 2}}},
  };
  calendar.week_profiles = {WeekProfile{1, {1, 1, 1, 1, 1, 2, 2}}};
  calendar.seasons = {Season{std::chrono::January / 1, 1}};
  return calendar;
}

TariffSchedule::TariffSchedule(TariffCalendar calendar, LocalTimeRules rules)
    : calendar_(std::move(calendar)), rules_(rules) {}

absl::StatusOr<TariffSchedule> TariffSchedule::Create(TariffCalendar calendar,
                                                      LocalTimeRules rules) {
  VMUC_RETURN_IF_ERROR(ValidateLocalTimeRules(rules));
  TariffSchedule schedule(std::move(calendar), rules);
  VMUC_RETURN_IF_ERROR(schedule.Compile());
  return schedule;
}

absl::Status TariffSchedule::Compile() {
  // Day profiles: valid on their own, ids unique.
  std::map<int, size_t> day_index;
  for (size_t i = 0; i < calendar_.day_profiles.size(); ++i) {
    const DayProfile& profile = calendar_.day_profiles[i];
    VMUC_RETURN_IF_ERROR(ValidateDayProfile(profile));
    if (!day_index.emplace(profile.id, i).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("day profile id ", profile.id, " is used twice"));
    }
  }
  auto find_day = [&](int id, const std::string& user) -> absl::StatusOr<size_t> {
    const auto it = day_index.find(id);
    if (it == day_index.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(user, " refers to day profile ", id, ", which does not exist"));
    }
    return it->second;
  };

  // Week profiles.
  static constexpr const char* kDayNames[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                              "Friday", "Saturday", "Sunday"};
  std::map<int, size_t> week_index;
  week_days_.clear();
  for (size_t i = 0; i < calendar_.week_profiles.size(); ++i) {
    const WeekProfile& week = calendar_.week_profiles[i];
    if (!week_index.emplace(week.id, i).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("week profile id ", week.id, " is used twice"));
    }
    std::array<size_t, 7> days_of_week{};
    for (size_t d = 0; d < 7; ++d) {
      VMUC_ASSIGN_OR_RETURN(days_of_week[d], find_day(week.day_profile_ids[d],
                                                      absl::StrCat("week profile ", week.id, " (",
                                                                   kDayNames[d], ")")));
    }
    week_days_.push_back(days_of_week);
  }

  // Seasons.
  if (calendar_.seasons.empty()) {
    return absl::InvalidArgumentError("the tariff calendar has no season");
  }
  seasons_.clear();
  for (size_t i = 0; i < calendar_.seasons.size(); ++i) {
    const Season& season = calendar_.seasons[i];
    if (!season.start.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("season ", i + 1, " starts on an invalid month/day"));
    }
    const int key = MonthDayKey(season.start);
    if (!seasons_.empty() && key <= seasons_.back().first) {
      return absl::InvalidArgumentError(
          absl::StrCat("season ", i + 1, " does not start after season ", i,
                       " (seasons must be sorted by start date and start on different dates)"));
    }
    const auto week = week_index.find(season.week_profile_id);
    if (week == week_index.end()) {
      return absl::InvalidArgumentError(absl::StrCat("season ", i + 1, " refers to week profile ",
                                                     season.week_profile_id,
                                                     ", which does not exist"));
    }
    seasons_.emplace_back(key, week->second);
  }

  // Special days.
  yearly_special_.clear();
  one_off_special_.clear();
  for (const SpecialDay& special : calendar_.special_days) {
    const std::string name = absl::StrCat("special day ", FormatDate(special));
    bool inserted = false;
    VMUC_ASSIGN_OR_RETURN(const size_t index, find_day(special.day_profile_id, name));
    if (special.year.has_value()) {
      const std::chrono::year_month_day date = *special.year / special.date;
      if (!date.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(name, " is not a date"));
      }
      inserted =
          one_off_special_.emplace(local_days(date).time_since_epoch().count(), index).second;
    } else {
      if (!special.date.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(name, " is not a date"));
      }
      inserted = yearly_special_.emplace(MonthDayKey(special.date), index).second;
    }
    if (!inserted) return absl::InvalidArgumentError(absl::StrCat(name, " is given twice"));
  }

  // A calendar whose used day profiles all set the same tariff never changes it.
  std::set<size_t> used;
  for (const auto& [key, week] : seasons_) {
    used.insert(week_days_[week].begin(), week_days_[week].end());
  }
  for (const auto& [key, index] : yearly_special_) used.insert(index);
  for (const auto& [key, index] : one_off_special_) used.insert(index);
  std::set<int> tariffs;
  for (const size_t index : used) {
    for (const SwitchPoint& point : calendar_.day_profiles[index].switches) {
      tariffs.insert(point.tariff);
    }
  }
  constant_ = tariffs.size() <= 1;
  return absl::OkStatus();
}

size_t TariffSchedule::DayProfileIndexOn(local_days day) const {
  if (const auto it = one_off_special_.find(day.time_since_epoch().count());
      it != one_off_special_.end()) {
    return it->second;
  }
  const std::chrono::year_month_day date(day);
  const int key = MonthDayKey(date.month(), date.day());
  if (const auto it = yearly_special_.find(key); it != yearly_special_.end()) return it->second;
  // The last season starting on or before the date; before the first, the year's last.
  auto season =
      std::upper_bound(seasons_.begin(), seasons_.end(), key,
                       [](int k, const std::pair<int, size_t>& s) { return k < s.first; });
  const size_t week =
      (season == seasons_.begin()) ? seasons_.back().second : std::prev(season)->second;
  const unsigned weekday = std::chrono::weekday(day).iso_encoding();  // 1..7
  return week_days_[week][weekday - 1];
}

int TariffSchedule::DayProfileIdOn(local_days day) const {
  return calendar_.day_profiles[DayProfileIndexOn(day)].id;
}

int TariffSchedule::TariffAtLocal(local_seconds local) const {
  const local_days day = std::chrono::floor<days>(local);
  const seconds time_of_day = local - day;
  const std::vector<SwitchPoint>& switches =
      calendar_.day_profiles[DayProfileIndexOn(day)].switches;
  auto next =
      std::upper_bound(switches.begin(), switches.end(), time_of_day,
                       [](seconds t, const SwitchPoint& point) { return t < point.time_of_day; });
  // Before the first switch point the day profile's last one still applies (24-hour cycle).
  return (next == switches.begin()) ? switches.back().tariff : std::prev(next)->tariff;
}

int TariffSchedule::TariffAt(TimePoint utc) const {
  return TariffAtLocal(std::chrono::floor<seconds>(ScheduleLocalTime(utc, rules_)));
}

std::optional<TimePoint> TariffSchedule::NextChange(TimePoint after) const {
  if (constant_) return std::nullopt;
  const int current = TariffAt(after);
  const local_seconds now = std::chrono::floor<seconds>(ScheduleLocalTime(after, rules_));
  const local_days today = std::chrono::floor<days>(now);
  // The tariff is a function of the schedule's local second, which never runs backwards, so
  // it can only change where that time reaches a day boundary or a switch point: at ToUtc()
  // of those local times. Candidates strictly after `now` lie strictly after `after`.
  for (local_days day = today; day < today + kLookahead; day += days(1)) {
    if (day > now) {
      const TimePoint at = ToUtc(day, rules_);
      if (TariffAt(at) != current) return at;
    }
    for (const SwitchPoint& point : calendar_.day_profiles[DayProfileIndexOn(day)].switches) {
      const local_seconds local = day + point.time_of_day;
      if (local <= now) continue;
      const TimePoint at = ToUtc(local, rules_);
      if (TariffAt(at) != current) return at;
    }
  }
  return ToUtc(today + kLookahead, rules_);
}

}  // namespace vmuc::meters
