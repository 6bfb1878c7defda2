#include "dlms/apdu.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/strings.h"

namespace vmuc::dlms {
namespace {

// ---- ACSE: BER, definite lengths (Green Book 9.4.2, X.690 8.1) -------------------------

// The object identifier prefix of DLMS UA names: {joint-iso-ccitt(2) country(16)
// country-name(756) identified-organization(5) DLMS-UA(8)}, then 1 = application context,
// 2 = authentication mechanism (Green Book 9.4.2.2.2 and .3).
constexpr uint8_t kDlmsUaOidPrefix[] = {0x60, 0x85, 0x74, 0x05, 0x08};
constexpr uint8_t kContextNameArc = 1;
constexpr uint8_t kMechanismNameArc = 2;

// AARQ/AARE field tags (context-specific, [n]; constructed ones with 0x20).
constexpr uint8_t kTagApplicationContextName = 0xA1;
constexpr uint8_t kTagAareResult = 0xA2;
constexpr uint8_t kTagAareResultSourceDiagnostic = 0xA3;
constexpr uint8_t kTagAareRespondingApTitle = 0xA4;
constexpr uint8_t kTagCallingApTitle = 0xA6;
constexpr uint8_t kTagAareRespondingAeInvocationId = 0xA7;
constexpr uint8_t kTagAareResponderAcseRequirements = 0x88;
constexpr uint8_t kTagAareMechanismName = 0x89;
constexpr uint8_t kTagAareRespondingAuthenticationValue = 0xAA;
constexpr uint8_t kTagSenderAcseRequirements = 0x8A;
constexpr uint8_t kTagMechanismName = 0x8B;
constexpr uint8_t kTagCallingAuthenticationValue = 0xAC;
constexpr uint8_t kTagUserInformation = 0xBE;
constexpr uint8_t kTagReleaseReason = 0x80;

constexpr uint8_t kBerInteger = 0x02;
constexpr uint8_t kBerOctetString = 0x04;
constexpr uint8_t kBerObjectIdentifier = 0x06;
constexpr uint8_t kAuthenticationValueCharstring = 0x80;  // Authentication-value [0]
// ACSE-requirements BIT STRING {authentication(0)}: 7 unused bits, bit 0 set.
constexpr uint8_t kAcseRequirementsAuthentication[] = {0x07, 0x80};

void AppendTlv(uint8_t tag, std::span<const uint8_t> content, std::vector<uint8_t>& out) {
  out.push_back(tag);
  AppendLength(content.size(), out);
  out.insert(out.end(), content.begin(), content.end());
}

std::vector<uint8_t> DlmsOid(uint8_t arc, uint8_t value) {
  std::vector<uint8_t> oid(std::begin(kDlmsUaOidPrefix), std::end(kDlmsUaOidPrefix));
  oid.push_back(arc);
  oid.push_back(value);
  return oid;
}

void AppendContextName(ApplicationContext context, std::vector<uint8_t>& out) {
  std::vector<uint8_t> inner;
  AppendTlv(kBerObjectIdentifier, DlmsOid(kContextNameArc, static_cast<uint8_t>(context)), inner);
  AppendTlv(kTagApplicationContextName, inner, out);
}

void AppendWrappedOctets(uint8_t tag, uint8_t inner_tag, std::span<const uint8_t> bytes,
                         std::vector<uint8_t>& out) {
  std::vector<uint8_t> inner;
  AppendTlv(inner_tag, bytes, inner);
  AppendTlv(tag, inner, out);
}

// A BER INTEGER in its minimal two's complement form.
std::vector<uint8_t> BerIntegerContent(int64_t value) {
  std::vector<uint8_t> bytes;
  for (int shift = 56; shift >= 0; shift -= 8)
    bytes.push_back(static_cast<uint8_t>(value >> shift));
  size_t first = 0;
  while (first + 1 < bytes.size() && ((bytes[first] == 0x00 && (bytes[first + 1] & 0x80) == 0) ||
                                      (bytes[first] == 0xFF && (bytes[first + 1] & 0x80) != 0))) {
    ++first;
  }
  return {bytes.begin() + static_cast<std::ptrdiff_t>(first), bytes.end()};
}

void AppendTaggedInteger(uint8_t tag, int64_t value, std::vector<uint8_t>& out) {
  std::vector<uint8_t> inner;
  AppendTlv(kBerInteger, BerIntegerContent(value), inner);
  AppendTlv(tag, inner, out);
}

void AppendMechanism(uint8_t requirements_tag, uint8_t mechanism_tag,
                     AuthenticationMechanism mechanism, std::vector<uint8_t>& out) {
  AppendTlv(requirements_tag, kAcseRequirementsAuthentication, out);
  AppendTlv(mechanism_tag, DlmsOid(kMechanismNameArc, static_cast<uint8_t>(mechanism)), out);
}

// One BER TLV inside an ACSE APDU; offsets are from the start of the APDU.
struct Tlv {
  uint8_t tag = 0;
  size_t offset = 0;  // of the tag
  std::span<const uint8_t> content;
  size_t content_offset = 0;
};

absl::Status BerError(size_t at, std::string_view message) {
  return AxdrReader::ErrorAt(at, message);
}

// Reads consecutive TLVs from `bytes` (which starts at APDU offset `base`).
class BerReader {
 public:
  BerReader(std::span<const uint8_t> bytes, size_t base) : reader_(bytes), base_(base) {}

  bool AtEnd() const { return reader_.AtEnd(); }

  absl::StatusOr<Tlv> Next(std::string_view what) {
    Tlv tlv;
    tlv.offset = base_ + reader_.offset();
    auto tag = reader_.ReadUint8(what);
    if (!tag.ok()) return Rebase(tag.status());
    tlv.tag = *tag;
    auto length = reader_.ReadLength(what);
    if (!length.ok()) return Rebase(length.status());
    if (*length > reader_.remaining()) {
      return BerError(
          tlv.offset,
          absl::StrCat(AsAbsl(what), " (tag 0x", absl::Hex(tlv.tag, absl::kZeroPad2), ") claims ",
                       *length, " bytes but only ", reader_.remaining(), " remain"));
    }
    tlv.content_offset = base_ + reader_.offset();
    auto content = reader_.ReadBytes(*length, what);
    if (!content.ok()) return Rebase(content.status());
    tlv.content = *content;
    return tlv;
  }

  // Reads a TLV that must carry `tag`.
  absl::StatusOr<Tlv> Expect(uint8_t tag, std::string_view what) {
    VMUC_ASSIGN_OR_RETURN(Tlv tlv, Next(what));
    if (tlv.tag != tag) {
      return BerError(tlv.offset, absl::StrCat(AsAbsl(what), ": expected tag 0x",
                                               absl::Hex(tag, absl::kZeroPad2), ", got 0x",
                                               absl::Hex(tlv.tag, absl::kZeroPad2)));
    }
    return tlv;
  }

