#include "dlms/cosem_server.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace vmuc::dlms {
namespace {

constexpr uint16_t kAssociationLnClass = 15;
constexpr uint8_t kAssociationLnVersion = 1;
constexpr uint16_t kSecuritySetupClass = 64;
constexpr uint8_t kSecuritySetupVersion = 1;
constexpr uint16_t kDataClass = 1;
constexpr Obis kCurrentAssociation{0, 0, 40, 0, 0, 255};

// Association LN methods (IEC 62056-6-2 4.4.3) and Security setup methods (4.4.7).
constexpr int8_t kReplyToHlsAuthentication = 1;
constexpr int8_t kSecurityActivate = 1;
constexpr int8_t kKeyTransfer = 2;

// association_status (class 15 attribute 8).
constexpr uint8_t kAssociationPending = 1;
constexpr uint8_t kAssociated = 2;

// Security setup version 1 security_policy bits (IEC 62056-6-2 4.4.7): authenticated and
// encrypted requests and responses; what the HLS association enforces.
constexpr uint8_t kPolicyAllAuthenticatedEncrypted = 0x04 | 0x08 | 0x20 | 0x40;

// key_transfer key_id (IEC 62056-6-2 4.4.7).
constexpr uint8_t kKeyIdUnicast = 0;
constexpr uint8_t kKeyIdBroadcast = 1;
constexpr uint8_t kKeyIdAuthentication = 2;
constexpr uint8_t kKeyIdMaster = 3;

// ConfirmedServiceError initiateError with ServiceError application-reference [0]
// (Green Book 9.5): deciphering-error (6) for an InitiateRequest that does not decipher,
// other (0) for a replayed one.
constexpr ConfirmedServiceError kDecipheringFailed{service_error::kInitiateError, 0, 6};
constexpr ConfirmedServiceError kReplayedInitiate{service_error::kInitiateError, 0, 0};

// Bytes an APDU grows by when glo-ciphered: tag, length (up to 3), SC, IC, GCM tag.
constexpr size_t kCipherOverhead = 1 + 3 + kSecurityHeaderSize + kAuthenticationTagSize;
// Header of a GET-Response-With-Datablock before its raw data: tag, choice, invoke,
// last-block, block-number, choice, length (up to 3).
constexpr size_t kDataBlockOverhead = 3 + 1 + 4 + 1 + 3;
// The most a long SET may carry in all its blocks.
constexpr size_t kMaxSetData = 64 * 1024;

DataValue OctetStringOf(std::span<const uint8_t> bytes) { return DataValue::OctetString(bytes); }

CosemObject MakeObject(uint16_t class_id, uint8_t version, const Obis& name,
                       std::vector<AttributeAccess> attributes, std::vector<MethodAccess> methods) {
  CosemObject object;
  object.class_id = class_id;
  object.version = version;
  object.logical_name = name;
  object.attributes = std::move(attributes);
  object.methods = std::move(methods);
  return object;
}

}  // namespace

CosemServer::CosemServer(CosemServerOptions options, ServerSecrets secrets,
                         CosemDirectory& directory, ChallengeSource challenge,
                         SecurityCounters counters)
    : options_(std::move(options)),
      secrets_(std::move(secrets)),
      directory_(directory),
      challenge_(std::move(challenge)),
      counters_(std::move(counters)) {}

const ClientConfig* CosemServer::ClientFor(uint16_t client_sap) const {
  for (const ClientConfig& client : options_.clients) {
    if (client.client_sap == client_sap) return &client;
  }
  return nullptr;
}

bool CosemServer::IsAssociated(uint64_t session, uint16_t client_sap) const {
  auto it = associations_.find({session, client_sap});
  return it != associations_.end() && it->second.authenticated;
}

void CosemServer::CloseSession(uint64_t session) {
  std::erase_if(associations_, [&](const auto& entry) { return entry.first.first == session; });
}

void CosemServer::ExpireIdle(TimePoint now) {
  std::erase_if(associations_, [&](const auto& entry) {
    return now - entry.second.last_activity > options_.inactivity_timeout;
  });
}

std::vector<uint8_t> CosemServer::Exception(StateError state, ServiceError service,
                                            uint32_t counter) {
  ++stats_.exception_responses;
  return EncodeApdu(ExceptionResponse{
      .state_error = state, .service_error = service, .invocation_counter = counter});
}

absl::StatusOr<uint32_t> CosemServer::NextCounter() {
  // Green Book 9.2.7.2: an IV must never repeat under one key; at the end of the counter
  // the key has to be changed.
  if (counters_.next_outgoing == UINT32_MAX) {
    return absl::ResourceExhaustedError("the server's invocation counter is used up");
  }
  return counters_.next_outgoing++;
}

