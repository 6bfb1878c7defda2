#include "radio_mesh/mesh_simulator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/mix64.h"

namespace vmuc::radio_mesh {
namespace {

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
constexpr int64_t kDutyBinNs = int64_t{300} * 1'000'000'000;  // 5 minutes
constexpr int kDutyBins = 12;                                 // one rolling hour

// Payload sizes of the mesh's own frames (addresses are 4 bytes on air).
constexpr uint32_t kHelloBytes = 8;        // address, capabilities, sequence
constexpr uint32_t kQueryBytes = 4;        // command, sequence
constexpr uint32_t kRouteErrorBytes = 10;  // command, both ends of the broken link
constexpr uint32_t kReportEntryBytes = 5;  // address and level
constexpr uint32_t kReportHeaderBytes = 4;

enum class PacketType : uint8_t { kData, kQuery, kReport, kRouteError, kHello, kRouteLost, kFlood };

bool IsLocalBroadcast(PacketType type) {
  return type == PacketType::kHello || type == PacketType::kRouteLost || type == PacketType::kFlood;
}

struct TableEntry {
  uint32_t node = 0;
  float rssi_dbm = 0;
  int64_t heard_ns = 0;
};

struct Packet {
  uint32_t gen = 0;
  PacketType type = PacketType::kData;
  bool uplink = false;
  uint32_t origin = kNone;  // node index of the originator (current end-to-end attempt)
  uint32_t target = kNone;  // final node (downlink); uplinks end at path.back()
  uint32_t hop = 0;         // index in path of the node holding it
  uint32_t payload_bytes = 0;
  uint32_t attempts = 0;         // end-to-end re-sends so far
  uint32_t refs = 0;             // floods: queue entries referring to it
  uint32_t broken_from = kNone;  // ROUTE_ERROR / ROUTE_LOST: the broken link
  uint32_t broken_to = kNone;
  uint32_t carried = kNone;  // ROUTE_ERROR back to an originator: the failed frame
  uint32_t epoch = 0;        // head-end epoch of queries and reports
  uint32_t flood = 0;        // floods: which one
  int64_t handed_ns = 0;
  std::vector<uint32_t> path;
  std::vector<TableEntry> report;
  Frame frame;
};

struct QueueEntry {
  uint32_t packet = kNone;
  uint32_t next = kNone;
};

struct DutyWindow {
  int64_t last_bin = 0;
  uint32_t bin_us[kDutyBins] = {};

  void Roll(int64_t now_ns) {
    const int64_t bin = now_ns / kDutyBinNs;
    if (bin - last_bin >= kDutyBins) {
      std::fill(std::begin(bin_us), std::end(bin_us), 0);
    } else {
      for (int64_t b = last_bin + 1; b <= bin; ++b) bin_us[b % kDutyBins] = 0;
    }
    last_bin = std::max(last_bin, bin);
  }
  int64_t UsedUs() const {
    int64_t sum = 0;
    for (uint32_t us : bin_us) sum += us;
    return sum;
  }
  void Add(int64_t now_ns, int64_t airtime_ns) {
    Roll(now_ns);
    bin_us[last_bin % kDutyBins] += static_cast<uint32_t>(airtime_ns / 1000);
  }
};

struct NodeState {
  bool alive = true;
  bool collector = false;
  bool busy = false;        // transmitting, waiting for an ack or backing off
  bool route_lost = false;  // meter: its route failed; waits for the head-end's next one
  bool wake_pending = false;
  uint32_t q_head = kNone;
  uint32_t q_tail = kNone;
  uint32_t q_len = 0;
  uint32_t tx_entry = kNone;  // the queue entry on the air (unlinked from the queue)
  uint32_t tx_gen = 0;        // its packet's generation when taken
  uint32_t tx_hop = 0;        // the path index it is sent from
  uint32_t tx_tries = 0;
  uint32_t tx_receiver = 0;  // unicast: the next hop
  uint32_t tx_fragments = 1;
  // Of the frame as taken: once a lost ack let it move on, its slot may be reused while
  // this node still retries it.
  bool tx_broadcast = false;
  int64_t tx_airtime_ns = 0;
  uint32_t tx_token = 0;  // events of older attempts carry older tokens
  int64_t tx_end_ns = 0;
  uint32_t flood_seen = 0;
  // Meter not yet routed: it repeats its HELLO as a join request, the wait doubling from
  // announce_window up to rediscovery_interval (0: no join HELLO pending).
  int64_t join_wait_ns = 0;
  DutyWindow duty;
};

struct NodeStats {
  uint64_t frames_sent = 0;
  uint64_t frames_delivered = 0;
  uint64_t hop_retries = 0;
  uint64_t queue_drops = 0;
  // Mean over every delivered frame; p95 over the latest kLatencyWindow (a ring), so a
  // meter's statistics stay small however long the run.
  uint64_t latency_sum_us = 0;
  uint64_t latency_count = 0;
  std::vector<uint32_t> recent_latencies_us;
};
constexpr size_t kLatencyWindow = 256;

// What the head-end knows of the link between a node and a neighbour.
struct KnownLink {
  uint32_t node = 0;
  float p_in = -1;        // neighbour -> owner, from the owner's report (-1: not reported)
  float p_out = -1;       // owner -> neighbour, from the neighbour's report
  int64_t broken_ns = 0;  // > 0: marked unusable by a route error at that time
};

enum class EventKind : uint8_t {
  kHello,         // node announces; a = 1: periodic, a = 2: a join request repeated
  kWake,          // node's transmitter looks at its queue
  kRxEnd,         // node's unicast transmission (token b) ends at the receiver
  kAckRx,         // node receives the ack of attempt b
  kAckTimeout,    // node gave up waiting for the ack of attempt b
  kRetry,         // node retries attempt b
  kBcastEnd,      // node's local broadcast (token b) ends
  kRoundStart,    // head-end starts a discovery round of epoch a
  kQueryTimeout,  // head-end stops waiting for node's report of round a
};

struct Event {
  int64_t t_ns;
  uint64_t seq;
  uint32_t node;
  uint32_t a;
  uint32_t b;
  EventKind kind;
};

struct EventLater {
  bool operator()(const Event& x, const Event& y) const {
    return x.t_ns != y.t_ns ? x.t_ns > y.t_ns : x.seq > y.seq;
  }
};

int64_t Ns(TimePoint t) { return t.time_since_epoch().count(); }
int64_t Ns(Duration d) { return d.count(); }

}  // namespace

class MeshSimulator::Impl {
 public:
  Impl(LinkModel links, MeshOptions options, TimePoint start, DeliverFn deliver)
      : links_(std::move(links)),
        options_(std::move(options)),
        deliver_(std::move(deliver)),
        start_ns_(Ns(start)),
        now_ns_(start_ns_) {
    const uint32_t n = static_cast<uint32_t>(links_.size());
    nodes_.resize(n);
    stats_.resize(n);
    tables_.resize(n);
    known_.resize(n);
    parent_.assign(n, kNone);
    root_.assign(n, kNone);
    hops_.assign(n, 0);
    relayed_for_.assign(n, 0);
    cost_.assign(n, 0);
    first_child_.assign(n, kNone);
    next_sibling_.assign(n, kNone);
    prev_sibling_.assign(n, kNone);
    candidate_.assign(n, 0);
    queried_round_.assign(n, 0);
    outstanding_round_.assign(n, 0);
    query_slot_.assign(n, kNone);
    mark_.assign(n, 0);
    room_.assign(n, 0);
    collector_slot_.assign(n, kNone);
    for (uint32_t i = 0; i < n; ++i) {
      nodes_[i].collector = links_.node(i).collector;
      if (nodes_[i].collector) {
        collector_slot_[i] = static_cast<uint32_t>(collectors_.size());
        collectors_.push_back(i);
      }
      nodes_[i].duty.last_bin = start_ns_ / kDutyBinNs;
      by_address_.emplace_back(links_.node(i).address, i);
    }
    std::sort(by_address_.begin(), by_address_.end());
    query_queues_.resize(collectors_.size());
    rng_ = Mix64(options_.seed ^ 0x4D455348ULL);
    for (uint32_t i = 0; i < n; ++i) {
      Push(start_ns_ + AnnounceOffsetNs(i, 0), EventKind::kHello, i, 1, 0);
    }
    Push(start_ns_ + Ns(options_.announce_window), EventKind::kRoundStart, 0, epoch_, 0);
  }

  // ---- public surface -------------------------------------------------------------

  TimePoint Now() const { return TimePoint(Duration(now_ns_)); }

  std::optional<TimePoint> NextEventTime() const {
    if (events_.empty()) return std::nullopt;
    return TimePoint(Duration(events_.top().t_ns));
  }

  void AdvanceTo(TimePoint t) {
    const int64_t target = Ns(t);
    while (!events_.empty() && events_.top().t_ns <= target) {
      const Event event = events_.top();
      events_.pop();
      now_ns_ = std::max(now_ns_, event.t_ns);
      Dispatch(event);
    }
    now_ns_ = std::max(now_ns_, target);
  }

