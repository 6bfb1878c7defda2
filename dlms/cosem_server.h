// CosemServer: the server side of a COSEM logical device (IEC 62056-5-3 and -6-2; DLMS
// Green Book 9.3 and 9.4), above any transport: HDLC, the wrapper over TCP or over the
// mesh hand it whole APDUs and send back what it returns.
//
// It owns the application associations and their security; the objects themselves live in
// a CosemDirectory (meters/cosem/ implements the meter's). The server:
//   - negotiates associations from the AARQ: lowest security, LLS (password) and HLS
//     mechanism 5 (GMAC) with security suite 0, each allowed to the client SAPs its
//     options name (cosem-object-model.md: public client 16, management client with HLS);
//   - deciphers glo-ciphered and general-glo-ciphering requests, rejects replayed
//     invocation counters, and ciphers its answers the same way;
//   - checks each request against the object list's access rights for the client's role;
//   - runs GET normal / next / with-list with block transfer when an answer is bigger than
//     the client's max PDU, SET normal and with blocks, ACTION;
//   - serves the current association (class 15, 0.0.40.0.0.255, and 0.0.40.0.e.255), the
//     security setup objects (class 64, key transfer with AES key wrap) and the
//     invocation counter objects (0.0.43.1.e.255) itself.
// Anything malformed gets an exception response (or a refused AARE), never a crash; a
// refused association leaves the server as it was, so the next client can associate.
//
// Associations are kept per (transport session, client SAP): one TCP connection relayed by
// the gateway is one session. Not thread-safe: one actor owns a server. Time is passed in.
#ifndef VMUC_DLMS_COSEM_SERVER_H_
#define VMUC_DLMS_COSEM_SERVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/time.h"
#include "dlms/apdu.h"
#include "dlms/axdr.h"
#include "dlms/obis.h"
#include "dlms/security.h"