std::vector<uint8_t> CosemServer::Handle(uint64_t session, uint16_t client_sap,
                                         std::span<const uint8_t> apdu, TimePoint now) {
  ++stats_.apdus;
  if (apdu.empty()) return {};
  const Key key{session, client_sap};
  if (apdu.size() > options_.max_pdu_size + kCipherOverhead) {
    return Exception(StateError::kServiceNotAllowed, ServiceError::kPduTooLong);
  }
  if (apdu[0] == kAarqTag) return HandleAarq(key, apdu, now);

  auto it = associations_.find(key);
  if (it == associations_.end()) {
    if (const ClientConfig* client = ClientFor(client_sap);
        client != nullptr && client->pre_established && apdu[0] != kRlrqTag) {
      Association association;
      association.config = client;
      association.authenticated = true;
      association.conformance = client->conformance;
      association.client_max_pdu = options_.max_pdu_size;
      association.last_activity = now;
      association.own_objects = OwnObjects(association);
      it = associations_.emplace(key, std::move(association)).first;
    }
  }
  if (it == associations_.end()) {
    if (apdu[0] == kRlrqTag) return EncodeApdu(ReleaseResponse{});
    // Green Book 9.3.2: no xDLMS service outside an application association.
    return Exception(StateError::kServiceNotAllowed, ServiceError::kOperationNotPossible);
  }
  Association& association = it->second;
  association.last_activity = now;

  if (apdu[0] == kRlrqTag) {
    auto release = DecodeApdu(apdu);
    if (!release.ok() || !std::holds_alternative<ReleaseRequest>(*release)) {
      return Exception(StateError::kServiceUnknown, ServiceError::kOtherReason);
    }
    return HandleRelease(key, std::get<ReleaseRequest>(*release));
  }

  std::vector<uint8_t> plain;
  const uint8_t tag = apdu[0];
  const bool glo = PlainTagFor(tag).ok();
  if (glo || tag == kGeneralGloCipheringTag) {
    if (!association.ciphered()) {
      return Exception(StateError::kServiceNotAllowed, ServiceError::kOperationNotPossible);
    }
    absl::StatusOr<UnprotectedApdu> unprotected =
        glo ? DecodeGloCiphered(apdu, association.client_system_title, secrets_.keys)
            : GeneralGloDecipher(apdu, secrets_.keys);
    if (unprotected.ok() && unprotected->system_title != association.client_system_title) {
      unprotected = absl::PermissionDeniedError("general-glo-ciphering from another system");
    }
    if (unprotected.ok() && unprotected->security_control != kSecurityAuthenticatedEncrypted) {
      // The security policy (kPolicyAllAuthenticatedEncrypted) wants both.
      unprotected = absl::PermissionDeniedError("security control below the policy");
    }
    if (!unprotected.ok()) {
      ++stats_.deciphering_failures;
      return Exception(StateError::kServiceNotAllowed, ServiceError::kDecipheringError);
    }
    auto last = counters_.last_incoming.find(association.client_system_title);
    if (last != counters_.last_incoming.end() && unprotected->invocation_counter <= last->second) {
      ++stats_.replays_refused;
      return Exception(StateError::kServiceNotAllowed, ServiceError::kInvocationCounterError,
                       last->second + 1);
    }
    counters_.last_incoming[association.client_system_title] = unprotected->invocation_counter;
    association.form = glo ? Form::kGlo : Form::kGeneralGlo;
    association.security_control = unprotected->security_control;
    plain = std::move(unprotected->apdu);
  } else {
    if (association.ciphered()) {
      return Exception(StateError::kServiceNotAllowed, ServiceError::kOperationNotPossible);
    }
    association.form = Form::kPlain;
    plain.assign(apdu.begin(), apdu.end());
  }

  auto request = DecodeApdu(plain);
  if (!request.ok()) {
    return Exception(StateError::kServiceUnknown,
                     request.status().code() == absl::StatusCode::kUnimplemented
                         ? ServiceError::kServiceNotSupported
                         : ServiceError::kOtherReason);
  }
  return HandleRequest(association, *request);
}

