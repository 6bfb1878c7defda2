// The xDLMS and ACSE APDUs of a logical-name-referencing association (IEC 62056-5-3; DLMS
// Green Book 9.3 "xDLMS services" and 9.4 "The COSEM application layer ASN.1"): what a DLMS
// client and server exchange once a transport (HDLC, the wrapper) delivers whole APDUs.
//
//   ACSE (BER):   AARQ [APPLICATION 0] 0x60, AARE 0x61, RLRQ 0x62, RLRE 0x63
//   xDLMS (A-XDR): InitiateRequest 0x01 / InitiateResponse 0x08 (inside the AARQ's and
//                  AARE's user-information), ConfirmedServiceError 0x0E, GET 0xC0/0xC4,
//                  SET 0xC1/0xC5, ACTION 0xC3/0xC7, ExceptionResponse 0xD8,
//                  DataNotification 0x0F (dlms/data_notification.h)
//
// Ciphered forms (glo-*, general-glo-ciphering) wrap these bytes; dlms/security.h turns
// them back into the plain APDUs decoded here. Each APDU is a plain value type; the
// functions are pure, thread-safe, and treat their input as hostile: every failure is an
// InvalidArgument naming the field and the byte offset.
//
// Not implemented, and refused by DecodeApdu as "not supported" (the server answers with
// an exception response): SET-with-list, ACTION-with-list and ACTION with parameter
// blocks, ACCESS, short-name referencing (read/write). Common clients need none of them
// when the AARE does not grant them (cosem-object-model.md, "Interoperability").
#ifndef VMUC_DLMS_APDU_H_
#define VMUC_DLMS_APDU_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "dlms/axdr.h"
#include "dlms/data_notification.h"
#include "dlms/obis.h"

