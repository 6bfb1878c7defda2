#include "dlms/security.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/strings.h"
#include "dlms/axdr.h"

namespace vmuc::dlms {
namespace {

using Iv = std::array<uint8_t, 12>;
using Tag = std::array<uint8_t, kAuthenticationTagSize>;

// Green Book 9.2.7.4: an HLS challenge is 8 to 64 bytes.
constexpr size_t kMinChallengeSize = 8;
constexpr size_t kMaxChallengeSize = 64;

// IEC 62056-5-3 xDLMS ASN.1: a plain APDU tag and its service-specific glo-ciphered tag.
struct GloPair {
  uint8_t plain;
  uint8_t glo;
};
constexpr GloPair kGloPairs[] = {
    {0x01, 0x21},  // initiateRequest -> glo-initiateRequest
    {0x08, 0x28},  // initiateResponse -> glo-initiateResponse
    {0x0E, 0x2E},  // confirmedServiceError -> glo-confirmedServiceError
    {0xC0, 0xC8},  // get-request -> glo-get-request
    {0xC1, 0xC9},  // set-request -> glo-set-request
    {0xC2, 0xCA},  // event-notification-request -> glo-event-notification-request
    {0xC3, 0xCB},  // action-request -> glo-action-request
    {0xC4, 0xCC},  // get-response -> glo-get-response
    {0xC5, 0xCD},  // set-response -> glo-set-response
    {0xC7, 0xCF},  // action-response -> glo-action-response
};

std::string HexByte(uint8_t value) { return absl::StrCat("0x", absl::Hex(value, absl::kZeroPad2)); }

void AppendUint32(uint32_t value, std::vector<uint8_t>& out) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(value >> shift));
}

uint32_t ReadBigEndian32(std::span<const uint8_t> bytes) {
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
         uint32_t{bytes[3]};
}

// Green Book 9.2.7.2: IV = system title (8) || invocation counter (4), 96 bits.
Iv MakeIv(const SystemTitle& system_title, uint32_t invocation_counter) {
  Iv iv;
  std::copy(system_title.begin(), system_title.end(), iv.begin());
  for (int i = 0; i < 4; ++i) iv[8 + i] = static_cast<uint8_t>(invocation_counter >> (24 - 8 * i));
  return iv;
}

// AAD = SC || AK [|| plaintext]; wiped once used since it holds the authentication key.
class Aad {
 public:
  Aad(uint8_t security_control, const Key128& authentication_key) {
    bytes_.push_back(security_control);
    bytes_.insert(bytes_.end(), authentication_key.begin(), authentication_key.end());
  }
  ~Aad() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
  Aad(const Aad&) = delete;
  Aad& operator=(const Aad&) = delete;

  void Append(std::span<const uint8_t> more) {
    bytes_.insert(bytes_.end(), more.begin(), more.end());
  }
  std::span<const uint8_t> bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// An OpenSSL call failed where it cannot for valid arguments: report it and leave the
// thread's error queue empty for the next user.
absl::Status OpenSslError(std::string_view what) {
  const unsigned long code = ERR_get_error();
  char text[256] = "no OpenSSL error queued";
  if (code != 0) ERR_error_string_n(code, text, sizeof(text));
  ERR_clear_error();
  return absl::InternalError(absl::StrCat("OpenSSL ", AsAbsl(what), " failed: ", text));
}

absl::StatusOr<CipherCtx> NewCipherCtx() {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return OpenSslError("EVP_CIPHER_CTX_new");
  return ctx;
}

absl::Status CheckIntSize(size_t size, std::string_view what) {
  if (size > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError(
        absl::StrCat(AsAbsl(what), " of ", size, " bytes is too long"));
  }
  return absl::OkStatus();
}

// AES-128-GCM encryption (NIST SP 800-38D) of `plaintext`, appending the ciphertext to
// `out`; returns the tag truncated to 12 bytes (Green Book 9.2.3: suite 0 uses t = 96).
absl::StatusOr<Tag> GcmSeal(const Key128& key, const Iv& iv, std::span<const uint8_t> aad,
                            std::span<const uint8_t> plaintext, std::vector<uint8_t>& out) {
  VMUC_RETURN_IF_ERROR(CheckIntSize(aad.size(), "additional authenticated data"));
  VMUC_RETURN_IF_ERROR(CheckIntSize(plaintext.size(), "APDU"));
  VMUC_ASSIGN_OR_RETURN(CipherCtx ctx, NewCipherCtx());
  // The default GCM IV length is the 12 bytes the Green Book uses.
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, key.data(), iv.data()) != 1) {
    return OpenSslError("AES-GCM encrypt init");
  }
  int length = 0;
  if (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &length, aad.data(),
                                        static_cast<int>(aad.size())) != 1) {
    return OpenSslError("AES-GCM AAD");
  }
  const size_t start = out.size();
  out.resize(start + plaintext.size());
  if (!plaintext.empty() &&
      (EVP_EncryptUpdate(ctx.get(), out.data() + start, &length, plaintext.data(),
                         static_cast<int>(plaintext.size())) != 1 ||
       static_cast<size_t>(length) != plaintext.size())) {
    return OpenSslError("AES-GCM encrypt");
  }
  uint8_t final_block[16];
  if (EVP_EncryptFinal_ex(ctx.get(), final_block, &length) != 1 || length != 0) {
    return OpenSslError("AES-GCM encrypt final");
  }
  Tag tag;
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag.size()),
                          tag.data()) != 1) {
    return OpenSslError("AES-GCM get tag");
  }
  return tag;
}