namespace vmuc::dlms {

// attribute_access_mode and method_access_mode of the object list (IEC 62056-6-2 4.4.3,
// class 15 version 1).
enum class AttributeAccess : uint8_t {
  kNoAccess = 0,
  kReadOnly = 1,
  kWriteOnly = 2,
  kReadWrite = 3,
};
enum class MethodAccess : uint8_t { kNoAccess = 0, kAccess = 1, kAuthenticatedAccess = 2 };

inline bool CanRead(AttributeAccess access) {
  return access == AttributeAccess::kReadOnly || access == AttributeAccess::kReadWrite;
}
inline bool CanWrite(AttributeAccess access) {
  return access == AttributeAccess::kWriteOnly || access == AttributeAccess::kReadWrite;
}

// What a client may do; the directory grants rights per role.
enum class ClientRole : uint8_t {
  kPublic,      // read a few identifying objects, no security
  kReader,      // read everything (LLS)
  kManagement,  // read, write and act on everything (HLS)
  kPush,        // the pre-established push association: nothing interactive
};

// One object as a role sees it in the object list.
struct CosemObject {
  uint16_t class_id = 0;
  uint8_t version = 0;
  Obis logical_name{};
  std::vector<AttributeAccess> attributes{};  // [0] is attribute 1
  std::vector<MethodAccess> methods{};        // [0] is method 1
  // Selectors accepted on attribute 2 (profiles: 1 by range, 2 by entry); empty: none.
  std::vector<uint8_t> attribute_2_selectors{};
};

// The objects of a logical device. Called by the server after it checked access rights.
class CosemDirectory {
 public:
  virtual ~CosemDirectory() = default;
  // Every object `role` may see, in object-list order.
  virtual void ListObjects(ClientRole role,
                           const std::function<void(const CosemObject&)>& visit) const = 0;
  // The object with this class and name as `role` sees it; nullptr if it has none.
  virtual const CosemObject* Find(ClientRole role, uint16_t class_id, const Obis& name) const = 0;
  virtual GetDataResult Get(const AttributeDescriptor& attribute,
                            const std::optional<SelectiveAccess>& access) = 0;
  virtual DataAccessResult Set(const AttributeDescriptor& attribute, const DataValue& value) = 0;
  // The method's result; `return_value` is sent back when set.
  virtual DataAccessResult Action(const MethodDescriptor& method,
                                  const std::optional<DataValue>& parameters,
                                  std::optional<DataValue>& return_value) = 0;
};

// One client SAP the server answers, and how it must authenticate.
struct ClientConfig {
  uint16_t client_sap = 16;
  ClientRole role = ClientRole::kPublic;
  // kNone, kLow (LLS with the secrets' password) or kHighGmac (HLS 5: the AARQ must use
  // the ciphered LN context, and every later APDU must be authenticated and encrypted).
  AuthenticationMechanism mechanism = AuthenticationMechanism::kNone;
  // e of this client's association object 0.0.40.0.e.255 (and of its security setup
  // 0.0.43.0.e.255 and invocation counter 0.0.43.1.e.255 with HLS).
  uint8_t association_instance = 1;
  // The services this client may be granted; the AARE grants this AND what the AARQ
  // proposes (a subset, as common clients require; cosem-object-model.md).
  uint32_t conformance = 0;
  // A pre-established association (Green Book 9.3.2.2): it exists without AARQ, with
  // `conformance` granted, and cannot be released. Lowest security only.
  bool pre_established = false;
};

struct CosemServerOptions {
  uint16_t server_sap = 1;  // the logical device (wrapper wPort, HDLC upper address)
  SystemTitle system_title{};
  std::vector<ClientConfig> clients{};
  // The largest APDU the server receives, and sends (Green Book 9.4.6.2: around 1024 makes
  // clients use block transfer, as real meters of this family do).
  uint16_t max_pdu_size = 1024;
  // An association idle this long is released (HDLC's inactivity timeout covers the link;
  // this covers the wrapper and the mesh, which have no link layer).
  std::chrono::seconds inactivity_timeout{120};
  // At most this many sessions keep associations; the least recently used goes first.
  size_t max_sessions = 8;
};

// What the server proves itself with. Never logged.
struct ServerSecrets {
  CipherKeys keys{};
  Key128 kek{};  // the master key: unwraps transferred keys
  std::string lls_password;
};

// The counters that must survive a restart so that no IV repeats and no replay passes.
struct SecurityCounters {
  uint32_t next_outgoing = 0;
  std::map<SystemTitle, uint32_t> last_incoming{};  // per client system title
};

class CosemServer {
 public:
  // Fills a challenge (StoC) of the given size. Seeded by the owner (design.md: randomness
  // is seeded), so that a run is reproducible.
  using ChallengeSource = std::function<void(std::span<uint8_t>)>;
  // Told after a key transfer changed the secrets (the owner persists them), and after
  // each protected APDU (the owner may persist the counters).
  using SecretsChanged = std::function<void(const ServerSecrets&)>;

  CosemServer(CosemServerOptions options, ServerSecrets secrets, CosemDirectory& directory,
              ChallengeSource challenge, SecurityCounters counters = {});

  // One APDU from `client_sap` on transport `session`: the answer to send back, or empty
  // when there is none (an APDU the server must not answer).
  std::vector<uint8_t> Handle(uint64_t session, uint16_t client_sap, std::span<const uint8_t> apdu,
                              TimePoint now);
  // The transport closed (TCP closed, HDLC DISC): the session's associations end.
  void CloseSession(uint64_t session);
  // Releases associations idle past the inactivity timeout.
  void ExpireIdle(TimePoint now);

  void set_secrets_changed(SecretsChanged callback) { secrets_changed_ = std::move(callback); }
  const SecurityCounters& counters() const { return counters_; }
  const CosemServerOptions& options() const { return options_; }
  size_t association_count() const { return associations_.size(); }
  // Whether `client_sap` on `session` holds a completed association.
  bool IsAssociated(uint64_t session, uint16_t client_sap) const;