  absl::StatusOr<uint32_t> Index(NodeAddress address) const {
    if (address > kMaxNodeAddress) {
      return absl::InvalidArgumentError(
          absl::StrCat("node address ", address, " is beyond 28 bits"));
    }
    auto it = std::lower_bound(by_address_.begin(), by_address_.end(),
                               std::pair<NodeAddress, uint32_t>{address, 0});
    if (it == by_address_.end() || it->first != address) {
      return absl::NotFoundError(absl::StrCat("node ", address, " is not in the topology"));
    }
    return it->second;
  }

  absl::StatusOr<uint32_t> MeterIndex(NodeAddress address) const {
    absl::StatusOr<uint32_t> index = Index(address);
    if (!index.ok()) return index;
    if (nodes_[*index].collector) {
      return absl::InvalidArgumentError(
          absl::StrCat("node ", address, " is a collector, not a meter"));
    }
    return index;
  }

  absl::Status SendUplink(Frame frame) {
    if (frame.destination != kCollectorNode) {
      return absl::InvalidArgumentError(
          absl::StrCat("uplink from ", frame.source, " has destination ", frame.destination,
                       "; uplinks go to the collector (", kCollectorNode, ")"));
    }
    absl::StatusOr<uint32_t> meter = MeterIndex(frame.source);
    if (!meter.ok()) return meter.status();
    if (!nodes_[*meter].alive) {
      return absl::UnavailableError(absl::StrCat("meter ", frame.source, " is dead"));
    }
    const uint32_t p = NewPacket(PacketType::kData, /*uplink=*/true, *meter);
    Packet& packet = packets_[p];
    packet.payload_bytes = static_cast<uint32_t>(frame.payload.size());
    packet.frame = std::move(frame);
    ++stats_[*meter].frames_sent;
    ++frames_sent_;
    Enqueue(*meter, p);
    return absl::OkStatus();
  }

  absl::Status SendDownlink(Frame frame) {
    absl::StatusOr<uint32_t> meter = MeterIndex(frame.destination);
    if (!meter.ok()) return meter.status();
    if (!Routed(*meter)) {
      return absl::UnavailableError(
          absl::StrCat("meter ", frame.destination, " is unreachable (no route)"));
    }
    const uint32_t p = NewPacket(PacketType::kData, /*uplink=*/false, kNone);
    Packet& packet = packets_[p];
    packet.target = *meter;
    packet.payload_bytes = static_cast<uint32_t>(frame.payload.size());
    packet.frame = std::move(frame);
    ++stats_[*meter].frames_sent;
    ++stats_[root_[*meter]].frames_sent;
    ++frames_sent_;
    SendFromCollector(p);
    return absl::OkStatus();
  }

  absl::Status Broadcast(Frame frame) {
    const uint32_t p = NewPacket(PacketType::kFlood, /*uplink=*/false, kNone);
    Packet& packet = packets_[p];
    packet.payload_bytes = static_cast<uint32_t>(frame.payload.size());
    packet.frame = std::move(frame);
    packet.refs = 1;  // held while the collectors enqueue
    packet.flood = ++flood_id_;
    for (uint32_t i : collectors_) {
      if (!nodes_[i].alive) continue;
      nodes_[i].flood_seen = flood_id_;
      ++packets_[p].refs;
      Enqueue(i, p);
    }
    Unref(p);
    return absl::OkStatus();
  }

  absl::Status KillNode(NodeAddress address) {
    absl::StatusOr<uint32_t> index = Index(address);
    if (!index.ok()) return index.status();
    NodeState& node = nodes_[*index];
    if (!node.alive) return absl::OkStatus();
    node.alive = false;
    DropQueue(*index);
    tables_[*index].clear();
    if (node.collector) RecomputeRoutes();  // the head-end knows its own radios
    return absl::OkStatus();
  }

  absl::Status ReviveNode(NodeAddress address) {
    absl::StatusOr<uint32_t> index = Index(address);
    if (!index.ok()) return index.status();
    NodeState& node = nodes_[*index];
    if (node.alive) return absl::OkStatus();
    node.alive = true;
    node.route_lost = false;
    Push(now_ns_ + AnnounceOffsetNs(*index, ++announce_generation_), EventKind::kHello, *index, 0,
         0);
    if (node.collector) RecomputeRoutes();
    return absl::OkStatus();
  }

  absl::Status DegradeLink(NodeAddress a, NodeAddress b, double extra_loss_db) {
    absl::StatusOr<uint32_t> ia = Index(a);
    if (!ia.ok()) return ia.status();
    absl::StatusOr<uint32_t> ib = Index(b);
    if (!ib.ok()) return ib.status();
    if (!(extra_loss_db >= 0) || !std::isfinite(extra_loss_db)) {
      return absl::InvalidArgumentError(absl::StrCat("extra loss ", extra_loss_db, " dB on link ",
                                                     a, "-", b,
                                                     " must be a finite non-negative number"));
    }
    links_.Degrade(*ia, *ib, extra_loss_db);
    return absl::OkStatus();
  }

  absl::Status Partition(Area area) {
    return links_.Partition(area.x_min_m, area.y_min_m, area.x_max_m, area.y_max_m);
  }

  absl::Status HealPartition() {
    links_.HealPartitions();
    return absl::OkStatus();
  }

  void RestartCollector() {
    ++epoch_;
    for (uint32_t i : collectors_) {
      DropQueue(i);
      tables_[i].clear();
    }
    for (auto& known : known_) known.clear();
    ClearRoutes();
    for (uint32_t v : candidates_) candidate_[v] = 0;
    candidates_.clear();
    lost_.clear();
    ClearQueries();
    std::fill(outstanding_round_.begin(), outstanding_round_.end(), 0);
    round_active_ = false;
    ++announce_generation_;
    for (uint32_t i = 0; i < nodes_.size(); ++i) {
      nodes_[i].route_lost = false;
      if (nodes_[i].alive) {
        Push(now_ns_ + AnnounceOffsetNs(i, announce_generation_), EventKind::kHello, i, 0, 0);
      }
    }
    Push(now_ns_ + Ns(options_.announce_window), EventKind::kRoundStart, 0, epoch_, 0);
  }

  bool Reachable(NodeAddress address) const {
    absl::StatusOr<uint32_t> index = MeterIndex(address);
    return index.ok() && Routed(*index);
  }

  std::vector<NodeAddress> RouteTo(NodeAddress address) const {
    absl::StatusOr<uint32_t> index = MeterIndex(address);
    if (!index.ok() || !Routed(*index)) return {};
    return RouteAddresses(*index);
  }

  MeshSnapshot Snapshot() const;

  uint64_t frame_hops() const { return frame_hops_; }
  uint64_t acks() const { return acks_; }
  const LinkModel& links() const { return links_; }

 private:
  // ---- events and randomness ------------------------------------------------------

  void Push(int64_t t_ns, EventKind kind, uint32_t node, uint32_t a, uint32_t b) {
    events_.push(Event{t_ns, next_seq_++, node, a, b, kind});
  }

  uint64_t NextRandom() { return Mix64(rng_ += 0x9E3779B97F4A7C15ULL); }
  double Uniform() { return static_cast<double>(NextRandom() >> 11) * 0x1.0p-53; }

  int64_t AnnounceOffsetNs(uint32_t node, uint64_t generation) const {
    const uint64_t bits =
        Mix64(options_.seed ^ Mix64((static_cast<uint64_t>(node) << 20) ^ generation ^ 0xA11));
    return static_cast<int64_t>((bits >> 11) * 0x1.0p-53 *
                                static_cast<double>(Ns(options_.announce_window)));
  }

  void Dispatch(const Event& event) {
    switch (event.kind) {
      case EventKind::kHello:
        OnHello(event);
        break;
      case EventKind::kWake:
        nodes_[event.node].wake_pending = false;
        TryStart(event.node);
        break;
      case EventKind::kRxEnd:
        OnRxEnd(event.node, event.b);
        break;
      case EventKind::kAckRx:
        if (Current(event.node, event.b)) FinishTx(event.node);
        break;
      case EventKind::kAckTimeout:
        OnAckTimeout(event.node, event.b);
        break;
      case EventKind::kRetry:
        if (Current(event.node, event.b)) Transmit(event.node);
        break;
      case EventKind::kBcastEnd:
        OnBroadcastEnd(event.node, event.b);
        break;
      case EventKind::kRoundStart:
        OnRoundStart(event.a);
        break;
      case EventKind::kQueryTimeout:
        if (outstanding_round_[event.node] == event.a) ReleaseQuery(event.node);
        break;
    }
  }

  bool Current(uint32_t node, uint32_t token) const {
    const NodeState& state = nodes_[node];
    return state.alive && state.busy && state.tx_token == token;
  }

  // ---- packets and queues -----------------------------------------------------------

