#include "common/scheduler.h"

#include <algorithm>

namespace vmuc {

TimerId SimulatedScheduler::ScheduleAt(TimePoint due, Task task) {
  return queue_.Add(std::max(due, clock_.Now()), std::move(task));
}

uint64_t SimulatedScheduler::RunUntil(TimePoint until) {
  uint64_t ran = 0;
  while (auto next = queue_.PopDue(until)) {
    clock_.AdvanceTo(next->first);
    next->second();
    ++ran;
  }
  if (until > clock_.Now()) clock_.AdvanceTo(until);
  return ran;
}

void RunEvery(Scheduler& scheduler, Duration period, absl::AnyInvocable<bool()> step) {
  if (!step()) return;
  scheduler.ScheduleAt(scheduler.Now() + period,
                       [&scheduler, period, step = std::move(step)]() mutable {
                         RunEvery(scheduler, period, std::move(step));
                       });
}

uint64_t SimulatedScheduler::RunAsFastAsPossible(uint64_t max_tasks) {
  uint64_t ran = 0;
  while (ran < max_tasks) {
    const auto due = queue_.NextDue();
    if (!due) break;
    auto next = queue_.PopDue(*due);
    clock_.AdvanceTo(next->first);
    next->second();
    ++ran;
  }
  return ran;
}

}  // namespace vmuc
