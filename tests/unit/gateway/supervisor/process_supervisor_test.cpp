#include "gateway/supervisor/process_supervisor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/die_with_parent.h"

namespace vmuc::supervisor {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// These tests run real processes on a shared, noisy machine: they wait for conditions
// with generous bounds and never assert that something happens *within* a time.
constexpr auto kPatience = 30s;

// Runs `io` on this thread until `condition` holds or `limit` passes.
bool RunUntil(asio::io_context& io, const std::function<bool()>& condition,
              std::chrono::milliseconds limit = kPatience) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.restart();
    // Out of work returns at once; yield rather than spin until the deadline.
    if (io.run_for(20ms) == 0) std::this_thread::sleep_for(1ms);
  }
  return true;
}

// True once `pid` has ended (reaped, or a zombie nobody reaps), waiting up to `limit`.
// A pidfd works for processes that are not our children, such as grandchildren.
bool ProcessEnds(pid_t pid, std::chrono::milliseconds limit = kPatience) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH;
  pollfd entry{fd, POLLIN, 0};
  const int ready = ::poll(&entry, 1, static_cast<int>(limit.count()));
  ::close(fd);
  return ready == 1;
}

ChildSpec Sh(std::string name, std::string script) {
  return ChildSpec{std::move(name), {"/bin/sh", "-c", std::move(script)}, {}};
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

class ProcessSupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::path(testing::TempDir()) / "supervisor_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    options_.restart_backoff_initial = 10ms;
    options_.restart_backoff_max = 40ms;
    options_.crash_loop_limit = 3;
    options_.crash_loop_window = 60s;
    options_.stop_timeout = 5s;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Stops `supervisor` and runs the loop until its done callback has run.
  bool StopAndWait(ProcessSupervisor& supervisor) {
    bool done = false;
    supervisor.Stop([&done] { done = true; });
    return RunUntil(io_, [&done] { return done; });
  }

  asio::io_context io_;
  SupervisorOptions options_;
  std::filesystem::path dir_;
};

TEST_F(ProcessSupervisorTest, StartsChildrenAndReportsLivePids) {
  ProcessSupervisor supervisor(io_, options_);
  ASSERT_TRUE(supervisor.Start({Sh("a", "sleep 30"), Sh("b", "sleep 30")}).ok());
  const std::optional<pid_t> a = supervisor.PidOf("a");
  const std::optional<pid_t> b = supervisor.PidOf("b");
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_NE(*a, *b);
  EXPECT_EQ(::kill(*a, 0), 0);
  EXPECT_EQ(::kill(*b, 0), 0);
  EXPECT_EQ(supervisor.PidOf("nobody"), std::nullopt);
  EXPECT_EQ(supervisor.RestartCount("a"), 0u);
  ASSERT_TRUE(StopAndWait(supervisor));
  EXPECT_TRUE(ProcessEnds(*a));
  EXPECT_TRUE(ProcessEnds(*b));
}

TEST_F(ProcessSupervisorTest, RestartsAChildKilledWithSigkill) {
  ProcessSupervisor supervisor(io_, options_);
  ASSERT_TRUE(supervisor.Start({Sh("a", "sleep 30"), Sh("b", "sleep 30")}).ok());
  const pid_t first = *supervisor.PidOf("a");
  const pid_t other = *supervisor.PidOf("b");
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  ASSERT_TRUE(RunUntil(io_, [&] {
    const auto pid = supervisor.PidOf("a");
    return pid.has_value() && *pid != first;
  }));
  EXPECT_EQ(::kill(*supervisor.PidOf("a"), 0), 0);
  EXPECT_EQ(supervisor.RestartCount("a"), 1u);
  EXPECT_EQ(supervisor.PidOf("b"), other);  // the others are left alone
  EXPECT_EQ(supervisor.RestartCount("b"), 0u);
  EXPECT_TRUE(supervisor.fatal_status().ok());
  ASSERT_TRUE(StopAndWait(supervisor));
}

