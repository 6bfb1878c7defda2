#include "dlms/security.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/escaping.h"
#include "common/time.h"
#include "dlms/data_notification.h"
#include "dlms/obis.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vmuc::dlms {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using Bytes = std::vector<uint8_t>;

Bytes Hex(std::string_view hex) {
  std::string digits;
  for (char c : hex) {
    if (c != ' ') digits.push_back(c);
  }
  const std::string raw = absl::HexStringToBytes(digits);
  return Bytes(raw.begin(), raw.end());
}

// The session of dlms-wire-examples.md, "TCP wrapper, HLS mechanism 5 (GMAC), security
// suite 0, authenticated and encrypted".
CipherKeys ReferenceKeys() {
  return CipherKeys{
      .unicast_key = ParseKey128("000102030405060708090A0B0C0D0E0F", "guek").value(),
      .authentication_key = ParseKey128("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF", "gak").value(),
      .broadcast_key = std::nullopt};
}
const SystemTitle kClientTitle = {0x47, 0x75, 0x72, 0x75, 0x78, 0x31, 0x32, 0x33};
const SystemTitle kServerTitle = {0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48};
const Bytes kChallenge = Hex("390c444c4dc010ac20405f8a9d55a78c");

// (a) The AARQ's user-information, inside `be 23 04 21`.
const Bytes kGloInitiateRequest =
    Hex("211f30 00000000 cb7ab52bb0a3c68cc368412621ffecbb59ec8d27ddc9a8730ce6");
const Bytes kInitiateRequest = Hex("01000000065f1f0400001e5dffff");
// (b) The AARE's user-information.
const Bytes kGloInitiateResponse =
    Hex("281f30 00000000 16584d6f2bf43753192ddc5081774d4498be95cf5c5796cde148");
const Bytes kInitiateResponse = Hex("0800065f1f0400001e5d04000007");
// (c) The wrapper PDU of reply_to_HLS_authentication minus its 8-byte header.
const Bytes kGloActionRequest =
    Hex("cb3130 00000002 474164cfb30c39f97421bd3751baf2253ca8968cb5b4f46bfcc1567f0388a69bda6c32ed"
        "040ffffa773e8f14");
const Bytes kActionRequest =
    Hex("c301c1000f0000280000ff010109111000000001ea9c419d2870718cd7b6181c");
// (d) The server's answer.
const Bytes kGloActionResponse =
    Hex("cf2a30 00000003 9f75d068aca8595f4b1553f0b1ce0f89cb6d6ee999afe140e65e320a07931e17fdcb07f0"
        "a4");
const Bytes kActionResponse = Hex("c701c1000100091110000000024e80c80ac4b6b9cdb222aa38");

Bytes Last(const Bytes& bytes, size_t count) { return Bytes(bytes.end() - count, bytes.end()); }

TEST(SecurityHexTest, ParsesAndFormatsKeysAndTitles) {
  auto key = ParseKey128("000102030405060708090a0b0c0d0E0F", "guek");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(FormatHex(*key), "000102030405060708090A0B0C0D0E0F");
  auto title = ParseSystemTitle("4775727578313233", "system_title");
  ASSERT_TRUE(title.ok()) << title.status();
  EXPECT_EQ(*title, kClientTitle);
  EXPECT_EQ(FormatHex(kServerTitle), "4142434445464748");
}