 private:
  // AxdrReader errors carry offsets relative to its own buffer; restate them from base_.
  absl::Status Rebase(const absl::Status& status) const {
    return BerError(base_ + reader_.offset(), AsStd(status.message()));
  }

  AxdrReader reader_;
  size_t base_;
};

absl::StatusOr<uint8_t> ReadDlmsOid(std::span<const uint8_t> oid, size_t offset, uint8_t arc,
                                    std::string_view what) {
  const size_t prefix = std::size(kDlmsUaOidPrefix);
  if (oid.size() != prefix + 2 ||
      !std::equal(oid.begin(), oid.begin() + prefix, std::begin(kDlmsUaOidPrefix)) ||
      oid[prefix] != arc) {
    return BerError(offset, absl::StrCat(AsAbsl(what),
                                         " is not a DLMS UA object identifier "
                                         "2.16.756.5.8.",
                                         static_cast<int>(arc), ".x"));
  }
  return oid[prefix + 1];
}

absl::StatusOr<ApplicationContext> ReadContextName(const Tlv& field) {
  BerReader inner(field.content, field.content_offset);
  VMUC_ASSIGN_OR_RETURN(Tlv oid, inner.Expect(kBerObjectIdentifier, "application-context-name"));
  VMUC_ASSIGN_OR_RETURN(uint8_t value, ReadDlmsOid(oid.content, oid.content_offset, kContextNameArc,
                                                   "application-context-name"));
  if (value < 1 || value > 4) {
    return BerError(oid.content_offset,
                    absl::StrCat("unknown application context ", static_cast<int>(value)));
  }
  return static_cast<ApplicationContext>(value);
}

absl::StatusOr<AuthenticationMechanism> ReadMechanism(const Tlv& field) {
  VMUC_ASSIGN_OR_RETURN(uint8_t value, ReadDlmsOid(field.content, field.content_offset,
                                                   kMechanismNameArc, "mechanism-name"));
  if (value > 7) {
    return BerError(field.content_offset,
                    absl::StrCat("unknown authentication mechanism ", static_cast<int>(value)));
  }
  return static_cast<AuthenticationMechanism>(value);
}

// The content of a constructed field holding one primitive TLV of `inner_tag`.
absl::StatusOr<std::vector<uint8_t>> ReadWrappedOctets(const Tlv& field, uint8_t inner_tag,
                                                       std::string_view what) {
  BerReader inner(field.content, field.content_offset);
  VMUC_ASSIGN_OR_RETURN(Tlv value, inner.Expect(inner_tag, what));
  return std::vector<uint8_t>(value.content.begin(), value.content.end());
}

absl::StatusOr<int64_t> ReadInteger(std::span<const uint8_t> content, size_t offset,
                                    std::string_view what) {
  if (content.empty() || content.size() > 8) {
    return BerError(offset,
                    absl::StrCat(AsAbsl(what), ": an INTEGER of ", content.size(), " bytes"));
  }
  int64_t value = (content[0] & 0x80) ? -1 : 0;
  for (uint8_t b : content) value = static_cast<int64_t>(static_cast<uint64_t>(value) << 8) | b;
  return value;
}

absl::StatusOr<int64_t> ReadWrappedInteger(const Tlv& field, std::string_view what) {
  BerReader inner(field.content, field.content_offset);
  VMUC_ASSIGN_OR_RETURN(Tlv value, inner.Expect(kBerInteger, what));
  return ReadInteger(value.content, value.content_offset, what);
}

absl::Status CheckAcseRequirements(const Tlv& field) {
  // Only the authentication functional unit exists; accept it with any unused-bit count.
  if (field.content.size() != 2 || (field.content[1] & 0x80) == 0) {
    return BerError(field.offset, "acse-requirements must be the bit string {authentication}");
  }
  return absl::OkStatus();
}

absl::StatusOr<uint8_t> ReadSmallUnsigned(const Tlv& field, std::string_view what) {
  VMUC_ASSIGN_OR_RETURN(int64_t value, ReadWrappedInteger(field, what));
  if (value < 0 || value > 255) {
    return BerError(field.content_offset,
                    absl::StrCat(AsAbsl(what), " ", value, " is out of range"));
  }
  return static_cast<uint8_t>(value);
}

// A TLV sequence that must make up the whole of an ACSE APDU after its own tag.
absl::StatusOr<BerReader> OpenAcse(std::span<const uint8_t> apdu, uint8_t tag,
                                   std::string_view name) {
  BerReader outer(apdu, 0);
  VMUC_ASSIGN_OR_RETURN(Tlv whole, outer.Expect(tag, name));
  if (!outer.AtEnd()) {
    return BerError(whole.content_offset + whole.content.size(),
                    absl::StrCat("bytes after the end of the ", AsAbsl(name)));
  }
  return BerReader(whole.content, whole.content_offset);
}

void EncodeAarq(const Aarq& aarq, std::vector<uint8_t>& out) {
  std::vector<uint8_t> body;
  AppendContextName(aarq.context, body);
  if (aarq.calling_ap_title) {
    AppendWrappedOctets(kTagCallingApTitle, kBerOctetString, *aarq.calling_ap_title, body);
  }
  if (aarq.mechanism) {
    AppendMechanism(kTagSenderAcseRequirements, kTagMechanismName, *aarq.mechanism, body);
  }
  if (!aarq.calling_authentication_value.empty()) {
    AppendWrappedOctets(kTagCallingAuthenticationValue, kAuthenticationValueCharstring,
                        aarq.calling_authentication_value, body);
  }
  if (!aarq.user_information.empty()) {
    AppendWrappedOctets(kTagUserInformation, kBerOctetString, aarq.user_information, body);
  }
  AppendTlv(kAarqTag, body, out);
}

absl::StatusOr<Aarq> DecodeAarq(std::span<const uint8_t> apdu) {
  VMUC_ASSIGN_OR_RETURN(BerReader fields, OpenAcse(apdu, kAarqTag, "AARQ"));
  Aarq aarq;
  bool have_context = false;
  bool have_requirements = false;
  while (!fields.AtEnd()) {
    VMUC_ASSIGN_OR_RETURN(Tlv field, fields.Next("AARQ field"));
    switch (field.tag) {
      case kTagApplicationContextName: {
        VMUC_ASSIGN_OR_RETURN(aarq.context, ReadContextName(field));
        have_context = true;
        break;
      }
      case kTagCallingApTitle: {
        VMUC_ASSIGN_OR_RETURN(aarq.calling_ap_title,
                              ReadWrappedOctets(field, kBerOctetString, "calling-AP-title"));
        break;
      }
      case kTagSenderAcseRequirements: {
        VMUC_RETURN_IF_ERROR(CheckAcseRequirements(field));
        have_requirements = true;
        break;
      }
      case kTagMechanismName: {
        VMUC_ASSIGN_OR_RETURN(aarq.mechanism, ReadMechanism(field));
        break;
      }
      case kTagCallingAuthenticationValue: {
        VMUC_ASSIGN_OR_RETURN(aarq.calling_authentication_value,
                              ReadWrappedOctets(field, kAuthenticationValueCharstring,
                                                "calling-authentication-value"));
        break;
      }
      case kTagUserInformation: {
        VMUC_ASSIGN_OR_RETURN(aarq.user_information,
                              ReadWrappedOctets(field, kBerOctetString, "user-information"));
        break;
      }
      default:  // protocol-version, called-AP-title ...: not needed by a COSEM server
        break;
    }
  }
  if (!have_context) return BerError(0, "AARQ without application-context-name");
  if (aarq.mechanism && !have_requirements) {
    // Green Book 9.4.2.2.3: mechanism-name is present only with the authentication unit.
    return BerError(0, "AARQ has a mechanism-name but no sender-acse-requirements");
  }
  return aarq;
}

void EncodeAare(const Aare& aare, std::vector<uint8_t>& out) {
  std::vector<uint8_t> body;
  AppendContextName(aare.context, body);
  AppendTaggedInteger(kTagAareResult, static_cast<uint8_t>(aare.result), body);
  {
    std::vector<uint8_t> choice;
    // acse-service-user [1] / acse-service-provider [2], each an INTEGER.
    AppendTaggedInteger(static_cast<uint8_t>(0xA0 | static_cast<uint8_t>(aare.diagnostic_source)),
                        aare.diagnostic, choice);
    AppendTlv(kTagAareResultSourceDiagnostic, choice, body);
  }
  if (aare.responding_ap_title) {
    AppendWrappedOctets(kTagAareRespondingApTitle, kBerOctetString, *aare.responding_ap_title,
                        body);
  }
  if (aare.responding_ae_invocation_id) {
    AppendTaggedInteger(kTagAareRespondingAeInvocationId, *aare.responding_ae_invocation_id, body);
  }
  if (aare.mechanism) {
    AppendMechanism(kTagAareResponderAcseRequirements, kTagAareMechanismName, *aare.mechanism,
                    body);
  }
  if (!aare.responding_authentication_value.empty()) {
    AppendWrappedOctets(kTagAareRespondingAuthenticationValue, kAuthenticationValueCharstring,
                        aare.responding_authentication_value, body);
  }
  if (!aare.user_information.empty()) {
    AppendWrappedOctets(kTagUserInformation, kBerOctetString, aare.user_information, body);
  }
  AppendTlv(kAareTag, body, out);
}

absl::StatusOr<Aare> DecodeAare(std::span<const uint8_t> apdu) {
  VMUC_ASSIGN_OR_RETURN(BerReader fields, OpenAcse(apdu, kAareTag, "AARE"));
  Aare aare;
  bool have_result = false;
  while (!fields.AtEnd()) {
    VMUC_ASSIGN_OR_RETURN(Tlv field, fields.Next("AARE field"));
    switch (field.tag) {
      case kTagApplicationContextName: {
        VMUC_ASSIGN_OR_RETURN(aare.context, ReadContextName(field));
        break;
      }
      case kTagAareResult: {
        VMUC_ASSIGN_OR_RETURN(uint8_t result, ReadSmallUnsigned(field, "result"));
        if (result > 2) return BerError(field.content_offset, "association result above 2");
        aare.result = static_cast<AssociationResult>(result);
        have_result = true;
        break;
      }
      case kTagAareResultSourceDiagnostic: {
        BerReader inner(field.content, field.content_offset);
        VMUC_ASSIGN_OR_RETURN(Tlv choice, inner.Next("result-source-diagnostic"));
        if (choice.tag != 0xA1 && choice.tag != 0xA2) {
          return BerError(choice.offset, "result-source-diagnostic is neither user nor provider");
        }
        aare.diagnostic_source = static_cast<DiagnosticSource>(choice.tag & 0x0F);
        VMUC_ASSIGN_OR_RETURN(aare.diagnostic, ReadSmallUnsigned(choice, "diagnostic"));
        break;
      }
      case kTagAareRespondingApTitle: {
        VMUC_ASSIGN_OR_RETURN(aare.responding_ap_title,
                              ReadWrappedOctets(field, kBerOctetString, "responding-AP-title"));
        break;
      }
      case kTagAareRespondingAeInvocationId: {
        VMUC_ASSIGN_OR_RETURN(int64_t id, ReadWrappedInteger(field, "responding-AE-invocation-id"));
        aare.responding_ae_invocation_id = static_cast<int32_t>(id);
        break;
      }
      case kTagAareResponderAcseRequirements: {
        VMUC_RETURN_IF_ERROR(CheckAcseRequirements(field));
        break;
      }
      case kTagAareMechanismName: {
        VMUC_ASSIGN_OR_RETURN(aare.mechanism, ReadMechanism(field));
        break;
      }
      case kTagAareRespondingAuthenticationValue: {
        VMUC_ASSIGN_OR_RETURN(aare.responding_authentication_value,
                              ReadWrappedOctets(field, kAuthenticationValueCharstring,
                                                "responding-authentication-value"));
        break;
      }
      case kTagUserInformation: {
        VMUC_ASSIGN_OR_RETURN(aare.user_information,
                              ReadWrappedOctets(field, kBerOctetString, "user-information"));
        break;
      }
      default:
        break;
    }
  }
  if (!have_result) return BerError(0, "AARE without result");
  return aare;
}

template <typename Release>
void EncodeRelease(uint8_t tag, const Release& release, std::vector<uint8_t>& out) {
  std::vector<uint8_t> body;
  if (release.reason) {
    // reason [0] IMPLICIT INTEGER: a value above 127 needs a leading zero byte (X.690 8.3).
    AppendTlv(kTagReleaseReason, BerIntegerContent(*release.reason), body);
  }
  if (!release.user_information.empty()) {
    AppendWrappedOctets(kTagUserInformation, kBerOctetString, release.user_information, body);
  }
  AppendTlv(tag, body, out);
}

template <typename Release>
absl::StatusOr<Release> DecodeRelease(std::span<const uint8_t> apdu, uint8_t tag,
                                      std::string_view name) {
  VMUC_ASSIGN_OR_RETURN(BerReader fields, OpenAcse(apdu, tag, name));
  Release release;
  release.reason.reset();
  while (!fields.AtEnd()) {
    VMUC_ASSIGN_OR_RETURN(Tlv field, fields.Next(absl::StrCat(AsAbsl(name), " field")));
    if (field.tag == kTagReleaseReason) {
      VMUC_ASSIGN_OR_RETURN(int64_t reason,
                            ReadInteger(field.content, field.content_offset, "reason"));
      if (reason < 0 || reason > 255) return BerError(field.content_offset, "reason out of range");
      release.reason = static_cast<uint8_t>(reason);
    } else if (field.tag == kTagUserInformation) {
      VMUC_ASSIGN_OR_RETURN(release.user_information,
                            ReadWrappedOctets(field, kBerOctetString, "user-information"));
    }
  }
  return release;
}

// ---- xDLMS: A-XDR --------------------------------------------------------------------

void AppendU16(uint16_t value, std::vector<uint8_t>& out) {
  out.push_back(static_cast<uint8_t>(value >> 8));
  out.push_back(static_cast<uint8_t>(value));
}

void AppendU32(uint32_t value, std::vector<uint8_t>& out) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(value >> shift));
}

