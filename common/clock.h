// Clocks: the only source of "now" in vmuc (design.md, "Time is an input").
//
// Every component that needs the time takes a `const Clock&`; main.cpp picks the real or
// scaled one, tests pass a SimulatedClock. Clocks are thread-safe to read.
#ifndef VMUC_COMMON_CLOCK_H_
#define VMUC_COMMON_CLOCK_H_

#include <atomic>
#include <cstdint>

#include "common/time.h"

namespace vmuc {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // The real time that must pass for this clock to advance by `simulated`. Only used to
  // arm operating-system timers (common/event_loop.h); never to compute values.
  virtual Duration RealDelayFor(Duration simulated) const = 0;
};

// UTC wall-clock time.
class RealClock final : public Clock {
 public:
  TimePoint Now() const override;
  Duration RealDelayFor(Duration simulated) const override { return simulated; }
};

// Simulated time that runs `speed` times faster than real time on a time line shared by
// every process of one run: now = start + (wall_now - anchor) * speed. The supervisor
// picks the anchor once and hands it to every child, so a restarted child rejoins the
// same time line instead of starting over.
class ScaledClock final : public Clock {
 public:
  ScaledClock(TimePoint start, TimePoint anchor, int64_t speed);
  TimePoint Now() const override;
  Duration RealDelayFor(Duration simulated) const override;

 private:
  const TimePoint start_;
  const TimePoint anchor_;
  const int64_t speed_;
};

// Time that moves only when told to. Used by tests and by the discrete-event scheduler
// (common/scheduler.h), which advances it from event to event.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(TimePoint start) : now_ns_(start.time_since_epoch().count()) {}
  TimePoint Now() const override { return TimePoint(Duration(now_ns_.load())); }
  Duration RealDelayFor(Duration) const override { return Duration::zero(); }
  // Moves time forward to `t`; moving backwards is a programming error and aborts.
  void AdvanceTo(TimePoint t);
  void AdvanceBy(Duration d) { AdvanceTo(Now() + d); }

 private:
  std::atomic<int64_t> now_ns_;
};

}  // namespace vmuc

#endif  // VMUC_COMMON_CLOCK_H_