TEST(SecurityHexTest, ErrorsNameTheFieldAndNeverEchoTheText) {
  auto short_key = ParseKey128("00010203", "meter.1.gak");
  EXPECT_EQ(short_key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(short_key.status().message(), HasSubstr("meter.1.gak: expected 32 hex digits"));
  EXPECT_THAT(short_key.status().message(), HasSubstr("got 8 characters"));

  auto bad_digit = ParseKey128("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDX", "gak");
  EXPECT_THAT(bad_digit.status().message(), HasSubstr("gak: expected 32 hex digits"));
  EXPECT_THAT(bad_digit.status().message(), HasSubstr("character 32"));
  EXPECT_THAT(bad_digit.status().message(), Not(HasSubstr("D0D1")));

  auto title = ParseSystemTitle("47757275783132", "system_title");
  EXPECT_THAT(title.status().message(), HasSubstr("system_title: expected 16 hex digits"));
}

TEST(SecurityControlTest, AcceptsSuiteZeroPolicies) {
  EXPECT_TRUE(CheckSecurityControl(0x10).ok());
  EXPECT_TRUE(CheckSecurityControl(0x20).ok());
  EXPECT_TRUE(CheckSecurityControl(0x30).ok());
  EXPECT_TRUE(CheckSecurityControl(0x70).ok());  // broadcast key set
}

TEST(SecurityControlTest, RejectsCompressionOtherSuitesAndNoProtection) {
  EXPECT_THAT(CheckSecurityControl(0xB0).message(), HasSubstr("compression"));
  EXPECT_THAT(CheckSecurityControl(0x31).message(), HasSubstr("security suite 1"));
  EXPECT_THAT(CheckSecurityControl(0x00).message(), HasSubstr("neither authentication"));
  EXPECT_EQ(CheckSecurityControl(0x32).code(), absl::StatusCode::kInvalidArgument);
}

TEST(GloTagTest, MapsEveryServiceBothWays) {
  const std::pair<uint8_t, uint8_t> pairs[] = {
      {0x01, 0x21}, {0x08, 0x28}, {0x0E, 0x2E}, {0xC0, 0xC8}, {0xC1, 0xC9},
      {0xC2, 0xCA}, {0xC3, 0xCB}, {0xC4, 0xCC}, {0xC5, 0xCD}, {0xC7, 0xCF}};
  for (const auto& [plain, glo] : pairs) {
    EXPECT_EQ(GloTagFor(plain).value(), glo) << int{plain};
    EXPECT_EQ(PlainTagFor(glo).value(), plain) << int{glo};
  }
  EXPECT_EQ(GloTagFor(0x0F).status().code(), absl::StatusCode::kNotFound);  // data-notification
  EXPECT_THAT(GloTagFor(0x0F).status().message(), HasSubstr("0x0f"));
  EXPECT_EQ(PlainTagFor(0xC0).status().code(), absl::StatusCode::kNotFound);
}

// Reference vector (a): the AARQ's glo-initiate-request, client system title, IC 0.
TEST(ReferenceVectorTest, GloInitiateRequestDecryptsAndReencryptsByteExact) {
  auto plain = DecodeGloCiphered(kGloInitiateRequest, kClientTitle, ReferenceKeys());
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->apdu, kInitiateRequest);
  EXPECT_EQ(plain->security_control, 0x30);
  EXPECT_EQ(plain->invocation_counter, 0u);
  EXPECT_EQ(plain->system_title, kClientTitle);

  auto ciphered = EncodeGloCiphered(0x30, kClientTitle, 0, ReferenceKeys(), kInitiateRequest);
  ASSERT_TRUE(ciphered.ok()) << ciphered.status();
  EXPECT_EQ(*ciphered, kGloInitiateRequest);
}

// Reference vector (b): the AARE's glo-initiate-response, server system title, IC 0.
TEST(ReferenceVectorTest, GloInitiateResponseDecryptsAndReencryptsByteExact) {
  auto plain = DecodeGloCiphered(kGloInitiateResponse, kServerTitle, ReferenceKeys());
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->apdu, kInitiateResponse);
  EXPECT_EQ(plain->invocation_counter, 0u);

  auto ciphered = EncodeGloCiphered(0x30, kServerTitle, 0, ReferenceKeys(), kInitiateResponse);
  ASSERT_TRUE(ciphered.ok()) << ciphered.status();
  EXPECT_EQ(*ciphered, kGloInitiateResponse);
}

// Reference vector (c): glo-action-request with IC 2 carrying f(StoC), IC 1.
TEST(ReferenceVectorTest, GloActionRequestCarriesTheClientsHlsGmac) {
  auto plain = DecodeGloCiphered(kGloActionRequest, kClientTitle, ReferenceKeys());
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->apdu, kActionRequest);
  EXPECT_EQ(plain->invocation_counter, 2u);

  auto f_stoc = ComputeHlsGmac(kChallenge, kClientTitle, 1, ReferenceKeys());
  ASSERT_TRUE(f_stoc.ok()) << f_stoc.status();
  EXPECT_EQ(Bytes(f_stoc->begin(), f_stoc->end()), Hex("10 00000001 ea9c419d2870718cd7b6181c"));
  EXPECT_EQ(Bytes(f_stoc->begin(), f_stoc->end()), Last(kActionRequest, 17));

  // The server checks it against the StoC it sent.
  auto ic = VerifyHlsGmac(Last(kActionRequest, 17), kClientTitle, ReferenceKeys(), kChallenge);
  ASSERT_TRUE(ic.ok()) << ic.status();
  EXPECT_EQ(*ic, 1u);

  auto ciphered = EncodeGloCiphered(0x30, kClientTitle, 2, ReferenceKeys(), kActionRequest);
  ASSERT_TRUE(ciphered.ok()) << ciphered.status();
  EXPECT_EQ(*ciphered, kGloActionRequest);
}

