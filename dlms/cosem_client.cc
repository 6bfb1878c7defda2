#include "dlms/cosem_client.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/strings.h"

namespace vmuc::dlms {
namespace {

constexpr Obis kCurrentAssociation{0, 0, 40, 0, 0, 255};
constexpr size_t kChallengeSize = 16;
// The most GET blocks a client follows before it gives up (a server that never says
// "last block" must not hold it forever): 4 GiB at 1 KiB per block.
constexpr uint32_t kMaxBlocks = 4'000'000;

std::string AareDiagnosticName(const Aare& aare) {
  if (aare.diagnostic_source == DiagnosticSource::kAcseServiceProvider) {
    return absl::StrCat("acse-service-provider diagnostic ", aare.diagnostic);
  }
  switch (aare.diagnostic) {
    case acse_user_diagnostic::kNoReasonGiven:
      return "no-reason-given";
    case acse_user_diagnostic::kApplicationContextNameNotSupported:
      return "application-context-name-not-supported";
    case acse_user_diagnostic::kMechanismNameNotRecognised:
      return "authentication-mechanism-name-not-recognised";
    case acse_user_diagnostic::kMechanismNameRequired:
      return "authentication-mechanism-name-required";
    case acse_user_diagnostic::kAuthenticationFailure:
      return "authentication-failure";
    case acse_user_diagnostic::kAuthenticationRequired:
      return "authentication-required";
    default:
      return absl::StrCat("diagnostic ", aare.diagnostic);
  }
}

std::string ExceptionName(const ExceptionResponse& exception) {
  static constexpr const char* kServiceErrors[] = {"",
                                                   "operation-not-possible",
                                                   "service-not-supported",
                                                   "other-reason",
                                                   "pdu-too-long",
                                                   "deciphering-error",
                                                   "invocation-counter-error"};
  const auto service = static_cast<size_t>(exception.service_error);
  std::string name =
      absl::StrCat("exception response: ",
                   exception.state_error == StateError::kServiceNotAllowed ? "service-not-allowed"
                                                                           : "service-unknown",
                   ", ", service < std::size(kServiceErrors) ? kServiceErrors[service] : "unknown");
  if (exception.service_error == ServiceError::kInvocationCounterError) {
    absl::StrAppend(&name, " (server expects ", exception.invocation_counter, ")");
  }
  return name;
}

template <typename T>
absl::StatusOr<T> Expect(absl::StatusOr<Apdu> answer, std::string_view service) {
  if (!answer.ok()) return answer.status();
  if (const auto* exception = std::get_if<ExceptionResponse>(&*answer)) {
    return absl::FailedPreconditionError(
        absl::StrCat(AsAbsl(service), ": ", ExceptionName(*exception)));
  }
  if (!std::holds_alternative<T>(*answer)) {
    return absl::InternalError(
        absl::StrCat(AsAbsl(service), ": unexpected answer ", ApduKindName(*answer)));
  }
  return std::get<T>(std::move(*answer));
}

}  // namespace

absl::Status DataAccessResultStatus(DataAccessResult result, std::string_view what) {
  if (result == DataAccessResult::kSuccess) return absl::OkStatus();
  const std::string message = absl::StrCat(AsAbsl(what), ": ", DataAccessResultName(result));
  switch (result) {
    case DataAccessResult::kReadWriteDenied:
    case DataAccessResult::kScopeOfAccessViolated:
      return absl::PermissionDeniedError(message);
    case DataAccessResult::kObjectUndefined:
    case DataAccessResult::kObjectUnavailable:
      return absl::NotFoundError(message);
    case DataAccessResult::kTypeUnmatched:
      return absl::InvalidArgumentError(message);
    case DataAccessResult::kTemporaryFailure:
      return absl::UnavailableError(message);
    default:
      return absl::FailedPreconditionError(message);
  }
}

CosemClient::CosemClient(ClientOptions options, ClientTransport& transport)
    : options_(std::move(options)),
      transport_(transport),
      invocation_counter_(options_.invocation_counter) {}

uint8_t CosemClient::NextInvoke() {
  invoke_id_ = static_cast<uint8_t>((invoke_id_ + 1) & kInvokeIdMask);
  return static_cast<uint8_t>(kConfirmed | kHighPriority | invoke_id_);
}

absl::StatusOr<Apdu> CosemClient::Call(const Apdu& request) {
  std::vector<uint8_t> bytes = EncodeApdu(request);
  if (ciphered_) {
    VMUC_ASSIGN_OR_RETURN(bytes,
                          EncodeGloCiphered(kSecurityAuthenticatedEncrypted, options_.system_title,
                                            invocation_counter_, options_.keys, bytes));
    ++invocation_counter_;
  }
  ++requests_sent_;
  VMUC_ASSIGN_OR_RETURN(std::vector<uint8_t> answer, transport_.Exchange(bytes));
  if (answer.empty()) return absl::UnavailableError("the server sent no answer");
  if (ciphered_ && answer[0] != kExceptionResponseTag) {
    VMUC_ASSIGN_OR_RETURN(UnprotectedApdu plain,
                          DecodeGloCiphered(answer, server_system_title_, options_.keys));
    return DecodeApdu(plain.apdu);
  }
  return DecodeApdu(answer);
}

absl::Status CosemClient::Associate() {
  Aarq aarq;
  InitiateRequest initiate{.conformance = options_.proposed_conformance,
                           .client_max_receive_pdu_size = options_.max_receive_pdu_size};
  std::vector<uint8_t> ctos;
  const bool hls = options_.mechanism == AuthenticationMechanism::kHighGmac;
  if (options_.mechanism != AuthenticationMechanism::kNone) aarq.mechanism = options_.mechanism;
  if (options_.mechanism == AuthenticationMechanism::kLow) {
    aarq.calling_authentication_value.assign(options_.password.begin(), options_.password.end());
  }
  aarq.user_information = EncodeInitiateRequest(initiate);
  if (hls) {
    aarq.context = ApplicationContext::kLogicalNameCiphered;
    aarq.calling_ap_title =
        std::vector<uint8_t>(options_.system_title.begin(), options_.system_title.end());
    ctos.resize(kChallengeSize);
    if (options_.challenge) {
      options_.challenge(ctos);
    } else {
      for (size_t i = 0; i < ctos.size(); ++i) ctos[i] = static_cast<uint8_t>(0xA0 + i);
    }
    aarq.calling_authentication_value = ctos;
    VMUC_ASSIGN_OR_RETURN(
        aarq.user_information,
        EncodeGloCiphered(kSecurityAuthenticatedEncrypted, options_.system_title,
                          invocation_counter_, options_.keys, aarq.user_information));
    ++invocation_counter_;
  }
  ++requests_sent_;
  VMUC_ASSIGN_OR_RETURN(std::vector<uint8_t> answer, transport_.Exchange(EncodeApdu(aarq)));
  VMUC_ASSIGN_OR_RETURN(Aare aare, Expect<Aare>(DecodeApdu(answer), "AARQ"));

  if (hls && aare.responding_ap_title && aare.responding_ap_title->size() == 8) {
    std::copy(aare.responding_ap_title->begin(), aare.responding_ap_title->end(),
              server_system_title_.begin());
  }
  std::vector<uint8_t> initiate_bytes = aare.user_information;
  if (hls && !initiate_bytes.empty() && PlainTagFor(initiate_bytes[0]).ok()) {
    VMUC_ASSIGN_OR_RETURN(UnprotectedApdu plain,
                          DecodeGloCiphered(initiate_bytes, server_system_title_, options_.keys));
    initiate_bytes = std::move(plain.apdu);
  }
  if (aare.result != AssociationResult::kAccepted) {
    std::string detail = AareDiagnosticName(aare);
    if (auto error = DecodeConfirmedServiceError(initiate_bytes); error.ok()) {
      absl::StrAppend(&detail, ", confirmed service error ", error->service, "/", error->error_type,
                      "/", error->value);
    }
    return absl::PermissionDeniedError(absl::StrCat("association refused: ", detail));
  }
  VMUC_ASSIGN_OR_RETURN(InitiateResponse response, DecodeInitiateResponse(initiate_bytes));
  conformance_ = response.conformance;
  server_max_pdu_ = response.server_max_receive_pdu_size;
  ciphered_ = hls;
  associated_ = true;
  if (!hls) return absl::OkStatus();

  // HLS pass 3 and 4 (Green Book 9.2.7.4): prove the client with f(StoC), check the
  // server's f(CtoS).
  VMUC_ASSIGN_OR_RETURN(HlsGmacResponse f_stoc,
                        ComputeHlsGmac(aare.responding_authentication_value, options_.system_title,
                                       invocation_counter_, options_.keys));
  ++invocation_counter_;
  auto reply = Action({15, kCurrentAssociation, 1}, DataValue::OctetString(f_stoc));
  if (!reply.ok() || !reply->has_value()) {
    associated_ = false;
    ciphered_ = false;
    return absl::PermissionDeniedError(
        absl::StrCat("HLS authentication refused by the server",
                     reply.ok() ? "" : absl::StrCat(": ", reply.status().message())));
  }
  VMUC_ASSIGN_OR_RETURN(auto f_ctos, (*reply)->AsBytes());
  auto verified = VerifyHlsGmac(f_ctos, server_system_title_, options_.keys, ctos);
  if (!verified.ok()) {
    associated_ = false;
    ciphered_ = false;
    return absl::PermissionDeniedError(
        absl::StrCat("the server's HLS proof does not verify: ", verified.status().message()));
  }
  return absl::OkStatus();
}

absl::Status CosemClient::Release() {
  if (!associated_) return absl::OkStatus();
  associated_ = false;
  ciphered_ = false;
  ++requests_sent_;
  auto answer = transport_.Exchange(EncodeApdu(ReleaseRequest{}));
  if (!answer.ok()) return answer.status();
  return Expect<ReleaseResponse>(DecodeApdu(*answer), "RLRQ").status();
}

absl::StatusOr<std::vector<uint8_t>> CosemClient::FollowBlocks(GetResponseWithDataBlock block) {
  std::vector<uint8_t> raw;
  uint32_t expected = 1;
  while (true) {
    VMUC_RETURN_IF_ERROR(DataAccessResultStatus(block.result, "GET block"));
    if (block.block_number != expected) {
      return absl::DataLossError(
          absl::StrCat("GET block ", block.block_number, " where ", expected, " was due"));
    }
    raw.insert(raw.end(), block.raw_data.begin(), block.raw_data.end());
    if (block.last_block) return raw;
    if (expected >= kMaxBlocks) return absl::ResourceExhaustedError("too many GET blocks");
    VMUC_ASSIGN_OR_RETURN(
        block,
        Expect<GetResponseWithDataBlock>(
            Call(GetRequestNext{.invoke_id_and_priority = NextInvoke(), .block_number = expected}),
            "GET next"));
    ++expected;
  }
}

absl::StatusOr<DataValue> CosemClient::Get(const AttributeDescriptor& attribute,
                                           const std::optional<SelectiveAccess>& access) {
  VMUC_ASSIGN_OR_RETURN(Apdu answer, Call(GetRequestNormal{.invoke_id_and_priority = NextInvoke(),
                                                           .request = {attribute, access}}));
  const std::string what =
      absl::StrCat("GET ", attribute.class_id, "/", attribute.instance.ToString(), "/",
                   static_cast<int>(attribute.attribute_id));
  if (auto* block = std::get_if<GetResponseWithDataBlock>(&answer)) {
    VMUC_ASSIGN_OR_RETURN(std::vector<uint8_t> raw, FollowBlocks(std::move(*block)));
    return DecodeData(raw);
  }
  VMUC_ASSIGN_OR_RETURN(GetResponseNormal normal, Expect<GetResponseNormal>(answer, what));
  VMUC_RETURN_IF_ERROR(DataAccessResultStatus(normal.result.result, what));
  return std::move(normal.result.data);
}

absl::StatusOr<std::vector<GetDataResult>> CosemClient::GetList(
    const std::vector<AttributeRequest>& requests) {
  VMUC_ASSIGN_OR_RETURN(Apdu answer, Call(GetRequestWithList{.invoke_id_and_priority = NextInvoke(),
                                                             .requests = requests}));
  if (auto* block = std::get_if<GetResponseWithDataBlock>(&answer)) {
    VMUC_ASSIGN_OR_RETURN(std::vector<uint8_t> raw, FollowBlocks(std::move(*block)));
    // The blocks carry the SEQUENCE OF Get-Data-Result: decode it as a with-list answer.
    std::vector<uint8_t> apdu = {kGetResponseTag, 3, 0};
    apdu.insert(apdu.end(), raw.begin(), raw.end());
    VMUC_ASSIGN_OR_RETURN(Apdu whole, DecodeApdu(apdu));
    answer = std::move(whole);
  }
  VMUC_ASSIGN_OR_RETURN(GetResponseWithList list,
                        Expect<GetResponseWithList>(answer, "GET with list"));
  if (list.results.size() != requests.size()) {
    return absl::DataLossError(absl::StrCat("GET with list: ", list.results.size(), " results for ",
                                            requests.size(), " requests"));
  }
  return std::move(list.results);
}

absl::Status CosemClient::Set(const AttributeDescriptor& attribute, const DataValue& value) {
  const std::string what =
      absl::StrCat("SET ", attribute.class_id, "/", attribute.instance.ToString(), "/",
                   static_cast<int>(attribute.attribute_id));
  const std::vector<uint8_t> encoded = EncodeData(value);
  // Room for the SET-Request-Normal header (3 + 9 + 1) and the cipher's overhead.
  const size_t limit = server_max_pdu_ > 64 ? server_max_pdu_ - 40u : 24u;
  if (encoded.size() <= limit || (conformance_ & conformance::kBlockTransferWithSet) == 0) {
    VMUC_ASSIGN_OR_RETURN(
        SetResponseNormal response,
        Expect<SetResponseNormal>(Call(SetRequestNormal{.invoke_id_and_priority = NextInvoke(),
                                                        .request = {attribute, std::nullopt},
                                                        .value = value}),
                                  what));
    return DataAccessResultStatus(response.result, what);
  }
  size_t offset = 0;
  uint32_t block = 1;
  while (true) {
    const size_t take = std::min(limit, encoded.size() - offset);
    const std::vector<uint8_t> chunk(encoded.begin() + static_cast<std::ptrdiff_t>(offset),
                                     encoded.begin() + static_cast<std::ptrdiff_t>(offset + take));
    offset += take;
    const bool last = offset == encoded.size();
    Apdu request = block == 1
                       ? Apdu(SetRequestWithFirstDataBlock{.invoke_id_and_priority = NextInvoke(),
                                                           .request = {attribute, std::nullopt},
                                                           .last_block = last,
                                                           .block_number = block,
                                                           .raw_data = chunk})
                       : Apdu(SetRequestWithDataBlock{.invoke_id_and_priority = NextInvoke(),
                                                      .last_block = last,
                                                      .block_number = block,
                                                      .raw_data = chunk});
    VMUC_ASSIGN_OR_RETURN(Apdu answer, Call(request));
    if (last) {
      VMUC_ASSIGN_OR_RETURN(SetResponseLastDataBlock response,
                            Expect<SetResponseLastDataBlock>(answer, what));
      return DataAccessResultStatus(response.result, what);
    }
    if (auto* refusal = std::get_if<SetResponseLastDataBlock>(&answer)) {
      return DataAccessResultStatus(refusal->result == DataAccessResult::kSuccess
                                        ? DataAccessResult::kOtherReason
                                        : refusal->result,
                                    what);
    }
    VMUC_ASSIGN_OR_RETURN(SetResponseDataBlock next, Expect<SetResponseDataBlock>(answer, what));
    if (next.block_number != block) {
      return absl::DataLossError(
          absl::StrCat(what, ": server acknowledged block ", next.block_number, " for ", block));
    }
    ++block;
  }
}

absl::StatusOr<std::optional<DataValue>> CosemClient::Action(
    const MethodDescriptor& method, const std::optional<DataValue>& parameters) {
  const std::string what = absl::StrCat("ACTION ", method.class_id, "/", method.instance.ToString(),
                                        "/", static_cast<int>(method.method_id));
  VMUC_ASSIGN_OR_RETURN(
      ActionResponseNormal response,
      Expect<ActionResponseNormal>(
          Call(ActionRequestNormal{
              .invoke_id_and_priority = NextInvoke(), .method = method, .parameters = parameters}),
          what));
  VMUC_RETURN_IF_ERROR(DataAccessResultStatus(response.result, what));
  if (!response.return_parameters) return std::optional<DataValue>();
  VMUC_RETURN_IF_ERROR(DataAccessResultStatus(response.return_parameters->result, what));
  return std::optional<DataValue>(std::move(response.return_parameters->data));
}

}  // namespace vmuc::dlms