// Conformance ::= [APPLICATION 31] IMPLICIT BIT STRING (SIZE(24)): BER tag 0x5F 0x1F,
// length 4, 0 unused bits, 3 bytes (Green Book 9.4.6.1).
void AppendConformance(uint32_t conformance, std::vector<uint8_t>& out) {
  out.insert(out.end(), {0x5F, 0x1F, 0x04, 0x00});
  out.push_back(static_cast<uint8_t>(conformance >> 16));
  out.push_back(static_cast<uint8_t>(conformance >> 8));
  out.push_back(static_cast<uint8_t>(conformance));
}

absl::StatusOr<uint32_t> ReadConformance(AxdrReader& reader) {
  const size_t at = reader.offset();
  VMUC_ASSIGN_OR_RETURN(auto header, reader.ReadBytes(4, "conformance block header"));
  if (header[0] != 0x5F || header[1] != 0x1F || header[2] != 0x04) {
    return AxdrReader::ErrorAt(at, "conformance block must start 5F 1F 04");
  }
  VMUC_ASSIGN_OR_RETURN(auto bits, reader.ReadBytes(3, "conformance block"));
  return (uint32_t{bits[0]} << 16) | (uint32_t{bits[1]} << 8) | bits[2];
}

// OPTIONAL fields are a presence byte (0 absent, 1 present) then the value.
absl::StatusOr<bool> ReadPresence(AxdrReader& reader, std::string_view what) {
  const size_t at = reader.offset();
  VMUC_ASSIGN_OR_RETURN(uint8_t flag, reader.ReadUint8(what));
  if (flag > 1) {
    return AxdrReader::ErrorAt(
        at,
        absl::StrCat(AsAbsl(what), ": presence flag must be 0 or 1, not ", static_cast<int>(flag)));
  }
  return flag == 1;
}