// Reference vector (d): glo-action-response with IC 3 carrying f(CtoS), IC 2.
TEST(ReferenceVectorTest, GloActionResponseCarriesTheServersHlsGmac) {
  auto plain = DecodeGloCiphered(kGloActionResponse, kServerTitle, ReferenceKeys());
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->apdu, kActionResponse);
  EXPECT_EQ(plain->invocation_counter, 3u);

  auto f_ctos = ComputeHlsGmac(kChallenge, kServerTitle, 2, ReferenceKeys());
  ASSERT_TRUE(f_ctos.ok()) << f_ctos.status();
  EXPECT_EQ(Bytes(f_ctos->begin(), f_ctos->end()), Hex("10 00000002 4e80c80ac4b6b9cdb222aa38"));
  EXPECT_EQ(Bytes(f_ctos->begin(), f_ctos->end()), Last(kActionResponse, 17));
  auto ic = VerifyHlsGmac(Last(kActionResponse, 17), kServerTitle, ReferenceKeys(), kChallenge);
  ASSERT_TRUE(ic.ok()) << ic.status();
  EXPECT_EQ(*ic, 2u);

  auto ciphered = EncodeGloCiphered(0x30, kServerTitle, 3, ReferenceKeys(), kActionResponse);
  ASSERT_TRUE(ciphered.ok()) << ciphered.status();
  EXPECT_EQ(*ciphered, kGloActionResponse);
}

