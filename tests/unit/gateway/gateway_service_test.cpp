// The vmuc.v1 API over a real gRPC channel on loopback, backed by a real SQLite file.
#include "gateway/api/gateway_service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <thread>

#include "common/clock.h"
#include "common/net.h"
#include "common/version.h"
#include "radio_mesh/link_hub.h"
#include "tests/integration/test_process.h"

namespace vmuc::gateway {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'767'225'600));

class GatewayServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = *Store::Open(dir_.path() + "/vmuc.db");
    service_ = std::make_unique<GatewayService>(*store_, hub_);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    stub_ = v1::Gateway::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                     grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(std::chrono::system_clock::now() + 1s); }

  // Stores one reading of `meter` and its event, as the collector does.
  void AddReading(const std::string& meter, TimePoint at, int64_t value) {
    ReadingBatch batch{meter, 3, at, {{"1.1.1.8.0.255", value, 0, 30, at}}};
    auto events = [](const ReadingBatch& b, const Store::Stored& stored) {
      return std::vector<std::string>{
          ReadingsEventOf(b.meter_id, stored.new_registers).SerializeAsString()};
    };
    ASSERT_TRUE(store_->StoreBatches({batch}, events).ok());
    hub_.Notify();
  }

  // Entry i of the profile stored by AddProfile: every value is a function of i.
  static ProfileRecord ProfileRow(int i) {
    ProfileRecord row;
    row.captured_at = kT0 + i * 15min;
    row.status = static_cast<uint32_t>(i % 256);
    row.channels = {"1.1.1.8.0.255", "1.1.2.8.0.255"};
    row.values = {static_cast<uint32_t>(i * 7), 4'000'000'000u - static_cast<uint32_t>(i)};
    if (i >= kChannelsChangeAt) {
      row.channels.push_back("1.1.3.8.0.255");
      row.values.push_back(static_cast<uint32_t>(i));
    }
    row.read_back = i % 10 == 3;
    return row;
  }
  static constexpr int kProfileRows = 2500;
  static constexpr int kChannelsChangeAt = 2400;  // a third channel from here on

  void AddProfile(const std::string& meter) {
    ProfileBatch batch{meter, 900, {}};
    for (int i = 0; i < kProfileRows; ++i) batch.rows.push_back(ProfileRow(i));
    auto stored = store_->StoreProfile(batch);
    ASSERT_TRUE(stored.ok()) << stored.status();
    ASSERT_EQ(*stored, static_cast<size_t>(kProfileRows));
  }

  static void SetTime(google::protobuf::Timestamp* timestamp, TimePoint t, int32_t nanos = 0) {
    timestamp->set_seconds(ToUnixSeconds(t));
    timestamp->set_nanos(nanos);
  }

  // The whole answer of a ReadLoadProfile call.
  grpc::Status ReadProfile(const v1::ReadLoadProfileRequest& request,
                           std::vector<v1::LoadProfileChunk>* chunks) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 30s);
    auto reader = stub_->ReadLoadProfile(&context, request);
    v1::LoadProfileChunk chunk;
    while (reader->Read(&chunk)) chunks->push_back(chunk);
    return reader->Finish();
  }

  vmuc::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  EventHub hub_;
  std::unique_ptr<GatewayService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Gateway::Stub> stub_;
};

