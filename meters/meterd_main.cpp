// vmuc-meterd: hosts the virtual meters of the fleet on shard event loops and attaches
// them to the radio mesh. Their registers and loggers live in data_dir/meters.db: at start
// each meter is restored from its last checkpoint and replays to the present; a checkpoint
// is written every fleet.checkpoint_interval_s and at stop.
//
// --run-until T runs offline instead: every meter is fast-forwarded to T as fast as the
// machine goes, checkpointing every --checkpoint-days simulated days (default 7: a page then
// reaches the disk about once instead of at every day's partial fill; a kill replays at
// most a week), and the process exits (0) at T.
// Thin: everything it wires is tested on its own.
#include <spdlog/spdlog.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/actor_context.h"
#include "common/event_loop.h"
#include "common/worker.h"
#include "dlms/key_store.h"
#include "meters/actor/meter_actor.h"
#include "meters/cosem/meter_directory.h"
#include "meters/cosem/meter_dlms.h"
#include "meters/fleet.h"
#include "meters/host/checkpoint.h"
#include "meters/host/fast_forward.h"
#include "meters/store/meter_store.h"
#include "radio_mesh/link_client.h"

namespace {

using vmuc::meters::Meter;
using vmuc::meters::MeterActor;
using vmuc::meters::MeterStore;

struct Shard {
  std::unique_ptr<vmuc::ShardLoop> loop;
  std::unique_ptr<vmuc::SchedulerActorContext> context;
  std::vector<std::unique_ptr<MeterActor>> actors;  // by index / shards
  std::unique_ptr<MeterStore> store;                // this shard's connection
  std::vector<Meter*> meters;                       // the actors' meters
  std::unique_ptr<vmuc::asio::steady_timer> checkpoint_timer;
};

void StartActorsOneByOne(vmuc::ShardLoop& loop, std::vector<std::unique_ptr<MeterActor>>& actors,
                         size_t next) {
  if (next >= actors.size()) return;
  loop.Post([&loop, &actors, next] {
    actors[next]->Start();
    StartActorsOneByOne(loop, actors, next + 1);
  });
}

void Checkpoint(Shard& shard) {
  if (auto status = vmuc::meters::WriteCheckpoints(*shard.store, shard.meters); !status.ok()) {
    // The pages stay dirty and the next checkpoint writes them: nothing is lost but replay.
    spdlog::error("{}: checkpoint failed: {}", shard.loop->name(), std::string(status.message()));
  }
}

void CheckpointEvery(Shard& shard, std::chrono::seconds interval) {
  shard.checkpoint_timer->expires_after(interval);
  shard.checkpoint_timer->async_wait([&shard, interval](const std::error_code& error) {
    if (error) return;
    Checkpoint(shard);
    CheckpointEvery(shard, interval);
  });
}

// --run-until: each shard's meters on a thread of their own, to T.
int RunUntil(std::vector<Shard>& shards, const vmuc::meters::FastForwardOptions& options,
             vmuc::asio::io_context& io) {
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (Shard& shard : shards) {
    threads.emplace_back([&shard, &stop, &failures, &options] {
      const absl::Status status =
          vmuc::meters::FastForward(shard.meters, *shard.store, options, &stop);
      if (!status.ok() && !absl::IsCancelled(status)) {
        spdlog::error("fast-forward: {}", std::string(status.message()));
        ++failures;
      }
    });
  }
  std::thread waiter([&] {
    for (std::thread& thread : threads) thread.join();
    io.stop();
  });
  vmuc::OnTerminationSignal(io, [&](int signal_number) {
    spdlog::info("signal {}: stopping after the current step", signal_number);
    stop = true;
  });
  io.run();
  waiter.join();
  if (failures > 0) return vmuc::kExitFailure;
  if (!stop) spdlog::info("every meter at {}", vmuc::FormatRfc3339(options.until));
  return vmuc::kExitOk;
}

// The meters' DLMS security counters in the meter store, for every shard.
class StoreCounters final : public vmuc::meters::DlmsCounterStore {
 public:
  explicit StoreCounters(MeterStore& store) : store_(store) {}
  absl::StatusOr<std::optional<vmuc::dlms::SecurityCounters>> Load(uint64_t serial) override {
    std::lock_guard lock(mutex_);
    auto bytes = store_.LoadSecurityState(serial);
    if (!bytes.ok()) return bytes.status();
    if (!*bytes) return std::optional<vmuc::dlms::SecurityCounters>();
    auto counters = vmuc::meters::DecodeSecurityCounters(**bytes);
    if (!counters.ok()) return counters.status();
    return std::optional<vmuc::dlms::SecurityCounters>(*std::move(counters));
  }
  absl::Status Save(uint64_t serial, const vmuc::dlms::SecurityCounters& counters) override {
    std::lock_guard lock(mutex_);
    return store_.WriteSecurityState(serial, vmuc::meters::EncodeSecurityCounters(counters));
  }

