// libFuzzer target: the ACSE and xDLMS APDU decoders (dlms/apdu.h): DecodeApdu and the
// initiate request / response / confirmed-service-error decoders.
//
// Oracle: whatever a decoder accepts, its encoder writes bytes the decoder accepts again
// and that re-encode identically (bytes, not ==, because a float NaN inside a Data value is
// unequal to itself). The encoders abort on values they cannot write, so an APDU the
// decoder builds but the encoder refuses shows up as a crash too.
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "common/check.h"
#include "dlms/apdu.h"

namespace vmuc::dlms {
namespace {

void CheckApdu(const Apdu& apdu) {
  const std::vector<uint8_t> encoded = EncodeApdu(apdu);
  auto again = DecodeApdu(encoded);
  VMUC_CHECK(again.ok(), "EncodeApdu output does not decode");
  VMUC_CHECK(again->index() == apdu.index(), "APDU kind changed in a round trip");
  VMUC_CHECK(EncodeApdu(*again) == encoded, "decode(encode(apdu)) encodes differently");
  (void)ApduKindName(apdu);
  // The initiate PDUs inside the association APDUs, as the server and client read them.
  if (const auto* aarq = std::get_if<Aarq>(&apdu)) {
    (void)DecodeInitiateRequest(aarq->user_information);
  } else if (const auto* aare = std::get_if<Aare>(&apdu)) {
    (void)DecodeInitiateResponse(aare->user_information);
    (void)DecodeConfirmedServiceError(aare->user_information);
  }
}

}  // namespace
}  // namespace vmuc::dlms

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vmuc::dlms;
  const std::span<const uint8_t> input(data, size);

  if (auto apdu = DecodeApdu(input); apdu.ok()) CheckApdu(*apdu);

  if (auto request = DecodeInitiateRequest(input); request.ok()) {
    auto again = DecodeInitiateRequest(EncodeInitiateRequest(*request));
    VMUC_CHECK(again.ok() && *again == *request, "InitiateRequest round trip");
  }
  if (auto response = DecodeInitiateResponse(input); response.ok()) {
    auto again = DecodeInitiateResponse(EncodeInitiateResponse(*response));
    VMUC_CHECK(again.ok() && *again == *response, "InitiateResponse round trip");
  }
  if (auto error = DecodeConfirmedServiceError(input); error.ok()) {
    auto again = DecodeConfirmedServiceError(EncodeConfirmedServiceError(*error));
    VMUC_CHECK(again.ok() && *again == *error, "ConfirmedServiceError round trip");
  }
  return 0;
}