  uint32_t NewPacket(PacketType type, bool uplink, uint32_t origin) {
    uint32_t p;
    if (!free_packets_.empty()) {
      p = free_packets_.back();
      free_packets_.pop_back();
    } else {
      p = static_cast<uint32_t>(packets_.size());
      packets_.emplace_back();
    }
    Packet& packet = packets_[p];
    packet.type = type;
    packet.uplink = uplink;
    packet.origin = origin;
    packet.target = kNone;
    packet.hop = 0;
    packet.payload_bytes = 0;
    packet.attempts = 0;
    packet.refs = 0;
    packet.broken_from = packet.broken_to = kNone;
    packet.carried = kNone;
    packet.epoch = epoch_;
    packet.flood = 0;
    packet.handed_ns = now_ns_;
    packet.path.clear();
    packet.report.clear();
    return p;
  }

  void FreePacket(uint32_t p) {
    Packet& packet = packets_[p];
    ++packet.gen;
    packet.frame = Frame{};  // the payload was the caller's; path and report keep capacity
    free_packets_.push_back(p);
  }

  void Unref(uint32_t p) {
    if (--packets_[p].refs == 0) FreePacket(p);
  }

  // The frame is gone for good: counts it and releases what waited for it.
  void LosePacket(uint32_t p) {
    Packet& packet = packets_[p];
    if ((packet.type == PacketType::kQuery || packet.type == PacketType::kReport) &&
        packet.epoch == epoch_) {
      ReleaseQuery(packet.type == PacketType::kQuery ? packet.target : packet.origin);
    }
    if (packet.type == PacketType::kData) ++frames_lost_;
    const uint32_t carried = packet.carried;
    FreePacket(p);
    if (carried != kNone) LosePacket(carried);
  }

  // Appends to the node's queue; a full queue drops the frame. Returns false if dropped.
  bool Enqueue(uint32_t node, uint32_t p) {
    NodeState& state = nodes_[node];
    if (state.q_len >= options_.queue_limit || !state.alive) {
      if (state.alive) {
        ++stats_[node].queue_drops;
        ++queue_drops_;
      }
      if (packets_[p].type == PacketType::kFlood) {
        Unref(p);
      } else {
        LosePacket(p);
      }
      return false;
    }
    uint32_t e;
    if (!free_entries_.empty()) {
      e = free_entries_.back();
      free_entries_.pop_back();
    } else {
      e = static_cast<uint32_t>(entries_.size());
      entries_.emplace_back();
    }
    entries_[e] = QueueEntry{p, kNone};
    if (state.q_tail == kNone) {
      state.q_head = e;
    } else {
      entries_[state.q_tail].next = e;
    }
    state.q_tail = e;
    ++state.q_len;
    // An idle transmitter starts at once (no event: the hot path of every hop); one
    // waiting for its duty-cycle budget keeps waiting.
    if (!state.busy && !state.wake_pending) TryStart(node);
    return true;
  }

  void Wake(uint32_t node, int64_t t_ns) {
    NodeState& state = nodes_[node];
    if (state.wake_pending) return;
    state.wake_pending = true;
    Push(t_ns, EventKind::kWake, node, 0, 0);
  }

  void FreeEntry(uint32_t e) { free_entries_.push_back(e); }

  // Drops everything a node holds (death, collector restart).
  void DropQueue(uint32_t node) {
    NodeState& state = nodes_[node];
    for (uint32_t e = state.q_head; e != kNone;) {
      const uint32_t next = entries_[e].next;
      DropHeld(node, entries_[e].packet, /*sending_hop=*/kNone);
      FreeEntry(e);
      e = next;
    }
    state.q_head = state.q_tail = kNone;
    state.q_len = 0;
    if (state.busy) {
      DropHeld(node, entries_[state.tx_entry].packet, state.tx_hop);
      FreeEntry(state.tx_entry);
      state.tx_entry = kNone;
      state.busy = false;
      ++state.tx_token;
    }
  }

  void DropHeld(uint32_t node, uint32_t p, uint32_t sending_hop) {
    Packet& packet = packets_[p];
    if (packet.type == PacketType::kFlood) {
      Unref(p);
      return;
    }
    // A frame on the air whose receiver already took it has moved on.
    if (sending_hop != kNone && (packet.gen != nodes_[node].tx_gen || packet.hop != sending_hop)) {
      return;
    }
    LosePacket(p);
  }

  // ---- the transmitter --------------------------------------------------------------

  uint32_t FrameRouteAddresses(const Packet& packet) const {
    return packet.path.empty() ? 0 : static_cast<uint32_t>(packet.path.size() - 1);
  }

  int64_t AirtimeNs(const Packet& packet) const {
    return Ns(FrameAirtime(packet.payload_bytes, FrameRouteAddresses(packet), links_.options()));
  }

  // A meter's own uplink can go only when it holds a route; fills the path then.
  bool Sendable(uint32_t node, uint32_t p) {
    Packet& packet = packets_[p];
    if (IsLocalBroadcast(packet.type) || !packet.path.empty()) return true;
    if (nodes_[node].route_lost || !Routed(node)) return false;
    packet.path.push_back(node);
    for (uint32_t x = parent_[node]; x != kNone; x = parent_[x]) packet.path.push_back(x);
    packet.hop = 0;
    return true;
  }

  void TryStart(uint32_t node) {
    NodeState& state = nodes_[node];
    if (!state.alive || state.busy) return;
    uint32_t prev = kNone;
    for (uint32_t e = state.q_head; e != kNone; prev = e, e = entries_[e].next) {
      if (!Sendable(node, entries_[e].packet)) continue;
      const Packet& packet = packets_[entries_[e].packet];
      const int64_t airtime_ns = AirtimeNs(packet);
      if (!DutyAllows(node, airtime_ns)) {
        Wake(node, (state.duty.last_bin + 1) * kDutyBinNs);
        return;
      }
      // Unlink and put it on the air.
      if (prev == kNone) {
        state.q_head = entries_[e].next;
      } else {
        entries_[prev].next = entries_[e].next;
      }
      if (state.q_tail == e) state.q_tail = prev;
      --state.q_len;
      state.busy = true;
      state.tx_entry = e;
      state.tx_gen = packet.gen;
      state.tx_hop = packet.hop;
      state.tx_tries = 0;
      state.tx_receiver = IsLocalBroadcast(packet.type) ? kNone : packet.path[packet.hop + 1];
      state.tx_fragments = Fragments(packet.payload_bytes, links_.options());
      state.tx_broadcast = IsLocalBroadcast(packet.type);
      state.tx_airtime_ns = airtime_ns;
      Transmit(node);
      return;
    }
  }

  bool DutyAllows(uint32_t node, int64_t airtime_ns) {
    const double duty_cycle = links_.options().duty_cycle;
    if (duty_cycle >= 1) return true;
    DutyWindow& duty = nodes_[node].duty;
    duty.Roll(now_ns_);
    const double limit_us = duty_cycle * 3600e6;
    return static_cast<double>(duty.UsedUs() + airtime_ns / 1000) <= limit_us;
  }

  void Spend(uint32_t node, int64_t airtime_ns) {
    if (links_.options().duty_cycle < 1) nodes_[node].duty.Add(now_ns_, airtime_ns);
  }

  // One attempt of the frame on the air (first try or retry).
  void Transmit(uint32_t node) {
    NodeState& state = nodes_[node];
    const int64_t airtime_ns = state.tx_airtime_ns;
    if (state.tx_tries > 0 && !DutyAllows(node, airtime_ns)) {
      Push((state.duty.last_bin + 1) * kDutyBinNs, EventKind::kRetry, node, 0, state.tx_token);
      return;
    }
    Spend(node, airtime_ns);
    ++frame_hops_;
    ++state.tx_token;
    state.tx_end_ns = now_ns_ + airtime_ns;
    Push(state.tx_end_ns, state.tx_broadcast ? EventKind::kBcastEnd : EventKind::kRxEnd, node, 0,
         state.tx_token);
  }

  bool Draw(double success, uint32_t fragments) {
    const double p = fragments == 1 ? success : std::pow(success, fragments);
    return Uniform() < p;
  }

  void OnRxEnd(uint32_t node, uint32_t token) {
    if (!Current(node, token)) return;
    NodeState& state = nodes_[node];
    const uint32_t p = entries_[state.tx_entry].packet;
    Packet& packet = packets_[p];
    // The packet may have moved on, or been delivered and reused, if an ack was lost: the
    // receiver then only acknowledges again (a duplicate is never forwarded twice).
    const bool fresh = packet.gen == state.tx_gen && packet.hop == state.tx_hop;
    const uint32_t receiver = state.tx_receiver;
    const Neighbour* link = links_.Find(node, receiver);
    const bool received = link != nullptr && nodes_[receiver].alive &&
                          Draw(links_.Success(*link, node, true), state.tx_fragments);
    if (received) {
      if (fresh) Accept(p, receiver);
      // The acknowledgement on the reverse link.
      const int64_t ack_ns = Ns(Airtime(links_.options().ack_bytes, links_.options()));
      Spend(receiver, ack_ns);
      ++acks_;
      if (Draw(links_.Success(*link, node, false), 1)) {
        Push(now_ns_ + ack_ns, EventKind::kAckRx, node, 0, token);
        return;
      }
    }
    Push(state.tx_end_ns + Ns(options_.ack_timeout), EventKind::kAckTimeout, node, 0, token);
  }