// A-XDR BOOLEAN: 0x00 is FALSE; TRUE is written 0xFF by some peers and 0x01 by others.
absl::StatusOr<bool> ReadBoolean(AxdrReader& reader, std::string_view what) {
  VMUC_ASSIGN_OR_RETURN(uint8_t value, reader.ReadUint8(what));
  return value != 0;
}

absl::StatusOr<std::vector<uint8_t>> ReadOctetString(AxdrReader& reader, std::string_view what) {
  VMUC_ASSIGN_OR_RETURN(size_t length, reader.ReadLength(what));
  VMUC_ASSIGN_OR_RETURN(auto bytes, reader.ReadBytes(length, what));
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

void AppendOctetString(std::span<const uint8_t> bytes, std::vector<uint8_t>& out) {
  AppendLength(bytes.size(), out);
  out.insert(out.end(), bytes.begin(), bytes.end());
}

template <typename Descriptor>
void AppendDescriptor(const Descriptor& descriptor, int8_t id, std::vector<uint8_t>& out) {
  AppendU16(descriptor.class_id, out);
  out.insert(out.end(), descriptor.instance.bytes.begin(), descriptor.instance.bytes.end());
  out.push_back(static_cast<uint8_t>(id));
}

struct RawDescriptor {
  uint16_t class_id;
  Obis instance;
  int8_t id;
};

absl::StatusOr<RawDescriptor> ReadDescriptor(AxdrReader& reader) {
  RawDescriptor descriptor{};
  VMUC_ASSIGN_OR_RETURN(descriptor.class_id, reader.ReadUint16("class-id"));
  VMUC_ASSIGN_OR_RETURN(auto instance, reader.ReadBytes(6, "instance-id"));
  std::copy(instance.begin(), instance.end(), descriptor.instance.bytes.begin());
  VMUC_ASSIGN_OR_RETURN(uint8_t id, reader.ReadUint8("attribute or method id"));
  descriptor.id = static_cast<int8_t>(id);
  return descriptor;
}

void AppendAttributeRequest(const AttributeRequest& request, std::vector<uint8_t>& out) {
  AppendDescriptor(request.attribute, request.attribute.attribute_id, out);
  if (request.access) {
    out.push_back(1);
    out.push_back(request.access->selector);
    AppendData(request.access->parameters, out);
  } else {
    out.push_back(0);
  }
}

absl::StatusOr<AttributeRequest> ReadAttributeRequest(AxdrReader& reader) {
  VMUC_ASSIGN_OR_RETURN(RawDescriptor descriptor, ReadDescriptor(reader));
  AttributeRequest request;
  request.attribute = {descriptor.class_id, descriptor.instance, descriptor.id};
  VMUC_ASSIGN_OR_RETURN(bool has_access, ReadPresence(reader, "access-selection"));
  if (has_access) {
    SelectiveAccess access;
    VMUC_ASSIGN_OR_RETURN(access.selector, reader.ReadUint8("access-selector"));
    VMUC_ASSIGN_OR_RETURN(access.parameters, reader.ReadData());
    request.access = std::move(access);
  }
  return request;
}

absl::StatusOr<DataAccessResult> ReadResult(AxdrReader& reader, std::string_view what) {
  VMUC_ASSIGN_OR_RETURN(uint8_t value, reader.ReadUint8(what));
  return static_cast<DataAccessResult>(value);  // unknown codes are carried, not refused
}

absl::StatusOr<GetDataResult> ReadGetDataResult(AxdrReader& reader) {
  const size_t at = reader.offset();
  VMUC_ASSIGN_OR_RETURN(uint8_t choice, reader.ReadUint8("Get-Data-Result choice"));
  if (choice == 0) {
    VMUC_ASSIGN_OR_RETURN(DataValue data, reader.ReadData());
    return GetDataResult::Data(std::move(data));
  }
  if (choice == 1) {
    VMUC_ASSIGN_OR_RETURN(DataAccessResult result, ReadResult(reader, "data-access-result"));
    return GetDataResult::Error(result);
  }
  return AxdrReader::ErrorAt(
      at, absl::StrCat("Get-Data-Result choice must be 0 or 1, not ", static_cast<int>(choice)));
}

// A SEQUENCE OF's element count, bounded by what the remaining bytes could hold.
absl::StatusOr<size_t> ReadCount(AxdrReader& reader, size_t min_element_size,
                                 std::string_view what) {
  const size_t at = reader.offset();
  VMUC_ASSIGN_OR_RETURN(size_t count, reader.ReadLength(what));
  if (count > reader.remaining() / min_element_size) {
    return AxdrReader::ErrorAt(
        at, absl::StrCat(AsAbsl(what), ": ", count, " elements cannot fit in ", reader.remaining(),
                         " bytes"));
  }
  return count;
}

void AppendDataBlockResult(bool last_block, uint32_t block_number, DataAccessResult result,
                           std::span<const uint8_t> raw_data, std::vector<uint8_t>& out) {
  out.push_back(last_block ? 1 : 0);
  AppendU32(block_number, out);
  if (result == DataAccessResult::kSuccess) {
    out.push_back(0);  // raw-data [0]
    AppendOctetString(raw_data, out);
  } else {
    out.push_back(1);  // data-access-result [1]
    out.push_back(static_cast<uint8_t>(result));
  }
}

struct Header {
  uint8_t tag;
  uint8_t choice;
  uint8_t invoke;
};

void AppendHeader(uint8_t tag, uint8_t choice, uint8_t invoke, std::vector<uint8_t>& out) {
  out.push_back(tag);
  out.push_back(choice);
  out.push_back(invoke);
}

// Encoders of the xDLMS services, one per variant alternative.
struct Encoder {
  std::vector<uint8_t>& out;

  void operator()(const Aarq& v) { EncodeAarq(v, out); }
  void operator()(const Aare& v) { EncodeAare(v, out); }
  void operator()(const ReleaseRequest& v) { EncodeRelease(kRlrqTag, v, out); }
  void operator()(const ReleaseResponse& v) { EncodeRelease(kRlreTag, v, out); }
  void operator()(const GetRequestNormal& v) {
    AppendHeader(kGetRequestTag, 1, v.invoke_id_and_priority, out);
    AppendAttributeRequest(v.request, out);
  }
  void operator()(const GetRequestNext& v) {
    AppendHeader(kGetRequestTag, 2, v.invoke_id_and_priority, out);
    AppendU32(v.block_number, out);
  }
  void operator()(const GetRequestWithList& v) {
    AppendHeader(kGetRequestTag, 3, v.invoke_id_and_priority, out);
    AppendLength(v.requests.size(), out);
    for (const auto& request : v.requests) AppendAttributeRequest(request, out);
  }
  void operator()(const GetResponseNormal& v) {
    AppendHeader(kGetResponseTag, 1, v.invoke_id_and_priority, out);
    AppendGetDataResult(v.result, out);
  }
  void operator()(const GetResponseWithDataBlock& v) {
    AppendHeader(kGetResponseTag, 2, v.invoke_id_and_priority, out);
    AppendDataBlockResult(v.last_block, v.block_number, v.result, v.raw_data, out);
  }
  void operator()(const GetResponseWithList& v) {
    AppendHeader(kGetResponseTag, 3, v.invoke_id_and_priority, out);
    AppendLength(v.results.size(), out);
    for (const auto& result : v.results) AppendGetDataResult(result, out);
  }
  void operator()(const SetRequestNormal& v) {
    AppendHeader(kSetRequestTag, 1, v.invoke_id_and_priority, out);
    AppendAttributeRequest(v.request, out);
    AppendData(v.value, out);
  }
  void operator()(const SetRequestWithFirstDataBlock& v) {
    AppendHeader(kSetRequestTag, 2, v.invoke_id_and_priority, out);
    AppendAttributeRequest(v.request, out);
    out.push_back(v.last_block ? 1 : 0);
    AppendU32(v.block_number, out);
    AppendOctetString(v.raw_data, out);
  }
  void operator()(const SetRequestWithDataBlock& v) {
    AppendHeader(kSetRequestTag, 3, v.invoke_id_and_priority, out);
    out.push_back(v.last_block ? 1 : 0);
    AppendU32(v.block_number, out);
    AppendOctetString(v.raw_data, out);
  }
  void operator()(const SetResponseNormal& v) {
    AppendHeader(kSetResponseTag, 1, v.invoke_id_and_priority, out);
    out.push_back(static_cast<uint8_t>(v.result));
  }
  void operator()(const SetResponseDataBlock& v) {
    AppendHeader(kSetResponseTag, 2, v.invoke_id_and_priority, out);
    AppendU32(v.block_number, out);
  }
  void operator()(const SetResponseLastDataBlock& v) {
    AppendHeader(kSetResponseTag, 3, v.invoke_id_and_priority, out);
    out.push_back(static_cast<uint8_t>(v.result));
    AppendU32(v.block_number, out);
  }
  void operator()(const ActionRequestNormal& v) {
    AppendHeader(kActionRequestTag, 1, v.invoke_id_and_priority, out);
    AppendDescriptor(v.method, v.method.method_id, out);
    if (v.parameters) {
      out.push_back(1);
      AppendData(*v.parameters, out);
    } else {
      out.push_back(0);
    }
  }
  void operator()(const ActionResponseNormal& v) {
    AppendHeader(kActionResponseTag, 1, v.invoke_id_and_priority, out);
    out.push_back(static_cast<uint8_t>(v.result));
    if (v.return_parameters) {
      out.push_back(1);
      AppendGetDataResult(*v.return_parameters, out);
    } else {
      out.push_back(0);
    }
  }
  void operator()(const ExceptionResponse& v) {
    out.push_back(kExceptionResponseTag);
    out.push_back(static_cast<uint8_t>(v.state_error));
    out.push_back(static_cast<uint8_t>(v.service_error));
    if (v.service_error == ServiceError::kInvocationCounterError) {
      AppendU32(v.invocation_counter, out);
    }
  }
  void operator()(const ConfirmedServiceError& v) {
    const auto bytes = EncodeConfirmedServiceError(v);
    out.insert(out.end(), bytes.begin(), bytes.end());
  }
  void operator()(const DataNotification& v) { AppendDataNotification(v, out); }
};

absl::Status Unsupported(size_t at, std::string_view service) {
  return absl::UnimplementedError(
      absl::StrCat("APDU offset ", at, ": ", AsAbsl(service), " is not supported"));
}

absl::Status UnknownChoice(std::string_view service, uint8_t choice) {
  return AxdrReader::ErrorAt(
      1, absl::StrCat("unknown ", AsAbsl(service), " choice ", static_cast<int>(choice)));
}

absl::StatusOr<Apdu> DecodeGetRequest(AxdrReader& reader, uint8_t choice, uint8_t invoke) {
  switch (choice) {
    case 1: {
      GetRequestNormal v{.invoke_id_and_priority = invoke};
      VMUC_ASSIGN_OR_RETURN(v.request, ReadAttributeRequest(reader));
      return v;
    }
    case 2: {
      GetRequestNext v{.invoke_id_and_priority = invoke};
      VMUC_ASSIGN_OR_RETURN(v.block_number, reader.ReadUint32("block-number"));
      return v;
    }
    case 3: {
      GetRequestWithList v{.invoke_id_and_priority = invoke};
      // Each attribute request is at least 10 bytes (2 + 6 + 1 + presence byte).
      VMUC_ASSIGN_OR_RETURN(size_t count, ReadCount(reader, 10, "attribute-descriptor-list"));
      v.requests.reserve(count);
      for (size_t i = 0; i < count; ++i) {
        VMUC_ASSIGN_OR_RETURN(AttributeRequest request, ReadAttributeRequest(reader));
        v.requests.push_back(std::move(request));
      }
      return v;
    }
    default:
      return UnknownChoice("get-request", choice);
  }
}

absl::StatusOr<Apdu> DecodeGetResponse(AxdrReader& reader, uint8_t choice, uint8_t invoke) {
  switch (choice) {
    case 1: {
      GetResponseNormal v{.invoke_id_and_priority = invoke};
      VMUC_ASSIGN_OR_RETURN(v.result, ReadGetDataResult(reader));
      return v;
    }
    case 2: {
      GetResponseWithDataBlock v{.invoke_id_and_priority = invoke};
      VMUC_ASSIGN_OR_RETURN(v.last_block, ReadBoolean(reader, "last-block"));
      VMUC_ASSIGN_OR_RETURN(v.block_number, reader.ReadUint32("block-number"));
      const size_t at = reader.offset();
      VMUC_ASSIGN_OR_RETURN(uint8_t result_choice, reader.ReadUint8("DataBlock-G result"));
      if (result_choice == 0) {
        v.result = DataAccessResult::kSuccess;
        VMUC_ASSIGN_OR_RETURN(v.raw_data, ReadOctetString(reader, "raw-data"));
      } else if (result_choice == 1) {
        VMUC_ASSIGN_OR_RETURN(v.result, ReadResult(reader, "data-access-result"));
      } else {
        return AxdrReader::ErrorAt(at, "DataBlock-G result choice must be 0 or 1");
      }
      return v;
    }
    case 3: {
      GetResponseWithList v{.invoke_id_and_priority = invoke};
      VMUC_ASSIGN_OR_RETURN(size_t count, ReadCount(reader, 2, "result list"));
      v.results.reserve(count);
      for (size_t i = 0; i < count; ++i) {
        VMUC_ASSIGN_OR_RETURN(GetDataResult result, ReadGetDataResult(reader));
        v.results.push_back(std::move(result));
      }
      return v;
    }
    default:
      return UnknownChoice("get-response", choice);
  }
}

absl::StatusOr<Apdu> DecodeSetRequest(AxdrReader& reader, uint8_t choice, uint8_t invoke) {
  switch (choice) {
    case 1: {
      SetRequestNormal v{.invoke_id_and_priority = invoke};
      VMUC_ASSIGN_OR_RETURN(v.request, ReadAttributeRequest(reader));
      VMUC_ASSIGN_OR_RETURN(v.value, reader.ReadData());
      return v;
    }
    case 2: {
      SetRequestWithFirstDataBlock v{.invoke_id_and_priority = invoke};
      VMUC_ASSIGN_OR_RETURN(v.request, ReadAttributeRequest(reader));
      VMUC_ASSIGN_OR_RETURN(v.last_block, ReadBoolean(reader, "last-block"));
      VMUC_ASSIGN_OR_RETURN(v.block_number, reader.ReadUint32("block-number"));
      VMUC_ASSIGN_OR_RETURN(v.raw_data, ReadOctetString(reader, "raw-data"));
      return v;
    }
    case 3: {
      SetRequestWithDataBlock v{.invoke_id_and_priority = invoke};
      VMUC_ASSIGN_OR_RETURN(v.last_block, ReadBoolean(reader, "last-block"));
      VMUC_ASSIGN_OR_RETURN(v.block_number, reader.ReadUint32("block-number"));
      VMUC_ASSIGN_OR_RETURN(v.raw_data, ReadOctetString(reader, "raw-data"));
      return v;
    }
    case 4:
    case 5:
      return Unsupported(1, "set-request-with-list");
    default:
      return UnknownChoice("set-request", choice);
  }
}

absl::StatusOr<Apdu> DecodeSetResponse(AxdrReader& reader, uint8_t choice, uint8_t invoke) {
  switch (choice) {
    case 1: {
      SetResponseNormal v{.invoke_id_and_priority = invoke};
      VMUC_ASSIGN_OR_RETURN(v.result, ReadResult(reader, "result"));
      return v;
    }
    case 2: {
      SetResponseDataBlock v{.invoke_id_and_priority = invoke};
      VMUC_ASSIGN_OR_RETURN(v.block_number, reader.ReadUint32("block-number"));
      return v;
    }
    case 3: {
      SetResponseLastDataBlock v{.invoke_id_and_priority = invoke};
      VMUC_ASSIGN_OR_RETURN(v.result, ReadResult(reader, "result"));
      VMUC_ASSIGN_OR_RETURN(v.block_number, reader.ReadUint32("block-number"));
      return v;
    }
    case 4:
    case 5:
      return Unsupported(1, "set-response-with-list");
    default:
      return UnknownChoice("set-response", choice);
  }
}

absl::StatusOr<Apdu> DecodeActionRequest(AxdrReader& reader, uint8_t choice, uint8_t invoke) {
  if (choice == 1) {
    ActionRequestNormal v{.invoke_id_and_priority = invoke};
    VMUC_ASSIGN_OR_RETURN(RawDescriptor descriptor, ReadDescriptor(reader));
    v.method = {descriptor.class_id, descriptor.instance, descriptor.id};
    VMUC_ASSIGN_OR_RETURN(bool has_parameters,
                          ReadPresence(reader, "method-invocation-parameters"));
    if (has_parameters) {
      VMUC_ASSIGN_OR_RETURN(v.parameters, reader.ReadData());
    }
    return v;
  }
  if (choice >= 2 && choice <= 6) return Unsupported(1, "action-request with blocks or lists");
  return UnknownChoice("action-request", choice);
}

absl::StatusOr<Apdu> DecodeActionResponse(AxdrReader& reader, uint8_t choice, uint8_t invoke) {
  if (choice == 1) {
    ActionResponseNormal v{.invoke_id_and_priority = invoke};
    VMUC_ASSIGN_OR_RETURN(v.result, ReadResult(reader, "action-result"));
    VMUC_ASSIGN_OR_RETURN(bool has_return, ReadPresence(reader, "return-parameters"));
    if (has_return) {
      VMUC_ASSIGN_OR_RETURN(v.return_parameters, ReadGetDataResult(reader));
    }
    return v;
  }
  if (choice >= 2 && choice <= 4) return Unsupported(1, "action-response with blocks or lists");
  return UnknownChoice("action-response", choice);
}

absl::StatusOr<Apdu> DecodeExceptionResponse(AxdrReader& reader) {
  ExceptionResponse v;
  VMUC_ASSIGN_OR_RETURN(uint8_t state, reader.ReadUint8("state-error"));
  VMUC_ASSIGN_OR_RETURN(uint8_t service, reader.ReadUint8("service-error"));
  if (state < 1 || state > 2) return AxdrReader::ErrorAt(1, "state-error must be 1 or 2");
  if (service < 1 || service > 6) return AxdrReader::ErrorAt(2, "service-error must be 1..6");
  v.state_error = static_cast<StateError>(state);
  v.service_error = static_cast<ServiceError>(service);
  if (v.service_error == ServiceError::kInvocationCounterError) {
    VMUC_ASSIGN_OR_RETURN(v.invocation_counter, reader.ReadUint32("invocation-counter"));
  }
  return v;
}

bool IsCipheredTag(uint8_t tag) {
  return tag == 0x21 || tag == 0x28 || tag == 0x2E || (tag >= 0xC8 && tag <= 0xCF) || tag == 0xDB ||
         tag == 0xDC || tag == 0xDD || tag == 0xDF;
}

}  // namespace

