#include "radio_mesh/link_model.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <queue>

#include "absl/strings/str_cat.h"
#include "common/mix64.h"

namespace vmuc::radio_mesh {
namespace {

// Normal draws are clipped here (see the header): bounds the radio horizon.
constexpr double kClipSigmas = 2.5;
// Rounding allowance of the cheap bounds that skip exact draws in Create, dB.
constexpr double kBoundMarginDb = 1e-6;

double UniformOpen(uint64_t bits) {  // (0, 1): safe for log()
  return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53;
}

// A seeded standard normal draw (Box-Muller), clipped to +-kClipSigmas.
double Normal(uint64_t key) {
  const double u1 = UniformOpen(Mix64(key));
  const double u2 = UniformOpen(Mix64(key ^ 0xA5A5A5A5A5A5A5A5ULL));
  const double z = std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
  return std::clamp(z, -kClipSigmas, kClipSigmas);
}

uint64_t PairKey(NodeAddress a, NodeAddress b) { return (static_cast<uint64_t>(a) << 32) | b; }

struct LinkDraws {
  double rank_dbm;  // mean level with the shared shadowing only: ranks neighbours
  double rssi_ab_dbm;
  double rssi_ba_dbm;
};

class Drawer {
 public:
  Drawer(const RadioOptions& options, uint64_t seed)
      : options_(options),
        shadow_seed_(Mix64(seed ^ 0x5348414457ULL)),
        asym_seed_(Mix64(seed ^ 0x4153594DULL)) {}

  double RankDbm(const MeshNode& a, const MeshNode& b, double distance_m) const {
    const NodeAddress lo = std::min(a.address, b.address);
    const NodeAddress hi = std::max(a.address, b.address);
    return MeanRssiDbm(distance_m, options_) +
           options_.shadowing_sigma_db * Normal(shadow_seed_ ^ Mix64(PairKey(lo, hi)));
  }

  LinkDraws Draw(const MeshNode& a, const MeshNode& b, double distance_m) const {
    return DrawWithRank(a, b, RankDbm(a, b, distance_m));
  }

  // Draw() when RankDbm(a, b, distance) is known already.
  LinkDraws DrawWithRank(const MeshNode& a, const MeshNode& b, double rank) const {
    return {rank,
            rank + options_.asymmetry_sigma_db *
                       Normal(asym_seed_ ^ Mix64(PairKey(a.address, b.address))),
            rank + options_.asymmetry_sigma_db *
                       Normal(asym_seed_ ^ Mix64(PairKey(b.address, a.address)))};
  }

