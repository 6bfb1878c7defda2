// TimerQueue: callbacks ordered by due time, the heart of both schedulers.
//
// Timers due at the same instant run in the order they were scheduled, so a simulated
// run is reproducible. Not thread-safe: owned by one scheduler on one thread.
#ifndef VMUC_COMMON_TIMER_QUEUE_H_
#define VMUC_COMMON_TIMER_QUEUE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "common/time.h"

namespace vmuc {

using TimerId = uint64_t;
using Task = absl::AnyInvocable<void()>;

class TimerQueue {
 public:
  TimerId Add(TimePoint due, Task task);
  // Returns false when the timer already ran or was cancelled.
  bool Cancel(TimerId id);
  std::optional<TimePoint> NextDue() const;
  // Removes and returns the earliest timer if it is due at or before `now`.
  std::optional<std::pair<TimePoint, Task>> PopDue(TimePoint now);
  size_t size() const { return timers_.size(); }
  bool empty() const { return timers_.empty(); }

 private:
  using Key = std::pair<TimePoint, TimerId>;  // the id breaks ties in scheduling order
  std::map<Key, Task> timers_;
  std::unordered_map<TimerId, TimePoint> due_by_id_;
  TimerId next_id_ = 1;
};

}  // namespace vmuc

#endif  // VMUC_COMMON_TIMER_QUEUE_H_
