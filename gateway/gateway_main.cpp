// vmuc-gateway: the collector and the head-end face (store, MQTT, gRPC API).
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <optional>

#include "common/event_loop.h"
#include "common/listen_address.h"
#include "common/scheduler.h"
#include "common/strings.h"
#include "common/worker.h"
#include "dlms/key_store.h"
#include "gateway/api/gateway_service.h"
#include "gateway/collector/collector.h"
#include "gateway/collector/dlms_reader.h"
#include "gateway/collector/scheduled_reads.h"
#include "gateway/mqtt/mqtt_setup.h"
#include "gateway/passthrough/dlms_passthrough.h"
#include "gateway/store/store.h"
#include "radio_mesh/link_client.h"
#include "radio_mesh/mesh_proto.h"

namespace {

// The collector's reads through the gateway's DLMS client (gap filling, the scheduled
// billing and event-log reads); answers go back to the collector's loop.
class DlmsProfileReader final : public vmuc::gateway::ProfileReader,
                                public vmuc::gateway::ProfileBufferReader {
 public:
  DlmsProfileReader(vmuc::gateway::DlmsReader& reader, vmuc::ShardLoop& loop)
      : reader_(reader), loop_(loop) {}
  void ReadProfile(vmuc::NodeAddress node, const std::string& meter_id, vmuc::TimePoint from,
                   vmuc::TimePoint to, size_t channels, ProfileReader::Done done) override {
    ReadBuffer(
        node, meter_id, vmuc::meters::kLoadProfileObis, from, to,
        [channels, done = std::move(done)](absl::StatusOr<vmuc::dlms::DataValue> buffer) {
          done(buffer.ok() ? vmuc::meters::DecodeProfileRows(*buffer, channels) : buffer.status());
        });
  }
  void ReadBuffer(vmuc::NodeAddress node, const std::string& meter_id,
                  const vmuc::dlms::Obis& profile, vmuc::TimePoint from, vmuc::TimePoint to,
                  ProfileBufferReader::Done done) override {
    reader_.ReadProfile(
        node, meter_id, profile, from, to,
        [this, done = std::move(done)](absl::StatusOr<vmuc::dlms::DataValue> buffer) {
          loop_.Post([done, buffer = std::move(buffer)]() mutable { done(std::move(buffer)); });
        });
  }

 private:
  vmuc::gateway::DlmsReader& reader_;
  vmuc::ShardLoop& loop_;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace vmuc;
  using namespace vmuc::gateway;
  WorkerStart start = StartWorker("vmuc-gateway", "collector, store, MQTT and gRPC", argc, argv);
  if (!start.config) return start.exit_code;
  const Config* config = &*start.config;
  if (config->gateway.allow_plaintext_non_loopback && !config->gateway.TlsConfigured() &&
      !CheckListenAddress(config->gateway.grpc_listen).ok()) {
    // The config loader refuses a non-loopback address unless this opt-in is set.
    spdlog::warn(
        "gRPC listens on {} in plain text beyond loopback "
        "(gateway.allow_plaintext_non_loopback = true): keep it off untrusted networks",
        config->gateway.grpc_listen);
  }
  if (config->mqtt.broker.empty()) {
    spdlog::critical("{}: mqtt.broker: empty; run under vmuc (which starts a broker) or set it",
                     config->source);
    return kExitBadConfig;
  }
  // Three connections: the collector writes, the API reads, the MQTT outbox reads events
  // and moves its cursor; WAL lets them run side by side.
  auto writer = Store::Open(config->DatabasePath());
  auto reader = writer.ok() ? Store::Open(config->DatabasePath()) : writer.status();
  auto outbox = reader.ok() ? Store::Open(config->DatabasePath()) : reader.status();
  if (!outbox.ok()) {
    spdlog::critical("store: {}", outbox.status().ToString());
    return kExitFailure;
  }
  const auto clock = MakeClock(*config, start.flags.time_anchor_unix_us);

  auto publisher = MakeMqttPublisher(*config, **outbox, *clock);
  if (!publisher.ok()) {
    spdlog::critical("{}: {}", config->source, AsStd(publisher.status().message()));
    return kExitBadConfig;
  }
  (*publisher)->Start();

  EventHub hub;
  hub.Subscribe([publisher = publisher->get()] { publisher->Wake(); });
  ShardLoop loop("collector", *clock);
  Collector collector({}, **writer, hub, *clock);

  GatewayService service(**reader, hub);
  // A large mesh's topology (every node and link) runs past gRPC's 4 MB default.
  grpc::ChannelArguments mesh_arguments;
  mesh_arguments.SetMaxReceiveMessageSize(radio_mesh::kMaxTopologyBytes);
  service.set_mesh_control(grpc::CreateCustomChannel(
      "unix:" + config->MeshSocketPath(), grpc::InsecureChannelCredentials(), mesh_arguments));
  // GetGatewayStatus's uptime is wall-clock time, whatever the fleet's clock runs at.
  const RealClock api_clock;
  service.set_identity(
      {.name = config->gateway.name, .started_at = api_clock.Now(), .clock = &api_clock});
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  service.set_live_figures([&collector, publisher = publisher->get(), store = reader->get()] {
    auto last = store->LastEventSequence();
    const uint64_t acked = publisher->acked_sequence();
    return LiveFigures{.frames_accepted = collector.frames_accepted(),
                       .frames_rejected = collector.frames_rejected(),
                       .mqtt_connected = publisher->connected(),
                       .mqtt_outbox_messages = last.ok() && *last > acked ? *last - acked : 0};
  });
  // TLS, bearer tokens and the open health service: gateway/api/api_security.h.
  absl::StatusOr<ApiServer> api = StartApiServer(config->gateway, service);
  if (!api.ok()) {
    spdlog::critical("gRPC API: {}", AsStd(api.status().message()));
    return api.status().code() == absl::StatusCode::kUnavailable ? kExitFailure : kExitBadConfig;
  }
  std::unique_ptr<grpc::Server> server = std::move(api->server);
  spdlog::info("gRPC API on {} ({})", config->gateway.grpc_listen, api->summary);

  radio_mesh::LinkClientOptions link_options;
  link_options.target = "unix:" + config->MeshSocketPath();
  link_options.role = link::ROLE_COLLECTOR;
  link_options.name = "vmuc-gateway/collector";
  link_options.nodes = {kCollectorNode};
  std::unique_ptr<DlmsPassthrough> passthrough;  // set before the link delivers anything
  std::unique_ptr<DlmsReader> dlms_reader;       // nullptr without a key store
  std::unique_ptr<DlmsProfileReader> profile_reader;
  std::unique_ptr<ScheduledReads> scheduled_reads;
  radio_mesh::LinkClient link(link_options, [&](std::vector<Frame> frames) {
    loop.Post([&collector, &passthrough, &dlms_reader, frames = std::move(frames)] {
      // Session frames answer the gateway's own reads or pass-through clients; the rest is
      // collected.
      std::vector<Frame> collected;
      collected.reserve(frames.size());
      for (const Frame& frame : frames) {
        if (frame.kind == PayloadKind::kDlmsWrapper && (frame.session & kReaderSessionBit)) {
          if (dlms_reader) dlms_reader->OnFrame(frame);
        } else if (frame.kind == PayloadKind::kDlmsWrapper) {
          passthrough->OnFrame(frame);
        } else {
          collected.push_back(frame);
        }
      }
      if (!collected.empty()) collector.OnFrames(collected);
    });
  });
  // The gateway's own DLMS client needs the meters' keys (vmuc makes the store).
  auto key_store = dlms::KeyStore::LoadFileIfPresent(config->DlmsKeyStorePath());
  if (!key_store.ok()) {
    spdlog::critical("{}", key_store.status().ToString());
    return kExitBadConfig;
  }
  if (*key_store) {
    dlms_reader = std::make_unique<DlmsReader>(
        DlmsReaderOptions{.gateway_name = config->gateway.name,
                          .timeout = std::chrono::milliseconds(10'000),
                          .clock = clock.get(),
                          .min_real_wait = std::chrono::milliseconds(500)},
        **key_store, [&link](Frame frame) { link.Send(std::move(frame)); });
    service.set_live_reader(dlms_reader.get());
    profile_reader = std::make_unique<DlmsProfileReader>(*dlms_reader, loop);
    collector.set_profile_reader(profile_reader.get());
    // The daily reads of billing values and event logs (scheduled_reads.h).
    ScheduledReadsOptions read_options;
    read_options.max_age = std::chrono::days(config->gateway.retention_days);
    scheduled_reads = std::make_unique<ScheduledReads>(read_options, loop.scheduler(), **writer,
                                                       hub, *profile_reader);
    collector.set_meter_seen(
        [reads = scheduled_reads.get()](const std::string& id, NodeAddress node) {
          reads->OnMeterSeen(id, node);
        });
  } else {
    spdlog::warn("no DLMS key store at {}: live reads are off", config->DlmsKeyStorePath());
  }
  passthrough = std::make_unique<DlmsPassthrough>(
      loop.io(),
      DlmsPassthroughOptions{.wrapper_listen = config->dlms.wrapper_listen,
                             .hdlc_listen = config->dlms.hdlc_listen,
                             .max_node = config->fleet.meters},
      [&link](Frame frame) { link.Send(std::move(frame)); }, *clock);
  // Bound before the loop runs, so a port taken is a start-up error.
  if (auto status = passthrough->Start(); !status.ok()) {
    spdlog::critical("DLMS pass-through: {}", status.ToString());
    return kExitFailure;
  }
  if (!config->dlms.wrapper_listen.empty()) {
    spdlog::info("DLMS wrapper pass-through on {}", config->dlms.wrapper_listen);
  }
  if (!config->dlms.hdlc_listen.empty()) {
    spdlog::info("DLMS HDLC pass-through on {}", config->dlms.hdlc_listen);
  }
  // Retention ([gateway] retention_days, max_database_mb, max_events), every hour of the
  // run's clock, on the collector's loop: what the MQTT outbox has not delivered stays.
  const RetentionPolicy retention{.max_age = std::chrono::days(config->gateway.retention_days),
                                  .max_bytes = config->gateway.max_database_mb * 1024 * 1024,
                                  .max_events = config->gateway.max_events};
  RunEvery(
      loop.scheduler(), std::chrono::hours(1),
      [&retention, &loop, store = writer->get(), publisher = publisher->get()] {
        auto pruned =
            store->Prune(retention, loop.scheduler().clock().Now(), publisher->acked_sequence());
        if (!pruned.ok()) {
          spdlog::warn("retention: {}", pruned.status().ToString());
        } else if (pruned->rows_deleted + pruned->events_deleted > 0) {
          spdlog::info("retention: {} rows captured before {} and {} events deleted; {} MB in use",
                       pruned->rows_deleted, FormatRfc3339(pruned->cutoff), pruned->events_deleted,
                       pruned->bytes_in_use >> 20);
        }
        return true;
      });
  loop.Start();
  link.Start();

  asio::io_context io;
  OnTerminationSignal(io, [&](int signal_number) {
    spdlog::info("signal {}: stopping", signal_number);
    io.stop();
  });
  io.run();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  // The collector's loop first: nothing it runs (gap filling) may reach the reader once the
  // reader goes; frames the link still delivers are posted to a stopped loop and dropped.
  loop.Stop();
  dlms_reader.reset();  // fails queued reads (their answers go to the stopped loop)
  link.Stop();
  passthrough->Stop();  // the loop's thread has ended
  (*publisher)->Stop();
  spdlog::info("stopped; {} frames stored, {} rejected", collector.frames_accepted(),
               collector.frames_rejected());
  return kExitOk;
}
