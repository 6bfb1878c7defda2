#include "dlms/hdlc_link.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/check.h"
#include "common/strings.h"

namespace vmuc::dlms {
namespace {

// IEC 62056-46 6.4.4.4.3.2: each side takes the smaller of its own limit and what the
// peer offers; the peer's "receive" bounds what this side transmits and vice versa.
HdlcParameters Negotiate(const HdlcParameters& own, const HdlcParameters& peer) {
  return {.max_info_length_transmit =
              std::min(peer.max_info_length_receive, own.max_info_length_transmit),
          .max_info_length_receive =
              std::min(peer.max_info_length_transmit, own.max_info_length_receive),
          .window_size_transmit = std::min(peer.window_size_receive, own.window_size_transmit),
          .window_size_receive = std::min(peer.window_size_transmit, own.window_size_receive)};
}

// ISO/IEC 13239, FRMR information field: reason bits of its third byte.
constexpr uint8_t kFrameRejectInfoTooLong = 0x04;             // Y
constexpr uint8_t kFrameRejectInvalidReceiveSequence = 0x08;  // Z

using Llc = std::array<uint8_t, 3>;

uint8_t Add(uint8_t sequence, size_t n) { return static_cast<uint8_t>((sequence + n) & 0x07); }

// The first `max` bytes in hex, "E6 E7 00".
std::string HexPrefix(std::span<const uint8_t> bytes, size_t max) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < max; ++i) {
    absl::StrAppendFormat(&out, "%s%02X", i == 0 ? "" : " ", bytes[i]);
  }
  return out;
}

// Splits `llc` + `apdu` into information fields of at most `max_info` bytes.
void AppendSegments(const Llc& llc, std::span<const uint8_t> apdu, size_t max_info,
                    std::deque<HdlcSegment>& out) {
  std::vector<uint8_t> data(llc.begin(), llc.end());
  data.insert(data.end(), apdu.begin(), apdu.end());
  for (size_t at = 0; at < data.size(); at += max_info) {
    const size_t end = std::min(data.size(), at + max_info);
    out.push_back(HdlcSegment{std::vector<uint8_t>(data.begin() + static_cast<std::ptrdiff_t>(at),
                                                   data.begin() + static_cast<std::ptrdiff_t>(end)),
                              end < data.size()});
  }
}

// Adds one I frame's information to `reassembly`. Returns the whole data once the last
// segment (bit S clear) arrives; drops APDUs longer than `max_data` up to their end.
std::optional<std::vector<uint8_t>> Reassemble(const HdlcFrame& frame, size_t max_data,
                                               std::vector<uint8_t>& reassembly, bool& discarding,
                                               HdlcLinkOutput& out) {
  if (!discarding) {
    reassembly.insert(reassembly.end(), frame.info.begin(), frame.info.end());
    if (reassembly.size() > max_data) {
      out.errors.push_back(absl::InvalidArgumentError(
          absl::StrCat("HDLC: segmented APDU from ", frame.source.DebugString(), " longer than ",
                       max_data, " bytes with its LLC header; dropped")));
      discarding = true;
      reassembly.clear();
    }
  }
  if (frame.segmented) return std::nullopt;
  std::vector<uint8_t> data = std::move(reassembly);
  reassembly.clear();
  if (discarding) {
    discarding = false;
    return std::nullopt;
  }
  return data;
}

// IEC 62056-46, LLC sub-layer: strips `llc` and reports the APDU, or logs the data as
// refused.
void DeliverData(std::vector<uint8_t> data, const Llc& llc, const HdlcFrame& frame,
                 HdlcLinkOutput& out) {
  if (data.size() < llc.size() || !std::equal(llc.begin(), llc.end(), data.begin())) {
    out.errors.push_back(absl::InvalidArgumentError(
        absl::StrCat("HDLC: ", AsAbsl(HdlcFrameTypeName(frame.control.type)), " information from ",
                     frame.source.DebugString(), " starts with ",
                     data.empty() ? "nothing" : HexPrefix(data, llc.size()),
                     ", not the LLC header ", HexPrefix(llc, llc.size()), "; dropped")));
    return;
  }
  data.erase(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(llc.size()));
  out.events.push_back(HdlcLinkEvent{HdlcLinkEvent::Kind::kApdu, std::move(data)});
}

