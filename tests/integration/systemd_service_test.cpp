// vmuc as systemd runs it (packaging/debian/vmuc.service: Type=notify, WatchdogSec=):
// a datagram socket stands in for the service manager's NOTIFY_SOCKET and, like systemd,
// reads each sender's pid from SCM_CREDENTIALS, since only the main pid may speak
// (NotifyAccess=main).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/net.h"
#include "tests/integration/test_process.h"

namespace vmuc {
namespace {

using namespace std::chrono_literals;
using testing::TestProcess;

class NotifySocket {
 public:
  explicit NotifySocket(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path_.copy(address.sun_path, path_.size());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    const int on = 1;
    EXPECT_EQ(::setsockopt(fd_, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)), 0);
  }
  ~NotifySocket() { ::close(fd_); }
  const std::string& path() const { return path_; }

  // Every message that has arrived, with its sender's pid.
  std::vector<std::pair<pid_t, std::string>> Drain() {
    std::vector<std::pair<pid_t, std::string>> messages;
    for (;;) {
      char data[4096];
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
      iovec vector{data, sizeof(data)};
      msghdr header{};
      header.msg_iov = &vector;
      header.msg_iovlen = 1;
      header.msg_control = control;
      header.msg_controllen = sizeof(control);
      const ssize_t n = ::recvmsg(fd_, &header, MSG_DONTWAIT);
      if (n < 0) return messages;
      pid_t sender = -1;
      for (cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr; c = CMSG_NXTHDR(&header, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
          ucred credentials{};
          std::memcpy(&credentials, CMSG_DATA(c), sizeof(credentials));
          sender = credentials.pid;
        }
      }
      messages.emplace_back(sender, std::string(data, static_cast<size_t>(n)));
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
};

TEST(SystemdServiceTest, ReadyOnlyWhenListeningThenWatchdogThenStopping) {
  testing::TempDir dir;
  auto grpc_port = PickFreeLoopbackPort();
  ASSERT_TRUE(grpc_port.ok());
  const std::string grpc_address = "127.0.0.1:" + std::to_string(*grpc_port);
  const std::string config_path = dir.path() + "/vmuc.toml";
  std::ofstream(config_path) << "[gateway]\ndata_dir = \"" << dir.path() << "/var\"\n"
                             << "run_dir = \"" << dir.path() << "/run\"\n"
                             << "grpc_listen = \"" << grpc_address << "\"\n"
                             << testing::DlmsSectionOnFreePorts()
                             << "[fleet]\nmeters = 5\n[logging]\nlevel = \"warn\"\n";
  NotifySocket manager(dir.path() + "/notify.sock");
  const std::string log = dir.path() + "/vmuc.log";
  // As systemd does: the variables are in the service's environment at exec.
  ::setenv("NOTIFY_SOCKET", manager.path().c_str(), 1);
  ::setenv("WATCHDOG_USEC", "400000", 1);  // a keep-alive every 200 ms
  auto vmuc = TestProcess::Start({VMUC_BIN_DIR "/vmuc", "--config", config_path}, log);
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ASSERT_TRUE(vmuc.has_value());
  const pid_t main_pid = vmuc->pid();  // WaitFor forgets it once reaped

  std::vector<std::pair<pid_t, std::string>> received;
  auto count = [&](std::string_view prefix) {
    int n = 0;
    for (const auto& [pid, text] : received) n += text.starts_with(prefix) ? 1 : 0;
    return n;
  };
  bool listening_at_ready = false;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        for (auto& message : manager.Drain()) {
          if (message.second.starts_with("READY=1")) {
            listening_at_ready = ProbeStreamListener(grpc_address).ok();
          }
          received.push_back(std::move(message));
        }
        return count("READY=1") > 0 && count("WATCHDOG=1") >= 3;
      },
      30s))
      << testing::ReadFile(log);
  EXPECT_TRUE(listening_at_ready) << "READY=1 before the gRPC API listened";
  EXPECT_EQ(count("READY=1"), 1);
  // The pid files and the mesh socket are in run_dir, not under data_dir.
  EXPECT_TRUE(testing::ReadPidFile(dir.path() + "/run/vmuc-gateway.pid").has_value());

  vmuc->Signal(SIGTERM);  // systemctl stop
  // Read on while it stops, as systemd does (the keep-alives go on until the end).
  std::optional<int> exit_status;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!exit_status && std::chrono::steady_clock::now() < deadline) {
    for (auto& message : manager.Drain()) received.push_back(std::move(message));
    exit_status = vmuc->WaitFor(50ms);
  }
  ASSERT_TRUE(exit_status.has_value()) << testing::ReadFile(log);
  EXPECT_TRUE(WIFEXITED(*exit_status) && WEXITSTATUS(*exit_status) == 0);
  for (auto& message : manager.Drain()) received.push_back(std::move(message));
  EXPECT_EQ(count("STOPPING=1"), 1);
  // Only the main pid spoke: the children (mosquitto has systemd support) never saw the
  // socket, so systemd has nothing to reject.
  for (const auto& [pid, text] : received) EXPECT_EQ(pid, main_pid) << text;
}

}  // namespace
}  // namespace vmuc