// AES-128-GCM decryption; with a tag, PermissionDenied unless it verifies. Without one
// (encryption-only policy) the counter-mode part alone runs and nothing is verified.
absl::StatusOr<std::vector<uint8_t>> GcmOpen(const Key128& key, const Iv& iv,
                                             std::span<const uint8_t> aad,
                                             std::span<const uint8_t> ciphertext,
                                             std::optional<std::span<const uint8_t>> tag) {
  VMUC_RETURN_IF_ERROR(CheckIntSize(aad.size(), "additional authenticated data"));
  VMUC_RETURN_IF_ERROR(CheckIntSize(ciphertext.size(), "ciphertext"));
  VMUC_ASSIGN_OR_RETURN(CipherCtx ctx, NewCipherCtx());
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, key.data(), iv.data()) != 1) {
    return OpenSslError("AES-GCM decrypt init");
  }
  int length = 0;
  if (!aad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &length, aad.data(),
                                        static_cast<int>(aad.size())) != 1) {
    return OpenSslError("AES-GCM AAD");
  }
  std::vector<uint8_t> plaintext(ciphertext.size());
  if (!ciphertext.empty() &&
      (EVP_DecryptUpdate(ctx.get(), plaintext.data(), &length, ciphertext.data(),
                         static_cast<int>(ciphertext.size())) != 1 ||
       static_cast<size_t>(length) != ciphertext.size())) {
    return OpenSslError("AES-GCM decrypt");
  }
  if (!tag.has_value()) return plaintext;
  // OpenSSL copies the tag; EVP_CTRL_GCM_SET_TAG takes a non-const pointer.
  Tag expected;
  std::copy(tag->begin(), tag->end(), expected.begin());
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(expected.size()),
                          expected.data()) != 1) {
    return OpenSslError("AES-GCM set tag");
  }
  uint8_t final_block[16];
  if (EVP_DecryptFinal_ex(ctx.get(), final_block, &length) != 1) {
    ERR_clear_error();
    OPENSSL_cleanse(plaintext.data(), plaintext.size());  // unauthenticated: never release it
    return absl::PermissionDeniedError("");               // the caller says which APDU
  }
  return plaintext;
}

// The block cipher key the security control byte selects (Green Book 9.2.7.2: bit 6).
absl::StatusOr<const Key128*> BlockCipherKey(uint8_t security_control, const CipherKeys& keys) {
  if ((security_control & kSecurityBroadcastKey) == 0) return &keys.unicast_key;
  if (!keys.broadcast_key.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("security control ", HexByte(security_control),
                     " selects the broadcast key (GBEK), and none is configured"));
  }
  return &*keys.broadcast_key;
}

