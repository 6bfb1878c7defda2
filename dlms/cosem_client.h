// CosemClient: the client side of one COSEM application association (IEC 62056-5-3;
// DLMS Green Book 9.3/9.4), above any transport: what the gateway's collector, vmuc's
// tests and benchmarks use to read, set and act on a meter.
//
// It builds the AARQ for lowest security, LLS or HLS mechanism 5 (GMAC) with security
// suite 0, answers the server's challenge (reply_to_HLS_authentication) and checks the
// server's proof, ciphers every request of a ciphered association (glo-ciphering,
// authenticated and encrypted) with a rising invocation counter, follows GET block
// transfer to the end, sends big SET values in blocks, and releases.
//
// Synchronous: each call sends requests through a ClientTransport and waits for the
// answers. Not thread-safe; one owner. Errors name the service and the server's
// Data-Access-Result, AARE diagnostic or exception response.
#ifndef VMUC_DLMS_COSEM_CLIENT_H_
#define VMUC_DLMS_COSEM_CLIENT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dlms/apdu.h"
#include "dlms/axdr.h"
#include "dlms/security.h"

namespace vmuc::dlms {

// Carries one request APDU to the server and returns its answer APDU.
class ClientTransport {
 public:
  virtual ~ClientTransport() = default;
  virtual absl::StatusOr<std::vector<uint8_t>> Exchange(std::span<const uint8_t> request) = 0;
};

// What common clients propose (dlms-wire-examples.md): block transfer with GET, SET and
// ACTION, multiple references, GET, SET, selective access, ACTION (and ACCESS, which a
// conforming server does not grant).
inline constexpr uint32_t kDefaultProposedConformance = 0x001E5D;

struct ClientOptions {
  uint16_t client_sap = 16;
  AuthenticationMechanism mechanism = AuthenticationMechanism::kNone;
  std::string password{};           // LLS
  SystemTitle system_title{};       // HLS: the client's
  CipherKeys keys{};                // HLS
  uint32_t invocation_counter = 0;  // the next one to send
  uint32_t proposed_conformance = kDefaultProposedConformance;
  uint16_t max_receive_pdu_size = 0xFFFF;
  // Fills the client's challenge (CtoS); seeded by the owner. Unset: a fixed pattern.
  std::function<void(std::span<uint8_t>)> challenge{};
};

class CosemClient {
 public:
  CosemClient(ClientOptions options, ClientTransport& transport);

  // AARQ/AARE (and with HLS the challenge exchange). PermissionDenied naming the AARE
  // diagnostic ("authentication-failure") or the initiate error when refused.
  absl::Status Associate();
  // RLRQ/RLRE. The association ends even if the server does not answer.
  absl::Status Release();

  absl::StatusOr<DataValue> Get(const AttributeDescriptor& attribute,
                                const std::optional<SelectiveAccess>& access = std::nullopt);
  // One result per request, in order (GET-with-list, block transfer followed).
  absl::StatusOr<std::vector<GetDataResult>> GetList(const std::vector<AttributeRequest>& requests);
  absl::Status Set(const AttributeDescriptor& attribute, const DataValue& value);
  // The method's return value, if it has one.
  absl::StatusOr<std::optional<DataValue>> Action(const MethodDescriptor& method,
                                                  const std::optional<DataValue>& parameters);

  bool associated() const { return associated_; }
  uint32_t negotiated_conformance() const { return conformance_; }
  uint16_t server_max_receive_pdu_size() const { return server_max_pdu_; }
  uint32_t next_invocation_counter() const { return invocation_counter_; }
  const SystemTitle& server_system_title() const { return server_system_title_; }
  // Requests sent, for benchmarks.
  uint64_t requests_sent() const { return requests_sent_; }

 private:
  // Sends `request` (ciphered in a ciphered association) and returns the plain answer.
  absl::StatusOr<Apdu> Call(const Apdu& request);
  // Follows a GET-Response-With-Datablock to its last block; returns the raw data.
  absl::StatusOr<std::vector<uint8_t>> FollowBlocks(GetResponseWithDataBlock first);
  uint8_t NextInvoke();

  ClientOptions options_;
  ClientTransport& transport_;
  bool associated_ = false;
  bool ciphered_ = false;
  uint32_t conformance_ = 0;
  uint16_t server_max_pdu_ = 0;
  uint32_t invocation_counter_ = 0;
  SystemTitle server_system_title_{};
  uint8_t invoke_id_ = 0;
  uint64_t requests_sent_ = 0;
};

// "read-write-denied (3)" etc. as an absl::Status of a fitting code; OK for success.
absl::Status DataAccessResultStatus(DataAccessResult result, std::string_view what);

}  // namespace vmuc::dlms

#endif  // VMUC_DLMS_COSEM_CLIENT_H_
