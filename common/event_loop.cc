#include "common/event_loop.h"

#include <pthread.h>

#include <memory>

namespace vmuc {

AsioScheduler::AsioScheduler(asio::io_context& io, const Clock& clock)
    : clock_(clock), timer_(io) {}

TimerId AsioScheduler::ScheduleAt(TimePoint due, Task task) {
  const TimerId id = queue_.Add(due, std::move(task));
  if (!armed_for_ || due < *armed_for_) Arm();
  return id;
}

bool AsioScheduler::Cancel(TimerId id) { return queue_.Cancel(id); }

void AsioScheduler::Arm() {
  const auto next = queue_.NextDue();
  if (!next) {
    armed_for_.reset();
    timer_.cancel();
    return;
  }
  armed_for_ = *next;
  const Duration wait = *next - clock_.Now();
  const auto real_wait = wait > Duration::zero() ? clock_.RealDelayFor(wait) : Duration::zero();
  timer_.expires_after(real_wait);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (error == asio::error::operation_aborted) return;  // re-armed or shutting down
    RunDue();
  });
}

void AsioScheduler::RunDue() {
  armed_for_.reset();
  // Only timers due by the clock's present run; a task may schedule more (even due now),
  // which this loop then picks up in order.
  while (auto next = queue_.PopDue(clock_.Now())) next->second();
  Arm();
}

ShardLoop::ShardLoop(std::string name, const Clock& clock)
    : name_(std::move(name)), work_(asio::make_work_guard(io_)), scheduler_(io_, clock) {}

ShardLoop::~ShardLoop() { Stop(); }

void ShardLoop::Start() {
  thread_ = std::thread([this] {
    // Linux thread names hold 15 characters; they show in top and gdb.
    pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
    io_.run();
  });
}

void ShardLoop::Stop() {
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

void ShardLoop::Post(Task task) {
  // asio::post needs a copyable handler in Boost 1.74; share the move-only task.
  auto shared = std::make_shared<Task>(std::move(task));
  asio::post(io_, [shared] { (*shared)(); });
}

}  // namespace vmuc
