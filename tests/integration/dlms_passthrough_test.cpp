// The DLMS pass-through end to end, with the real processes: vmuc starts its broker, the
// mesh, the meter host and the gateway; this test is a DLMS client on the network. Over
// the wrapper (TCP 4059-style) and over HDLC (TCP), at all three security levels (public
// client without security, LLS reader, HLS-GMAC management client), it reads a meter
// and checks every value against a meter core computed here for the same instant,
// including the whole load profile read by range. A wrong password, a wrong key and a
// replayed invocation counter are refused, and the next client still gets in.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "common/config.h"
#include "common/net.h"
#include "dlms/cosem_client.h"
#include "dlms/hdlc_link.h"
#include "dlms/key_store.h"
#include "dlms/wrapper.h"
#include "meters/cosem/meter_dlms.h"
#include "meters/fleet.h"
#include "meters/meter.h"
#include "tests/integration/test_process.h"
#include "tests/support/dlms_tcp.h"
#include "vmuc/v1/gateway.grpc.pb.h"

namespace vmuc {
namespace {

using namespace std::chrono_literals;
using dlms::AuthenticationMechanism;
using dlms::DataValue;
using dlms::Obis;
using testing::TestProcess;

constexpr uint32_t kMeters = 3;
constexpr NodeAddress kNode = 2;  // the fleet's second meter

using testing::TcpConnection;

// IEC 62056-47 over TCP: the destination wPort is the meter's node address.
class WrapperTransport : public testing::WrapperTcpTransport {
 public:
  WrapperTransport(TcpConnection connection, uint16_t client_sap)
      : WrapperTcpTransport(std::move(connection), client_sap, kNode) {}
};

// IEC 62056-46 over TCP: the lower server address is the meter's node address.
class HdlcTransport : public dlms::ClientTransport {
 public:
  HdlcTransport(TcpConnection connection, uint16_t client_sap)
      : connection_(std::move(connection)),
        link_({.client_address = dlms::HdlcAddress::Client(static_cast<uint8_t>(client_sap)),
               .server_address = dlms::HdlcAddress::Server(1, kNode, 4)}) {}

  absl::Status Connect() {
    auto out = link_.Connect();
    if (!out.ok()) return out.status();
    auto events = Run(std::move(*out), dlms::HdlcLinkEvent::Kind::kConnected);
    return events.status();
  }
  absl::StatusOr<std::vector<uint8_t>> Exchange(std::span<const uint8_t> request) override {
    auto out = link_.SendApdu(request);
    if (!out.ok()) return out.status();
    return Run(std::move(*out), dlms::HdlcLinkEvent::Kind::kApdu);
  }

 private:
  // Writes what the link produced and feeds it the answers until `wanted` happens.
  absl::StatusOr<std::vector<uint8_t>> Run(dlms::HdlcLinkOutput out,
                                           dlms::HdlcLinkEvent::Kind wanted) {
    while (true) {
      if (auto status = connection_.Write(out.Bytes()); !status.ok()) return status;
      for (auto& event : out.events) {
        if (event.kind == wanted) return std::move(event.apdu);
        if (event.kind == dlms::HdlcLinkEvent::Kind::kDisconnected) {
          return absl::UnavailableError("HDLC link went down");
        }
      }
      auto bytes = connection_.ReadSome(buffer_);
      if (!bytes.ok()) return bytes.status();
      out = link_.OnBytes(*bytes);
    }
  }

  TcpConnection connection_;
  dlms::HdlcClientLink link_;
  std::vector<uint8_t> buffer_ = std::vector<uint8_t>(4096);
};

class DlmsPassthroughTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = temp_.path();
    auto grpc_port = PickFreeLoopbackPort();
    auto wrapper_port = PickFreeLoopbackPort();
    auto hdlc_port = PickFreeLoopbackPort();
    ASSERT_TRUE(grpc_port.ok() && wrapper_port.ok() && hdlc_port.ok());
    wrapper_port_ = *wrapper_port;
    hdlc_port_ = *hdlc_port;
    grpc_address_ = "127.0.0.1:" + std::to_string(*grpc_port);
    const std::string config_path = dir + "/vmuc.toml";
    std::ofstream(config_path) << "[gateway]\nname = \"dlms\"\n"
                               << "grpc_listen = \"127.0.0.1:" << *grpc_port << "\"\n"
                               << "data_dir = \"" << dir << "/var\"\n"
                               << "[dlms]\nwrapper_listen = \"127.0.0.1:" << wrapper_port_
                               << "\"\nhdlc_listen = \"127.0.0.1:" << hdlc_port_ << "\"\n"
                               << "[time]\nmode = \"simulated\"\n"
                               << "start = 2026-03-01T00:00:00Z\nspeed = 1\n"
                               << "[fleet]\nmeters = " << kMeters << "\nseed = 11\n"
                               << "epoch = 2026-02-20T00:00:00Z\npush_interval_s = 5\n"
                               << "shards = 1\n";
    auto config = LoadConfigFile(config_path);
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = *config;
    auto setup = meters::FleetSetup(config_.fleet);
    ASSERT_TRUE(setup.ok()) << setup.status();
    setup_ = *std::move(setup);

