#include "gateway/passthrough/dlms_passthrough.h"

#include <spdlog/spdlog.h>

#include <array>
#include <deque>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/listen_address.h"
#include "dlms/hdlc_link.h"
#include "dlms/wrapper.h"

namespace vmuc::gateway {
namespace {

using asio::ip::tcp;

// The meter's logical device behind every node (meters/cosem/meter_dlms.h).
constexpr uint16_t kMeterLogicalDevice = 1;
// Largest APDU a client may send through the wrapper: the meters receive 1024-byte PDUs;
// room for ciphering overhead.
constexpr size_t kMaxWrapperApdu = 4096;

}  // namespace

// One client connection: reads, writes in order, and closes on silence.
class DlmsPassthrough::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(DlmsPassthrough& owner, tcp::socket socket, uint64_t session)
      : owner_(owner), socket_(std::move(socket)), idle_timer_(owner.io_), session_(session) {}
  virtual ~Connection() = default;

  void Start() {
    Touch();
    Read();
  }
  void Shutdown() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    idle_timer_.cancel();
  }
  // The connection's id; also its relay session unless the protocol starts new ones.
  uint64_t session() const { return session_; }
  // An APDU from meter `node` for this connection's client `client_sap`.
  virtual void Deliver(NodeAddress node, uint16_t client_sap, std::vector<uint8_t> apdu) = 0;

 protected:
  virtual void OnBytes(std::span<const uint8_t> bytes) = 0;

  void Write(std::vector<uint8_t> bytes) {
    if (bytes.empty()) return;
    const bool idle = queue_.empty();
    queue_.push_back(std::move(bytes));
    if (idle) WriteNext();
  }
  void Touch() {
    idle_timer_.expires_after(owner_.options_.inactivity_timeout);
    idle_timer_.async_wait([self = weak_from_this()](const boost::system::error_code& error) {
      auto connection = self.lock();
      if (error || !connection) return;
      spdlog::info("DLMS pass-through: session {} idle for {} s, closed", connection->session_,
                   connection->owner_.options_.inactivity_timeout.count());
      connection->owner_.Close(connection->session_);
    });
  }

  DlmsPassthrough& owner_;

 private:
  void Read() {
    socket_.async_read_some(
        asio::buffer(buffer_),
        [self = shared_from_this()](const boost::system::error_code& error, size_t n) {
          if (error) {
            self->owner_.Close(self->session_);
            return;
          }
          self->Touch();
          self->OnBytes(std::span<const uint8_t>(self->buffer_.data(), n));
          if (self->socket_.is_open()) self->Read();
        });
  }
  void WriteNext() {
    asio::async_write(socket_, asio::buffer(queue_.front()),
                      [self = shared_from_this()](const boost::system::error_code& error, size_t) {
                        if (error) {
                          self->owner_.Close(self->session_);
                          return;
                        }
                        self->queue_.pop_front();
                        if (!self->queue_.empty()) self->WriteNext();
                      });
  }

  tcp::socket socket_;
  asio::steady_timer idle_timer_;
  const uint64_t session_;
  std::array<uint8_t, 4096> buffer_{};
  std::deque<std::vector<uint8_t>> queue_;
};

// IEC 62056-47 over TCP: the destination wPort picks the meter.
class DlmsPassthrough::WrapperConnection final : public Connection {
 public:
  using Connection::Connection;

  void Deliver(NodeAddress node, uint16_t client_sap, std::vector<uint8_t> apdu) override {
    // The answer comes from the wPort the client addressed: the meter's node address.
    Write(dlms::EncodeWrapperPdu({.source_wport = static_cast<uint16_t>(node),
                                  .destination_wport = client_sap,
                                  .apdu = std::move(apdu)}));
  }

 protected:
  void OnBytes(std::span<const uint8_t> bytes) override {
    for (auto& pdu : deframer_.Feed(bytes)) {
      if (!pdu.ok()) {
        spdlog::warn("DLMS pass-through: session {}: {}; connection closed", session(),
                     pdu.status().ToString());
        owner_.Close(session());
        return;
      }
      const NodeAddress node = pdu->destination_wport;
      if (node == 0 || node > owner_.options_.max_node) {
        spdlog::debug("DLMS pass-through: session {}: no meter at wPort {}", session(), node);
        continue;
      }
      owner_.Relay(session(), node, pdu->source_wport, std::move(pdu->apdu));
    }
  }

