#include "dlms/hdlc_link.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <vector>

#include "common/time.h"
#include "dlms/hdlc.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/dlms/reference_session.h"

namespace vmuc::dlms {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Kind = HdlcLinkEvent::Kind;

using Bytes = std::vector<uint8_t>;
using std::chrono::seconds;

const TimePoint kT0 = ParseRfc3339("2026-01-01T00:00:00Z").value();

// The HDLC session of dlms-wire-examples.md: client 16 -> server 1.
const Bytes& kSnrm = reference::kHdlcSnrm;
const Bytes& kUa = reference::kHdlcUa;
const Bytes& kAarq = reference::kHdlcAarq;
const Bytes& kAare = reference::kHdlcAare;
const Bytes& kGet = reference::kHdlcGet;
const Bytes& kRr = reference::kHdlcRr;

const HdlcAddress kServer = HdlcAddress::Server(1);
const HdlcAddress kClient = HdlcAddress::Client(16);

// The APDU inside a reference I frame: after the flag, format, addresses, control, HCS and
// LLC header, before the FCS and flag.
Bytes ApduOf(const Bytes& frame) { return Bytes(frame.begin() + 11, frame.end() - 3); }

Bytes Pattern(size_t size, uint8_t seed) {
  Bytes out(size);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>(seed + i * 31 + (i >> 8));
  return out;
}

HdlcFrame Decode(const Bytes& bytes) {
  auto frame = DecodeHdlcFrame(bytes);
  EXPECT_TRUE(frame.ok()) << frame.status();
  return frame.ok() ? *frame : HdlcFrame{};
}

Bytes Command(HdlcControl control, Bytes info = {}, bool segmented = false,
              HdlcAddress server = kServer, HdlcAddress client = kClient) {
  HdlcFrame frame;
  frame.destination = server;
  frame.source = client;
  frame.control = control;
  frame.info = std::move(info);
  frame.segmented = segmented;
  return EncodeHdlcFrame(frame);
}

Bytes WithLlc(const std::array<uint8_t, 3>& llc, const Bytes& apdu) {
  Bytes out(llc.begin(), llc.end());
  out.insert(out.end(), apdu.begin(), apdu.end());
  return out;
}

std::vector<Kind> Kinds(const HdlcLinkOutput& out) {
  std::vector<Kind> kinds;
  for (const HdlcLinkEvent& event : out.events) kinds.push_back(event.kind);
  return kinds;
}

// A client and a server link wired back to back: each output is fed to the other side as
// one chunk until both fall quiet. The server's application answers each APDU with
// `respond` (nullopt: no response).
class Wire {
 public:
  Wire(HdlcClientLink& client, HdlcServerLink& server) : client_(client), server_(server) {}

  std::function<std::optional<Bytes>(const Bytes&)> respond = [](const Bytes&) {
    return std::nullopt;
  };
  // Returns true for the n-th frame towards the client (counted from 0) to lose it.
  std::function<bool(int n, const Bytes&)> lose_to_client = [](int, const Bytes&) { return false; };
  // The same towards the server.
  std::function<bool(int n, const Bytes&)> lose_to_server = [](int, const Bytes&) { return false; };

  std::vector<HdlcLinkEvent> client_events;
  std::vector<HdlcLinkEvent> server_events;
  std::vector<absl::Status> errors;
  int frames_to_server = 0;
  int frames_to_client = 0;
  int receive_ready_to_server = 0;
  int receive_ready_to_client = 0;

  void FromClient(HdlcLinkOutput out) {
    Collect(out, client_events);
    Pump(out.frames, {});
  }
  void FromServer(HdlcLinkOutput out) {
    Collect(out, server_events);
    Pump({}, out.frames);
  }

  std::vector<Bytes> ClientApdus() const { return Apdus(client_events); }
  std::vector<Bytes> ServerApdus() const { return Apdus(server_events); }

 private:
  static std::vector<Bytes> Apdus(const std::vector<HdlcLinkEvent>& events) {
    std::vector<Bytes> out;
    for (const HdlcLinkEvent& event : events) {
      if (event.kind == Kind::kApdu) out.push_back(event.apdu);
    }
    return out;
  }

  void Collect(const HdlcLinkOutput& out, std::vector<HdlcLinkEvent>& events) {
    events.insert(events.end(), out.events.begin(), out.events.end());
    errors.insert(errors.end(), out.errors.begin(), out.errors.end());
  }

  static bool IsReceiveReady(const Bytes& frame) {
    return Decode(frame).control.type == HdlcFrameType::kRr;
  }

  void Pump(std::vector<Bytes> to_server, std::vector<Bytes> to_client) {
    for (int round = 0; round < 100000 && !(to_server.empty() && to_client.empty()); ++round) {
      Bytes chunk;
      for (const Bytes& frame : to_server) {
        const int n = frames_to_server++;
        if (IsReceiveReady(frame)) ++receive_ready_to_server;
        if (lose_to_server(n, frame)) continue;
        chunk.insert(chunk.end(), frame.begin(), frame.end());
      }
      to_server.clear();
      if (!chunk.empty()) {
        HdlcLinkOutput out = server_.OnBytes(chunk, kT0);
        const std::vector<HdlcLinkEvent> events = out.events;
        Collect(out, server_events);
        to_client = out.frames;
        for (const HdlcLinkEvent& event : events) {
          if (event.kind != Kind::kApdu) continue;
          std::optional<Bytes> response = respond(event.apdu);
          HdlcLinkOutput reply =
              response ? server_.SendApdu(*response).value() : server_.NoResponse();
          Collect(reply, server_events);
          to_client.insert(to_client.end(), reply.frames.begin(), reply.frames.end());
        }
      }
      chunk.clear();
      for (const Bytes& frame : to_client) {
        const int n = frames_to_client++;
        if (IsReceiveReady(frame)) ++receive_ready_to_client;
        if (lose_to_client(n, frame)) continue;
        chunk.insert(chunk.end(), frame.begin(), frame.end());
      }
      to_client.clear();
      if (!chunk.empty()) {
        HdlcLinkOutput out = client_.OnBytes(chunk);
        Collect(out, client_events);
        to_server = out.frames;
      }
    }
  }

