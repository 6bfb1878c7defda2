// DLMS/COSEM security suite 0 (AES-GCM-128): protecting and unprotecting xDLMS APDUs,
// the glo-ciphered and general-glo-ciphering wrappings, HLS mechanism 5 (GMAC), AES key
// wrap for key transfer, and the invocation counters that stop replays.
//
// References: DLMS UA 1000-2 "Green Book" Ed. 8.3, 9.2.3 (cryptographic algorithms: GCM,
// GMAC, AES key wrap), 9.2.7.2 (protecting xDLMS APDUs: security header, security control
// byte, AAD per policy), 9.2.7.4 (HLS authentication, mechanism 5); IEC 62056-5-3 xDLMS
// ASN.1 (the glo-ciphered and general-glo-ciphering APDUs); NIST SP 800-38D (GCM); RFC 3394
// (key wrap). Every AES operation goes through OpenSSL 3's EVP API.
//
// Wire shape of a "ciphered content" (Green Book 9.2.7.2, security header + information):
//
//   SC (1) || IC (4, big-endian) || ciphertext, or plaintext if authentication-only ||
//   T (12, absent if encryption-only)
//
//   IV  = sender's system title (8) || IC (4)
//   AAD = SC || AK                   authenticated and encrypted (0x30)
//         SC || AK || plaintext      authentication-only (0x10)
//         (none, no tag)             encryption-only (0x20)
//
// The functions are pure and thread-safe; they treat their input as hostile and never put
// key bytes into a message. An InvocationCounterGuard is a plain value owned by one session
// (one peer, one key set) and used by that session's thread only.
#ifndef VMUC_DLMS_SECURITY_H_
#define VMUC_DLMS_SECURITY_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dlms/data_notification.h"

namespace vmuc::dlms {

using Key128 = std::array<uint8_t, 16>;
using SystemTitle = std::array<uint8_t, 8>;

// Parses exactly 32 (resp. 16) hex digits, either case, nothing else. Errors read
// "<field>: expected 32 hex digits ..." and never echo the text (it may be a secret).
absl::StatusOr<Key128> ParseKey128(std::string_view hex, std::string_view field);
absl::StatusOr<SystemTitle> ParseSystemTitle(std::string_view hex, std::string_view field);
// Upper-case hex without separators, the form the Green Book's examples use.
std::string FormatHex(std::span<const uint8_t> bytes);

// The keys of one security context (Green Book 9.2.4: global keys of a Security setup
// object). The authentication key is used by every suite-0 policy that authenticates; the
// broadcast key only when the security control byte selects the broadcast key set.
struct CipherKeys {
  Key128 unicast_key;                   // GUEK, the block cipher key EK of unicast APDUs
  Key128 authentication_key;            // GAK, AK
  std::optional<Key128> broadcast_key;  // GBEK
};

// Security control byte (Green Book 9.2.7.2, "Security header").
inline constexpr uint8_t kSecuritySuiteMask = 0x0F;      // bits 0..3: security suite id
inline constexpr uint8_t kSecurityAuthenticated = 0x10;  // bit 4
inline constexpr uint8_t kSecurityEncrypted = 0x20;      // bit 5
inline constexpr uint8_t kSecurityBroadcastKey = 0x40;   // bit 6: 0 unicast, 1 broadcast key
inline constexpr uint8_t kSecurityCompressed = 0x80;     // bit 7 (V.44), not supported
inline constexpr uint8_t kSecurityAuthenticatedEncrypted =
    kSecurityAuthenticated | kSecurityEncrypted;

inline constexpr size_t kSecurityHeaderSize = 5;  // SC || IC
inline constexpr size_t kAuthenticationTagSize = 12;
inline constexpr size_t kWrappedKeySize = 24;  // RFC 3394: 16-byte key + 8-byte check block

// OK for suite 0 without compression that authenticates, encrypts or both; otherwise
// InvalidArgument naming the byte and what is unsupported.
absl::Status CheckSecurityControl(uint8_t security_control);

// A ciphered content with its security header taken apart.
struct UnprotectedApdu {
  uint8_t security_control = 0;
  uint32_t invocation_counter = 0;
  SystemTitle system_title{};  // the sender's, as used in the IV
  std::vector<uint8_t> apdu;   // the plain xDLMS APDU