 private:
  dlms::WrapperDeframer deframer_{dlms::WrapperDeframer::Options{kMaxWrapperApdu}};
};

// IEC 62056-46 over TCP: the HDLC link ends at the gateway; whole APDUs are relayed.
class DlmsPassthrough::HdlcConnection final : public Connection {
 public:
  HdlcConnection(DlmsPassthrough& owner, tcp::socket socket, uint64_t session)
      : Connection(owner, std::move(socket), session), link_(LinkOptions(owner)) {}

  void Deliver(NodeAddress node, uint16_t client_sap, std::vector<uint8_t> apdu) override {
    if (!link_.connected() || link_.server_address().lower != node ||
        link_.client_address().upper != client_sap) {
      return;  // an answer for a link that has since been reset
    }
    auto out = link_.SendApdu(apdu);
    if (out.ok()) Emit(std::move(*out));
  }

 protected:
  void OnBytes(std::span<const uint8_t> bytes) override {
    Emit(link_.OnBytes(bytes, owner_.clock_.Now()));
  }

 private:
  static dlms::HdlcServerLink::Options LinkOptions(const DlmsPassthrough& owner) {
    dlms::HdlcServerLink::Options options;
    const NodeAddress max_node = owner.options_.max_node;
    // The management logical device of any meter the mesh knows, by its physical address.
    options.accepts_server_address = [max_node](const dlms::HdlcAddress& address) {
      return address.upper == kMeterLogicalDevice && address.lower >= 1 &&
             address.lower <= max_node;
    };
    options.inactivity_timeout = owner.options_.inactivity_timeout;
    return options;
  }

  void Emit(dlms::HdlcLinkOutput out) {
    for (const absl::Status& error : out.errors) {
      spdlog::debug("DLMS pass-through: session {}: HDLC: {}", session(), error.ToString());
    }
    Write(out.Bytes());
    for (auto& event : out.events) {
      switch (event.kind) {
        case dlms::HdlcLinkEvent::Kind::kConnected:
          // Each HDLC connection (SNRM) is a session of its own at the meter: what was
          // associated on an earlier one is not carried over, as on a real meter whose
          // link went down (its associations there end by inactivity).
          link_session_ = owner_.NewRelaySession(session());
          break;
        case dlms::HdlcLinkEvent::Kind::kDisconnected:
          owner_.EndRelaySession(link_session_);
          link_session_ = 0;
          break;
        case dlms::HdlcLinkEvent::Kind::kApdu:
          // A UI frame outside a connection has no association to go to.
          if (link_session_ == 0 || !link_.connected()) break;
          owner_.Relay(link_session_, link_.server_address().lower, link_.client_address().upper,
                       std::move(event.apdu));
          break;
      }
    }
  }

  dlms::HdlcServerLink link_;
  uint64_t link_session_ = 0;  // the relay session of the HDLC connection up now
};

DlmsPassthrough::DlmsPassthrough(asio::io_context& io, DlmsPassthroughOptions options,
                                 SendFrame send, const Clock& clock)
    : io_(io),
      options_(std::move(options)),
      send_(std::move(send)),
      clock_(clock),
      // Sessions of an earlier run of the gateway may linger at the meters until their
      // inactivity timeout: start from a value no earlier run used.
      next_session_((static_cast<uint64_t>(ToUnixMicros(RealClock().Now())) << 8) | 1) {}

DlmsPassthrough::~DlmsPassthrough() = default;

absl::StatusOr<uint16_t> DlmsPassthrough::Listen(const std::string& address,
                                                 std::optional<tcp::acceptor>& acceptor) {
  auto parsed = ParseHostPort(address);
  if (!parsed.ok()) return parsed.status();
  if (parsed->host == "localhost") parsed->host = "127.0.0.1";
  boost::system::error_code error;
  const auto ip = asio::ip::make_address(parsed->host, error);
  if (error)
    return absl::InvalidArgumentError(absl::StrCat(address, ": bad host: ", error.message()));
  acceptor.emplace(io_);
  const tcp::endpoint endpoint(ip, parsed->port);
  acceptor->open(endpoint.protocol(), error);
  if (!error) acceptor->set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor->bind(endpoint, error);
  if (!error) acceptor->listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    acceptor.reset();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address, ": ", error.message()));
  }
  return acceptor->local_endpoint().port();
}

