// HDLC connection state machines of IEC 62056-46 (normal response mode, ISO/IEC 13239):
// HdlcServerLink, the secondary station a meter (or the gateway's DLMS port) runs for each
// byte stream, and HdlcClientLink, the primary station of vmuc's own DLMS client.
//
// Both are pure: no sockets, threads or clock reads. The transport edge feeds received
// bytes (or decoded frames) with the current time, writes the frames each call returns,
// and hands the events (connection up, APDU, connection down) to the application layer in
// order; the application answers with SendApdu. Time only matters to the server's
// inactivity timeout, checked on every input and by OnTick.
//
// What the links do (IEC 62056-46, data link layer):
//  - SNRM / UA set the connection up, negotiating the maximum information field lengths
//    and window sizes (6.4.4.4.3.2): each side takes the smaller of what it proposes and
//    what the peer accepts; absent parameters mean 128 bytes and window 1.
//  - APDUs travel in I frames behind the LLC header (E6 E6 00 towards the server, E6 E7 00
//    back) and are split into frames of at most the negotiated length with bit S set on
//    all but the last. The sender sends up to the window with P/F on the last frame, then
//    waits for the peer's RR (or its next I frame) before the next ones; a reader of a long
//    response polls each window with RR.
//  - Sequence errors are recovered go-back-N: a poll whose N(R) leaves frames
//    unacknowledged makes the sender repeat them; an out-of-sequence I frame is dropped
//    and answered with RR carrying the expected N(R).
//  - UI frames carry unsolicited APDUs (pushes), in and out of a connection.
//
// A link belongs to one connection and is used by one thread (or actor).
#ifndef VMUC_DLMS_HDLC_LINK_H_
#define VMUC_DLMS_HDLC_LINK_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/time.h"
#include "dlms/hdlc.h"

namespace vmuc::dlms {

struct HdlcLinkEvent {
  enum class Kind {
    kConnected,     // the connection came up (server: SNRM accepted; client: UA received)
    kApdu,          // a complete APDU, LLC header stripped, in `apdu`
    kDisconnected,  // the connection went down (or, client: Connect was refused)
  };
  Kind kind = Kind::kApdu;
  std::vector<uint8_t> apdu = {};

  friend bool operator==(const HdlcLinkEvent&, const HdlcLinkEvent&) = default;
};

// What one call into a link produced.
struct HdlcLinkOutput {
  // Encoded frames (each with both flags) to write to the peer, in order.
  std::vector<std::vector<uint8_t>> frames;
  // What the application layer must see, in the order it happened.
  std::vector<HdlcLinkEvent> events;
  // What went wrong (a frame dropped for a bad FCS or an unknown LLC header, an inactivity
  // time-out ...): for the log only, the link has already acted on it.
  std::vector<absl::Status> errors;

  // All frames, concatenated for a stream write.
  std::vector<uint8_t> Bytes() const;
  // The APDUs among the events.
  std::vector<std::vector<uint8_t>> Apdus() const;
  bool Has(HdlcLinkEvent::Kind kind) const;
  // Appends `other` after this output.
  void Append(HdlcLinkOutput other);
};

// One information field of an outgoing APDU, waiting to be sent or acknowledged.
struct HdlcSegment {
  std::vector<uint8_t> info = {};
  bool segmented = false;  // bit S: more of the same APDU follows
};

namespace hdlc_link_internal {

// The sequence and transfer state of one HDLC connection, the same on either end
// (ISO/IEC 13239 NRM, go-back-N): what both link classes hold and reset alike. Each link
// keeps its own reaction to an invalid N(R) (the server's frame reject, the client's drop).
struct HdlcTransferState {
  uint8_t send_state = 0;                  // V(S) of the oldest unacknowledged frame
  uint8_t receive_state = 0;               // V(R): the N(S) expected next
  std::deque<HdlcSegment> unacknowledged;  // sent, oldest first
  std::deque<HdlcSegment> pending;         // not sent yet
  std::vector<uint8_t> reassembly;         // the information of a segmented APDU so far
  bool discarding = false;                 // dropping the rest of an over-long APDU
  bool peer_busy = false;                  // the peer sent RNR