std::vector<uint8_t> CosemServer::HandleAarq(const Key& key, std::span<const uint8_t> apdu,
                                             TimePoint now) {
  Aare aare;
  aare.responding_ae_invocation_id = 0;
  auto refuse = [&](uint8_t diagnostic, std::vector<uint8_t> user_information = {}) {
    ++stats_.associations_refused;
    aare.result = AssociationResult::kRejectedPermanent;
    aare.diagnostic_source = DiagnosticSource::kAcseServiceUser;
    aare.diagnostic = diagnostic;
    aare.user_information = std::move(user_information);
    return EncodeApdu(aare);
  };
  auto decoded = DecodeApdu(apdu);
  if (!decoded.ok() || !std::holds_alternative<Aarq>(*decoded)) {
    return refuse(acse_user_diagnostic::kNoReasonGiven);
  }
  const Aarq& aarq = std::get<Aarq>(*decoded);
  aare.context = aarq.context;
  const ClientConfig* client = ClientFor(key.second);
  if (client == nullptr) return refuse(acse_user_diagnostic::kNoReasonGiven);

  const bool hls = client->mechanism == AuthenticationMechanism::kHighGmac;
  const ApplicationContext wanted =
      hls ? ApplicationContext::kLogicalNameCiphered : ApplicationContext::kLogicalName;
  if (aarq.context != wanted) {
    aare.context = wanted;
    return refuse(acse_user_diagnostic::kApplicationContextNameNotSupported);
  }
  const AuthenticationMechanism offered = aarq.mechanism.value_or(AuthenticationMechanism::kNone);
  if (offered != client->mechanism) {
    return refuse(offered == AuthenticationMechanism::kNone
                      ? acse_user_diagnostic::kMechanismNameRequired
                      : acse_user_diagnostic::kMechanismNameNotRecognised);
  }

  Association association;
  association.config = client;
  association.authenticated = !hls;
  association.last_activity = now;
  std::span<const uint8_t> initiate_bytes = aarq.user_information;
  std::vector<uint8_t> deciphered;

  if (client->mechanism == AuthenticationMechanism::kLow) {
    const std::string& password = secrets_.lls_password;
    if (!std::equal(aarq.calling_authentication_value.begin(),
                    aarq.calling_authentication_value.end(), password.begin(), password.end())) {
      ++stats_.authentication_failures;
      return refuse(acse_user_diagnostic::kAuthenticationFailure);
    }
  }
  if (hls) {
    if (!aarq.calling_ap_title || aarq.calling_ap_title->size() != 8 ||
        aarq.calling_authentication_value.size() < 8 ||
        aarq.calling_authentication_value.size() > 64) {
      ++stats_.authentication_failures;
      return refuse(acse_user_diagnostic::kAuthenticationFailure);
    }
    std::copy(aarq.calling_ap_title->begin(), aarq.calling_ap_title->end(),
              association.client_system_title.begin());
    association.ctos = aarq.calling_authentication_value;
    auto unprotected =
        DecodeGloCiphered(aarq.user_information, association.client_system_title, secrets_.keys);
    if (!unprotected.ok() || unprotected->security_control != kSecurityAuthenticatedEncrypted ||
        unprotected->apdu.empty() || unprotected->apdu[0] != kInitiateRequestTag) {
      ++stats_.deciphering_failures;
      return refuse(acse_user_diagnostic::kNoReasonGiven,
                    EncodeConfirmedServiceError(kDecipheringFailed));
    }
    auto last = counters_.last_incoming.find(association.client_system_title);
    if (last != counters_.last_incoming.end() && unprotected->invocation_counter <= last->second) {
      ++stats_.replays_refused;
      return refuse(acse_user_diagnostic::kNoReasonGiven,
                    EncodeConfirmedServiceError(kReplayedInitiate));
    }
    counters_.last_incoming[association.client_system_title] = unprotected->invocation_counter;
    deciphered = std::move(unprotected->apdu);
    initiate_bytes = deciphered;
  }

  auto initiate = DecodeInitiateRequest(initiate_bytes);
  if (!initiate.ok()) {
    return refuse(
        acse_user_diagnostic::kNoReasonGiven,
        EncodeConfirmedServiceError({service_error::kInitiateError, service_error::kTypeInitiate,
                                     service_error::kInitiateOther}));
  }
  auto initiate_error = [&](uint8_t value) {
    return refuse(acse_user_diagnostic::kNoReasonGiven,
                  EncodeConfirmedServiceError(
                      {service_error::kInitiateError, service_error::kTypeInitiate, value}));
  };
  if (initiate->dlms_version < kDlmsVersion) {
    return initiate_error(service_error::kDlmsVersionTooLow);
  }
  // A client that cannot take a GET-Response-With-Datablock header cannot be answered.
  if (initiate->client_max_receive_pdu_size != 0 && initiate->client_max_receive_pdu_size < 64) {
    return initiate_error(service_error::kPduSizeTooShort);
  }
  association.conformance = client->conformance & initiate->conformance;
  if (association.conformance == 0) {
    return initiate_error(service_error::kIncompatibleConformance);
  }
  // 0 means "no limit" (Green Book 9.4.6.2).
  association.client_max_pdu =
      initiate->client_max_receive_pdu_size == 0 ? 0xFFFF : initiate->client_max_receive_pdu_size;

  const InitiateResponse response{.negotiated_quality_of_service = std::nullopt,
                                  .conformance = association.conformance,
                                  .server_max_receive_pdu_size = options_.max_pdu_size};
  std::vector<uint8_t> response_bytes = EncodeInitiateResponse(response);
  if (hls) {
    auto counter = NextCounter();
    if (!counter.ok()) return refuse(acse_user_diagnostic::kNoReasonGiven);
    auto ciphered = EncodeGloCiphered(kSecurityAuthenticatedEncrypted, options_.system_title,
                                      *counter, secrets_.keys, response_bytes);
    if (!ciphered.ok()) return refuse(acse_user_diagnostic::kNoReasonGiven);
    response_bytes = std::move(*ciphered);
    association.stoc.resize(16);
    challenge_(association.stoc);
    aare.diagnostic = acse_user_diagnostic::kAuthenticationRequired;
    aare.responding_ap_title =
        std::vector<uint8_t>(options_.system_title.begin(), options_.system_title.end());
    aare.mechanism = AuthenticationMechanism::kHighGmac;
    aare.responding_authentication_value = association.stoc;
  }
  aare.result = AssociationResult::kAccepted;
  aare.user_information = std::move(response_bytes);

  // A new session beyond the limit pushes out the least recently used one.
  const bool known_session =
      std::any_of(associations_.begin(), associations_.end(),
                  [&](const auto& entry) { return entry.first.first == key.first; });
  if (!known_session) {
    std::map<uint64_t, TimePoint> sessions;
    for (const auto& [k, a] : associations_) {
      auto [it, inserted] = sessions.emplace(k.first, a.last_activity);
      if (!inserted) it->second = std::max(it->second, a.last_activity);
    }
    while (sessions.size() >= options_.max_sessions && !sessions.empty()) {
      auto oldest =
          std::min_element(sessions.begin(), sessions.end(),
                           [](const auto& a, const auto& b) { return a.second < b.second; });
      CloseSession(oldest->first);
      sessions.erase(oldest);
    }
  }
  association.own_objects = OwnObjects(association);
  associations_.insert_or_assign(key, std::move(association));
  ++stats_.associations_accepted;
  return EncodeApdu(aare);
}