absl::Status DlmsPassthrough::Start() {
  if (!options_.wrapper_listen.empty()) {
    auto port = Listen(options_.wrapper_listen, wrapper_acceptor_);
    if (!port.ok()) return port.status();
    wrapper_port_ = *port;
    Accept(*wrapper_acceptor_, /*hdlc=*/false);
  }
  if (!options_.hdlc_listen.empty()) {
    auto port = Listen(options_.hdlc_listen, hdlc_acceptor_);
    if (!port.ok()) return port.status();
    hdlc_port_ = *port;
    Accept(*hdlc_acceptor_, /*hdlc=*/true);
  }
  return absl::OkStatus();
}

void DlmsPassthrough::Stop() {
  boost::system::error_code ignored;
  if (wrapper_acceptor_) wrapper_acceptor_->close(ignored);
  if (hdlc_acceptor_) hdlc_acceptor_->close(ignored);
  for (auto& [session, connection] : connections_) connection->Shutdown();
  connections_.clear();
  relay_sessions_.clear();
}

void DlmsPassthrough::Accept(tcp::acceptor& acceptor, bool hdlc) {
  acceptor.async_accept([this, &acceptor, hdlc](const boost::system::error_code& error,
                                                tcp::socket socket) {
    if (error) {
      if (error == asio::error::operation_aborted) return;
      spdlog::warn("DLMS pass-through: accept: {}", error.message());
    } else if (connections_.size() >= options_.max_connections) {
      spdlog::warn("DLMS pass-through: {} connections already; one refused", connections_.size());
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      const uint64_t session = next_session_++;
      std::shared_ptr<Connection> connection;
      if (hdlc) {
        connection = std::make_shared<HdlcConnection>(*this, std::move(socket), session);
      } else {
        connection = std::make_shared<WrapperConnection>(*this, std::move(socket), session);
      }
      connections_[session] = connection;
      if (!hdlc) relay_sessions_[session] = session;  // the wrapper: one per connection
      connection->Start();
    }
    if (acceptor.is_open()) Accept(acceptor, hdlc);
  });
}

void DlmsPassthrough::Relay(uint64_t session, NodeAddress node, uint16_t client_sap,
                            std::vector<uint8_t> apdu) {
  Frame frame;
  frame.source = kCollectorNode;
  frame.destination = node;
  frame.kind = PayloadKind::kDlmsWrapper;
  frame.session = session;
  frame.sent_at = clock_.Now();
  frame.payload = dlms::EncodeWrapperPdu({.source_wport = client_sap,
                                          .destination_wport = kMeterLogicalDevice,
                                          .apdu = std::move(apdu)});
  send_(std::move(frame));
}

uint64_t DlmsPassthrough::NewRelaySession(uint64_t connection) {
  const uint64_t session = next_session_++;
  relay_sessions_[session] = connection;
  return session;
}

void DlmsPassthrough::EndRelaySession(uint64_t session) { relay_sessions_.erase(session); }

void DlmsPassthrough::OnFrame(const Frame& frame) {
  auto relay = relay_sessions_.find(frame.session);
  if (relay == relay_sessions_.end()) return;  // the client or its link has gone
  auto it = connections_.find(relay->second);
  if (it == connections_.end()) return;
  auto pdu = dlms::DecodeWrapperPdu(frame.payload);
  if (!pdu.ok() || pdu->source_wport != kMeterLogicalDevice) {
    spdlog::warn("DLMS pass-through: meter {}: bad session frame: {}", frame.source,
                 pdu.ok() ? "not from the logical device" : pdu.status().ToString());
    return;
  }
  it->second->Deliver(frame.source, pdu->destination_wport, std::move(pdu->apdu));
}

void DlmsPassthrough::Close(uint64_t session) {
  auto it = connections_.find(session);
  if (it == connections_.end()) return;
  it->second->Shutdown();
  connections_.erase(it);
  std::erase_if(relay_sessions_, [session](const auto& entry) { return entry.second == session; });
}

}  // namespace vmuc::gateway