  friend bool operator==(const UnprotectedApdu&, const UnprotectedApdu&) = default;
};

// Returns the ciphered content SC || IC || information || tag for `apdu` sent by
// `sender` with invocation counter `invocation_counter` (which the caller takes from its
// InvocationCounterGuard). InvalidArgument for an unsupported security control byte;
// FailedPrecondition if it selects the broadcast key and `keys` has none.
absl::StatusOr<std::vector<uint8_t>> ProtectApdu(uint8_t security_control,
                                                 const SystemTitle& sender,
                                                 uint32_t invocation_counter,
                                                 const CipherKeys& keys,
                                                 std::span<const uint8_t> apdu);

// The reverse of ProtectApdu: `ciphered_content` must be exactly one ciphered content.
// Truncation and unsupported security control bytes are InvalidArgument naming the offset;
// a tag that does not verify (wrong key, wrong sender, altered byte) is PermissionDenied
// naming the authentication tag. Neither the policy nor the invocation counter is judged:
// the caller checks `security_control` against the association's security policy (Green
// Book 9.2.7.2: an attacker can relabel 0x30 as 0x20, which then "decrypts" without a tag)
// and passes the counter to InvocationCounterGuard::AcceptIncoming.
absl::StatusOr<UnprotectedApdu> UnprotectApdu(std::span<const uint8_t> ciphered_content,
                                              const SystemTitle& sender, const CipherKeys& keys);

// Service-specific global ciphering (IEC 62056-5-3 xDLMS ASN.1: glo-initiateRequest [33]
// ... glo-action-response [207]): the glo tag of a plain APDU tag, and back. NotFound
// naming the tag for an APDU that has no glo-ciphered form.
absl::StatusOr<uint8_t> GloTagFor(uint8_t plain_tag);
absl::StatusOr<uint8_t> PlainTagFor(uint8_t glo_tag);

// glo-xxx ::= OCTET STRING: glo tag || A-XDR length || ciphered content, the glo tag chosen
// by apdu[0] (InvalidArgument for an empty APDU, NotFound for a tag without glo form).
absl::StatusOr<std::vector<uint8_t>> EncodeGloCiphered(uint8_t security_control,
                                                       const SystemTitle& sender,
                                                       uint32_t invocation_counter,
                                                       const CipherKeys& keys,
                                                       std::span<const uint8_t> apdu);
// Decodes one glo-ciphered APDU spanning all of `bytes` and unprotects it; the deciphered
// APDU must carry the plain tag that belongs to the glo tag (InvalidArgument otherwise).
absl::StatusOr<UnprotectedApdu> DecodeGloCiphered(std::span<const uint8_t> bytes,
                                                  const SystemTitle& sender,
                                                  const CipherKeys& keys);

// general-glo-ciphering [219] (IEC 62056-5-3):
//   SEQUENCE { system-title OCTET STRING, ciphered-content OCTET STRING }
inline constexpr uint8_t kGeneralGloCipheringTag = 0xDB;

struct GeneralGloCiphering {
  SystemTitle system_title{};
  std::vector<uint8_t> ciphered_content;  // SC || IC || information || tag

