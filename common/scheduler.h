// Scheduler: runs tasks at points of a Clock's time line.
//
// Two implementations: SimulatedScheduler (below), a discrete-event loop that jumps from
// event to event and is driven by hand or as fast as possible; and AsioScheduler
// (common/event_loop.h), which arms real OS timers through Asio. Code that needs timers
// takes a Scheduler& and works under both. A scheduler and its tasks live on one thread.
#ifndef VMUC_COMMON_SCHEDULER_H_
#define VMUC_COMMON_SCHEDULER_H_

#include <cstdint>

#include "common/clock.h"
#include "common/timer_queue.h"

namespace vmuc {

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual const Clock& clock() const = 0;
  TimePoint Now() const { return clock().Now(); }
  // Runs `task` once the clock reaches `due` (at once if `due` has passed).
  virtual TimerId ScheduleAt(TimePoint due, Task task) = 0;
  virtual bool Cancel(TimerId id) = 0;
};

// Runs `step` now and then every `period` until it returns false (a poll or a keep-alive).
// The scheduler must outlive the repetition.
void RunEvery(Scheduler& scheduler, Duration period, absl::AnyInvocable<bool()> step);

// A discrete-event scheduler over a SimulatedClock: the clock stands still while a task
// runs and jumps to the next due time between tasks. Timers fire in time order, ties in
// scheduling order.
class SimulatedScheduler final : public Scheduler {
 public:
  explicit SimulatedScheduler(TimePoint start) : clock_(start) {}

  const Clock& clock() const override { return clock_; }
  TimerId ScheduleAt(TimePoint due, Task task) override;
  bool Cancel(TimerId id) override { return queue_.Cancel(id); }

  // Runs every task due up to and including `until`, then leaves the clock at `until`.
  // Returns the number of tasks run.
  uint64_t RunUntil(TimePoint until);
  uint64_t RunFor(Duration d) { return RunUntil(Now() + d); }
  // Runs tasks as fast as possible until none is left or `max_tasks` have run.
  uint64_t RunAsFastAsPossible(uint64_t max_tasks);
  size_t pending() const { return queue_.size(); }

 private:
  SimulatedClock clock_;
  TimerQueue queue_;
};

}  // namespace vmuc

#endif  // VMUC_COMMON_SCHEDULER_H_