  // Back to a fresh connection: sequences at 0, nothing outstanding or half received.
  void Clear();
  // Applies the peer's N(R): drops the frames it acknowledges and makes it V(S). False,
  // with nothing changed, when it acknowledges frames never sent.
  bool Acknowledge(uint8_t receive_sequence);
  // Moves pending segments behind the unacknowledged ones until `window_size` frames are
  // outstanding (the negotiated transmit window) or none are left.
  void FillWindow(uint32_t window_size);
};

}  // namespace hdlc_link_internal

// The secondary station. It answers only when polled, holding the poll while the
// application prepares the response to a complete request: every APDU event that came from
// an I frame with P set must be answered with SendApdu, or with NoResponse when the
// request has none (an unconfirmed service), or the client waits until its own timeout.
//
// Replies go to the request's source from its destination, in the address forms the
// client used. Frames to addresses the options do not accept are ignored. SNRM always
// (re)starts the connection (kDisconnected first if one was up); DISC is answered with UA,
// or with DM when that client is not connected, as is every other command in
// disconnected mode except UI. An information field longer than negotiated, or an N(R)
// acknowledging frames never sent, puts the link in the frame reject condition: FRMR at
// every poll until SNRM or DISC. Responses (UA, DM, FRMR) from the client are logged and
// ignored.
class HdlcServerLink {
 public:
  struct Options {
    // Decides which destination addresses this link answers to; frames to others are
    // ignored (another device on the same line). Default: upper HDLC address 1, the
    // management logical device, with any lower address.
    std::function<bool(const HdlcAddress&)> accepts_server_address = nullptr;
    // This side's limits (1..kHdlcMaxInfoLength bytes, windows 1..7); the UA grants the
    // smaller of these and the client's proposal.
    uint32_t max_info_length_transmit = 1024;
    uint32_t max_info_length_receive = 1024;
    uint32_t window_size_transmit = 1;
    uint32_t window_size_receive = 1;
    // How the UA writes the parameters (default: like the reference UA).
    HdlcParameterWidths parameter_widths = {};
    // IEC 62056-46 inactivity time-out: the connection drops after this long without a
    // valid frame from the client. Zero disables it.
    Duration inactivity_timeout = std::chrono::seconds(120);
    // Frames longer than this (bytes between flags) are dropped by the deframer.
    size_t max_frame_length = 2048;
    // Longest APDU reassembled from segments; longer ones are dropped with an error.
    size_t max_apdu_length = 65535;
  };

  // InvalidArgument naming the first option out of range.
  static absl::Status ValidateOptions(const Options& options);

  // Aborts on options ValidateOptions refuses.
  explicit HdlcServerLink(Options options);

  // Received bytes, in any chunking; frames with a bad FCS/HCS and other garbage become
  // errors and are otherwise ignored.
  HdlcLinkOutput OnBytes(std::span<const uint8_t> bytes, TimePoint now);
  // One decoded frame (a transport that frames by itself).
  HdlcLinkOutput OnFrame(const HdlcFrame& frame, TimePoint now);
  // Sends `apdu` to the connected client: at once when holding the poll, else at the next
  // poll. FailedPrecondition when no connection is up.
  absl::StatusOr<HdlcLinkOutput> SendApdu(std::span<const uint8_t> apdu);
  // The last request needs no response: gives the poll back with RR if held.
  HdlcLinkOutput NoResponse();
  // Drops the connection when the inactivity timeout has passed.
  HdlcLinkOutput OnTick(TimePoint now);
  // When OnTick should run next; nullopt while no timeout is pending.
  std::optional<TimePoint> NextTimeout() const;

  bool connected() const { return state_ != State::kDisconnected; }
  // The connection's addresses, as the client used them (valid while connected).
  const HdlcAddress& server_address() const { return server_address_; }
  const HdlcAddress& client_address() const { return client_address_; }
  // What the UA granted, from the server's point of view (transmit: what it sends).
  const HdlcParameters& parameters() const { return parameters_; }

 private:
  enum class State { kDisconnected, kConnected, kFrameReject };

  void HandleFrame(const HdlcFrame& frame, TimePoint now, HdlcLinkOutput& out);
  void HandleSnrm(const HdlcFrame& frame, TimePoint now, HdlcLinkOutput& out);
  void HandleInformation(const HdlcFrame& frame, HdlcLinkOutput& out);
  void HandleUi(const HdlcFrame& frame, HdlcLinkOutput& out);
  // Applies N(R); false (and FRMR sent) when it acknowledges frames never sent.
  bool Acknowledge(const HdlcFrame& frame, HdlcLinkOutput& out);
  // Answers a poll: repeats unacknowledged frames, sends new ones up to the window, or RR.
  void SendWindow(HdlcLinkOutput& out);
  void SendFrameReject(const HdlcFrame& frame, uint8_t reasons, HdlcLinkOutput& out);
  void Reply(const HdlcFrame& to, HdlcControl control, std::vector<uint8_t> info,
             HdlcLinkOutput& out) const;
  void CheckTimeout(TimePoint now, HdlcLinkOutput& out);
  // Back to disconnected mode; reports kDisconnected if a connection was up.
  void Reset(HdlcLinkOutput& out);
  void Emit(const HdlcSegment& segment, uint8_t send_sequence, bool final,
            HdlcLinkOutput& out) const;