  void OnAckTimeout(uint32_t node, uint32_t token) {
    if (!Current(node, token)) return;
    NodeState& state = nodes_[node];
    if (state.tx_tries < options_.hop_retries) {
      ++state.tx_tries;
      ++stats_[node].hop_retries;
      const int64_t backoff_ns =
          static_cast<int64_t>(Uniform() * static_cast<double>(Ns(options_.retry_backoff)));
      Push(now_ns_ + backoff_ns, EventKind::kRetry, node, 0, token);
      return;
    }
    HopFailed(node);
  }

  // The frame left this node's hands for good (acked, broadcast done, failed).
  void FinishTx(uint32_t node) {
    NodeState& state = nodes_[node];
    FreeEntry(state.tx_entry);
    state.tx_entry = kNone;
    state.busy = false;
    ++state.tx_token;
    if (state.q_head != kNone && !state.wake_pending) TryStart(node);
  }

  void Accept(uint32_t p, uint32_t receiver) {
    Packet& packet = packets_[p];
    ++packet.hop;
    if (packet.hop + 1 == packet.path.size()) {
      Arrive(p, receiver);
    } else {
      Enqueue(receiver, p);
    }
  }

  void HopFailed(uint32_t node) {
    NodeState& state = nodes_[node];
    const uint32_t p = entries_[state.tx_entry].packet;
    const uint32_t hop = state.tx_hop;
    const bool moved_on = packets_[p].gen != state.tx_gen || packets_[p].hop != hop;
    FinishTx(node);
    if (moved_on) return;  // all acks were lost, the frame went on (see the header)
    Packet& packet = packets_[p];
    const uint32_t next = packet.path[hop + 1];
    if (packet.type == PacketType::kRouteError) {
      LosePacket(p);  // no error about an error: the originator's own retry covers it
      return;
    }
    if (hop == 0) {
      OriginFailure(p, node, next);
      return;
    }
    // ROUTE_ERROR back along the path travelled so far.
    const uint32_t error = NewPacket(PacketType::kRouteError, !packet.uplink, node);
    Packet& err = packets_[error];
    err.payload_bytes = kRouteErrorBytes;
    err.broken_from = node;
    err.broken_to = next;
    err.carried = p;
    err.epoch = packets_[p].epoch;
    for (uint32_t i = hop + 1; i-- > 0;) err.path.push_back(packets_[p].path[i]);
    Enqueue(node, error);
  }

  // The originator learnt that the link (from, to) of its frame's route is broken.
  void OriginFailure(uint32_t p, uint32_t from, uint32_t to) {
    const uint32_t origin = packets_[p].path.front();
    if (nodes_[origin].collector) {
      MarkBroken(from, to);
      RepairLink(from, to);
      if (packets_[p].attempts >= options_.end_to_end_retries) {
        LosePacket(p);
        return;
      }
      ++packets_[p].attempts;
      SendFromCollector(p);
      return;
    }
    // A meter: drop the route, ask the neighbours to tell the head-end, retry later.
    nodes_[origin].route_lost = true;
    lost_.push_back(origin);
    const uint32_t lost = NewPacket(PacketType::kRouteLost, false, origin);
    packets_[lost].payload_bytes = kRouteErrorBytes;
    packets_[lost].broken_from = from;
    packets_[lost].broken_to = to;
    packets_[lost].refs = 1;
    Enqueue(origin, lost);
    Packet& packet = packets_[p];
    if (packet.attempts >= options_.end_to_end_retries) {
      LosePacket(p);
      return;
    }
    ++packet.attempts;
    packet.path.clear();
    packet.hop = 0;
    Enqueue(origin, p);
  }

  // A downlink, query or retried frame leaves from the collector holding the best route.
  void SendFromCollector(uint32_t p) {
    Packet& packet = packets_[p];
    const uint32_t target = packet.target;
    if (!Routed(target)) {
      LosePacket(p);
      return;
    }
    packet.path.clear();
    for (uint32_t x = target; x != kNone; x = parent_[x]) packet.path.push_back(x);
    std::reverse(packet.path.begin(), packet.path.end());
    packet.hop = 0;
    packet.origin = packet.path.front();
    Enqueue(packet.origin, p);
  }

  void Arrive(uint32_t p, uint32_t node) {
    Packet& packet = packets_[p];
    switch (packet.type) {
      case PacketType::kData: {
        const uint32_t meter = packet.uplink ? packet.path.front() : packet.path.back();
        NodeStats& stats = stats_[meter];
        ++stats.frames_delivered;
        ++frames_delivered_;
        const auto latency_us = static_cast<uint32_t>(std::min<int64_t>(
            (now_ns_ - packet.handed_ns) / 1000, std::numeric_limits<uint32_t>::max()));
        stats.latency_sum_us += latency_us;
        if (stats.recent_latencies_us.size() < kLatencyWindow) {
          stats.recent_latencies_us.push_back(latency_us);
        } else {
          stats.recent_latencies_us[stats.latency_count % kLatencyWindow] = latency_us;
        }
        ++stats.latency_count;
        if (!packet.uplink) ++stats_[packet.path.front()].frames_delivered;
        Frame frame = std::move(packet.frame);
        FreePacket(p);
        if (deliver_) deliver_(std::move(frame));
        return;
      }
      case PacketType::kQuery: {
        const std::vector<uint32_t> down = packets_[p].path;
        const uint32_t epoch = packets_[p].epoch;
        FreePacket(p);
        SendReport(node, std::vector<uint32_t>(down.rbegin(), down.rend()), epoch);
        return;
      }
      case PacketType::kReport: {
        if (packet.epoch == epoch_) {
          // Out of the slab while the head-end works: it may add packets.
          std::vector<TableEntry> report = std::move(packet.report);
          HandleReport(packet.path.front(), report);
          report.clear();
          packets_[p].report = std::move(report);
          const uint32_t reporter = packets_[p].origin;
          FreePacket(p);
          ReleaseQuery(reporter);
        } else {
          FreePacket(p);
        }
        return;
      }
      case PacketType::kRouteError: {
        const uint32_t carried = packet.carried;
        const uint32_t from = packet.broken_from;
        const uint32_t to = packet.broken_to;
        FreePacket(p);
        if (carried != kNone) {
          OriginFailure(carried, from, to);
        } else if (nodes_[node].collector) {
          MarkBroken(from, to);
          RepairLink(from, to);
        }
        return;
      }
      case PacketType::kHello:
      case PacketType::kRouteLost:
      case PacketType::kFlood:
        break;
    }
    VMUC_CHECK(false, "local broadcasts do not arrive");
  }

  // `node`'s neighbour table (entries heard within the last interval + window) to the
  // head-end along `path` (node first; empty: the reverse of its current route).
  void SendReport(uint32_t node, std::vector<uint32_t> path, uint32_t epoch) {
    const uint32_t report = NewPacket(PacketType::kReport, true, node);
    Packet& r = packets_[report];
    r.epoch = epoch;
    const int64_t fresh_ns =
        now_ns_ - Ns(options_.rediscovery_interval) - Ns(options_.announce_window);
    for (const TableEntry& entry : tables_[node]) {
      if (entry.heard_ns >= fresh_ns) r.report.push_back(entry);
    }
    r.payload_bytes =
        kReportHeaderBytes + kReportEntryBytes * static_cast<uint32_t>(r.report.size());
    if (path.empty()) {
      for (uint32_t x = node; x != kNone; x = parent_[x]) path.push_back(x);
    }
    r.path = std::move(path);
    Enqueue(node, report);
  }

  // ---- local broadcasts -------------------------------------------------------------

  void OnHello(const Event& event) {
    const uint32_t node = event.node;
    if (event.a == 1) {  // periodic: the next one keeps the phase
      Push(event.t_ns + Ns(options_.rediscovery_interval), EventKind::kHello, node, 1, 0);
    }
    if (event.a == 2) nodes_[node].join_wait_ns = -nodes_[node].join_wait_ns;  // fired
    if (!nodes_[node].alive) return;
    // A meter the head-end has not routed yet keeps asking to join, less and less often:
    // one lost HELLO must not keep it out until the next discovery round.
    NodeState& state = nodes_[node];
    if (!state.collector && !Routed(node) && state.join_wait_ns <= 0) {
      const int64_t last = -state.join_wait_ns;
      state.join_wait_ns = last == 0 ? Ns(options_.announce_window)
                                     : std::min(2 * last, Ns(options_.rediscovery_interval));
      Push(now_ns_ + state.join_wait_ns, EventKind::kHello, node, 2, 0);
    } else if (Routed(node) && state.join_wait_ns < 0) {
      state.join_wait_ns = 0;
    }
    const uint32_t p = NewPacket(PacketType::kHello, false, node);
    packets_[p].payload_bytes = kHelloBytes;
    packets_[p].refs = 1;
    Enqueue(node, p);
  }

