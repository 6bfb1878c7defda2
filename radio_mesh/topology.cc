#include "radio_mesh/topology.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/mix64.h"
#include "common/strings.h"

namespace vmuc::radio_mesh {
namespace {

// A seeded uniform draw in [0, 1) that depends only on (seed, stream, index), so that a
// node's position does not depend on how many draws came before it.
double Uniform(uint64_t seed, uint64_t stream, uint64_t index) {
  const uint64_t bits = Mix64(seed ^ Mix64(stream * 0x100000001B3ULL ^ Mix64(index)));
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

enum Stream : uint64_t { kStreamX = 1, kStreamY, kStreamStreet, kStreamAlong, kStreamSetback };

// The area is cut into as many cells as collectors: rows = ceil(count / columns) of
// columns = ceil(sqrt(count)) cells, the last row cut into what is left, so no part of the
// area lacks one. Each collector stands at the centre of its own cell, the cells nearest
// the area's centre first (ties by cell index): one collector alone stands at the centre,
// and many (a head-end with about one concentrator per 2 000 meters) each serve their own
// part of the area.
std::vector<MeshNode> Collectors(uint32_t count, double width_m, double height_m) {
  const uint32_t columns = static_cast<uint32_t>(std::ceil(std::sqrt(static_cast<double>(count))));
  const uint32_t rows = (count + columns - 1) / columns;
  const double cell_h = height_m / rows;
  struct Cell {
    double distance2;
    uint32_t index;
    double x_m;
    double y_m;
  };
  std::vector<Cell> cells;
  cells.reserve(static_cast<size_t>(columns) * rows);
  for (uint32_t r = 0; r < rows; ++r) {
    const uint32_t in_row = r + 1 < rows ? columns : count - columns * (rows - 1);
    const double cell_w = width_m / in_row;
    for (uint32_t c = 0; c < in_row; ++c) {
      const double x_m = (c + 0.5) * cell_w;
      const double y_m = (r + 0.5) * cell_h;
      const double dx = x_m - width_m / 2;
      const double dy = y_m - height_m / 2;
      cells.push_back({dx * dx + dy * dy, r * columns + c, x_m, y_m});
    }
  }
  std::sort(cells.begin(), cells.end(), [](const Cell& a, const Cell& b) {
    return a.distance2 != b.distance2 ? a.distance2 < b.distance2 : a.index < b.index;
  });
  std::vector<MeshNode> collectors;
  collectors.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    collectors.push_back({.address = CollectorAddress(i),
                          .x_m = cells[i].x_m,
                          .y_m = cells[i].y_m,
                          .collector = true});
  }
  return collectors;
}

std::string FormatDouble(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

}  // namespace

absl::StatusOr<std::vector<MeshNode>> PlaceNodes(const PlacementOptions& options) {
  if (options.collectors < 1 || options.collectors > kMaxCollectors) {
    return absl::InvalidArgumentError(
        absl::StrCat("collectors ", options.collectors, " is not within 1..", kMaxCollectors));
  }
  if (options.meters > kMaxNodeAddress - kMaxCollectors) {
    return absl::InvalidArgumentError(
        absl::StrCat("meters ", options.meters, " do not fit the 28-bit address space"));
  }
  if (!(options.spacing_m > 0) || !std::isfinite(options.spacing_m)) {
    return absl::InvalidArgumentError(
        absl::StrCat("spacing_m ", options.spacing_m, " must be a positive distance"));
  }
  const uint32_t n = options.meters;
  const double spacing_m = options.spacing_m;
  std::vector<MeshNode> meters;
  meters.reserve(n);
  double width_m = 0;
  double height_m = 0;
  switch (options.placement) {
    case Placement::kGrid: {
      const uint32_t columns =
          n == 0 ? 1 : static_cast<uint32_t>(std::ceil(std::sqrt(static_cast<double>(n))));
      const uint32_t rows = n == 0 ? 1 : (n + columns - 1) / columns;
      for (uint32_t i = 0; i < n; ++i) {
        meters.push_back({.address = i + 1,
                          .x_m = (i % columns) * spacing_m,
                          .y_m = (i / columns) * spacing_m,
                          .collector = false});
      }
      width_m = (columns - 1) * spacing_m;
      height_m = (rows - 1) * spacing_m;
      break;
    }
    case Placement::kRandom: {
      const double side_m = std::sqrt(static_cast<double>(n)) * spacing_m;
      for (uint32_t i = 0; i < n; ++i) {
        meters.push_back({.address = i + 1,
                          .x_m = Uniform(options.seed, kStreamX, i) * side_m,
                          .y_m = Uniform(options.seed, kStreamY, i) * side_m,
                          .collector = false});
      }
      width_m = height_m = side_m;
      break;
    }
    case Placement::kClusteredStreets: {
      const double side_m = std::sqrt(static_cast<double>(n)) * spacing_m;
      const uint32_t streets =
          options.streets > 0
              ? options.streets
              : std::max<uint32_t>(
                    1, static_cast<uint32_t>(std::lround(std::sqrt(static_cast<double>(n)) / 2)));
      // Streets alternate east-west and north-south at seeded offsets, like the grid of a
      // suburb; houses are dealt round-robin to the streets.
      std::vector<double> offset_m(streets);
      for (uint32_t s = 0; s < streets; ++s) {
        offset_m[s] = (0.05 + 0.9 * Uniform(options.seed, kStreamStreet, s)) * side_m;
      }
      for (uint32_t i = 0; i < n; ++i) {
        const uint32_t s = i % streets;
        const double along_m = Uniform(options.seed, kStreamAlong, i) * side_m;
        const double u = Uniform(options.seed, kStreamSetback, i);
        const double setback_m = (u < 0.5 ? -1 : 1) * (8 + 17 * (2 * std::fmod(u, 0.5)));
        const double across_m = std::clamp(offset_m[s] + setback_m, 0.0, side_m);
        const bool east_west = s % 2 == 0;
        meters.push_back({.address = i + 1,
                          .x_m = east_west ? along_m : across_m,
                          .y_m = east_west ? across_m : along_m,
                          .collector = false});
      }
      width_m = height_m = side_m;
      break;
    }
  }
  std::vector<MeshNode> nodes = Collectors(options.collectors, width_m, height_m);
  nodes.insert(nodes.end(), meters.begin(), meters.end());
  return nodes;
}

absl::StatusOr<std::vector<MeshNode>> ParseTopology(std::string_view text,
                                                    std::string_view source_name) {
  std::vector<MeshNode> nodes;
  std::set<NodeAddress> seen;
  bool has_gateway_collector = false;
  uint32_t line_number = 0;
  for (absl::string_view line : absl::StrSplit(AsAbsl(text), '\n')) {
    ++line_number;
    const auto error = [&](auto&&... what) {
      return absl::InvalidArgumentError(
          absl::StrCat(AsAbsl(source_name), ":", line_number, ": ", what...));
    };
    if (const size_t hash = line.find('#'); hash != absl::string_view::npos) {
      line = line.substr(0, hash);
    }
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    std::vector<absl::string_view> fields = absl::StrSplit(line, ',');
    if (fields.size() != 4) {
      return error("expected 4 fields (kind,address,x_m,y_m), found ", fields.size());
    }
    for (auto& field : fields) field = absl::StripAsciiWhitespace(field);
    MeshNode node;
    if (fields[0] == "collector") {
      node.collector = true;
    } else if (fields[0] != "meter") {
      return error("kind '", fields[0], "' is neither 'collector' nor 'meter'");
    }
    uint64_t address = 0;
    if (!absl::SimpleAtoi(fields[1], &address)) {
      return error("address '", fields[1], "' is not a number");
    }
    if (address > kMaxNodeAddress) {
      return error("address ", address, " is beyond 28 bits");
    }
    if (address == kBroadcastNode) {
      return error("address ", address, " is the broadcast address");
    }
    node.address = static_cast<NodeAddress>(address);
    if (!absl::SimpleAtod(fields[2], &node.x_m) || !std::isfinite(node.x_m)) {
      return error("x_m '", fields[2], "' is not a finite number");
    }
    if (!absl::SimpleAtod(fields[3], &node.y_m) || !std::isfinite(node.y_m)) {
      return error("y_m '", fields[3], "' is not a finite number");
    }
    if (!node.collector && node.address == kCollectorNode) {
      return error("address 0 belongs to the gateway's collector, not a meter");
    }
    if (!seen.insert(node.address).second) {
      return error("address ", node.address, " appears twice");
    }
    has_gateway_collector |= node.collector && node.address == kCollectorNode;
    nodes.push_back(node);
  }
  if (!has_gateway_collector) {
    return absl::InvalidArgumentError(absl::StrCat(
        AsAbsl(source_name), ": no collector with address 0 (the gateway's own collector)"));
  }
  return nodes;
}

absl::StatusOr<std::vector<MeshNode>> LoadTopologyFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream content;
  content << file.rdbuf();
  if (file.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return ParseTopology(content.str(), path);
}

std::string FormatTopology(const std::vector<MeshNode>& nodes) {
  std::string text = "# kind,address,x_m,y_m\n";
  for (const MeshNode& node : nodes) {
    absl::StrAppend(&text, node.collector ? "collector," : "meter,", node.address, ",",
                    FormatDouble(node.x_m), ",", FormatDouble(node.y_m), "\n");
  }
  return text;
}

}  // namespace vmuc::radio_mesh
