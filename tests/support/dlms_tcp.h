// A DLMS client's TCP side for tests and benchmarks: a blocking loopback connection and
// the IEC 62056-47 wrapper transport over it (the destination wPort names the meter, as
// the gateway's pass-through expects). Header-only; one thread uses an object.
#ifndef VMUC_TESTS_SUPPORT_DLMS_TCP_H_
#define VMUC_TESTS_SUPPORT_DLMS_TCP_H_

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "dlms/cosem_client.h"
#include "dlms/wrapper.h"

namespace vmuc::testing {

class TcpConnection {
 public:
  // To 127.0.0.1:port; TCP_NODELAY, since a DLMS client writes one PDU and waits.
  static absl::StatusOr<TcpConnection> Open(uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return absl::UnavailableError("socket failed");
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      ::close(fd);
      return absl::UnavailableError(absl::StrCat("cannot connect to 127.0.0.1:", port));
    }
    return TcpConnection(fd);
  }
  TcpConnection(TcpConnection&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), timeout_(other.timeout_) {}
  TcpConnection& operator=(TcpConnection&&) = delete;
  ~TcpConnection() {
    if (fd_ >= 0) ::close(fd_);
  }

  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

  absl::Status Write(std::span<const uint8_t> bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return absl::UnavailableError("send failed");
      done += static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }
  // Some bytes into `buffer`, or an error after the timeout or at the end of the stream.
  absl::StatusOr<std::span<const uint8_t>> ReadSome(std::vector<uint8_t>& buffer) {
    pollfd wait{fd_, POLLIN, 0};
    if (::poll(&wait, 1, static_cast<int>(timeout_.count())) <= 0) {
      return absl::DeadlineExceededError("no answer within the timeout");
    }
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (n <= 0) return absl::UnavailableError("connection closed");
    return std::span<const uint8_t>(buffer.data(), static_cast<size_t>(n));
  }

 private:
  explicit TcpConnection(int fd) : fd_(fd) {}
  int fd_;
  std::chrono::milliseconds timeout_{10'000};
};

// IEC 62056-47 over TCP. Counts the bytes on the wire (headers included) both ways and
// keeps the last request, so a test can replay it.
class WrapperTcpTransport : public dlms::ClientTransport {
 public:
  WrapperTcpTransport(TcpConnection connection, uint16_t client_sap, uint16_t destination_wport)
      : connection_(std::move(connection)),
        client_sap_(client_sap),
        destination_(destination_wport),
        buffer_(64 * 1024) {}

  absl::StatusOr<std::vector<uint8_t>> Exchange(std::span<const uint8_t> request) override {
    last_request_.assign(request.begin(), request.end());
    const std::vector<uint8_t> pdu = dlms::EncodeWrapperPdu(
        {.source_wport = client_sap_, .destination_wport = destination_, .apdu = last_request_});
    if (auto status = connection_.Write(pdu); !status.ok()) return status;
    bytes_sent_ += pdu.size();
    while (true) {
      auto bytes = connection_.ReadSome(buffer_);
      if (!bytes.ok()) return bytes.status();
      bytes_received_ += bytes->size();
      for (auto& answer : deframer_.Feed(*bytes)) {
        if (!answer.ok()) return answer.status();
        if (answer->source_wport != destination_ || answer->destination_wport != client_sap_) {
          return absl::DataLossError("answer with the wrong wPorts");
        }
        // One request, one answer: the client never pipelines.
        if (deframer_.buffered() != 0) return absl::DataLossError("bytes after the answer");
        return std::move(answer->apdu);
      }
    }
  }
  const std::vector<uint8_t>& last_request() const { return last_request_; }
  uint64_t bytes_sent() const { return bytes_sent_; }
  uint64_t bytes_received() const { return bytes_received_; }

 private:
  TcpConnection connection_;
  uint16_t client_sap_;
  uint16_t destination_;
  dlms::WrapperDeframer deframer_;
  std::vector<uint8_t> buffer_;
  std::vector<uint8_t> last_request_;
  uint64_t bytes_sent_ = 0;
  uint64_t bytes_received_ = 0;
};

}  // namespace vmuc::testing

#endif  // VMUC_TESTS_SUPPORT_DLMS_TCP_H_