 private:
  std::mutex mutex_;
  MeterStore& store_;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace vmuc;
  std::string run_until_text;
  int checkpoint_days = 7;
  WorkerStart start =
      StartWorker("vmuc-meterd", "the virtual meter host", argc, argv, [&](CLI::App& app) {
        app.add_option("--run-until", run_until_text,
                       "fast-forward every meter to this UTC instant (YYYY-MM-DDTHH:MM:SSZ), "
                       "checkpointing on the way, then exit");
        app.add_option("--checkpoint-days", checkpoint_days,
                       "with --run-until: simulated days between checkpoints")
            ->check(CLI::Range(1, 366));
      });
  if (!start.config) return start.exit_code;
  std::optional<TimePoint> run_until;
  if (!run_until_text.empty()) {
    auto parsed = ParseRfc3339(run_until_text);
    if (!parsed.ok()) {
      std::cerr << "--run-until: " << parsed.status().message() << "\n";
      return kExitBadConfig;
    }
    run_until = *parsed;
  }
  const Config* config = &*start.config;
  const auto clock = MakeClock(*config, start.flags.time_anchor_unix_us);
  const FleetSection& fleet = config->fleet;
  auto setup = meters::FleetSetup(fleet);
  if (!setup.ok()) {
    std::cerr << setup.status().message() << "\n";
    return kExitBadConfig;
  }

  // The meters' DLMS servers (docs/dlms.md): one object model for the fleet's configuration,
  // each meter's keys from the key store vmuc made. Without a key store, sessions are off.
  auto key_store = dlms::KeyStore::LoadFileIfPresent(config->DlmsKeyStorePath());
  if (!key_store.ok()) {
    std::cerr << key_store.status().message() << "\n";
    return kExitBadConfig;
  }
  if (!*key_store) {
    spdlog::warn("no DLMS key store at {}: the meters answer no DLMS session",
                 config->DlmsKeyStorePath());
  }
  const meters::MeterObjectTable object_table(meters::MeterCosemInfo{
      .flag_id = config->dlms.flag_id,
      .type_number = fleet.type_number,
      .firmware_id = "OMNIA 3.0",
      .gmt_offset = (*setup)->billing().local_time.gmt_offset,
      .dst_enabled = (*setup)->billing().local_time.dst != meters::DstRule::kNone,
      .integration_period_min = (*setup)->options().integration_period_min,
      .load_profile = (*setup)->load_profile().enabled,
      // A fleet's meters always have both (MeterSetup configures them from Z10, Z25, Z30).
      .analysis_log = true,
      .debit_log_2 = true,
      .pulse_input = (*setup)->pulse_input().unit != meters::PulseInputUnit::kNone});
  // The meters' invocation counters, in the meters' database on a connection of their own
  // that the shards take turns on (a write per session, not per reading).
  auto counter_db = MeterStore::Open(config->MetersDatabasePath());
  if (!counter_db.ok()) {
    std::cerr << counter_db.status().message() << "\n";
    return kExitFailure;
  }
  StoreCounters counter_store(**counter_db);
  meters::MeterDlmsSetup dlms_setup;
  dlms_setup.counters = &counter_store;
  dlms_setup.table = &object_table;
  dlms_setup.keys = *key_store ? &**key_store : nullptr;
  dlms_setup.flag_id = config->dlms.flag_id;

  std::vector<NodeAddress> nodes;
  for (uint32_t i = 0; i < fleet.meters; ++i) nodes.push_back(meters::FleetMeter(fleet, i).node);
  std::vector<Shard> shards(fleet.shards);