 private:
  const RadioOptions& options_;
  const uint64_t shadow_seed_;
  const uint64_t asym_seed_;
};

double Distance(const MeshNode& a, const MeshNode& b) {
  return std::hypot(a.x_m - b.x_m, a.y_m - b.y_m);
}

}  // namespace

absl::Status ValidateRadioOptions(const RadioOptions& o) {
  const auto bad = [](absl::string_view field, double value, absl::string_view rule) {
    return absl::InvalidArgumentError(absl::StrCat("radio ", field, " = ", value, ": ", rule));
  };
  if (!(o.frequency_mhz >= 434 && o.frequency_mhz <= 448)) {
    return bad("frequency_mhz", o.frequency_mhz, "must lie within 434..448 MHz");
  }
  if (!(o.path_loss_exponent >= 1.5 && o.path_loss_exponent <= 6)) {
    return bad("path_loss_exponent", o.path_loss_exponent, "must lie within 1.5..6");
  }
  if (!(o.reference_distance_m > 0)) {
    return bad("reference_distance_m", o.reference_distance_m, "must be positive");
  }
  if (!(o.success_slope_db > 0)) {
    return bad("success_slope_db", o.success_slope_db, "must be positive");
  }
  if (!(o.shadowing_sigma_db >= 0)) {
    return bad("shadowing_sigma_db", o.shadowing_sigma_db, "must not be negative");
  }
  if (!(o.asymmetry_sigma_db >= 0)) {
    return bad("asymmetry_sigma_db", o.asymmetry_sigma_db, "must not be negative");
  }
  if (!(o.data_rate_bps > 0)) return bad("data_rate_bps", o.data_rate_bps, "must be positive");
  if (o.max_frame_payload_bytes == 0) {
    return bad("max_frame_payload_bytes", 0, "must be positive");
  }
  if (!(o.duty_cycle > 0 && o.duty_cycle <= 1)) {
    return bad("duty_cycle", o.duty_cycle, "must lie within (0, 1]");
  }
  if (!(o.link_floor > 0 && o.link_floor < 0.5)) {
    return bad("link_floor", o.link_floor, "must lie within (0, 0.5)");
  }
  if (o.max_neighbours == 0) return bad("max_neighbours", 0, "must be positive");
  return absl::OkStatus();
}

double FreeSpaceLossDb(double distance_m, double frequency_mhz) {
  // Friis: 20 log10(4 pi d f / c) = 20 log10(d_m) + 20 log10(f_MHz) - 27.55 dB.
  return 20 * std::log10(distance_m) + 20 * std::log10(frequency_mhz) - 27.55;
}

double PathLossDb(double distance_m, const RadioOptions& options) {
  const double d0 = options.reference_distance_m;
  const double d = std::max(distance_m, d0);
  return FreeSpaceLossDb(d0, options.frequency_mhz) +
         10 * options.path_loss_exponent * std::log10(d / d0);
}

double MeanRssiDbm(double distance_m, const RadioOptions& options) {
  return options.tx_power_dbm - PathLossDb(distance_m, options);
}

double FrameSuccess(double rssi_dbm, const RadioOptions& options) {
  return 1 / (1 + std::exp(-(rssi_dbm - options.sensitivity_dbm) / options.success_slope_db));
}

Duration Airtime(uint32_t bytes, const RadioOptions& options) {
  return Duration(static_cast<int64_t>(std::llround(bytes * 8 * 1e9 / options.data_rate_bps)));
}

uint32_t Fragments(uint32_t payload_bytes, const RadioOptions& options) {
  return std::max<uint32_t>(
      1, (payload_bytes + options.max_frame_payload_bytes - 1) / options.max_frame_payload_bytes);
}

Duration FrameAirtime(uint32_t payload_bytes, uint32_t route_addresses,
                      const RadioOptions& options) {
  const uint32_t header =
      options.frame_overhead_bytes + route_addresses * options.route_address_bytes;
  return Airtime(payload_bytes + Fragments(payload_bytes, options) * header, options);
}

absl::StatusOr<LinkModel> LinkModel::Create(const std::vector<MeshNode>& nodes,
                                            const RadioOptions& options, uint64_t seed) {
  if (absl::Status status = ValidateRadioOptions(options); !status.ok()) return status;
  LinkModel model;
  model.options_ = options;
  model.nodes_ = nodes;
  model.region_.assign(nodes.size(), 0);
  const uint32_t n = static_cast<uint32_t>(nodes.size());
  model.offsets_.assign(n + 1, 0);
  if (n == 0) return model;

  // The weakest level a kept link may have in its better direction, and the farthest
  // distance at which the most favourable draws could still reach it.
  const double floor_rssi_dbm =
      options.sensitivity_dbm +
      options.success_slope_db * std::log(options.link_floor / (1 - options.link_floor));
  const double max_bonus_db =
      kClipSigmas * (options.shadowing_sigma_db + options.asymmetry_sigma_db);
  const double rank_bonus_db = kClipSigmas * options.shadowing_sigma_db;
  const double horizon_loss_db = options.tx_power_dbm + max_bonus_db - floor_rssi_dbm;
  const double horizon_m =
      options.reference_distance_m *
      std::pow(10, (horizon_loss_db -
                    FreeSpaceLossDb(options.reference_distance_m, options.frequency_mhz)) /
                       (10 * options.path_loss_exponent));

  // Above the exact horizon test's threshold by a margin, so only clear cases are cut.
  const double horizon2_m2 = horizon_m * horizon_m * (1 + 1e-9);
  // MeanRssiDbm from the squared distance: one log, no sqrt.
  const double d0 = options.reference_distance_m;
  const double mean_at_d0_dbm = MeanRssiDbm(d0, options);
  const auto MeanRssiFromSquaredDbm = [&](double d2) {
    return d2 <= d0 * d0
               ? mean_at_d0_dbm
               : mean_at_d0_dbm - 5 * options.path_loss_exponent * std::log10(d2 / (d0 * d0));
  };

  // Uniform grid of cells, about four nodes per cell.
  double x_min = nodes[0].x_m, x_max = x_min, y_min = nodes[0].y_m, y_max = y_min;
  for (const MeshNode& node : nodes) {
    x_min = std::min(x_min, node.x_m);
    x_max = std::max(x_max, node.x_m);
    y_min = std::min(y_min, node.y_m);
    y_max = std::max(y_max, node.y_m);
  }
  const double width_m = std::max(x_max - x_min, 1.0);
  const double height_m = std::max(y_max - y_min, 1.0);
  const double cell_m = std::max(10.0, 2 * std::sqrt(width_m * height_m / n));
  const int64_t columns = static_cast<int64_t>(width_m / cell_m) + 1;
  const int64_t rows = static_cast<int64_t>(height_m / cell_m) + 1;
  std::vector<uint32_t> cell_start(columns * rows + 1, 0);
  std::vector<uint32_t> cell_nodes(n);
  const auto cell_of = [&](const MeshNode& node) {
    const int64_t cx =
        std::min<int64_t>(columns - 1, static_cast<int64_t>((node.x_m - x_min) / cell_m));
    const int64_t cy =
        std::min<int64_t>(rows - 1, static_cast<int64_t>((node.y_m - y_min) / cell_m));
    return std::pair{cx, cy};
  };
  for (const MeshNode& node : nodes) {
    auto [cx, cy] = cell_of(node);
    ++cell_start[cy * columns + cx + 1];
  }
  for (size_t c = 1; c < cell_start.size(); ++c) cell_start[c] += cell_start[c - 1];
  {
    std::vector<uint32_t> fill(cell_start.begin(), cell_start.end() - 1);
    for (uint32_t i = 0; i < n; ++i) {
      auto [cx, cy] = cell_of(nodes[i]);
      cell_nodes[fill[cy * columns + cx]++] = i;
    }
  }

  const Drawer drawer(options, seed);
  std::vector<uint64_t> pairs;  // (i << 32 | j), both orders
  // Min-heap on rank: the weakest kept link on top, to be displaced by a stronger one.
  using Ranked = std::pair<double, uint32_t>;
  std::vector<Ranked> kept;
  const auto weaker = [](const Ranked& a, const Ranked& b) { return a > b; };
  const int64_t max_ring = std::max(columns, rows);
  for (uint32_t i = 0; i < n; ++i) {
    const MeshNode& a = nodes[i];
    kept.clear();
    auto [cx, cy] = cell_of(a);
    for (int64_t ring = 0; ring <= max_ring; ++ring) {
      const double ring_distance_m = std::max<int64_t>(0, ring - 1) * cell_m;
      if (ring_distance_m > horizon_m) break;
      if (kept.size() == options.max_neighbours &&
          MeanRssiDbm(ring_distance_m, options) + rank_bonus_db < kept.front().first) {
        break;  // nothing this far out could outrank the weakest kept link
      }
      for (int64_t y = std::max<int64_t>(0, cy - ring); y <= std::min(rows - 1, cy + ring); ++y) {
        const bool edge_row = y == cy - ring || y == cy + ring;
        const int64_t step = edge_row ? 1 : 2 * ring;
        for (int64_t x = cx - ring; x <= cx + ring; x += std::max<int64_t>(step, 1)) {
          if (x < 0 || x >= columns) continue;
          const int64_t c = y * columns + x;
          for (uint32_t k = cell_start[c]; k < cell_start[c + 1]; ++k) {
            const uint32_t j = cell_nodes[k];
            if (j == i) continue;
            // Cheap bounds first (no sqrt, no draw): most nodes in the outer rings are
            // beyond the horizon or cannot outrank the weakest kept link even with the
            // most favourable shadowing. The margins leave borderline cases to the exact
            // tests below, so the result is the same.
            const double dx = a.x_m - nodes[j].x_m;
            const double dy = a.y_m - nodes[j].y_m;
            const double d2 = dx * dx + dy * dy;
            if (d2 > horizon2_m2) continue;
            if (kept.size() == options.max_neighbours &&
                MeanRssiFromSquaredDbm(d2) + rank_bonus_db + kBoundMarginDb < kept.front().first) {
              continue;
            }
            const double d = Distance(a, nodes[j]);
            if (d > horizon_m) continue;
            // The shared draw first: most candidates cannot make the top list, and those
            // need no per-direction draws.
            const double rank_dbm = drawer.RankDbm(a, nodes[j], d);
            const Ranked candidate{rank_dbm, j};
            if (kept.size() == options.max_neighbours && !(candidate > kept.front())) continue;
            if (rank_dbm + kClipSigmas * options.asymmetry_sigma_db < floor_rssi_dbm) continue;
            const LinkDraws draws = drawer.DrawWithRank(a, nodes[j], rank_dbm);
            if (std::max(draws.rssi_ab_dbm, draws.rssi_ba_dbm) < floor_rssi_dbm) continue;
            if (kept.size() < options.max_neighbours) {
              kept.push_back(candidate);
              std::push_heap(kept.begin(), kept.end(), weaker);
            } else if (candidate > kept.front()) {
              std::pop_heap(kept.begin(), kept.end(), weaker);
              kept.back() = candidate;
              std::push_heap(kept.begin(), kept.end(), weaker);
            }
          }
        }
      }
    }
    for (const Ranked& r : kept) {
      pairs.push_back((static_cast<uint64_t>(i) << 32) | r.second);
      pairs.push_back((static_cast<uint64_t>(r.second) << 32) | i);
    }
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  // Both directions of a pair hold the same draws, mirrored: drawn once, for i < j.
  model.neighbours_.resize(pairs.size());
  for (uint64_t pair : pairs) ++model.offsets_[(pair >> 32) + 1];
  for (uint32_t i = 0; i < n; ++i) model.offsets_[i + 1] += model.offsets_[i];
  for (size_t k = 0; k < pairs.size(); ++k) {
    const uint32_t i = static_cast<uint32_t>(pairs[k] >> 32);
    const uint32_t j = static_cast<uint32_t>(pairs[k]);
    Neighbour& link = model.neighbours_[k];
    link.node = j;
    if (i < j) {
      const LinkDraws draws = drawer.Draw(nodes[i], nodes[j], Distance(nodes[i], nodes[j]));
      link.rssi_out_dbm = static_cast<float>(draws.rssi_ab_dbm);
      link.rssi_in_dbm = static_cast<float>(draws.rssi_ba_dbm);
    } else {
      const Neighbour* mirror = model.Find(j, i);  // drawn already: j < i
      link.rssi_out_dbm = mirror->rssi_in_dbm;
      link.rssi_in_dbm = mirror->rssi_out_dbm;
    }
    model.Refresh(link);
  }
  return model;
}

void LinkModel::Refresh(Neighbour& link) const {
  link.success_out =
      static_cast<float>(FrameSuccess(link.rssi_out_dbm - link.extra_loss_db, options_));
  link.success_in =
      static_cast<float>(FrameSuccess(link.rssi_in_dbm - link.extra_loss_db, options_));
}

const Neighbour* LinkModel::Find(uint32_t from, uint32_t to) const {
  // Each list is sorted by node index (Create builds it from sorted pairs).
  const std::span<const Neighbour> list = Neighbours(from);
  const auto it =
      std::lower_bound(list.begin(), list.end(), to,
                       [](const Neighbour& link, uint32_t node) { return link.node < node; });
  return it != list.end() && it->node == to ? &*it : nullptr;
}

std::optional<double> LinkModel::RssiDbm(uint32_t from, uint32_t to) const {
  const Neighbour* link = Find(from, to);
  if (link == nullptr) return std::nullopt;
  return link->rssi_out_dbm - link->extra_loss_db;
}

double LinkModel::Success(uint32_t from, uint32_t to) const {
  const Neighbour* link = Find(from, to);
  return link == nullptr ? 0 : Success(*link, from, /*outbound=*/true);
}

bool LinkModel::Degraded(uint32_t a, uint32_t b) const {
  if (Cut(a, b)) return true;
  const Neighbour* link = Find(a, b);
  return link != nullptr && link->extra_loss_db > 0;
}

void LinkModel::Degrade(uint32_t a, uint32_t b, double extra_loss_db) {
  for (auto [from, to] : {std::pair{a, b}, std::pair{b, a}}) {
    for (uint32_t k = offsets_[from]; k < offsets_[from + 1]; ++k) {
      if (neighbours_[k].node != to) continue;
      neighbours_[k].extra_loss_db = static_cast<float>(extra_loss_db);
      Refresh(neighbours_[k]);
    }
  }
}

absl::Status LinkModel::Partition(double x_min_m, double y_min_m, double x_max_m, double y_max_m) {
  if (partitions_ >= 64) {
    return absl::ResourceExhaustedError("at most 64 partition areas at a time");
  }
  if (!(x_min_m <= x_max_m && y_min_m <= y_max_m)) {
    return absl::InvalidArgumentError(absl::StrCat("partition area (", x_min_m, ",", y_min_m, ")-(",
                                                   x_max_m, ",", y_max_m, ") has min above max"));
  }
  const uint64_t bit = uint64_t{1} << partitions_++;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const MeshNode& node = nodes_[i];
    if (node.x_m >= x_min_m && node.x_m <= x_max_m && node.y_m >= y_min_m && node.y_m <= y_max_m) {
      region_[i] |= bit;
    }
  }
  return absl::OkStatus();
}

void LinkModel::HealPartitions() {
  std::fill(region_.begin(), region_.end(), 0);
  partitions_ = 0;
}

}  // namespace vmuc::radio_mesh