// Unprotects the ciphered content that runs from `start` to the end of `whole`, so that
// error offsets count from the start of the enclosing APDU.
absl::StatusOr<UnprotectedApdu> UnprotectAt(std::span<const uint8_t> whole, size_t start,
                                            const SystemTitle& sender, const CipherKeys& keys) {
  AxdrReader reader(whole);
  VMUC_RETURN_IF_ERROR(reader.ReadBytes(start, "header").status());
  UnprotectedApdu result;
  result.system_title = sender;
  VMUC_ASSIGN_OR_RETURN(result.security_control, reader.ReadUint8("security control"));
  if (absl::Status check = CheckSecurityControl(result.security_control); !check.ok()) {
    return AxdrReader::ErrorAt(start, AsStd(check.message()));
  }
  VMUC_ASSIGN_OR_RETURN(result.invocation_counter, reader.ReadUint32("invocation counter"));
  const bool authenticated = (result.security_control & kSecurityAuthenticated) != 0;
  const bool encrypted = (result.security_control & kSecurityEncrypted) != 0;
  const size_t tag_size = authenticated ? kAuthenticationTagSize : 0;
  const size_t information_size =
      reader.remaining() >= tag_size ? reader.remaining() - tag_size : 0;
  VMUC_ASSIGN_OR_RETURN(const auto information,
                        reader.ReadBytes(information_size, encrypted ? "ciphertext" : "APDU"));
  std::optional<std::span<const uint8_t>> tag;
  if (authenticated) {
    VMUC_ASSIGN_OR_RETURN(tag, reader.ReadBytes(tag_size, "authentication tag"));
  }
  VMUC_RETURN_IF_ERROR(reader.ExpectEnd("the ciphered content"));

  VMUC_ASSIGN_OR_RETURN(const Key128* block_cipher_key,
                        BlockCipherKey(result.security_control, keys));
  const Iv iv = MakeIv(sender, result.invocation_counter);
  Aad aad(result.security_control, keys.authentication_key);
  absl::StatusOr<std::vector<uint8_t>> opened;
  if (encrypted) {
    opened = GcmOpen(*block_cipher_key, iv,
                     authenticated ? aad.bytes() : std::span<const uint8_t>(), information, tag);
  } else {
    // Authentication only: the APDU is in clear and authenticated as part of the AAD.
    aad.Append(information);
    opened = GcmOpen(*block_cipher_key, iv, aad.bytes(), {}, tag);
    if (opened.ok()) opened = std::vector<uint8_t>(information.begin(), information.end());
  }
  if (absl::IsPermissionDenied(opened.status())) {
    return absl::PermissionDeniedError(absl::StrCat(
        "ciphered APDU with invocation counter ", result.invocation_counter, " from system title ",
        FormatHex(sender), ": authentication tag does not verify (wrong key, wrong sender or ",
        "altered bytes)"));
  }
  VMUC_ASSIGN_OR_RETURN(result.apdu, std::move(opened));
  return result;
}

// general-glo-ciphering framing: the system title, and where the ciphered content starts.
struct GeneralGloFrame {
  SystemTitle system_title{};
  size_t content_at = 0;
};

absl::StatusOr<GeneralGloFrame> ReadGeneralGloFrame(std::span<const uint8_t> bytes) {
  AxdrReader reader(bytes);
  VMUC_ASSIGN_OR_RETURN(const uint8_t tag, reader.ReadUint8("general-glo-ciphering tag"));
  if (tag != kGeneralGloCipheringTag) {
    return AxdrReader::ErrorAt(
        0, absl::StrCat("expected general-glo-ciphering tag 0xdb, got ", HexByte(tag)));
  }
  const size_t title_at = reader.offset();
  VMUC_ASSIGN_OR_RETURN(const size_t title_length, reader.ReadLength("system-title length"));
  if (title_length != std::tuple_size_v<SystemTitle>) {
    return AxdrReader::ErrorAt(title_at,
                               absl::StrCat("system-title must be 8 bytes, not ", title_length));
  }
  GeneralGloFrame frame;
  VMUC_ASSIGN_OR_RETURN(const auto title, reader.ReadBytes(title_length, "system-title"));
  std::copy(title.begin(), title.end(), frame.system_title.begin());
  const size_t length_at = reader.offset();
  VMUC_ASSIGN_OR_RETURN(const size_t content_length, reader.ReadLength("ciphered-content length"));
  if (content_length != reader.remaining()) {
    return AxdrReader::ErrorAt(length_at,
                               absl::StrCat("ciphered-content length ", content_length, ", but ",
                                            reader.remaining(), " bytes follow"));
  }
  frame.content_at = reader.offset();
  return frame;
}

