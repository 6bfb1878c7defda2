// ActorContext: everything an actor (a virtual meter) may do to the world.
//
// Meter logic never touches sockets, threads or the system clock; it asks its context for
// the time, for timers and to send frames (design.md, "Actors and time"). Production backs
// the context with a shard's Asio loop, tests with a SimulatedScheduler: the same actor
// code runs in both. All calls happen on the actor's shard thread.
#ifndef VMUC_COMMON_ACTOR_CONTEXT_H_
#define VMUC_COMMON_ACTOR_CONTEXT_H_

#include <functional>

#include "common/frame.h"
#include "common/scheduler.h"

namespace vmuc {

class ActorContext {
 public:
  virtual ~ActorContext() = default;
  virtual TimePoint Now() const = 0;
  virtual TimerId ScheduleAt(TimePoint due, Task task) = 0;
  virtual bool Cancel(TimerId id) = 0;
  // Hands a frame to the radio; it may be lost on the way, as on a real mesh.
  virtual void Send(Frame frame) = 0;
};

// The context of every actor on one shard: timers from the shard's scheduler, frames to
// the shard's outbound sink. Lives as long as the shard.
class SchedulerActorContext final : public ActorContext {
 public:
  using FrameSink = std::function<void(Frame)>;
  SchedulerActorContext(Scheduler& scheduler, FrameSink sink)
      : scheduler_(scheduler), sink_(std::move(sink)) {}

  TimePoint Now() const override { return scheduler_.Now(); }
  TimerId ScheduleAt(TimePoint due, Task task) override {
    return scheduler_.ScheduleAt(due, std::move(task));
  }
  bool Cancel(TimerId id) override { return scheduler_.Cancel(id); }
  void Send(Frame frame) override { sink_(std::move(frame)); }

 private:
  Scheduler& scheduler_;
  FrameSink sink_;
};

}  // namespace vmuc

#endif  // VMUC_COMMON_ACTOR_CONTEXT_H_