TEST_F(ProcessSupervisorTest, GivesUpOnACrashLoopAndStopsEveryChild) {
  ProcessSupervisor supervisor(io_, options_);
  std::optional<absl::Status> fatal;
  supervisor.set_on_fatal([&fatal](const absl::Status& status) { fatal = status; });
  ASSERT_TRUE(supervisor.Start({Sh("steady", "sleep 30"), Sh("crashy", "exit 3")}).ok());
  const pid_t steady = *supervisor.PidOf("steady");
  ASSERT_TRUE(RunUntil(io_, [&fatal] { return fatal.has_value(); }));
  EXPECT_EQ(fatal->code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(fatal->message(), HasSubstr("crashy"));
  EXPECT_THAT(fatal->message(), HasSubstr("exited with code 3"));
  EXPECT_EQ(supervisor.fatal_status(), *fatal);
  // crash_loop_limit restarts were allowed; the exit after them ended it.
  EXPECT_EQ(supervisor.RestartCount("crashy"), 3u);
  // on_fatal comes after every child is gone.
  EXPECT_EQ(supervisor.PidOf("steady"), std::nullopt);
  EXPECT_EQ(supervisor.PidOf("crashy"), std::nullopt);
  EXPECT_TRUE(ProcessEnds(steady));
  ASSERT_TRUE(StopAndWait(supervisor));  // what vmuc's main does in on_fatal
}

TEST_F(ProcessSupervisorTest, ExitsFartherApartThanTheWindowAreNoCrashLoop) {
  options_.crash_loop_limit = 1;
  options_.crash_loop_window = 1s;
  ProcessSupervisor supervisor(io_, options_);
  std::optional<absl::Status> fatal;
  supervisor.set_on_fatal([&fatal](const absl::Status& status) { fatal = status; });
  // Each run lasts at least 1.2 s, so no two exits fall within the 1 s window.
  ASSERT_TRUE(supervisor.Start({Sh("slow", "sleep 1.2; exit 1")}).ok());
  ASSERT_TRUE(RunUntil(io_, [&] { return supervisor.RestartCount("slow") >= 2 || fatal; }));
  EXPECT_FALSE(fatal.has_value());
  ASSERT_TRUE(StopAndWait(supervisor));
}

TEST_F(ProcessSupervisorTest, StopTerminatesEveryChildAndKillsOneThatIgnoresSigterm) {
  options_.stop_timeout = 300ms;
  ProcessSupervisor supervisor(io_, options_);
  // The stubborn child reports its own child's pid once SIGTERM is ignored (inherited by
  // the sleep), so Stop() cannot race the trap.
  const std::filesystem::path grandchild_file = dir_ / "grandchild";
  ASSERT_TRUE(supervisor
                  .Start({Sh("polite", "sleep 30"),
                          Sh("stubborn", absl::StrCat("trap '' TERM; sleep 30 & echo $! > ",
                                                      grandchild_file.string(), ".tmp; mv ",
                                                      grandchild_file.string(), ".tmp ",
                                                      grandchild_file.string(), "; wait"))})
                  .ok());
  ASSERT_TRUE(RunUntil(io_, [&] { return std::filesystem::exists(grandchild_file); }));
  const pid_t grandchild = std::stoi(ReadFile(grandchild_file));
  const pid_t polite = *supervisor.PidOf("polite");
  const pid_t stubborn = *supervisor.PidOf("stubborn");

  const auto stop_began = std::chrono::steady_clock::now();
  ASSERT_TRUE(StopAndWait(supervisor));
  // A lower bound only: the stubborn child cannot have gone before its SIGKILL.
  EXPECT_GE(std::chrono::steady_clock::now() - stop_began, options_.stop_timeout);
  EXPECT_TRUE(ProcessEnds(polite));
  EXPECT_TRUE(ProcessEnds(stubborn));
  EXPECT_TRUE(ProcessEnds(grandchild));  // signals go to the child's process group
  // The polite child exited on SIGTERM, which must not bring a restart, now or later.
  io_.restart();
  io_.run_for(100ms);
  EXPECT_EQ(supervisor.PidOf("polite"), std::nullopt);
  EXPECT_EQ(supervisor.PidOf("stubborn"), std::nullopt);
  EXPECT_EQ(supervisor.RestartCount("polite"), 0u);
  EXPECT_EQ(supervisor.RestartCount("stubborn"), 0u);
}

TEST_F(ProcessSupervisorTest, MissingExecutableIsAnErrorNamingChildAndPath) {
  ProcessSupervisor supervisor(io_, options_);
  const absl::Status status = supervisor.Start(
      {Sh("first", "sleep 30"), ChildSpec{"ghost", {"/nonexistent/vmuc-ghost", "-v"}, {}}});
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("ghost"));
  EXPECT_THAT(status.message(), HasSubstr("/nonexistent/vmuc-ghost"));
  const std::optional<pid_t> first = supervisor.PidOf("first");
  // The children already started are being stopped; Stop() tells when they are gone.
  ASSERT_TRUE(StopAndWait(supervisor));
  if (first.has_value()) {
    EXPECT_TRUE(ProcessEnds(*first));
  }
  EXPECT_EQ(supervisor.PidOf("first"), std::nullopt);
}

TEST_F(ProcessSupervisorTest, MissingProgramInPathIsAnError) {
  ProcessSupervisor supervisor(io_, options_);
  const absl::Status status =
      supervisor.Start({ChildSpec{"ghost", {"vmuc-no-such-program-anywhere"}, {}}});
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("vmuc-no-such-program-anywhere"));
  ASSERT_TRUE(StopAndWait(supervisor));
}

