// The notification protocol against a real AF_UNIX datagram socket standing in for
// systemd's (what `systemd-notify` and journald-less test harnesses do too).
#include "common/service_notify.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace vmuc {
namespace {

using namespace std::chrono_literals;

// A bound datagram socket: what systemd listens on.
class FakeManagerSocket {
 public:
  explicit FakeManagerSocket(const std::string& name) : name_(name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    name.copy(address.sun_path, name.size());
    if (address.sun_path[0] == '@')
      address.sun_path[0] = '\0';
    else
      std::filesystem::remove(name);
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), length), 0);
  }
  ~FakeManagerSocket() {
    ::close(fd_);
    if (name_[0] == '/') std::filesystem::remove(name_);
  }
  std::string Receive() const {
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
  }

 private:
  std::string name_;
  int fd_ = -1;
};

TEST(ServiceNotifyTest, DisabledWithoutNotifySocket) {
  ::unsetenv("NOTIFY_SOCKET");
  const ServiceNotifier notifier = ServiceNotifier::TakeFromEnvironment();
  EXPECT_FALSE(notifier.enabled());
  EXPECT_TRUE(notifier.Notify("READY=1").ok());
  EXPECT_FALSE(notifier.watchdog_interval().has_value());
}

TEST(ServiceNotifyTest, SendsToAPathSocketAndTakesTheVariables) {
  const std::string path = ::testing::TempDir() + "/notify.sock";
  FakeManagerSocket manager(path);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "20000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  const ServiceNotifier notifier = ServiceNotifier::TakeFromEnvironment();
  // Taken: a child started now does not inherit them.
  EXPECT_EQ(std::getenv("NOTIFY_SOCKET"), nullptr);
  EXPECT_EQ(std::getenv("WATCHDOG_USEC"), nullptr);
  EXPECT_EQ(std::getenv("WATCHDOG_PID"), nullptr);
  ASSERT_TRUE(notifier.enabled());
  EXPECT_EQ(notifier.watchdog_interval(), 20s);
  ASSERT_TRUE(notifier.Notify("READY=1\nSTATUS=3 meters").ok());
  EXPECT_EQ(manager.Receive(), "READY=1\nSTATUS=3 meters");
}

TEST(ServiceNotifyTest, SendsToAnAbstractSocket) {
  const std::string name = "@vmuc-notify-test-" + std::to_string(::getpid());
  FakeManagerSocket manager(name);
  const ServiceNotifier notifier(name, std::nullopt);
  ASSERT_TRUE(notifier.Notify("WATCHDOG=1").ok());
  EXPECT_EQ(manager.Receive(), "WATCHDOG=1");
}

TEST(ServiceNotifyTest, AManagerThatDoesNotReadNeverBlocksTheSender) {
  const std::string name = "@vmuc-notify-full-" + std::to_string(::getpid());
  FakeManagerSocket manager(name);
  const ServiceNotifier notifier(name, std::nullopt);
  // More than any net.unix.max_dgram_qlen: a blocking send would hang here.
  int refused = 0;
  for (int i = 0; i < 5000; ++i) {
    const absl::Status status = notifier.Notify("WATCHDOG=1");
    if (!status.ok()) {
      EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
      ++refused;
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_EQ(manager.Receive(), "WATCHDOG=1");  // the queued ones are intact
}

TEST(ServiceNotifyTest, AWatchdogForAnotherProcessIsNotOurs) {
  ::setenv("NOTIFY_SOCKET", "@x", 1);
  ::setenv("WATCHDOG_USEC", "1000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
  EXPECT_FALSE(ServiceNotifier::TakeFromEnvironment().watchdog_interval().has_value());
}

TEST(ServiceNotifyTest, ABadSocketNameIsNamed) {
  const absl::Status status = ServiceNotifier("relative/path", std::nullopt).Notify("READY=1");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("relative/path"), std::string::npos) << status;
  const std::string nobody = ::testing::TempDir() + "/nobody-listens.sock";
  std::filesystem::remove(nobody);
  EXPECT_EQ(ServiceNotifier(nobody, std::nullopt).Notify("READY=1").code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace vmuc