    vmuc_.emplace(
        *TestProcess::Start({VMUC_BIN_DIR "/vmuc", "--config", config_path}, dir + "/vmuc.log"));
    ASSERT_TRUE(testing::WaitUntil(
        [&] { return std::filesystem::exists(config_.DlmsKeyStorePath()); }, 30s))
        << testing::ReadFile(dir + "/vmuc.log");
    auto keys = dlms::KeyStore::LoadFile(config_.DlmsKeyStorePath());
    ASSERT_TRUE(keys.ok()) << keys.status();
    auto meter_keys = keys->KeysFor(Identity().MeterId());
    ASSERT_TRUE(meter_keys.ok());
    keys_ = *meter_keys;
    // Up once a public association with the meter succeeds: every process is attached.
    ASSERT_TRUE(testing::WaitUntil(
        [&] {
          auto connection = TcpConnection::Open(wrapper_port_);
          if (!connection.ok()) return false;
          // A request sent before the meter host attached is dropped by the mesh: ask again.
          connection->set_timeout(500ms);
          WrapperTransport transport(std::move(*connection), 16);
          dlms::CosemClient client({.client_sap = 16}, transport);
          return client.Associate().ok() && client.Release().ok();
        },
        60s))
        << testing::ReadFile(dir + "/vmuc.log");
  }

  void TearDown() override {
    if (vmuc_) {
      vmuc_->Signal(SIGTERM);
      EXPECT_EQ(vmuc_->WaitFor(30s), 0);
    }
    if (HasFailure()) std::cerr << testing::ReadFile(temp_.path() + "/vmuc.log");
  }

  meters::MeterIdentity Identity() const { return meters::FleetMeter(config_.fleet, kNode - 1); }

  // The meter as vmuc-meterd runs it, computed here up to `at`.
  meters::Meter MeterAt(TimePoint at) const {
    meters::Meter meter(Identity(), config_.fleet.epoch, setup_->options(), setup_->pulse_input(),
                        setup_->billing(), setup_->load_profile(), setup_->analysis_log(),
                        setup_->debit_log_2());
    meter.AdvanceTo(at);
    return meter;
  }

  dlms::ClientOptions Options(uint16_t client_sap) const {
    dlms::ClientOptions options{.client_sap = client_sap};
    if (client_sap == 17) {
      options.mechanism = AuthenticationMechanism::kLow;
      options.password = keys_.lls_password;
    } else if (client_sap == 1) {
      options.mechanism = AuthenticationMechanism::kHighGmac;
      options.system_title = {'V', 'M', 'U', 'C', 'T', 'E', 'S', 'T'};
      options.keys = keys_.cipher_keys();
      options.invocation_counter = next_counter_;
    }
    return options;
  }