std::vector<uint8_t> CosemServer::HandleRelease(const Key& key, const ReleaseRequest& request) {
  (void)request;
  ReleaseResponse response;
  auto it = associations_.find(key);
  if (it != associations_.end() && it->second.ciphered()) {
    // The RLRE of a ciphered association carries a ciphered InitiateResponse
    // (dlms-wire-examples.md, "Release").
    const InitiateResponse initiate{.negotiated_quality_of_service = std::nullopt,
                                    .conformance = it->second.conformance,
                                    .server_max_receive_pdu_size = options_.max_pdu_size};
    auto counter = NextCounter();
    if (counter.ok()) {
      auto ciphered = EncodeGloCiphered(kSecurityAuthenticatedEncrypted, options_.system_title,
                                        *counter, secrets_.keys, EncodeInitiateResponse(initiate));
      if (ciphered.ok()) response.user_information = std::move(*ciphered);
    }
  }
  if (it != associations_.end()) associations_.erase(it);
  return EncodeApdu(response);
}

std::vector<uint8_t> CosemServer::HandleRequest(Association& association, const Apdu& request) {
  const bool is_get = std::holds_alternative<GetRequestNormal>(request) ||
                      std::holds_alternative<GetRequestNext>(request) ||
                      std::holds_alternative<GetRequestWithList>(request);
  const bool is_set = std::holds_alternative<SetRequestNormal>(request) ||
                      std::holds_alternative<SetRequestWithFirstDataBlock>(request) ||
                      std::holds_alternative<SetRequestWithDataBlock>(request);
  const auto* action = std::get_if<ActionRequestNormal>(&request);
  if (!association.authenticated) {
    // Until HLS completes only reply_to_HLS_authentication may pass (Green Book 9.2.7.4).
    if (action == nullptr || action->method.class_id != kAssociationLnClass ||
        action->method.method_id != kReplyToHlsAuthentication) {
      return Exception(StateError::kServiceNotAllowed, ServiceError::kOperationNotPossible);
    }
  }
  if (is_get) {
    if ((association.conformance & conformance::kGet) == 0) {
      return Exception(StateError::kServiceNotAllowed, ServiceError::kServiceNotSupported);
    }
    return HandleGet(association, request);
  }
  if (is_set) {
    if ((association.conformance & conformance::kSet) == 0) {
      return Exception(StateError::kServiceNotAllowed, ServiceError::kServiceNotSupported);
    }
    return HandleSet(association, request);
  }
  if (action != nullptr) {
    if ((association.conformance & conformance::kAction) == 0) {
      return Exception(StateError::kServiceNotAllowed, ServiceError::kServiceNotSupported);
    }
    return HandleAction(association, *action);
  }
  return Exception(StateError::kServiceUnknown, ServiceError::kServiceNotSupported);
}

size_t CosemServer::PlainLimit(const Association& association) const {
  size_t limit = std::min<size_t>(association.client_max_pdu, options_.max_pdu_size);
  if (association.form != Form::kPlain) {
    limit -= kCipherOverhead;
    if (association.form == Form::kGeneralGlo) limit -= 1 + SystemTitle().size();
  }
  return limit;
}

std::vector<uint8_t> CosemServer::Protect(Association& association, std::vector<uint8_t> plain) {
  std::vector<uint8_t> out;
  if (association.form == Form::kPlain) {
    out = std::move(plain);
  } else {
    auto counter = NextCounter();
    if (!counter.ok()) {
      return Exception(StateError::kServiceNotAllowed, ServiceError::kOperationNotPossible);
    }
    auto ciphered = association.form == Form::kGlo
                        ? EncodeGloCiphered(association.security_control, options_.system_title,
                                            *counter, secrets_.keys, plain)
                        : GeneralGloCipher(association.security_control, options_.system_title,
                                           *counter, secrets_.keys, plain);
    if (!ciphered.ok()) {
      return Exception(StateError::kServiceNotAllowed, ServiceError::kOperationNotPossible);
    }
    out = std::move(*ciphered);
  }
  if (pending_secrets_) {
    // Green Book 9.2.5: new keys take effect after the response to the key transfer.
    secrets_ = std::move(*pending_secrets_);
    pending_secrets_.reset();
    if (secrets_changed_) secrets_changed_(secrets_);
  }
  return out;
}

std::vector<uint8_t> CosemServer::Respond(Association& association, const Apdu& response) {
  std::vector<uint8_t> plain = EncodeApdu(response);
  const size_t limit = PlainLimit(association);
  if (plain.size() <= limit) return Protect(association, std::move(plain));

  const auto* normal = std::get_if<GetResponseNormal>(&response);
  const auto* list = std::get_if<GetResponseWithList>(&response);
  const bool can_block = (association.conformance & conformance::kBlockTransferWithGet) != 0;
  if ((normal != nullptr || list != nullptr) && can_block) {
    // Green Book 9.3.6: the raw data of GET blocks is the encoded value (normal) or the
    // encoded SEQUENCE OF Get-Data-Result (with-list).
    association.get_data = normal != nullptr ? EncodeData(normal->result.data)
                                             : std::vector<uint8_t>(plain.begin() + 3, plain.end());
    association.get_offset = 0;
    association.get_block = 0;
    association.get_active = true;
    return NextGetBlock(association, plain[2]);
  }
  if (normal != nullptr || list != nullptr) {
    return Protect(association, EncodeApdu(GetResponseNormal{.invoke_id_and_priority = plain[2],
                                                             .result = GetDataResult::Error(
                                                                 DataAccessResult::kOtherReason)}));
  }
  return Exception(StateError::kServiceNotAllowed, ServiceError::kPduTooLong);
}