  Options options_;
  HdlcDeframer deframer_;
  State state_ = State::kDisconnected;
  HdlcAddress server_address_;
  HdlcAddress client_address_;
  HdlcParameters parameters_;
  TimePoint last_activity_{};
  hdlc_link_internal::HdlcTransferState transfer_;  // peer_busy: the client sent RNR
  bool holding_poll_ = false;
  std::vector<uint8_t> frame_reject_info_;
};

// The primary station: it connects, sends requests and polls for the segments of long
// responses. It has no timers: a caller that waits too long for a response calls Poll (or
// gives up and disconnects).
class HdlcClientLink {
 public:
  struct Options {
    HdlcAddress client_address = HdlcAddress::Client(16);
    HdlcAddress server_address = HdlcAddress::Server(1);
    // Whether SNRM carries a parameter proposal; without one both sides keep the defaults
    // (128 bytes, window 1), which also caps what the client accepts from the UA.
    bool propose_parameters = true;
    // What the client proposes, from its own point of view.
    HdlcParameters proposal = {};
    HdlcParameterWidths parameter_widths = {};
    size_t max_frame_length = 2048;
    size_t max_apdu_length = 65535;
  };

  enum class State { kDisconnected, kConnecting, kConnected, kDisconnecting };

  // InvalidArgument naming the first option out of range.
  static absl::Status ValidateOptions(const Options& options);
  // Aborts on options ValidateOptions refuses.
  explicit HdlcClientLink(Options options);

  // SNRM; kConnected follows with the UA. FailedPrecondition unless disconnected.
  absl::StatusOr<HdlcLinkOutput> Connect();
  // DISC; kDisconnected follows with the UA (or DM). FailedPrecondition when already
  // disconnected.
  absl::StatusOr<HdlcLinkOutput> Disconnect();
  // Sends `apdu` behind E6 E6 00: at once unless a poll is outstanding, else when the
  // server's final frame comes back. FailedPrecondition unless connected.
  absl::StatusOr<HdlcLinkOutput> SendApdu(std::span<const uint8_t> apdu);
  // RR with P: asks the server for whatever it holds (after a response timeout).
  // FailedPrecondition unless connected.
  absl::StatusOr<HdlcLinkOutput> Poll();

  // Received bytes or a decoded frame. Frames not from options.server_address to
  // options.client_address are ignored; UI frames are delivered as APDUs in any state; DM
  // or FRMR from the server ends the connection (kDisconnected, with the reason logged).
  HdlcLinkOutput OnBytes(std::span<const uint8_t> bytes);
  HdlcLinkOutput OnFrame(const HdlcFrame& frame);

  State state() const { return state_; }
  // What the UA granted, from the client's point of view (transmit: what it sends).
  const HdlcParameters& parameters() const { return parameters_; }

 private:
  void HandleInformation(const HdlcFrame& frame, HdlcLinkOutput& out);
  void HandleSupervisory(const HdlcFrame& frame, HdlcLinkOutput& out);
  void HandleUa(const HdlcFrame& frame, HdlcLinkOutput& out);
  bool Acknowledge(const HdlcFrame& frame, HdlcLinkOutput& out);
  // Sends what may be sent now: repeats, then new frames up to the window, P on the last.
  void SendWindow(HdlcLinkOutput& out);
  void SendCommand(HdlcControl control, std::vector<uint8_t> info, bool segmented,
                   HdlcLinkOutput& out) const;
  void Reset(HdlcLinkOutput& out);

  Options options_;
  HdlcDeframer deframer_;
  State state_ = State::kDisconnected;
  HdlcParameters parameters_;
  hdlc_link_internal::HdlcTransferState transfer_;  // peer_busy: the server sent RNR
  bool awaiting_final_ = false;  // a frame with P went out, its F has not come back
  bool missed_frame_ = false;    // an I frame out of sequence since the last poll
};

}  // namespace vmuc::dlms

#endif  // VMUC_DLMS_HDLC_LINK_H_
