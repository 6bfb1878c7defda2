#include "common/timer_queue.h"

namespace vmuc {

TimerId TimerQueue::Add(TimePoint due, Task task) {
  const TimerId id = next_id_++;
  timers_.emplace(Key{due, id}, std::move(task));
  due_by_id_.emplace(id, due);
  return id;
}

bool TimerQueue::Cancel(TimerId id) {
  const auto it = due_by_id_.find(id);
  if (it == due_by_id_.end()) return false;
  timers_.erase(Key{it->second, id});
  due_by_id_.erase(it);
  return true;
}

std::optional<TimePoint> TimerQueue::NextDue() const {
  if (timers_.empty()) return std::nullopt;
  return timers_.begin()->first.first;
}

std::optional<std::pair<TimePoint, Task>> TimerQueue::PopDue(TimePoint now) {
  if (timers_.empty() || timers_.begin()->first.first > now) return std::nullopt;
  auto node = timers_.extract(timers_.begin());
  due_by_id_.erase(node.key().second);
  return std::make_pair(node.key().first, std::move(node.mapped()));
}

}  // namespace vmuc
