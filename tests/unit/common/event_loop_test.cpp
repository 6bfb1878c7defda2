#include "common/event_loop.h"

#include <gtest/gtest.h>

#include <future>
#include <vector>

namespace vmuc {
namespace {

using namespace std::chrono_literals;

// The real loop with a ScaledClock: simulated-time timers fire in order on the shard
// thread. Bounds are generous; only ordering and "it fires" are asserted.
TEST(ShardLoopTest, FiresScaledTimersInOrderOnTheShardThread) {
  const TimePoint start = TimePoint(std::chrono::seconds(1'767'225'600));
  ScaledClock clock(start, RealClock().Now(), 3600);  // an hour per real second
  ShardLoop loop("test-shard", clock);
  loop.Start();
  std::promise<std::vector<int>> done;
  std::vector<int> order;
  std::thread::id shard_thread;
  loop.Post([&] {
    shard_thread = std::this_thread::get_id();
    const TimePoint now = loop.scheduler().Now();
    // 30 and 60 simulated seconds are 8 and 17 real milliseconds.
    loop.scheduler().ScheduleAt(now + 60s, [&] {
      order.push_back(2);
      EXPECT_EQ(std::this_thread::get_id(), shard_thread);
      done.set_value(order);
    });
    loop.scheduler().ScheduleAt(now + 30s, [&] { order.push_back(1); });
    const TimerId cancelled = loop.scheduler().ScheduleAt(now + 45s, [&] { order.push_back(99); });
    loop.scheduler().Cancel(cancelled);
  });
  auto result = done.get_future();
  ASSERT_EQ(result.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(result.get(), (std::vector<int>{1, 2}));
  loop.Stop();
}

TEST(ShardLoopTest, StopJoinsWithTimersPending) {
  RealClock clock;
  ShardLoop loop("test-stop", clock);
  loop.Start();
  loop.Post([&] { loop.scheduler().ScheduleAt(clock.Now() + 1h, [] { FAIL(); }); });
  loop.Stop();  // returns although the timer is an hour away
}

}  // namespace
}  // namespace vmuc
