// DlmsPassthrough: the gateway's DLMS/COSEM face for external tools (docs/dlms.md).
//
// A DLMS client on the network connects to the gateway and associates with any virtual
// meter, as through a real data concentrator's transparent mode:
//   - the IEC 62056-47 wrapper over TCP (default port 4059): the destination wPort of each
//     PDU is the meter's node address; the meter sees its own logical device (1);
//   - IEC 62056-46 HDLC over TCP (default port 4060): the HDLC link ends here, at the
//     gateway; the lower (physical) server address is the meter's node address, the upper
//     one its logical device; whole APDUs are relayed.
// Each wrapper connection, and each HDLC connection (SNRM to DISC) on a TCP connection, is
// one session: its APDUs go to the meter over the mesh in wrapper frames carrying the
// session id, and the meter's answers come back on it. The meter runs
// the association and its security; the gateway sees only ciphertext of HLS sessions.
//
// A connection that sends a malformed wrapper header or HDLC garbage is closed (the
// wrapper has no flag to resynchronise on) or the frame dropped (HDLC); nothing else is
// disturbed. Runs on one Asio io_context thread (the collector's loop); OnFrame must be
// called on it too.
#ifndef VMUC_GATEWAY_PASSTHROUGH_DLMS_PASSTHROUGH_H_
#define VMUC_GATEWAY_PASSTHROUGH_DLMS_PASSTHROUGH_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "common/asio.h"
#include "common/clock.h"
#include "common/frame.h"

namespace vmuc::gateway {

struct DlmsPassthroughOptions {
  std::string wrapper_listen;              // "host:port"; empty: off
  std::string hdlc_listen;                 // "host:port"; empty: off
  NodeAddress max_node = kMaxNodeAddress;  // node addresses 1..max_node are meters
  size_t max_connections = 64;             // further connections are closed at once
  // A connection silent this long is closed (IEC 62056-46 inactivity timeout; the same
  // for the wrapper, which has none of its own).
  std::chrono::seconds inactivity_timeout{120};
};

class DlmsPassthrough {
 public:
  // Sends a frame to the mesh; thread-safe (LinkClient::Send).
  using SendFrame = std::function<void(Frame)>;

  DlmsPassthrough(asio::io_context& io, DlmsPassthroughOptions options, SendFrame send,
                  const Clock& clock);
  ~DlmsPassthrough();
  DlmsPassthrough(const DlmsPassthrough&) = delete;
  DlmsPassthrough& operator=(const DlmsPassthrough&) = delete;

  // Binds the listeners and starts accepting; errors name the address. Call on the loop.
  absl::Status Start();
  // Closes the listeners and every connection. Call on the loop.
  void Stop();
  // A session frame (PayloadKind::kDlmsWrapper) from a meter.
  void OnFrame(const Frame& frame);

  uint16_t wrapper_port() const { return wrapper_port_; }
  uint16_t hdlc_port() const { return hdlc_port_; }
  size_t connections() const { return connections_.size(); }

 private:
  class Connection;
  class WrapperConnection;
  class HdlcConnection;
  friend class Connection;
  friend class WrapperConnection;
  friend class HdlcConnection;

  absl::StatusOr<uint16_t> Listen(const std::string& address,
                                  std::optional<asio::ip::tcp::acceptor>& acceptor);
  void Accept(asio::ip::tcp::acceptor& acceptor, bool hdlc);
  void Relay(uint64_t session, NodeAddress node, uint16_t client_sap, std::vector<uint8_t> apdu);
  // Closes a connection (by its id) and ends its relay sessions.
  void Close(uint64_t session);
  // A relay session for `connection` (an HDLC connection that came up), and its end.
  uint64_t NewRelaySession(uint64_t connection);
  void EndRelaySession(uint64_t session);

  asio::io_context& io_;
  const DlmsPassthroughOptions options_;
  const SendFrame send_;
  const Clock& clock_;
  std::optional<asio::ip::tcp::acceptor> wrapper_acceptor_;
  std::optional<asio::ip::tcp::acceptor> hdlc_acceptor_;
  uint16_t wrapper_port_ = 0;
  uint16_t hdlc_port_ = 0;
  uint64_t next_session_;
  std::map<uint64_t, std::shared_ptr<Connection>> connections_;  // by connection id
  std::map<uint64_t, uint64_t> relay_sessions_;                  // relay session -> connection id
};

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_PASSTHROUGH_DLMS_PASSTHROUGH_H_