TEST_F(ProcessSupervisorTest, InvalidSpecsStartNothing) {
  ProcessSupervisor supervisor(io_, options_);
  EXPECT_EQ(supervisor.Start({Sh("twin", "sleep 30"), Sh("twin", "sleep 30")}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(supervisor.PidOf("twin"), std::nullopt);
  EXPECT_EQ(supervisor.Start({Sh("a/b", "true")}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(supervisor.Start({ChildSpec{"empty", {}, {}}}).code(),
            absl::StatusCode::kInvalidArgument);
  ChildSpec bad_env = Sh("env", "true");
  bad_env.extra_env = {"NO_EQUALS_SIGN"};
  EXPECT_EQ(supervisor.Start({bad_env}).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(StopAndWait(supervisor));
}

TEST_F(ProcessSupervisorTest, StopBeforeStartCallsDoneAndStartAfterStopFails) {
  ProcessSupervisor supervisor(io_, options_);
  ASSERT_TRUE(StopAndWait(supervisor));
  ASSERT_TRUE(StopAndWait(supervisor));  // again: still called
  EXPECT_EQ(supervisor.Start({Sh("late", "sleep 30")}).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(supervisor.PidOf("late"), std::nullopt);
}

TEST_F(ProcessSupervisorTest, PidFilesAppearAndDisappear) {
  options_.pid_dir = dir_.string();
  ProcessSupervisor supervisor(io_, options_);
  ASSERT_TRUE(supervisor.Start({Sh("a", "sleep 30")}).ok());
  const std::filesystem::path pid_file = dir_ / "a.pid";
  const pid_t first = *supervisor.PidOf("a");
  EXPECT_EQ(ReadFile(pid_file), absl::StrCat(first, "\n"));

  ASSERT_EQ(::kill(first, SIGKILL), 0);
  ASSERT_TRUE(RunUntil(io_, [&] {
    const auto pid = supervisor.PidOf("a");
    return pid.has_value() && *pid != first;
  }));
  EXPECT_EQ(ReadFile(pid_file), absl::StrCat(*supervisor.PidOf("a"), "\n"));

  ASSERT_TRUE(StopAndWait(supervisor));
  EXPECT_FALSE(std::filesystem::exists(pid_file));
  EXPECT_TRUE(std::filesystem::is_empty(dir_));  // no temporary left behind either
}

TEST_F(ProcessSupervisorTest, PidDirMustExist) {
  options_.pid_dir = (dir_ / "missing").string();
  ProcessSupervisor supervisor(io_, options_);
  EXPECT_EQ(supervisor.Start({Sh("a", "sleep 30")}).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(StopAndWait(supervisor));
}

TEST_F(ProcessSupervisorTest, ChildEnvironmentHasSupervisorPidAndExtraEnv) {
  ASSERT_EQ(::setenv("VMUC_TEST_INHERITED", "parent", 1), 0);
  ASSERT_EQ(::setenv("VMUC_TEST_REPLACED", "parent", 1), 0);
  const std::filesystem::path out = dir_ / "env";
  ChildSpec spec = Sh("env",
                      "printf '%s %s %s %s\\n' \"$VMUC_SUPERVISOR_PID\" \"$VMUC_TEST_INHERITED\" "
                      "\"$VMUC_TEST_REPLACED\" \"$VMUC_TEST_ADDED\" > \"$VMUC_TEST_OUT.tmp\" && "
                      "mv \"$VMUC_TEST_OUT.tmp\" \"$VMUC_TEST_OUT\"; exec sleep 30");
  // A VMUC_SUPERVISOR_PID in the spec cannot lie to the child: the supervisor's own wins.
  spec.extra_env = {absl::StrCat("VMUC_TEST_OUT=", out.string()), "VMUC_TEST_REPLACED=child",
                    "VMUC_TEST_ADDED=added", "VMUC_SUPERVISOR_PID=1"};
  ProcessSupervisor supervisor(io_, options_);
  ASSERT_TRUE(supervisor.Start({spec}).ok());
  ASSERT_TRUE(RunUntil(io_, [&] { return std::filesystem::exists(out); }));
  EXPECT_EQ(ReadFile(out), absl::StrCat(::getpid(), " parent child added\n"));
  ASSERT_TRUE(StopAndWait(supervisor));
  ::unsetenv("VMUC_TEST_INHERITED");
  ::unsetenv("VMUC_TEST_REPLACED");
}

TEST_F(ProcessSupervisorTest, DestroyingTheSupervisorLeavesNoChild) {
  pid_t pid = 0;
  {
    ProcessSupervisor supervisor(io_, options_);
    ASSERT_TRUE(supervisor.Start({Sh("a", "sleep 30")}).ok());
    pid = *supervisor.PidOf("a");
  }
  EXPECT_TRUE(ProcessEnds(pid));
  io_.restart();
  io_.run_for(50ms);  // the aborted wait must not touch the destroyed supervisor
}

}  // namespace
}  // namespace vmuc::supervisor