std::vector<uint8_t> ApplicationContextName(ApplicationContext context) {
  return DlmsOid(kContextNameArc, static_cast<uint8_t>(context));
}

std::vector<uint8_t> MechanismName(AuthenticationMechanism mechanism) {
  return DlmsOid(kMechanismNameArc, static_cast<uint8_t>(mechanism));
}

std::string DataAccessResultName(DataAccessResult result) {
  switch (result) {
    case DataAccessResult::kSuccess:
      return "success";
    case DataAccessResult::kHardwareFault:
      return "hardware-fault";
    case DataAccessResult::kTemporaryFailure:
      return "temporary-failure";
    case DataAccessResult::kReadWriteDenied:
      return "read-write-denied";
    case DataAccessResult::kObjectUndefined:
      return "object-undefined";
    case DataAccessResult::kObjectClassInconsistent:
      return "object-class-inconsistent";
    case DataAccessResult::kObjectUnavailable:
      return "object-unavailable";
    case DataAccessResult::kTypeUnmatched:
      return "type-unmatched";
    case DataAccessResult::kScopeOfAccessViolated:
      return "scope-of-access-violated";
    case DataAccessResult::kDataBlockUnavailable:
      return "data-block-unavailable";
    case DataAccessResult::kLongGetAborted:
      return "long-get-aborted";
    case DataAccessResult::kNoLongGetInProgress:
      return "no-long-get-in-progress";
    case DataAccessResult::kLongSetAborted:
      return "long-set-aborted";
    case DataAccessResult::kNoLongSetInProgress:
      return "no-long-set-in-progress";
    case DataAccessResult::kDataBlockNumberInvalid:
      return "data-block-number-invalid";
    case DataAccessResult::kOtherReason:
      return "other-reason";
  }
  return absl::StrCat("result ", static_cast<int>(result));
}

