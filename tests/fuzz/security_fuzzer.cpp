// libFuzzer target: security suite 0 (dlms/security.h) with the fixed keys of
// dlms-wire-examples.md: the glo-ciphered and general-glo-ciphering decoders, the ciphered
// content parser, data-notification unprotection, HLS-GMAC verification and AES key unwrap.
//
// Mutated ciphertext almost never carries a valid tag, so the input is used twice:
//  - as received bytes: every decoder returns a status, and what unprotects re-protects to
//    the very input (GCM under one key, IV and AAD is deterministic; encryption-only 0x20,
//    which has no tag, gets this far with any bytes);
//  - as a plain APDU to protect: byte 0 picks the security control byte, bytes 1..4 the
//    invocation counter, the rest is the APDU; whatever protects must unprotect to the
//    same APDU, counter and policy, in all three framings, and an HLS f(challenge) must
//    verify.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/check.h"
#include "dlms/security.h"

namespace vmuc::dlms {
namespace {

// dlms-wire-examples.md, "TCP wrapper, HLS mechanism 5 (GMAC), security suite 0".
const CipherKeys kKeys{{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B,
                        0x0C, 0x0D, 0x0E, 0x0F},
                       {0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB,
                        0xDC, 0xDD, 0xDE, 0xDF},
                       Key128{0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA,
                              0xBB, 0xBC, 0xBD, 0xBE, 0xBF}};
const SystemTitle kClientTitle = {0x47, 0x75, 0x72, 0x75, 0x78, 0x31, 0x32, 0x33};
const SystemTitle kServerTitle = {0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48};
const std::array<uint8_t, 16> kChallenge = {0x39, 0x0c, 0x44, 0x4c, 0x4d, 0xc0, 0x10, 0xac,
                                            0x20, 0x40, 0x5f, 0x8a, 0x9d, 0x55, 0xa7, 0x8c};
const Key128 kKek = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                     0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F};

// Security control bytes worth protecting with: the three suite-0 policies, each with the
// unicast and the broadcast key, plus a few that must be refused.
constexpr std::array<uint8_t, 10> kControls = {0x30, 0x10, 0x20, 0x70, 0x50,
                                               0x60, 0x00, 0x31, 0xB0, 0x3F};

bool Same(const UnprotectedApdu& a, const UnprotectedApdu& b) { return a == b; }

void AsReceived(std::span<const uint8_t> input) {
  (void)CheckSecurityControl(input.empty() ? 0 : input[0]);
  for (const SystemTitle& sender : {kClientTitle, kServerTitle}) {
    if (auto plain = UnprotectApdu(input, sender, kKeys); plain.ok()) {
      auto again = ProtectApdu(plain->security_control, sender, plain->invocation_counter, kKeys,
                               plain->apdu);
      VMUC_CHECK(again.ok(), "ProtectApdu refuses what UnprotectApdu accepted");
      VMUC_CHECK(*again == std::vector<uint8_t>(input.begin(), input.end()),
                 "UnprotectApdu accepted bytes ProtectApdu would not write");
    }
    if (auto glo = DecodeGloCiphered(input, sender, kKeys); glo.ok()) {
      auto again = EncodeGloCiphered(glo->security_control, sender, glo->invocation_counter, kKeys,
                                     glo->apdu);
      VMUC_CHECK(again.ok(), "EncodeGloCiphered refuses what DecodeGloCiphered accepted");
      auto back = DecodeGloCiphered(*again, sender, kKeys);
      VMUC_CHECK(back.ok() && Same(*back, *glo), "glo-ciphered round trip");
    }
  }
  if (auto framing = DecodeGeneralGloCiphering(input); framing.ok()) {
    auto again = DecodeGeneralGloCiphering(EncodeGeneralGloCiphering(*framing));
    VMUC_CHECK(again.ok() && *again == *framing, "general-glo-ciphering framing round trip");
  }
  if (auto general = GeneralGloDecipher(input, kKeys); general.ok()) {
    auto again = GeneralGloCipher(general->security_control, general->system_title,
                                  general->invocation_counter, kKeys, general->apdu);
    VMUC_CHECK(again.ok(), "GeneralGloCipher refuses what GeneralGloDecipher accepted");
    auto back = GeneralGloDecipher(*again, kKeys);
    VMUC_CHECK(back.ok() && Same(*back, *general), "general-glo-ciphering round trip");
  }
  (void)UnprotectDataNotification(input, kKeys);
  (void)VerifyHlsGmac(input, kClientTitle, kKeys, kChallenge);
  (void)UnwrapKey(kKek, input);
}

void AsPlain(std::span<const uint8_t> input) {
  if (input.size() < 5) return;
  const uint8_t control = kControls[input[0] % kControls.size()];
  const uint32_t counter = (uint32_t{input[1]} << 24) | (uint32_t{input[2]} << 16) |
                           (uint32_t{input[3]} << 8) | uint32_t{input[4]};
  const std::span<const uint8_t> apdu = input.subspan(5);
  const bool supported = CheckSecurityControl(control).ok();

  auto content = ProtectApdu(control, kServerTitle, counter, kKeys, apdu);
  VMUC_CHECK(content.ok() == supported, "ProtectApdu disagrees with CheckSecurityControl");
  if (content.ok()) {
    auto plain = UnprotectApdu(*content, kServerTitle, kKeys);
    VMUC_CHECK(plain.ok(), "UnprotectApdu refuses ProtectApdu's output");
    VMUC_CHECK(plain->security_control == control && plain->invocation_counter == counter &&
                   plain->system_title == kServerTitle &&
                   plain->apdu == std::vector<uint8_t>(apdu.begin(), apdu.end()),
               "ProtectApdu / UnprotectApdu round trip");
  }
  if (auto glo = EncodeGloCiphered(control, kServerTitle, counter, kKeys, apdu); glo.ok()) {
    auto plain = DecodeGloCiphered(*glo, kServerTitle, kKeys);
    VMUC_CHECK(plain.ok(), "DecodeGloCiphered refuses EncodeGloCiphered's output");
    VMUC_CHECK(plain->invocation_counter == counter &&
                   plain->apdu == std::vector<uint8_t>(apdu.begin(), apdu.end()),
               "glo-ciphered round trip");
  }
  if (auto general = GeneralGloCipher(control, kServerTitle, counter, kKeys, apdu); general.ok()) {
    auto plain = GeneralGloDecipher(*general, kKeys);
    VMUC_CHECK(plain.ok(), "GeneralGloDecipher refuses GeneralGloCipher's output");
    VMUC_CHECK(plain->system_title == kServerTitle && plain->invocation_counter == counter &&
                   plain->apdu == std::vector<uint8_t>(apdu.begin(), apdu.end()),
               "general-glo-ciphering round trip");
  }
  if (auto response = ComputeHlsGmac(apdu, kServerTitle, counter, kKeys); response.ok()) {
    auto verified = VerifyHlsGmac(*response, kServerTitle, kKeys, apdu);
    VMUC_CHECK(verified.ok() && *verified == counter, "HLS-GMAC f(challenge) does not verify");
  }
  if (apdu.size() >= 16) {
    Key128 key{};
    std::copy(apdu.begin(), apdu.begin() + 16, key.begin());
    auto wrapped = WrapKey(kKek, key);
    VMUC_CHECK(wrapped.ok(), "WrapKey");
    auto unwrapped = UnwrapKey(kKek, *wrapped);
    VMUC_CHECK(unwrapped.ok() && *unwrapped == key, "AES key wrap round trip");
  }
}

}  // namespace
}  // namespace vmuc::dlms

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  vmuc::dlms::AsReceived(input);
  vmuc::dlms::AsPlain(input);
  return 0;
}