TEST(HlsGmacTest, RejectsAWrongTagTitleChallengeOrShape) {
  const Bytes f_stoc = Last(kActionRequest, 17);
  // The server title instead of the client's: the IV differs.
  auto wrong_title = VerifyHlsGmac(f_stoc, kServerTitle, ReferenceKeys(), kChallenge);
  EXPECT_EQ(wrong_title.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(wrong_title.status().message(), HasSubstr("authentication tag"));

  Bytes other_challenge = kChallenge;
  other_challenge[0] ^= 1;
  EXPECT_EQ(VerifyHlsGmac(f_stoc, kClientTitle, ReferenceKeys(), other_challenge).status().code(),
            absl::StatusCode::kPermissionDenied);

  Bytes flipped = f_stoc;
  flipped[16] ^= 0x80;
  EXPECT_EQ(VerifyHlsGmac(flipped, kClientTitle, ReferenceKeys(), kChallenge).status().code(),
            absl::StatusCode::kPermissionDenied);

  Bytes wrong_sc = f_stoc;
  wrong_sc[0] = 0x30;
  EXPECT_THAT(VerifyHlsGmac(wrong_sc, kClientTitle, ReferenceKeys(), kChallenge).status().message(),
              HasSubstr("security control 0x30"));
  EXPECT_EQ(VerifyHlsGmac(Bytes(16), kClientTitle, ReferenceKeys(), kChallenge).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ComputeHlsGmac(Bytes(7), kClientTitle, 1, ReferenceKeys()).status().message(),
              HasSubstr("8..64 bytes"));
  EXPECT_TRUE(ComputeHlsGmac(Bytes(64), kClientTitle, 1, ReferenceKeys()).ok());
}

TEST(ProtectTest, FlippedCiphertextBitIsPermissionDenied) {
  for (size_t at = 7; at < kGloActionRequest.size(); ++at) {
    Bytes altered = kGloActionRequest;
    altered[at] ^= 0x01;
    auto result = DecodeGloCiphered(altered, kClientTitle, ReferenceKeys());
    EXPECT_EQ(result.status().code(), absl::StatusCode::kPermissionDenied) << "byte " << at;
    EXPECT_THAT(result.status().message(), HasSubstr("authentication tag"));
  }
}

TEST(ProtectTest, AlteredSecurityHeaderIsRejected) {
  Bytes altered_counter = kGloActionRequest;
  altered_counter[6] = 0x03;  // IC 3 instead of 2: a different IV
  EXPECT_EQ(DecodeGloCiphered(altered_counter, kClientTitle, ReferenceKeys()).status().code(),
            absl::StatusCode::kPermissionDenied);
  // Relabelling 0x30 as encryption-only turns the tag into ciphertext and decrypts without
  // complaint: only the reported security control tells, which is why callers check it
  // against the association's policy.
  Bytes encryption_only = kGloActionRequest;
  encryption_only[2] = 0x20;
  auto stripped = DecodeGloCiphered(encryption_only, kClientTitle, ReferenceKeys());
  ASSERT_TRUE(stripped.ok()) << stripped.status();
  EXPECT_EQ(stripped->security_control, 0x20);
  EXPECT_NE(stripped->apdu, kActionRequest);
}

TEST(ProtectTest, WrongKeyIsPermissionDenied) {
  CipherKeys wrong_guek = ReferenceKeys();
  wrong_guek.unicast_key[15] ^= 1;
  EXPECT_EQ(DecodeGloCiphered(kGloActionRequest, kClientTitle, wrong_guek).status().code(),
            absl::StatusCode::kPermissionDenied);
  CipherKeys wrong_gak = ReferenceKeys();
  wrong_gak.authentication_key[0] ^= 1;
  auto result = DecodeGloCiphered(kGloActionRequest, kClientTitle, wrong_gak);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(result.status().message(), HasSubstr("authentication tag"));
  // The other party's system title gives another IV.
  EXPECT_EQ(DecodeGloCiphered(kGloActionRequest, kServerTitle, ReferenceKeys()).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(ProtectTest, TruncatedInputNamesTheOffset) {
  const Bytes content(kGloActionRequest.begin() + 2, kGloActionRequest.end());
  auto header_only =
      UnprotectApdu(Bytes(content.begin(), content.begin() + 3), kClientTitle, ReferenceKeys());
  EXPECT_EQ(header_only.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(header_only.status().message(), HasSubstr("offset 1"));
  EXPECT_THAT(header_only.status().message(), HasSubstr("invocation counter"));

  auto no_tag =
      UnprotectApdu(Bytes(content.begin(), content.begin() + 10), kClientTitle, ReferenceKeys());
  EXPECT_EQ(no_tag.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_tag.status().message(), HasSubstr("offset 5"));
  EXPECT_THAT(no_tag.status().message(), HasSubstr("authentication tag"));

  EXPECT_EQ(UnprotectApdu({}, kClientTitle, ReferenceKeys()).status().code(),
            absl::StatusCode::kInvalidArgument);

  // The glo length says more than follows.
  const Bytes cut(kGloActionRequest.begin(), kGloActionRequest.end() - 1);
  auto glo = DecodeGloCiphered(cut, kClientTitle, ReferenceKeys());
  EXPECT_EQ(glo.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(glo.status().message(), HasSubstr("offset 1"));
}

TEST(ProtectTest, GloTagMustMatchTheDecipheredApdu) {
  // A get-request ciphered, then relabelled as glo-action-request.
  auto ciphered =
      EncodeGloCiphered(0x30, kClientTitle, 5, ReferenceKeys(), Hex("c001c1000800000100 00ff0200"));
  ASSERT_TRUE(ciphered.ok()) << ciphered.status();
  EXPECT_EQ((*ciphered)[0], 0xC8);
  Bytes relabelled = *ciphered;
  relabelled[0] = 0xCB;
  auto result = DecodeGloCiphered(relabelled, kClientTitle, ReferenceKeys());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("must carry tag 0xc3"));

  EXPECT_EQ(EncodeGloCiphered(0x30, kClientTitle, 5, ReferenceKeys(), Hex("0f00")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_THAT(DecodeGloCiphered(Hex("0f00"), kClientTitle, ReferenceKeys()).status().message(),
              HasSubstr("not a service-specific glo-ciphered APDU"));
}

TEST(ProtectTest, AuthenticationOnlyKeepsTheApduInClear) {
  const Bytes apdu = Hex("c001c1000800000100 00ff0200");
  auto content = ProtectApdu(0x10, kServerTitle, 7, ReferenceKeys(), apdu);
  ASSERT_TRUE(content.ok()) << content.status();
  ASSERT_EQ(content->size(), 5 + apdu.size() + 12);
  EXPECT_EQ(Bytes(content->begin(), content->begin() + 5), Hex("10 00000007"));
  EXPECT_EQ(Bytes(content->begin() + 5, content->end() - 12), apdu);

  auto plain = UnprotectApdu(*content, kServerTitle, ReferenceKeys());
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->apdu, apdu);
  EXPECT_EQ(plain->security_control, 0x10);
  EXPECT_EQ(plain->invocation_counter, 7u);

  // The clear APDU is authenticated: altering it breaks the tag.
  Bytes altered = *content;
  altered[8] ^= 0x04;
  EXPECT_EQ(UnprotectApdu(altered, kServerTitle, ReferenceKeys()).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(ProtectTest, EncryptionOnlyHasNoTag) {
  const Bytes apdu = Hex("c001c1000800000100 00ff0200");
  auto content = ProtectApdu(0x20, kServerTitle, 9, ReferenceKeys(), apdu);
  ASSERT_TRUE(content.ok()) << content.status();
  ASSERT_EQ(content->size(), 5 + apdu.size());
  EXPECT_NE(Bytes(content->begin() + 5, content->end()), apdu);
  // The same key stream as the authenticated-and-encrypted form (GCM's counter mode).
  auto both = ProtectApdu(0x30, kServerTitle, 9, ReferenceKeys(), apdu);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(Bytes(content->begin() + 5, content->end()),
            Bytes(both->begin() + 5, both->end() - 12));

  auto plain = UnprotectApdu(*content, kServerTitle, ReferenceKeys());
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->apdu, apdu);
  EXPECT_EQ(plain->security_control, 0x20);
}

TEST(ProtectTest, BroadcastKeySetUsesTheBroadcastKey) {
  const Bytes apdu = Hex("c40100 00 0600000001");
  EXPECT_EQ(ProtectApdu(0x70, kServerTitle, 1, ReferenceKeys(), apdu).status().code(),
            absl::StatusCode::kFailedPrecondition);
  CipherKeys keys = ReferenceKeys();
  keys.broadcast_key = ParseKey128("B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF", "gbek").value();
  auto broadcast = ProtectApdu(0x70, kServerTitle, 1, keys, apdu);
  ASSERT_TRUE(broadcast.ok()) << broadcast.status();
  auto unicast = ProtectApdu(0x30, kServerTitle, 1, keys, apdu);
  ASSERT_TRUE(unicast.ok());
  EXPECT_NE(Bytes(broadcast->begin() + 5, broadcast->end()),
            Bytes(unicast->begin() + 5, unicast->end()));
  auto plain = UnprotectApdu(*broadcast, kServerTitle, keys);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->apdu, apdu);
}

TEST(ProtectTest, RejectsUnsupportedSecurityControl) {
  EXPECT_EQ(ProtectApdu(0x31, kServerTitle, 1, ReferenceKeys(), Hex("c0")).status().code(),
            absl::StatusCode::kInvalidArgument);
  Bytes content = ProtectApdu(0x30, kServerTitle, 1, ReferenceKeys(), Hex("c0")).value();
  content[0] = 0xB0;
  auto result = UnprotectApdu(content, kServerTitle, ReferenceKeys());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("offset 0"));
  EXPECT_THAT(result.status().message(), HasSubstr("compression"));
}

TEST(GeneralGloCipheringTest, FramingRoundTrips) {
  GeneralGloCiphering apdu{.system_title = kServerTitle, .ciphered_content = Hex("3000000001aa")};
  const Bytes encoded = EncodeGeneralGloCiphering(apdu);
  EXPECT_EQ(encoded, Hex("db 08 4142434445464748 06 3000000001aa"));
  auto decoded = DecodeGeneralGloCiphering(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, apdu);

  // A long content takes the 0x81 length form.
  apdu.ciphered_content.assign(200, 0x5A);
  const Bytes long_form = EncodeGeneralGloCiphering(apdu);
  EXPECT_EQ(long_form[10], 0x81);
  EXPECT_EQ(long_form[11], 200);
  EXPECT_EQ(DecodeGeneralGloCiphering(long_form).value(), apdu);
}

TEST(GeneralGloCipheringTest, DecodeErrorsNameTheOffset) {
  EXPECT_THAT(DecodeGeneralGloCiphering(Hex("dc 08 4142434445464748 00")).status().message(),
              HasSubstr("offset 0"));
  EXPECT_THAT(DecodeGeneralGloCiphering(Hex("db 07 41424344454647 00")).status().message(),
              HasSubstr("offset 1: system-title must be 8 bytes"));
  EXPECT_THAT(DecodeGeneralGloCiphering(Hex("db 08 4142434445464748 05 3000")).status().message(),
              HasSubstr("offset 10: ciphered-content length 5, but 2 bytes follow"));
  EXPECT_THAT(DecodeGeneralGloCiphering(Hex("db 08 41424344")).status().message(),
              HasSubstr("offset 2"));
}

TEST(GeneralGloCipheringTest, CipherRoundTrip) {
  auto ciphered = GeneralGloCipher(0x30, kServerTitle, 42, ReferenceKeys(), kActionResponse);
  ASSERT_TRUE(ciphered.ok()) << ciphered.status();
  EXPECT_EQ((*ciphered)[0], 0xDB);
  // The ciphered content equals the service-specific one's: only the framing differs.
  auto glo = EncodeGloCiphered(0x30, kServerTitle, 42, ReferenceKeys(), kActionResponse);
  ASSERT_TRUE(glo.ok());
  EXPECT_EQ(Bytes(ciphered->begin() + 11, ciphered->end()), Bytes(glo->begin() + 2, glo->end()));

  auto plain = GeneralGloDecipher(*ciphered, ReferenceKeys());
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->apdu, kActionResponse);
  EXPECT_EQ(plain->system_title, kServerTitle);
  EXPECT_EQ(plain->invocation_counter, 42u);

  // Claiming another sender changes the IV.
  Bytes other_sender = *ciphered;
  other_sender[2] ^= 1;
  EXPECT_EQ(GeneralGloDecipher(other_sender, ReferenceKeys()).status().code(),
            absl::StatusCode::kPermissionDenied);
}

DataNotification ConsumerPortPush() {
  DataNotification push;
  push.long_invoke_id_and_priority = 0x00000001;
  push.date_time =
      EncodeDateTime(ParseRfc3339("2026-01-01T00:00:10Z").value(), kMeterDateTimeOptions);
  push.body = DataValue::Structure({DataValue::VisibleString("KFM_001"),
                                    DataValue::ObisCode(Obis(1, 1, 1, 7, 0, 255)),
                                    DataValue::DoubleLongUnsigned(1234)});
  return push;
}

TEST(DataNotificationCipheringTest, ConsumerPortPushRoundTrips) {
  auto ciphered = ProtectDataNotification(ConsumerPortPush(), kServerTitle, 77, ReferenceKeys());
  ASSERT_TRUE(ciphered.ok()) << ciphered.status();
  EXPECT_EQ(Bytes(ciphered->begin(), ciphered->begin() + 10), Hex("db 08 4142434445464748"));
  EXPECT_EQ((*ciphered)[11], 0x30);  // security control after the content length

  auto plain = UnprotectDataNotification(*ciphered, ReferenceKeys());
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->notification, ConsumerPortPush());
  EXPECT_EQ(plain->system_title, kServerTitle);
  EXPECT_EQ(plain->invocation_counter, 77u);
}

TEST(DataNotificationCipheringTest, RejectsWeakerPoliciesAndOtherApdus) {
  auto encryption_only = GeneralGloCipher(0x20, kServerTitle, 1, ReferenceKeys(),
                                          EncodeDataNotification(ConsumerPortPush()));
  ASSERT_TRUE(encryption_only.ok());
  EXPECT_THAT(UnprotectDataNotification(*encryption_only, ReferenceKeys()).status().message(),
              HasSubstr("security control 0x20, expected 0x30"));

  auto not_a_push = GeneralGloCipher(0x30, kServerTitle, 1, ReferenceKeys(), kActionResponse);
  ASSERT_TRUE(not_a_push.ok());
  EXPECT_THAT(UnprotectDataNotification(*not_a_push, ReferenceKeys()).status().message(),
              HasSubstr("deciphered data-notification"));
}

// RFC 3394 4.1: wrap 128 bits of key data with a 128-bit KEK.
TEST(KeyWrapTest, Rfc3394Vector41) {
  const Key128 kek = ParseKey128("000102030405060708090A0B0C0D0E0F", "kek").value();
  const Key128 key = ParseKey128("00112233445566778899AABBCCDDEEFF", "key").value();
  auto wrapped = WrapKey(kek, key);
  ASSERT_TRUE(wrapped.ok()) << wrapped.status();
  EXPECT_EQ(FormatHex(*wrapped), "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5");
  auto unwrapped = UnwrapKey(kek, *wrapped);
  ASSERT_TRUE(unwrapped.ok()) << unwrapped.status();
  EXPECT_EQ(*unwrapped, key);
}

TEST(KeyWrapTest, UnwrapFailsTheIntegrityCheck) {
  const Key128 kek = ParseKey128("000102030405060708090A0B0C0D0E0F", "kek").value();
  Bytes wrapped = Hex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5");
  Key128 wrong_kek = kek;
  wrong_kek[0] ^= 1;
  auto wrong = UnwrapKey(wrong_kek, wrapped);
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(wrong.status().message(), HasSubstr("integrity check"));

  wrapped[20] ^= 0x10;
  EXPECT_EQ(UnwrapKey(kek, wrapped).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(UnwrapKey(kek, Bytes(16)).status().code(), absl::StatusCode::kInvalidArgument);
  // A failed unwrap leaves nothing behind: the next one works.
  EXPECT_TRUE(UnwrapKey(kek, Hex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5")).ok());
}

TEST(InvocationCounterGuardTest, AcceptsOnlyIncreasingIncomingCounters) {
  InvocationCounterGuard guard(kClientTitle);
  EXPECT_FALSE(guard.last_incoming().has_value());
  EXPECT_TRUE(guard.AcceptIncoming(0).ok());
  EXPECT_TRUE(guard.AcceptIncoming(2).ok());  // gaps are fine
  auto replay = guard.AcceptIncoming(2);
  EXPECT_EQ(replay.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(replay.message(), HasSubstr("invocation counter 2"));
  EXPECT_THAT(replay.message(), HasSubstr("last accepted 2"));
  EXPECT_THAT(replay.message(), HasSubstr("4775727578313233"));
  EXPECT_EQ(guard.AcceptIncoming(1).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard.last_incoming(), 2u);
  EXPECT_TRUE(guard.AcceptIncoming(0xFFFFFFFF).ok());
  EXPECT_FALSE(guard.AcceptIncoming(0xFFFFFFFF).ok());
}

TEST(InvocationCounterGuardTest, ReplayedReferenceApduIsRefused) {
  InvocationCounterGuard guard(kClientTitle);
  auto first = DecodeGloCiphered(kGloActionRequest, kClientTitle, ReferenceKeys());
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(guard.AcceptIncoming(first->invocation_counter).ok());
  auto again = DecodeGloCiphered(kGloActionRequest, kClientTitle, ReferenceKeys());
  ASSERT_TRUE(again.ok());  // the bytes are authentic; only the counter gives it away
  EXPECT_EQ(guard.AcceptIncoming(again->invocation_counter).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(InvocationCounterGuardTest, RestoredIncomingCounterHolds) {
  InvocationCounterGuard guard(kServerTitle, /*last_incoming=*/10, /*next_outgoing=*/5);
  EXPECT_FALSE(guard.AcceptIncoming(10).ok());
  EXPECT_TRUE(guard.AcceptIncoming(11).ok());
  EXPECT_EQ(guard.NextOutgoing().value(), 5u);
}

TEST(InvocationCounterGuardTest, OutgoingCountsByOneAndRefusesToWrap) {
  InvocationCounterGuard guard(kServerTitle);
  EXPECT_EQ(guard.NextOutgoing().value(), 0u);
  EXPECT_EQ(guard.NextOutgoing().value(), 1u);
  EXPECT_EQ(guard.NextOutgoing().value(), 2u);
  EXPECT_EQ(guard.next_outgoing(), 3u);

  InvocationCounterGuard nearly_used_up(kServerTitle, std::nullopt, 0xFFFFFFFE);
  EXPECT_EQ(nearly_used_up.NextOutgoing().value(), 0xFFFFFFFEu);
  EXPECT_EQ(nearly_used_up.NextOutgoing().value(), 0xFFFFFFFFu);
  auto exhausted = nearly_used_up.NextOutgoing();
  EXPECT_EQ(exhausted.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(exhausted.status().message(), HasSubstr("key must be changed"));
  EXPECT_EQ(nearly_used_up.NextOutgoing().status().code(), absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace vmuc::dlms
