// The simulated radio mesh (issue 6): what a 2 000-meter mesh delivers, and how fast the
// simulator runs. Prints plain "name value" lines for docs/performance.md.
//
// A 2 000-meter mesh, uniform random placement at one meter per 300 m x 300 m (a rural
// spread where routes need several hops with the default radio), one collector at the
// centre, seed 42: ten minutes of discovery, then one simulated hour in which every meter
// sends a 120-byte uplink every 15 minutes (at a seeded phase) and the collector queries
// each meter once (40 bytes down, answered at once by 200 bytes up). Then the meter count
// doubles from 2 000, with one collector per 2 000 meters (a real deployment has about one
// concentrator per 2 000 meters; PlaceNodes spreads them over the area), while the run stays
// faster than real time, within a time budget. A size is sustained in real time when its
// simulation runs at least as fast as real time (speed_factor >= 1) and the mesh still
// delivers (delivery_ratio >= 0.95).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <vector>

#include "common/mix64.h"
#include "radio_mesh/mesh_simulator.h"
#include "radio_mesh/topology.h"

namespace vmuc::radio_mesh {
namespace {

using namespace std::chrono_literals;
using WallClock = std::chrono::steady_clock;

constexpr uint8_t kPeriodic = 1;
constexpr uint8_t kAnswer = 2;
constexpr uint8_t kQuery = 3;
constexpr uint64_t kSeed = 42;
const TimePoint kStart = FromUnixMicros(1'767'225'600'000'000);  // 2026-01-01T00:00:00Z

struct Result {
  uint32_t meters = 0;
  double build_s = 0;
  double discovery_wall_s = 0;
  double hour_wall_s = 0;
  uint64_t discovery_hops = 0;
  uint64_t hour_hops = 0;
  uint32_t reachable_after_discovery = 0;
  MeshSnapshot snapshot;
  std::vector<double> uplink_latency_s;
  std::vector<double> query_latency_s;
  uint64_t queries_sent = 0;
  uint64_t queries_refused = 0;
  uint64_t answers = 0;
};

Frame Make(NodeAddress source, NodeAddress destination, uint8_t tag, size_t bytes,
           TimePoint sent_at) {
  Frame frame{.source = source,
              .destination = destination,
              .kind = PayloadKind::kDlmsApdu,
              .payload = std::vector<uint8_t>(bytes, 0x5A),
              .sent_at = sent_at,
              .session = 0};
  frame.payload[0] = tag;
  return frame;
}

double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

// One collector per 2 000 meters, rounded up: with the relay cap of 70, one collector
// serves about 40 first-hop relays x 71 meters at most.
uint32_t Collectors(uint32_t meters) {
  return std::clamp<uint32_t>((meters + 1999) / 2000, 1, kMaxCollectors);
}

double DeliveryRatio(const MeshSnapshot& s) {
  return s.frames_sent == 0
             ? 0.0
             : static_cast<double>(s.frames_delivered) / static_cast<double>(s.frames_sent);
}

Result Run(uint32_t meters, bool keep_latencies) {
  Result result;
  result.meters = meters;
  const uint32_t collectors = Collectors(meters);
  auto nodes = PlaceNodes({.placement = Placement::kRandom,
                           .meters = meters,
                           .collectors = collectors,
                           .spacing_m = 300,
                           .streets = 0,
                           .seed = kSeed});
  MeshOptions options;
  options.seed = kSeed;
  MeshSimulator* sim = nullptr;
  const auto deliver = [&](Frame frame) {
    if (frame.destination != kCollectorNode) {  // a query reached its meter: answer it
      if (!frame.payload.empty() && frame.payload[0] == kQuery) {
        (void)sim->SendUplink(Make(frame.destination, kCollectorNode, kAnswer, 200, frame.sent_at));
      }
      return;
    }
    const double latency_s = Seconds(sim->Now() - frame.sent_at);
    if (frame.payload[0] == kAnswer) {
      ++result.answers;
      if (keep_latencies) result.query_latency_s.push_back(latency_s);
    } else if (keep_latencies) {
      result.uplink_latency_s.push_back(latency_s);
    }
  };
  const auto build_start = WallClock::now();
  auto created = MeshSimulator::Create(*nodes, options, kStart, deliver);
  if (!created.ok()) {
    std::printf("error %s\n", std::string(created.status().message()).c_str());
    return result;
  }
  std::unique_ptr<MeshSimulator> owner = *std::move(created);
  sim = owner.get();
  result.build_s = std::chrono::duration<double>(WallClock::now() - build_start).count();

  // Discovery.
  auto wall = WallClock::now();
  sim->AdvanceTo(kStart + 10min);
  result.discovery_wall_s = std::chrono::duration<double>(WallClock::now() - wall).count();
  result.discovery_hops = sim->frame_hops();
  for (NodeAddress m = 1; m <= meters; ++m) result.reachable_after_discovery += sim->Reachable(m);

  // The hour's application traffic, in time order.
  struct Send {
    int64_t at_ns;
    NodeAddress meter;
    uint8_t tag;
    bool operator<(const Send& o) const {
      return at_ns != o.at_ns ? at_ns < o.at_ns : meter != o.meter ? meter < o.meter : tag < o.tag;
    }
  };
  std::vector<Send> plan;
  const TimePoint hour_start = kStart + 10min;
  const int64_t quarter_ns = Duration(15min).count();
  for (NodeAddress m = 1; m <= meters; ++m) {
    const int64_t phase =
        static_cast<int64_t>(Mix64(kSeed ^ m) % static_cast<uint64_t>(quarter_ns));
    for (int k = 0; k < 4; ++k) plan.push_back({phase + k * quarter_ns, m, kPeriodic});
    const int64_t query_at = static_cast<int64_t>(Mix64(kSeed ^ (m + 0x9000000ULL)) %
                                                  static_cast<uint64_t>(4 * quarter_ns));
    plan.push_back({query_at, m, kQuery});
  }
  std::sort(plan.begin(), plan.end());
  wall = WallClock::now();
  for (const Send& send : plan) {
    const TimePoint at = hour_start + Duration(send.at_ns);
    sim->AdvanceTo(at);
    if (send.tag == kPeriodic) {
      (void)sim->SendUplink(Make(send.meter, kCollectorNode, kPeriodic, 120, at));
    } else {
      ++result.queries_sent;
      if (!sim->SendDownlink(Make(kCollectorNode, send.meter, kQuery, 40, at)).ok()) {
        ++result.queries_refused;
      }
    }
  }
  sim->AdvanceTo(hour_start + 1h);
  result.hour_wall_s = std::chrono::duration<double>(WallClock::now() - wall).count();
  result.hour_hops = sim->frame_hops() - result.discovery_hops;
  result.snapshot = sim->Snapshot();
  return result;
}

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  const size_t k = std::min(values.size() - 1, static_cast<size_t>(q * values.size()));
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[k];
}

struct Scale {
  double speed = 0;
  double delivery = 0;
  bool sustained = false;
};

// One "scale ..." line: a size is sustained when it runs at least as fast as real time and
// delivers at least 95 % of the frames.
Scale PrintScale(const Result& r) {
  const double wall_s = r.discovery_wall_s + r.hour_wall_s;
  const double simulated_s = 70 * 60;
  Scale scale;
  scale.speed = simulated_s / wall_s;
  scale.delivery = DeliveryRatio(r.snapshot);
  scale.sustained = scale.speed >= 1 && scale.delivery >= 0.95;
  std::printf(
      "scale meters %u collectors %u build_s %.2f sim_wall_s %.2f speed_factor %.0f "
      "frame_hops_per_s %.0f delivery_ratio %.4f reachable_after_discovery %u unreachable %u "
      "sustained %s\n",
      r.meters, Collectors(r.meters), r.build_s, wall_s, scale.speed,
      static_cast<double>(r.discovery_hops + r.hour_hops) / wall_s, scale.delivery,
      r.reachable_after_discovery, r.snapshot.unreachable_meters, scale.sustained ? "yes" : "no");
  std::fflush(stdout);
  return scale;
}

}  // namespace
}  // namespace vmuc::radio_mesh

