#include "dlms/cosem_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "tests/unit/dlms/reference_session.h"

namespace vmuc::dlms {
namespace {

using ::testing::ElementsAreArray;

using reference::Hex;

template <size_t N>
std::array<uint8_t, N> Array(std::string_view hex) {
  const auto bytes = Hex(hex);
  std::array<uint8_t, N> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

// dlms-wire-examples.md, "TCP wrapper, HLS mechanism 5 (GMAC), security suite 0".
const CipherKeys kKeys{Array<16>(reference::kGuekHex), Array<16>(reference::kGakHex), std::nullopt};
const SystemTitle kClientTitle = Array<8>(reference::kClientTitleHex);
const SystemTitle kServerTitle = Array<8>(reference::kServerTitleHex);
const std::vector<uint8_t> kChallenge = Hex(reference::kChallengeHex);
const std::vector<uint8_t> kReferenceAarq = Hex(reference::kHlsAarqHex);
const std::vector<uint8_t> kReferenceAare = Hex(reference::kHlsAareHex);
const std::vector<uint8_t> kReferenceAction = Hex(reference::kHlsActionHex);

constexpr uint16_t kPublic = 16;
constexpr uint16_t kReader = 17;
constexpr uint16_t kManagement = 1;
constexpr uint64_t kSession = 7;
const TimePoint kNow = TimePoint(std::chrono::seconds(1'780'000'000));

const Obis kEnergy(1, 1, 1, 8, 0, 255);
const Obis kMeterId(1, 1, 0, 0, 5, 255);
const Obis kBig(0, 0, 96, 99, 0, 255);
const Obis kWritable(0, 0, 96, 99, 1, 255);
const Obis kDisconnect(0, 0, 96, 3, 10, 255);

// A directory of five objects; the public role sees only the meter id.
class FakeDirectory : public CosemDirectory {
 public:
  FakeDirectory() {
    using A = AttributeAccess;
    objects_ = {
        {1, 0, kMeterId, {A::kReadOnly, A::kReadOnly}, {}, {}},
        {3, 0, kEnergy, {A::kReadOnly, A::kReadOnly, A::kReadOnly}, {}, {}},
        {1, 0, kBig, {A::kReadOnly, A::kReadOnly}, {}, {}},
        {1, 0, kWritable, {A::kReadOnly, A::kReadWrite}, {}, {}},
        {70, 0, kDisconnect, {A::kReadOnly, A::kReadOnly}, {MethodAccess::kAccess}, {}},
    };
    reader_view_ = objects_;
    reader_view_[3].attributes[1] = A::kReadOnly;  // the reader cannot write
    reader_view_[4].methods[0] = MethodAccess::kNoAccess;
  }

  const std::vector<CosemObject>& View(ClientRole role) const {
    static const std::vector<CosemObject> kNone;
    switch (role) {
      case ClientRole::kPublic:
        return public_view_;
      case ClientRole::kReader:
        return reader_view_;
      case ClientRole::kManagement:
        return objects_;
      case ClientRole::kPush:
        return kNone;
    }
    return kNone;
  }

  void ListObjects(ClientRole role,
                   const std::function<void(const CosemObject&)>& visit) const override {
    for (const auto& object : View(role)) visit(object);
  }
  const CosemObject* Find(ClientRole role, uint16_t class_id, const Obis& name) const override {
    for (const auto& object : View(role)) {
      if (object.class_id == class_id && object.logical_name == name) return &object;
    }
    return nullptr;
  }
  GetDataResult Get(const AttributeDescriptor& attribute,
                    const std::optional<SelectiveAccess>&) override {
    if (attribute.instance == kMeterId) return GetDataResult::Data(DataValue::VisibleString(id_));
    if (attribute.instance == kEnergy) {
      if (attribute.attribute_id == 3) {
        return GetDataResult::Data(
            DataValue::Structure({DataValue::Integer(0), DataValue::Enum(30)}));
      }
      return GetDataResult::Data(DataValue::DoubleLongUnsigned(1234));
    }
    if (attribute.instance == kBig) {
      std::vector<uint8_t> bytes(5000);
      for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7);
      return GetDataResult::Data(DataValue::OctetString(bytes));
    }
    if (attribute.instance == kWritable) return GetDataResult::Data(written_);
    return GetDataResult::Error(DataAccessResult::kObjectUnavailable);
  }
  DataAccessResult Set(const AttributeDescriptor& attribute, const DataValue& value) override {
    if (attribute.instance != kWritable) return DataAccessResult::kReadWriteDenied;
    written_ = value;
    return DataAccessResult::kSuccess;
  }
  DataAccessResult Action(const MethodDescriptor& method, const std::optional<DataValue>&,
                          std::optional<DataValue>& return_value) override {
    ++actions_;
    if (method.instance == kDisconnect) return_value = DataValue::Enum(0);
    return DataAccessResult::kSuccess;
  }

  int actions_ = 0;
  DataValue written_ = DataValue::Null();

 private:
  std::string id_ = "6841000000000042";
  std::vector<CosemObject> objects_;
  std::vector<CosemObject> reader_view_;
  std::vector<CosemObject> public_view_ = {
      {1, 0, kMeterId, {AttributeAccess::kReadOnly, AttributeAccess::kReadOnly}, {}, {}}};
};

constexpr uint32_t kServerConformance =
    conformance::kBlockTransferWithGet | conformance::kBlockTransferWithSet |
    conformance::kBlockTransferWithAction | conformance::kMultipleReferences | conformance::kGet |
    conformance::kSet | conformance::kSelectiveAccess | conformance::kAction;

class CosemServerTest : public ::testing::Test {
 protected:
  // The reference server granted ACCESS too (dlms-wire-examples.md); to answer its AARQ
  // byte for byte the management client may be granted it here.
  CosemServerTest() { MakeServer(kServerConformance | conformance::kAccess); }

  void MakeServer(uint32_t management_conformance) {
    CosemServerOptions options;
    options.system_title = kServerTitle;
    options.clients = {
        {kPublic, ClientRole::kPublic, AuthenticationMechanism::kNone, 1, kServerConformance},
        {kReader, ClientRole::kReader, AuthenticationMechanism::kLow, 2, kServerConformance},
        {kManagement, ClientRole::kManagement, AuthenticationMechanism::kHighGmac, 3,
         management_conformance},
    };
    server_ = std::make_unique<CosemServer>(
        options, ServerSecrets{kKeys, Array<16>("00112233445566778899AABBCCDDEEFF"), "12345678"},
        directory_, [](std::span<uint8_t> out) {
          std::copy(kChallenge.begin(), kChallenge.begin() + out.size(), out.begin());
        });
  }

  std::vector<uint8_t> Send(uint16_t client, const std::vector<uint8_t>& apdu) {
    return server_->Handle(kSession, client, apdu, kNow);
  }
  std::vector<uint8_t> Send(uint16_t client, const Apdu& apdu) {
    return Send(client, EncodeApdu(apdu));
  }
  template <typename T>
  T Decode(const std::vector<uint8_t>& bytes) {
    auto decoded = DecodeApdu(bytes);
    EXPECT_TRUE(decoded.ok()) << decoded.status();
    if (!decoded.ok() || !std::holds_alternative<T>(*decoded)) {
      ADD_FAILURE() << "unexpected answer "
                    << absl::BytesToHexString(std::string(bytes.begin(), bytes.end()));
      return T{};
    }
    return std::get<T>(*decoded);
  }

  Aare Associate(uint16_t client, AuthenticationMechanism mechanism, std::string password = "",
                 uint16_t max_pdu = 0xFFFF) {
    Aarq aarq;
    if (mechanism != AuthenticationMechanism::kNone) aarq.mechanism = mechanism;
    aarq.calling_authentication_value.assign(password.begin(), password.end());
    aarq.user_information =
        EncodeInitiateRequest({.conformance = 0x001E5D | conformance::kMultipleReferences,
                               .client_max_receive_pdu_size = max_pdu});
    return Decode<Aare>(Send(client, aarq));
  }

  // The HLS association of the reference session: AARQ, then reply_to_HLS_authentication.
  void AssociateHls() {
    ASSERT_EQ(Send(kManagement, kReferenceAarq), kReferenceAare);
    const auto answer = Send(kManagement, kReferenceAction);
    auto plain = DecodeGloCiphered(answer, kServerTitle, kKeys);
    ASSERT_TRUE(plain.ok()) << plain.status();
    const auto response = Decode<ActionResponseNormal>(plain->apdu);
    ASSERT_EQ(response.result, DataAccessResult::kSuccess);
    ASSERT_TRUE(response.return_parameters.has_value());
    auto f_ctos = response.return_parameters->data.AsBytes();
    ASSERT_TRUE(f_ctos.ok());
    // The server proves itself over the client's challenge (CtoS).
    auto counter = VerifyHlsGmac(*f_ctos, kServerTitle, kKeys, kChallenge);
    ASSERT_TRUE(counter.ok()) << counter.status();
    client_counter_ = 3;
  }

  // A ciphered request of the HLS client and the deciphered answer.
  std::vector<uint8_t> SendCiphered(const Apdu& request, std::optional<uint32_t> counter = {}) {
    auto ciphered =
        EncodeGloCiphered(kSecurityAuthenticatedEncrypted, kClientTitle,
                          counter.value_or(client_counter_++), kKeys, EncodeApdu(request));
    EXPECT_TRUE(ciphered.ok());
    const auto answer = Send(kManagement, *ciphered);
    auto plain = DecodeGloCiphered(answer, kServerTitle, kKeys);
    if (!plain.ok()) return answer;  // exception responses are plain
    return plain->apdu;
  }

  // Reads a value, following block transfer to its end.
  DataValue ReadAll(uint16_t client, const AttributeDescriptor& attribute, int* blocks = nullptr) {
    auto answer = Send(client, GetRequestNormal{.request = {attribute, std::nullopt}});
    auto decoded = DecodeApdu(answer);
    EXPECT_TRUE(decoded.ok()) << decoded.status();
    if (auto* normal = std::get_if<GetResponseNormal>(&*decoded)) return normal->result.data;
    std::vector<uint8_t> raw;
    int count = 0;
    while (true) {
      const auto block = std::get<GetResponseWithDataBlock>(*decoded);
      EXPECT_EQ(block.result, DataAccessResult::kSuccess);
      EXPECT_EQ(block.block_number, static_cast<uint32_t>(count + 1));
      raw.insert(raw.end(), block.raw_data.begin(), block.raw_data.end());
      ++count;
      if (block.last_block) break;
      answer = Send(client, GetRequestNext{.block_number = block.block_number});
      decoded = DecodeApdu(answer);
    }
    if (blocks) *blocks = count;
    auto value = DecodeData(raw);
    EXPECT_TRUE(value.ok()) << value.status();
    return *value;
  }

  FakeDirectory directory_;
  std::unique_ptr<CosemServer> server_;
  uint32_t client_counter_ = 0;
};

TEST_F(CosemServerTest, AnswersTheReferenceHlsAarqByteExact) {
  // Same keys, system title and challenge as the reference server: the same AARE.
  EXPECT_THAT(Send(kManagement, kReferenceAarq), ElementsAreArray(kReferenceAare));
  EXPECT_FALSE(server_->IsAssociated(kSession, kManagement));
}

TEST_F(CosemServerTest, HlsGmacCompletesWithTheReferenceReplyAndThenServesCipheredGets) {
  AssociateHls();
  EXPECT_TRUE(server_->IsAssociated(kSession, kManagement));
  const auto answer = Decode<GetResponseNormal>(
      SendCiphered(GetRequestNormal{.request = {{3, kEnergy, 2}, std::nullopt}}));
  EXPECT_EQ(answer.result, GetDataResult::Data(DataValue::DoubleLongUnsigned(1234)));
}

TEST_F(CosemServerTest, ReplayedInvocationCounterIsRefusedAndTheAssociationGoesOn) {
  AssociateHls();
  const GetRequestNormal get{.request = {{3, kEnergy, 2}, std::nullopt}};
  Decode<GetResponseNormal>(SendCiphered(get, 10));
  const auto replay = Decode<ExceptionResponse>(SendCiphered(get, 10));
  EXPECT_EQ(replay.service_error, ServiceError::kInvocationCounterError);
  EXPECT_EQ(replay.invocation_counter, 11u);
  EXPECT_EQ(server_->stats().replays_refused, 1u);
  const auto next = Decode<GetResponseNormal>(SendCiphered(get, 11));
  EXPECT_EQ(next.result.result, DataAccessResult::kSuccess);
}

TEST_F(CosemServerTest, WrongKeyIsRefusedWithDecipheringErrorAndTheRightClientGetsIn) {
  CipherKeys wrong = kKeys;
  wrong.unicast_key[0] ^= 1;
  auto glo = EncodeGloCiphered(kSecurityAuthenticatedEncrypted, kClientTitle, 0, wrong,
                               Hex("01000000065f1f0400001e5dffff"));
  ASSERT_TRUE(glo.ok());
  Aarq aarq{.context = ApplicationContext::kLogicalNameCiphered,
            .calling_ap_title = std::vector<uint8_t>(kClientTitle.begin(), kClientTitle.end()),
            .mechanism = AuthenticationMechanism::kHighGmac,
            .calling_authentication_value = kChallenge,
            .user_information = *glo};
  const auto aare = Decode<Aare>(Send(kManagement, aarq));
  EXPECT_EQ(aare.result, AssociationResult::kRejectedPermanent);
  auto error = DecodeConfirmedServiceError(aare.user_information);
  ASSERT_TRUE(error.ok()) << error.status();
  EXPECT_EQ(error->error_type, 0);  // application-reference
  EXPECT_EQ(error->value, 6);       // deciphering-error
  EXPECT_EQ(server_->stats().deciphering_failures, 1u);
  AssociateHls();  // the server is as it was
}

TEST_F(CosemServerTest, WrongHlsReplyIsRefusedAndTheAssociationStaysPending) {
  ASSERT_EQ(Send(kManagement, kReferenceAarq), kReferenceAare);
  auto reply = ComputeHlsGmac(kChallenge, kClientTitle, 1,
                              CipherKeys{kKeys.unicast_key, kKeys.unicast_key, std::nullopt});
  ASSERT_TRUE(reply.ok());
  const ActionRequestNormal action{.method = {15, Obis(0, 0, 40, 0, 0, 255), 1},
                                   .parameters = DataValue::OctetString(*reply)};
  const auto response = Decode<ActionResponseNormal>(SendCiphered(action, 2));
  EXPECT_NE(response.result, DataAccessResult::kSuccess);
  EXPECT_FALSE(server_->IsAssociated(kSession, kManagement));
  EXPECT_EQ(server_->stats().authentication_failures, 1u);
  // Nothing but the reply passes while pending.
  const auto get = Decode<ExceptionResponse>(
      SendCiphered(GetRequestNormal{.request = {{3, kEnergy, 2}, std::nullopt}}, 3));
  EXPECT_EQ(get.service_error, ServiceError::kOperationNotPossible);
}

TEST_F(CosemServerTest, LlsWrongPasswordIsAuthenticationFailureThenTheRightOneAssociates) {
  const auto wrong = Associate(kReader, AuthenticationMechanism::kLow, "wrong");
  EXPECT_EQ(wrong.result, AssociationResult::kRejectedPermanent);
  EXPECT_EQ(wrong.diagnostic, acse_user_diagnostic::kAuthenticationFailure);
  const auto right = Associate(kReader, AuthenticationMechanism::kLow, "12345678");
  EXPECT_EQ(right.result, AssociationResult::kAccepted);
  EXPECT_EQ(ReadAll(kReader, {3, kEnergy, 2}), DataValue::DoubleLongUnsigned(1234));
}

TEST_F(CosemServerTest, MechanismAndContextMismatchesAreNamedInTheDiagnostic) {
  EXPECT_EQ(Associate(kReader, AuthenticationMechanism::kNone).diagnostic,
            acse_user_diagnostic::kMechanismNameRequired);
  EXPECT_EQ(Associate(kPublic, AuthenticationMechanism::kLow, "x").diagnostic,
            acse_user_diagnostic::kMechanismNameNotRecognised);
  EXPECT_EQ(Associate(kManagement, AuthenticationMechanism::kHighGmac).diagnostic,
            acse_user_diagnostic::kApplicationContextNameNotSupported);
  EXPECT_EQ(Associate(99, AuthenticationMechanism::kNone).result,
            AssociationResult::kRejectedPermanent);
}

TEST_F(CosemServerTest, GrantsOnlyASubsetOfTheProposedConformance) {
  const auto aare = Associate(kPublic, AuthenticationMechanism::kNone);
  ASSERT_EQ(aare.result, AssociationResult::kAccepted);
  auto initiate = DecodeInitiateResponse(aare.user_information);
  ASSERT_TRUE(initiate.ok());
  EXPECT_EQ(initiate->conformance & conformance::kAccess, 0u);  // proposed, not granted
  EXPECT_EQ(initiate->conformance & ~(0x001E5Du | conformance::kMultipleReferences), 0u);
  EXPECT_EQ(initiate->server_max_receive_pdu_size, 1024);
}

TEST_F(CosemServerTest, PublicClientSeesItsObjectListAndCannotReadOrWriteMore) {
  ASSERT_EQ(Associate(kPublic, AuthenticationMechanism::kNone).result,
            AssociationResult::kAccepted);
  const DataValue list = ReadAll(kPublic, {15, Obis(0, 0, 40, 0, 0, 255), 2});
  auto elements = list.AsArray();
  ASSERT_TRUE(elements.ok());
  std::vector<std::string> names;
  for (const auto& element : *elements) {
    names.push_back((*element.AsStructure())[2].AsObis()->ToString());
  }
  EXPECT_THAT(names, ::testing::ElementsAre("0.0.40.0.0.255", "0.0.40.0.1.255", "0.0.43.1.3.255",
                                            "1.1.0.0.5.255"));
  EXPECT_EQ(ReadAll(kPublic, {1, kMeterId, 2}), DataValue::VisibleString("6841000000000042"));
  const auto hidden = Decode<GetResponseNormal>(
      Send(kPublic, GetRequestNormal{.request = {{3, kEnergy, 2}, std::nullopt}}));
  EXPECT_EQ(hidden.result.result, DataAccessResult::kObjectUndefined);
  const auto set = Decode<SetResponseNormal>(
      Send(kPublic, SetRequestNormal{.request = {{1, kMeterId, 2}, std::nullopt},
                                     .value = DataValue::VisibleString("x")}));
  EXPECT_EQ(set.result, DataAccessResult::kReadWriteDenied);
}

TEST_F(CosemServerTest, BigAnswersGoInBlocksThatFitTheClientsPdu) {
  ASSERT_EQ(Associate(kReader, AuthenticationMechanism::kLow, "12345678", 256).result,
            AssociationResult::kAccepted);
  int blocks = 0;
  const DataValue value = ReadAll(kReader, {1, kBig, 2}, &blocks);
  auto bytes = value.AsBytes();
  ASSERT_TRUE(bytes.ok());
  ASSERT_EQ(bytes->size(), 5000u);
  EXPECT_EQ((*bytes)[4999], static_cast<uint8_t>(4999 * 7));
  EXPECT_GE(blocks, 5000 / 256);
  // A GET-next out of sequence is refused and ends the transfer.
  Send(kReader, GetRequestNormal{.request = {{1, kBig, 2}, std::nullopt}});
  const auto wrong =
      Decode<GetResponseWithDataBlock>(Send(kReader, GetRequestNext{.block_number = 5}));
  EXPECT_EQ(wrong.result, DataAccessResult::kDataBlockNumberInvalid);
  const auto none =
      Decode<GetResponseWithDataBlock>(Send(kReader, GetRequestNext{.block_number = 1}));
  EXPECT_EQ(none.result, DataAccessResult::kNoLongGetInProgress);
}

TEST_F(CosemServerTest, CipheredBlockTransferStaysInsideTheLimitWithItsOverhead) {
  AssociateHls();
  auto ciphered =
      EncodeGloCiphered(kSecurityAuthenticatedEncrypted, kClientTitle, client_counter_++, kKeys,
                        EncodeApdu(GetRequestNormal{.request = {{1, kBig, 2}, {}}}));
  const auto answer = Send(kManagement, *ciphered);
  EXPECT_LE(answer.size(), 1024u);
  auto plain = DecodeGloCiphered(answer, kServerTitle, kKeys);
  ASSERT_TRUE(plain.ok());
  const auto block = Decode<GetResponseWithDataBlock>(plain->apdu);
  EXPECT_FALSE(block.last_block);
}

TEST_F(CosemServerTest, GetWithListAnswersEachItem) {
  ASSERT_EQ(Associate(kReader, AuthenticationMechanism::kLow, "12345678").result,
            AssociationResult::kAccepted);
  const auto answer = Decode<GetResponseWithList>(Send(
      kReader, GetRequestWithList{.requests = {{{3, kEnergy, 2}, std::nullopt},
                                               {{3, kEnergy, 3}, std::nullopt},
                                               {{3, kEnergy, 9}, std::nullopt},
                                               {{3, Obis(9, 9, 9, 9, 9, 9), 2}, std::nullopt}}}));
  ASSERT_EQ(answer.results.size(), 4u);
  EXPECT_EQ(answer.results[0].data, DataValue::DoubleLongUnsigned(1234));
  EXPECT_EQ(answer.results[1].data,
            DataValue::Structure({DataValue::Integer(0), DataValue::Enum(30)}));
  EXPECT_EQ(answer.results[2].result, DataAccessResult::kObjectUndefined);
  EXPECT_EQ(answer.results[3].result, DataAccessResult::kObjectUndefined);
}

TEST_F(CosemServerTest, SetInBlocksAndActionForTheManagementClient) {
  AssociateHls();
  const DataValue value = DataValue::OctetString(std::vector<uint8_t>(300, 0x5A));
  const auto encoded = EncodeData(value);
  const AttributeRequest target{{1, kWritable, 2}, std::nullopt};
  const auto first = Decode<SetResponseDataBlock>(SendCiphered(
      SetRequestWithFirstDataBlock{.request = target,
                                   .last_block = false,
                                   .block_number = 1,
                                   .raw_data = {encoded.begin(), encoded.begin() + 200}}));
  EXPECT_EQ(first.block_number, 1u);
  const auto last = Decode<SetResponseLastDataBlock>(SendCiphered(SetRequestWithDataBlock{
      .last_block = true, .block_number = 2, .raw_data = {encoded.begin() + 200, encoded.end()}}));
  EXPECT_EQ(last.result, DataAccessResult::kSuccess);
  EXPECT_EQ(directory_.written_, value);

  const auto action = Decode<ActionResponseNormal>(SendCiphered(
      ActionRequestNormal{.method = {70, kDisconnect, 1}, .parameters = DataValue::Integer(0)}));
  EXPECT_EQ(action.result, DataAccessResult::kSuccess);
  EXPECT_EQ(directory_.actions_, 1);
}

TEST_F(CosemServerTest, ReaderCannotWriteOrAct) {
  ASSERT_EQ(Associate(kReader, AuthenticationMechanism::kLow, "12345678").result,
            AssociationResult::kAccepted);
  const auto set = Decode<SetResponseNormal>(
      Send(kReader, SetRequestNormal{.request = {{1, kWritable, 2}, std::nullopt},
                                     .value = DataValue::Unsigned(1)}));
  EXPECT_EQ(set.result, DataAccessResult::kReadWriteDenied);
  const auto action = Decode<ActionResponseNormal>(Send(
      kReader,
      ActionRequestNormal{.method = {70, kDisconnect, 1}, .parameters = DataValue::Integer(0)}));
  EXPECT_EQ(action.result, DataAccessResult::kReadWriteDenied);
  EXPECT_EQ(directory_.actions_, 0);
}

TEST_F(CosemServerTest, KeyTransferSwitchesToTheNewKeyAfterItsAnswer) {
  AssociateHls();
  const Key128 kek = Array<16>("00112233445566778899AABBCCDDEEFF");
  const Key128 new_key = Array<16>("F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF");
  auto wrapped = WrapKey(kek, new_key);
  ASSERT_TRUE(wrapped.ok());
  std::optional<ServerSecrets> persisted;
  server_->set_secrets_changed([&](const ServerSecrets& s) { persisted = s; });
  const auto answer = Decode<ActionResponseNormal>(SendCiphered(ActionRequestNormal{
      .method = {64, Obis(0, 0, 43, 0, 3, 255), 2},
      .parameters = DataValue::Array(
          {DataValue::Structure({DataValue::Enum(0), DataValue::OctetString(*wrapped)})})}));
  EXPECT_EQ(answer.result, DataAccessResult::kSuccess);
  ASSERT_TRUE(persisted.has_value());
  EXPECT_EQ(persisted->keys.unicast_key, new_key);
  // The old key no longer deciphers; the new one does.
  const GetRequestNormal get{.request = {{3, kEnergy, 2}, std::nullopt}};
  const auto old_key = Decode<ExceptionResponse>(SendCiphered(get));
  EXPECT_EQ(old_key.service_error, ServiceError::kDecipheringError);
  CipherKeys keys = kKeys;
  keys.unicast_key = new_key;
  auto ciphered = EncodeGloCiphered(kSecurityAuthenticatedEncrypted, kClientTitle,
                                    client_counter_++, keys, EncodeApdu(get));
  auto plain = DecodeGloCiphered(Send(kManagement, *ciphered), kServerTitle, keys);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(Decode<GetResponseNormal>(plain->apdu).result.data,
            DataValue::DoubleLongUnsigned(1234));
}

TEST_F(CosemServerTest, MalformedAndUnexpectedApdusGetExceptionResponses) {
  EXPECT_EQ(Decode<ExceptionResponse>(Send(kPublic, Hex("C0 01 C1 00 03"))).state_error,
            StateError::kServiceNotAllowed);  // no association yet
  ASSERT_EQ(Associate(kPublic, AuthenticationMechanism::kNone).result,
            AssociationResult::kAccepted);
  EXPECT_EQ(Decode<ExceptionResponse>(Send(kPublic, Hex("C0 01 C1 00 03"))).service_error,
            ServiceError::kOtherReason);
  EXPECT_EQ(Decode<ExceptionResponse>(Send(kPublic, Hex("D9 01"))).service_error,
            ServiceError::kServiceNotSupported);
  EXPECT_EQ(Decode<ExceptionResponse>(Send(kPublic, Hex("C8 01 00"))).service_error,
            ServiceError::kOperationNotPossible);  // ciphered in a plain association
  // Still associated and answering.
  EXPECT_EQ(ReadAll(kPublic, {1, kMeterId, 2}), DataValue::VisibleString("6841000000000042"));
  EXPECT_EQ(Decode<ReleaseResponse>(Send(kPublic, ReleaseRequest{})).reason, 0);
  EXPECT_EQ(server_->association_count(), 0u);
}

TEST_F(CosemServerTest, PreEstablishedClientIsServedWithoutAarq) {
  CosemServerOptions options;
  options.system_title = kServerTitle;
  options.clients = {{102, ClientRole::kPush, AuthenticationMechanism::kNone, 4, conformance::kGet,
                      /*pre_established=*/true}};
  CosemServer server(options, ServerSecrets{kKeys, {}, ""}, directory_, [](std::span<uint8_t>) {});
  const auto answer = Decode<GetResponseNormal>(server.Handle(
      1, 102, EncodeApdu(GetRequestNormal{.request = {{15, Obis(0, 0, 40, 0, 0, 255), 8}, {}}}),
      kNow));
  EXPECT_EQ(answer.result, GetDataResult::Data(DataValue::Enum(2)));  // associated
  // The push role sees nothing of the meter's own objects.
  const auto hidden = Decode<GetResponseNormal>(
      server.Handle(1, 102, EncodeApdu(GetRequestNormal{.request = {{1, kMeterId, 2}, {}}}), kNow));
  EXPECT_EQ(hidden.result.result, DataAccessResult::kObjectUndefined);
}

TEST_F(CosemServerTest, SessionsAreSeparateAndIdleOnesExpire) {
  ASSERT_EQ(Associate(kPublic, AuthenticationMechanism::kNone).result,
            AssociationResult::kAccepted);
  EXPECT_FALSE(server_->IsAssociated(kSession + 1, kPublic));
  server_->ExpireIdle(kNow + std::chrono::seconds(60));
  EXPECT_TRUE(server_->IsAssociated(kSession, kPublic));
  server_->ExpireIdle(kNow + std::chrono::seconds(121));
  EXPECT_FALSE(server_->IsAssociated(kSession, kPublic));
}

}  // namespace
}  // namespace vmuc::dlms