  void OnBroadcastEnd(uint32_t node, uint32_t token) {
    if (!Current(node, token)) return;
    const uint32_t p = entries_[nodes_[node].tx_entry].packet;
    const PacketType type = packets_[p].type;
    const uint32_t fragments = Fragments(packets_[p].payload_bytes, links_.options());
    uint32_t relay = kNone;
    uint32_t candidates = 0;  // join reporters seen so far (reservoir sampling of one)
    const auto better = [&](uint32_t j) {
      return relay == kNone || hops_[j] < hops_[relay] ||
             (hops_[j] == hops_[relay] && links_.node(j).address < links_.node(relay).address);
    };
    for (const Neighbour& link : links_.Neighbours(node)) {
      const uint32_t j = link.node;
      if (!nodes_[j].alive) continue;
      if (!Draw(links_.Success(link, node, true), fragments)) continue;
      switch (type) {
        case PacketType::kHello:
          if (MayReportJoin(j, node) && Uniform() * ++candidates < 1.0) relay = j;
          Heard(j, node, link.rssi_out_dbm - link.extra_loss_db);
          break;
        case PacketType::kRouteLost:
          if (CanRelayError(j, packets_[p].broken_to) && better(j)) relay = j;
          break;
        case PacketType::kFlood:
          if (nodes_[j].collector || nodes_[j].flood_seen == packets_[p].flood) break;
          nodes_[j].flood_seen = packets_[p].flood;
          {
            Frame copy = packets_[p].frame;
            copy.destination = links_.node(j).address;
            ++packets_[p].refs;
            Enqueue(j, p);
            if (deliver_) deliver_(std::move(copy));
          }
          break;
        default:
          break;
      }
    }
    if (type == PacketType::kHello && relay != kNone) SendReport(relay, {}, epoch_);
    if (type == PacketType::kRouteLost && relay != kNone) {
      const uint32_t error = NewPacket(PacketType::kRouteError, true, relay);
      Packet& err = packets_[error];
      err.payload_bytes = kRouteErrorBytes;
      err.broken_from = packets_[p].broken_from;
      err.broken_to = packets_[p].broken_to;
      for (uint32_t x = relay; x != kNone; x = parent_[x]) err.path.push_back(x);
      Enqueue(relay, error);
    }
    FinishTx(node);
    Unref(p);
  }

  bool CanRelayError(uint32_t j, uint32_t far_end) const {
    if (nodes_[j].collector || !Routed(j) || nodes_[j].route_lost || j == far_end) return false;
    for (uint32_t x = parent_[j]; x != kNone && !nodes_[x].collector; x = parent_[x]) {
      if (x == far_end) return false;
    }
    return true;
  }

  // Whether `node`, which heard a HELLO from `from`, may pass the news on: a routed meter
  // hearing a meter the head-end has no route to, over a link the head-end does not know.
  // One of them, drawn at random (a fixed choice could keep picking a neighbour whose own
  // route has just broken), sends an unsolicited NEIGHBOUR_REPORT up its route: how a
  // joining meter gets in between discovery rounds, one report per HELLO.
  bool MayReportJoin(uint32_t node, uint32_t from) {
    return !nodes_[node].collector && Routed(node) && !nodes_[node].route_lost &&
           !nodes_[from].collector && !Routed(from) && FindKnown(known_[node], from) == nullptr;
  }

  // `node` heard a HELLO from `from` at `rssi_dbm`.
  void Heard(uint32_t node, uint32_t from, double rssi_dbm) {
    std::vector<TableEntry>& table = tables_[node];
    const float rssi = static_cast<float>(rssi_dbm);
    bool found = false;
    for (TableEntry& entry : table) {
      if (entry.node == from) {
        entry.rssi_dbm = rssi;
        entry.heard_ns = now_ns_;
        found = true;
        break;
      }
    }
    if (!found) {
      if (table.size() < links_.options().max_neighbours * 2) {
        table.push_back({from, rssi, now_ns_});
      } else {
        auto weakest = std::min_element(table.begin(), table.end(),
                                        [](auto& a, auto& b) { return a.rssi_dbm < b.rssi_dbm; });
        if (weakest->rssi_dbm < rssi) *weakest = {from, rssi, now_ns_};
      }
    }
    if (nodes_[node].collector) {
      // The collector's own table is the head-end's at once.
      const float p = static_cast<float>(FrameSuccess(rssi_dbm, links_.options()));
      Learn(node, from, p, now_ns_);
      if (!nodes_[from].collector && !Routed(from) && nodes_[node].alive) {
        if (TryInstallVia(from, node)) {
          QueueQuery(from);
          IssueQueries();
        }
      }
    }
  }

  // ---- the head-end -----------------------------------------------------------------

  bool Routed(uint32_t node) const { return !nodes_[node].collector && parent_[node] != kNone; }

  std::vector<NodeAddress> RouteAddresses(uint32_t node) const {
    std::vector<NodeAddress> route;
    for (uint32_t x = node; x != kNone && !nodes_[x].collector; x = parent_[x]) {
      route.push_back(links_.node(x).address);
    }
    std::reverse(route.begin(), route.end());
    return route;
  }

  static KnownLink* FindKnown(std::vector<KnownLink>& list, uint32_t node) {
    for (KnownLink& link : list) {
      if (link.node == node) return &link;
    }
    return nullptr;
  }

  KnownLink& Upsert(uint32_t owner, uint32_t node) {
    if (KnownLink* link = FindKnown(known_[owner], node)) return *link;
    known_[owner].push_back(KnownLink{node, -1, -1, 0});
    return known_[owner].back();
  }

  // `owner` reports hearing `from` with success p at heard_ns.
  void Learn(uint32_t owner, uint32_t from, float p, int64_t heard_ns) {
    KnownLink& in = Upsert(owner, from);
    KnownLink& out = Upsert(from, owner);
    in.p_in = p;
    out.p_out = p;
    AddCandidate(owner);
    AddCandidate(from);
    if (in.broken_ns > 0 && heard_ns > in.broken_ns) in.broken_ns = out.broken_ns = 0;
  }

  void Forget(uint32_t a, uint32_t b) {
    for (auto [x, y] : {std::pair{a, b}, std::pair{b, a}}) {
      auto& list = known_[x];
      list.erase(std::remove_if(list.begin(), list.end(),
                                [y = y](const KnownLink& l) { return l.node == y; }),
                 list.end());
    }
  }

  void MarkBroken(uint32_t a, uint32_t b) {
    KnownLink* ab = FindKnown(known_[a], b);
    KnownLink* ba = FindKnown(known_[b], a);
    if (ab != nullptr) ab->broken_ns = now_ns_;
    if (ba != nullptr) ba->broken_ns = now_ns_;
  }

  void HandleReport(uint32_t node, const std::vector<TableEntry>& report) {
    // Links into `node` it no longer hears are forgotten.
    ++mark_stamp_;
    for (const TableEntry& entry : report) mark_[entry.node] = mark_stamp_;
    std::vector<uint32_t> gone;
    for (const KnownLink& link : known_[node]) {
      if (link.p_in >= 0 && mark_[link.node] != mark_stamp_) gone.push_back(link.node);
    }
    for (uint32_t other : gone) Forget(node, other);
    for (const TableEntry& entry : report) {
      Learn(node, entry.node, static_cast<float>(FrameSuccess(entry.rssi_dbm, links_.options())),
            entry.heard_ns);
    }
    if (!Routed(node) && !nodes_[node].collector) return;
    for (const TableEntry& entry : report) {
      const uint32_t v = entry.node;
      if (nodes_[v].collector || Routed(v)) continue;
      if (!round_active_) BeginPartialRound();
      if (TryInstallVia(v, node)) QueueQuery(v);
    }
    IssueQueries();
  }

  // A node learnt of between rounds (a join) is queried at once, and so are the nodes its
  // report brings in: a round of their own, which ends when it runs dry without the full
  // recompute of the periodic rounds.
  void BeginPartialRound() {
    ++round_id_;
    round_active_ = true;
    partial_round_ = true;
    round_recomputed_ = true;
    ClearQueries();
  }

  static double LinkEtx(const KnownLink& link) {
    if (link.broken_ns > 0) return std::numeric_limits<double>::infinity();
    const double forward = link.p_out >= 0 ? link.p_out : link.p_in;
    const double reverse = link.p_in >= 0 ? link.p_in : link.p_out;
    if (forward <= 0 || reverse <= 0) return std::numeric_limits<double>::infinity();
    return 1 / (forward * reverse);
  }

  // Whether every relay on the route to `via` (meters only) may take one more meter.
  bool RelaysHaveRoom(uint32_t via) const {
    for (uint32_t x = via; x != kNone && !nodes_[x].collector; x = parent_[x]) {
      if (relayed_for_[x] >= options_.relay_cap) return false;
    }
    return true;
  }

  // Installs v's route through `via` at total ETX `cost`: links v under via and counts v at
  // every relay on the way.
  void SetRoute(uint32_t v, uint32_t via, double cost) {
    parent_[v] = via;
    hops_[v] = nodes_[via].collector ? 1 : static_cast<uint8_t>(hops_[via] + 1);
    root_[v] = nodes_[via].collector ? via : root_[via];
    cost_[v] = cost;
    next_sibling_[v] = first_child_[via];
    prev_sibling_[v] = kNone;
    if (first_child_[via] != kNone) prev_sibling_[first_child_[via]] = v;
    first_child_[via] = v;
    for (uint32_t x = via; x != kNone && !nodes_[x].collector; x = parent_[x]) {
      ++relayed_for_[x];
    }
    nodes_[v].route_lost = false;
  }