// With an argument: runs that many meters once and prints its scale line (for profiling).
int main(int argc, char** argv) {
  using namespace vmuc::radio_mesh;
  const auto bench_start = WallClock::now();
  const uint32_t only = argc > 1 ? static_cast<uint32_t>(std::strtoul(argv[1], nullptr, 10)) : 0;
  const Result r = Run(only > 0 ? only : 2000, true);
  if (only > 0) {
    PrintScale(r);
    return 0;
  }
  const MeshSnapshot& s = r.snapshot;
  std::printf("meters %u\n", r.meters);
  std::printf("placement random spacing_m 300 collectors 1 seed %llu\n",
              static_cast<unsigned long long>(kSeed));
  std::printf("links_known %zu\n", s.links.size());
  std::printf("reachable_after_discovery %u\n", r.reachable_after_discovery);
  std::printf("unreachable_meters %u\n", s.unreachable_meters);
  std::printf("frames_sent %llu\n", static_cast<unsigned long long>(s.frames_sent));
  std::printf("frames_delivered %llu\n", static_cast<unsigned long long>(s.frames_delivered));
  std::printf("delivery_ratio %.4f\n", DeliveryRatio(s));
  std::printf("queries_sent %llu refused_unreachable %llu answered %llu\n",
              static_cast<unsigned long long>(r.queries_sent),
              static_cast<unsigned long long>(r.queries_refused),
              static_cast<unsigned long long>(r.answers));
  std::printf("queue_drops %llu\n", static_cast<unsigned long long>(s.queue_drops));
  std::map<uint32_t, uint32_t> hops;
  uint64_t retries = 0;
  for (const NodeSnapshot& node : s.nodes) {
    if (!node.collector) ++hops[node.hop_count];
    retries += node.hop_retries;
  }
  std::printf("hop_retries %llu\n", static_cast<unsigned long long>(retries));
  for (auto [count_hops, count] : hops) {
    std::printf("hop_count %u meters %u%s\n", count_hops, count,
                count_hops == 0 ? " (unreachable)" : "");
  }
  std::printf("uplink_latency_s p50 %.3f p95 %.3f p99 %.3f\n", Percentile(r.uplink_latency_s, 0.50),
              Percentile(r.uplink_latency_s, 0.95), Percentile(r.uplink_latency_s, 0.99));
  std::printf("query_round_trip_s p50 %.3f p95 %.3f p99 %.3f\n",
              Percentile(r.query_latency_s, 0.50), Percentile(r.query_latency_s, 0.95),
              Percentile(r.query_latency_s, 0.99));
  std::printf("build_s %.3f\n", r.build_s);
  std::printf("discovery_frame_hops %llu wall_s %.3f\n",
              static_cast<unsigned long long>(r.discovery_hops), r.discovery_wall_s);
  std::printf("hour_frame_hops %llu wall_s %.3f\n", static_cast<unsigned long long>(r.hour_hops),
              r.hour_wall_s);
  const double total_hops = static_cast<double>(r.discovery_hops + r.hour_hops);
  // The whole run (discovery and the hour), simulation wall time only (not the build).
  std::printf("frame_hops_per_s_per_core %.0f\n",
              total_hops / (r.discovery_wall_s + r.hour_wall_s));
  // The hour alone: steady traffic, after discovery.
  std::printf("steady_hour_frame_hops_per_s_per_core %.0f\n",
              static_cast<double>(r.hour_hops) / r.hour_wall_s);

  // Scaling: double while faster than real time and the bench's budget allows.
  constexpr double kBudgetS = 90;
  constexpr uint32_t kMaxMeters = 2000 * kMaxCollectors;
  uint32_t largest = 0;
  double largest_speed = 0;
  double largest_delivery = 0;
  double last_run_s = 0;
  const char* stop = "size cap (one collector per 2 000 meters, at most kMaxCollectors)";
  for (uint32_t meters = 2000; meters <= kMaxMeters; meters *= 2) {
    const double elapsed_s = std::chrono::duration<double>(WallClock::now() - bench_start).count();
    if (last_run_s > 0 && elapsed_s + 2.3 * last_run_s > kBudgetS) {
      stop = "bench time budget";
      break;
    }
    const auto run_start = WallClock::now();
    const Result scaled = meters == 2000 ? r : Run(meters, false);
    last_run_s = meters == 2000
                     ? r.build_s + r.discovery_wall_s + r.hour_wall_s
                     : std::chrono::duration<double>(WallClock::now() - run_start).count();
    const Scale scale = PrintScale(scaled);
    const double speed = scale.speed;
    const double delivery = scale.delivery;
    const bool sustained = scale.sustained;
    if (sustained) {
      largest = meters;
      largest_speed = speed;
      largest_delivery = delivery;
    }
    if (speed < 1) {
      stop = "slower than real time";
      break;
    }
  }
  std::printf(
      "largest_realtime_meters %u speed_factor %.0f delivery_ratio %.4f "
      "(sustained: speed_factor >= 1 and delivery_ratio >= 0.95; stopped by: %s)\n",
      largest, largest_speed, largest_delivery, stop);
  std::printf("bench_wall_s %.1f\n",
              std::chrono::duration<double>(WallClock::now() - bench_start).count());
  return 0;
}