namespace vmuc::dlms {

// APDU tags (Green Book 9.5, "xDLMS APDU ASN.1" and ACSE).
inline constexpr uint8_t kAarqTag = 0x60;
inline constexpr uint8_t kAareTag = 0x61;
inline constexpr uint8_t kRlrqTag = 0x62;
inline constexpr uint8_t kRlreTag = 0x63;
inline constexpr uint8_t kInitiateRequestTag = 0x01;
inline constexpr uint8_t kInitiateResponseTag = 0x08;
inline constexpr uint8_t kConfirmedServiceErrorTag = 0x0E;
inline constexpr uint8_t kGetRequestTag = 0xC0;
inline constexpr uint8_t kSetRequestTag = 0xC1;
inline constexpr uint8_t kActionRequestTag = 0xC3;
inline constexpr uint8_t kGetResponseTag = 0xC4;
inline constexpr uint8_t kSetResponseTag = 0xC5;
inline constexpr uint8_t kActionResponseTag = 0xC7;
inline constexpr uint8_t kExceptionResponseTag = 0xD8;

// ---- Conformance block (Green Book 9.4.6.1): a 24-bit BIT STRING; bit 0 is the most
// significant bit of the first byte, so bit n has the value 1 << (23 - n) here.
namespace conformance {
inline constexpr uint32_t Bit(int n) { return 1u << (23 - n); }
inline constexpr uint32_t kGeneralProtection = Bit(1);
inline constexpr uint32_t kGeneralBlockTransfer = Bit(2);
inline constexpr uint32_t kRead = Bit(3);
inline constexpr uint32_t kWrite = Bit(4);
inline constexpr uint32_t kUnconfirmedWrite = Bit(5);
inline constexpr uint32_t kAttribute0WithSet = Bit(8);
inline constexpr uint32_t kPriorityManagement = Bit(9);
inline constexpr uint32_t kAttribute0WithGet = Bit(10);
inline constexpr uint32_t kBlockTransferWithGet = Bit(11);
inline constexpr uint32_t kBlockTransferWithSet = Bit(12);
inline constexpr uint32_t kBlockTransferWithAction = Bit(13);
inline constexpr uint32_t kMultipleReferences = Bit(14);
inline constexpr uint32_t kInformationReport = Bit(15);
inline constexpr uint32_t kDataNotification = Bit(16);
inline constexpr uint32_t kAccess = Bit(17);
inline constexpr uint32_t kParameterizedAccess = Bit(18);
inline constexpr uint32_t kGet = Bit(19);
inline constexpr uint32_t kSet = Bit(20);
inline constexpr uint32_t kSelectiveAccess = Bit(21);
inline constexpr uint32_t kEventNotification = Bit(22);
inline constexpr uint32_t kAction = Bit(23);
}  // namespace conformance

// ---- ACSE ----------------------------------------------------------------------------

// application-context-name: the last arc of 2.16.756.5.8.1.x (Green Book 9.4.2.2.2).
enum class ApplicationContext : uint8_t {
  kLogicalName = 1,
  kShortName = 2,
  kLogicalNameCiphered = 3,
  kShortNameCiphered = 4,
};

// mechanism-name: the last arc of 2.16.756.5.8.2.x (Green Book 9.4.2.2.3).
enum class AuthenticationMechanism : uint8_t {
  kNone = 0,
  kLow = 1,  // LLS: a password
  kHigh = 2,
  kHighMd5 = 3,
  kHighSha1 = 4,
  kHighGmac = 5,  // HLS mechanism 5, security suite 0
  kHighSha256 = 6,
  kHighEcdsa = 7,
};

// AARQ (Green Book 9.4.2.2, "AARQ-apdu"): the fields a COSEM client sends. Fields the
// decoder does not need (protocol-version, called-AP-title, implementation-information
// ...) are skipped; unknown context tags are skipped too (ACSE extensibility).
struct Aarq {
  ApplicationContext context = ApplicationContext::kLogicalName;
  std::optional<std::vector<uint8_t>> calling_ap_title{};  // the client system title
  // sender-acse-requirements (authentication) and mechanism-name are sent together;
  // nullopt: neither (lowest-level security).
  std::optional<AuthenticationMechanism> mechanism{};
  // calling-authentication-value, charstring choice: the LLS password or the HLS CtoS.
  std::vector<uint8_t> calling_authentication_value{};
  // The content of user-information: an InitiateRequest (0x01) or its glo form (0x21).
  std::vector<uint8_t> user_information{};
  friend bool operator==(const Aarq&, const Aarq&) = default;
};

enum class AssociationResult : uint8_t {
  kAccepted = 0,
  kRejectedPermanent = 1,
  kRejectedTransient = 2,
};

// result-source-diagnostic (Green Book 9.4.2.2.4).
enum class DiagnosticSource : uint8_t { kAcseServiceUser = 1, kAcseServiceProvider = 2 };
namespace acse_user_diagnostic {
inline constexpr uint8_t kNull = 0;
inline constexpr uint8_t kNoReasonGiven = 1;
inline constexpr uint8_t kApplicationContextNameNotSupported = 2;
inline constexpr uint8_t kMechanismNameNotRecognised = 11;
inline constexpr uint8_t kMechanismNameRequired = 12;
inline constexpr uint8_t kAuthenticationFailure = 13;
inline constexpr uint8_t kAuthenticationRequired = 14;
}  // namespace acse_user_diagnostic

struct Aare {
  ApplicationContext context = ApplicationContext::kLogicalName;
  AssociationResult result = AssociationResult::kAccepted;
  DiagnosticSource diagnostic_source = DiagnosticSource::kAcseServiceUser;
  uint8_t diagnostic = acse_user_diagnostic::kNull;
  std::optional<std::vector<uint8_t>> responding_ap_title{};  // the server system title
  // responding-AE-invocation-id; common servers send 0 (dlms-wire-examples.md).
  std::optional<int32_t> responding_ae_invocation_id{};
  // responder-acse-requirements and mechanism-name (HLS), with the StoC challenge.
  std::optional<AuthenticationMechanism> mechanism{};
  std::vector<uint8_t> responding_authentication_value{};
  // InitiateResponse (0x08), its glo form (0x28), or a ConfirmedServiceError (0x0E).
  std::vector<uint8_t> user_information{};
  friend bool operator==(const Aare&, const Aare&) = default;
};

// RLRQ / RLRE (Green Book 9.4.2.3): reason 0 is "normal"; the user-information, when
// present, is an InitiateRequest/-Response (plain or glo) as in the AARQ/AARE.
struct ReleaseRequest {
  std::optional<uint8_t> reason = 0;
  std::vector<uint8_t> user_information{};
  friend bool operator==(const ReleaseRequest&, const ReleaseRequest&) = default;
};
struct ReleaseResponse {
  std::optional<uint8_t> reason = 0;
  std::vector<uint8_t> user_information{};
  friend bool operator==(const ReleaseResponse&, const ReleaseResponse&) = default;
};

// The object identifiers as the association object shows them (class 15 attributes 4
// and 6): the BER content 60 85 74 05 08 {01 | 02} xx.
std::vector<uint8_t> ApplicationContextName(ApplicationContext context);
std::vector<uint8_t> MechanismName(AuthenticationMechanism mechanism);

// ---- xDLMS initiate -----------------------------------------------------------------

inline constexpr uint8_t kDlmsVersion = 6;
// vaa-name of every LN association (Green Book 9.4.6.2).
inline constexpr uint16_t kLogicalNameVaaName = 0x0007;

struct InitiateRequest {
  std::optional<std::vector<uint8_t>> dedicated_key{};
  bool response_allowed = true;  // BOOLEAN DEFAULT TRUE
  std::optional<int8_t> proposed_quality_of_service{};
  uint8_t dlms_version = kDlmsVersion;
  uint32_t conformance = 0;  // 24 bits, see namespace conformance
  uint16_t client_max_receive_pdu_size = 0xFFFF;
  friend bool operator==(const InitiateRequest&, const InitiateRequest&) = default;
};

struct InitiateResponse {
  std::optional<int8_t> negotiated_quality_of_service{};
  uint8_t dlms_version = kDlmsVersion;
  uint32_t conformance = 0;
  uint16_t server_max_receive_pdu_size = 0;
  uint16_t vaa_name = kLogicalNameVaaName;
  friend bool operator==(const InitiateResponse&, const InitiateResponse&) = default;
};

// ConfirmedServiceError (Green Book 9.5): e.g. an initiate refused with
// {service = 1 initiateError, error_type = 6 initiate, value = 1 dlms-version-too-low}.
namespace service_error {
inline constexpr uint8_t kInitiateError = 1;
inline constexpr uint8_t kTypeInitiate = 6;
inline constexpr uint8_t kInitiateOther = 0;
inline constexpr uint8_t kDlmsVersionTooLow = 1;
inline constexpr uint8_t kIncompatibleConformance = 2;
inline constexpr uint8_t kPduSizeTooShort = 3;
inline constexpr uint8_t kRefusedByVdeHandler = 4;
}  // namespace service_error
struct ConfirmedServiceError {
  uint8_t service = service_error::kInitiateError;
  uint8_t error_type = service_error::kTypeInitiate;
  uint8_t value = service_error::kInitiateOther;
  friend bool operator==(const ConfirmedServiceError&, const ConfirmedServiceError&) = default;
};

// ---- GET / SET / ACTION -------------------------------------------------------------

// Data-Access-Result and Action-Result (Green Book 9.5), one numbering.
enum class DataAccessResult : uint8_t {
  kSuccess = 0,
  kHardwareFault = 1,
  kTemporaryFailure = 2,
  kReadWriteDenied = 3,
  kObjectUndefined = 4,
  kObjectClassInconsistent = 9,
  kObjectUnavailable = 11,
  kTypeUnmatched = 12,
  kScopeOfAccessViolated = 13,
  kDataBlockUnavailable = 14,
  kLongGetAborted = 15,
  kNoLongGetInProgress = 16,
  kLongSetAborted = 17,
  kNoLongSetInProgress = 18,
  kDataBlockNumberInvalid = 19,
  kOtherReason = 250,
};
std::string DataAccessResultName(DataAccessResult result);

// Invoke-Id-And-Priority (Green Book 9.5): invoke id in bits 0..3, service class
// confirmed in bit 6, priority high in bit 7. Answers echo the request's byte.
inline constexpr uint8_t kInvokeIdMask = 0x0F;
inline constexpr uint8_t kConfirmed = 0x40;
inline constexpr uint8_t kHighPriority = 0x80;

struct AttributeDescriptor {
  uint16_t class_id = 0;
  Obis instance{};
  int8_t attribute_id = 0;
  friend bool operator==(const AttributeDescriptor&, const AttributeDescriptor&) = default;
};

struct MethodDescriptor {
  uint16_t class_id = 0;
  Obis instance{};
  int8_t method_id = 0;
  friend bool operator==(const MethodDescriptor&, const MethodDescriptor&) = default;
};

// Selective-Access-Descriptor: selector 1 = by range, 2 = by entry on profiles
// (IEC 62056-6-2 4.3.6, class 7 attribute 2).
struct SelectiveAccess {
  uint8_t selector = 0;
  DataValue parameters{};
  friend bool operator==(const SelectiveAccess&, const SelectiveAccess&) = default;
};

struct AttributeRequest {
  AttributeDescriptor attribute{};
  std::optional<SelectiveAccess> access{};
  friend bool operator==(const AttributeRequest&, const AttributeRequest&) = default;
};

// Get-Data-Result: data on success, otherwise a Data-Access-Result.
struct GetDataResult {
  DataAccessResult result = DataAccessResult::kSuccess;
  DataValue data{};  // meaningful when result == kSuccess
  static GetDataResult Data(DataValue value) {
    return {DataAccessResult::kSuccess, std::move(value)};
  }
  static GetDataResult Error(DataAccessResult error) { return {error, DataValue()}; }
  friend bool operator==(const GetDataResult&, const GetDataResult&) = default;
};

struct GetRequestNormal {
  uint8_t invoke_id_and_priority = kConfirmed | kHighPriority | 1;
  AttributeRequest request{};
  friend bool operator==(const GetRequestNormal&, const GetRequestNormal&) = default;
};
struct GetRequestNext {
  uint8_t invoke_id_and_priority = kConfirmed | kHighPriority | 1;
  uint32_t block_number = 0;  // the last block received
  friend bool operator==(const GetRequestNext&, const GetRequestNext&) = default;
};
struct GetRequestWithList {
  uint8_t invoke_id_and_priority = kConfirmed | kHighPriority | 1;
  std::vector<AttributeRequest> requests{};
  friend bool operator==(const GetRequestWithList&, const GetRequestWithList&) = default;
};

struct GetResponseNormal {
  uint8_t invoke_id_and_priority = kConfirmed | kHighPriority | 1;
  GetDataResult result{};
  friend bool operator==(const GetResponseNormal&, const GetResponseNormal&) = default;
};
// DataBlock-G: a slice of the encoded answer (raw-data), or why there is none.
struct GetResponseWithDataBlock {
  uint8_t invoke_id_and_priority = kConfirmed | kHighPriority | 1;
  bool last_block = false;
  uint32_t block_number = 1;
  DataAccessResult result = DataAccessResult::kSuccess;
  std::vector<uint8_t> raw_data{};  // when result == kSuccess
  friend bool operator==(const GetResponseWithDataBlock&,
                         const GetResponseWithDataBlock&) = default;
};
struct GetResponseWithList {
  uint8_t invoke_id_and_priority = kConfirmed | kHighPriority | 1;
  std::vector<GetDataResult> results{};
  friend bool operator==(const GetResponseWithList&, const GetResponseWithList&) = default;
};

struct SetRequestNormal {
  uint8_t invoke_id_and_priority = kConfirmed | kHighPriority | 1;
  AttributeRequest request{};
  DataValue value{};
  friend bool operator==(const SetRequestNormal&, const SetRequestNormal&) = default;
};
// DataBlock-SA: a slice of the encoded value.
struct SetRequestWithFirstDataBlock {
  uint8_t invoke_id_and_priority = kConfirmed | kHighPriority | 1;
  AttributeRequest request{};
  bool last_block = false;
  uint32_t block_number = 1;
  std::vector<uint8_t> raw_data{};
  friend bool operator==(const SetRequestWithFirstDataBlock&,
                         const SetRequestWithFirstDataBlock&) = default;
};
struct SetRequestWithDataBlock {
  uint8_t invoke_id_and_priority = kConfirmed | kHighPriority | 1;
  bool last_block = false;
  uint32_t block_number = 2;
  std::vector<uint8_t> raw_data{};
  friend bool operator==(const SetRequestWithDataBlock&, const SetRequestWithDataBlock&) = default;
};

struct SetResponseNormal {
  uint8_t invoke_id_and_priority = kConfirmed | kHighPriority | 1;
  DataAccessResult result = DataAccessResult::kSuccess;
  friend bool operator==(const SetResponseNormal&, const SetResponseNormal&) = default;
};
struct SetResponseDataBlock {  // "send the next block"
  uint8_t invoke_id_and_priority = kConfirmed | kHighPriority | 1;
  uint32_t block_number = 1;
  friend bool operator==(const SetResponseDataBlock&, const SetResponseDataBlock&) = default;
};
struct SetResponseLastDataBlock {
  uint8_t invoke_id_and_priority = kConfirmed | kHighPriority | 1;
  DataAccessResult result = DataAccessResult::kSuccess;
  uint32_t block_number = 1;
  friend bool operator==(const SetResponseLastDataBlock&,
                         const SetResponseLastDataBlock&) = default;
};

struct ActionRequestNormal {
  uint8_t invoke_id_and_priority = kConfirmed | kHighPriority | 1;
  MethodDescriptor method{};
  std::optional<DataValue> parameters{};
  friend bool operator==(const ActionRequestNormal&, const ActionRequestNormal&) = default;
};
struct ActionResponseNormal {
  uint8_t invoke_id_and_priority = kConfirmed | kHighPriority | 1;
  DataAccessResult result = DataAccessResult::kSuccess;
  std::optional<GetDataResult> return_parameters{};
  friend bool operator==(const ActionResponseNormal&, const ActionResponseNormal&) = default;
};

// EXCEPTION-Response (Green Book 9.5): the server's answer to an APDU it cannot process.
enum class StateError : uint8_t { kServiceNotAllowed = 1, kServiceUnknown = 2 };
enum class ServiceError : uint8_t {
  kOperationNotPossible = 1,
  kServiceNotSupported = 2,
  kOtherReason = 3,
  kPduTooLong = 4,
  kDecipheringError = 5,
  kInvocationCounterError = 6,  // carries the server's expected counter
};
struct ExceptionResponse {
  StateError state_error = StateError::kServiceNotAllowed;
  ServiceError service_error = ServiceError::kOperationNotPossible;
  uint32_t invocation_counter = 0;  // only with kInvocationCounterError
  friend bool operator==(const ExceptionResponse&, const ExceptionResponse&) = default;
};

// Every plain APDU this codec reads and writes.
using Apdu =
    std::variant<Aarq, Aare, ReleaseRequest, ReleaseResponse, GetRequestNormal, GetRequestNext,
                 GetRequestWithList, GetResponseNormal, GetResponseWithDataBlock,
                 GetResponseWithList, SetRequestNormal, SetRequestWithFirstDataBlock,
                 SetRequestWithDataBlock, SetResponseNormal, SetResponseDataBlock,
                 SetResponseLastDataBlock, ActionRequestNormal, ActionResponseNormal,
                 ExceptionResponse, ConfirmedServiceError, DataNotification>;

std::vector<uint8_t> EncodeApdu(const Apdu& apdu);
// Decodes one whole APDU (trailing bytes are an error). Ciphered tags (0x21.., 0xC8..,
// 0xDB) are refused with FailedPrecondition: unprotect them first (dlms/security.h).
// Services this codec does not implement are refused with Unimplemented naming them.
absl::StatusOr<Apdu> DecodeApdu(std::span<const uint8_t> apdu);

std::vector<uint8_t> EncodeInitiateRequest(const InitiateRequest& request);
absl::StatusOr<InitiateRequest> DecodeInitiateRequest(std::span<const uint8_t> bytes);
std::vector<uint8_t> EncodeInitiateResponse(const InitiateResponse& response);
absl::StatusOr<InitiateResponse> DecodeInitiateResponse(std::span<const uint8_t> bytes);
std::vector<uint8_t> EncodeConfirmedServiceError(const ConfirmedServiceError& error);
absl::StatusOr<ConfirmedServiceError> DecodeConfirmedServiceError(std::span<const uint8_t> bytes);

// The A-XDR encoding of a Get-Data-Result (choice 0 data / 1 result), shared by the
// response encoders and by servers that pre-encode answers for block transfer.
void AppendGetDataResult(const GetDataResult& result, std::vector<uint8_t>& out);

// A short name of the APDU's kind for logs ("get-request-normal").
std::string ApduKindName(const Apdu& apdu);

}  // namespace vmuc::dlms

#endif  // VMUC_DLMS_APDU_H_
