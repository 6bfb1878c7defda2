#include "dlms/apdu.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/dlms/reference_session.h"

namespace vmuc::dlms {
namespace {

using ::testing::HasSubstr;

using reference::Hex;

std::vector<uint8_t> Bytes(std::string_view text) { return {text.begin(), text.end()}; }

template <typename T>
T DecodeAs(const std::vector<uint8_t>& bytes) {
  auto decoded = DecodeApdu(bytes);
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  if (!decoded.ok()) return T{};
  EXPECT_TRUE(std::holds_alternative<T>(*decoded)) << ApduKindName(*decoded);
  return std::holds_alternative<T>(*decoded) ? std::get<T>(*decoded) : T{};
}

using reference::kHlsAareHex;
using reference::kHlsAarqHex;
using reference::kLlsAareHex;
using reference::kLlsAarqHex;

TEST(ApduTest, LlsAarqFromTheWireDecodesAndReEncodesByteExact) {
  const auto wire = Hex(kLlsAarqHex);
  const Aarq aarq = DecodeAs<Aarq>(wire);
  EXPECT_EQ(aarq.context, ApplicationContext::kLogicalName);
  EXPECT_EQ(aarq.mechanism, AuthenticationMechanism::kLow);
  EXPECT_EQ(aarq.calling_authentication_value, Bytes("Gurux"));
  EXPECT_FALSE(aarq.calling_ap_title.has_value());

  auto initiate = DecodeInitiateRequest(aarq.user_information);
  ASSERT_TRUE(initiate.ok()) << initiate.status();
  EXPECT_EQ(initiate->conformance, 0x001E5Du);
  EXPECT_EQ(initiate->client_max_receive_pdu_size, 0xFFFF);
  EXPECT_TRUE(initiate->response_allowed);
  EXPECT_EQ(initiate->dlms_version, 6);
  EXPECT_EQ(EncodeInitiateRequest(*initiate), aarq.user_information);

  Aarq built{.context = ApplicationContext::kLogicalName,
             .mechanism = AuthenticationMechanism::kLow,
             .calling_authentication_value = Bytes("Gurux"),
             .user_information = EncodeInitiateRequest(
                 {.conformance = 0x001E5D, .client_max_receive_pdu_size = 0xFFFF})};
  EXPECT_EQ(EncodeApdu(built), wire);
}

TEST(ApduTest, LlsAareFromTheWireDecodesAndReEncodesByteExact) {
  const auto wire = Hex(kLlsAareHex);
  const Aare aare = DecodeAs<Aare>(wire);
  EXPECT_EQ(aare.result, AssociationResult::kAccepted);
  EXPECT_EQ(aare.diagnostic_source, DiagnosticSource::kAcseServiceUser);
  EXPECT_EQ(aare.diagnostic, acse_user_diagnostic::kNull);
  EXPECT_EQ(aare.responding_ae_invocation_id, 0);
  auto initiate = DecodeInitiateResponse(aare.user_information);
  ASSERT_TRUE(initiate.ok()) << initiate.status();
  EXPECT_EQ(initiate->conformance, 0x001E5Du);
  EXPECT_EQ(initiate->server_max_receive_pdu_size, 0x0400);
  EXPECT_EQ(initiate->vaa_name, kLogicalNameVaaName);

  Aare built{.responding_ae_invocation_id = 0,
             .user_information = EncodeInitiateResponse(
                 {.conformance = 0x001E5D, .server_max_receive_pdu_size = 0x0400})};
  EXPECT_EQ(EncodeApdu(built), wire);
}

TEST(ApduTest, HlsGmacAarqAndAareFromTheWireRoundTrip) {
  const auto aarq_wire = Hex(kHlsAarqHex);
  const Aarq aarq = DecodeAs<Aarq>(aarq_wire);
  EXPECT_EQ(aarq.context, ApplicationContext::kLogicalNameCiphered);
  EXPECT_EQ(aarq.mechanism, AuthenticationMechanism::kHighGmac);
  EXPECT_EQ(aarq.calling_ap_title, Hex("4775727578313233"));
  EXPECT_EQ(aarq.calling_authentication_value, Hex("390c444c4dc010ac20405f8a9d55a78c"));
  ASSERT_FALSE(aarq.user_information.empty());
  EXPECT_EQ(aarq.user_information[0], 0x21);  // glo-initiate-request
  EXPECT_EQ(EncodeApdu(aarq), aarq_wire);

  const auto aare_wire = Hex(kHlsAareHex);
  const Aare aare = DecodeAs<Aare>(aare_wire);
  EXPECT_EQ(aare.context, ApplicationContext::kLogicalNameCiphered);
  EXPECT_EQ(aare.diagnostic, acse_user_diagnostic::kAuthenticationRequired);
  EXPECT_EQ(aare.responding_ap_title, Hex("4142434445464748"));
  EXPECT_EQ(aare.mechanism, AuthenticationMechanism::kHighGmac);
  EXPECT_EQ(aare.responding_authentication_value, Hex("390c444c4dc010ac20405f8a9d55a78c"));
  EXPECT_EQ(aare.user_information[0], 0x28);  // glo-initiate-response
  EXPECT_EQ(EncodeApdu(aare), aare_wire);
}

TEST(ApduTest, GetRequestNormalForTheObjectListIsByteExact) {
  const auto wire = Hex("C0 01 C1 00 0F 00 00 28 00 00 FF 02 00");
  const auto get = DecodeAs<GetRequestNormal>(wire);
  EXPECT_EQ(get.invoke_id_and_priority, 0xC1);
  EXPECT_EQ(get.request.attribute.class_id, 15);
  EXPECT_EQ(get.request.attribute.instance, Obis(0, 0, 40, 0, 0, 255));
  EXPECT_EQ(get.request.attribute.attribute_id, 2);
  EXPECT_FALSE(get.request.access.has_value());
  EXPECT_EQ(EncodeApdu(get), wire);
}

TEST(ApduTest, GetResponseWithDataBlockHeaderMatchesTheWire) {
  // The first block of the object list answer: last-block false, block 1, raw-data of
  // 0x3F4 bytes (dlms-wire-examples.md, the segmented frame's first bytes).
  GetResponseWithDataBlock block{.invoke_id_and_priority = 0xC1,
                                 .last_block = false,
                                 .block_number = 1,
                                 .raw_data = std::vector<uint8_t>(0x3F4, 0xAB)};
  const auto encoded = EncodeApdu(block);
  const auto header = Hex("C4 02 C1 00 00 00 00 01 00 82 03 F4");
  ASSERT_GE(encoded.size(), header.size());
  EXPECT_EQ(std::vector<uint8_t>(encoded.begin(), encoded.begin() + 12), header);
  EXPECT_EQ(DecodeAs<GetResponseWithDataBlock>(encoded), block);
}

TEST(ApduTest, DecryptedHlsActionRequestAndResponseDecodeByteExact) {
  // The plaintexts inside the glo-action-request/-response of the HLS example.
  const auto request_wire = Hex("c301c1000f0000280000ff010109111000000001ea9c419d2870718cd7b6181c");
  const auto request = DecodeAs<ActionRequestNormal>(request_wire);
  EXPECT_EQ(request.method.class_id, 15);
  EXPECT_EQ(request.method.instance, Obis(0, 0, 40, 0, 0, 255));
  EXPECT_EQ(request.method.method_id, 1);  // reply_to_HLS_authentication
  ASSERT_TRUE(request.parameters.has_value());
  auto f_stoc = request.parameters->AsBytes();
  ASSERT_TRUE(f_stoc.ok());
  EXPECT_EQ(f_stoc->size(), 17u);
  EXPECT_EQ(EncodeApdu(request), request_wire);

  const auto response_wire = Hex("c701c1000100091110000000024e80c80ac4b6b9cdb222aa38");
  const auto response = DecodeAs<ActionResponseNormal>(response_wire);
  EXPECT_EQ(response.result, DataAccessResult::kSuccess);
  ASSERT_TRUE(response.return_parameters.has_value());
  EXPECT_EQ(response.return_parameters->result, DataAccessResult::kSuccess);
  EXPECT_EQ(EncodeApdu(response), response_wire);
}

TEST(ApduTest, ReleaseRequestFromTheWire) {
  const auto wire = Hex("62 03 80 01 00");
  const auto release = DecodeAs<ReleaseRequest>(wire);
  EXPECT_EQ(release.reason, 0);
  EXPECT_TRUE(release.user_information.empty());
  EXPECT_EQ(EncodeApdu(release), wire);
  EXPECT_EQ(EncodeApdu(ReleaseResponse{}), Hex("63 03 80 01 00"));
}

TEST(ApduTest, EveryServiceRoundTrips) {
  const DataValue range = DataValue::Structure(
      {DataValue::Structure({DataValue::LongUnsigned(8),
                             DataValue::ObisCode(Obis(0, 0, 1, 0, 0, 255)), DataValue::Integer(2),
                             DataValue::LongUnsigned(0)}),
       DataValue::OctetString(std::vector<uint8_t>(12, 0x01)),
       DataValue::OctetString(std::vector<uint8_t>(12, 0x02)), DataValue::Array({})});
  const AttributeRequest profile{{7, Obis(1, 1, 99, 1, 0, 255), 2}, SelectiveAccess{1, range}};
  const AttributeRequest energy{{3, Obis(1, 1, 1, 8, 0, 255), 2}, std::nullopt};
  const std::vector<Apdu> apdus = {
      Aarq{.calling_ap_title = Hex("4142434445464748"), .user_information = {0x01, 0x00}},
      Aare{.result = AssociationResult::kRejectedPermanent,
           .diagnostic = acse_user_diagnostic::kAuthenticationFailure,
           .user_information = EncodeConfirmedServiceError({})},
      ReleaseRequest{.reason = std::nullopt, .user_information = {0x01, 0x02}},
      ReleaseRequest{.reason = 200, .user_information = {}},  // found by the APDU fuzzer
      ReleaseResponse{},
      GetRequestNormal{.request = profile},
      GetRequestNext{.block_number = 7},
      GetRequestWithList{.requests = {profile, energy}},
      GetResponseNormal{.result = GetDataResult::Data(DataValue::DoubleLongUnsigned(1234))},
      GetResponseNormal{.result = GetDataResult::Error(DataAccessResult::kReadWriteDenied)},
      GetResponseWithDataBlock{.last_block = true, .block_number = 3, .raw_data = {1, 2, 3}},
      GetResponseWithDataBlock{.block_number = 9,
                               .result = DataAccessResult::kDataBlockNumberInvalid},
      GetResponseWithList{.results = {GetDataResult::Data(DataValue::Enum(30)),
                                      GetDataResult::Error(DataAccessResult::kObjectUndefined)}},
      SetRequestNormal{.request = energy, .value = DataValue::DoubleLongUnsigned(5)},
      SetRequestWithFirstDataBlock{.request = energy, .raw_data = {9, 9}},
      SetRequestWithDataBlock{.last_block = true, .block_number = 2, .raw_data = {8}},
      SetResponseNormal{.result = DataAccessResult::kTypeUnmatched},
      SetResponseDataBlock{.block_number = 4},
      SetResponseLastDataBlock{.block_number = 5},
      ActionRequestNormal{.method = {70, Obis(0, 0, 96, 3, 10, 255), 1},
                          .parameters = DataValue::Integer(0)},
      ActionRequestNormal{.method = {70, Obis(0, 0, 96, 3, 10, 255), 2}},
      ActionResponseNormal{.result = DataAccessResult::kTemporaryFailure},
      ExceptionResponse{},
      ExceptionResponse{.state_error = StateError::kServiceUnknown,
                        .service_error = ServiceError::kInvocationCounterError,
                        .invocation_counter = 77},
      ConfirmedServiceError{.value = service_error::kDlmsVersionTooLow},
      DataNotification{.long_invoke_id_and_priority = 5,
                       .date_time = std::nullopt,
                       .body = DataValue::Unsigned(1)},
  };
  for (const Apdu& apdu : apdus) {
    const auto bytes = EncodeApdu(apdu);
    auto decoded = DecodeApdu(bytes);
    ASSERT_TRUE(decoded.ok()) << ApduKindName(apdu) << ": " << decoded.status();
    EXPECT_EQ(*decoded, apdu) << ApduKindName(apdu);
  }
}

TEST(ApduTest, InitiateRequestWithEveryOptionalFieldRoundTrips) {
  const InitiateRequest request{.dedicated_key = std::vector<uint8_t>(16, 0x42),
                                .response_allowed = false,
                                .proposed_quality_of_service = 3,
                                .conformance = conformance::kGet | conformance::kSet,
                                .client_max_receive_pdu_size = 512};
  auto decoded = DecodeInitiateRequest(EncodeInitiateRequest(request));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, request);
}

TEST(ApduTest, ConformanceBitsFollowTheGreenBookNumbering) {
  // 0x001E5D = block transfer with get/set/action, multiple references, access, get, set,
  // selective access, action (bits 11..14, 17, 19, 20, 21, 23).
  EXPECT_EQ(conformance::kBlockTransferWithGet | conformance::kBlockTransferWithSet |
                conformance::kBlockTransferWithAction | conformance::kMultipleReferences |
                conformance::kAccess | conformance::kGet | conformance::kSet |
                conformance::kSelectiveAccess | conformance::kAction,
            0x001E5Du);
}

TEST(ApduTest, MalformedInputIsRefusedWithTheOffset) {
  struct Case {
    const char* hex;
    const char* expected;
  };
  const Case cases[] = {
      {"", "empty APDU"},
      {"C0 01 C1 00 0F 00 00 28", "instance-id"},                   // truncated descriptor
      {"C0 01 C1 00 0F 00 00 28 00 00 FF 02 02", "presence flag"},  // bad OPTIONAL flag
      {"C0 01 C1 00 0F 00 00 28 00 00 FF 02 00 00", "offset 13"},   // trailing byte
      {"C0 07 C1", "unknown get-request choice 7"},
      {"C0 03 C1 82 FF FF", "cannot fit"},                    // absurd list count
      {"60 05 A1 03 06 01 00", "DLMS UA object identifier"},  // foreign context
      {"60 09 8B 07 60 85 74 05 08 02 01", "without application-context-name"},
      {"61 03 A1 09 06", "claims 9 bytes"},  // truncated AARE
      {"60 0B A1 09 06 07 60 85 74 05 08 01 01 00", "after the end of the AARQ"},
      {"D8 03 01", "state-error"},
      {"77", "unknown APDU tag 0x77"},
  };
  for (const Case& c : cases) {
    auto decoded = DecodeApdu(Hex(c.hex));
    ASSERT_FALSE(decoded.ok()) << c.hex;
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument) << c.hex;
    EXPECT_THAT(std::string(decoded.status().message()), HasSubstr(c.expected)) << c.hex;
  }
}

TEST(ApduTest, CipheredAndUnsupportedServicesAreNamed) {
  auto ciphered = DecodeApdu(Hex("C8 05 30 00 00 00 01"));
  EXPECT_EQ(ciphered.status().code(), absl::StatusCode::kFailedPrecondition);
  auto access = DecodeApdu(Hex("D9 01 02"));
  EXPECT_EQ(access.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(access.status().message()), HasSubstr("access"));
  auto set_list = DecodeApdu(Hex("C1 04 C1 00"));
  EXPECT_EQ(set_list.status().code(), absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace vmuc::dlms