  friend bool operator==(const GeneralGloCiphering&, const GeneralGloCiphering&) = default;
};

// Just the framing, no cryptography.
std::vector<uint8_t> EncodeGeneralGloCiphering(const GeneralGloCiphering& apdu);
// InvalidArgument naming the offset on a wrong tag, a system title that is not 8 bytes,
// truncation or trailing bytes.
absl::StatusOr<GeneralGloCiphering> DecodeGeneralGloCiphering(std::span<const uint8_t> bytes);

// Protects `apdu` (any xDLMS APDU) and frames it as general-glo-ciphering with `sender`.
absl::StatusOr<std::vector<uint8_t>> GeneralGloCipher(uint8_t security_control,
                                                      const SystemTitle& sender,
                                                      uint32_t invocation_counter,
                                                      const CipherKeys& keys,
                                                      std::span<const uint8_t> apdu);
// Decodes and unprotects with the system title carried in the APDU; the caller checks
// that UnprotectedApdu::system_title is the peer it expects.
absl::StatusOr<UnprotectedApdu> GeneralGloDecipher(std::span<const uint8_t> bytes,
                                                   const CipherKeys& keys);

// Consumer-port pushes (cosem-object-model.md, "Consumer-port push"): a data-notification
// under general-glo-ciphering with security control 0x30.
absl::StatusOr<std::vector<uint8_t>> ProtectDataNotification(const DataNotification& notification,
                                                             const SystemTitle& meter,
                                                             uint32_t invocation_counter,
                                                             const CipherKeys& keys);

struct ProtectedDataNotification {
  SystemTitle system_title{};  // the meter's
  uint32_t invocation_counter = 0;
  DataNotification notification;
};

// Accepts security control 0x30 only (an unauthenticated push cannot be trusted):
// InvalidArgument for another one or a deciphered APDU that is not a data-notification.
absl::StatusOr<ProtectedDataNotification> UnprotectDataNotification(std::span<const uint8_t> bytes,
                                                                    const CipherKeys& keys);

// HLS mechanism 5, GMAC (Green Book 9.2.7.4): the party proving itself answers the
// peer's challenge with f(challenge) = SC (0x10) || IC || GMAC, where GMAC is the GCM tag
// (12 bytes) over no plaintext with AAD = SC || AK || challenge and IV = the answering
// party's system title || IC. The client answers StoC in reply_to_HLS_authentication;
// the server answers CtoS in the method's return value.
inline constexpr size_t kHlsGmacResponseSize = kSecurityHeaderSize + kAuthenticationTagSize;
using HlsGmacResponse = std::array<uint8_t, kHlsGmacResponseSize>;

// Challenges are 8..64 bytes (Green Book 9.2.7.4); others are InvalidArgument.
absl::StatusOr<HlsGmacResponse> ComputeHlsGmac(std::span<const uint8_t> challenge,
                                               const SystemTitle& own_system_title,
                                               uint32_t invocation_counter, const CipherKeys& keys);
// Checks a received f(challenge) against the challenge this party sent; returns the IC it
// carries. InvalidArgument for a wrong size or security control byte; PermissionDenied
// naming the authentication tag when the GMAC does not match. The IC inside f() is
// protected by the GMAC itself and is not fed to an InvocationCounterGuard: it travels
// inside an APDU whose own, later, counter was accepted already.
absl::StatusOr<uint32_t> VerifyHlsGmac(std::span<const uint8_t> received,
                                       const SystemTitle& peer_system_title, const CipherKeys& keys,
                                       std::span<const uint8_t> challenge);

// AES key wrap (RFC 3394 with its default IV A6A6A6A6A6A6A6A6; Green Book 9.2.3, as used
// by Security setup key_transfer and the key store) of a 128-bit key under a 128-bit KEK.
using WrappedKey = std::array<uint8_t, kWrappedKeySize>;
absl::StatusOr<WrappedKey> WrapKey(const Key128& kek, const Key128& key);
// InvalidArgument for a size other than 24 bytes; PermissionDenied naming the integrity
// check when the KEK is wrong or the bytes were altered.
absl::StatusOr<Key128> UnwrapKey(const Key128& kek, std::span<const uint8_t> wrapped);

// The invocation counters of one security context (Green Book 9.2.7.2: the IC is part of
// the IV, which must never repeat under one key). Incoming: a counter is accepted only if
// strictly above the last accepted one. Outgoing: each protected APDU (and each
// f(challenge)) takes the next value; after 0xFFFFFFFF the key must be changed, and a
// fresh guard made for the new key. Not thread-safe: one session owns it.
class InvocationCounterGuard {
 public:
  // `peer` names the other side in messages. Pass the persisted counters after a restart:
  // `last_incoming` (nullopt: nothing accepted yet, any counter goes) and `next_outgoing`.
  explicit InvocationCounterGuard(const SystemTitle& peer,
                                  std::optional<uint32_t> last_incoming = std::nullopt,
                                  uint32_t next_outgoing = 0);

  // OK and remembered if `counter` is above the last accepted one; otherwise
  // PermissionDenied naming both counters and the peer. Call only after the APDU's
  // authentication tag verified, so a forged APDU cannot advance the counter.
  absl::Status AcceptIncoming(uint32_t counter);
  // The counter for the next protected APDU; ResourceExhausted once 0xFFFFFFFF was used.
  absl::StatusOr<uint32_t> NextOutgoing();

  std::optional<uint32_t> last_incoming() const { return last_incoming_; }
  // The value NextOutgoing would return next; 2^32 once the counter is used up.
  uint64_t next_outgoing() const { return next_outgoing_; }

 private:
  SystemTitle peer_;
  std::optional<uint32_t> last_incoming_;
  uint64_t next_outgoing_;  // 64 bits so that "used up" is representable
};

}  // namespace vmuc::dlms

#endif  // VMUC_DLMS_SECURITY_H_
