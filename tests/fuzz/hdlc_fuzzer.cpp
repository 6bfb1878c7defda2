// libFuzzer target: the HDLC codec and link state machines (dlms/hdlc.h, dlms/hdlc_link.h).
// The input is a raw byte stream, as a serial line or TCP connection delivers it.
//
// Oracles:
//  - DecodeHdlcFrame / DecodeHdlcParameters: what decodes re-encodes to bytes that decode
//    to the same value (for a frame: to the very input, EncodeHdlcFrame's form is the only
//    one, there being no byte stuffing);
//  - HdlcDeframer: the stream gives the same frames and errors whether it arrives whole or
//    byte by byte, and never holds more than max_frame_length + 2 bytes;
//  - HdlcServerLink / HdlcClientLink fed the stream in uneven chunks, answering every
//    APDU: every frame they write decodes, and no I frame carries more than was
//    negotiated. IEC 62056-46 leaves them no other way out of garbage than an error, a
//    FRMR/DM or a clean disconnect.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "common/check.h"
#include "common/time.h"
#include "dlms/hdlc.h"
#include "dlms/hdlc_link.h"

namespace vmuc::dlms {
namespace {

using Frames = std::vector<absl::StatusOr<HdlcFrame>>;

// Chunk sizes the links are fed in, cycled: single bytes, part frames, several frames.
constexpr std::array<size_t, 6> kChunks = {1, 7, 3, 64, 2, 1000};

bool SameResults(const Frames& a, const Frames& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].ok() != b[i].ok()) return false;
    if (a[i].ok() ? !(*a[i] == *b[i]) : a[i].status() != b[i].status()) return false;
  }
  return true;
}

void CheckDeframer(std::span<const uint8_t> input) {
  HdlcDeframer::Options options;
  options.max_frame_length = 256;  // small, so that the limit is reached
  HdlcDeframer whole(options);
  const Frames at_once = whole.Feed(input);
  HdlcDeframer bytewise(options);
  Frames one_by_one;
  for (size_t i = 0; i < input.size(); ++i) {
    for (auto& result : bytewise.Feed(input.subspan(i, 1))) one_by_one.push_back(std::move(result));
    VMUC_CHECK(bytewise.buffered() <= options.max_frame_length + 2,
               "HdlcDeframer holds more than max_frame_length + 2 bytes");
  }
  VMUC_CHECK(whole.buffered() == bytewise.buffered(), "deframers buffer differently");
  VMUC_CHECK(SameResults(at_once, one_by_one), "HdlcDeframer depends on the chunking");
  for (const auto& frame : at_once) {
    if (frame.ok()) (void)frame->DebugString();
  }
}

// Every frame a link writes must be one its peer can decode.
void CheckOutput(const HdlcLinkOutput& out, uint32_t max_info_transmit) {
  for (const auto& bytes : out.frames) {
    auto frame = DecodeHdlcFrame(bytes);
    VMUC_CHECK(frame.ok(), "a link wrote a frame that does not decode");
    if (frame->control.type == HdlcFrameType::kI) {
      VMUC_CHECK(frame->info.size() <= max_info_transmit,
                 "an I frame exceeds the negotiated maximum information field length");
    }
  }
}

// A response of a few segments, derived from the request.
std::vector<uint8_t> ResponseTo(const std::vector<uint8_t>& apdu) {
  std::vector<uint8_t> response = {0xC4, 0x01};
  const size_t size = std::min<size_t>(apdu.size() * 3, 3000);
  for (size_t i = 0; i < size; ++i) response.push_back(apdu[i % apdu.size()]);
  return response;
}

void CheckServerLink(std::span<const uint8_t> input) {
  HdlcServerLink::Options options;
  options.window_size_transmit = 7;
  options.window_size_receive = 7;
  options.inactivity_timeout = std::chrono::seconds(30);
  options.max_apdu_length = 4096;
  HdlcServerLink link(options);
  TimePoint now = TimePoint(std::chrono::seconds(1'800'000'000));
  size_t at = 0;
  for (size_t i = 0; at < input.size(); ++i) {
    const size_t n = std::min(kChunks[i % kChunks.size()], input.size() - at);
    HdlcLinkOutput out = link.OnBytes(input.subspan(at, n), now);
    at += n;
    // One virtual second per byte, so that long inputs reach the inactivity timeout.
    now += std::chrono::seconds(n);
    for (const auto& event : out.events) {
      VMUC_CHECK(event.apdu.size() <= options.max_apdu_length, "APDU above max_apdu_length");
    }
    for (const auto& apdu : out.Apdus()) {
      if (!link.connected() || apdu.empty()) continue;
      if (apdu.size() % 2 == 1) {
        out.Append(link.NoResponse());
      } else if (auto sent = link.SendApdu(ResponseTo(apdu)); sent.ok()) {
        out.Append(*std::move(sent));
      }
    }
    out.Append(link.OnTick(now));
    // A chunk that (re)connects may carry frames sent under the previous parameters.
    const bool settled = link.connected() && !out.Has(HdlcLinkEvent::Kind::kConnected);
    CheckOutput(out, settled ? link.parameters().max_info_length_transmit : kHdlcMaxInfoLength);
    (void)link.NextTimeout();
  }
}

void CheckClientLink(std::span<const uint8_t> input) {
  HdlcClientLink::Options options;
  options.proposal.window_size_receive = 3;
  options.max_apdu_length = 4096;
  HdlcClientLink link(options);
  auto connect = link.Connect();
  VMUC_CHECK(connect.ok(), "Connect on a fresh link");
  size_t at = 0;
  for (size_t i = 0; at < input.size(); ++i) {
    const size_t n = std::min(kChunks[(i + 3) % kChunks.size()], input.size() - at);
    HdlcLinkOutput out = link.OnBytes(input.subspan(at, n));
    at += n;
    if (out.Has(HdlcLinkEvent::Kind::kConnected) &&
        link.state() == HdlcClientLink::State::kConnected) {
      // A request of two segments at the default 128 bytes.
      if (auto sent = link.SendApdu(std::vector<uint8_t>(200, 0xC0)); sent.ok()) {
        out.Append(*std::move(sent));
      }
    }
    if (link.state() == HdlcClientLink::State::kConnected && i % 5 == 4) {
      if (auto polled = link.Poll(); polled.ok()) out.Append(*std::move(polled));
    }
    const bool settled = link.state() == HdlcClientLink::State::kConnected &&
                         !out.Has(HdlcLinkEvent::Kind::kConnected);
    CheckOutput(out, settled ? link.parameters().max_info_length_transmit : kHdlcMaxInfoLength);
  }
}

}  // namespace
}  // namespace vmuc::dlms

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vmuc::dlms;
  const std::span<const uint8_t> input(data, size);

  if (auto frame = DecodeHdlcFrame(input); frame.ok()) {
    VMUC_CHECK(EncodeHdlcFrame(*frame) == std::vector<uint8_t>(input.begin(), input.end()),
               "a decoded HDLC frame re-encodes differently");
    (void)DecodeHdlcParameters(frame->info);
  }
  if (!input.empty()) (void)DecodeHdlcControl(input[0]);
  if (auto parameters = DecodeHdlcParameters(input); parameters.ok()) {
    auto again = DecodeHdlcParameters(EncodeHdlcParameters(*parameters));
    VMUC_CHECK(again.ok() && *again == *parameters, "HDLC parameters round trip");
  }

  CheckDeframer(input);
  CheckServerLink(input);
  CheckClientLink(input);
  return 0;
}