void AppendGetDataResult(const GetDataResult& result, std::vector<uint8_t>& out) {
  if (result.result == DataAccessResult::kSuccess) {
    out.push_back(0);
    AppendData(result.data, out);
  } else {
    out.push_back(1);
    out.push_back(static_cast<uint8_t>(result.result));
  }
}

std::vector<uint8_t> EncodeApdu(const Apdu& apdu) {
  std::vector<uint8_t> out;
  std::visit(Encoder{out}, apdu);
  return out;
}

absl::StatusOr<Apdu> DecodeApdu(std::span<const uint8_t> apdu) {
  if (apdu.empty()) return AxdrReader::ErrorAt(0, "empty APDU");
  const uint8_t tag = apdu[0];
  switch (tag) {
    case kAarqTag:
      return DecodeAarq(apdu);
    case kAareTag:
      return DecodeAare(apdu);
    case kRlrqTag:
      return DecodeRelease<ReleaseRequest>(apdu, kRlrqTag, "RLRQ");
    case kRlreTag:
      return DecodeRelease<ReleaseResponse>(apdu, kRlreTag, "RLRE");
    case kDataNotificationTag:
      return DecodeDataNotification(apdu);
    case kConfirmedServiceErrorTag:
      return DecodeConfirmedServiceError(apdu);
    default:
      break;
  }
  if (IsCipheredTag(tag)) {
    return absl::FailedPreconditionError(
        absl::StrCat("APDU tag 0x", absl::Hex(tag, absl::kZeroPad2),
                     " is ciphered; unprotect it before decoding"));
  }
  AxdrReader reader(apdu);
  (void)reader.ReadUint8("tag");
  absl::StatusOr<Apdu> decoded;
  if (tag == kExceptionResponseTag) {
    decoded = DecodeExceptionResponse(reader);
  } else if (tag == kGetRequestTag || tag == kGetResponseTag || tag == kSetRequestTag ||
             tag == kSetResponseTag || tag == kActionRequestTag || tag == kActionResponseTag) {
    VMUC_ASSIGN_OR_RETURN(uint8_t choice, reader.ReadUint8("service choice"));
    VMUC_ASSIGN_OR_RETURN(uint8_t invoke, reader.ReadUint8("invoke-id-and-priority"));
    switch (tag) {
      case kGetRequestTag:
        decoded = DecodeGetRequest(reader, choice, invoke);
        break;
      case kGetResponseTag:
        decoded = DecodeGetResponse(reader, choice, invoke);
        break;
      case kSetRequestTag:
        decoded = DecodeSetRequest(reader, choice, invoke);
        break;
      case kSetResponseTag:
        decoded = DecodeSetResponse(reader, choice, invoke);
        break;
      case kActionRequestTag:
        decoded = DecodeActionRequest(reader, choice, invoke);
        break;
      default:
        decoded = DecodeActionResponse(reader, choice, invoke);
        break;
    }
  } else if (tag == 0xD9 || tag == 0xDA) {
    return Unsupported(0, "access (ACCESS-Request/-Response)");
  } else if (tag == 0x05 || tag == 0x06 || tag == 0x0C || tag == 0x0D || tag == 0x16) {
    return Unsupported(0, "short-name referencing (read/write)");
  } else {
    return AxdrReader::ErrorAt(
        0, absl::StrCat("unknown APDU tag 0x", absl::Hex(tag, absl::kZeroPad2)));
  }
  if (!decoded.ok()) return decoded.status();
  VMUC_RETURN_IF_ERROR(reader.ExpectEnd("the APDU"));
  return decoded;
}