  // Reads the meter through `transport` as `client_sap` and checks it against the core.
  void ReadAndCheck(dlms::ClientTransport& transport, uint16_t client_sap) {
    SCOPED_TRACE(::testing::Message() << "client " << client_sap);
    dlms::CosemClient client(Options(client_sap), transport);
    ASSERT_TRUE(client.Associate().ok());
    auto id = client.Get({1, Obis(1, 1, 0, 0, 5, 255), 2});
    ASSERT_TRUE(id.ok()) << id.status();
    EXPECT_EQ(*id->AsString(), Identity().MeterId());
    if (client_sap == 16) {
      auto clock = client.Get({8, Obis(0, 0, 1, 0, 0, 255), 2});
      ASSERT_TRUE(clock.ok()) << clock.status();
      EXPECT_GE(*clock->AsDateTime(), config_.time.start);
      EXPECT_EQ(client.Get({3, Obis(1, 1, 1, 8, 0, 255), 2}).status().code(),
                absl::StatusCode::kNotFound);  // not the public client's
    } else {
      // Clock and registers in one request: one instant.
      auto values = client.GetList({{{8, Obis(0, 0, 1, 0, 0, 255), 2}, std::nullopt},
                                    {{3, Obis(1, 1, 1, 8, 0, 255), 2}, std::nullopt},
                                    {{3, Obis(1, 1, 2, 8, 0, 255), 2}, std::nullopt},
                                    {{3, Obis(1, 1, 3, 8, 0, 255), 2}, std::nullopt},
                                    {{3, Obis(1, 1, 21, 8, 0, 255), 2}, std::nullopt},
                                    {{3, Obis(1, 1, 1, 8, 1, 255), 2}, std::nullopt}});
      ASSERT_TRUE(values.ok()) << values.status();
      for (const auto& value : *values) ASSERT_EQ(value.result, dlms::DataAccessResult::kSuccess);
      const TimePoint at = *(*values)[0].data.AsDateTime();
      const meters::Meter meter = MeterAt(at);
      const meters::RegisterSet total = meter.core().registers().total();
      EXPECT_EQ(*(*values)[1].data.AsUint64(), total.wh(meters::kActiveImport));
      EXPECT_EQ(*(*values)[2].data.AsUint64(), total.wh(meters::kActiveExport));
      EXPECT_EQ(*(*values)[3].data.AsUint64(), total.reactive_import_varh());
      EXPECT_EQ(*(*values)[4].data.AsUint64(), meter.core().active_import_wh(0));
      EXPECT_EQ(*(*values)[5].data.AsUint64(), meter.core().registers().active_import_tariff[0] /
                                                   meters::kMilliUnitSecondsPerUnitHour);

      // The whole load profile, by range from the epoch to that instant.
      const auto bound = [](TimePoint t) {
        return DataValue::OctetString(dlms::EncodeDateTime(t, dlms::kMeterDateTimeOptions));
      };
      const DataValue range = DataValue::Structure(
          {DataValue::Structure({DataValue::LongUnsigned(8),
                                 DataValue::ObisCode(Obis(0, 0, 1, 0, 0, 255)),
                                 DataValue::Integer(2), DataValue::LongUnsigned(0)}),
           bound(config_.fleet.epoch), bound(at), DataValue::Array({})});
      auto profile = client.Get({7, Obis(1, 1, 99, 1, 0, 255), 2}, dlms::SelectiveAccess{1, range});
      ASSERT_TRUE(profile.ok()) << profile.status();
      const auto rows = *profile->AsArray();
      const auto entries = meter.load_profile()->entries();
      ASSERT_GT(entries.size(), 800u);  // 9 days of 15-minute periods
      ASSERT_EQ(rows.size(), entries.size());
      for (size_t i = 0; i < rows.size(); ++i) {
        const auto row = *rows[i].AsStructure();
        ASSERT_EQ(row.size(), 2u + entries[i].channels) << "entry " << i;
        EXPECT_EQ(*row[0].AsDateTime(), entries[i].at) << "entry " << i;
        EXPECT_EQ(*row[1].AsUint64(), entries[i].status) << "entry " << i;
        for (uint8_t c = 0; c < entries[i].channels; ++c) {
          EXPECT_EQ(*row[2 + c].AsUint64(), entries[i].values[c]) << "entry " << i;
        }
      }
    }
    next_counter_ = client.next_invocation_counter();
    EXPECT_TRUE(client.Release().ok());
  }

  testing::TempDir temp_;
  Config config_;
  std::unique_ptr<meters::MeterSetup> setup_;
  std::optional<TestProcess> vmuc_;
  std::string grpc_address_;
  uint16_t wrapper_port_ = 0;
  uint16_t hdlc_port_ = 0;
  dlms::MeterKeys keys_;
  uint32_t next_counter_ = 0;
};

TEST_F(DlmsPassthroughTest, ReadsTheMeterOverTheWrapperAtAllThreeSecurityLevels) {
  for (uint16_t client_sap : {16, 17, 1}) {
    auto connection = TcpConnection::Open(wrapper_port_);
    ASSERT_TRUE(connection.ok()) << connection.status();
    WrapperTransport transport(std::move(*connection), client_sap);
    ReadAndCheck(transport, client_sap);
  }
}

TEST_F(DlmsPassthroughTest, ReadsTheMeterOverHdlcAtAllThreeSecurityLevels) {
  for (uint16_t client_sap : {16, 17, 1}) {
    auto connection = TcpConnection::Open(hdlc_port_);
    ASSERT_TRUE(connection.ok()) << connection.status();
    HdlcTransport transport(std::move(*connection), client_sap);
    ASSERT_TRUE(transport.Connect().ok());
    ReadAndCheck(transport, client_sap);
  }
}