  // Statistics for the meter host's observability.
  struct Stats {
    uint64_t apdus = 0;
    uint64_t associations_accepted = 0;
    uint64_t associations_refused = 0;
    uint64_t authentication_failures = 0;
    uint64_t deciphering_failures = 0;
    uint64_t replays_refused = 0;
    uint64_t exception_responses = 0;
  };
  const Stats& stats() const { return stats_; }

 private:
  // How the request being answered arrived; the answer goes back the same way.
  enum class Form : uint8_t { kPlain, kGlo, kGeneralGlo };

  struct Association {
    const ClientConfig* config = nullptr;
    bool authenticated = false;  // false while HLS waits for reply_to_HLS_authentication
    // The LN-with-ciphering context: the HLS client's, every APDU ciphered.
    bool ciphered() const { return config->mechanism == AuthenticationMechanism::kHighGmac; }
    uint32_t conformance = 0;  // granted
    uint16_t client_max_pdu = 0;
    SystemTitle client_system_title{};
    std::vector<uint8_t> stoc;  // the challenge the server sent
    std::vector<uint8_t> ctos;  // the challenge the client sent
    std::vector<CosemObject> own_objects;
    TimePoint last_activity{};
    Form form = Form::kPlain;
    uint8_t security_control = 0;
    // A long GET in progress (block transfer): the encoded answer and how far it went.
    bool get_active = false;
    std::vector<uint8_t> get_data;
    size_t get_offset = 0;
    uint32_t get_block = 0;
    // A long SET in progress.
    std::optional<AttributeDescriptor> set_attribute;
    std::vector<uint8_t> set_data;
    uint32_t set_block = 0;
  };
  using Key = std::pair<uint64_t, uint16_t>;

  std::vector<uint8_t> HandleAarq(const Key& key, std::span<const uint8_t> apdu, TimePoint now);
  std::vector<uint8_t> HandleRelease(const Key& key, const ReleaseRequest& request);
  // A deciphered (or plain) xDLMS request in an association.
  std::vector<uint8_t> HandleRequest(Association& association, const Apdu& request);
  std::vector<uint8_t> HandleGet(Association& association, const Apdu& request);
  std::vector<uint8_t> HandleSet(Association& association, const Apdu& request);
  std::vector<uint8_t> HandleAction(Association& association, const ActionRequestNormal& request);

  GetDataResult GetAttribute(Association& association, const AttributeRequest& request);
  DataAccessResult SetAttribute(Association& association, const AttributeDescriptor& attribute,
                                const DataValue& value);
  // The server's own objects: nullopt when the request is for the directory.
  std::optional<GetDataResult> GetOwn(Association& association, const AttributeDescriptor& attr);
  const CosemObject* FindObject(const Association& association, uint16_t class_id,
                                const Obis& name) const;
  std::vector<CosemObject> OwnObjects(const Association& association) const;
  DataValue ObjectList(const Association& association) const;

  // Sends a response: block transfer if it does not fit, ciphered like the request.
  std::vector<uint8_t> Respond(Association& association, const Apdu& response);
  std::vector<uint8_t> Protect(Association& association, std::vector<uint8_t> plain);
  std::vector<uint8_t> NextGetBlock(Association& association, uint8_t invoke);
  size_t PlainLimit(const Association& association) const;
  std::vector<uint8_t> Exception(StateError state, ServiceError service, uint32_t counter = 0);
  absl::StatusOr<uint32_t> NextCounter();

  const ClientConfig* ClientFor(uint16_t client_sap) const;
  void ApplyKeyTransfer(const DataValue& parameters, DataAccessResult& result);

  CosemServerOptions options_;
  ServerSecrets secrets_;
  CosemDirectory& directory_;
  ChallengeSource challenge_;
  SecurityCounters counters_;
  SecretsChanged secrets_changed_;
  std::map<Key, Association> associations_;
  std::optional<ServerSecrets> pending_secrets_;  // applied after the answer is ciphered
  Stats stats_;
};

}  // namespace vmuc::dlms

#endif  // VMUC_DLMS_COSEM_SERVER_H_
