// libFuzzer target: the TCP-UDP/IP wrapper (dlms/wrapper.h), DecodeWrapperPdu and
// WrapperDeframer. The input is a datagram for the first, a TCP byte stream for the second.
//
// Oracles:
//  - a datagram DecodeWrapperPdu accepts is exactly what EncodeWrapperPdu writes for it
//    (the header has one form);
//  - the deframer gives the same PDUs and error whether the stream arrives whole or byte
//    by byte, holds at most one header plus max_apdu_length bytes, and once failed returns
//    its error alone on every later call (IEC 62056-47 has no flag to resynchronise on:
//    the server closes the connection);
//  - every PDU it gives re-encodes to the bytes it came from.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "common/check.h"
#include "dlms/wrapper.h"

namespace vmuc::dlms {
namespace {

using Pdus = std::vector<absl::StatusOr<WrapperPdu>>;

bool SameResults(const Pdus& a, const Pdus& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].ok() != b[i].ok()) return false;
    if (a[i].ok() ? !(*a[i] == *b[i]) : a[i].status() != b[i].status()) return false;
  }
  return true;
}

void CheckDeframer(std::span<const uint8_t> input, size_t max_apdu_length) {
  const WrapperDeframer::Options options{.max_apdu_length = max_apdu_length};
  WrapperDeframer whole(options);
  const Pdus at_once = whole.Feed(input);

  WrapperDeframer bytewise(options);
  Pdus one_by_one;
  for (size_t i = 0; i < input.size(); ++i) {
    Pdus results = bytewise.Feed(input.subspan(i, 1));
    if (!bytewise.status().ok()) {
      // Failed: nothing but the error from now on (and it came with this call or before).
      VMUC_CHECK(
          !results.empty() && !results.back().ok() && results.back().status() == bytewise.status(),
          "a failed WrapperDeframer returned something other than its error");
    }
    VMUC_CHECK(bytewise.buffered() <= kWrapperHeaderSize + max_apdu_length,
               "WrapperDeframer holds more than one PDU");
    for (auto& result : results) {
      // After the first error, one_by_one keeps only that error.
      if (!one_by_one.empty() && !one_by_one.back().ok()) break;
      one_by_one.push_back(std::move(result));
    }
  }
  VMUC_CHECK(SameResults(at_once, one_by_one), "WrapperDeframer depends on the chunking");
  VMUC_CHECK(whole.status() == bytewise.status(), "deframers end in different states");

  size_t consumed = 0;
  for (const auto& pdu : at_once) {
    if (!pdu.ok()) break;
    VMUC_CHECK(pdu->apdu.size() <= max_apdu_length, "PDU above max_apdu_length");
    const std::vector<uint8_t> encoded = EncodeWrapperPdu(*pdu);
    VMUC_CHECK(consumed + encoded.size() <= input.size() &&
                   std::equal(encoded.begin(), encoded.end(), input.begin() + consumed),
               "a deframed PDU re-encodes to other bytes than the stream's");
    consumed += encoded.size();
  }
  if (whole.status().ok()) {
    VMUC_CHECK(consumed + whole.buffered() == input.size(), "the deframer lost bytes");
  }
}

}  // namespace
}  // namespace vmuc::dlms

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vmuc::dlms;
  const std::span<const uint8_t> input(data, size);

  if (auto pdu = DecodeWrapperPdu(input); pdu.ok()) {
    VMUC_CHECK(EncodeWrapperPdu(*pdu) == std::vector<uint8_t>(input.begin(), input.end()),
               "a decoded wrapper PDU re-encodes differently");
  }
  CheckDeframer(input, 65535);
  CheckDeframer(input, 64);  // a small limit, so that it is reached
  return 0;
}
