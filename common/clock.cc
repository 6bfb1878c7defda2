#include "common/clock.h"

#include "common/check.h"

namespace vmuc {

TimePoint RealClock::Now() const {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

ScaledClock::ScaledClock(TimePoint start, TimePoint anchor, int64_t speed)
    : start_(start), anchor_(anchor), speed_(speed) {
  VMUC_CHECK(speed >= 1, "ScaledClock speed must be at least 1");
}

TimePoint ScaledClock::Now() const {
  const auto wall = std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  return start_ + (wall - anchor_) * speed_;
}

Duration ScaledClock::RealDelayFor(Duration simulated) const {
  // Round up so a timer never fires before its simulated time has come.
  return (simulated + Duration(speed_ - 1)) / speed_;
}

void SimulatedClock::AdvanceTo(TimePoint t) {
  const int64_t target = t.time_since_epoch().count();
  VMUC_CHECK(target >= now_ns_.load(), "SimulatedClock cannot move backwards");
  now_ns_.store(target);
}

}  // namespace vmuc