std::vector<uint8_t> CosemServer::NextGetBlock(Association& association, uint8_t invoke) {
  const size_t limit = PlainLimit(association);
  const size_t block_size = limit > kDataBlockOverhead + 16 ? limit - kDataBlockOverhead : 16;
  const size_t take = std::min(block_size, association.get_data.size() - association.get_offset);
  GetResponseWithDataBlock block;
  block.invoke_id_and_priority = invoke;
  block.block_number = ++association.get_block;
  block.raw_data.assign(
      association.get_data.begin() + static_cast<std::ptrdiff_t>(association.get_offset),
      association.get_data.begin() + static_cast<std::ptrdiff_t>(association.get_offset + take));
  association.get_offset += take;
  block.last_block = association.get_offset == association.get_data.size();
  if (block.last_block) {
    association.get_active = false;
    association.get_data.clear();
    association.get_data.shrink_to_fit();
  }
  return Protect(association, EncodeApdu(block));
}

std::vector<uint8_t> CosemServer::HandleGet(Association& association, const Apdu& request) {
  if (const auto* next = std::get_if<GetRequestNext>(&request)) {
    if ((association.conformance & conformance::kBlockTransferWithGet) == 0) {
      return Exception(StateError::kServiceNotAllowed, ServiceError::kServiceNotSupported);
    }
    GetResponseWithDataBlock refusal{.invoke_id_and_priority = next->invoke_id_and_priority,
                                     .last_block = true,
                                     .block_number = next->block_number,
                                     .result = DataAccessResult::kNoLongGetInProgress,
                                     .raw_data = {}};
    if (!association.get_active) return Protect(association, EncodeApdu(refusal));
    if (next->block_number != association.get_block) {
      association.get_active = false;
      association.get_data.clear();
      refusal.result = DataAccessResult::kDataBlockNumberInvalid;
      return Protect(association, EncodeApdu(refusal));
    }
    return NextGetBlock(association, next->invoke_id_and_priority);
  }
  association.get_active = false;  // a new GET abandons a long one (Green Book 9.3.6)
  association.get_data.clear();
  if (const auto* normal = std::get_if<GetRequestNormal>(&request)) {
    return Respond(association,
                   GetResponseNormal{.invoke_id_and_priority = normal->invoke_id_and_priority,
                                     .result = GetAttribute(association, normal->request)});
  }
  const auto& list = std::get<GetRequestWithList>(request);
  if ((association.conformance & conformance::kMultipleReferences) == 0) {
    return Exception(StateError::kServiceNotAllowed, ServiceError::kServiceNotSupported);
  }
  GetResponseWithList response{.invoke_id_and_priority = list.invoke_id_and_priority,
                               .results = {}};
  response.results.reserve(list.requests.size());
  for (const AttributeRequest& item : list.requests) {
    response.results.push_back(GetAttribute(association, item));
  }
  return Respond(association, response);
}

std::vector<uint8_t> CosemServer::HandleSet(Association& association, const Apdu& request) {
  if (const auto* normal = std::get_if<SetRequestNormal>(&request)) {
    const DataAccessResult result =
        normal->request.access
            ? DataAccessResult::kOtherReason
            : SetAttribute(association, normal->request.attribute, normal->value);
    return Protect(association, EncodeApdu(SetResponseNormal{
                                    .invoke_id_and_priority = normal->invoke_id_and_priority,
                                    .result = result}));
  }
  if ((association.conformance & conformance::kBlockTransferWithSet) == 0) {
    return Exception(StateError::kServiceNotAllowed, ServiceError::kServiceNotSupported);
  }
  uint8_t invoke = 0;
  bool last = false;
  uint32_t block_number = 0;
  if (const auto* first = std::get_if<SetRequestWithFirstDataBlock>(&request)) {
    invoke = first->invoke_id_and_priority;
    association.set_attribute = first->request.attribute;
    association.set_data = first->raw_data;
    association.set_block = first->block_number;
    last = first->last_block;
    block_number = first->block_number;
    if (first->block_number != 1 || first->request.access) {
      association.set_attribute.reset();
      return Protect(association, EncodeApdu(SetResponseLastDataBlock{
                                      .invoke_id_and_priority = invoke,
                                      .result = first->request.access
                                                    ? DataAccessResult::kOtherReason
                                                    : DataAccessResult::kDataBlockNumberInvalid,
                                      .block_number = block_number}));
    }
  } else {
    const auto& more = std::get<SetRequestWithDataBlock>(request);
    invoke = more.invoke_id_and_priority;
    block_number = more.block_number;
    last = more.last_block;
    DataAccessResult error = DataAccessResult::kSuccess;
    if (!association.set_attribute) {
      error = DataAccessResult::kNoLongSetInProgress;
    } else if (more.block_number != association.set_block + 1) {
      error = DataAccessResult::kDataBlockNumberInvalid;
    } else if (association.set_data.size() + more.raw_data.size() > kMaxSetData) {
      error = DataAccessResult::kLongSetAborted;
    }
    if (error != DataAccessResult::kSuccess) {
      association.set_attribute.reset();
      association.set_data.clear();
      return Protect(
          association,
          EncodeApdu(SetResponseLastDataBlock{
              .invoke_id_and_priority = invoke, .result = error, .block_number = block_number}));
    }
    association.set_block = more.block_number;
    association.set_data.insert(association.set_data.end(), more.raw_data.begin(),
                                more.raw_data.end());
  }
  if (!last) {
    return Protect(association, EncodeApdu(SetResponseDataBlock{.invoke_id_and_priority = invoke,
                                                                .block_number = block_number}));
  }
  DataAccessResult result = DataAccessResult::kTypeUnmatched;
  auto value = DecodeData(association.set_data);
  if (value.ok()) result = SetAttribute(association, *association.set_attribute, *value);
  association.set_attribute.reset();
  association.set_data.clear();
  return Protect(association, EncodeApdu(SetResponseLastDataBlock{.invoke_id_and_priority = invoke,
                                                                  .result = result,
                                                                  .block_number = block_number}));
}

