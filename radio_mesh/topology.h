// Topology: where the meters and collectors of a simulated radio mesh stand.
//
// A topology is a plain list of MeshNode values, made either by PlaceNodes (a seeded
// layout: grid, uniform random, or houses along streets) or read from a CSV file. It holds
// no radio state; LinkModel (link_model.h) derives the links from it and MeshSimulator
// (mesh_simulator.h) runs traffic over them. Pure functions, callable from any thread.
//
// Addressing: meters get addresses 1..meters. The gateway addresses its collector as
// kCollectorNode (0), so the first collector has address 0; further collectors (up to
// kMaxCollectors: a head-end with about one concentrator per 2 000 meters) count down from
// just below the broadcast address (kBroadcastNode = kMaxNodeAddress): kMaxNodeAddress - 1,
// kMaxNodeAddress - 2, ... (CollectorAddress).
#ifndef VMUC_RADIO_MESH_TOPOLOGY_H_
#define VMUC_RADIO_MESH_TOPOLOGY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/frame.h"

namespace vmuc::radio_mesh {

struct MeshNode {
  NodeAddress address = 0;
  double x_m = 0;  // position on the area, metres
  double y_m = 0;
  bool collector = false;

  bool operator==(const MeshNode&) const = default;
};

enum class Placement { kGrid, kRandom, kClusteredStreets };

inline constexpr uint32_t kMaxCollectors = 1024;

struct PlacementOptions {
  Placement placement = Placement::kGrid;
  uint32_t meters = 0;      // meters get addresses 1..meters
  uint32_t collectors = 1;  // 1..kMaxCollectors
  // Grid: the pitch between neighbouring meters. Random and clustered: the area's side is
  // sqrt(meters) * spacing_m, so the density (one meter per spacing_m^2) is the same.
  double spacing_m = 50;
  // Clustered: the number of streets (0: about sqrt(meters) / 2). Houses stand on both
  // sides of a street, set back from it by a seeded 8..25 m.
  uint32_t streets = 0;
  uint64_t seed = 1;
};

// The address of the index-th collector (0-based): 0, then kMaxNodeAddress - 1, ...
// downwards (kMaxNodeAddress itself is the broadcast address).
constexpr NodeAddress CollectorAddress(uint32_t index) {
  return index == 0 ? kCollectorNode : kMaxNodeAddress - index;
}

// Collectors first, then meters 1..meters. The collectors are spread evenly: the area is
// cut into a grid of about as many cells as collectors and each stands at the centre of
// its cell, the cells nearest the area's centre first (so one collector alone, and the
// first of several, stands at or next to the centre). Deterministic in the options (seed
// included).
absl::StatusOr<std::vector<MeshNode>> PlaceNodes(const PlacementOptions& options);

// CSV text, one node per line: "collector,<address>,<x_m>,<y_m>" or
// "meter,<address>,<x_m>,<y_m>"; '#' starts a comment, blank lines are skipped. Errors name
// the source, the line number and what was wrong ("mesh.csv:7: address 300000000 is beyond
// 28 bits"). One collector must have address 0 (the gateway's collector); meters may not.
// Nodes come back in file order.
absl::StatusOr<std::vector<MeshNode>> ParseTopology(std::string_view text,
                                                    std::string_view source_name);
absl::StatusOr<std::vector<MeshNode>> LoadTopologyFile(const std::string& path);

// The CSV text ParseTopology reads; coordinates are written so that they read back exactly.
std::string FormatTopology(const std::vector<MeshNode>& nodes);

}  // namespace vmuc::radio_mesh

#endif  // VMUC_RADIO_MESH_TOPOLOGY_H_