TEST_F(DlmsPassthroughTest, WrongPasswordWrongKeyAndReplayAreRefusedAndTheNextClientGetsIn) {
  {
    auto connection = TcpConnection::Open(wrapper_port_);
    WrapperTransport transport(std::move(*connection), 17);
    dlms::ClientOptions options = Options(17);
    options.password = "not-it";
    const absl::Status refused = dlms::CosemClient(options, transport).Associate();
    EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied);
    EXPECT_NE(refused.message().find("authentication-failure"), std::string::npos) << refused;
  }
  {
    auto connection = TcpConnection::Open(wrapper_port_);
    WrapperTransport transport(std::move(*connection), 1);
    dlms::ClientOptions options = Options(1);
    options.keys.unicast_key[3] ^= 0x40;
    const absl::Status refused = dlms::CosemClient(options, transport).Associate();
    EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied);
    EXPECT_NE(refused.message().find("0/6"), std::string::npos) << refused;  // deciphering-error
  }
  {
    auto connection = TcpConnection::Open(wrapper_port_);
    WrapperTransport transport(std::move(*connection), 1);
    dlms::CosemClient client(Options(1), transport);
    ASSERT_TRUE(client.Associate().ok());
    ASSERT_TRUE(client.Get({3, Obis(1, 1, 1, 8, 0, 255), 2}).ok());
    // The same ciphered GET again, invocation counter and all.
    const std::vector<uint8_t> replay = transport.last_request();
    auto answer = transport.Exchange(replay);
    ASSERT_TRUE(answer.ok()) << answer.status();
    auto decoded = dlms::DecodeApdu(*answer);
    ASSERT_TRUE(decoded.ok());
    ASSERT_TRUE(std::holds_alternative<dlms::ExceptionResponse>(*decoded));
    EXPECT_EQ(std::get<dlms::ExceptionResponse>(*decoded).service_error,
              dlms::ServiceError::kInvocationCounterError);
    // The association goes on with the next counter.
    auto again = client.Get({3, Obis(1, 1, 1, 8, 0, 255), 2});
    EXPECT_TRUE(again.ok()) << again.status();
    next_counter_ = client.next_invocation_counter();
    EXPECT_TRUE(client.Release().ok());
  }
  auto connection = TcpConnection::Open(wrapper_port_);
  WrapperTransport transport(std::move(*connection), 17);
  ReadAndCheck(transport, 17);
}

TEST_F(DlmsPassthroughTest, GatewayReadsTheMeterLiveOverDlmsForItsApi) {
  auto stub =
      v1::Gateway::NewStub(grpc::CreateChannel(grpc_address_, grpc::InsecureChannelCredentials()));
  // The gateway reads meters it has heard from: wait for the first push.
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        grpc::ClientContext context;
        v1::GetMeterRequest request;
        request.set_meter_id(Identity().MeterId());
        v1::Meter meter;
        return stub->GetMeter(&context, request, &meter).ok();
      },
      30s));
  for (int round = 0; round < 2; ++round) {  // the second reuses the learnt counter
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 20s);
    v1::ReadRegistersRequest request;
    request.set_meter_id(Identity().MeterId());
    request.set_live(true);
    for (const char* code : {"1.1.1.8.0.255", "1.1.32.7.0.255", "1.1.1.6.0.255"}) {
      request.add_obis(code);
    }
    v1::ReadRegistersResponse response;
    const grpc::Status status = stub->ReadRegisters(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.registers_size(), 3);
    const TimePoint at =
        TimePoint(std::chrono::seconds(response.registers(0).captured_at().seconds()));
    const meters::Meter meter = MeterAt(at);
    EXPECT_EQ(response.registers(0).value(),
              static_cast<int64_t>(meter.core().registers().total().wh(meters::kActiveImport)));
    EXPECT_EQ(response.registers(0).unit_symbol(), "Wh");
    EXPECT_EQ(response.registers(1).scaler(), -1);
    EXPECT_EQ(response.registers(1).value(), meter.core().grid().voltage_mv[0] / 100);
    EXPECT_EQ(response.registers(2).value(),
              meter.core().demand().peaks[meters::kPeakActiveImport].value);
  }
  // A live read names its registers.
  grpc::ClientContext context;
  v1::ReadRegistersRequest request;
  request.set_meter_id(Identity().MeterId());
  request.set_live(true);
  v1::ReadRegistersResponse response;
  EXPECT_EQ(stub->ReadRegisters(&context, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace vmuc