HdlcFrame MakeFrame(const HdlcAddress& destination, const HdlcAddress& source, HdlcControl control,
                    std::vector<uint8_t> info, bool segmented) {
  HdlcFrame frame;
  frame.destination = destination;
  frame.source = source;
  frame.control = control;
  frame.segmented = segmented;
  frame.info = std::move(info);
  return frame;
}

absl::Status ValidateLimits(uint32_t max_info_transmit, uint32_t max_info_receive,
                            uint32_t window_transmit, uint32_t window_receive,
                            const HdlcParameterWidths& widths, size_t max_frame_length) {
  for (uint32_t max_info : {max_info_transmit, max_info_receive}) {
    if (max_info < 1 || max_info > kHdlcMaxInfoLength) {
      return absl::InvalidArgumentError(absl::StrCat("maximum information field length ", max_info,
                                                     " outside 1..", kHdlcMaxInfoLength));
    }
  }
  for (uint32_t window : {window_transmit, window_receive}) {
    if (window < 1 || window > 7) {
      return absl::InvalidArgumentError(absl::StrCat("window size ", window, " outside 1..7"));
    }
  }
  for (uint8_t width : {widths.max_info_length, widths.window_size}) {
    if (width != 0 && width != 1 && width != 2 && width != 4) {
      return absl::InvalidArgumentError(
          absl::StrCat("HDLC parameter width ", width, " (0, 1, 2 or 4)"));
    }
  }
  if (widths.max_info_length == 1 && std::max(max_info_transmit, max_info_receive) > 0xFF) {
    return absl::InvalidArgumentError("maximum information field length does not fit 1 byte");
  }
  if (max_frame_length < 7) {
    return absl::InvalidArgumentError(absl::StrCat("max_frame_length ", max_frame_length));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<uint8_t> HdlcLinkOutput::Bytes() const {
  std::vector<uint8_t> out;
  for (const auto& frame : frames) out.insert(out.end(), frame.begin(), frame.end());
  return out;
}

std::vector<std::vector<uint8_t>> HdlcLinkOutput::Apdus() const {
  std::vector<std::vector<uint8_t>> out;
  for (const HdlcLinkEvent& event : events) {
    if (event.kind == HdlcLinkEvent::Kind::kApdu) out.push_back(event.apdu);
  }
  return out;
}

bool HdlcLinkOutput::Has(HdlcLinkEvent::Kind kind) const {
  return std::any_of(events.begin(), events.end(),
                     [kind](const HdlcLinkEvent& event) { return event.kind == kind; });
}

void HdlcLinkOutput::Append(HdlcLinkOutput other) {
  std::move(other.frames.begin(), other.frames.end(), std::back_inserter(frames));
  std::move(other.events.begin(), other.events.end(), std::back_inserter(events));
  std::move(other.errors.begin(), other.errors.end(), std::back_inserter(errors));
}

// ---------------------------------------------------------------------------------------
// hdlc_link_internal::HdlcTransferState

namespace hdlc_link_internal {

void HdlcTransferState::Clear() {
  send_state = 0;
  receive_state = 0;
  unacknowledged.clear();
  pending.clear();
  reassembly.clear();
  discarding = false;
  peer_busy = false;
}

bool HdlcTransferState::Acknowledge(uint8_t receive_sequence) {
  // N(R) - V(S) of the oldest unacknowledged frame, mod 8: how many of them N(R) covers.
  const uint8_t acknowledged = Add(receive_sequence, 8 - send_state);
  if (acknowledged > unacknowledged.size()) return false;
  unacknowledged.erase(unacknowledged.begin(), unacknowledged.begin() + acknowledged);
  send_state = receive_sequence;
  return true;
}

void HdlcTransferState::FillWindow(uint32_t window_size) {
  while (unacknowledged.size() < window_size && !pending.empty()) {
    unacknowledged.push_back(std::move(pending.front()));
    pending.pop_front();
  }
}

}  // namespace hdlc_link_internal

// ---------------------------------------------------------------------------------------
// HdlcServerLink

absl::Status HdlcServerLink::ValidateOptions(const Options& options) {
  if (options.inactivity_timeout < Duration::zero()) {
    return absl::InvalidArgumentError("negative inactivity timeout");
  }
  return ValidateLimits(options.max_info_length_transmit, options.max_info_length_receive,
                        options.window_size_transmit, options.window_size_receive,
                        options.parameter_widths, options.max_frame_length);
}

HdlcServerLink::HdlcServerLink(Options options)
    : options_(std::move(options)),
      deframer_(HdlcDeframer::Options{.max_frame_length = options_.max_frame_length}) {
  const absl::Status valid = ValidateOptions(options_);
  VMUC_CHECK(valid.ok(), "invalid HdlcServerLink options");
  if (!options_.accepts_server_address) {
    options_.accepts_server_address = [](const HdlcAddress& address) { return address.upper == 1; };
  }
}

HdlcLinkOutput HdlcServerLink::OnBytes(std::span<const uint8_t> bytes, TimePoint now) {
  HdlcLinkOutput out;
  CheckTimeout(now, out);
  for (auto& frame : deframer_.Feed(bytes)) {
    if (!frame.ok()) {
      out.errors.push_back(frame.status());
      continue;
    }
    HandleFrame(*frame, now, out);
  }
  return out;
}

HdlcLinkOutput HdlcServerLink::OnFrame(const HdlcFrame& frame, TimePoint now) {
  HdlcLinkOutput out;
  CheckTimeout(now, out);
  HandleFrame(frame, now, out);
  return out;
}

HdlcLinkOutput HdlcServerLink::OnTick(TimePoint now) {
  HdlcLinkOutput out;
  CheckTimeout(now, out);
  return out;
}

std::optional<TimePoint> HdlcServerLink::NextTimeout() const {
  if (state_ == State::kDisconnected || options_.inactivity_timeout == Duration::zero()) {
    return std::nullopt;
  }
  return last_activity_ + options_.inactivity_timeout;
}

absl::StatusOr<HdlcLinkOutput> HdlcServerLink::SendApdu(std::span<const uint8_t> apdu) {
  if (state_ != State::kConnected) {
    return absl::FailedPreconditionError(state_ == State::kDisconnected
                                             ? "HDLC: no connection to send the APDU on"
                                             : "HDLC: connection in frame reject condition");
  }
  AppendSegments(kLlcResponseHeader, apdu, parameters_.max_info_length_transmit, transfer_.pending);
  HdlcLinkOutput out;
  if (holding_poll_) SendWindow(out);
  return out;
}

HdlcLinkOutput HdlcServerLink::NoResponse() {
  HdlcLinkOutput out;
  if (holding_poll_) SendWindow(out);
  return out;
}

void HdlcServerLink::CheckTimeout(TimePoint now, HdlcLinkOutput& out) {
  if (state_ == State::kDisconnected || options_.inactivity_timeout == Duration::zero() ||
      now - last_activity_ < options_.inactivity_timeout) {
    return;
  }
  out.errors.push_back(absl::DeadlineExceededError(absl::StrCat(
      "HDLC inactivity time-out: nothing from client ", client_address_.DebugString(), " for ",
      std::chrono::duration_cast<std::chrono::seconds>(now - last_activity_).count(), " s")));
  Reset(out);
}

void HdlcServerLink::Reset(HdlcLinkOutput& out) {
  if (state_ != State::kDisconnected) {
    out.events.push_back(HdlcLinkEvent{HdlcLinkEvent::Kind::kDisconnected, {}});
  }
  state_ = State::kDisconnected;
  transfer_.Clear();
  holding_poll_ = false;
  frame_reject_info_.clear();
}

void HdlcServerLink::Reply(const HdlcFrame& to, HdlcControl control, std::vector<uint8_t> info,
                           HdlcLinkOutput& out) const {
  // The response goes back with the request's addresses swapped, in the forms it used.
  out.frames.push_back(
      EncodeHdlcFrame(MakeFrame(to.source, to.destination, control, std::move(info), false)));
}

void HdlcServerLink::Emit(const HdlcSegment& segment, uint8_t send_sequence, bool final,
                          HdlcLinkOutput& out) const {
  out.frames.push_back(
      EncodeHdlcFrame(MakeFrame(client_address_, server_address_,
                                HdlcControl::I(send_sequence, transfer_.receive_state, final),
                                segment.info, segment.segmented)));
}

void HdlcServerLink::HandleFrame(const HdlcFrame& frame, TimePoint now, HdlcLinkOutput& out) {
  if (!options_.accepts_server_address(frame.destination)) return;  // for another device
  const HdlcFrameType type = frame.control.type;
  const bool poll = frame.control.poll_final;
  switch (type) {
    case HdlcFrameType::kSnrm:
      HandleSnrm(frame, now, out);
      return;
    case HdlcFrameType::kUa:
    case HdlcFrameType::kDm:
    case HdlcFrameType::kFrmr:
      // A secondary station receives only commands (ISO/IEC 13239 NRM).
      out.errors.push_back(absl::InvalidArgumentError(
          absl::StrCat("HDLC: ignored ", AsAbsl(HdlcFrameTypeName(type)), " response from client ",
                       frame.source.DebugString())));
      return;
    default:
      break;
  }
  const bool ours = state_ != State::kDisconnected && frame.destination == server_address_ &&
                    frame.source == client_address_;
  if (ours) last_activity_ = now;
  if (type == HdlcFrameType::kUi) {
    HandleUi(frame, out);
    return;
  }
  if (!ours) {
    // Disconnected mode, for this pair of addresses at least.
    Reply(frame, HdlcControl::Unnumbered(HdlcFrameType::kDm, poll), {}, out);
    return;
  }
  if (type == HdlcFrameType::kDisc) {
    Reply(frame, HdlcControl::Unnumbered(HdlcFrameType::kUa, poll), {}, out);
    Reset(out);
    return;
  }
  if (state_ == State::kFrameReject) {
    // ISO/IEC 13239: the FRMR is repeated at each poll until SNRM or DISC.
    if (poll) {
      Reply(frame, HdlcControl::Unnumbered(HdlcFrameType::kFrmr, true), frame_reject_info_, out);
    }
    return;
  }
  if (type == HdlcFrameType::kI) {
    HandleInformation(frame, out);
    return;
  }
  // RR or RNR.
  if (!Acknowledge(frame, out)) return;
  transfer_.peer_busy = type == HdlcFrameType::kRnr;
  if (poll) SendWindow(out);
}

void HdlcServerLink::HandleSnrm(const HdlcFrame& frame, TimePoint now, HdlcLinkOutput& out) {
  auto proposal = DecodeHdlcParameters(frame.info);
  if (!proposal.ok()) {
    out.errors.push_back(proposal.status());
    Reply(frame, HdlcControl::Unnumbered(HdlcFrameType::kDm, frame.control.poll_final), {}, out);
    return;
  }
  // SNRM resets a connection that is up (ISO/IEC 13239): the association goes with it.
  Reset(out);
  parameters_ = Negotiate({.max_info_length_transmit = options_.max_info_length_transmit,
                           .max_info_length_receive = options_.max_info_length_receive,
                           .window_size_transmit = options_.window_size_transmit,
                           .window_size_receive = options_.window_size_receive},
                          *proposal);
  state_ = State::kConnected;
  server_address_ = frame.destination;
  client_address_ = frame.source;
  last_activity_ = now;
  Reply(frame, HdlcControl::Unnumbered(HdlcFrameType::kUa, frame.control.poll_final),
        EncodeHdlcParameters(parameters_, options_.parameter_widths), out);
  out.events.push_back(HdlcLinkEvent{HdlcLinkEvent::Kind::kConnected, {}});
}

void HdlcServerLink::HandleUi(const HdlcFrame& frame, HdlcLinkOutput& out) {
  if (frame.info.empty()) return;
  DeliverData(frame.info, kLlcRequestHeader, frame, out);
}

bool HdlcServerLink::Acknowledge(const HdlcFrame& frame, HdlcLinkOutput& out) {
  if (!transfer_.Acknowledge(frame.control.receive_sequence)) {
    out.errors.push_back(absl::InvalidArgumentError(absl::StrCat(
        "HDLC: ", frame.control.DebugString(), " from client ", frame.source.DebugString(),
        " acknowledges frames never sent (", transfer_.unacknowledged.size(),
        " outstanding from N(S)=", transfer_.send_state, ")")));
    SendFrameReject(frame, kFrameRejectInvalidReceiveSequence, out);
    return false;
  }
  return true;
}

void HdlcServerLink::HandleInformation(const HdlcFrame& frame, HdlcLinkOutput& out) {
  const bool poll = frame.control.poll_final;
  if (frame.info.size() > parameters_.max_info_length_receive) {
    out.errors.push_back(absl::InvalidArgumentError(absl::StrCat(
        "HDLC: I frame of ", frame.info.size(), " information bytes from client ",
        frame.source.DebugString(), ", ", parameters_.max_info_length_receive, " negotiated")));
    SendFrameReject(frame, kFrameRejectInfoTooLong, out);
    return;
  }
  if (!Acknowledge(frame, out)) return;
  if (frame.control.send_sequence != transfer_.receive_state) {
    // ISO/IEC 13239 go-back-N: drop it; the RR tells the client where to resume.
    out.errors.push_back(absl::InvalidArgumentError(
        absl::StrCat("HDLC: I frame N(S)=", frame.control.send_sequence, " from client ",
                     frame.source.DebugString(), " out of sequence, expected ",
                     transfer_.receive_state, "; dropped")));
    if (poll) {
      holding_poll_ = false;
      Reply(frame, HdlcControl::Rr(transfer_.receive_state, true), {}, out);
    }
    return;
  }
  transfer_.receive_state = Add(transfer_.receive_state, 1);
  bool delivered = false;
  if (auto data = Reassemble(frame, options_.max_apdu_length + kLlcRequestHeader.size(),
                             transfer_.reassembly, transfer_.discarding, out)) {
    const size_t before = out.events.size();
    DeliverData(std::move(*data), kLlcRequestHeader, frame, out);
    delivered = out.events.size() > before;
  }
  if (!poll) return;
  if (delivered && transfer_.unacknowledged.empty() && transfer_.pending.empty() &&
      !transfer_.peer_busy) {
    holding_poll_ = true;  // the response goes out with SendApdu or NoResponse
    return;
  }
  SendWindow(out);
}

void HdlcServerLink::SendWindow(HdlcLinkOutput& out) {
  holding_poll_ = false;
  auto receive_ready = [&] {
    out.frames.push_back(
        EncodeHdlcFrame(MakeFrame(client_address_, server_address_,
                                  HdlcControl::Rr(transfer_.receive_state, true), {}, false)));
  };
  if (transfer_.peer_busy) {
    receive_ready();
    return;
  }
  // Frames still unacknowledged at a poll were lost: repeat them (go-back-N), then fill
  // the window with new ones.
  transfer_.FillWindow(parameters_.window_size_transmit);
  if (transfer_.unacknowledged.empty()) {
    receive_ready();
    return;
  }
  for (size_t i = 0; i < transfer_.unacknowledged.size(); ++i) {
    Emit(transfer_.unacknowledged[i], Add(transfer_.send_state, i),
         i + 1 == transfer_.unacknowledged.size(), out);
  }
}

void HdlcServerLink::SendFrameReject(const HdlcFrame& frame, uint8_t reasons, HdlcLinkOutput& out) {
  // ISO/IEC 13239 FRMR information field: the rejected control field, then V(R), C/R (0:
  // the rejected frame was a command) and V(S), then the reason bits.
  const uint8_t next_send = Add(transfer_.send_state, transfer_.unacknowledged.size());
  frame_reject_info_ = {EncodeHdlcControl(frame.control),
                        static_cast<uint8_t>((transfer_.receive_state << 5) | (next_send << 1)),
                        reasons};
  state_ = State::kFrameReject;
  holding_poll_ = false;
  transfer_.pending.clear();
  if (frame.control.poll_final) {
    Reply(frame, HdlcControl::Unnumbered(HdlcFrameType::kFrmr, true), frame_reject_info_, out);
  }
}

// ---------------------------------------------------------------------------------------
// HdlcClientLink

absl::Status HdlcClientLink::ValidateOptions(const Options& options) {
  if (options.client_address.size != 1) {
    return absl::InvalidArgumentError("HDLC client address must be 1 byte");
  }
  if (absl::Status valid = ValidateHdlcAddress(options.client_address); !valid.ok()) {
    return valid;
  }
  if (absl::Status valid = ValidateHdlcAddress(options.server_address); !valid.ok()) {
    return valid;
  }
  const HdlcParameters& p = options.proposal;
  return ValidateLimits(p.max_info_length_transmit, p.max_info_length_receive,
                        p.window_size_transmit, p.window_size_receive, options.parameter_widths,
                        options.max_frame_length);
}

HdlcClientLink::HdlcClientLink(Options options)
    : options_(std::move(options)),
      deframer_(HdlcDeframer::Options{.max_frame_length = options_.max_frame_length}) {
  const absl::Status valid = ValidateOptions(options_);
  VMUC_CHECK(valid.ok(), "invalid HdlcClientLink options");
}

void HdlcClientLink::SendCommand(HdlcControl control, std::vector<uint8_t> info, bool segmented,
                                 HdlcLinkOutput& out) const {
  out.frames.push_back(EncodeHdlcFrame(MakeFrame(options_.server_address, options_.client_address,
                                                 control, std::move(info), segmented)));
}

absl::StatusOr<HdlcLinkOutput> HdlcClientLink::Connect() {
  if (state_ != State::kDisconnected) {
    return absl::FailedPreconditionError("HDLC: Connect while not disconnected");
  }
  HdlcLinkOutput out;
  state_ = State::kConnecting;
  SendCommand(HdlcControl::Unnumbered(HdlcFrameType::kSnrm, true),
              options_.propose_parameters
                  ? EncodeHdlcParameters(options_.proposal, options_.parameter_widths)
                  : std::vector<uint8_t>{},
              false, out);
  awaiting_final_ = true;
  return out;
}

absl::StatusOr<HdlcLinkOutput> HdlcClientLink::Disconnect() {
  if (state_ == State::kDisconnected) {
    return absl::FailedPreconditionError("HDLC: Disconnect while disconnected");
  }
  HdlcLinkOutput out;
  state_ = State::kDisconnecting;
  transfer_.pending.clear();
  SendCommand(HdlcControl::Unnumbered(HdlcFrameType::kDisc, true), {}, false, out);
  awaiting_final_ = true;
  return out;
}

absl::StatusOr<HdlcLinkOutput> HdlcClientLink::SendApdu(std::span<const uint8_t> apdu) {
  if (state_ != State::kConnected) {
    return absl::FailedPreconditionError("HDLC: no connection to send the APDU on");
  }
  AppendSegments(kLlcRequestHeader, apdu, parameters_.max_info_length_transmit, transfer_.pending);
  HdlcLinkOutput out;
  SendWindow(out);
  return out;
}

absl::StatusOr<HdlcLinkOutput> HdlcClientLink::Poll() {
  if (state_ != State::kConnected) {
    return absl::FailedPreconditionError("HDLC: no connection to poll");
  }
  HdlcLinkOutput out;
  SendCommand(HdlcControl::Rr(transfer_.receive_state, true), {}, false, out);
  awaiting_final_ = true;
  return out;
}

HdlcLinkOutput HdlcClientLink::OnBytes(std::span<const uint8_t> bytes) {
  HdlcLinkOutput out;
  for (auto& frame : deframer_.Feed(bytes)) {
    if (!frame.ok()) {
      out.errors.push_back(frame.status());
      continue;
    }
    out.Append(OnFrame(*frame));
  }
  return out;
}

HdlcLinkOutput HdlcClientLink::OnFrame(const HdlcFrame& frame) {
  HdlcLinkOutput out;
  if (frame.destination != options_.client_address || frame.source != options_.server_address) {
    return out;  // another station's frame
  }
  const HdlcFrameType type = frame.control.type;
  if (type == HdlcFrameType::kUi) {  // a push, in or out of a connection
    if (!frame.info.empty()) DeliverData(frame.info, kLlcResponseHeader, frame, out);
    return out;
  }
  auto unexpected = [&] {
    out.errors.push_back(
        absl::InvalidArgumentError(absl::StrCat("HDLC: unexpected ", frame.control.DebugString(),
                                                " from server ", frame.source.DebugString())));
  };
  switch (state_) {
    case State::kDisconnected:
      unexpected();
      return out;
    case State::kConnecting:
      if (type == HdlcFrameType::kUa) {
        HandleUa(frame, out);
      } else if (type == HdlcFrameType::kDm) {
        out.errors.push_back(absl::UnavailableError(absl::StrCat(
            "HDLC: server ", frame.source.DebugString(), " refused the connection (DM)")));
        Reset(out);
      } else {
        unexpected();
      }
      return out;
    case State::kDisconnecting:
      if (type == HdlcFrameType::kUa || type == HdlcFrameType::kDm) {
        Reset(out);
      } else {
        unexpected();
      }
      return out;
    case State::kConnected:
      break;
  }
  switch (type) {
    case HdlcFrameType::kI:
      HandleInformation(frame, out);
      break;
    case HdlcFrameType::kRr:
    case HdlcFrameType::kRnr:
      HandleSupervisory(frame, out);
      break;
    case HdlcFrameType::kDm:
      out.errors.push_back(absl::UnavailableError(absl::StrCat(
          "HDLC: server ", frame.source.DebugString(), " is in disconnected mode (DM)")));
      Reset(out);
      break;
    case HdlcFrameType::kFrmr:
      out.errors.push_back(absl::UnavailableError(
          absl::StrCat("HDLC: server ", frame.source.DebugString(), " rejected a frame (FRMR ",
                       HexPrefix(frame.info, 3), ")")));
      Reset(out);
      break;
    default:
      unexpected();
      break;
  }
  return out;
}

void HdlcClientLink::HandleUa(const HdlcFrame& frame, HdlcLinkOutput& out) {
  auto granted = DecodeHdlcParameters(frame.info);
  if (!granted.ok()) {
    out.errors.push_back(granted.status());
    Reset(out);
    return;
  }
  // Without a proposal the client is held to the defaults too.
  parameters_ =
      Negotiate(options_.propose_parameters ? options_.proposal : HdlcParameters{}, *granted);
  state_ = State::kConnected;
  transfer_.send_state = 0;
  transfer_.receive_state = 0;
  awaiting_final_ = false;
  out.events.push_back(HdlcLinkEvent{HdlcLinkEvent::Kind::kConnected, {}});
}

bool HdlcClientLink::Acknowledge(const HdlcFrame& frame, HdlcLinkOutput& out) {
  if (!transfer_.Acknowledge(frame.control.receive_sequence)) {
    out.errors.push_back(absl::InvalidArgumentError(
        absl::StrCat("HDLC: ", frame.control.DebugString(), " from server ",
                     frame.source.DebugString(), " acknowledges frames never sent; dropped")));
    return false;
  }
  return true;
}

void HdlcClientLink::HandleInformation(const HdlcFrame& frame, HdlcLinkOutput& out) {
  if (!Acknowledge(frame, out)) return;
  if (frame.control.send_sequence == transfer_.receive_state) {
    transfer_.receive_state = Add(transfer_.receive_state, 1);
    if (auto data = Reassemble(frame, options_.max_apdu_length + kLlcResponseHeader.size(),
                               transfer_.reassembly, transfer_.discarding, out)) {
      DeliverData(std::move(*data), kLlcResponseHeader, frame, out);
    }
  } else {
    missed_frame_ = true;
    out.errors.push_back(absl::InvalidArgumentError(
        absl::StrCat("HDLC: I frame N(S)=", frame.control.send_sequence, " from server ",
                     frame.source.DebugString(), " out of sequence, expected ",
                     transfer_.receive_state, "; dropped")));
  }
  if (!frame.control.poll_final) return;  // more of this window follows
  awaiting_final_ = false;
  if (frame.segmented || !transfer_.reassembly.empty() || transfer_.discarding || missed_frame_) {
    // IEC 62056-46: the reader of a segmented response polls the next window with RR,
    // whose N(R) also asks for anything lost to be repeated.
    missed_frame_ = false;
    SendCommand(HdlcControl::Rr(transfer_.receive_state, true), {}, false, out);
    awaiting_final_ = true;
    return;
  }
  SendWindow(out);
}

void HdlcClientLink::HandleSupervisory(const HdlcFrame& frame, HdlcLinkOutput& out) {
  if (!Acknowledge(frame, out)) return;
  transfer_.peer_busy = frame.control.type == HdlcFrameType::kRnr;
  if (!frame.control.poll_final) return;
  awaiting_final_ = false;
  SendWindow(out);
}

void HdlcClientLink::SendWindow(HdlcLinkOutput& out) {
  if (state_ != State::kConnected || awaiting_final_ || transfer_.peer_busy) return;
  // Frames still unacknowledged when the poll came back were lost: repeat them
  // (go-back-N), then fill the window.
  transfer_.FillWindow(parameters_.window_size_transmit);
  if (transfer_.unacknowledged.empty()) return;
  for (size_t i = 0; i < transfer_.unacknowledged.size(); ++i) {
    const HdlcSegment& segment = transfer_.unacknowledged[i];
    const bool last = i + 1 == transfer_.unacknowledged.size();
    SendCommand(HdlcControl::I(Add(transfer_.send_state, i), transfer_.receive_state, last),
                segment.info, segment.segmented, out);
  }
  awaiting_final_ = true;
}

void HdlcClientLink::Reset(HdlcLinkOutput& out) {
  if (state_ != State::kDisconnected) {
    out.events.push_back(HdlcLinkEvent{HdlcLinkEvent::Kind::kDisconnected, {}});
  }
  state_ = State::kDisconnected;
  transfer_.Clear();
  awaiting_final_ = false;
  missed_frame_ = false;
}

}  // namespace vmuc::dlms
