#include "dlms/hdlc.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/dlms/reference_session.h"

namespace vmuc::dlms {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

using Bytes = std::vector<uint8_t>;

// The HDLC session of dlms-wire-examples.md: client 16 -> server 1, LN referencing, LLS.
const Bytes& kSnrm = reference::kHdlcSnrm;
const Bytes& kUa = reference::kHdlcUa;
const Bytes& kAarq = reference::kHdlcAarq;
const Bytes& kAare = reference::kHdlcAare;
const Bytes& kGet = reference::kHdlcGet;
const Bytes& kRr = reference::kHdlcRr;

const HdlcAddress kServer = HdlcAddress::Server(1);
const HdlcAddress kClient = HdlcAddress::Client(16);

Bytes Slice(const Bytes& bytes, size_t from, size_t to) {
  return Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(from),
               bytes.begin() + static_cast<std::ptrdiff_t>(to));
}

// The information field of a reference frame: between the HCS and the FCS.
Bytes InfoOf(const Bytes& frame, size_t header_length) {
  return Slice(frame, 1 + header_length + 2, frame.size() - 3);
}

Bytes Concat(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

HdlcFrame Frame(HdlcAddress destination, HdlcAddress source, HdlcControl control, Bytes info = {},
                bool segmented = false) {
  HdlcFrame frame;
  frame.destination = destination;
  frame.source = source;
  frame.control = control;
  frame.info = std::move(info);
  frame.segmented = segmented;
  return frame;
}

// Decodes `bytes`, expects `expected`, and encodes `expected` back to `bytes`.
void ExpectRoundTrip(const Bytes& bytes, const HdlcFrame& expected) {
  auto decoded = DecodeHdlcFrame(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, expected);
  EXPECT_EQ(EncodeHdlcFrame(expected), bytes);
}

std::vector<HdlcFrame> FramesOf(const std::vector<absl::StatusOr<HdlcFrame>>& results) {
  std::vector<HdlcFrame> frames;
  for (const auto& result : results) {
    EXPECT_TRUE(result.ok()) << result.status();
    if (result.ok()) frames.push_back(*result);
  }
  return frames;
}

TEST(HdlcFcsTest, IsCrc16X25) {
  const std::string check = "123456789";  // the catalogue check value of CRC-16/X-25
  EXPECT_EQ(HdlcFcs(Bytes(check.begin(), check.end())), 0x906E);
  EXPECT_EQ(HdlcFcs(Slice(kSnrm, 1, 6)), 0x010F);  // written 0F 01
}

TEST(HdlcFcsTest, ChecksTheHeaderOfTheSegmentedReferenceAnswer) {
  // `7E A8 86 21 03 52 7F 1B ...`: S bit set, length 0x086, I N(S)=1 N(R)=2 F.
  EXPECT_EQ(HdlcFcs(Bytes{0xA8, 0x86, 0x21, 0x03, 0x52}), 0x1B7F);
  EXPECT_EQ(DecodeHdlcControl(0x52).value(), HdlcControl::I(1, 2, true));
}

TEST(HdlcFrameTest, ReferenceSnrm) {
  ExpectRoundTrip(kSnrm,
                  Frame(kServer, kClient, HdlcControl::Unnumbered(HdlcFrameType::kSnrm, true)));
}

TEST(HdlcFrameTest, ReferenceUaAndItsParameters) {
  const Bytes info = InfoOf(kUa, 5);
  ASSERT_EQ(info.front(), 0x81);
  ExpectRoundTrip(kUa,
                  Frame(kClient, kServer, HdlcControl::Unnumbered(HdlcFrameType::kUa, true), info));
  auto parameters = DecodeHdlcParameters(info);
  ASSERT_TRUE(parameters.ok()) << parameters.status();
  EXPECT_EQ(*parameters, HdlcParameters{});  // 128/128, window 1/1
  EXPECT_EQ(EncodeHdlcParameters(HdlcParameters{},
                                 HdlcParameterWidths{.max_info_length = 1, .window_size = 4}),
            info);
  EXPECT_EQ(EncodeHdlcParameters(HdlcParameters{}), info);  // the default widths
}

TEST(HdlcFrameTest, ReferenceAarq) {
  const Bytes info = InfoOf(kAarq, 5);
  ASSERT_EQ(Slice(info, 0, 4), (Bytes{0xE6, 0xE6, 0x00, 0x60}));
  ExpectRoundTrip(kAarq, Frame(kServer, kClient, HdlcControl::I(0, 0, true), info));
}

TEST(HdlcFrameTest, ReferenceAare) {
  const Bytes info = InfoOf(kAare, 5);
  ASSERT_EQ(Slice(info, 0, 4), (Bytes{0xE6, 0xE7, 0x00, 0x61}));
  ExpectRoundTrip(kAare, Frame(kClient, kServer, HdlcControl::I(0, 1, true), info));
}

TEST(HdlcFrameTest, ReferenceGetRequest) {
  const Bytes info = InfoOf(kGet, 5);
  ASSERT_EQ(Slice(info, 0, 4), (Bytes{0xE6, 0xE6, 0x00, 0xC0}));
  ExpectRoundTrip(kGet, Frame(kServer, kClient, HdlcControl::I(1, 1, true), info));
}

TEST(HdlcFrameTest, ReferenceReceiveReady) {
  ExpectRoundTrip(kRr, Frame(kServer, kClient, HdlcControl::Rr(2, true)));
}

TEST(HdlcFrameTest, FourByteServerAddress) {
  // SNRM to logical device 1, physical device 17, from client 120 (0xF1).
  const Bytes bytes = {0x7E, 0xA0, 0x0A, 0x00, 0x02, 0x00, 0x23, 0xF1, 0x93, 0x23, 0x2E, 0x7E};
  ExpectRoundTrip(bytes, Frame(HdlcAddress::Server(1, 17, 4), HdlcAddress::Client(120),
                               HdlcControl::Unnumbered(HdlcFrameType::kSnrm, true)));
}

TEST(HdlcFrameTest, AddressFormsRoundTrip) {
  const std::vector<HdlcAddress> servers = {
      HdlcAddress::Server(0x7F),
      HdlcAddress::Server(1, 0x11, 2),
      HdlcAddress::Server(0x7F, 0x7F, 2),
      HdlcAddress::Server(0x3FFF, 0x3FFF, 4),
      HdlcAddress::Server(0x1234, 0x0ABC, 4),
      HdlcAddress::Server(0, 0, 4),
  };
  for (const HdlcAddress& server : servers) {
    SCOPED_TRACE(server.DebugString());
    for (const HdlcFrame& frame : {Frame(server, kClient, HdlcControl::I(3, 5, true), {1, 2, 3}),
                                   Frame(kClient, server, HdlcControl::Rr(7, false))}) {
      const Bytes bytes = EncodeHdlcFrame(frame);
      EXPECT_EQ(bytes.size(), 1 + 2 + server.size + 1 + 1 + (frame.info.empty() ? 0 : 5) + 2 + 1);
      auto decoded = DecodeHdlcFrame(bytes);
      ASSERT_TRUE(decoded.ok()) << decoded.status();
      EXPECT_EQ(*decoded, frame);
    }
  }
}

TEST(HdlcFrameTest, TwoByteAddressBytes) {
  const Bytes bytes =
      EncodeHdlcFrame(Frame(HdlcAddress::Server(1, 0x11, 2), kClient, HdlcControl::Rr(0, true)));
  EXPECT_EQ(Slice(bytes, 3, 6), (Bytes{0x02, 0x23, 0x21}));
}

TEST(HdlcFrameTest, LongFramesUseAllElevenLengthBits) {
  Bytes info(1000);
  for (size_t i = 0; i < info.size(); ++i) info[i] = static_cast<uint8_t>(i * 7);
  info[10] = kHdlcFlag;  // no byte stuffing: flags inside the information field are data
  const HdlcFrame frame = Frame(kServer, kClient, HdlcControl::I(2, 4, false), info, true);
  const Bytes bytes = EncodeHdlcFrame(frame);
  ASSERT_EQ(bytes.size(), 1000 + 11);
  const size_t length = 1000 + 9;             // format, addresses, control, HCS, info, FCS
  EXPECT_EQ(bytes[1], 0xA8 | (length >> 8));  // type 3, S, top length bits
  EXPECT_EQ(bytes[2], length & 0xFF);
  auto decoded = DecodeHdlcFrame(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, frame);
}

TEST(HdlcFrameTest, LargestFrame) {
  const HdlcAddress server = HdlcAddress::Server(1, 1, 4);
  const HdlcFrame frame =
      Frame(server, kClient, HdlcControl::I(0, 0, true), Bytes(kHdlcMaxInfoLength, 0x55));
  const Bytes bytes = EncodeHdlcFrame(frame);
  EXPECT_LE(bytes.size() - 2, kHdlcMaxFrameLength);
  EXPECT_EQ(DecodeHdlcFrame(bytes).value(), frame);
}

TEST(HdlcControlTest, EveryControlFieldRoundTrips) {
  for (bool pf : {false, true}) {
    for (uint8_t ns = 0; ns < 8; ++ns) {
      for (uint8_t nr = 0; nr < 8; ++nr) {
        const HdlcControl control = HdlcControl::I(ns, nr, pf);
        EXPECT_EQ(DecodeHdlcControl(EncodeHdlcControl(control)).value(), control);
      }
    }
    for (uint8_t nr = 0; nr < 8; ++nr) {
      EXPECT_EQ(DecodeHdlcControl(EncodeHdlcControl(HdlcControl::Rr(nr, pf))).value(),
                HdlcControl::Rr(nr, pf));
      EXPECT_EQ(DecodeHdlcControl(EncodeHdlcControl(HdlcControl::Rnr(nr, pf))).value(),
                HdlcControl::Rnr(nr, pf));
    }
    for (HdlcFrameType type : {HdlcFrameType::kSnrm, HdlcFrameType::kDisc, HdlcFrameType::kUa,
                               HdlcFrameType::kDm, HdlcFrameType::kFrmr, HdlcFrameType::kUi}) {
      const HdlcControl control = HdlcControl::Unnumbered(type, pf);
      EXPECT_EQ(DecodeHdlcControl(EncodeHdlcControl(control)).value(), control)
          << control.DebugString();
    }
  }
}

TEST(HdlcControlTest, WireValues) {
  // ISO/IEC 13239 with P/F set, as the reference session shows for SNRM and UA.
  EXPECT_EQ(EncodeHdlcControl(HdlcControl::Unnumbered(HdlcFrameType::kSnrm, true)), 0x93);
  EXPECT_EQ(EncodeHdlcControl(HdlcControl::Unnumbered(HdlcFrameType::kDisc, true)), 0x53);
  EXPECT_EQ(EncodeHdlcControl(HdlcControl::Unnumbered(HdlcFrameType::kUa, true)), 0x73);
  EXPECT_EQ(EncodeHdlcControl(HdlcControl::Unnumbered(HdlcFrameType::kDm, true)), 0x1F);
  EXPECT_EQ(EncodeHdlcControl(HdlcControl::Unnumbered(HdlcFrameType::kFrmr, true)), 0x97);
  EXPECT_EQ(EncodeHdlcControl(HdlcControl::Unnumbered(HdlcFrameType::kUi, false)), 0x03);
  EXPECT_EQ(EncodeHdlcControl(HdlcControl::Rnr(3, false)), 0x65);
  EXPECT_EQ(EncodeHdlcControl(HdlcControl::I(1, 2, true)), 0x52);
}

TEST(HdlcControlTest, RejectsFrameTypesDlmsDoesNotUse) {
  for (uint8_t byte : {0x09, 0x19, 0x0D, 0x2F, 0xAF, 0x1B}) {  // REJ, SREJ, SABM, XID ...
    auto control = DecodeHdlcControl(byte);
    EXPECT_FALSE(control.ok()) << static_cast<int>(byte);
    EXPECT_THAT(control.status().message(), HasSubstr("unsupported"));
  }
}

TEST(HdlcDecodeTest, BadFcs) {
  Bytes bytes = kGet;
  bytes[15] ^= 0x01;
  auto frame = DecodeHdlcFrame(bytes);
  EXPECT_EQ(frame.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(frame.status().message(), HasSubstr("HDLC frame offset 24: bad FCS 0x5391"));
}

TEST(HdlcDecodeTest, BadHcs) {
  Bytes bytes = kGet;
  bytes[6] ^= 0xFF;  // the HCS, then a correct FCS over the damaged header
  const uint16_t fcs = HdlcFcs(Slice(bytes, 1, bytes.size() - 3));
  bytes[bytes.size() - 3] = static_cast<uint8_t>(fcs & 0xFF);
  bytes[bytes.size() - 2] = static_cast<uint8_t>(fcs >> 8);
  auto frame = DecodeHdlcFrame(bytes);
  EXPECT_THAT(frame.status().message(), HasSubstr("HDLC frame offset 6: bad HCS"));
}

// A frame with the given bytes between format and FCS and a correct FCS.
Bytes WithFcs(Bytes body) {
  const size_t length = body.size() + 4;
  body.insert(body.begin(),
              {static_cast<uint8_t>(0xA0 | (length >> 8)), static_cast<uint8_t>(length & 0xFF)});
  const uint16_t fcs = HdlcFcs(body);
  body.push_back(static_cast<uint8_t>(fcs & 0xFF));
  body.push_back(static_cast<uint8_t>(fcs >> 8));
  body.insert(body.begin(), kHdlcFlag);
  body.push_back(kHdlcFlag);
  return body;
}

TEST(HdlcDecodeTest, BadAddresses) {
  EXPECT_THAT(DecodeHdlcFrame(WithFcs({0x02, 0x02, 0x03, 0x21, 0x93})).status().message(),
              HasSubstr("HDLC frame offset 3: destination address of 3 bytes"));
  EXPECT_THAT(
      DecodeHdlcFrame(WithFcs({0x02, 0x02, 0x02, 0x02, 0x03, 0x21, 0x93})).status().message(),
      HasSubstr("destination address longer than 4 bytes"));
  EXPECT_THAT(DecodeHdlcFrame(WithFcs({0x03, 0x20, 0x20})).status().message(),
              HasSubstr("source address runs into the end of the frame"));
  EXPECT_THAT(DecodeHdlcFrame(WithFcs({0x03, 0x20, 0x21})).status().message(),
              HasSubstr("no control field"));
}

TEST(HdlcDecodeTest, BadFormatLengthAndFlags) {
  Bytes bytes = kSnrm;
  bytes[1] = 0x90;
  EXPECT_THAT(DecodeHdlcFrame(bytes).status().message(),
              HasSubstr("HDLC frame offset 1: frame format 0x90 is not type 3"));
  bytes = kSnrm;
  bytes[2] = 0x08;
  EXPECT_THAT(DecodeHdlcFrame(bytes).status().message(),
              HasSubstr("frame length 8 but 7 bytes between the flags"));
  EXPECT_THAT(DecodeHdlcFrame(Slice(kSnrm, 1, kSnrm.size())).status().message(),
              HasSubstr("no opening flag"));
  EXPECT_THAT(DecodeHdlcFrame(Slice(kSnrm, 0, kSnrm.size() - 1)).status().message(),
              HasSubstr("no closing flag"));
  EXPECT_THAT(DecodeHdlcFrame(Bytes{0x7E, 0xA0, 0x03, 0x03, 0x7E}).status().message(),
              HasSubstr("frame of 3 bytes, at least 7 needed"));
  EXPECT_FALSE(DecodeHdlcFrame(Bytes{}).ok());
  EXPECT_FALSE(DecodeHdlcFrame(Bytes{0x7E}).ok());
}

TEST(HdlcDecodeTest, UnsupportedControlNamesItsOffset) {
  EXPECT_THAT(DecodeHdlcFrame(WithFcs({0x03, 0x21, 0x09})).status().message(),
              HasSubstr("HDLC frame offset 5: unsupported supervisory control field 0x09"));
}

TEST(HdlcDecodeTest, HcsWithEmptyInformationField) {
  // Header, HCS, no information: accepted as a frame without information.
  Bytes body = {0xA0, 0x09, 0x03, 0x21, 0x93};
  const uint16_t hcs = HdlcFcs(body);
  body.push_back(static_cast<uint8_t>(hcs & 0xFF));
  body.push_back(static_cast<uint8_t>(hcs >> 8));
  const uint16_t fcs = HdlcFcs(body);
  body.push_back(static_cast<uint8_t>(fcs & 0xFF));
  body.push_back(static_cast<uint8_t>(fcs >> 8));
  body.insert(body.begin(), kHdlcFlag);
  body.push_back(kHdlcFlag);
  auto frame = DecodeHdlcFrame(body);
  ASSERT_TRUE(frame.ok()) << frame.status();
  EXPECT_TRUE(frame->info.empty());
  // One byte between control and FCS cannot be a HCS.
  EXPECT_THAT(DecodeHdlcFrame(WithFcs({0x03, 0x21, 0x93, 0x00})).status().message(),
              HasSubstr("1 byte between the control field and the FCS"));
}

TEST(HdlcAddressTest, Validation) {
  EXPECT_TRUE(ValidateHdlcAddress(HdlcAddress::Server(0x7F)).ok());
  EXPECT_TRUE(ValidateHdlcAddress(HdlcAddress::Server(0x3FFF, 0x3FFF, 4)).ok());
  EXPECT_FALSE(ValidateHdlcAddress(HdlcAddress::Server(0x80)).ok());
  EXPECT_FALSE(ValidateHdlcAddress(HdlcAddress::Server(1, 0x80, 2)).ok());
  EXPECT_FALSE(ValidateHdlcAddress(HdlcAddress::Server(0x4000, 0, 4)).ok());
  EXPECT_FALSE(ValidateHdlcAddress(HdlcAddress{1, 1, 1}).ok());
  EXPECT_THAT(ValidateHdlcAddress(HdlcAddress::Server(1, 1, 3)).message(), HasSubstr("3 bytes"));
  EXPECT_EQ(HdlcAddress::Server(1, 17, 4).DebugString(), "1/17 (4 bytes)");
  EXPECT_EQ(kClient.DebugString(), "16");
}

TEST(HdlcDeframerTest, ReferenceSessionInOneChunkWithSharedFlags) {
  // The closing flag of each frame opens the next.
  Bytes stream;
  for (const Bytes* frame : {&kSnrm, &kUa, &kAarq, &kAare, &kGet, &kRr}) {
    stream.insert(stream.end(), frame->begin() + (stream.empty() ? 0 : 1), frame->end());
  }
  HdlcDeframer deframer;
  const std::vector<HdlcFrame> frames = FramesOf(deframer.Feed(stream));
  ASSERT_THAT(frames, SizeIs(6));
  EXPECT_EQ(EncodeHdlcFrame(frames[0]), kSnrm);
  EXPECT_EQ(EncodeHdlcFrame(frames[1]), kUa);
  EXPECT_EQ(EncodeHdlcFrame(frames[2]), kAarq);
  EXPECT_EQ(EncodeHdlcFrame(frames[3]), kAare);
  EXPECT_EQ(EncodeHdlcFrame(frames[4]), kGet);
  EXPECT_EQ(EncodeHdlcFrame(frames[5]), kRr);
  EXPECT_EQ(deframer.buffered(), 1u);  // the last flag may open another frame
}

TEST(HdlcDeframerTest, ByteByByteWithDoubledFlags) {
  const Bytes stream = Concat({{0x7E, 0x7E}, kSnrm, kAarq, {0x7E, 0x7E, 0x7E}, kRr});
  HdlcDeframer deframer;
  std::vector<HdlcFrame> frames;
  for (uint8_t byte : stream) {
    for (const HdlcFrame& frame : FramesOf(deframer.Feed(Bytes{byte}))) frames.push_back(frame);
    EXPECT_LE(deframer.buffered(), 2048u + 2);
  }
  ASSERT_THAT(frames, SizeIs(3));
  EXPECT_EQ(EncodeHdlcFrame(frames[1]), kAarq);
  EXPECT_EQ(frames[2].control, HdlcControl::Rr(2, true));
}

TEST(HdlcDeframerTest, ArbitraryChunks) {
  const Bytes stream = Concat({kUa, kAare, kGet});
  for (size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    HdlcDeframer deframer;
    std::vector<HdlcFrame> frames;
    for (size_t at = 0; at < stream.size(); at += chunk) {
      const size_t end = std::min(stream.size(), at + chunk);
      for (const HdlcFrame& frame : FramesOf(deframer.Feed(Slice(stream, at, end)))) {
        frames.push_back(frame);
      }
    }
    ASSERT_THAT(frames, SizeIs(3)) << "chunk " << chunk;
    EXPECT_EQ(EncodeHdlcFrame(frames[2]), kGet);
  }
}

TEST(HdlcDeframerTest, BadFcsIsReportedAndTheNextFrameSurvives) {
  Bytes bad = kAarq;
  bad[20] ^= 0x40;
  const Bytes stream = Concat({kSnrm, bad, kGet});
  HdlcDeframer deframer;
  const auto results = deframer.Feed(stream);
  ASSERT_THAT(results, SizeIs(3));
  EXPECT_TRUE(results[0].ok());
  ASSERT_FALSE(results[1].ok());
  // The AARQ starts 9 bytes into the stream; its FCS 64 bytes later.
  EXPECT_THAT(results[1].status().message(), HasSubstr("HDLC stream offset 73: bad FCS"));
  ASSERT_TRUE(results[2].ok());
  EXPECT_EQ(EncodeHdlcFrame(*results[2]), kGet);
}

TEST(HdlcDeframerTest, GarbageBeforeTheFirstFlagIsSkippedSilently) {
  HdlcDeframer deframer;
  EXPECT_THAT(deframer.Feed(Bytes{0x01, 0x02, 0xA0, 0x07}), SizeIs(0));
  EXPECT_EQ(deframer.buffered(), 0u);
  EXPECT_THAT(FramesOf(deframer.Feed(kSnrm)), SizeIs(1));
}

TEST(HdlcDeframerTest, GarbageBetweenFramesIsOneError) {
  const Bytes stream = Concat({kSnrm, {0x55, 0x55, 0x55}, kRr});
  HdlcDeframer deframer;
  const auto results = deframer.Feed(stream);
  ASSERT_THAT(results, SizeIs(3));
  EXPECT_TRUE(results[0].ok());
  EXPECT_THAT(results[1].status().message(),
              HasSubstr("HDLC stream offset 9: frame format 0x55 is not type 3"));
  EXPECT_TRUE(results[2].ok());
}

TEST(HdlcDeframerTest, LengthNotFollowedByAFlagResynchronises) {
  // An AARQ cut short after 30 bytes; where its closing flag belongs, a zero.
  const Bytes stream = Concat({Slice(kAarq, 0, 30), Bytes(40, 0x00), kRr});
  HdlcDeframer deframer;
  const auto results = deframer.Feed(stream);
  ASSERT_THAT(results, SizeIs(2));
  EXPECT_THAT(results[0].status().message(),
              HasSubstr("HDLC stream offset 66: no flag after a frame of length 65"));
  ASSERT_TRUE(results[1].ok()) << results[1].status();
  EXPECT_EQ(EncodeHdlcFrame(*results[1]), kRr);
}

TEST(HdlcDeframerTest, FramesAboveTheMaximumAreRejectedAtOnce) {
  HdlcDeframer deframer(HdlcDeframer::Options{.max_frame_length = 32});
  // A header claiming 0x41 bytes: rejected before its body arrives, nothing kept.
  auto results = deframer.Feed(Slice(kAarq, 0, 5));
  ASSERT_THAT(results, SizeIs(1));
  EXPECT_THAT(results[0].status().message(),
              HasSubstr("HDLC stream offset 1: frame length 65 outside 7..32"));
  EXPECT_EQ(deframer.buffered(), 0u);
  // The rest of that frame is skipped up to its closing flag; the SNRM after it decodes.
  results = deframer.Feed(Concat({Slice(kAarq, 5, kAarq.size()), kSnrm}));
  ASSERT_FALSE(results.empty());
  ASSERT_TRUE(results.back().ok()) << results.back().status();
  EXPECT_EQ(EncodeHdlcFrame(*results.back()), kSnrm);
}

TEST(HdlcDeframerTest, BufferStaysBounded) {
  HdlcDeframer deframer(HdlcDeframer::Options{.max_frame_length = 64});
  const Bytes start = {0x7E, 0xA0, 0x40};  // a 64-byte frame that never ends
  EXPECT_THAT(deframer.Feed(start), SizeIs(0));
  for (int i = 0; i < 62; ++i) EXPECT_THAT(deframer.Feed(Bytes{0x00}), SizeIs(0));
  EXPECT_EQ(deframer.buffered(), 64u + 1);
  auto results = deframer.Feed(Bytes{0x00});  // where the closing flag belongs
  ASSERT_THAT(results, SizeIs(1));
  EXPECT_THAT(results[0].status().message(), HasSubstr("HDLC stream offset 65: no flag"));
  EXPECT_EQ(deframer.buffered(), 0u);
}

TEST(HdlcDeframerTest, RandomNoiseNeverBreaksIt) {
  // Noise rich in flags and type-3 format bytes, with real frames in between: every real
  // frame that follows a run of noise by a full frame's length is still found.
  std::mt19937 random(20260101);
  HdlcDeframer deframer(HdlcDeframer::Options{.max_frame_length = 256});
  size_t found = 0;
  for (int round = 0; round < 2000; ++round) {
    Bytes noise(random() % 40);
    for (uint8_t& byte : noise) {
      const uint32_t pick = random() % 4;
      byte = pick == 0 ? kHdlcFlag : pick == 1 ? 0xA0 : static_cast<uint8_t>(random());
    }
    for (const auto& result : deframer.Feed(noise)) found += result.ok() ? 1 : 0;
    EXPECT_LE(deframer.buffered(), 256u + 2);
  }
  // After the noise, a gap longer than any frame the noise could have opened, then a frame.
  deframer.Feed(Bytes(300, 0x00));
  const auto results = deframer.Feed(kGet);
  ASSERT_FALSE(results.empty());
  ASSERT_TRUE(results.back().ok()) << results.back().status();
  EXPECT_EQ(EncodeHdlcFrame(*results.back()), kGet);
  EXPECT_LT(found, 10u);  // noise rarely passes a CRC-16
}

TEST(HdlcParametersTest, EmptyFieldGivesDefaults) {
  const HdlcParameters defaults = DecodeHdlcParameters(Bytes{}).value();
  EXPECT_EQ(defaults.max_info_length_transmit, 128u);
  EXPECT_EQ(defaults.max_info_length_receive, 128u);
  EXPECT_EQ(defaults.window_size_transmit, 1u);
  EXPECT_EQ(defaults.window_size_receive, 1u);
}

TEST(HdlcParametersTest, ValuesOfOneTwoAndFourBytes) {
  const Bytes info = {0x81, 0x80, 0x11, 0x05, 0x02, 0x04, 0x00, 0x06, 0x04, 0x00,
                      0x00, 0x02, 0x00, 0x07, 0x01, 0x07, 0x08, 0x02, 0x00, 0x03};
  const HdlcParameters expected{.max_info_length_transmit = 1024,
                                .max_info_length_receive = 512,
                                .window_size_transmit = 7,
                                .window_size_receive = 3};
  EXPECT_EQ(DecodeHdlcParameters(info).value(), expected);
}

TEST(HdlcParametersTest, AbsentParametersKeepTheirDefaults) {
  const Bytes info = {0x81, 0x80, 0x04, 0x06, 0x02, 0x03, 0x00};
  EXPECT_EQ(DecodeHdlcParameters(info).value(), HdlcParameters{.max_info_length_receive = 768});
}

TEST(HdlcParametersTest, UnknownParametersAreSkipped) {
  const Bytes info = {0x81, 0x80, 0x08, 0x03, 0x03, 0x01, 0x02, 0x03, 0x08, 0x01, 0x04};
  EXPECT_EQ(DecodeHdlcParameters(info).value(), HdlcParameters{.window_size_receive = 4});
}

TEST(HdlcParametersTest, EncodesWithTheWidthsAsked) {
  const HdlcParameters parameters{.max_info_length_transmit = 1024,
                                  .max_info_length_receive = 128,
                                  .window_size_transmit = 3,
                                  .window_size_receive = 1};
  EXPECT_EQ(EncodeHdlcParameters(parameters, {.max_info_length = 0, .window_size = 1}),
            (Bytes{0x81, 0x80, 0x0D, 0x05, 0x02, 0x04, 0x00, 0x06, 0x01, 0x80, 0x07, 0x01, 0x03,
                   0x08, 0x01, 0x01}));
  EXPECT_EQ(EncodeHdlcParameters(parameters, {.max_info_length = 2, .window_size = 2}),
            (Bytes{0x81, 0x80, 0x10, 0x05, 0x02, 0x04, 0x00, 0x06, 0x02, 0x00, 0x80, 0x07, 0x02,
                   0x00, 0x03, 0x08, 0x02, 0x00, 0x01}));
  EXPECT_EQ(DecodeHdlcParameters(EncodeHdlcParameters(parameters)).value(), parameters);
}

TEST(HdlcParametersTest, Errors) {
  auto message = [](const Bytes& info) {
    return std::string(DecodeHdlcParameters(info).status().message());
  };
  EXPECT_THAT(message({0x82, 0x80, 0x00}),
              HasSubstr("HDLC parameters offset 0: format identifier 0x82"));
  EXPECT_THAT(message({0x81, 0xF0, 0x00}),
              HasSubstr("HDLC parameters offset 1: group identifier 0xF0"));
  EXPECT_THAT(message({0x81, 0x80}), HasSubstr("truncated group header"));
  EXPECT_THAT(message({0x81, 0x80, 0x04, 0x05, 0x01, 0x80}),
              HasSubstr("offset 2: group length 4 but 3 bytes follow"));
  EXPECT_THAT(message({0x81, 0x80, 0x05, 0x05, 0x03, 0x00, 0x00, 0x80}),
              HasSubstr("offset 4: parameter 0x05 value of 3 bytes"));
  EXPECT_THAT(message({0x81, 0x80, 0x03, 0x07, 0x01, 0x00}),
              HasSubstr("offset 5: window size 0 outside 1..7"));
  EXPECT_THAT(message({0x81, 0x80, 0x03, 0x08, 0x01, 0x08}), HasSubstr("window size 8"));
  EXPECT_THAT(message({0x81, 0x80, 0x04, 0x06, 0x02, 0x00, 0x00}),
              HasSubstr("maximum information field length 0"));
  EXPECT_THAT(message({0x81, 0x80, 0x03, 0x05, 0x02, 0x00}), HasSubstr("runs past the group"));
  EXPECT_THAT(message({0x81, 0x80, 0x01, 0x05}), HasSubstr("truncated parameter header"));
}

}  // namespace
}  // namespace vmuc::dlms
