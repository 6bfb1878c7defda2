// When a debiting (billing) period ends: Z6 "Debiting stop date" (day 1..28) and Z7
// "Debiting logging interval" (none/externally controlled, monthly, every 2nd or 3rd month,
// half-yearly or yearly from a given month), datasheet lines 439-500.
//
// The datasheet gives the day, not the time of day. A period ends at the start of the stop
// day, 00:00:00 local time (Z11 offset and Z15 DST, meters/clock/local_time.h): the billing
// values then cover whole local days, as a consumer's bill does. A local midnight skipped by
// a DST change (only for offsets where the EU change instant falls at local midnight) ends
// at the change instant, the first instant the clock shows a later time (ToUtc).
//
// Stop days are 1..28, so every month has one: leap years need no special case.
#ifndef VMUC_METERS_LOGGERS_BILLING_SCHEDULE_H_
#define VMUC_METERS_LOGGERS_BILLING_SCHEDULE_H_

#include <optional>

#include "common/time.h"
#include "meters/clock/local_time.h"
#include "meters/configuration/software_config.h"

namespace vmuc::meters {

// The first debiting period end strictly after `t`; nullopt for Z7 00 (externally
// controlled: periods end on command only). `stop_day` is Z6, 1..28 (aborts otherwise).
std::optional<TimePoint> NextBillingEnd(TimePoint t, int stop_day, const DebitingInterval& interval,
                                        const LocalTimeRules& rules);

}  // namespace vmuc::meters

#endif  // VMUC_METERS_LOGGERS_BILLING_SCHEDULE_H_
