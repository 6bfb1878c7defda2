// libFuzzer target: the whole COSEM server (dlms/cosem_server.h) over a real meter's object
// model (meters/cosem/meter_directory.h), as a client on any transport reaches it.
//
// Input: a sequence of records, each
//   selector (1) | length (2, big-endian) | APDU (length bytes; fewer if the input ends)
// where the selector picks
//   bits 0..2  the client SAP: 16 public, 17 reader (LLS), 1 management (HLS), 99 unknown,
//              102 the pre-established push association, then 16, 17, 1 again;
//   bit 3      the transport session (1 or 2);
//   bit 4      close the session after the APDU (TCP closed, HDLC DISC);
//   bits 5..7  how far time moves before the APDU, in steps of 40 s (the associations
//              expire after 120 s idle).
// Each input runs against a fresh server and a fresh copy of one meter, so that a crash
// reproduces from its input alone.
//
// Oracle (cosem_server.h: "anything malformed gets an exception response (or a refused
// AARE), never a crash"): Handle always returns, and whatever it returns is empty or an
// APDU a client decodes: plain, glo-ciphered or general-glo-ciphered under the server's
// keys.
//
// Besides the ref-* files (dlms-wire-examples.md), the seed corpora of all six targets are
// real sessions recorded from dlms::CosemClient against this harness (public reads, LLS reads with
// block transfer and selective access, HLS with clock set, shift_time and a key transfer,
// refusals), written as each layer carried them: server records, plain and ciphered APDUs,
// the Data values inside, wrapper streams and HDLC streams (replayed through HdlcClientLink
// and HdlcServerLink). Regenerate them after a change of the wire format with
//   VMUC_FUZZ_WRITE_SEEDS=tests/fuzz/corpus build/fuzz/bin/cosem_server_fuzzer
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "common/check.h"
#include "common/config.h"
#include "common/time.h"
#include "dlms/apdu.h"
#include "dlms/cosem_client.h"
#include "dlms/cosem_date_time.h"
#include "dlms/cosem_server.h"
#include "dlms/hdlc.h"
#include "dlms/hdlc_link.h"
#include "dlms/security.h"
#include "dlms/wrapper.h"
#include "meters/cosem/meter_directory.h"
#include "meters/cosem/meter_dlms.h"
#include "meters/fleet.h"
#include "meters/meter.h"

