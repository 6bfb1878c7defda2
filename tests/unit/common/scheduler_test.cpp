#include "common/scheduler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vmuc {
namespace {

using namespace std::chrono_literals;

const TimePoint kStart = TimePoint(std::chrono::seconds(1'767'225'600));  // 2026-01-01

TEST(SimulatedSchedulerTest, FiresInTimeOrderThenSchedulingOrder) {
  SimulatedScheduler scheduler(kStart);
  std::vector<std::string> order;
  scheduler.ScheduleAt(kStart + 3s, [&] { order.push_back("c"); });
  scheduler.ScheduleAt(kStart + 1s, [&] { order.push_back("a1"); });
  scheduler.ScheduleAt(kStart + 1s, [&] { order.push_back("a2"); });
  scheduler.ScheduleAt(kStart + 2s, [&] { order.push_back("b"); });
  EXPECT_EQ(scheduler.RunUntil(kStart + 10s), 4u);
  EXPECT_EQ(order, (std::vector<std::string>{"a1", "a2", "b", "c"}));
  EXPECT_EQ(scheduler.Now(), kStart + 10s);
}

TEST(SimulatedSchedulerTest, RunEveryRepeatsUntilTheStepSaysStop) {
  SimulatedScheduler scheduler(kStart);
  std::vector<TimePoint> runs;
  RunEvery(scheduler, 250ms, [&] {
    runs.push_back(scheduler.Now());
    return runs.size() < 4;
  });
  ASSERT_EQ(runs.size(), 1u);  // the first run is at once
  scheduler.RunUntil(kStart + 10s);
  EXPECT_EQ(runs, (std::vector<TimePoint>{kStart, kStart + 250ms, kStart + 500ms, kStart + 750ms}));
}

TEST(SimulatedSchedulerTest, ClockStandsAtEachTaskDueTime) {
  SimulatedScheduler scheduler(kStart);
  std::vector<TimePoint> seen;
  for (int i = 1; i <= 3; ++i) {
    scheduler.ScheduleAt(kStart + i * 15min, [&] { seen.push_back(scheduler.Now()); });
  }
  scheduler.RunUntil(kStart + 1h);
  EXPECT_EQ(seen, (std::vector<TimePoint>{kStart + 15min, kStart + 30min, kStart + 45min}));
}

TEST(SimulatedSchedulerTest, TasksScheduleMoreAndStopAtTheLimit) {
  SimulatedScheduler scheduler(kStart);
  int ticks = 0;
  std::function<void()> tick = [&] {
    ++ticks;
    scheduler.ScheduleAt(scheduler.Now() + 1s, tick);
  };
  scheduler.ScheduleAt(kStart, tick);
  // A year of one-second ticks would be 31.5 million; the limit stops at 1000.
  EXPECT_EQ(scheduler.RunAsFastAsPossible(1000), 1000u);
  EXPECT_EQ(ticks, 1000);
  EXPECT_EQ(scheduler.Now(), kStart + 999s);
  EXPECT_EQ(scheduler.RunUntil(kStart + 1999s), 1000u);
}

TEST(SimulatedSchedulerTest, CancelledTimersDoNotFire) {
  SimulatedScheduler scheduler(kStart);
  bool fired = false;
  const TimerId id = scheduler.ScheduleAt(kStart + 1s, [&] { fired = true; });
  EXPECT_TRUE(scheduler.Cancel(id));
  EXPECT_FALSE(scheduler.Cancel(id));
  scheduler.RunFor(1h);
  EXPECT_FALSE(fired);
  EXPECT_EQ(scheduler.pending(), 0u);
}

TEST(SimulatedSchedulerTest, PastDueTimesRunNowNotInThePast) {
  SimulatedScheduler scheduler(kStart + 1h);
  TimePoint ran_at{};
  scheduler.ScheduleAt(kStart, [&] { ran_at = scheduler.Now(); });
  scheduler.RunUntil(kStart + 1h);
  EXPECT_EQ(ran_at, kStart + 1h);
}

}  // namespace
}  // namespace vmuc