std::vector<uint8_t> CosemServer::HandleAction(Association& association,
                                               const ActionRequestNormal& request) {
  ActionResponseNormal response{.invoke_id_and_priority = request.invoke_id_and_priority,
                                .result = DataAccessResult::kSuccess,
                                .return_parameters = std::nullopt};
  const MethodDescriptor& method = request.method;
  const CosemObject* object = FindObject(association, method.class_id, method.instance);
  if (object == nullptr) {
    response.result = DataAccessResult::kObjectUndefined;
    return Protect(association, EncodeApdu(response));
  }
  if (method.method_id < 1 || static_cast<size_t>(method.method_id) > object->methods.size() ||
      object->methods[static_cast<size_t>(method.method_id) - 1] == MethodAccess::kNoAccess) {
    response.result = DataAccessResult::kReadWriteDenied;
    return Protect(association, EncodeApdu(response));
  }

  if (method.class_id == kAssociationLnClass && method.method_id == kReplyToHlsAuthentication) {
    if (association.config->mechanism != AuthenticationMechanism::kHighGmac ||
        association.authenticated) {
      response.result = DataAccessResult::kReadWriteDenied;
      return Protect(association, EncodeApdu(response));
    }
    absl::StatusOr<std::span<const uint8_t>> received =
        request.parameters
            ? request.parameters->AsBytes()
            : absl::StatusOr<std::span<const uint8_t>>(absl::InvalidArgumentError("no parameters"));
    absl::StatusOr<uint32_t> verified =
        received.ok() ? VerifyHlsGmac(*received, association.client_system_title, secrets_.keys,
                                      association.stoc)
                      : absl::StatusOr<uint32_t>(received.status());
    auto counter = verified.ok() ? NextCounter() : absl::StatusOr<uint32_t>(verified.status());
    absl::StatusOr<HlsGmacResponse> answer =
        counter.ok()
            ? ComputeHlsGmac(association.ctos, options_.system_title, *counter, secrets_.keys)
            : absl::StatusOr<HlsGmacResponse>(counter.status());
    if (!answer.ok()) {
      // Green Book 9.2.7.4: the association stays pending and the client learns nothing
      // about why; it has to release and start over.
      ++stats_.authentication_failures;
      response.result = DataAccessResult::kOtherReason;
      return Protect(association, EncodeApdu(response));
    }
    association.authenticated = true;
    response.return_parameters = GetDataResult::Data(DataValue::OctetString(*answer));
    return Protect(association, EncodeApdu(response));
  }

  if (method.class_id == kSecuritySetupClass) {
    if (method.method_id == kKeyTransfer && request.parameters) {
      ApplyKeyTransfer(*request.parameters, response.result);
    } else if (method.method_id == kSecurityActivate && request.parameters) {
      // Only the policy in force can be "activated": the association already runs it.
      auto policy = request.parameters->AsInt64();
      response.result = policy.ok() && *policy == kPolicyAllAuthenticatedEncrypted
                            ? DataAccessResult::kSuccess
                            : DataAccessResult::kOtherReason;
    } else {
      response.result = DataAccessResult::kTypeUnmatched;
    }
    return Protect(association, EncodeApdu(response));
  }

  std::optional<DataValue> return_value;
  response.result = directory_.Action(method, request.parameters, return_value);
  if (return_value) response.return_parameters = GetDataResult::Data(std::move(*return_value));
  return Respond(association, response);
}