namespace vmuc::meters {
namespace {

using namespace std::chrono_literals;

constexpr std::array<uint16_t, 8> kSaps = {16, 17, 1, 99, 102, 16, 17, 1};
const dlms::CipherKeys kKeys{{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
                             {21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36},
                             std::nullopt};
const dlms::Key128 kKek = {41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56};
const dlms::SystemTitle kClientTitle = {'V', 'M', 'U', 'C', 0, 0, 0, 1};
constexpr char kPassword[] = "secret12";

// What every input starts from: one meter three days after installation (a load profile
// of some 300 entries, events, billing), and its object model.
struct World {
  World()
      : meter(FleetMeter(FleetSection(), 5), FleetSection().epoch),
        table(MeterCosemInfo{}),
        server_title(MeterSystemTitle(table.info().flag_id, meter.core().identity())) {
    meter.AdvanceTo(FleetSection().epoch + 3 * 24h + 7h + 5min);
  }
  Meter meter;
  MeterObjectTable table;
  dlms::SystemTitle server_title;
};

const World& TheWorld() {
  static const World* world = new World();
  return *world;
}

// One fresh server over a copy of the meter.
class Harness {
 public:
  Harness()
      : meter_(TheWorld().meter),
        directory_(TheWorld().table, meter_),
        secrets_{kKeys, kKek, kPassword},
        server_(dlms::CosemServerOptions{.server_sap = kMeterServerSap,
                                         .system_title = TheWorld().server_title,
                                         .clients = DefaultDlmsClients(),
                                         .max_pdu_size = 1024},
                secrets_, directory_,
                [](std::span<uint8_t> out) { std::fill(out.begin(), out.end(), 0x5C); }),
        now_(meter_.time()) {
    server_.set_secrets_changed([this](const dlms::ServerSecrets& secrets) { secrets_ = secrets; });
  }

  std::vector<uint8_t> Handle(uint8_t selector, std::span<const uint8_t> apdu) {
    const uint16_t sap = kSaps[selector & 0x07];
    const uint64_t session = (selector & 0x08) != 0 ? 2 : 1;
    now_ += (selector >> 5) * 40s;
    server_.ExpireIdle(now_);
    const dlms::CipherKeys keys_before = secrets_.keys;
    std::vector<uint8_t> response = server_.Handle(session, sap, apdu, now_);
    if (!response.empty()) CheckResponse(response, keys_before);
    if ((selector & 0x10) != 0) server_.CloseSession(session);
    return response;
  }

  const dlms::CosemServer::Stats& stats() const { return server_.stats(); }

 private:
  // A client must be able to read every answer: deciphered with the keys in force when the
  // request came (a key transfer's own answer) or after it.
  void CheckResponse(std::span<const uint8_t> response, const dlms::CipherKeys& keys_before) {
    const std::array<const dlms::CipherKeys*, 2> candidates = {&keys_before, &secrets_.keys};
    std::optional<std::vector<uint8_t>> plain;
    if (response[0] == dlms::kGeneralGloCipheringTag) {
      for (const dlms::CipherKeys* keys : candidates) {
        if (auto deciphered = dlms::GeneralGloDecipher(response, *keys); deciphered.ok()) {
          plain = deciphered->apdu;
          break;
        }
      }
      VMUC_CHECK(plain.has_value(), "a general-glo-ciphered answer does not decipher");
    } else if (dlms::PlainTagFor(response[0]).ok()) {
      const dlms::SystemTitle& title = TheWorld().server_title;
      for (const dlms::CipherKeys* keys : candidates) {
        if (auto deciphered = dlms::DecodeGloCiphered(response, title, *keys); deciphered.ok()) {
          plain = deciphered->apdu;
          break;
        }
      }
      VMUC_CHECK(plain.has_value(), "a glo-ciphered answer does not decipher");
    } else {
      plain.emplace(response.begin(), response.end());
    }
    auto apdu = dlms::DecodeApdu(*plain);
    if (!apdu.ok()) {
      std::fprintf(stderr, "undecodable answer: %s\n", apdu.status().ToString().c_str());
    }
    VMUC_CHECK(apdu.ok(), "the server answered with an APDU a client cannot decode");
  }

  Meter meter_;
  MeterDirectory directory_;
  dlms::ServerSecrets secrets_;
  dlms::CosemServer server_;
  TimePoint now_;
};

// ---- seed sessions (VMUC_FUZZ_WRITE_SEEDS) ---------------------------------------------

// One request and the server's answer, as a client on the selector's SAP saw them.
struct Exchange {
  uint8_t selector = 0;
  std::vector<uint8_t> request;
  std::vector<uint8_t> response;
};
using Exchanges = std::vector<Exchange>;

// Hands each request to the harness and records the exchange.
class Recorder : public dlms::ClientTransport {
 public:
  Recorder(Harness& harness, uint8_t selector, Exchanges& exchanges)
      : harness_(harness), selector_(selector), exchanges_(exchanges) {}
  absl::StatusOr<std::vector<uint8_t>> Exchange(std::span<const uint8_t> request) override {
    std::vector<uint8_t> response = harness_.Handle(selector_, request);
    exchanges_.push_back({selector_, {request.begin(), request.end()}, response});
    return response;
  }

 private:
  Harness& harness_;
  uint8_t selector_;
  Exchanges& exchanges_;
};

uint8_t SelectorFor(uint16_t sap) {
  return static_cast<uint8_t>(std::find(kSaps.begin(), kSaps.end(), sap) - kSaps.begin());
}

std::unique_ptr<dlms::CosemClient> Client(Recorder& recorder, uint16_t sap,
                                          dlms::AuthenticationMechanism mechanism,
                                          std::string password = "") {
  return std::make_unique<dlms::CosemClient>(dlms::ClientOptions{.client_sap = sap,
                                                                 .mechanism = mechanism,
                                                                 .password = std::move(password),
                                                                 .system_title = kClientTitle,
                                                                 .keys = kKeys},
                                             recorder);
}

// Seed files go under one corpus root, a directory per fuzz target; identical seeds once.
class SeedWriter {
 public:
  explicit SeedWriter(std::string root) : root_(std::move(root)) {}
  void Write(const std::string& target, const std::string& name, std::span<const uint8_t> bytes) {
    if (bytes.empty() || !written_.insert({target, {bytes.begin(), bytes.end()}}).second) return;
    const std::string path = root_ + "/" + target + "/" + name;
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    VMUC_CHECK(out.good(), "cannot write a seed (does the target's corpus directory exist?)");
  }

 private:
  std::string root_;
  std::set<std::pair<std::string, std::vector<uint8_t>>> written_;
};

// The plain APDU of one that travelled glo- or general-glo-ciphered from `sender`, or the
// APDU itself; `ciphered` tells which.
std::vector<uint8_t> Plain(std::span<const uint8_t> apdu, const dlms::SystemTitle& sender,
                           bool& ciphered) {
  ciphered = false;
  if (apdu.empty()) return {};
  absl::StatusOr<dlms::UnprotectedApdu> plain = absl::NotFoundError("plain");
  if (apdu[0] == dlms::kGeneralGloCipheringTag) {
    plain = dlms::GeneralGloDecipher(apdu, kKeys);
  } else if (dlms::PlainTagFor(apdu[0]).ok()) {
    plain = dlms::DecodeGloCiphered(apdu, sender, kKeys);
  } else {
    return {apdu.begin(), apdu.end()};
  }
  ciphered = true;
  return plain.ok() ? plain->apdu : std::vector<uint8_t>();
}

// The Data values an APDU carries, and the user-information of AARQ and AARE.
void Collect(const dlms::Apdu& apdu, std::vector<dlms::DataValue>& data,
             std::vector<std::vector<uint8_t>>& user_information) {
  using dlms::DataAccessResult;
  if (const auto* get = std::get_if<dlms::GetRequestNormal>(&apdu)) {
    if (get->request.access) data.push_back(get->request.access->parameters);
  } else if (const auto* got = std::get_if<dlms::GetResponseNormal>(&apdu)) {
    if (got->result.result == DataAccessResult::kSuccess) data.push_back(got->result.data);
  } else if (const auto* list = std::get_if<dlms::GetResponseWithList>(&apdu)) {
    for (const auto& result : list->results) {
      if (result.result == DataAccessResult::kSuccess) data.push_back(result.data);
    }
  } else if (const auto* set = std::get_if<dlms::SetRequestNormal>(&apdu)) {
    data.push_back(set->value);
  } else if (const auto* action = std::get_if<dlms::ActionRequestNormal>(&apdu)) {
    if (action->parameters) data.push_back(*action->parameters);
  } else if (const auto* acted = std::get_if<dlms::ActionResponseNormal>(&apdu)) {
    if (acted->return_parameters) data.push_back(acted->return_parameters->data);
  } else if (const auto* aarq = std::get_if<dlms::Aarq>(&apdu)) {
    user_information.push_back(aarq->user_information);
  } else if (const auto* aare = std::get_if<dlms::Aare>(&apdu)) {
    user_information.push_back(aare->user_information);
  }
}

// The session again over HDLC (IEC 62056-46): a client link per SAP, the meter's server
// link in front of a fresh server, and the bytes that went each way.
void ReplayOverHdlc(const Exchanges& exchanges, std::vector<uint8_t>& to_server,
                    std::vector<uint8_t>& to_client) {
  Harness harness;
  dlms::HdlcServerLink server(dlms::HdlcServerLink::Options{});
  std::unique_ptr<dlms::HdlcClientLink> client;
  uint8_t selector = 0;
  const TimePoint now = TheWorld().meter.time();
  // Moves frames between the links until both are quiet.
  const auto pump = [&](const dlms::HdlcLinkOutput& from_client) {
    std::vector<uint8_t> bytes = from_client.Bytes();
    for (int round = 0; round < 1000 && !bytes.empty(); ++round) {
      to_server.insert(to_server.end(), bytes.begin(), bytes.end());
      dlms::HdlcLinkOutput at_server = server.OnBytes(bytes, now);
      for (const auto& apdu : at_server.Apdus()) {
        const std::vector<uint8_t> response = harness.Handle(selector, apdu);
        if (response.empty()) {
          at_server.Append(server.NoResponse());
        } else if (auto sent = server.SendApdu(response); sent.ok()) {
          at_server.Append(*std::move(sent));
        }
      }
      const std::vector<uint8_t> back = at_server.Bytes();
      to_client.insert(to_client.end(), back.begin(), back.end());
      bytes = client->OnBytes(back).Bytes();
    }
  };
  for (const Exchange& exchange : exchanges) {
    if (client == nullptr || exchange.selector != selector) {
      selector = exchange.selector;
      dlms::HdlcClientLink::Options options;
      options.client_address = dlms::HdlcAddress::Client(static_cast<uint8_t>(kSaps[selector & 7]));
      client = std::make_unique<dlms::HdlcClientLink>(options);
      if (auto snrm = client->Connect(); snrm.ok()) pump(*snrm);
    }
    if (auto sent = client->SendApdu(exchange.request); sent.ok()) pump(*sent);
  }
  if (client != nullptr) {
    if (auto disc = client->Disconnect(); disc.ok()) pump(*disc);
  }
}

// One recorded session as seeds of every layer it went through.
void WriteSession(SeedWriter& seeds, const std::string& name, const Exchanges& exchanges) {
  std::vector<uint8_t> records;
  std::vector<uint8_t> wrapper_requests;
  std::vector<uint8_t> wrapper_responses;
  std::vector<uint8_t> blocks;  // the raw data of a GET with block transfer
  for (size_t i = 0; i < exchanges.size(); ++i) {
    const Exchange& exchange = exchanges[i];
    const uint16_t sap = kSaps[exchange.selector & 7];
    records.push_back(exchange.selector);
    records.push_back(static_cast<uint8_t>(exchange.request.size() >> 8));
    records.push_back(static_cast<uint8_t>(exchange.request.size()));
    records.insert(records.end(), exchange.request.begin(), exchange.request.end());
    dlms::AppendWrapperPdu({sap, kMeterServerSap, exchange.request}, wrapper_requests);
    if (!exchange.response.empty()) {
      dlms::AppendWrapperPdu({kMeterServerSap, sap, exchange.response}, wrapper_responses);
    }
    const std::string prefix = name + "-" + std::to_string(i);
    for (const auto& [suffix, bytes, sender] :
         {std::tuple{"-request", &exchange.request, kClientTitle},
          std::tuple{"-response", &exchange.response, TheWorld().server_title}}) {
      bool ciphered = false;
      const std::vector<uint8_t> plain = Plain(*bytes, sender, ciphered);
      if (ciphered) seeds.Write("security", prefix + suffix, *bytes);
      seeds.Write("apdu", prefix + suffix, plain);
      auto apdu = dlms::DecodeApdu(plain);
      if (!apdu.ok()) continue;
      std::vector<dlms::DataValue> data;
      std::vector<std::vector<uint8_t>> user_information;
      Collect(*apdu, data, user_information);
      for (size_t k = 0; k < data.size(); ++k) {
        seeds.Write("axdr", prefix + suffix + "-" + std::to_string(k), dlms::EncodeData(data[k]));
      }
      for (const auto& information : user_information) {
        seeds.Write("apdu", prefix + suffix + "-initiate", information);
        if (!information.empty() && information[0] != dlms::kInitiateRequestTag &&
            information[0] != dlms::kInitiateResponseTag) {
          seeds.Write("security", prefix + suffix + "-initiate", information);
        }
      }
      if (const auto* block = std::get_if<dlms::GetResponseWithDataBlock>(&*apdu)) {
        blocks.insert(blocks.end(), block->raw_data.begin(), block->raw_data.end());
        if (block->last_block) {
          seeds.Write("axdr", prefix + "-blocks", blocks);
          blocks.clear();
        }
      }
    }
  }
  seeds.Write("cosem_server", name, records);
  seeds.Write("wrapper", name, wrapper_requests);
  seeds.Write("wrapper", name + "-responses", wrapper_responses);
  std::vector<uint8_t> hdlc_to_server;
  std::vector<uint8_t> hdlc_to_client;
  ReplayOverHdlc(exchanges, hdlc_to_server, hdlc_to_client);
  seeds.Write("hdlc", name, hdlc_to_server);
  seeds.Write("hdlc", name + "-responses", hdlc_to_client);
}

using Session = std::function<void(Harness&, Exchanges&)>;

void WriteSeeds(const std::string& root) {
  SeedWriter seeds(root);
  using dlms::AuthenticationMechanism;
  using dlms::DataValue;
  using dlms::Obis;
  const Obis kClock(0, 0, 1, 0, 0, 255);
  const Obis kProfile(1, 1, 99, 1, 0, 255);
  const std::vector<std::pair<std::string, Session>> sessions = {
      {"public_reads",
       [&](Harness& h, Exchanges& r) {
         Recorder rec(h, SelectorFor(16), r);
         auto c = Client(rec, 16, AuthenticationMechanism::kNone);
         (void)c->Associate();
         (void)c->Get({1, Obis(0, 0, 42, 0, 0, 255), 2});
         (void)c->Get({1, Obis(1, 1, 0, 0, 5, 255), 2});
         (void)c->Get({8, kClock, 2});
         (void)c->Get({3, Obis(1, 1, 1, 8, 0, 255), 2});  // refused to the public client
         (void)c->Get({15, Obis(0, 0, 40, 0, 0, 255), 2});
         (void)c->Release();
       }},
      {"reader_object_list",
       [&](Harness& h, Exchanges& r) {
         Recorder rec(h, SelectorFor(17), r);
         auto c = Client(rec, 17, AuthenticationMechanism::kLow, kPassword);
         (void)c->Associate();
         (void)c->Get({15, Obis(0, 0, 40, 0, 0, 255), 2});  // block transfer, GET next
         (void)c->Release();
       }},
      {"reader_registers",
       [&](Harness& h, Exchanges& r) {
         Recorder rec(h, SelectorFor(17), r);
         auto c = Client(rec, 17, AuthenticationMechanism::kLow, kPassword);
         (void)c->Associate();
         (void)c->Get({3, Obis(1, 1, 1, 8, 0, 255), 2});
         (void)c->Get({3, Obis(1, 1, 1, 8, 0, 255), 3});
         (void)c->Get({3, Obis(1, 1, 32, 7, 0, 255), 2});
         (void)c->GetList({{{3, Obis(1, 1, 1, 8, 1, 255), 2}, std::nullopt},
                           {{3, Obis(1, 1, 1, 8, 2, 255), 2}, std::nullopt},
                           {{8, kClock, 2}, std::nullopt}});
         (void)c->Set({8, kClock, 2}, DataValue::Unsigned(1));  // refused to the reader
         (void)c->Release();
       }},
      {"reader_profile_selective",
       [&](Harness& h, Exchanges& r) {
         Recorder rec(h, SelectorFor(17), r);
         auto c = Client(rec, 17, AuthenticationMechanism::kLow, kPassword);
         (void)c->Associate();
         const auto bound = [](TimePoint t) {
           return DataValue::OctetString(dlms::EncodeDateTime(t, dlms::kMeterDateTimeOptions));
         };
         const TimePoint now = TheWorld().meter.time();
         const DataValue range = DataValue::Structure(
             {DataValue::Structure({DataValue::LongUnsigned(8), DataValue::ObisCode(kClock),
                                    DataValue::Integer(2), DataValue::LongUnsigned(0)}),
              bound(now - 3h), bound(now - 1h), DataValue::Array({})});
         (void)c->Get({7, kProfile, 2}, dlms::SelectiveAccess{1, range});
         (void)c->Get(
             {7, kProfile, 2},
             dlms::SelectiveAccess{
                 2, DataValue::Structure(
                        {DataValue::DoubleLongUnsigned(5), DataValue::DoubleLongUnsigned(7),
                         DataValue::LongUnsigned(1), DataValue::LongUnsigned(3)})});
         (void)c->Get({7, kProfile, 3});
         (void)c->Get({7, kProfile, 7});
         (void)c->Release();
       }},
      {"management_hls",
       [&](Harness& h, Exchanges& r) {
         Recorder rec(h, SelectorFor(1), r);
         auto c = Client(rec, 1, AuthenticationMechanism::kHighGmac);
         (void)c->Associate();
         (void)c->Get({8, kClock, 2});
         (void)c->Get({1, Obis(0, 0, 43, 1, 3, 255), 2});
         (void)c->Set({8, kClock, 2},
                      DataValue::OctetString(dlms::EncodeDateTime(TheWorld().meter.time() + 1h,
                                                                  dlms::kMeterDateTimeOptions)));
         (void)c->Action({8, kClock, 6}, DataValue::Long(60));  // shift_time
         (void)c->Get({15, Obis(0, 0, 40, 0, 0, 255), 2});
         // key_transfer of the same authentication key: the secrets change and stay equal.
         auto wrapped = dlms::WrapKey(kKek, kKeys.authentication_key);
         if (wrapped.ok()) {
           (void)c->Action({64, Obis(0, 0, 43, 0, 3, 255), 2},
                           DataValue::Array({DataValue::Structure(
                               {DataValue::Enum(2), DataValue::OctetString(std::vector<uint8_t>(
                                                        wrapped->begin(), wrapped->end()))})}));
         }
         (void)c->Release();
       }},
      {"refusals",
       [&](Harness& h, Exchanges& r) {
         Recorder wrong(h, SelectorFor(17), r);
         (void)Client(wrong, 17, AuthenticationMechanism::kLow, "wrong")->Associate();
         Recorder unknown(h, SelectorFor(99), r);
         (void)Client(unknown, 99, AuthenticationMechanism::kNone)->Associate();
         Recorder push(h, SelectorFor(102), r);
         auto c = Client(push, 102, AuthenticationMechanism::kNone);
         (void)c->Get({15, Obis(0, 0, 40, 0, 0, 255), 1});
         Recorder unassociated(h, SelectorFor(16), r);
         (void)Client(unassociated, 16, AuthenticationMechanism::kNone)
             ->Get({1, Obis(0, 0, 42, 0, 0, 255), 2});
       }},
  };
  for (const auto& [name, run] : sessions) {
    Harness harness;
    Exchanges exchanges;
    run(harness, exchanges);
    const auto& stats = harness.stats();
    std::fprintf(stderr,
                 "%s: %llu APDUs, %llu associations accepted, %llu refused, %llu exception "
                 "responses\n",
                 name.c_str(), static_cast<unsigned long long>(stats.apdus),
                 static_cast<unsigned long long>(stats.associations_accepted),
                 static_cast<unsigned long long>(stats.associations_refused),
                 static_cast<unsigned long long>(stats.exception_responses));
    WriteSession(seeds, name, exchanges);
  }
}

}  // namespace
}  // namespace vmuc::meters

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  (void)vmuc::meters::TheWorld();
  if (const char* dir = std::getenv("VMUC_FUZZ_WRITE_SEEDS")) {
    vmuc::meters::WriteSeeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vmuc::meters::Harness harness;
  size_t at = 0;
  while (at < size) {
    const uint8_t selector = data[at++];
    size_t length = 0;
    for (int i = 0; i < 2 && at < size; ++i) length = (length << 8) | data[at++];
    length = std::min(length, size - at);
    (void)harness.Handle(selector, std::span<const uint8_t>(data + at, length));
    at += length;
  }
  return 0;
}