  // Discovery: `v` was first heard through `via`, which the head-end can reach.
  bool TryInstallVia(uint32_t v, uint32_t via) {
    if (!nodes_[via].collector && !Routed(via)) return false;
    if (nodes_[via].collector && !nodes_[via].alive) return false;
    const KnownLink* link = FindKnown(known_[via], v);
    if (link == nullptr) return false;
    const double etx = LinkEtx(*link);
    if (!std::isfinite(etx)) return false;
    const uint32_t hops = nodes_[via].collector ? 1 : hops_[via] + 1u;
    if (hops > options_.max_route_addresses || !RelaysHaveRoom(via)) return false;
    SetRoute(v, via, RouteCost(via) + etx);
    Kick(v);
    // Meters that waited for a way in may now go through v.
    heap_.clear();
    Expand(v);
    SettleLabels();
    for (uint32_t w : routed_now_) {
      Kick(w);
      QueueQuery(w);
    }
    routed_now_.clear();
    return true;
  }

  void ClearRoutes() {
    std::fill(parent_.begin(), parent_.end(), kNone);
    std::fill(hops_.begin(), hops_.end(), 0);
    std::fill(root_.begin(), root_.end(), kNone);
    std::fill(relayed_for_.begin(), relayed_for_.end(), 0);
    std::fill(first_child_.begin(), first_child_.end(), kNone);
    std::fill(next_sibling_.begin(), next_sibling_.end(), kNone);
    std::fill(prev_sibling_.begin(), prev_sibling_.end(), kNone);
  }

  // Removes the routes of `top` and of every meter routed through it (its subtree) and
  // appends them to `out`: the relays above `top` relay for that many meters fewer.
  void DetachSubtree(uint32_t top, std::vector<uint32_t>& out) {
    const size_t first = out.size();
    out.push_back(top);
    for (size_t i = first; i < out.size(); ++i) {
      for (uint32_t c = first_child_[out[i]]; c != kNone; c = next_sibling_[c]) out.push_back(c);
    }
    const uint32_t size = static_cast<uint32_t>(out.size() - first);
    const uint32_t via = parent_[top];
    for (uint32_t x = via; x != kNone && !nodes_[x].collector; x = parent_[x]) {
      relayed_for_[x] -= size;
    }
    if (prev_sibling_[top] != kNone) {
      next_sibling_[prev_sibling_[top]] = next_sibling_[top];
    } else {
      first_child_[via] = next_sibling_[top];
    }
    if (next_sibling_[top] != kNone) prev_sibling_[next_sibling_[top]] = prev_sibling_[top];
    for (size_t i = first; i < out.size(); ++i) {
      const uint32_t v = out[i];
      parent_[v] = root_[v] = first_child_[v] = next_sibling_[v] = prev_sibling_[v] = kNone;
      hops_[v] = 0;
      relayed_for_[v] = 0;
    }
  }

  void Kick(uint32_t node) {
    if (nodes_[node].alive && !nodes_[node].busy && nodes_[node].q_head != kNone) {
      Wake(node, now_ns_);
    }
  }

  // A label of the route search: `node` reached through `parent` at total ETX `cost`.
  struct Label {
    double cost;
    uint32_t address;
    uint32_t node;
    uint32_t parent;
    bool operator>(const Label& other) const {
      if (cost != other.cost) return cost > other.cost;
      if (address != other.address) return address > other.address;
      return parent > other.parent;
    }
  };

  void PushLabel(double cost, uint32_t node, uint32_t parent) {
    heap_.push_back({cost, links_.node(node).address, node, parent});
    std::push_heap(heap_.begin(), heap_.end(), std::greater<Label>());
  }

  // Whether `u` (a live collector or a routed meter) may carry one more hop below it.
  bool CanParent(uint32_t u) const {
    if (nodes_[u].collector) return nodes_[u].alive;
    return Routed(u) && hops_[u] < options_.max_route_addresses &&
           relayed_for_[u] < options_.relay_cap;
  }

  // RelaysHaveRoom(u), remembered for the current mark_stamp_ (routes must not change).
  bool RoomMemo(uint32_t u) {
    if (nodes_[u].collector) return true;
    if (mark_[u] == mark_stamp_) return room_[u] != 0;
    const bool room =
        relayed_for_[u] < options_.relay_cap && (parent_[u] == kNone || RoomMemo(parent_[u]));
    mark_[u] = mark_stamp_;
    room_[u] = room ? 1 : 0;
    return room;
  }

  double RouteCost(uint32_t u) const { return nodes_[u].collector ? 0.0 : cost_[u]; }

  // Offers every unrouted meter `u` knows a route through `u` (u itself may parent).
  void Expand(uint32_t u) {
    // Room only shrinks while a search settles meters: a full route stays full.
    if (!CanParent(u) || !RelaysHaveRoom(u)) return;
    for (const KnownLink& link : known_[u]) {
      const uint32_t w = link.node;
      if (nodes_[w].collector || Routed(w)) continue;
      const double etx = LinkEtx(link);
      if (!std::isfinite(etx)) continue;
      PushLabel(RouteCost(u) + etx, w, u);
    }
  }

  // The Dijkstra of the header, over the labels in heap_: in increasing ETX order a meter
  // is settled through the cheapest parent whose relays all have room; a settled meter
  // offers routes to its unrouted neighbours. Routed meters and collectors stay as they are.
  void SettleLabels() {
    while (!heap_.empty()) {
      std::pop_heap(heap_.begin(), heap_.end(), std::greater<Label>());
      const Label label = heap_.back();
      heap_.pop_back();
      const uint32_t v = label.node;
      if (nodes_[v].collector || Routed(v)) continue;
      if (!RelaysHaveRoom(label.parent)) continue;
      SetRoute(v, label.parent, label.cost);
      routed_now_.push_back(v);
      Expand(v);
    }
  }

  // Routes for the unrouted meters in `seeds` (and, through them, any other unrouted
  // meter): each seed is offered a route through every neighbour that already has one;
  // existing routes are kept. Cost: the seeds' links and what gets routed, not N.
  void RouteUnrouted(const std::vector<uint32_t>& seeds) {
    heap_.clear();
    ++mark_stamp_;  // RoomMemo's: no route changes until SettleLabels
    for (uint32_t w : seeds) {
      if (nodes_[w].collector || Routed(w)) continue;
      for (const KnownLink& link : known_[w]) {
        const uint32_t u = link.node;
        // A parent without room now gets none while the search settles (room only
        // shrinks), so its label would only be popped and dropped.
        if (!CanParent(u) || !RoomMemo(u)) continue;
        // ETX is symmetric in the two directions, so w's entry serves.
        const double etx = LinkEtx(link);
        if (!std::isfinite(etx)) continue;
        PushLabel(RouteCost(u) + etx, w, u);
      }
    }
    SettleLabels();
    for (uint32_t w : seeds) {
      if (!Routed(w)) AddCandidate(w);
    }
  }

  // Remembers an unrouted meter the head-end knows links of, for the round's next pass.
  void AddCandidate(uint32_t v) {
    if (nodes_[v].collector || Routed(v) || candidate_[v]) return;
    candidate_[v] = 1;
    candidates_.push_back(v);
  }

  // Meters routed by the last search: their uplinks may go, and they join the round.
  // Meters that lost their route and hold one now get it installed (the reverse of the
  // head-end's current route, see the header).
  void AfterRouting() {
    for (uint32_t v : routed_now_) {
      Kick(v);
      QueueQuery(v);
    }
    routed_now_.clear();
    // An unrouted one keeps waiting: SetRoute clears its flag when it gets a route.
    for (uint32_t v : lost_) {
      if (nodes_[v].route_lost && Routed(v)) {
        nodes_[v].route_lost = false;
        Kick(v);
      }
    }
    lost_.clear();
    IssueQueries();
  }

  // A route error named the link a-b: only the meters routed over it lose their routes
  // and are routed again (with the link now unusable); every other route stays. The
  // meters still waiting for a route try again too (the relays above the cut relay for
  // fewer meters now): cost their links, not N.
  void RepairLink(uint32_t a, uint32_t b) {
    repair_.clear();
    if (!nodes_[b].collector && parent_[b] == a) {
      DetachSubtree(b, repair_);
    } else if (!nodes_[a].collector && parent_[a] == b) {
      DetachSubtree(a, repair_);
    }
    for (uint32_t v : candidates_) candidate_[v] = 0;
    repair_.insert(repair_.end(), candidates_.begin(), candidates_.end());
    candidates_.clear();
    RouteUnrouted(repair_);  // lists the ones still unrouted as candidates again
    AfterRouting();
  }