std::vector<uint8_t> EncodeInitiateRequest(const InitiateRequest& request) {
  std::vector<uint8_t> out{kInitiateRequestTag};
  if (request.dedicated_key) {
    out.push_back(1);
    AppendOctetString(*request.dedicated_key, out);
  } else {
    out.push_back(0);
  }
  // response-allowed BOOLEAN DEFAULT TRUE: 0 = the default, else 1 and the value.
  if (request.response_allowed) {
    out.push_back(0);
  } else {
    out.insert(out.end(), {0x01, 0x00});
  }
  if (request.proposed_quality_of_service) {
    out.push_back(1);
    out.push_back(static_cast<uint8_t>(*request.proposed_quality_of_service));
  } else {
    out.push_back(0);
  }
  out.push_back(request.dlms_version);
  AppendConformance(request.conformance, out);
  AppendU16(request.client_max_receive_pdu_size, out);
  return out;
}

absl::StatusOr<InitiateRequest> DecodeInitiateRequest(std::span<const uint8_t> bytes) {
  AxdrReader reader(bytes);
  VMUC_ASSIGN_OR_RETURN(uint8_t tag, reader.ReadUint8("InitiateRequest tag"));
  if (tag != kInitiateRequestTag) {
    return AxdrReader::ErrorAt(0, absl::StrCat("expected InitiateRequest tag 0x01, got 0x",
                                               absl::Hex(tag, absl::kZeroPad2)));
  }
  InitiateRequest request;
  VMUC_ASSIGN_OR_RETURN(bool has_key, ReadPresence(reader, "dedicated-key"));
  if (has_key) {
    VMUC_ASSIGN_OR_RETURN(request.dedicated_key, ReadOctetString(reader, "dedicated-key"));
  }
  VMUC_ASSIGN_OR_RETURN(bool has_allowed, ReadPresence(reader, "response-allowed"));
  if (has_allowed) {
    VMUC_ASSIGN_OR_RETURN(request.response_allowed, ReadBoolean(reader, "response-allowed"));
  }
  VMUC_ASSIGN_OR_RETURN(bool has_qos, ReadPresence(reader, "proposed-quality-of-service"));
  if (has_qos) {
    VMUC_ASSIGN_OR_RETURN(uint8_t qos, reader.ReadUint8("proposed-quality-of-service"));
    request.proposed_quality_of_service = static_cast<int8_t>(qos);
  }
  VMUC_ASSIGN_OR_RETURN(request.dlms_version, reader.ReadUint8("proposed-dlms-version-number"));
  VMUC_ASSIGN_OR_RETURN(request.conformance, ReadConformance(reader));
  VMUC_ASSIGN_OR_RETURN(request.client_max_receive_pdu_size,
                        reader.ReadUint16("client-max-receive-pdu-size"));
  VMUC_RETURN_IF_ERROR(reader.ExpectEnd("the InitiateRequest"));
  return request;
}

