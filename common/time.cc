#include "common/time.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace vmuc {

std::string FormatRfc3339(TimePoint t) {
  const auto day_point = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day_point};
  const std::chrono::hh_mm_ss hms{std::chrono::floor<std::chrono::milliseconds>(t - day_point)};
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ldZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<long>(hms.hours().count()),
                static_cast<long>(hms.minutes().count()), static_cast<long>(hms.seconds().count()),
                static_cast<long>(hms.subseconds().count()));
  return buffer;
}

absl::StatusOr<TimePoint> ParseRfc3339(std::string_view text) {
  int year = 0;
  unsigned month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int consumed = 0;
  const std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2u-%2uT%2u:%2u:%2u%n", &year, &month, &day, &hour, &minute,
                  &second, &consumed) != 6) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", AsAbsl(text), "' is not an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SSZ)"));
  }
  std::string_view rest = text.substr(static_cast<size_t>(consumed));
  int64_t millis = 0;
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    int digits = 0;
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      if (digits < 3) millis = millis * 10 + (rest.front() - '0');
      ++digits;
      rest.remove_prefix(1);
    }
    for (; digits < 3; ++digits) millis *= 10;
  }
  if (rest != "Z") {
    return absl::InvalidArgumentError(
        absl::StrCat("'", AsAbsl(text), "' must be UTC and end in 'Z'"));
  }
  const std::chrono::year_month_day ymd{std::chrono::year(year), std::chrono::month(month),
                                        std::chrono::day(day)};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 59) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", AsAbsl(text), "' is not a valid date and time"));
  }
  return TimePoint(std::chrono::sys_days(ymd)) + std::chrono::hours(hour) +
         std::chrono::minutes(minute) + std::chrono::seconds(second) +
         std::chrono::milliseconds(millis);
}

}  // namespace vmuc