  // Dijkstra from every live collector over the known links, in increasing ETX order,
  // within the route and relay caps (see the header). O(known links x log): once per round.
  void RecomputeRoutes() {
    ClearRoutes();
    heap_.clear();
    routed_now_.clear();
    for (uint32_t c : collectors_) Expand(c);
    SettleLabels();
    routed_now_.clear();
    for (uint32_t v = 0; v < nodes_.size(); ++v) {
      if (!Routed(v)) continue;
      nodes_[v].route_lost = false;
      Kick(v);
      QueueQuery(v);
    }
    lost_.clear();
    IssueQueries();
  }

  // A later pass of a round: routes for the meters learnt of since (and those still
  // waiting), through the routes in place.
  void RouteCandidates() {
    std::vector<uint32_t> seeds;
    seeds.swap(candidates_);
    for (uint32_t v : seeds) candidate_[v] = 0;
    RouteUnrouted(seeds);  // lists the ones still unrouted again
    seeds.clear();
    if (candidates_.empty()) candidates_.swap(seeds);  // keep the capacity
    AfterRouting();
  }

  // Only lists the node, with the collector its route starts at; IssueQueries sends.
  void QueueQuery(uint32_t node) {
    if (round_active_ && queried_round_[node] != round_id_ && Routed(node)) {
      ListQuery(collector_slot_[root_[node]], node);
    }
  }

  void ListQuery(uint32_t slot, uint32_t node) {
    QueryQueue& queue = query_queues_[slot];
    queue.list.push_back(node);
    ++queries_listed_;
    MarkReady(slot);
  }

  // The collector may be able to send a query: IssueQueries looks at it.
  void MarkReady(uint32_t slot) {
    QueryQueue& queue = query_queues_[slot];
    if (queue.ready) return;
    queue.ready = true;
    ready_slots_.push_back(slot);
  }

  void ClearQueries() {
    for (QueryQueue& queue : query_queues_) {
      queue.list.clear();
      queue.next = 0;
      queue.in_flight = 0;
      queue.ready = false;
    }
    ready_slots_.clear();
    ready_next_ = 0;
    queries_listed_ = 0;
    queries_in_flight_ = 0;
  }

  void OnRoundStart(uint32_t epoch) {
    if (epoch != epoch_) return;
    Push(now_ns_ + Ns(options_.rediscovery_interval), EventKind::kRoundStart, 0, epoch_, 0);
    // The previous periodic round is still running: let it finish. A partial round (joins)
    // becomes this periodic round: what it queried counts, the rest is listed below.
    if (round_active_ && !partial_round_) return;
    // The collectors' own tables age like the meters' reports.
    const int64_t fresh_ns =
        now_ns_ - Ns(options_.rediscovery_interval) - Ns(options_.announce_window);
    for (uint32_t c : collectors_) {
      std::vector<TableEntry> fresh;
      for (const TableEntry& entry : tables_[c]) {
        if (entry.heard_ns >= fresh_ns) fresh.push_back(entry);
      }
      tables_[c] = fresh;
      HandleReport(c, fresh);
    }
    if (!round_active_) {
      ++round_id_;
      ClearQueries();
    }
    round_active_ = true;
    partial_round_ = false;
    round_recomputed_ = false;
    std::vector<uint32_t> order;
    for (uint32_t v = 0; v < nodes_.size(); ++v) {
      if (Routed(v) && queried_round_[v] != round_id_) order.push_back(v);
    }
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      return std::pair{hops_[a], links_.node(a).address} <
             std::pair{hops_[b], links_.node(b).address};
    });
    for (uint32_t v : order) ListQuery(collector_slot_[root_[v]], v);
    IssueQueries();
  }

  // Sends queries while collectors have free slots (each keeps up to
  // max_parallel_queries in flight: its own duty cycle is what limits it); when the round
  // runs dry, recomputes all routes and goes on with nodes that became reachable, or ends
  // the round. Terminates: every pass either ends the round or queries nodes not yet
  // queried in it.
  void IssueQueries() {
    if (issuing_) return;  // re-entered through a recompute or a lost query
    issuing_ = true;
    while (round_active_) {
      // Collectors in the order they became ready (deterministic: event order).
      while (ready_next_ < ready_slots_.size()) {
        const uint32_t slot = ready_slots_[ready_next_++];
        QueryQueue& queue = query_queues_[slot];
        queue.ready = false;
        while (queue.in_flight < options_.max_parallel_queries && queue.next < queue.list.size()) {
          const uint32_t v = queue.list[queue.next++];
          --queries_listed_;
          if (queried_round_[v] == round_id_ || !Routed(v)) continue;
          const uint32_t root_slot = collector_slot_[root_[v]];
          if (root_slot != slot) {  // rerouted through another collector since listed
            ListQuery(root_slot, v);
            continue;
          }
          queried_round_[v] = round_id_;
          outstanding_round_[v] = round_id_;
          query_slot_[v] = slot;
          Push(now_ns_ + Ns(options_.query_timeout), EventKind::kQueryTimeout, v, round_id_, 0);
          const uint32_t p = NewPacket(PacketType::kQuery, false, kNone);
          packets_[p].target = v;
          packets_[p].payload_bytes = kQueryBytes;
          ++queue.in_flight;
          ++queries_in_flight_;
          SendFromCollector(p);
        }
        if (queue.next == queue.list.size()) {
          queue.list.clear();
          queue.next = 0;
        }
      }
      ready_slots_.clear();
      ready_next_ = 0;
      if (queries_in_flight_ > 0 || queries_listed_ > 0) break;
      // The first time a round runs dry, all routes are recomputed from everything known;
      // later passes route only the meters learnt of since. Either lists the nodes it
      // newly reaches.
      if (!round_recomputed_) {
        round_recomputed_ = true;
        RecomputeRoutes();
      } else {
        RouteCandidates();
      }
      if (queries_listed_ == 0) round_active_ = false;
    }
    issuing_ = false;
  }

  // The query to `node` is over (report, loss or timeout); a late report still counts
  // as knowledge but frees no second slot.
  void ReleaseQuery(uint32_t node) {
    if (outstanding_round_[node] == 0) return;
    outstanding_round_[node] = 0;
    --query_queues_[query_slot_[node]].in_flight;
    --queries_in_flight_;
    MarkReady(query_slot_[node]);
    IssueQueries();
  }

  friend class MeshSimulator;

  LinkModel links_;
  const MeshOptions options_;
  const DeliverFn deliver_;
  const int64_t start_ns_;
  int64_t now_ns_;
  uint64_t rng_ = 0;
  uint64_t next_seq_ = 0;
  std::priority_queue<Event, std::vector<Event>, EventLater> events_;

  std::vector<std::pair<NodeAddress, uint32_t>> by_address_;
  std::vector<NodeState> nodes_;
  std::vector<NodeStats> stats_;
  std::vector<std::vector<TableEntry>> tables_;

  std::vector<Packet> packets_;
  std::vector<uint32_t> free_packets_;
  std::vector<QueueEntry> entries_;
  std::vector<uint32_t> free_entries_;
  uint32_t flood_id_ = 0;
  uint64_t announce_generation_ = 0;

  // Head-end state.
  uint32_t epoch_ = 1;
  std::vector<std::vector<KnownLink>> known_;
  std::vector<uint32_t> parent_;
  std::vector<uint32_t> root_;
  std::vector<uint8_t> hops_;
  std::vector<uint32_t> relayed_for_;
  std::vector<double> cost_;  // total ETX of the route
  // The route tree: a node's children (meters routed through it) as a doubly linked list.
  std::vector<uint32_t> first_child_;
  std::vector<uint32_t> next_sibling_;
  std::vector<uint32_t> prev_sibling_;
  std::vector<uint32_t> collectors_;  // node indices, in index order
  // Scratch of the route searches, kept for their capacity.
  std::vector<Label> heap_;
  std::vector<uint32_t> routed_now_;  // routed by the current search
  std::vector<uint32_t> repair_;      // detached by a route error
  std::vector<uint32_t> lost_;        // meters that announced ROUTE_LOST since the last search
  // Unrouted meters the head-end knows links of: the next pass of a round tries them.
  std::vector<uint32_t> candidates_;
  std::vector<uint8_t> candidate_;
  bool round_recomputed_ = false;  // the round's first pass recomputed every route
  bool partial_round_ = false;     // the active round only queries joiners (no recompute)
  bool round_active_ = false;
  bool issuing_ = false;
  uint32_t round_id_ = 0;
  std::vector<uint32_t> queried_round_;
  std::vector<uint32_t> outstanding_round_;  // round of the query awaiting a report; 0: none
  // Per collector (by slot, its rank in collectors_): the nodes whose route starts there,
  // in the order they are to be queried.
  struct QueryQueue {
    std::vector<uint32_t> list;
    size_t next = 0;
    uint32_t in_flight = 0;
    bool ready = false;  // listed in ready_slots_
  };
  std::vector<QueryQueue> query_queues_;
  std::vector<uint32_t> ready_slots_;  // collectors that may have a query to send
  size_t ready_next_ = 0;
  std::vector<uint32_t> collector_slot_;  // node index -> slot (kNone for meters)
  std::vector<uint32_t> query_slot_;      // the collector slot an outstanding query holds
  // Scratch stamps: HandleReport's listed entries, RoomMemo's answers.
  std::vector<uint32_t> mark_;
  std::vector<uint8_t> room_;
  uint32_t mark_stamp_ = 0;
  uint64_t queries_listed_ = 0;     // listed, not yet taken
  uint32_t queries_in_flight_ = 0;  // over all collectors

  uint64_t frame_hops_ = 0;
  uint64_t acks_ = 0;
  uint64_t frames_sent_ = 0;
  uint64_t frames_delivered_ = 0;
  uint64_t frames_lost_ = 0;
  uint64_t queue_drops_ = 0;
};