  radio_mesh::LinkClientOptions link_options;
  link_options.target = "unix:" + config->MeshSocketPath();
  link_options.role = link::ROLE_METER_HOST;
  link_options.name = "vmuc-meterd";
  link_options.nodes = nodes;
  // Set at stop before the last checkpoints: a downlink frame (a command) handled after its
  // shard's last checkpoint would be acknowledged and then lost, since commands do not replay.
  std::atomic<bool> downlink_closed{false};
  radio_mesh::LinkClient link(link_options, [&](std::vector<Frame> frames) {
    if (downlink_closed) return;
    for (Frame& frame : frames) {
      if (frame.destination == kCollectorNode || frame.destination > fleet.meters) continue;
      const uint32_t index = frame.destination - 1;
      Shard& shard = shards[meters::ShardOf(fleet, index)];
      shard.loop->Post([&shard, index, &fleet, frame = std::move(frame)] {
        shard.actors[index / fleet.shards]->OnFrame(frame);
      });
    }
  });

  const std::string store_path = config->MetersDatabasePath();
  size_t restored = 0;
  for (uint32_t s = 0; s < fleet.shards; ++s) {
    Shard& shard = shards[s];
    auto store = MeterStore::Open(store_path);
    if (!store.ok()) {
      std::cerr << store.status().message() << "\n";
      return kExitFailure;
    }
    shard.store = *std::move(store);
    shard.loop = std::make_unique<ShardLoop>("meters-" + std::to_string(s), *clock);
    shard.context = std::make_unique<SchedulerActorContext>(
        shard.loop->scheduler(), [&link](Frame frame) { link.Send(std::move(frame)); });
    for (uint32_t i = s; i < fleet.meters; i += fleet.shards) {
      shard.actors.push_back(std::make_unique<MeterActor>(
          meters::FleetMeter(fleet, i), fleet.epoch, fleet.push_interval, *shard.context,
          (*setup)->options(), (*setup)->pulse_input(), (*setup)->billing(),
          (*setup)->load_profile(), (*setup)->analysis_log(), (*setup)->debit_log_2()));
      if (*key_store) shard.actors.back()->EnableDlms(&dlms_setup);
      Meter& meter = shard.actors.back()->mutable_meter();
      auto found = meters::RestoreMeter(*shard.store, meter);
      if (!found.ok()) {
        // Never start over a meter whose stored history does not fit: that would lose it.
        std::cerr << found.status().message() << "\n";
        return kExitFailure;
      }
      if (!run_until && meter.time() > clock->Now()) {
        // A store prepared ahead (--run-until) and a clock behind it: the meter cannot go
        // back, and starting it afresh would lose its history.
        std::cerr << "meter " << meter.core().identity().MeterId() << " in " << store_path
                  << " is at " << FormatRfc3339(meter.time()) << ", after the host's present "
                  << FormatRfc3339(clock->Now())
                  << ": start the clock later ([time] start) or use another data_dir\n";
        return kExitFailure;
      }
      restored += *found ? 1 : 0;
      shard.meters.push_back(&meter);
    }
  }
  spdlog::info("{} of {} meters restored from {}", restored, fleet.meters, store_path);

  asio::io_context io;
  if (run_until)
    return RunUntil(shards, {.until = *run_until, .step = std::chrono::days(checkpoint_days)}, io);

  link.Start();
  for (Shard& shard : shards) {
    shard.checkpoint_timer = std::make_unique<asio::steady_timer>(shard.loop->io());
    // One meter's catch-up replay per loop turn: early meters start pushing while later
    // ones still replay, instead of every push waiting for the whole shard's replay.
    StartActorsOneByOne(*shard.loop, shard.actors, 0);
    shard.loop->Post(
        [&shard, interval = fleet.checkpoint_interval] { CheckpointEvery(shard, interval); });
    shard.loop->Start();
  }
  spdlog::info("hosting {} meters on {} shards, pushing every {} s", fleet.meters, fleet.shards,
               fleet.push_interval.count());

  OnTerminationSignal(io, [&](int signal_number) {
    spdlog::info("signal {}: stopping", signal_number);
    io.stop();
  });
  io.run();
  // No more downlink; a last checkpoint on each shard's thread, behind the frames already
  // posted; then the loops stop (actors before the link).
  downlink_closed = true;
  for (Shard& shard : shards) {
    std::promise<void> done;
    shard.loop->Post([&shard, &done] {
      shard.checkpoint_timer->cancel();
      Checkpoint(shard);
      done.set_value();
    });
    done.get_future().wait();
    shard.loop->Stop();
  }
  link.Stop();
  spdlog::info("stopped");
  return kExitOk;
}