template <size_t N>
absl::StatusOr<std::array<uint8_t, N>> ParseHexArray(std::string_view hex, std::string_view field) {
  if (hex.size() != 2 * N) {
    return absl::InvalidArgumentError(absl::StrCat(AsAbsl(field), ": expected ", 2 * N,
                                                   " hex digits, got ", hex.size(), " characters"));
  }
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::array<uint8_t, N> out;
  for (size_t i = 0; i < N; ++i) {
    const int high = digit(hex[2 * i]);
    const int low = digit(hex[2 * i + 1]);
    if (high < 0 || low < 0) {
      // The position only: the text may be a secret.
      return absl::InvalidArgumentError(absl::StrCat(AsAbsl(field), ": expected ", 2 * N,
                                                     " hex digits, character ",
                                                     2 * i + (high < 0 ? 1 : 2), " is not one"));
    }
    out[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return out;
}

}  // namespace

absl::StatusOr<Key128> ParseKey128(std::string_view hex, std::string_view field) {
  return ParseHexArray<16>(hex, field);
}

absl::StatusOr<SystemTitle> ParseSystemTitle(std::string_view hex, std::string_view field) {
  return ParseHexArray<8>(hex, field);
}

std::string FormatHex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(2 * bytes.size());
  for (uint8_t byte : bytes) {
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 0x0F]);
  }
  return out;
}