MeshSnapshot MeshSimulator::Impl::Snapshot() const {
  MeshSnapshot snapshot;
  snapshot.taken_at = Now();
  const uint32_t n = static_cast<uint32_t>(nodes_.size());
  std::vector<uint32_t> order(n);
  for (uint32_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return std::pair{!nodes_[a].collector, links_.node(a).address} <
           std::pair{!nodes_[b].collector, links_.node(b).address};
  });
  if (n > 0) {
    double x_min = links_.node(0).x_m, x_max = x_min, y_min = links_.node(0).y_m, y_max = y_min;
    for (uint32_t i = 0; i < n; ++i) {
      x_min = std::min(x_min, links_.node(i).x_m);
      x_max = std::max(x_max, links_.node(i).x_m);
      y_min = std::min(y_min, links_.node(i).y_m);
      y_max = std::max(y_max, links_.node(i).y_m);
    }
    snapshot.area_width_m = x_max - x_min;
    snapshot.area_height_m = y_max - y_min;
  }
  for (uint32_t i : order) {
    const MeshNode& where = links_.node(i);
    const NodeState& state = nodes_[i];
    const NodeStats& stats = stats_[i];
    NodeSnapshot node;
    node.address = where.address;
    node.collector = state.collector;
    node.x_m = where.x_m;
    node.y_m = where.y_m;
    node.alive = state.alive;
    node.reachable = state.collector ? state.alive : Routed(i);
    if (Routed(i)) {
      node.route = RouteAddresses(i);
      node.hop_count = static_cast<uint32_t>(node.route.size());
      node.parent = links_.node(parent_[i]).address;
      if (const Neighbour* link = links_.Find(parent_[i], i)) {
        node.parent_rssi_dbm = link->rssi_out_dbm - link->extra_loss_db;
        node.parent_link_success = links_.Success(*link, parent_[i], true);
      }
    }
    node.relayed_for = state.collector ? 0 : relayed_for_[i];
    node.frames_sent = stats.frames_sent;
    node.frames_delivered = stats.frames_delivered;
    node.delivery_ratio = stats.frames_sent == 0 ? 1.0
                                                 : static_cast<double>(stats.frames_delivered) /
                                                       static_cast<double>(stats.frames_sent);
    if (stats.latency_count > 0) {
      node.latency_mean = std::chrono::microseconds(stats.latency_sum_us / stats.latency_count);
      std::vector<uint32_t> sorted = stats.recent_latencies_us;
      const size_t k = (sorted.size() * 95 + 99) / 100 - 1;
      std::nth_element(sorted.begin(), sorted.begin() + k, sorted.end());
      node.latency_p95 = std::chrono::microseconds(sorted[k]);
    }
    node.hop_retries = stats.hop_retries;
    node.queue_drops = stats.queue_drops;
    snapshot.nodes.push_back(std::move(node));
    if (!state.collector && !Routed(i)) ++snapshot.unreachable_meters;
  }
  // Links as the head-end knows them: entries of reported neighbour tables (from -> to).
  for (uint32_t to : order) {
    for (const KnownLink& known : known_[to]) {
      if (known.p_in < 0) continue;
      const uint32_t from = known.node;
      LinkSnapshot link;
      link.from = links_.node(from).address;
      link.to = links_.node(to).address;
      if (const Neighbour* radio = links_.Find(from, to)) {
        link.rssi_dbm = radio->rssi_out_dbm - radio->extra_loss_db;
        link.success = links_.Success(*radio, from, true);
      }
      link.in_route = (parent_[to] == from && Routed(to)) || (parent_[from] == to && Routed(from));
      link.degraded = links_.Degraded(from, to);
      snapshot.links.push_back(link);
    }
  }
  snapshot.frame_hops = frame_hops_;
  snapshot.frames_sent = frames_sent_;
  snapshot.frames_delivered = frames_delivered_;
  snapshot.queue_drops = queue_drops_;
  return snapshot;
}

// ---- MeshSimulator ----------------------------------------------------------------

MeshSimulator::MeshSimulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MeshSimulator::~MeshSimulator() = default;

absl::StatusOr<std::unique_ptr<MeshSimulator>> MeshSimulator::Create(std::vector<MeshNode> nodes,
                                                                     MeshOptions options,
                                                                     TimePoint start,
                                                                     DeliverFn deliver) {
  std::vector<NodeAddress> addresses;
  bool has_gateway_collector = false;
  for (const MeshNode& node : nodes) {
    if (node.address > kMaxNodeAddress) {
      return absl::InvalidArgumentError(
          absl::StrCat("node address ", node.address, " is beyond 28 bits"));
    }
    if (node.address == kBroadcastNode) {
      return absl::InvalidArgumentError(
          absl::StrCat("node address ", node.address, " is the broadcast address"));
    }
    if (node.collector) {
      if (node.address != kCollectorNode &&
          (node.address < CollectorAddress(kMaxCollectors - 1) || node.address == kBroadcastNode)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "collector address ", node.address, " is neither 0 nor within the ", kMaxCollectors - 1,
            " addresses below the broadcast address ", kBroadcastNode));
      }
      has_gateway_collector |= node.address == kCollectorNode;
    } else if (node.address == kCollectorNode) {
      return absl::InvalidArgumentError("meter address 0 belongs to the gateway's collector");
    }
    addresses.push_back(node.address);
  }
  if (!has_gateway_collector) {
    return absl::InvalidArgumentError("no collector with address 0 (the gateway's collector)");
  }
  std::sort(addresses.begin(), addresses.end());
  if (auto dup = std::adjacent_find(addresses.begin(), addresses.end()); dup != addresses.end()) {
    return absl::InvalidArgumentError(absl::StrCat("node address ", *dup, " appears twice"));
  }
  if (options.max_route_addresses < 1 || options.max_route_addresses > 255) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_route_addresses ", options.max_route_addresses, " is not within 1..255"));
  }
  if (options.queue_limit == 0) return absl::InvalidArgumentError("queue_limit must be positive");
  if (options.max_parallel_queries == 0) {
    return absl::InvalidArgumentError("max_parallel_queries must be positive");
  }
  if (options.announce_window <= Duration::zero() ||
      options.rediscovery_interval < options.announce_window) {
    return absl::InvalidArgumentError(
        "announce_window must be positive and rediscovery_interval at least as long");
  }
  absl::StatusOr<LinkModel> links = LinkModel::Create(nodes, options.radio, options.seed);
  if (!links.ok()) return links.status();
  return std::unique_ptr<MeshSimulator>(new MeshSimulator(
      std::make_unique<Impl>(*std::move(links), std::move(options), start, std::move(deliver))));
}

TimePoint MeshSimulator::Now() const { return impl_->Now(); }
std::optional<TimePoint> MeshSimulator::NextEventTime() const { return impl_->NextEventTime(); }
void MeshSimulator::AdvanceTo(TimePoint t) { impl_->AdvanceTo(t); }
absl::Status MeshSimulator::SendUplink(Frame frame) { return impl_->SendUplink(std::move(frame)); }
absl::Status MeshSimulator::SendDownlink(Frame frame) {
  return impl_->SendDownlink(std::move(frame));
}
absl::Status MeshSimulator::Broadcast(Frame frame) { return impl_->Broadcast(std::move(frame)); }
absl::Status MeshSimulator::KillNode(NodeAddress a) { return impl_->KillNode(a); }
absl::Status MeshSimulator::ReviveNode(NodeAddress a) { return impl_->ReviveNode(a); }
absl::Status MeshSimulator::DegradeLink(NodeAddress a, NodeAddress b, double extra_loss_db) {
  return impl_->DegradeLink(a, b, extra_loss_db);
}
absl::Status MeshSimulator::Partition(Area area) { return impl_->Partition(area); }
absl::Status MeshSimulator::HealPartition() { return impl_->HealPartition(); }
void MeshSimulator::RestartCollector() { impl_->RestartCollector(); }
bool MeshSimulator::Reachable(NodeAddress meter) const { return impl_->Reachable(meter); }
std::vector<NodeAddress> MeshSimulator::RouteTo(NodeAddress meter) const {
  return impl_->RouteTo(meter);
}
MeshSnapshot MeshSimulator::Snapshot() const { return impl_->Snapshot(); }
uint64_t MeshSimulator::frame_hops() const { return impl_->frame_hops(); }
uint64_t MeshSimulator::acks() const { return impl_->acks(); }
const LinkModel& MeshSimulator::links() const { return impl_->links(); }

}  // namespace vmuc::radio_mesh