void CosemServer::ApplyKeyTransfer(const DataValue& parameters, DataAccessResult& result) {
  // key_transfer (IEC 62056-6-2 4.4.7): array of structure {key_id enum, key_wrapped
  // octet-string}, each key wrapped with the master key (RFC 3394). All or nothing.
  result = DataAccessResult::kTypeUnmatched;
  auto items = parameters.AsArray();
  if (!items.ok() || items->empty()) return;
  ServerSecrets updated = pending_secrets_ ? *pending_secrets_ : secrets_;
  for (const DataValue& item : *items) {
    auto fields = item.AsStructure();
    if (!fields.ok() || fields->size() != 2) return;
    auto key_id = (*fields)[0].AsInt64();
    auto wrapped = (*fields)[1].AsBytes();
    if (!key_id.ok() || !wrapped.ok()) return;
    auto key = UnwrapKey(secrets_.kek, *wrapped);
    if (!key.ok()) {
      ++stats_.authentication_failures;
      result = DataAccessResult::kOtherReason;
      return;
    }
    switch (*key_id) {
      case kKeyIdUnicast:
        updated.keys.unicast_key = *key;
        break;
      case kKeyIdBroadcast:
        updated.keys.broadcast_key = *key;
        break;
      case kKeyIdAuthentication:
        updated.keys.authentication_key = *key;
        break;
      case kKeyIdMaster:
        updated.kek = *key;
        break;
      default:
        return;
    }
  }
  pending_secrets_ = std::move(updated);
  result = DataAccessResult::kSuccess;
}

std::vector<CosemObject> CosemServer::OwnObjects(const Association& association) const {
  const bool hls = association.config->mechanism == AuthenticationMechanism::kHighGmac;
  const std::vector<AttributeAccess> association_attributes = {
      AttributeAccess::kReadOnly, AttributeAccess::kReadOnly, AttributeAccess::kReadOnly,
      AttributeAccess::kReadOnly, AttributeAccess::kReadOnly, AttributeAccess::kReadOnly,
      AttributeAccess::kNoAccess, AttributeAccess::kReadOnly, AttributeAccess::kReadOnly};
  const std::vector<MethodAccess> association_methods = {hls ? MethodAccess::kAccess
                                                             : MethodAccess::kNoAccess};
  std::vector<CosemObject> objects;
  objects.push_back(MakeObject(kAssociationLnClass, kAssociationLnVersion, kCurrentAssociation,
                               association_attributes, association_methods));
  objects.push_back(MakeObject(kAssociationLnClass, kAssociationLnVersion,
                               Obis(0, 0, 40, 0, association.config->association_instance, 255),
                               association_attributes, association_methods));
  for (const ClientConfig& client : options_.clients) {
    if (client.mechanism != AuthenticationMechanism::kHighGmac) continue;
    // Readable by every client: a client reads it before it associates with HLS, to
    // continue the counter (cosem-object-model.md).
    objects.push_back(MakeObject(kDataClass, 0, Obis(0, 0, 43, 1, client.association_instance, 255),
                                 {AttributeAccess::kReadOnly, AttributeAccess::kReadOnly}, {}));
  }
  if (hls) {
    objects.push_back(MakeObject(
        kSecuritySetupClass, kSecuritySetupVersion,
        Obis(0, 0, 43, 0, association.config->association_instance, 255),
        {AttributeAccess::kReadOnly, AttributeAccess::kReadOnly, AttributeAccess::kReadOnly,
         AttributeAccess::kReadOnly, AttributeAccess::kReadOnly, AttributeAccess::kReadOnly},
        {MethodAccess::kAccess, MethodAccess::kAccess}));
  }
  return objects;
}

const CosemObject* CosemServer::FindObject(const Association& association, uint16_t class_id,
                                           const Obis& name) const {
  for (const CosemObject& object : association.own_objects) {
    if (object.class_id == class_id && object.logical_name == name) return &object;
  }
  return directory_.Find(association.config->role, class_id, name);
}

DataValue CosemServer::ObjectList(const Association& association) const {
  // object_list_element (IEC 62056-6-2 4.4.3): structure {class_id, version, logical_name,
  // access_rights: structure {attribute_access, method_access}}.
  std::vector<DataValue> elements;
  auto add = [&elements](const CosemObject& object) {
    std::vector<DataValue> attributes;
    for (size_t i = 0; i < object.attributes.size(); ++i) {
      DataValue selectors = DataValue::Null();
      if (i == 1 && !object.attribute_2_selectors.empty()) {
        std::vector<DataValue> list;
        for (uint8_t selector : object.attribute_2_selectors) {
          list.push_back(DataValue::Integer(static_cast<int8_t>(selector)));
        }
        selectors = DataValue::Array(std::move(list));
      }
      attributes.push_back(DataValue::Structure(
          {DataValue::Integer(static_cast<int8_t>(i + 1)),
           DataValue::Enum(static_cast<uint8_t>(object.attributes[i])), std::move(selectors)}));
    }
    std::vector<DataValue> methods;
    for (size_t i = 0; i < object.methods.size(); ++i) {
      methods.push_back(
          DataValue::Structure({DataValue::Integer(static_cast<int8_t>(i + 1)),
                                DataValue::Enum(static_cast<uint8_t>(object.methods[i]))}));
    }
    elements.push_back(DataValue::Structure(
        {DataValue::LongUnsigned(object.class_id), DataValue::Unsigned(object.version),
         DataValue::ObisCode(object.logical_name),
         DataValue::Structure(
             {DataValue::Array(std::move(attributes)), DataValue::Array(std::move(methods))})}));
  };
  for (const CosemObject& object : association.own_objects) add(object);
  directory_.ListObjects(association.config->role, add);
  return DataValue::Array(std::move(elements));
}