absl::Status CheckSecurityControl(uint8_t security_control) {
  const std::string prefix = absl::StrCat("security control ", HexByte(security_control), ": ");
  if ((security_control & kSecurityCompressed) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(prefix, "compression is not supported"));
  }
  if ((security_control & kSecuritySuiteMask) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(prefix, "security suite ", security_control & kSecuritySuiteMask,
                     " is not supported (only suite 0, AES-GCM-128)"));
  }
  if ((security_control & kSecurityAuthenticatedEncrypted) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(prefix, "neither authentication nor encryption is selected"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<uint8_t>> ProtectApdu(uint8_t security_control,
                                                 const SystemTitle& sender,
                                                 uint32_t invocation_counter,
                                                 const CipherKeys& keys,
                                                 std::span<const uint8_t> apdu) {
  VMUC_RETURN_IF_ERROR(CheckSecurityControl(security_control));
  VMUC_ASSIGN_OR_RETURN(const Key128* block_cipher_key, BlockCipherKey(security_control, keys));
  const bool authenticated = (security_control & kSecurityAuthenticated) != 0;
  const bool encrypted = (security_control & kSecurityEncrypted) != 0;
  const Iv iv = MakeIv(sender, invocation_counter);

  std::vector<uint8_t> out;
  out.reserve(kSecurityHeaderSize + apdu.size() + kAuthenticationTagSize);
  out.push_back(security_control);
  AppendUint32(invocation_counter, out);
  Aad aad(security_control, keys.authentication_key);
  absl::StatusOr<Tag> tag;
  if (encrypted) {
    tag = GcmSeal(*block_cipher_key, iv, authenticated ? aad.bytes() : std::span<const uint8_t>(),
                  apdu, out);
  } else {
    // Authentication only: the APDU goes in clear, authenticated as part of the AAD.
    out.insert(out.end(), apdu.begin(), apdu.end());
    aad.Append(apdu);
    std::vector<uint8_t> no_ciphertext;
    tag = GcmSeal(*block_cipher_key, iv, aad.bytes(), {}, no_ciphertext);
  }
  VMUC_RETURN_IF_ERROR(tag.status());
  if (authenticated) out.insert(out.end(), tag->begin(), tag->end());
  return out;
}

absl::StatusOr<UnprotectedApdu> UnprotectApdu(std::span<const uint8_t> ciphered_content,
                                              const SystemTitle& sender, const CipherKeys& keys) {
  return UnprotectAt(ciphered_content, 0, sender, keys);
}

absl::StatusOr<uint8_t> GloTagFor(uint8_t plain_tag) {
  for (const GloPair& pair : kGloPairs) {
    if (pair.plain == plain_tag) return pair.glo;
  }
  return absl::NotFoundError(
      absl::StrCat("APDU tag ", HexByte(plain_tag), " has no service-specific glo-ciphered form"));
}

absl::StatusOr<uint8_t> PlainTagFor(uint8_t glo_tag) {
  for (const GloPair& pair : kGloPairs) {
    if (pair.glo == glo_tag) return pair.plain;
  }
  return absl::NotFoundError(
      absl::StrCat("tag ", HexByte(glo_tag), " is not a service-specific glo-ciphered APDU"));
}

absl::StatusOr<std::vector<uint8_t>> EncodeGloCiphered(uint8_t security_control,
                                                       const SystemTitle& sender,
                                                       uint32_t invocation_counter,
                                                       const CipherKeys& keys,
                                                       std::span<const uint8_t> apdu) {
  if (apdu.empty()) return absl::InvalidArgumentError("cannot glo-cipher an empty APDU");
  VMUC_ASSIGN_OR_RETURN(const uint8_t glo_tag, GloTagFor(apdu[0]));
  VMUC_ASSIGN_OR_RETURN(const std::vector<uint8_t> content,
                        ProtectApdu(security_control, sender, invocation_counter, keys, apdu));
  std::vector<uint8_t> out;
  out.reserve(content.size() + 6);
  out.push_back(glo_tag);
  AppendLength(content.size(), out);  // glo-xxx ::= OCTET STRING
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

absl::StatusOr<UnprotectedApdu> DecodeGloCiphered(std::span<const uint8_t> bytes,
                                                  const SystemTitle& sender,
                                                  const CipherKeys& keys) {
  AxdrReader reader(bytes);
  VMUC_ASSIGN_OR_RETURN(const uint8_t glo_tag, reader.ReadUint8("glo-ciphered tag"));
  const absl::StatusOr<uint8_t> plain_tag = PlainTagFor(glo_tag);
  if (!plain_tag.ok()) return AxdrReader::ErrorAt(0, AsStd(plain_tag.status().message()));
  const size_t length_at = reader.offset();
  VMUC_ASSIGN_OR_RETURN(const size_t length, reader.ReadLength("ciphered content length"));
  if (length != reader.remaining()) {
    return AxdrReader::ErrorAt(length_at, absl::StrCat("ciphered content length ", length, ", but ",
                                                       reader.remaining(), " bytes follow"));
  }
  const size_t content_at = reader.offset();
  VMUC_ASSIGN_OR_RETURN(UnprotectedApdu result, UnprotectAt(bytes, content_at, sender, keys));
  if (result.apdu.empty() || result.apdu[0] != *plain_tag) {
    return AxdrReader::ErrorAt(
        content_at + kSecurityHeaderSize,
        absl::StrCat("glo-ciphered APDU ", HexByte(glo_tag), " must carry tag ",
                     HexByte(*plain_tag), ", got ",
                     result.apdu.empty() ? "an empty APDU" : HexByte(result.apdu[0])));
  }
  return result;
}

std::vector<uint8_t> EncodeGeneralGloCiphering(const GeneralGloCiphering& apdu) {
  std::vector<uint8_t> out;
  out.reserve(1 + 1 + apdu.system_title.size() + 5 + apdu.ciphered_content.size());
  out.push_back(kGeneralGloCipheringTag);
  AppendLength(apdu.system_title.size(), out);
  out.insert(out.end(), apdu.system_title.begin(), apdu.system_title.end());
  AppendLength(apdu.ciphered_content.size(), out);
  out.insert(out.end(), apdu.ciphered_content.begin(), apdu.ciphered_content.end());
  return out;
}

absl::StatusOr<GeneralGloCiphering> DecodeGeneralGloCiphering(std::span<const uint8_t> bytes) {
  VMUC_ASSIGN_OR_RETURN(const GeneralGloFrame frame, ReadGeneralGloFrame(bytes));
  GeneralGloCiphering apdu;
  apdu.system_title = frame.system_title;
  apdu.ciphered_content.assign(bytes.begin() + static_cast<ptrdiff_t>(frame.content_at),
                               bytes.end());
  return apdu;
}

absl::StatusOr<std::vector<uint8_t>> GeneralGloCipher(uint8_t security_control,
                                                      const SystemTitle& sender,
                                                      uint32_t invocation_counter,
                                                      const CipherKeys& keys,
                                                      std::span<const uint8_t> apdu) {
  GeneralGloCiphering framed;
  framed.system_title = sender;
  VMUC_ASSIGN_OR_RETURN(framed.ciphered_content,
                        ProtectApdu(security_control, sender, invocation_counter, keys, apdu));
  return EncodeGeneralGloCiphering(framed);
}

absl::StatusOr<UnprotectedApdu> GeneralGloDecipher(std::span<const uint8_t> bytes,
                                                   const CipherKeys& keys) {
  VMUC_ASSIGN_OR_RETURN(const GeneralGloFrame frame, ReadGeneralGloFrame(bytes));
  return UnprotectAt(bytes, frame.content_at, frame.system_title, keys);
}

absl::StatusOr<std::vector<uint8_t>> ProtectDataNotification(const DataNotification& notification,
                                                             const SystemTitle& meter,
                                                             uint32_t invocation_counter,
                                                             const CipherKeys& keys) {
  return GeneralGloCipher(kSecurityAuthenticatedEncrypted, meter, invocation_counter, keys,
                          EncodeDataNotification(notification));
}

absl::StatusOr<ProtectedDataNotification> UnprotectDataNotification(std::span<const uint8_t> bytes,
                                                                    const CipherKeys& keys) {
  VMUC_ASSIGN_OR_RETURN(UnprotectedApdu deciphered, GeneralGloDecipher(bytes, keys));
  if (deciphered.security_control != kSecurityAuthenticatedEncrypted) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ciphered data-notification: security control ", HexByte(deciphered.security_control),
        ", expected 0x30 (authenticated and ", "encrypted)"));
  }
  absl::StatusOr<DataNotification> notification = DecodeDataNotification(deciphered.apdu);
  if (!notification.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("deciphered data-notification: ", notification.status().message()));
  }
  return ProtectedDataNotification{.system_title = deciphered.system_title,
                                   .invocation_counter = deciphered.invocation_counter,
                                   .notification = *std::move(notification)};
}

