#include "meters/loggers/billing_schedule.h"

#include <chrono>

#include "common/check.h"

namespace vmuc::meters {

std::optional<TimePoint> NextBillingEnd(TimePoint t, int stop_day, const DebitingInterval& interval,
                                        const LocalTimeRules& rules) {
  VMUC_CHECK(stop_day >= 1 && stop_day <= 28, "Z6 debiting stop day outside 1..28");
  if (interval.externally_controlled()) return std::nullopt;
  using namespace std::chrono;
  // Start from the local month `t` falls in; an interval is at most 12 months, so the end
  // is within the next 13 months.
  const year_month_day today{floor<days>(ScheduleLocalTime(t, rules))};
  year_month month = today.year() / today.month();
  for (int step = 0; step <= 13; ++step, month += months{1}) {
    if (!interval.IsDebitingMonth(static_cast<int>(static_cast<unsigned>(month.month())))) {
      continue;
    }
    const LocalTime midnight{local_days{month / stop_day}};
    const TimePoint end = ToUtc(midnight, rules);
    if (end > t) return end;
  }
  VMUC_CHECK(false, "no debiting month within 13 months");
  return std::nullopt;
}

}  // namespace vmuc::meters
