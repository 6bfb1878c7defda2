#include "dlms/wrapper.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vmuc::dlms {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

using Bytes = std::vector<uint8_t>;

Bytes FromHex(const char* hex) {
  const std::string bytes = absl::HexStringToBytes(hex);
  return Bytes(bytes.begin(), bytes.end());
}

// The wrapper session of dlms-wire-examples.md (HLS mechanism 5, client wPort 0x10,
// management logical device wPort 0x01).
const Bytes kAarq = FromHex(
    "000100100001005f605da109060760857405080103a60a040847757275783132338a0207808b076085740508"
    "0205ac128010390c444c4dc010ac20405f8a9d55a78cbe230421211f3000000000cb7ab52bb0a3c68cc36841"
    "2621ffecbb59ec8d27ddc9a8730ce6");
const Bytes kAare = FromHex(
    "0001000100100070616ea109060760857405080103a203020100a305a10302010ea40a04084142434445464748"
    "a70302010088020780890760857405080205aa128010390c444c4dc010ac20405f8a9d55a78cbe230421281f30"
    "0000000016584d6f2bf43753192ddc5081774d4498be95cf5c5796cde148");
const Bytes kAction = FromHex(
    "0001001000010033cb313000000002474164cfb30c39f97421bd3751baf2253ca8968cb5b4f46bfcc1567f0388"
    "a69bda6c32ed040ffffa773e8f14");
const Bytes kActionResponse = FromHex(
    "000100010010002ccf2a30000000039f75d068aca8595f4b1553f0b1ce0f89cb6d6ee999afe140e65e320a07"
    "931e17fdcb07f0a4");

struct Expected {
  const Bytes* bytes;
  uint16_t source;
  uint16_t destination;
  uint16_t length;
  uint8_t apdu_tag;
};

const Expected kReference[] = {
    {&kAarq, 0x10, 0x01, 0x5F, 0x60},           // AARQ
    {&kAare, 0x01, 0x10, 0x70, 0x61},           // AARE
    {&kAction, 0x10, 0x01, 0x33, 0xCB},         // glo-action-request
    {&kActionResponse, 0x01, 0x10, 0x2C, 0xCF}  // glo-action-response
};