TEST_F(GatewayServiceTest, ListsGetsAndReads) {
  AddReading("5700000000000002", kT0, 10);
  AddReading("5700000000000001", kT0, 20);
  AddReading("5700000000000001", kT0 + 15min, 25);

  grpc::ClientContext list_context;
  v1::ListMetersRequest list_request;
  list_request.set_page_size(1);
  v1::ListMetersResponse listed;
  ASSERT_TRUE(stub_->ListMeters(&list_context, list_request, &listed).ok());
  ASSERT_EQ(listed.meters_size(), 1);
  EXPECT_EQ(listed.meters(0).meter_id(), "5700000000000001");
  EXPECT_EQ(listed.next_page_token(), "5700000000000001");

  grpc::ClientContext get_context;
  v1::GetMeterRequest get_request;
  get_request.set_meter_id("5700000000000001");
  v1::Meter meter;
  ASSERT_TRUE(stub_->GetMeter(&get_context, get_request, &meter).ok());
  EXPECT_EQ(meter.frames_received(), 2u);
  EXPECT_EQ(meter.node_address(), 3u);

  grpc::ClientContext read_context;
  v1::ReadRegistersRequest read_request;
  read_request.set_meter_id("5700000000000001");
  v1::ReadRegistersResponse read;
  ASSERT_TRUE(stub_->ReadRegisters(&read_context, read_request, &read).ok());
  ASSERT_EQ(read.registers_size(), 1);
  EXPECT_EQ(read.registers(0).value(), 25);
  EXPECT_EQ(read.registers(0).unit_symbol(), "Wh");
  EXPECT_EQ(read.registers(0).captured_at().seconds(), 1'767'225'600 + 900);
}

TEST_F(GatewayServiceTest, BadRequestsNameTheField) {
  grpc::ClientContext c1;
  v1::GetMeterRequest get_request;
  get_request.set_meter_id("12ab");
  v1::Meter meter;
  grpc::Status status = stub_->GetMeter(&c1, get_request, &meter);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("meter_id: ", 0), 0u) << status.error_message();

  grpc::ClientContext c2;
  get_request.set_meter_id("5700000000000099");
  status = stub_->GetMeter(&c2, get_request, &meter);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  AddReading("5700000000000001", kT0, 1);
  grpc::ClientContext c3;
  v1::ReadRegistersRequest read_request;
  read_request.set_meter_id("5700000000000001");
  read_request.add_obis("1.1.1.8.0.255");
  read_request.add_obis("1.1.1.8.0.256");
  v1::ReadRegistersResponse read;
  status = stub_->ReadRegisters(&c3, read_request, &read);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("obis[1]: ", 0), 0u) << status.error_message();

  grpc::ClientContext c4;
  v1::ListMetersRequest list_request;
  list_request.set_page_size(-1);
  v1::ListMetersResponse listed;
  status = stub_->ListMeters(&c4, list_request, &listed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("page_size: ", 0), 0u);
}

TEST_F(GatewayServiceTest, StreamEventsReplaysThenFollowsAndResumes) {
  for (int i = 0; i < 3; ++i) AddReading("5700000000000001", kT0 + i * 1min, i);

  // Backlog only.
  grpc::ClientContext backlog_context;
  v1::StreamEventsRequest backlog_request;
  backlog_request.set_no_follow(true);
  auto backlog = stub_->StreamEvents(&backlog_context, backlog_request);
  std::vector<uint64_t> sequences;
  v1::Event event;
  while (backlog->Read(&event)) sequences.push_back(event.sequence());
  EXPECT_TRUE(backlog->Finish().ok());
  EXPECT_EQ(sequences, (std::vector<uint64_t>{1, 2, 3}));

  // Resume after 2 and follow: gets 3 at once, then 4 and 5 as they are stored.
  grpc::ClientContext follow_context;
  v1::StreamEventsRequest follow_request;
  follow_request.set_after_sequence(2);
  auto follow = stub_->StreamEvents(&follow_context, follow_request);
  ASSERT_TRUE(follow->Read(&event));
  EXPECT_EQ(event.sequence(), 3u);
  std::thread producer([&] {
    AddReading("5700000000000001", kT0 + 10min, 10);
    AddReading("5700000000000001", kT0 + 11min, 11);
  });
  ASSERT_TRUE(follow->Read(&event));
  EXPECT_EQ(event.sequence(), 4u);
  ASSERT_TRUE(follow->Read(&event));
  EXPECT_EQ(event.sequence(), 5u);
  EXPECT_EQ(event.readings().registers(0).value(), 11);
  producer.join();
  follow_context.TryCancel();
  while (follow->Read(&event)) {
  }
  EXPECT_EQ(follow->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(GatewayServiceTest, MeshCallsSayWhyTheyCannotBeAnswered) {
  // No link to vmuc-mesh at all.
  grpc::ClientContext context;
  v1::MeshTopology topology;
  EXPECT_EQ(stub_->GetMeshTopology(&context, {}, &topology).error_code(),
            grpc::StatusCode::UNAVAILABLE);

  // A mesh in pass-through mode: a MeshLink server without the MeshControl service.
  radio_mesh::LinkHub hub;
  const std::string socket = dir_.path() + "/mesh.sock";
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + socket, grpc::InsecureServerCredentials());
  builder.RegisterService(&hub);
  auto mesh = builder.BuildAndStart();
  ASSERT_NE(mesh, nullptr);
  service_->set_mesh_control(
      grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials()));
  grpc::ClientContext passthrough;
  const grpc::Status status = stub_->GetMeshTopology(&passthrough, {}, &topology);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("passthrough"), std::string::npos)
      << status.error_message();

  // A fault without an action is refused before anything is asked.
  grpc::ClientContext fault_context;
  v1::InjectMeshFaultResponse applied;
  const grpc::Status refused = stub_->InjectMeshFault(&fault_context, v1::MeshFault(), &applied);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(refused.error_message().find("action"), std::string::npos);
  mesh->Shutdown(std::chrono::system_clock::now() + 1s);
}

