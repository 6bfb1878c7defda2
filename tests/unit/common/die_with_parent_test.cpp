// DieWithParent with real processes: it may exit the process that calls it, so every
// case runs in forked children.
#include "common/die_with_parent.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>

namespace vmuc {
namespace {

// DieWithParent runs in forked processes: it may exit the process that calls it.

TEST(DieWithParentTest, ReturnsWhileTheExpectedParentLives) {
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    DieWithParent(parent);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(DieWithParentTest, ExitsAtOnceWhenTheParentIsNotTheExpectedOne) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    DieWithParent(::getpid());  // never one's own parent: as if reparented already
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), kOrphanExitCode);
}

TEST(DieWithParentTest, ChildDiesWhenItsParentIsSigkilled) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t parent = ::fork();
  ASSERT_GE(parent, 0);
  if (parent == 0) {
    const pid_t self = ::getpid();
    if (::fork() == 0) {
      DieWithParent(self);
      const pid_t me = ::getpid();
      if (::write(ready[1], &me, sizeof(me)) != sizeof(me)) ::_exit(2);
      for (;;) ::pause();
    }
    for (;;) ::pause();
  }
  ::close(ready[1]);
  pollfd entry{ready[0], POLLIN, 0};
  ASSERT_EQ(::poll(&entry, 1, 30'000), 1);
  pid_t grandchild = 0;
  ASSERT_EQ(::read(ready[0], &grandchild, sizeof(grandchild)),
            static_cast<ssize_t>(sizeof(grandchild)));
  ::close(ready[0]);
  // Opened before the parent dies, so the pid cannot be reused under us.
  const int grandchild_fd = static_cast<int>(::syscall(SYS_pidfd_open, grandchild, 0));
  ASSERT_GE(grandchild_fd, 0);

  ASSERT_EQ(::kill(parent, SIGKILL), 0);
  ASSERT_EQ(::waitpid(parent, nullptr, 0), parent);
  pollfd exited{grandchild_fd, POLLIN, 0};
  EXPECT_EQ(::poll(&exited, 1, 30'000), 1);
  // Clean up if it failed; the fd keeps the pid ours to signal.
  ::syscall(SYS_pidfd_send_signal, grandchild_fd, SIGKILL, nullptr, 0);
  ::close(grandchild_fd);
}

TEST(SupervisorPidFromEnvironmentTest, ParsesOnlyAPositivePid) {
  ASSERT_EQ(::unsetenv(kSupervisorPidEnv), 0);
  EXPECT_EQ(SupervisorPidFromEnvironment(), std::nullopt);
  ASSERT_EQ(::setenv(kSupervisorPidEnv, "4242", 1), 0);
  EXPECT_EQ(SupervisorPidFromEnvironment(), 4242);
  ASSERT_EQ(::setenv(kSupervisorPidEnv, "12ab", 1), 0);
  EXPECT_EQ(SupervisorPidFromEnvironment(), std::nullopt);
  ASSERT_EQ(::setenv(kSupervisorPidEnv, "0", 1), 0);
  EXPECT_EQ(SupervisorPidFromEnvironment(), std::nullopt);
  ::unsetenv(kSupervisorPidEnv);
}

}  // namespace
}  // namespace vmuc