Bytes Concat(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

TEST(WrapperTest, DecodesAndReencodesTheReferencePdus) {
  for (const Expected& expected : kReference) {
    SCOPED_TRACE(static_cast<int>(expected.apdu_tag));
    ASSERT_EQ(expected.bytes->size(), kWrapperHeaderSize + expected.length);
    auto pdu = DecodeWrapperPdu(*expected.bytes);
    ASSERT_TRUE(pdu.ok()) << pdu.status();
    EXPECT_EQ(pdu->source_wport, expected.source);
    EXPECT_EQ(pdu->destination_wport, expected.destination);
    ASSERT_THAT(pdu->apdu, SizeIs(expected.length));
    EXPECT_EQ(pdu->apdu.front(), expected.apdu_tag);
    EXPECT_EQ(EncodeWrapperPdu(*pdu), *expected.bytes);
  }
}

TEST(WrapperTest, EncodesTheHeaderBigEndian) {
  const WrapperPdu pdu{.source_wport = 0x1234, .destination_wport = 0xABCD, .apdu = {1, 2, 3}};
  EXPECT_EQ(EncodeWrapperPdu(pdu),
            (Bytes{0x00, 0x01, 0x12, 0x34, 0xAB, 0xCD, 0x00, 0x03, 1, 2, 3}));
  Bytes out = {0xFF};
  AppendWrapperPdu(WrapperPdu{.source_wport = 1, .destination_wport = 2, .apdu = {}}, out);
  EXPECT_EQ(out, (Bytes{0xFF, 0x00, 0x01, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00}));
}

TEST(WrapperTest, DecodeErrors) {
  EXPECT_THAT(DecodeWrapperPdu(Bytes{0x00, 0x01, 0x00}).status().message(),
              HasSubstr("wrapper offset 3: header truncated after 3 bytes"));
  Bytes bytes = kAction;
  bytes[1] = 0x02;
  EXPECT_THAT(DecodeWrapperPdu(bytes).status().message(),
              HasSubstr("wrapper offset 0: version 0x0002, expected 0x0001"));
  bytes = kAction;
  bytes.pop_back();
  EXPECT_THAT(DecodeWrapperPdu(bytes).status().message(),
              HasSubstr("wrapper offset 6: length 51 but 50 APDU bytes follow"));
  bytes = kAction;
  bytes.push_back(0);
  EXPECT_EQ(DecodeWrapperPdu(bytes).status().code(), absl::StatusCode::kInvalidArgument);
}

std::vector<WrapperPdu> PdusOf(const std::vector<absl::StatusOr<WrapperPdu>>& results) {
  std::vector<WrapperPdu> pdus;
  for (const auto& result : results) {
    EXPECT_TRUE(result.ok()) << result.status();
    if (result.ok()) pdus.push_back(*result);
  }
  return pdus;
}

TEST(WrapperDeframerTest, ByteByByte) {
  const Bytes stream = Concat({kAarq, kAare, kAction, kActionResponse});
  WrapperDeframer deframer;
  std::vector<WrapperPdu> pdus;
  for (uint8_t byte : stream) {
    for (const WrapperPdu& pdu : PdusOf(deframer.Feed(Bytes{byte}))) pdus.push_back(pdu);
  }
  ASSERT_THAT(pdus, SizeIs(4));
  for (size_t i = 0; i < pdus.size(); ++i)
    EXPECT_EQ(EncodeWrapperPdu(pdus[i]), *kReference[i].bytes);
  EXPECT_EQ(deframer.buffered(), 0u);
  EXPECT_TRUE(deframer.status().ok());
}

TEST(WrapperDeframerTest, TwoPdusInOneChunk) {
  WrapperDeframer deframer;
  const std::vector<WrapperPdu> pdus = PdusOf(deframer.Feed(Concat({kAction, kActionResponse})));
  ASSERT_THAT(pdus, SizeIs(2));
  EXPECT_EQ(pdus[0].source_wport, 0x10);
  EXPECT_EQ(pdus[1].source_wport, 0x01);
  EXPECT_EQ(EncodeWrapperPdu(pdus[1]), kActionResponse);
}

TEST(WrapperDeframerTest, ArbitrarySplits) {
  const Bytes stream = Concat({kAarq, kAare, kAction});
  for (size_t chunk = 1; chunk <= stream.size(); chunk += 7) {
    WrapperDeframer deframer;
    std::vector<WrapperPdu> pdus;
    for (size_t at = 0; at < stream.size(); at += chunk) {
      const size_t end = std::min(stream.size(), at + chunk);
      const Bytes part(stream.begin() + static_cast<std::ptrdiff_t>(at),
                       stream.begin() + static_cast<std::ptrdiff_t>(end));
      for (const WrapperPdu& pdu : PdusOf(deframer.Feed(part))) pdus.push_back(pdu);
    }
    ASSERT_THAT(pdus, SizeIs(3)) << "chunk " << chunk;
    EXPECT_EQ(pdus[2].apdu.front(), 0xCB);
  }
}

TEST(WrapperDeframerTest, WrongVersionStopsTheStream) {
  Bytes bad = kAare;
  bad[0] = 0x01;  // version 0x0101
  WrapperDeframer deframer;
  const auto results = deframer.Feed(Concat({kAarq, bad, kAction}));
  ASSERT_THAT(results, SizeIs(2));
  EXPECT_TRUE(results[0].ok());  // the PDU before the error is still delivered
  ASSERT_FALSE(results[1].ok());
  EXPECT_THAT(results[1].status().message(),
              HasSubstr("wrapper stream offset 103: version 0x0101, expected 0x0001"));
  EXPECT_FALSE(deframer.status().ok());
  EXPECT_EQ(deframer.buffered(), 0u);
  // Sticky: the caller is expected to close the connection.
  const auto later = deframer.Feed(kAction);
  ASSERT_THAT(later, SizeIs(1));
  EXPECT_EQ(later[0].status(), deframer.status());
}

TEST(WrapperDeframerTest, LengthAboveTheMaximum) {
  WrapperDeframer deframer(WrapperDeframer::Options{.max_apdu_length = 0x60});
  const auto results = deframer.Feed(Concat({kAarq, kAare}));  // 0x5F fits, 0x70 does not
  ASSERT_THAT(results, SizeIs(2));
  EXPECT_TRUE(results[0].ok());
  EXPECT_THAT(results[1].status().message(),
              HasSubstr("wrapper stream offset 109: length 112 above the maximum of 96"));
}

TEST(WrapperDeframerTest, LengthIsCheckedBeforeTheApduArrives) {
  WrapperDeframer deframer(WrapperDeframer::Options{.max_apdu_length = 4096});
  const Bytes header = {0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0xFF, 0xFF};
  const auto results = deframer.Feed(header);
  ASSERT_THAT(results, SizeIs(1));
  EXPECT_THAT(results[0].status().message(),
              HasSubstr("offset 6: length 65535 above the maximum of 4096"));
}

TEST(WrapperDeframerTest, DefaultAcceptsTheLargestLength) {
  WrapperDeframer deframer;
  WrapperPdu pdu{.source_wport = 1, .destination_wport = 0x10, .apdu = Bytes(65535, 0xAA)};
  const auto results = deframer.Feed(EncodeWrapperPdu(pdu));
  ASSERT_THAT(results, SizeIs(1));
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  EXPECT_EQ(*results[0], pdu);
}

}  // namespace
}  // namespace vmuc::dlms
