// ShardLoop: one thread running one Asio io_context, the unit of concurrency in vmuc.
//
// Meters are pinned to a shard; everything a shard owns is touched only from its thread,
// which makes the io_context an implicit strand and spares actors any lock
// (design.md, "Actors and time"). Other threads hand work in with Post().
#ifndef VMUC_COMMON_EVENT_LOOP_H_
#define VMUC_COMMON_EVENT_LOOP_H_

#include <optional>
#include <string>
#include <thread>

#include "common/asio.h"
#include "common/scheduler.h"

namespace vmuc {

// A Scheduler on an Asio io_context: the timer queue lives in user space and one
// steady_timer is armed for its earliest entry, converted to real time by the Clock
// (so a ScaledClock fires simulated-time timers at the right real moment).
// Must be used from the io_context's thread only.
class AsioScheduler final : public Scheduler {
 public:
  AsioScheduler(asio::io_context& io, const Clock& clock);
  const Clock& clock() const override { return clock_; }
  TimerId ScheduleAt(TimePoint due, Task task) override;
  bool Cancel(TimerId id) override;

 private:
  void Arm();
  void RunDue();

  const Clock& clock_;
  TimerQueue queue_;
  asio::steady_timer timer_;
  std::optional<TimePoint> armed_for_;
};

class ShardLoop {
 public:
  ShardLoop(std::string name, const Clock& clock);
  ~ShardLoop();  // stops and joins
  ShardLoop(const ShardLoop&) = delete;
  ShardLoop& operator=(const ShardLoop&) = delete;

  void Start();
  // Stops the loop after the task running now; pending tasks are dropped.
  void Stop();
  // Thread-safe: runs `task` on the shard thread.
  void Post(Task task);

  asio::io_context& io() { return io_; }
  Scheduler& scheduler() { return scheduler_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  AsioScheduler scheduler_;
  std::thread thread_;
};

}  // namespace vmuc

#endif  // VMUC_COMMON_EVENT_LOOP_H_
