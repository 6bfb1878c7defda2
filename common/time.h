// Time types shared by every component.
//
// vmuc time is a point on the UTC time line with nanosecond resolution. It is always
// obtained from a Clock (common/clock.h), never read from the system directly, so that
// the same code runs in real time and in simulated time.
#ifndef VMUC_COMMON_TIME_H_
#define VMUC_COMMON_TIME_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace vmuc {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::time_point<std::chrono::system_clock, Duration>;

// Microseconds since the Unix epoch: the unit of time stamps on the wire and in the store.
inline int64_t ToUnixMicros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
inline TimePoint FromUnixMicros(int64_t us) { return TimePoint(std::chrono::microseconds(us)); }
// Whole seconds since the Unix epoch (rounded down): capture times of loggers.
inline int64_t ToUnixSeconds(TimePoint t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}
inline TimePoint FromUnixSeconds(int64_t s) { return TimePoint(std::chrono::seconds(s)); }

// RFC 3339 in UTC with millisecond precision: "2026-01-01T00:00:00.000Z".
std::string FormatRfc3339(TimePoint t);

// Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" (UTC only; the fleet's time line is UTC).
absl::StatusOr<TimePoint> ParseRfc3339(std::string_view text);

}  // namespace vmuc

#endif  // VMUC_COMMON_TIME_H_
