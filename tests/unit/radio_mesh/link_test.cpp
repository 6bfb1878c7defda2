// The internal link for real: the pass-through relay served on a Unix socket, a meter
// host and a collector attached with LinkClient; frames flow both ways, and the clients
// reattach by themselves when the mesh process is replaced.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <mutex>

#include "radio_mesh/link_client.h"
#include "radio_mesh/link_codec.h"
#include "radio_mesh/link_hub.h"
#include "tests/integration/test_process.h"

namespace vmuc::radio_mesh {
namespace {

using namespace std::chrono_literals;

class Inbox {
 public:
  void Add(std::vector<Frame> frames) {
    std::lock_guard lock(mutex_);
    for (auto& frame : frames) frames_.push_back(std::move(frame));
  }
  size_t size() {
    std::lock_guard lock(mutex_);
    return frames_.size();
  }
  Frame at(size_t i) {
    std::lock_guard lock(mutex_);
    return frames_.at(i);
  }

 private:
  std::mutex mutex_;
  std::vector<Frame> frames_;
};

std::unique_ptr<grpc::Server> Serve(LinkHub& relay, const std::string& socket) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + socket, grpc::InsecureServerCredentials());
  builder.RegisterService(&relay);
  return builder.BuildAndStart();
}

Frame MakeFrame(NodeAddress from, NodeAddress to, uint8_t marker) {
  Frame frame;
  frame.source = from;
  frame.destination = to;
  frame.payload = {0x0F, marker};
  frame.sent_at = TimePoint(std::chrono::microseconds(1'767'225'600'000'000 + marker));
  return frame;
}

TEST(LinkTest, FramesFlowBothWaysAndClientsReattach) {
  vmuc::testing::TempDir dir;
  const std::string socket = dir.path() + "/mesh.sock";
  auto relay = std::make_unique<LinkHub>();
  auto server = Serve(*relay, socket);

  Inbox at_collector, at_host;
  LinkClientOptions host_options{"unix:" + socket, link::ROLE_METER_HOST, "host", {1, 2}};
  host_options.reconnect_initial = 20ms;
  LinkClientOptions collector_options{"unix:" + socket, link::ROLE_COLLECTOR, "collector", {0}};
  collector_options.reconnect_initial = 20ms;
  LinkClient host(host_options, [&](std::vector<Frame> f) { at_host.Add(std::move(f)); });
  LinkClient collector(collector_options,
                       [&](std::vector<Frame> f) { at_collector.Add(std::move(f)); });
  collector.Start();
  host.Start();
  ASSERT_TRUE(
      vmuc::testing::WaitUntil([&] { return host.connected() && collector.connected(); }, 10s));
  // The collector must be registered at the relay before uplink can reach it.
  ASSERT_TRUE(vmuc::testing::WaitUntil(
      [&] {
        host.Send(MakeFrame(1, 0, 0xAA));
        return vmuc::testing::WaitUntil([&] { return at_collector.size() > 0; }, 200ms);
      },
      10s));
  const size_t before = at_collector.size();
  host.Send(MakeFrame(2, 0, 0x01));
  ASSERT_TRUE(vmuc::testing::WaitUntil([&] { return at_collector.size() == before + 1; }, 10s));
  const Frame up = at_collector.at(before);
  EXPECT_EQ(up.source, 2u);
  EXPECT_EQ(up.payload, (std::vector<uint8_t>{0x0F, 0x01}));
  EXPECT_EQ(up.sent_at, MakeFrame(2, 0, 0x01).sent_at);

  collector.Send(MakeFrame(0, 2, 0x02));
  collector.Send(MakeFrame(0, 77, 0x03));  // nobody answers for node 77
  ASSERT_TRUE(vmuc::testing::WaitUntil([&] { return at_host.size() == 1; }, 10s));
  EXPECT_EQ(at_host.at(0).destination, 2u);
  ASSERT_TRUE(vmuc::testing::WaitUntil([&] { return relay->frames_dropped() == 1; }, 10s));

  // Replace the mesh: both clients come back by themselves and traffic resumes.
  server->Shutdown(std::chrono::system_clock::now() + 500ms);
  server.reset();
  relay = std::make_unique<LinkHub>();
  server = Serve(*relay, socket);
  ASSERT_TRUE(vmuc::testing::WaitUntil(
      [&] {
        host.Send(MakeFrame(1, 0, 0x04));
        return vmuc::testing::WaitUntil(
            [&] {
              return at_collector.size() > before + 1 &&
                     at_collector.at(at_collector.size() - 1).payload[1] == 0x04;
            },
            200ms);
      },
      20s))
      << "no uplink after the mesh restarted";
  host.Stop();
  collector.Stop();
  server->Shutdown(std::chrono::system_clock::now() + 500ms);
}

TEST(LinkCodecTest, RejectsWhatTheWireMustNotCarry) {
  link::RadioFrame wire;
  ToWire(MakeFrame(5, 0, 1), &wire);
  EXPECT_TRUE(FromWire(wire).ok());
  wire.set_source(1u << 28);
  EXPECT_EQ(FromWire(wire).status().code(), absl::StatusCode::kInvalidArgument);
  ToWire(MakeFrame(5, 0, 1), &wire);
  wire.set_kind(link::PAYLOAD_UNSPECIFIED);
  EXPECT_NE(std::string(FromWire(wire).status().message()).find("RadioFrame.kind"),
            std::string::npos);
}

}  // namespace
}  // namespace vmuc::radio_mesh
