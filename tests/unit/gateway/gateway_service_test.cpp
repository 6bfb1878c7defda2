// The vmuc.v1 API over a real gRPC channel on loopback, backed by a real SQLite file.
#include "gateway/api/gateway_service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <thread>

#include "common/net.h"
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
      v1::Event event;
      event.set_meter_id(b.meter_id);
      for (const auto& reg : stored.new_registers)
        ToProto(reg, event.mutable_readings()->add_registers());
      return std::vector<std::string>{event.SerializeAsString()};
    };
    ASSERT_TRUE(store_->StoreBatches({batch}, events).ok());
    hub_.Notify();
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

}  // namespace
}  // namespace vmuc::gateway