absl::StatusOr<HlsGmacResponse> ComputeHlsGmac(std::span<const uint8_t> challenge,
                                               const SystemTitle& own_system_title,
                                               uint32_t invocation_counter,
                                               const CipherKeys& keys) {
  if (challenge.size() < kMinChallengeSize || challenge.size() > kMaxChallengeSize) {
    return absl::InvalidArgumentError(absl::StrCat("HLS challenge must be ", kMinChallengeSize,
                                                   "..", kMaxChallengeSize, " bytes, got ",
                                                   challenge.size()));
  }
  // Green Book 9.2.7.4, mechanism 5: SC 0x10 (authentication only, suite 0), AAD =
  // SC || AK || challenge, no plaintext.
  Aad aad(kSecurityAuthenticated, keys.authentication_key);
  aad.Append(challenge);
  std::vector<uint8_t> no_ciphertext;
  VMUC_ASSIGN_OR_RETURN(const Tag tag,
                        GcmSeal(keys.unicast_key, MakeIv(own_system_title, invocation_counter),
                                aad.bytes(), {}, no_ciphertext));
  HlsGmacResponse out;
  out[0] = kSecurityAuthenticated;
  for (int i = 0; i < 4; ++i) out[1 + i] = static_cast<uint8_t>(invocation_counter >> (24 - 8 * i));
  std::copy(tag.begin(), tag.end(), out.begin() + kSecurityHeaderSize);
  return out;
}

absl::StatusOr<uint32_t> VerifyHlsGmac(std::span<const uint8_t> received,
                                       const SystemTitle& peer_system_title, const CipherKeys& keys,
                                       std::span<const uint8_t> challenge) {
  if (received.size() != kHlsGmacResponseSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "HLS-GMAC f(challenge) must be ", kHlsGmacResponseSize, " bytes, got ", received.size()));
  }
  if (received[0] != kSecurityAuthenticated) {
    return absl::InvalidArgumentError(absl::StrCat("HLS-GMAC f(challenge): security control ",
                                                   HexByte(received[0]), ", expected 0x10"));
  }
  const uint32_t invocation_counter = ReadBigEndian32(received.subspan(1, 4));
  VMUC_ASSIGN_OR_RETURN(const HlsGmacResponse expected,
                        ComputeHlsGmac(challenge, peer_system_title, invocation_counter, keys));
  if (CRYPTO_memcmp(expected.data() + kSecurityHeaderSize, received.data() + kSecurityHeaderSize,
                    kAuthenticationTagSize) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("HLS-GMAC f(challenge) from system title ", FormatHex(peer_system_title),
                     " with invocation counter ", invocation_counter,
                     ": authentication tag does not verify (wrong key or wrong challenge)"));
  }
  return invocation_counter;
}