std::vector<uint8_t> EncodeInitiateResponse(const InitiateResponse& response) {
  std::vector<uint8_t> out{kInitiateResponseTag};
  if (response.negotiated_quality_of_service) {
    out.push_back(1);
    out.push_back(static_cast<uint8_t>(*response.negotiated_quality_of_service));
  } else {
    out.push_back(0);
  }
  out.push_back(response.dlms_version);
  AppendConformance(response.conformance, out);
  AppendU16(response.server_max_receive_pdu_size, out);
  AppendU16(response.vaa_name, out);
  return out;
}

absl::StatusOr<InitiateResponse> DecodeInitiateResponse(std::span<const uint8_t> bytes) {
  AxdrReader reader(bytes);
  VMUC_ASSIGN_OR_RETURN(uint8_t tag, reader.ReadUint8("InitiateResponse tag"));
  if (tag != kInitiateResponseTag) {
    return AxdrReader::ErrorAt(0, absl::StrCat("expected InitiateResponse tag 0x08, got 0x",
                                               absl::Hex(tag, absl::kZeroPad2)));
  }
  InitiateResponse response;
  VMUC_ASSIGN_OR_RETURN(bool has_qos, ReadPresence(reader, "negotiated-quality-of-service"));
  if (has_qos) {
    VMUC_ASSIGN_OR_RETURN(uint8_t qos, reader.ReadUint8("negotiated-quality-of-service"));
    response.negotiated_quality_of_service = static_cast<int8_t>(qos);
  }
  VMUC_ASSIGN_OR_RETURN(response.dlms_version, reader.ReadUint8("negotiated-dlms-version-number"));
  VMUC_ASSIGN_OR_RETURN(response.conformance, ReadConformance(reader));
  VMUC_ASSIGN_OR_RETURN(response.server_max_receive_pdu_size,
                        reader.ReadUint16("server-max-receive-pdu-size"));
  VMUC_ASSIGN_OR_RETURN(response.vaa_name, reader.ReadUint16("vaa-name"));
  VMUC_RETURN_IF_ERROR(reader.ExpectEnd("the InitiateResponse"));
  return response;
}

std::vector<uint8_t> EncodeConfirmedServiceError(const ConfirmedServiceError& error) {
  return {kConfirmedServiceErrorTag, error.service, error.error_type, error.value};
}

absl::StatusOr<ConfirmedServiceError> DecodeConfirmedServiceError(std::span<const uint8_t> bytes) {
  AxdrReader reader(bytes);
  VMUC_ASSIGN_OR_RETURN(uint8_t tag, reader.ReadUint8("ConfirmedServiceError tag"));
  if (tag != kConfirmedServiceErrorTag) {
    return AxdrReader::ErrorAt(0, "expected ConfirmedServiceError tag 0x0E");
  }
  ConfirmedServiceError error;
  VMUC_ASSIGN_OR_RETURN(error.service, reader.ReadUint8("confirmed service"));
  VMUC_ASSIGN_OR_RETURN(error.error_type, reader.ReadUint8("service-error choice"));
  VMUC_ASSIGN_OR_RETURN(error.value, reader.ReadUint8("service-error value"));
  VMUC_RETURN_IF_ERROR(reader.ExpectEnd("the ConfirmedServiceError"));
  return error;
}

std::string ApduKindName(const Apdu& apdu) {
  static constexpr const char* kNames[] = {
      "aarq",
      "aare",
      "rlrq",
      "rlre",
      "get-request-normal",
      "get-request-next",
      "get-request-with-list",
      "get-response-normal",
      "get-response-with-datablock",
      "get-response-with-list",
      "set-request-normal",
      "set-request-with-first-datablock",
      "set-request-with-datablock",
      "set-response-normal",
      "set-response-datablock",
      "set-response-last-datablock",
      "action-request-normal",
      "action-response-normal",
      "exception-response",
      "confirmed-service-error",
      "data-notification",
  };
  static_assert(std::size(kNames) == std::variant_size_v<Apdu>);
  return kNames[apdu.index()];
}

}  // namespace vmuc::dlms