TEST_F(GatewayServiceTest, ReadLoadProfileStreamsTheRangeInChunksWithExactValues) {
  AddReading("5700000000000001", kT0, 1);
  AddProfile("5700000000000001");
  // From half a second before entry 100 (so entry 100 is the first) to entry 2450, exactly:
  // three store pages, and a new chunk where the channels change at 2400.
  v1::ReadLoadProfileRequest request;
  request.set_meter_id("5700000000000001");
  SetTime(request.mutable_from_time(), kT0 + 100 * 15min - 1s, 500'000'000);
  SetTime(request.mutable_to_time(), kT0 + 2450 * 15min);
  std::vector<v1::LoadProfileChunk> chunks;
  const grpc::Status status = ReadProfile(request, &chunks);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<int> sizes;
  for (const auto& chunk : chunks) sizes.push_back(chunk.entries_size());
  EXPECT_EQ(sizes, (std::vector<int>{1000, 1000, 300, 51}));

  int i = 100;
  for (const v1::LoadProfileChunk& chunk : chunks) {
    const ProfileRecord first = ProfileRow(i);
    ASSERT_EQ(std::vector<std::string>(chunk.channels().begin(), chunk.channels().end()),
              first.channels);
    for (const v1::LoadProfileEntry& entry : chunk.entries()) {
      const ProfileRecord row = ProfileRow(i);
      ASSERT_EQ(entry.captured_at().seconds(), ToUnixSeconds(row.captured_at)) << i;
      ASSERT_EQ(entry.captured_at().nanos(), 0);
      ASSERT_EQ(entry.status(), row.status) << i;
      ASSERT_EQ(std::vector<int64_t>(entry.values().begin(), entry.values().end()),
                std::vector<int64_t>(row.values.begin(), row.values.end()))
          << i;
      ASSERT_EQ(entry.read_back(), row.read_back) << i;
      ++i;
    }
  }
  EXPECT_EQ(i, 2451);
  EXPECT_EQ(chunks[0].entries(3).values(1), 3'999'999'897);  // 4 000 000 000 - 103
  EXPECT_TRUE(chunks[0].entries(3).read_back());

  // One instant: the entry on it alone. A range before the profile: no chunk at all.
  chunks.clear();
  SetTime(request.mutable_from_time(), kT0 + 7 * 15min);
  SetTime(request.mutable_to_time(), kT0 + 7 * 15min);
  ASSERT_TRUE(ReadProfile(request, &chunks).ok());
  ASSERT_EQ(chunks.size(), 1u);
  ASSERT_EQ(chunks[0].entries_size(), 1);
  EXPECT_EQ(chunks[0].entries(0).values(0), 49);
  chunks.clear();
  SetTime(request.mutable_from_time(), kT0 - 24h);
  SetTime(request.mutable_to_time(), kT0 - 1s);
  ASSERT_TRUE(ReadProfile(request, &chunks).ok());
  EXPECT_TRUE(chunks.empty());
}

TEST_F(GatewayServiceTest, ReadLoadProfileStopsWhenTheClientCancels) {
  // Ten years of quarter hours in 351 chunks: far more than gRPC's windows hold, so the
  // stream is still running when the client cancels.
  constexpr int kRows = 350'400;
  AddReading("5700000000000001", kT0, 1);
  ProfileBatch batch{"5700000000000001", 900, {}};
  for (int i = 0; i < kRows; ++i) {
    batch.rows.push_back({kT0 + i * 15min, 0, {"1.1.1.8.0.255"}, {static_cast<uint32_t>(i)}});
  }
  ASSERT_TRUE(store_->StoreProfile(batch).ok());
  v1::ReadLoadProfileRequest request;
  request.set_meter_id("5700000000000001");
  SetTime(request.mutable_from_time(), kT0);
  SetTime(request.mutable_to_time(), kT0 + kRows * 15min);
  grpc::ClientContext context;
  auto reader = stub_->ReadLoadProfile(&context, request);
  v1::LoadProfileChunk chunk;
  ASSERT_TRUE(reader->Read(&chunk));
  EXPECT_EQ(chunk.entries_size(), 1000);
  context.TryCancel();
  int more = 0;
  while (reader->Read(&chunk)) ++more;
  EXPECT_LT(more, 349);  // only what was already on its way
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(GatewayServiceTest, ReadLoadProfileRefusesBadRequestsNamingTheField) {
  AddReading("5700000000000001", kT0, 1);
  auto refused = [&](const v1::ReadLoadProfileRequest& request) {
    std::vector<v1::LoadProfileChunk> chunks;
    grpc::Status status = ReadProfile(request, &chunks);
    EXPECT_TRUE(chunks.empty());
    return status;
  };
  v1::ReadLoadProfileRequest good;
  good.set_meter_id("5700000000000001");
  SetTime(good.mutable_from_time(), kT0);
  SetTime(good.mutable_to_time(), kT0 + 1h);

  struct Case {
    std::function<void(v1::ReadLoadProfileRequest&)> spoil;
    grpc::StatusCode code;
    std::string message;
  };
  const Case cases[] = {
      {[](auto& r) { r.set_meter_id("57000000000000x1"); }, grpc::StatusCode::INVALID_ARGUMENT,
       "meter_id: '57000000000000x1' is not a 16-digit meter number"},
      {[](auto& r) { r.set_meter_id("5700000000000099"); }, grpc::StatusCode::NOT_FOUND,
       "meter_id: no meter 5700000000000099"},
      {[](auto& r) { r.clear_from_time(); }, grpc::StatusCode::INVALID_ARGUMENT,
       "from_time: required"},
      {[](auto& r) { r.clear_to_time(); }, grpc::StatusCode::INVALID_ARGUMENT, "to_time: required"},
      {[](auto& r) { r.mutable_to_time()->set_nanos(1'000'000'000); },
       grpc::StatusCode::INVALID_ARGUMENT,
       "to_time: not a valid time stamp (seconds 1767229200, nanos 1000000000)"},
      {[](auto& r) { r.mutable_from_time()->set_seconds(253'402'300'800); },
       grpc::StatusCode::INVALID_ARGUMENT,
       "from_time: not a valid time stamp (seconds 253402300800, nanos 0)"},
      {[](auto& r) { r.mutable_to_time()->set_seconds(r.from_time().seconds() - 1); },
       grpc::StatusCode::INVALID_ARGUMENT, "to_time: is before from_time"},
      {[](auto& r) {
         r.mutable_to_time()->set_seconds(r.from_time().seconds());
         r.mutable_from_time()->set_nanos(1);
       },
       grpc::StatusCode::INVALID_ARGUMENT, "to_time: is before from_time"},
  };
  for (const Case& c : cases) {
    v1::ReadLoadProfileRequest request = good;
    c.spoil(request);
    const grpc::Status status = refused(request);
    EXPECT_EQ(status.error_code(), c.code) << c.message;
    EXPECT_EQ(status.error_message(), c.message);
  }
  EXPECT_TRUE(refused(good).ok());  // the meter has no profile: an empty stream
}

// Period i of AddBilling: ends on day i after kT0; a counter, A+ in Wh, and the P+ maximum,
// reached (with its time) on even days only.
BillingPeriodRecord BillingPeriodOf(int i) {
  const TimePoint end = kT0 + i * 24h;
  return {.captured_at = end,
          .values = {{"0.0.0.1.0.255", i, 0, 255, std::nullopt},
                     {"1.1.1.8.0.255", 4'000'000'000LL + i, 0, 30, std::nullopt},
                     {"1.1.1.6.0.255", i % 2 == 0 ? 3000 + i : 0, 0, 27,
                      i % 2 == 0 ? std::optional<TimePoint>(end - 17h) : std::nullopt}}};
}

TEST_F(GatewayServiceTest, ReadBillingPeriodsStreamsEachPeriodInTheRangeWithExactValues) {
  AddReading("5700000000000001", kT0, 1);
  BillingBatch batch{.meter_id = "5700000000000001", .periods = {}};
  for (int i = 0; i < 250; ++i) batch.periods.push_back(BillingPeriodOf(i));
  ASSERT_EQ(*store_->StoreBillingPeriods(batch), 250u);

  auto read = [&](TimePoint from, int32_t from_nanos, TimePoint to,
                  std::vector<v1::BillingPeriod>* periods) {
    v1::ReadBillingPeriodsRequest request;
    request.set_meter_id("5700000000000001");
    SetTime(request.mutable_from_time(), from, from_nanos);
    SetTime(request.mutable_to_time(), to);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 30s);
    auto reader = stub_->ReadBillingPeriods(&context, request);
    v1::BillingPeriod period;
    while (reader->Read(&period)) periods->push_back(period);
    return reader->Finish();
  };
  // From just before period 10 to period 230 exactly: three store pages.
  std::vector<v1::BillingPeriod> periods;
  ASSERT_TRUE(read(kT0 + 10 * 24h - 1s, 1, kT0 + 230 * 24h, &periods).ok());
  ASSERT_EQ(periods.size(), 221u);
  for (int i = 10; i <= 230; ++i) {
    const v1::BillingPeriod& period = periods[static_cast<size_t>(i - 10)];
    const TimePoint end = kT0 + i * 24h;
    ASSERT_EQ(period.captured_at().seconds(), ToUnixSeconds(end)) << i;
    ASSERT_EQ(period.registers_size(), 3) << i;
    EXPECT_EQ(period.registers(0).obis(), "0.0.0.1.0.255");
    EXPECT_EQ(period.registers(0).value(), i);
    EXPECT_EQ(period.registers(1).value(), 4'000'000'000LL + i);
    EXPECT_EQ(period.registers(1).unit_symbol(), "Wh");
    EXPECT_EQ(period.registers(1).captured_at().seconds(), ToUnixSeconds(end));
    EXPECT_EQ(period.registers(2).unit_symbol(), "W");
    if (i % 2 == 0) {
      EXPECT_EQ(period.registers(2).value(), 3000 + i);
      EXPECT_EQ(period.registers(2).captured_at().seconds(), ToUnixSeconds(end - 17h));
    } else {
      EXPECT_FALSE(period.registers(2).has_captured_at()) << i;  // never reached
    }
  }
  // One instant; a range before the first period: nothing.
  periods.clear();
  ASSERT_TRUE(read(kT0 + 7 * 24h, 0, kT0 + 7 * 24h, &periods).ok());
  ASSERT_EQ(periods.size(), 1u);
  EXPECT_EQ(periods[0].registers(0).value(), 7);
  periods.clear();
  ASSERT_TRUE(read(kT0 - 24h, 0, kT0 - 1s, &periods).ok());
  EXPECT_TRUE(periods.empty());
}

TEST_F(GatewayServiceTest, ReadBillingPeriodsRefusesBadRequestsNamingTheField) {
  AddReading("5700000000000001", kT0, 1);
  auto refused = [&](const v1::ReadBillingPeriodsRequest& request) {
    grpc::ClientContext context;
    auto reader = stub_->ReadBillingPeriods(&context, request);
    v1::BillingPeriod period;
    EXPECT_FALSE(reader->Read(&period));
    return reader->Finish();
  };
  v1::ReadBillingPeriodsRequest good;
  good.set_meter_id("5700000000000001");
  SetTime(good.mutable_from_time(), kT0);
  SetTime(good.mutable_to_time(), kT0 + 24h);
  struct Case {
    std::function<void(v1::ReadBillingPeriodsRequest&)> spoil;
    grpc::StatusCode code;
    std::string message;
  };
  const Case cases[] = {
      {[](auto& r) { r.set_meter_id("570000000000001"); }, grpc::StatusCode::INVALID_ARGUMENT,
       "meter_id: '570000000000001' is not a 16-digit meter number"},
      {[](auto& r) { r.set_meter_id("5700000000000099"); }, grpc::StatusCode::NOT_FOUND,
       "meter_id: no meter 5700000000000099"},
      {[](auto& r) { r.clear_from_time(); }, grpc::StatusCode::INVALID_ARGUMENT,
       "from_time: required"},
      {[](auto& r) { r.clear_to_time(); }, grpc::StatusCode::INVALID_ARGUMENT, "to_time: required"},
      {[](auto& r) { r.mutable_from_time()->set_nanos(-1); }, grpc::StatusCode::INVALID_ARGUMENT,
       "from_time: not a valid time stamp (seconds 1767225600, nanos -1)"},
      {[](auto& r) { r.mutable_to_time()->set_seconds(r.from_time().seconds() - 1); },
       grpc::StatusCode::INVALID_ARGUMENT, "to_time: is before from_time"},
  };
  for (const Case& c : cases) {
    v1::ReadBillingPeriodsRequest request = good;
    c.spoil(request);
    const grpc::Status status = refused(request);
    EXPECT_EQ(status.error_code(), c.code) << c.message;
    EXPECT_EQ(status.error_message(), c.message);
  }
  EXPECT_TRUE(refused(good).ok());  // no period stored: an empty stream

  // With tokens configured, a call without one is refused before anything else is looked at.
  const ApiAuth auth({{.name = "alice", .token = "alice-0123456789abcdef"}},
                     /*client_certificates=*/false);
  service_->set_auth(&auth);
  v1::ReadBillingPeriodsRequest bad = good;
  bad.set_meter_id("x");
  EXPECT_EQ(refused(bad).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer alice-0123456789abcdef");
  auto reader = stub_->ReadBillingPeriods(&context, good);
  v1::BillingPeriod period;
  EXPECT_FALSE(reader->Read(&period));
  EXPECT_TRUE(reader->Finish().ok());
  service_->set_auth(nullptr);
}

TEST_F(GatewayServiceTest, GetGatewayStatusReportsStoreIdentityAndLiveFigures) {
  AddReading("5700000000000002", kT0, 10);
  AddReading("5700000000000001", kT0, 20);
  AddReading("5700000000000001", kT0 + 15min, 25);

  // Without identity or provider: what the store and the build know.
  grpc::ClientContext bare_context;
  v1::GatewayStatus bare;
  ASSERT_TRUE(stub_->GetGatewayStatus(&bare_context, {}, &bare).ok());
  EXPECT_EQ(bare.version(), kVersion);
  EXPECT_EQ(bare.meter_count(), 2u);
  EXPECT_EQ(bare.last_event_sequence(), 3u);
  EXPECT_FALSE(bare.has_started_at());
  EXPECT_FALSE(bare.has_live());

  SimulatedClock clock(kT0 + 1h);
  service_->set_identity({.name = "gw-test", .started_at = kT0 + 1h, .clock = &clock});
  service_->set_live_figures([] {
    return LiveFigures{.frames_accepted = 12345,
                       .frames_rejected = 7,
                       .mqtt_connected = true,
                       .mqtt_outbox_messages = 42};
  });
  clock.AdvanceBy(1h + 2min + 5s + 900ms);
  grpc::ClientContext context;
  v1::GatewayStatus status;
  ASSERT_TRUE(stub_->GetGatewayStatus(&context, {}, &status).ok());
  EXPECT_EQ(status.gateway_name(), "gw-test");
  EXPECT_EQ(status.started_at().seconds(), 1'767'225'600 + 3600);
  EXPECT_EQ(status.uptime_s(), 3725u);
  EXPECT_EQ(status.meter_count(), 2u);
  EXPECT_EQ(status.live().frames_accepted(), 12345u);
  EXPECT_EQ(status.live().frames_rejected(), 7u);
  EXPECT_TRUE(status.live().mqtt_connected());
  EXPECT_EQ(status.live().mqtt_outbox_messages(), 42u);
}

}  // namespace
}  // namespace vmuc::gateway