absl::StatusOr<WrappedKey> WrapKey(const Key128& kek, const Key128& key) {
  VMUC_ASSIGN_OR_RETURN(CipherCtx ctx, NewCipherCtx());
  // Wrap modes must be allowed explicitly on a context (EVP_EncryptInit(3)).
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  // No IV: RFC 3394 2.2.3.1's default A6A6A6A6A6A6A6A6.
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_wrap(), nullptr, kek.data(), nullptr) != 1) {
    return OpenSslError("AES key wrap init");
  }
  WrappedKey out;
  int length = 0;
  if (EVP_EncryptUpdate(ctx.get(), out.data(), &length, key.data(), static_cast<int>(key.size())) !=
          1 ||
      static_cast<size_t>(length) != out.size()) {
    return OpenSslError("AES key wrap");
  }
  int final_length = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), out.data() + length, &final_length) != 1 ||
      final_length != 0) {
    return OpenSslError("AES key wrap final");
  }
  return out;
}

absl::StatusOr<Key128> UnwrapKey(const Key128& kek, std::span<const uint8_t> wrapped) {
  if (wrapped.size() != kWrappedKeySize) {
    return absl::InvalidArgumentError(absl::StrCat("wrapped key must be ", kWrappedKeySize,
                                                   " bytes (RFC 3394), got ", wrapped.size()));
  }
  VMUC_ASSIGN_OR_RETURN(CipherCtx ctx, NewCipherCtx());
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_128_wrap(), nullptr, kek.data(), nullptr) != 1) {
    return OpenSslError("AES key unwrap init");
  }
  // Room for a whole block more than the result, as EVP_DecryptUpdate may ask.
  std::array<uint8_t, kWrappedKeySize> plain{};
  int length = 0;
  int final_length = 0;
  const bool ok = EVP_DecryptUpdate(ctx.get(), plain.data(), &length, wrapped.data(),
                                    static_cast<int>(wrapped.size())) == 1 &&
                  length == static_cast<int>(sizeof(Key128)) &&
                  EVP_DecryptFinal_ex(ctx.get(), plain.data() + length, &final_length) == 1 &&
                  final_length == 0;
  if (!ok) {
    ERR_clear_error();
    OPENSSL_cleanse(plain.data(), plain.size());
    return absl::PermissionDeniedError(
        "AES key unwrap: the RFC 3394 integrity check failed (wrong KEK or altered bytes)");
  }
  Key128 key;
  std::copy_n(plain.begin(), key.size(), key.begin());
  OPENSSL_cleanse(plain.data(), plain.size());
  return key;
}

InvocationCounterGuard::InvocationCounterGuard(const SystemTitle& peer,
                                               std::optional<uint32_t> last_incoming,
                                               uint32_t next_outgoing)
    : peer_(peer), last_incoming_(last_incoming), next_outgoing_(next_outgoing) {}

absl::Status InvocationCounterGuard::AcceptIncoming(uint32_t counter) {
  if (last_incoming_.has_value() && counter <= *last_incoming_) {
    return absl::PermissionDeniedError(absl::StrCat(
        "invocation counter ", counter, " from system title ", FormatHex(peer_),
        " is not above the last accepted ", *last_incoming_, ": replayed or reordered APDU"));
  }
  last_incoming_ = counter;
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> InvocationCounterGuard::NextOutgoing() {
  if (next_outgoing_ > 0xFFFFFFFFu) {
    return absl::ResourceExhaustedError(
        absl::StrCat("outgoing invocation counter towards system title ", FormatHex(peer_),
                     " is used up (0xFFFFFFFF was sent): the key must be changed"));
  }
  return static_cast<uint32_t>(next_outgoing_++);
}

}  // namespace vmuc::dlms