std::optional<GetDataResult> CosemServer::GetOwn(Association& association,
                                                 const AttributeDescriptor& attribute) {
  const ClientConfig& client = *association.config;
  const Obis& name = attribute.instance;
  if (attribute.class_id == kAssociationLnClass &&
      (name == kCurrentAssociation ||
       name == Obis(0, 0, 40, 0, client.association_instance, 255))) {
    switch (attribute.attribute_id) {
      case 2:
        return GetDataResult::Data(ObjectList(association));
      case 3:  // associated_partners_id
        return GetDataResult::Data(
            DataValue::Structure({DataValue::Integer(static_cast<int8_t>(client.client_sap)),
                                  DataValue::LongUnsigned(options_.server_sap)}));
      case 4:
        return GetDataResult::Data(OctetStringOf(
            ApplicationContextName(association.ciphered() ? ApplicationContext::kLogicalNameCiphered
                                                          : ApplicationContext::kLogicalName)));
      case 5: {  // xDLMS_context_info
        const uint32_t bits = association.conformance;
        return GetDataResult::Data(DataValue::Structure(
            {DataValue::BitString(
                 24, {static_cast<uint8_t>(bits >> 16), static_cast<uint8_t>(bits >> 8),
                      static_cast<uint8_t>(bits)}),
             DataValue::LongUnsigned(options_.max_pdu_size),
             DataValue::LongUnsigned(association.client_max_pdu), DataValue::Unsigned(kDlmsVersion),
             DataValue::Integer(0), DataValue::OctetString(std::vector<uint8_t>{})}));
      }
      case 6:
        return GetDataResult::Data(OctetStringOf(MechanismName(client.mechanism)));
      case 8:
        return GetDataResult::Data(
            DataValue::Enum(association.authenticated ? kAssociated : kAssociationPending));
      case 9:
        return GetDataResult::Data(
            DataValue::ObisCode(client.mechanism == AuthenticationMechanism::kHighGmac
                                    ? Obis(0, 0, 43, 0, client.association_instance, 255)
                                    : Obis(0, 0, 0, 0, 0, 0)));
      default:
        return std::nullopt;  // attribute 1 and refusals are handled by the caller
    }
  }
  if (attribute.class_id == kDataClass && name.bytes[2] == 43 && name.bytes[3] == 1 &&
      attribute.attribute_id == 2) {
    // The invocation counter the server last accepted from a client (so it goes on above
    // it), as IDIS meters report it.
    uint32_t highest = 0;
    for (const auto& [title, counter] : counters_.last_incoming)
      highest = std::max(highest, counter);
    return GetDataResult::Data(DataValue::DoubleLongUnsigned(highest));
  }
  if (attribute.class_id == kSecuritySetupClass) {
    switch (attribute.attribute_id) {
      case 2:
        return GetDataResult::Data(DataValue::Enum(kPolicyAllAuthenticatedEncrypted));
      case 3:
        return GetDataResult::Data(DataValue::Enum(0));  // suite 0: AES-GCM-128
      case 4:
        return GetDataResult::Data(OctetStringOf(association.client_system_title));
      case 5:
        return GetDataResult::Data(OctetStringOf(options_.system_title));
      case 6:
        return GetDataResult::Data(DataValue::Array({}));  // no certificates (suite 0)
      default:
        return std::nullopt;
    }
  }
  return std::nullopt;
}

GetDataResult CosemServer::GetAttribute(Association& association, const AttributeRequest& request) {
  const AttributeDescriptor& attribute = request.attribute;
  const CosemObject* object = FindObject(association, attribute.class_id, attribute.instance);
  if (object == nullptr) return GetDataResult::Error(DataAccessResult::kObjectUndefined);
  if (attribute.attribute_id < 1 ||
      static_cast<size_t>(attribute.attribute_id) > object->attributes.size()) {
    return GetDataResult::Error(DataAccessResult::kObjectUndefined);
  }
  if (!CanRead(object->attributes[static_cast<size_t>(attribute.attribute_id) - 1])) {
    return GetDataResult::Error(DataAccessResult::kReadWriteDenied);
  }
  if (request.access) {
    const auto& selectors = object->attribute_2_selectors;
    if (attribute.attribute_id != 2 ||
        (association.conformance & conformance::kSelectiveAccess) == 0 ||
        std::find(selectors.begin(), selectors.end(), request.access->selector) ==
            selectors.end()) {
      return GetDataResult::Error(DataAccessResult::kOtherReason);
    }
  }
  if (attribute.attribute_id == 1) {
    return GetDataResult::Data(DataValue::ObisCode(attribute.instance));
  }
  if (auto own = GetOwn(association, attribute)) return *own;
  return directory_.Get(attribute, request.access);
}

DataAccessResult CosemServer::SetAttribute(Association& association,
                                           const AttributeDescriptor& attribute,
                                           const DataValue& value) {
  const CosemObject* object = FindObject(association, attribute.class_id, attribute.instance);
  if (object == nullptr) return DataAccessResult::kObjectUndefined;
  if (attribute.attribute_id < 1 ||
      static_cast<size_t>(attribute.attribute_id) > object->attributes.size()) {
    return DataAccessResult::kObjectUndefined;
  }
  if (!CanWrite(object->attributes[static_cast<size_t>(attribute.attribute_id) - 1])) {
    return DataAccessResult::kReadWriteDenied;
  }
  return directory_.Set(attribute, value);
}

}  // namespace vmuc::dlms