  HdlcClientLink& client_;
  HdlcServerLink& server_;
};

struct LinkCase {
  uint32_t window;
  uint32_t max_info;
};

class HdlcBackToBackTest : public ::testing::TestWithParam<LinkCase> {};

TEST_P(HdlcBackToBackTest, LongApdusBothWays) {
  const LinkCase c = GetParam();
  HdlcServerLink server(HdlcServerLink::Options{.max_info_length_transmit = c.max_info,
                                                .max_info_length_receive = c.max_info,
                                                .window_size_transmit = c.window,
                                                .window_size_receive = c.window});
  HdlcClientLink client(HdlcClientLink::Options{.proposal = {.max_info_length_transmit = c.max_info,
                                                             .max_info_length_receive = c.max_info,
                                                             .window_size_transmit = c.window,
                                                             .window_size_receive = c.window}});
  Wire wire(client, server);
  const Bytes request = Pattern(5000, 1);
  const Bytes response = Pattern(5000, 2);
  wire.respond = [&](const Bytes& apdu) -> std::optional<Bytes> {
    EXPECT_EQ(apdu, request);
    return response;
  };

  wire.FromClient(client.Connect().value());
  ASSERT_EQ(client.state(), HdlcClientLink::State::kConnected);
  EXPECT_EQ(client.parameters().window_size_transmit, c.window);
  EXPECT_EQ(server.parameters().max_info_length_transmit, c.max_info);

  wire.FromClient(client.SendApdu(request).value());
  EXPECT_THAT(wire.errors, IsEmpty());
  EXPECT_THAT(wire.ServerApdus(), ElementsAre(request));
  EXPECT_THAT(wire.ClientApdus(), ElementsAre(response));

  // 5003 bytes with the LLC header in frames of max_info; one RR per window but the last.
  const int frames = static_cast<int>((5003 + c.max_info - 1) / c.max_info);
  const int windows = (frames + static_cast<int>(c.window) - 1) / static_cast<int>(c.window);
  EXPECT_EQ(wire.frames_to_server, 1 + frames + (windows - 1));  // SNRM, I frames, RRs
  EXPECT_EQ(wire.frames_to_client, 1 + frames + (windows - 1));  // UA, I frames, RRs
  EXPECT_EQ(wire.receive_ready_to_client, windows - 1);
  EXPECT_EQ(wire.receive_ready_to_server, windows - 1);

  // A second exchange on the same connection: sequence numbers carry on.
  wire.FromClient(client.SendApdu(request).value());
  EXPECT_THAT(wire.ClientApdus(), SizeIs(2));
  EXPECT_THAT(wire.errors, IsEmpty());

  wire.FromClient(client.Disconnect().value());
  EXPECT_EQ(client.state(), HdlcClientLink::State::kDisconnected);
  EXPECT_FALSE(server.connected());
  EXPECT_EQ(wire.client_events.back().kind, Kind::kDisconnected);
  EXPECT_EQ(wire.server_events.back().kind, Kind::kDisconnected);
}

INSTANTIATE_TEST_SUITE_P(WindowsAndLengths, HdlcBackToBackTest,
                         ::testing::Values(LinkCase{1, 128}, LinkCase{3, 128}, LinkCase{7, 64},
                                           LinkCase{2, 1024}, LinkCase{1, kHdlcMaxInfoLength}),
                         [](const ::testing::TestParamInfo<LinkCase>& param_info) {
                           return "Window" + std::to_string(param_info.param.window) + "MaxInfo" +
                                  std::to_string(param_info.param.max_info);
                         });

TEST(HdlcServerLinkTest, ReferenceSessionBytes) {
  HdlcServerLink server(HdlcServerLink::Options{});  // 1024/1024, window 1
  HdlcLinkOutput out = server.OnBytes(kSnrm, kT0);
  // The SNRM proposes nothing, so the client's defaults cap the UA at 128/128, window 1.
  EXPECT_THAT(out.frames, ElementsAre(kUa));
  EXPECT_EQ(out.Bytes(), kUa);
  EXPECT_THAT(Kinds(out), ElementsAre(Kind::kConnected));
  EXPECT_TRUE(out.Has(Kind::kConnected));
  EXPECT_FALSE(out.Has(Kind::kApdu));
  EXPECT_EQ(server.parameters(), HdlcParameters{});

  out = server.OnBytes(kAarq, kT0);
  EXPECT_THAT(out.frames, IsEmpty());  // the poll is held for the AARE
  EXPECT_THAT(out.Apdus(), ElementsAre(ApduOf(kAarq)));
  out = server.SendApdu(ApduOf(kAare)).value();
  EXPECT_THAT(out.frames, ElementsAre(kAare));

  out = server.OnBytes(kGet, kT0);
  EXPECT_THAT(out.Apdus(), ElementsAre(ApduOf(kGet)));
  // A 300-byte GET response: 303 bytes in frames of 128, the first as in the reference
  // answer (`7E A8 .. 21 03 52`: segmented, N(S)=1, N(R)=2, F).
  const Bytes response = Pattern(300, 3);
  out = server.SendApdu(response).value();
  ASSERT_THAT(out.frames, SizeIs(1));
  EXPECT_EQ(Bytes(out.frames[0].begin(), out.frames[0].begin() + 6),
            (Bytes{0x7E, 0xA8, 0x89, 0x21, 0x03, 0x52}));
  // The client's RR polls the next segment.
  out = server.OnBytes(kRr, kT0);
  ASSERT_THAT(out.frames, SizeIs(1));
  HdlcFrame second = Decode(out.frames[0]);
  EXPECT_EQ(second.control, HdlcControl::I(2, 2, true));
  EXPECT_TRUE(second.segmented);
  out = server.OnFrame(Decode(Command(HdlcControl::Rr(3, true))), kT0);
  ASSERT_THAT(out.frames, SizeIs(1));
  HdlcFrame last = Decode(out.frames[0]);
  EXPECT_EQ(last.control, HdlcControl::I(3, 2, true));
  EXPECT_FALSE(last.segmented);
  EXPECT_EQ(last.info.size(), 303u - 2 * 128);
}

TEST(HdlcServerLinkTest, SnrmWithParametersTakesTheSmallerValues) {
  HdlcServerLink server(HdlcServerLink::Options{.max_info_length_transmit = 1024,
                                                .max_info_length_receive = 1024,
                                                .window_size_transmit = 3,
                                                .window_size_receive = 1});
  HdlcClientLink client(
      HdlcClientLink::Options{.proposal = {.max_info_length_transmit = 512,
                                           .max_info_length_receive = kHdlcMaxInfoLength,
                                           .window_size_transmit = 7,
                                           .window_size_receive = 7}});
  HdlcLinkOutput snrm = client.Connect().value();
  ASSERT_THAT(snrm.frames, SizeIs(1));
  HdlcLinkOutput ua = server.OnBytes(snrm.frames[0], kT0);
  ASSERT_THAT(ua.frames, SizeIs(1));
  const HdlcParameters granted = DecodeHdlcParameters(Decode(ua.frames[0]).info).value();
  EXPECT_EQ(granted, (HdlcParameters{.max_info_length_transmit = 1024,
                                     .max_info_length_receive = 512,
                                     .window_size_transmit = 3,
                                     .window_size_receive = 1}));
  EXPECT_EQ(server.parameters(), granted);
  HdlcLinkOutput connected = client.OnBytes(ua.frames[0]);
  EXPECT_THAT(Kinds(connected), ElementsAre(Kind::kConnected));
  EXPECT_EQ(client.parameters(), (HdlcParameters{.max_info_length_transmit = 512,
                                                 .max_info_length_receive = 1024,
                                                 .window_size_transmit = 1,
                                                 .window_size_receive = 3}));
}

TEST(HdlcServerLinkTest, SnrmWithoutParametersFromTheClientLink) {
  HdlcServerLink server(HdlcServerLink::Options{.window_size_transmit = 7});
  HdlcClientLink client(HdlcClientLink::Options{
      .propose_parameters = false,
      .proposal = {.max_info_length_transmit = 1024, .max_info_length_receive = 1024}});
  HdlcLinkOutput snrm = client.Connect().value();
  EXPECT_THAT(snrm.frames, ElementsAre(kSnrm));
  HdlcLinkOutput ua = server.OnBytes(kSnrm, kT0);
  EXPECT_THAT(ua.frames, ElementsAre(kUa));
  client.OnBytes(kUa);
  EXPECT_EQ(client.parameters(), HdlcParameters{});
}

TEST(HdlcServerLinkTest, BadSnrmParametersAreRefusedWithDm) {
  HdlcServerLink server(HdlcServerLink::Options{});
  HdlcLinkOutput out = server.OnBytes(Command(HdlcControl::Unnumbered(HdlcFrameType::kSnrm, true),
                                              {0x81, 0x80, 0x03, 0x07, 0x01, 0x09}),
                                      kT0);
  ASSERT_THAT(out.frames, SizeIs(1));
  EXPECT_EQ(Decode(out.frames[0]).control.type, HdlcFrameType::kDm);
  EXPECT_THAT(out.errors, SizeIs(1));
  EXPECT_FALSE(server.connected());
}

TEST(HdlcServerLinkTest, DiscAnswersUaAndDisconnects) {
  HdlcServerLink server(HdlcServerLink::Options{});
  server.OnBytes(kSnrm, kT0);
  HdlcLinkOutput out =
      server.OnBytes(Command(HdlcControl::Unnumbered(HdlcFrameType::kDisc, true)), kT0);
  ASSERT_THAT(out.frames, SizeIs(1));
  const HdlcFrame ua = Decode(out.frames[0]);
  EXPECT_EQ(ua.control, HdlcControl::Unnumbered(HdlcFrameType::kUa, true));
  EXPECT_EQ(ua.destination, kClient);
  EXPECT_EQ(ua.source, kServer);
  EXPECT_THAT(Kinds(out), ElementsAre(Kind::kDisconnected));
  EXPECT_FALSE(server.connected());
  // A second DISC finds the link disconnected.
  out = server.OnBytes(Command(HdlcControl::Unnumbered(HdlcFrameType::kDisc, true)), kT0);
  ASSERT_THAT(out.frames, SizeIs(1));
  EXPECT_EQ(Decode(out.frames[0]).control, HdlcControl::Unnumbered(HdlcFrameType::kDm, true));
  EXPECT_THAT(out.events, IsEmpty());
}

TEST(HdlcServerLinkTest, DisconnectedModeAnswersDm) {
  HdlcServerLink server(HdlcServerLink::Options{});
  for (const Bytes& frame : {kAarq, kRr, Command(HdlcControl::Rnr(0, true))}) {
    HdlcLinkOutput out = server.OnBytes(frame, kT0);
    ASSERT_THAT(out.frames, SizeIs(1));
    const HdlcFrame dm = Decode(out.frames[0]);
    EXPECT_EQ(dm.control, HdlcControl::Unnumbered(HdlcFrameType::kDm, true));
    EXPECT_EQ(dm.destination, kClient);
    EXPECT_EQ(dm.source, kServer);
    EXPECT_THAT(out.events, IsEmpty());
  }
  EXPECT_FALSE(server.SendApdu(Bytes{0xC4}).ok());
  EXPECT_EQ(server.SendApdu(Bytes{0xC4}).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(HdlcServerLinkTest, InactivityTimeout) {
  HdlcServerLink server(HdlcServerLink::Options{});
  EXPECT_EQ(server.NextTimeout(), std::nullopt);
  server.OnBytes(kSnrm, kT0);
  EXPECT_EQ(server.NextTimeout(), kT0 + seconds(120));
  server.OnBytes(kAarq, kT0 + seconds(100));  // activity moves the deadline
  EXPECT_EQ(server.NextTimeout(), kT0 + seconds(220));
  EXPECT_THAT(server.OnTick(kT0 + seconds(219)).events, IsEmpty());
  HdlcLinkOutput out = server.OnTick(kT0 + seconds(220));
  EXPECT_THAT(Kinds(out), ElementsAre(Kind::kDisconnected));
  EXPECT_THAT(out.frames, IsEmpty());
  ASSERT_THAT(out.errors, SizeIs(1));
  EXPECT_EQ(out.errors[0].code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(server.connected());
  EXPECT_EQ(server.NextTimeout(), std::nullopt);
  // The client, unaware, polls: disconnected mode.
  out = server.OnBytes(kRr, kT0 + seconds(221));
  ASSERT_THAT(out.frames, SizeIs(1));
  EXPECT_EQ(Decode(out.frames[0]).control.type, HdlcFrameType::kDm);
}

TEST(HdlcServerLinkTest, TimeoutIsAppliedBeforeALateFrame) {
  HdlcServerLink server(HdlcServerLink::Options{.inactivity_timeout = seconds(10)});
  server.OnBytes(kSnrm, kT0);
  HdlcLinkOutput out = server.OnBytes(kAarq, kT0 + seconds(11));  // OnTick never ran
  EXPECT_THAT(Kinds(out), ElementsAre(Kind::kDisconnected));
  ASSERT_THAT(out.frames, SizeIs(1));
  EXPECT_EQ(Decode(out.frames[0]).control.type, HdlcFrameType::kDm);
}

TEST(HdlcServerLinkTest, ZeroTimeoutNeverExpires) {
  HdlcServerLink server(HdlcServerLink::Options{.inactivity_timeout = Duration::zero()});
  server.OnBytes(kSnrm, kT0);
  EXPECT_EQ(server.NextTimeout(), std::nullopt);
  EXPECT_THAT(server.OnTick(kT0 + std::chrono::hours(1000)).events, IsEmpty());
  EXPECT_TRUE(server.connected());
}

TEST(HdlcServerLinkTest, BadFcsIsDroppedAndTheLinkSurvives) {
  HdlcServerLink server(HdlcServerLink::Options{});
  server.OnBytes(kSnrm, kT0);
  Bytes damaged = kAarq;
  damaged[30] ^= 0x01;
  HdlcLinkOutput out = server.OnBytes(damaged, kT0);
  EXPECT_THAT(out.frames, IsEmpty());
  EXPECT_THAT(out.events, IsEmpty());
  ASSERT_THAT(out.errors, SizeIs(1));
  EXPECT_THAT(out.errors[0].message(), HasSubstr("bad FCS"));
  EXPECT_TRUE(server.connected());
  // The client repeats the AARQ after its timeout; the link takes it.
  out = server.OnBytes(kAarq, kT0);
  EXPECT_THAT(out.Apdus(), ElementsAre(ApduOf(kAarq)));
}

TEST(HdlcServerLinkTest, FramesForAnotherServerAddressAreIgnored) {
  HdlcServerLink server(HdlcServerLink::Options{});
  const HdlcAddress other = HdlcAddress::Server(2);
  HdlcLinkOutput out = server.OnBytes(
      Command(HdlcControl::Unnumbered(HdlcFrameType::kSnrm, true), {}, false, other), kT0);
  EXPECT_THAT(out.frames, IsEmpty());
  EXPECT_THAT(out.events, IsEmpty());
  EXPECT_THAT(out.errors, IsEmpty());
  server.OnBytes(kSnrm, kT0);
  out = server.OnBytes(
      Command(HdlcControl::I(0, 0, true), WithLlc(kLlcRequestHeader, {0xC0}), false, other), kT0);
  EXPECT_THAT(out.frames, IsEmpty());
  EXPECT_THAT(out.events, IsEmpty());
  EXPECT_TRUE(server.connected());
}

TEST(HdlcServerLinkTest, AcceptsTheAddressesItsCallbackNames) {
  const HdlcAddress meter = HdlcAddress::Server(17, 0x1234, 4);
  HdlcServerLink server(
      HdlcServerLink::Options{.accepts_server_address = [](const HdlcAddress& address) {
        return address.upper == 17 || address.upper == 1;
      }});
  const HdlcAddress client = HdlcAddress::Client(1);
  HdlcLinkOutput out = server.OnBytes(
      Command(HdlcControl::Unnumbered(HdlcFrameType::kSnrm, true), {}, false, meter, client), kT0);
  ASSERT_THAT(out.frames, SizeIs(1));
  // The reply goes back with the addresses swapped, in the forms the client used.
  const HdlcFrame ua = Decode(out.frames[0]);
  EXPECT_EQ(ua.destination, client);
  EXPECT_EQ(ua.source, meter);
  EXPECT_EQ(server.server_address(), meter);
  EXPECT_EQ(server.client_address(), client);
  out = server.OnBytes(
      Command(HdlcControl::I(0, 0, true), WithLlc(kLlcRequestHeader, {0xC0}), false, meter, client),
      kT0);
  EXPECT_THAT(out.Apdus(), ElementsAre(Bytes{0xC0}));
  out = server.SendApdu(Bytes{0xC4}).value();
  ASSERT_THAT(out.frames, SizeIs(1));
  const HdlcFrame response = Decode(out.frames[0]);
  EXPECT_EQ(response.destination, client);
  EXPECT_EQ(response.source, meter);
  EXPECT_EQ(response.info, WithLlc(kLlcResponseHeader, {0xC4}));
  // Client 16 is not connected to this meter: disconnected mode for that pair.
  out = server.OnBytes(Command(HdlcControl::Rr(0, true), {}, false, meter, kClient), kT0);
  ASSERT_THAT(out.frames, SizeIs(1));
  EXPECT_EQ(Decode(out.frames[0]).control.type, HdlcFrameType::kDm);
  EXPECT_EQ(Decode(out.frames[0]).destination, kClient);
}

TEST(HdlcServerLinkTest, WrongSendSequenceAnswersRrWithTheExpectedNumber) {
  HdlcServerLink server(HdlcServerLink::Options{});
  server.OnBytes(kSnrm, kT0);
  HdlcLinkOutput out = server.OnBytes(
      Command(HdlcControl::I(1, 0, true), WithLlc(kLlcRequestHeader, {0xC0})), kT0);  // 0 due
  ASSERT_THAT(out.frames, SizeIs(1));
  EXPECT_EQ(Decode(out.frames[0]).control, HdlcControl::Rr(0, true));
  EXPECT_THAT(out.events, IsEmpty());
  ASSERT_THAT(out.errors, SizeIs(1));
  EXPECT_THAT(out.errors[0].message(), HasSubstr("N(S)=1"));
  out = server.OnBytes(kAarq, kT0);
  EXPECT_THAT(out.Apdus(), ElementsAre(ApduOf(kAarq)));
}

TEST(HdlcServerLinkTest, InformationLongerThanNegotiatedIsRejectedWithFrmr) {
  HdlcServerLink server(HdlcServerLink::Options{});
  server.OnBytes(kSnrm, kT0);  // 128 bytes
  HdlcLinkOutput out = server.OnBytes(
      Command(HdlcControl::I(0, 0, true), WithLlc(kLlcRequestHeader, Pattern(200, 0))), kT0);
  ASSERT_THAT(out.frames, SizeIs(1));
  const HdlcFrame frmr = Decode(out.frames[0]);
  EXPECT_EQ(frmr.control, HdlcControl::Unnumbered(HdlcFrameType::kFrmr, true));
  EXPECT_EQ(frmr.info, (Bytes{0x10, 0x00, 0x04}));  // rejected control, V(R)/V(S), Y
  EXPECT_THAT(out.events, IsEmpty());
  // Polls get the FRMR again until the client resets the link.
  out = server.OnBytes(kRr, kT0);
  ASSERT_THAT(out.frames, SizeIs(1));
  EXPECT_EQ(Decode(out.frames[0]).control.type, HdlcFrameType::kFrmr);
  EXPECT_FALSE(server.SendApdu(Bytes{0xC4}).ok());
  out = server.OnBytes(kSnrm, kT0);
  EXPECT_THAT(Kinds(out), ElementsAre(Kind::kDisconnected, Kind::kConnected));
  EXPECT_THAT(out.frames, ElementsAre(kUa));
}

TEST(HdlcServerLinkTest, AcknowledgingUnsentFramesIsRejectedWithFrmr) {
  HdlcServerLink server(HdlcServerLink::Options{});
  server.OnBytes(kSnrm, kT0);
  HdlcLinkOutput out = server.OnBytes(Command(HdlcControl::Rr(3, true)), kT0);
  ASSERT_THAT(out.frames, SizeIs(1));
  const HdlcFrame frmr = Decode(out.frames[0]);
  EXPECT_EQ(frmr.control.type, HdlcFrameType::kFrmr);
  EXPECT_EQ(frmr.info[2], 0x08);  // Z: invalid N(R)
}

TEST(HdlcServerLinkTest, OtherLlcHeadersAreRefused) {
  HdlcServerLink server(HdlcServerLink::Options{});
  server.OnBytes(kSnrm, kT0);
  HdlcLinkOutput out =
      server.OnBytes(Command(HdlcControl::I(0, 0, true), Bytes{0xE6, 0xE7, 0x00, 0xC0, 0x01}), kT0);
  EXPECT_THAT(out.events, IsEmpty());
  ASSERT_THAT(out.errors, SizeIs(1));
  EXPECT_THAT(out.errors[0].message(),
              HasSubstr("starts with E6 E7 00, not the LLC header E6 E6 00"));
  // The frame itself was fine: acknowledged, and the poll answered.
  ASSERT_THAT(out.frames, SizeIs(1));
  EXPECT_EQ(Decode(out.frames[0]).control, HdlcControl::Rr(1, true));
}

TEST(HdlcServerLinkTest, SegmentedRequestIsReassembled) {
  HdlcServerLink server(HdlcServerLink::Options{});
  server.OnBytes(kSnrm, kT0);
  const Bytes apdu = ApduOf(kAarq);
  const Bytes info = WithLlc(kLlcRequestHeader, apdu);
  const Bytes first(info.begin(), info.begin() + 20);
  const Bytes second(info.begin() + 20, info.end());
  HdlcLinkOutput out = server.OnBytes(Command(HdlcControl::I(0, 0, true), first, true), kT0);
  EXPECT_THAT(out.events, IsEmpty());
  ASSERT_THAT(out.frames, SizeIs(1));
  EXPECT_EQ(Decode(out.frames[0]).control, HdlcControl::Rr(1, true));  // send the next one
  out = server.OnBytes(Command(HdlcControl::I(1, 0, true), second, false), kT0);
  EXPECT_THAT(out.Apdus(), ElementsAre(apdu));
  EXPECT_THAT(out.frames, IsEmpty());
}

TEST(HdlcServerLinkTest, OverlongReassemblyIsDropped) {
  HdlcServerLink server(HdlcServerLink::Options{.max_apdu_length = 100});
  server.OnBytes(kSnrm, kT0);
  HdlcLinkOutput out;
  for (uint8_t ns = 0; ns < 2; ++ns) {
    out = server.OnBytes(Command(HdlcControl::I(ns, 0, true), Pattern(100, ns), true), kT0);
  }
  ASSERT_THAT(out.errors, SizeIs(1));
  EXPECT_THAT(out.errors[0].message(), HasSubstr("longer than 103 bytes"));
  out = server.OnBytes(Command(HdlcControl::I(2, 0, true), Pattern(10, 0), false), kT0);
  EXPECT_THAT(out.events, IsEmpty());  // the end of the dropped APDU
  out =
      server.OnBytes(Command(HdlcControl::I(3, 0, true), WithLlc(kLlcRequestHeader, {0xC0})), kT0);
  EXPECT_THAT(out.Apdus(), ElementsAre(Bytes{0xC0}));
}

TEST(HdlcServerLinkTest, NoResponseGivesThePollBack) {
  HdlcServerLink server(HdlcServerLink::Options{});
  server.OnBytes(kSnrm, kT0);
  EXPECT_THAT(server.OnBytes(kAarq, kT0).frames, IsEmpty());
  HdlcLinkOutput out = server.NoResponse();
  ASSERT_THAT(out.frames, SizeIs(1));
  EXPECT_EQ(Decode(out.frames[0]).control, HdlcControl::Rr(1, true));
  EXPECT_THAT(server.NoResponse().frames, IsEmpty());  // nothing held any more
}

TEST(HdlcServerLinkTest, ApduSentWithoutThePollWaitsForIt) {
  HdlcServerLink server(HdlcServerLink::Options{});
  server.OnBytes(kSnrm, kT0);
  EXPECT_THAT(server.SendApdu(Bytes{0xC4, 0x01}).value().frames, IsEmpty());
  HdlcLinkOutput out = server.OnBytes(Command(HdlcControl::Rr(0, true)), kT0);
  ASSERT_THAT(out.frames, SizeIs(1));
  EXPECT_EQ(Decode(out.frames[0]).info, WithLlc(kLlcResponseHeader, {0xC4, 0x01}));
}

TEST(HdlcServerLinkTest, ReceiveNotReadyHoldsTheData) {
  HdlcServerLink server(HdlcServerLink::Options{});
  server.OnBytes(kSnrm, kT0);
  server.SendApdu(Bytes{0xC4}).value();
  HdlcLinkOutput out = server.OnBytes(Command(HdlcControl::Rnr(0, true)), kT0);
  ASSERT_THAT(out.frames, SizeIs(1));
  EXPECT_EQ(Decode(out.frames[0]).control, HdlcControl::Rr(0, true));
  out = server.OnBytes(Command(HdlcControl::Rr(0, true)), kT0);
  ASSERT_THAT(out.frames, SizeIs(1));
  EXPECT_EQ(Decode(out.frames[0]).control.type, HdlcFrameType::kI);
}

TEST(HdlcServerLinkTest, UiFramesAreDelivered) {
  HdlcServerLink server(HdlcServerLink::Options{});
  HdlcLinkOutput out =
      server.OnBytes(Command(HdlcControl::Unnumbered(HdlcFrameType::kUi, false),
                             WithLlc(kLlcRequestHeader, {0x0F, 0x00, 0x00, 0x00, 0x01})),
                     kT0);
  EXPECT_THAT(out.Apdus(), ElementsAre(Bytes{0x0F, 0x00, 0x00, 0x00, 0x01}));
  EXPECT_THAT(out.frames, IsEmpty());
  EXPECT_FALSE(server.connected());
}

TEST(HdlcServerLinkTest, SnrmWhileConnectedStartsOver) {
  HdlcServerLink server(HdlcServerLink::Options{});
  server.OnBytes(kSnrm, kT0);
  server.OnBytes(kAarq, kT0);
  HdlcLinkOutput out = server.OnBytes(kSnrm, kT0);
  EXPECT_THAT(Kinds(out), ElementsAre(Kind::kDisconnected, Kind::kConnected));
  EXPECT_THAT(out.frames, ElementsAre(kUa));
  // Sequence numbers start again at 0.
  EXPECT_THAT(server.OnBytes(kAarq, kT0).Apdus(), SizeIs(1));
}

TEST(HdlcServerLinkTest, ResponsesFromTheClientAreIgnored) {
  HdlcServerLink server(HdlcServerLink::Options{});
  HdlcLinkOutput out =
      server.OnBytes(Command(HdlcControl::Unnumbered(HdlcFrameType::kUa, true)), kT0);
  EXPECT_THAT(out.frames, IsEmpty());
  EXPECT_THAT(out.errors, SizeIs(1));
}

TEST(HdlcServerLinkTest, SurvivesRandomFrames) {
  // Valid frames with random control fields, addresses and information, in random order:
  // the link may refuse them, but it never aborts and always recovers with SNRM.
  std::mt19937 random(7);
  HdlcServerLink server(HdlcServerLink::Options{.window_size_transmit = 3});
  for (int round = 0; round < 5000; ++round) {
    HdlcFrame frame;
    frame.destination = random() % 4 == 0 ? HdlcAddress::Server(2) : kServer;
    frame.source = random() % 4 == 0 ? HdlcAddress::Client(1) : kClient;
    const uint8_t control = static_cast<uint8_t>(random());
    auto decoded = DecodeHdlcControl(control);
    if (!decoded.ok()) continue;
    frame.control = *decoded;
    frame.segmented = random() % 2 == 0;
    if (random() % 2 == 0) frame.info = WithLlc(kLlcRequestHeader, Pattern(random() % 300, 1));
    if (frame.control.type == HdlcFrameType::kSnrm) frame.info.clear();
    HdlcLinkOutput out = server.OnFrame(frame, kT0);
    for (const Bytes& reply : out.frames) EXPECT_TRUE(DecodeHdlcFrame(reply).ok());
    if (!out.Apdus().empty() && random() % 2 == 0) {
      (void)server.SendApdu(Pattern(random() % 1000, 2));
    }
  }
  server.OnBytes(kSnrm, kT0);
  EXPECT_TRUE(server.connected());
  EXPECT_THAT(server.OnBytes(kAarq, kT0).Apdus(), ElementsAre(ApduOf(kAarq)));
}

TEST(HdlcServerLinkTest, ValidatesOptions) {
  EXPECT_TRUE(HdlcServerLink::ValidateOptions({}).ok());
  EXPECT_FALSE(HdlcServerLink::ValidateOptions({.window_size_transmit = 8}).ok());
  EXPECT_FALSE(HdlcServerLink::ValidateOptions({.max_info_length_receive = 0}).ok());
  EXPECT_FALSE(HdlcServerLink::ValidateOptions({.max_info_length_transmit = 4000}).ok());
  EXPECT_FALSE(HdlcServerLink::ValidateOptions({.parameter_widths = {.max_info_length = 1}}).ok());
  EXPECT_FALSE(HdlcServerLink::ValidateOptions({.inactivity_timeout = seconds(-1)}).ok());
  EXPECT_FALSE(
      HdlcClientLink::ValidateOptions({.client_address = HdlcAddress::Server(1, 1, 2)}).ok());
  EXPECT_TRUE(HdlcClientLink::ValidateOptions({}).ok());
}

// Server link with window 3 and 128-byte frames, and a client to match.
struct WindowedPair {
  HdlcServerLink server{HdlcServerLink::Options{.max_info_length_transmit = 128,
                                                .max_info_length_receive = 128,
                                                .window_size_transmit = 3,
                                                .window_size_receive = 3}};
  HdlcClientLink client{
      HdlcClientLink::Options{.proposal = {.window_size_transmit = 3, .window_size_receive = 3}}};
};

TEST(HdlcLinkRecoveryTest, LostFrameInTheMiddleOfAWindowIsRepeated) {
  WindowedPair pair;
  Wire wire(pair.client, pair.server);
  const Bytes response = Pattern(1000, 9);
  wire.respond = [&](const Bytes&) -> std::optional<Bytes> { return response; };
  // Frames to the client: 0 UA, 1..3 the first window of the response. Lose the second.
  wire.lose_to_client = [](int n, const Bytes&) { return n == 2; };
  wire.FromClient(pair.client.Connect().value());
  wire.FromClient(pair.client.SendApdu(Bytes{0xC0, 0x01}).value());
  EXPECT_THAT(wire.ClientApdus(), ElementsAre(response));
  ASSERT_THAT(wire.errors, SizeIs(1));  // the third frame, out of sequence at the client
  EXPECT_THAT(wire.errors[0].message(), HasSubstr("N(S)=2"));
}

TEST(HdlcLinkRecoveryTest, LostFinalFrameIsRecoveredByPolling) {
  WindowedPair pair;
  Wire wire(pair.client, pair.server);
  const Bytes response = Pattern(1000, 9);
  wire.respond = [&](const Bytes&) -> std::optional<Bytes> { return response; };
  wire.lose_to_client = [](int n, const Bytes&) { return n == 3; };  // F of the first window
  wire.FromClient(pair.client.Connect().value());
  wire.FromClient(pair.client.SendApdu(Bytes{0xC0, 0x01}).value());
  EXPECT_THAT(wire.ClientApdus(), IsEmpty());   // the client waits for F ...
  wire.FromClient(pair.client.Poll().value());  // ... until its timeout
  EXPECT_THAT(wire.ClientApdus(), ElementsAre(response));
  EXPECT_THAT(wire.errors, IsEmpty());
}

TEST(HdlcLinkRecoveryTest, LostRequestFrameIsRepeated) {
  WindowedPair pair;
  Wire wire(pair.client, pair.server);
  const Bytes request = Pattern(700, 4);
  wire.respond = [&](const Bytes& apdu) -> std::optional<Bytes> {
    EXPECT_EQ(apdu, request);
    return Bytes{0xC4, 0x01};
  };
  // Frames to the server: 0 SNRM, 1..3 the first window of the request. Lose the first.
  wire.lose_to_server = [](int n, const Bytes&) { return n == 1; };
  wire.FromClient(pair.client.Connect().value());
  wire.FromClient(pair.client.SendApdu(request).value());
  EXPECT_THAT(wire.ServerApdus(), ElementsAre(request));
  EXPECT_THAT(wire.ClientApdus(), ElementsAre(Bytes{0xC4, 0x01}));
  EXPECT_THAT(wire.errors, SizeIs(2));  // N(S)=1 and N(S)=2 out of sequence at the server
}

TEST(HdlcClientLinkTest, ConnectRefusedWithDm) {
  HdlcClientLink client(HdlcClientLink::Options{});
  client.Connect().value();
  EXPECT_FALSE(client.Connect().ok());
  EXPECT_FALSE(client.SendApdu(Bytes{0xC0}).ok());
  HdlcFrame dm;
  dm.destination = kClient;
  dm.source = kServer;
  dm.control = HdlcControl::Unnumbered(HdlcFrameType::kDm, true);
  HdlcLinkOutput out = client.OnFrame(dm);
  EXPECT_THAT(Kinds(out), ElementsAre(Kind::kDisconnected));
  ASSERT_THAT(out.errors, SizeIs(1));
  EXPECT_THAT(out.errors[0].message(), HasSubstr("refused"));
  EXPECT_EQ(client.state(), HdlcClientLink::State::kDisconnected);
}

TEST(HdlcClientLinkTest, ReferenceSessionFromTheClientSide) {
  HdlcClientLink client(HdlcClientLink::Options{.propose_parameters = false});
  EXPECT_THAT(client.Connect().value().frames, ElementsAre(kSnrm));
  EXPECT_THAT(Kinds(client.OnBytes(kUa)), ElementsAre(Kind::kConnected));
  EXPECT_THAT(client.SendApdu(ApduOf(kAarq)).value().frames, ElementsAre(kAarq));
  HdlcLinkOutput out = client.OnBytes(kAare);
  EXPECT_THAT(out.Apdus(), ElementsAre(ApduOf(kAare)));
  EXPECT_THAT(out.frames, IsEmpty());
  EXPECT_THAT(client.SendApdu(ApduOf(kGet)).value().frames, ElementsAre(kGet));
  // A segmented answer (N(S)=1, N(R)=2, F, bit S): the client polls with the reference RR.
  HdlcFrame segment;
  segment.destination = kClient;
  segment.source = kServer;
  segment.control = HdlcControl::I(1, 2, true);
  segment.segmented = true;
  segment.info = WithLlc(kLlcResponseHeader, {0xC4, 0x02, 0xC1});
  out = client.OnFrame(segment);
  EXPECT_THAT(out.frames, ElementsAre(kRr));
  EXPECT_THAT(out.events, IsEmpty());
  segment.control = HdlcControl::I(2, 2, true);
  segment.segmented = false;
  segment.info = {0x00, 0x01};
  out = client.OnFrame(segment);
  EXPECT_THAT(out.Apdus(), ElementsAre(Bytes{0xC4, 0x02, 0xC1, 0x00, 0x01}));
}

TEST(HdlcClientLinkTest, PushesInUiFramesAreDelivered) {
  HdlcClientLink client(HdlcClientLink::Options{});
  HdlcFrame push;
  push.destination = kClient;
  push.source = kServer;
  push.control = HdlcControl::Unnumbered(HdlcFrameType::kUi, false);
  push.info = WithLlc(kLlcResponseHeader, {0x0F, 0x00, 0x00, 0x00, 0x01});
  EXPECT_THAT(client.OnBytes(EncodeHdlcFrame(push)).Apdus(),
              ElementsAre(Bytes{0x0F, 0x00, 0x00, 0x00, 0x01}));
  push.info = WithLlc(kLlcRequestHeader, {0x0F});
  HdlcLinkOutput out = client.OnFrame(push);
  EXPECT_THAT(out.events, IsEmpty());
  EXPECT_THAT(out.errors, SizeIs(1));
  push.destination = HdlcAddress::Client(1);  // another client's push
  EXPECT_THAT(client.OnFrame(push).errors, IsEmpty());
}

TEST(HdlcClientLinkTest, ServerDmWhileConnectedDisconnects) {
  HdlcClientLink client(HdlcClientLink::Options{.propose_parameters = false});
  client.Connect().value();
  client.OnBytes(kUa);
  HdlcFrame dm;
  dm.destination = kClient;
  dm.source = kServer;
  dm.control = HdlcControl::Unnumbered(HdlcFrameType::kDm, true);
  EXPECT_THAT(Kinds(client.OnFrame(dm)), ElementsAre(Kind::kDisconnected));
  EXPECT_FALSE(client.Poll().ok());
  EXPECT_FALSE(client.Disconnect().ok());
}

}  // namespace
}  // namespace vmuc::dlms
