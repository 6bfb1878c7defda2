#include "meters/cosem/meter_dlms.h"

#include <utility>

#include "common/bytes.h"
#include "common/mix64.h"
#include "common/status.h"
#include "dlms/wrapper.h"

namespace vmuc::meters {
namespace {

// What the meter grants (cosem-object-model.md, "Interoperability"): block transfer with
// GET, SET and ACTION, multiple references, GET, SET, selective access, ACTION; never
// ACCESS.
constexpr uint32_t kMeterConformance =
    dlms::conformance::kBlockTransferWithGet | dlms::conformance::kBlockTransferWithSet |
    dlms::conformance::kBlockTransferWithAction | dlms::conformance::kMultipleReferences |
    dlms::conformance::kGet | dlms::conformance::kSet | dlms::conformance::kSelectiveAccess |
    dlms::conformance::kAction;

}  // namespace

std::vector<dlms::ClientConfig> DefaultDlmsClients() {
  using dlms::AuthenticationMechanism;
  using dlms::ClientRole;
  return {
      {16, ClientRole::kPublic, AuthenticationMechanism::kNone, 1, kMeterConformance},
      {17, ClientRole::kReader, AuthenticationMechanism::kLow, 2, kMeterConformance},
      {1, ClientRole::kManagement, AuthenticationMechanism::kHighGmac, 3, kMeterConformance},
      // The pre-established push association (IDIS): the meter's pushes go out on it; it
      // reads nothing but its own association object.
      {102, ClientRole::kPush, AuthenticationMechanism::kNone, 4,
       dlms::conformance::kGet | dlms::conformance::kDataNotification,
       /*pre_established=*/true},
  };
}

dlms::SystemTitle MeterSystemTitle(std::string_view flag_id, const MeterIdentity& identity) {
  dlms::SystemTitle title{};
  for (size_t i = 0; i < 3 && i < flag_id.size(); ++i) title[i] = static_cast<uint8_t>(flag_id[i]);
  title[3] = 'E';
  for (int i = 0; i < 4; ++i) {
    title[4 + static_cast<size_t>(i)] = static_cast<uint8_t>(identity.serial >> (24 - 8 * i));
  }
  return title;
}

std::vector<uint8_t> EncodeSecurityCounters(const dlms::SecurityCounters& counters) {
  ByteWriter out;
  out.U8(1);
  out.U32(counters.next_outgoing);
  out.U16(static_cast<uint16_t>(counters.last_incoming.size()));
  for (const auto& [title, last] : counters.last_incoming) {
    out.Bytes(title);
    out.U32(last);
  }
  return out.Take();
}

absl::StatusOr<dlms::SecurityCounters> DecodeSecurityCounters(std::span<const uint8_t> bytes) {
  ByteReader in(bytes, "DLMS security state");
  if (in.U8() != 1) return absl::DataLossError("DLMS security state: unknown version");
  dlms::SecurityCounters counters;
  counters.next_outgoing = in.U32();
  const uint16_t clients = in.U16();
  for (uint16_t i = 0; i < clients && in.status().ok(); ++i) {
    dlms::SystemTitle title{};
    for (uint8_t& b : title) b = in.U8();
    counters.last_incoming[title] = in.U32();
  }
  VMUC_RETURN_IF_ERROR(in.status());
  if (in.remaining() != 0) return absl::DataLossError("DLMS security state: trailing bytes");
  return counters;
}

absl::StatusOr<std::unique_ptr<MeterDlmsEndpoint>> MeterDlmsEndpoint::Create(
    const MeterDlmsSetup& setup, Meter& meter, dlms::SecurityCounters counters) {
  VMUC_ASSIGN_OR_RETURN(dlms::MeterKeys keys,
                        setup.keys->KeysFor(meter.core().identity().MeterId()));
  dlms::ServerSecrets secrets{keys.cipher_keys(), keys.kek, keys.lls_password};
  return std::unique_ptr<MeterDlmsEndpoint>(
      new MeterDlmsEndpoint(setup, meter, std::move(secrets), std::move(counters)));
}

MeterDlmsEndpoint::MeterDlmsEndpoint(const MeterDlmsSetup& setup, Meter& meter,
                                     dlms::ServerSecrets secrets, dlms::SecurityCounters counters)
    : directory_(*setup.table, meter),
      // Seeded challenges (design.md: randomness is seeded), distinct per meter and per
      // endpoint lifetime through the counters it starts from.
      challenge_state_(Mix64(meter.core().identity().load_seed ^ counters.next_outgoing)),
      server_(
          dlms::CosemServerOptions{
              .server_sap = kMeterServerSap,
              .system_title = MeterSystemTitle(setup.flag_id, meter.core().identity()),
              .clients = setup.clients,
              .max_pdu_size = setup.max_pdu_size,
              .inactivity_timeout = std::chrono::seconds(120),
              .max_sessions = 8},
          std::move(secrets), directory_,
          [this](std::span<uint8_t> out) {
            for (uint8_t& byte : out) {
              challenge_state_ = Mix64(challenge_state_ + 0x9E3779B97F4A7C15ULL);
              byte = static_cast<uint8_t>(challenge_state_);
            }
          },
          std::move(counters)) {}

std::vector<uint8_t> MeterDlmsEndpoint::OnWrapperPdu(uint64_t session, std::span<const uint8_t> pdu,
                                                     TimePoint now) {
  server_.ExpireIdle(now);
  auto request = dlms::DecodeWrapperPdu(pdu);
  if (!request.ok() || request->destination_wport != kMeterServerSap) return {};
  std::vector<uint8_t> answer = server_.Handle(session, request->source_wport, request->apdu, now);
  if (answer.empty()) return {};
  return dlms::EncodeWrapperPdu({.source_wport = kMeterServerSap,
                                 .destination_wport = request->source_wport,
                                 .apdu = std::move(answer)});
}

}  // namespace vmuc::meters
