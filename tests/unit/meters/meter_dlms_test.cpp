#include "meters/cosem/meter_dlms.h"

#include <gtest/gtest.h>

#include <map>

#include "dlms/cosem_client.h"
#include "dlms/wrapper.h"
#include "meters/actor/meter_actor.h"
#include "meters/fleet.h"

namespace vmuc::meters {
namespace {

using namespace std::chrono_literals;

const TimePoint kEpoch = TimePoint(std::chrono::sys_days(std::chrono::year(2027) / 1 / 1));

TEST(MeterDlmsTest, SecurityCountersRoundTripAndBadBytesAreNamed) {
  dlms::SecurityCounters counters;
  counters.next_outgoing = 0x01020304;
  counters.last_incoming[{1, 2, 3, 4, 5, 6, 7, 8}] = 77;
  counters.last_incoming[{9, 9, 9, 9, 9, 9, 9, 9}] = 0xFFFFFFFE;
  const auto bytes = EncodeSecurityCounters(counters);
  auto decoded = DecodeSecurityCounters(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->next_outgoing, counters.next_outgoing);
  EXPECT_EQ(decoded->last_incoming, counters.last_incoming);

  auto truncated = DecodeSecurityCounters(std::span(bytes).first(bytes.size() - 1));
  EXPECT_EQ(truncated.status().code(), absl::StatusCode::kDataLoss);
  auto version = DecodeSecurityCounters(std::vector<uint8_t>{2, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(version.status().code(), absl::StatusCode::kDataLoss);
}

TEST(MeterDlmsTest, SystemTitleIsTheFlagIdThenEThenTheSerial) {
  MeterIdentity identity;
  identity.serial = 0x0102030405;
  EXPECT_EQ(MeterSystemTitle("KAM", identity),
            (dlms::SystemTitle{'K', 'A', 'M', 'E', 0x02, 0x03, 0x04, 0x05}));
}

// An in-memory counter store that sees every save.
class MemoryCounters : public DlmsCounterStore {
 public:
  absl::StatusOr<std::optional<dlms::SecurityCounters>> Load(uint64_t serial) override {
    auto it = saved_.find(serial);
    if (it == saved_.end()) return std::optional<dlms::SecurityCounters>();
    return std::optional<dlms::SecurityCounters>(it->second);
  }
  absl::Status Save(uint64_t serial, const dlms::SecurityCounters& counters) override {
    saved_[serial] = counters;
    ++saves_;
    return absl::OkStatus();
  }
  std::map<uint64_t, dlms::SecurityCounters> saved_;
  int saves_ = 0;
};

// Runs an actor's frames synchronously: what it sends comes back to the test.
class DirectContext : public ActorContext {
 public:
  TimePoint Now() const override { return now; }
  TimerId ScheduleAt(TimePoint, Task) override { return 0; }
  bool Cancel(TimerId) override { return false; }
  void Send(Frame frame) override { sent.push_back(std::move(frame)); }
  TimePoint now = kEpoch + 24h;
  std::vector<Frame> sent;
};

// A CosemClient transport into an actor, as the collector relays one session.
class ActorTransport : public dlms::ClientTransport {
 public:
  ActorTransport(MeterActor& actor, DirectContext& context, uint16_t client_sap)
      : actor_(actor), context_(context), client_sap_(client_sap) {}
  absl::StatusOr<std::vector<uint8_t>> Exchange(std::span<const uint8_t> request) override {
    Frame frame;
    frame.source = kCollectorNode;
    frame.destination = actor_.core().identity().node;
    frame.kind = PayloadKind::kDlmsWrapper;
    frame.session = 5;
    frame.payload =
        dlms::EncodeWrapperPdu({.source_wport = client_sap_,
                                .destination_wport = kMeterServerSap,
                                .apdu = std::vector<uint8_t>(request.begin(), request.end())});
    context_.sent.clear();
    actor_.OnFrame(frame);
    if (context_.sent.empty()) return absl::UnavailableError("no answer");
    auto pdu = dlms::DecodeWrapperPdu(context_.sent.back().payload);
    if (!pdu.ok()) return pdu.status();
    return pdu->apdu;
  }

 private:
  MeterActor& actor_;
  DirectContext& context_;
  uint16_t client_sap_;
};

TEST(MeterDlmsTest, ARestartedMeterNeverReusesAnOutgoingCounterNorTakesAReplay) {
  const MeterObjectTable table{MeterCosemInfo{}};
  const dlms::KeyStore keys = dlms::KeyStore::Derived(std::vector<uint8_t>(16, 7), "12345678");
  MemoryCounters counters;
  MeterDlmsSetup setup{.table = &table, .keys = &keys, .counters = &counters};
  const MeterIdentity identity = FleetMeter(FleetSection(), 3);
  auto meter_keys = keys.KeysFor(identity.MeterId());
  ASSERT_TRUE(meter_keys.ok());
  const dlms::ClientOptions options{.client_sap = 1,
                                    .mechanism = dlms::AuthenticationMechanism::kHighGmac,
                                    .system_title = {'T', 'E', 'S', 'T', 0, 0, 0, 1},
                                    .keys = meter_keys->cipher_keys()};

  DirectContext context;
  std::vector<uint8_t> captured_request;
  uint32_t counter_after = 0;
  {
    MeterActor actor(identity, kEpoch, 15min, context);
    actor.EnableDlms(&setup);
    ActorTransport transport(actor, context, 1);
    dlms::CosemClient client(options, transport);
    ASSERT_TRUE(client.Associate().ok());
    ASSERT_TRUE(client.Get({3, dlms::Obis(1, 1, 1, 8, 0, 255), 2}).ok());
    // While the session is open the store holds a reservation above every used counter.
    ASSERT_EQ(counters.saved_.count(identity.serial), 1u);
    EXPECT_GE(counters.saved_[identity.serial].next_outgoing, kCounterReservation);
    counter_after = client.next_invocation_counter();
    // Killed here: no release, nothing saved at a session end.
  }
  {
    MeterActor restarted(identity, kEpoch, 15min, context);
    restarted.EnableDlms(&setup);
    ActorTransport transport(restarted, context, 1);
    dlms::ClientOptions again = options;
    again.invocation_counter = 0;  // a replay of the first AARQ's counter
    const absl::Status replayed = dlms::CosemClient(again, transport).Associate();
    EXPECT_EQ(replayed.code(), absl::StatusCode::kPermissionDenied) << replayed;
    again.invocation_counter = counter_after;
    dlms::CosemClient client(again, transport);
    ASSERT_TRUE(client.Associate().ok());
    // The server's counters went on from the reservation: its AARE's IC was >= 4096.
    ASSERT_TRUE(client.Release().ok());
    EXPECT_GE(counters.saved_[identity.serial].next_outgoing, kCounterReservation + 2);
  }
}

}  // namespace
}  // namespace vmuc::meters
