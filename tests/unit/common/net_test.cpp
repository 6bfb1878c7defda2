// The socket helpers against real loopback listeners.
#include "common/net.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"

namespace vmuc {
namespace {

// A listening TCP socket on 127.0.0.1, closed on destruction.
class LoopbackListener {
 public:
  LoopbackListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    port_ = ntohs(address.sin_port);
  }
  ~LoopbackListener() { ::close(fd_); }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

TEST(NetTest, PickFreeLoopbackPortGivesABindablePort) {
  auto port = PickFreeLoopbackPort();
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_GT(*port, 0);
}

TEST(NetTest, ProbeSeesAListenerInEveryAddressForm) {
  LoopbackListener listener;
  const std::string port = std::to_string(listener.port());
  EXPECT_TRUE(ProbeStreamListener("127.0.0.1:" + port).ok());
  EXPECT_TRUE(ProbeStreamListener("tcp://127.0.0.1:" + port).ok());
  EXPECT_TRUE(ProbeStreamListener("localhost:" + port).ok());
}

TEST(NetTest, ProbeRefusedWhereNothingListens) {
  auto port = PickFreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  const absl::Status status = ProbeStreamListener(absl::StrCat("127.0.0.1:", *port));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(status.message().find(absl::StrCat("127.0.0.1:", *port)), std::string::npos) << status;
}

TEST(NetTest, ProbeSeesAUnixSocketListener) {
  const std::string path = ::testing::TempDir() + "/net_test.sock";
  std::filesystem::remove(path);
  const std::string address = "unix:" + path;
  EXPECT_FALSE(ProbeStreamListener(address).ok());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un unix_address{};
  unix_address.sun_family = AF_UNIX;
  path.copy(unix_address.sun_path, path.size());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&unix_address), sizeof(unix_address)), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  EXPECT_TRUE(ProbeStreamListener(address).ok());
  ::close(fd);
  std::filesystem::remove(path);
}

TEST(NetTest, ProbeNamesAMalformedAddress) {
  const absl::Status status = ProbeStreamListener("no-port-here");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("no-port-here"), std::string::npos) << status;
}

}  // namespace
}  // namespace vmuc
