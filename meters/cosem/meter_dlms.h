// MeterDlmsEndpoint: one virtual meter's DLMS/COSEM server on its radio interface
// (docs/dlms.md): the CosemServer of dlms/ over the meter's object model
// (meter_directory.h), fed with wrapper PDUs (IEC 62056-47) that the collector relays over
// the mesh, one transport session per client connection.
//
// A fleet of a million meters cannot keep a server per meter: the actor makes an endpoint
// on the first session frame and drops it once no association is left, keeping only the
// security counters (so no invocation counter is ever reused, nor a replay accepted).
// Used on the meter's actor thread only.
#ifndef VMUC_METERS_COSEM_METER_DLMS_H_
#define VMUC_METERS_COSEM_METER_DLMS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dlms/cosem_server.h"
#include "dlms/key_store.h"
#include "meters/cosem/meter_directory.h"
#include "meters/meter.h"

namespace vmuc::meters {

// The meter's one logical device: the management logical device, server SAP 1.
inline constexpr uint16_t kMeterServerSap = 1;

// Client SAPs and what they may do (cosem-object-model.md; docs/dlms.md):
//   16 public      no security    reads the logical device name, meter number, clock
//   17 reader      LLS            reads everything
//    1 management  HLS-GMAC, suite 0 (ciphered)   reads, sets the clock, acts
//  102 push        pre-established, no security   the pushes' association
std::vector<dlms::ClientConfig> DefaultDlmsClients();

// The meter's system title (cosem-object-model.md, "Conventions"): the FLAG id, 'E', then
// the low 32 bits of the meter number.
dlms::SystemTitle MeterSystemTitle(std::string_view flag_id, const MeterIdentity& identity);

// Where a meter's security counters outlive the process (docs/dlms.md, "Invocation
// counters"). Called on the meters' shard threads: an implementation serialises itself.
class DlmsCounterStore {
 public:
  virtual ~DlmsCounterStore() = default;
  virtual absl::StatusOr<std::optional<dlms::SecurityCounters>> Load(uint64_t serial) = 0;
  virtual absl::Status Save(uint64_t serial, const dlms::SecurityCounters& counters) = 0;
};

// The stored form: version (1) | next outgoing counter (4) | n (2) | n x (client system
// title (8) | last accepted counter (4)), big-endian. Decode gives DataLoss naming what
// does not fit.
std::vector<uint8_t> EncodeSecurityCounters(const dlms::SecurityCounters& counters);
absl::StatusOr<dlms::SecurityCounters> DecodeSecurityCounters(std::span<const uint8_t> bytes);

// Outgoing counters are reserved in blocks: the store holds the end of the block in use,
// so a meter host killed mid-session resumes above every counter it may have sent and
// never repeats an IV (Green Book 9.2.7.2).
inline constexpr uint32_t kCounterReservation = 4096;

// What every meter of a host shares. Not owned; must outlive the actors.
struct MeterDlmsSetup {
  const MeterObjectTable* table = nullptr;
  const dlms::KeyStore* keys = nullptr;
  DlmsCounterStore* counters = nullptr;  // nullptr: counters live in memory only
  std::string flag_id = "KAM";
  std::vector<dlms::ClientConfig> clients = DefaultDlmsClients();
  uint16_t max_pdu_size = 1024;
};

class MeterDlmsEndpoint {
 public:
  // NotFound/InvalidArgument when the key store has no keys for this meter.
  static absl::StatusOr<std::unique_ptr<MeterDlmsEndpoint>> Create(const MeterDlmsSetup& setup,
                                                                   Meter& meter,
                                                                   dlms::SecurityCounters counters);

  // One wrapper PDU from the collector; the answer as a wrapper PDU, or empty for none
  // (a PDU for another logical device, or one that does not decode).
  std::vector<uint8_t> OnWrapperPdu(uint64_t session, std::span<const uint8_t> pdu, TimePoint now);
  // True once no association is left (after releases and inactivity timeouts).
  bool idle() const { return server_.association_count() == 0; }
  const dlms::SecurityCounters& counters() const { return server_.counters(); }
  const dlms::CosemServer& server() const { return server_; }

 private:
  MeterDlmsEndpoint(const MeterDlmsSetup& setup, Meter& meter, dlms::ServerSecrets secrets,
                    dlms::SecurityCounters counters);

  MeterDirectory directory_;
  uint64_t challenge_state_;
  dlms::CosemServer server_;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_COSEM_METER_DLMS_H_
