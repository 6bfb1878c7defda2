// vmuc-meterd: hosts the virtual meters of the fleet on shard event loops and attaches
// them to the radio mesh. Thin: everything it wires is tested on its own.
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>
#include <vector>

#include "common/actor_context.h"
#include "common/event_loop.h"
#include "common/worker.h"
#include "meters/actor/meter_actor.h"
#include "meters/fleet.h"
#include "radio_mesh/link_client.h"

namespace {

void StartActorsOneByOne(vmuc::ShardLoop& loop,
                         std::vector<std::unique_ptr<vmuc::meters::MeterActor>>& actors,
                         size_t next) {
  if (next >= actors.size()) return;
  loop.Post([&loop, &actors, next] {
    actors[next]->Start();
    StartActorsOneByOne(loop, actors, next + 1);
  });
}

// The load profile is held in each meter's memory until the permanent-memory part of the
// loggers issue moves it to SQLite: a full profile is about 1 MB, which a fleet of
// thousands cannot hold, and a replay from the fleet epoch fills it. Until then the meter
// host runs without it (the pure Meter and its tests have it).
vmuc::meters::LoadProfileConfig WithoutLoadProfileUntilPersisted(vmuc::meters::LoadProfileConfig config) {
  config.enabled = false;
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vmuc;
  WorkerStart start = StartWorker("vmuc-meterd", "the virtual meter host", argc, argv);
  if (!start.config) return start.exit_code;
  const Config* config = &*start.config;
  const auto clock = MakeClock(*config, start.flags.time_anchor_unix_us);
  const FleetSection& fleet = config->fleet;
  auto setup = meters::FleetSetup(fleet);
  if (!setup.ok()) {
    std::cerr << setup.status().message() << "\n";
    return kExitBadConfig;
  }

  std::vector<NodeAddress> nodes;
  for (uint32_t i = 0; i < fleet.meters; ++i) nodes.push_back(meters::FleetMeter(fleet, i).node);

  struct Shard {
    std::unique_ptr<ShardLoop> loop;
    std::unique_ptr<SchedulerActorContext> context;
    std::vector<std::unique_ptr<meters::MeterActor>> actors;  // by index / shards
  };
  std::vector<Shard> shards(fleet.shards);

  radio_mesh::LinkClientOptions link_options;
  link_options.target = "unix:" + config->MeshSocketPath();
  link_options.role = link::ROLE_METER_HOST;
  link_options.name = "vmuc-meterd";
  link_options.nodes = nodes;
  radio_mesh::LinkClient link(link_options, [&](std::vector<Frame> frames) {
    for (Frame& frame : frames) {
      if (frame.destination == kCollectorNode || frame.destination > fleet.meters) continue;
      const uint32_t index = frame.destination - 1;
      Shard& shard = shards[meters::ShardOf(fleet, index)];
      shard.loop->Post([&shard, index, &fleet, frame = std::move(frame)] {
        shard.actors[index / fleet.shards]->OnFrame(frame);
      });
    }
  });

  for (uint32_t s = 0; s < fleet.shards; ++s) {
    Shard& shard = shards[s];
    shard.loop = std::make_unique<ShardLoop>("meters-" + std::to_string(s), *clock);
    shard.context = std::make_unique<SchedulerActorContext>(
        shard.loop->scheduler(), [&link](Frame frame) { link.Send(std::move(frame)); });
    for (uint32_t i = s; i < fleet.meters; i += fleet.shards) {
      shard.actors.push_back(std::make_unique<meters::MeterActor>(
          meters::FleetMeter(fleet, i), fleet.epoch, fleet.push_interval, *shard.context,
          (*setup)->options(), (*setup)->pulse_input(), (*setup)->billing(),
          WithoutLoadProfileUntilPersisted((*setup)->load_profile())));
    }
  }
  link.Start();
  for (Shard& shard : shards) {
    // One meter's catch-up replay per loop turn: early meters start pushing while later
    // ones still replay, instead of every push waiting for the whole shard's replay.
    StartActorsOneByOne(*shard.loop, shard.actors, 0);
    shard.loop->Start();
  }
  spdlog::info("hosting {} meters on {} shards, pushing every {} s", fleet.meters, fleet.shards,
               fleet.push_interval.count());

  asio::io_context io;
  OnTerminationSignal(io, [&](int signal_number) {
    spdlog::info("signal {}: stopping", signal_number);
    io.stop();
  });
  io.run();
  for (Shard& shard : shards) shard.loop->Stop();  // actors stop before the link goes
  link.Stop();
  spdlog::info("stopped");
  return kExitOk;
}
