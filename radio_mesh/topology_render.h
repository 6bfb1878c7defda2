// topology_render: pictures and a table of one MeshSnapshot, for people.
//
// Three pure functions of a snapshot: Graphviz DOT text (for `neato -n`), a standalone SVG
// drawn without Graphviz, and a fixed-width text table. They read nothing but their
// arguments, keep no state and may be called from any thread; the same snapshot and options
// always give the same bytes, so their output can be golden-tested and diffed between runs.
//
// Colours, shared by DOT and SVG: collectors blue boxes; reachable meters green circles,
// darker the fewer hops they are from the collector; unreachable meters red; dead nodes grey
// (dead wins over reachable: the collector may still hold a stale route to a node a fault
// killed); links a degrade or partition fault applies to are orange.
#ifndef VMUC_RADIO_MESH_TOPOLOGY_RENDER_H_
#define VMUC_RADIO_MESH_TOPOLOGY_RENDER_H_

#include <string>

#include "radio_mesh/mesh_snapshot.h"

namespace vmuc::radio_mesh {

struct RenderOptions {
  // Also draw the known links that are not on any route (dashed, light). Off by default:
  // with thousands of meters the neighbour tables hide the route tree.
  bool all_links = false;
  // Width of the SVG canvas in pixels (at least 300 is used, so the legend fits); the height
  // follows the area's aspect ratio. DOT ignores it: its layout is always ~10 inches wide.
  double width_px = 1000;
  // Heading of the picture; "vmuc mesh" when empty.
  std::string title{};
};

// Graphviz DOT of the mesh, meant for `neato -n` (positions pinned, in points, scaled so
// the area's longer side is 10 inches; Graphviz's y axis already points north). Nodes
// "n<address>": collectors as boxes, meters as circles, labelled with address and hop
// count. Edges: each routed node's parent -> node, solid, labelled with the parent link's
// RSSI and success; with `all_links`, every other known link once per node pair, dashed.
std::string RenderDot(const MeshSnapshot& snapshot, const RenderOptions& options = {});

// A standalone SVG 1.1 document of the same picture: title line (title, taken_at in UTC,
// node count, unreachable meters, fleet delivery ratio), links, route tree, nodes (north
// up), then a legend. Meters are the only <circle> elements; every node and route edge
// carries a <title> tooltip. Address labels are drawn only up to 200 nodes, beyond that
// the circles shrink so that 2 000 nodes stay legible.
std::string RenderSvg(const MeshSnapshot& snapshot, const RenderOptions& options = {});

// One line per node under a header line, fixed-width columns: address, state
// (collector/reachable/unreachable/dead), hops, parent ("C" for collector 0, "C<n>" for
// another collector), parent link RSSI dBm and success %, delivery %, latency p95 ms, hop
// retries, queue drops, route ("1>4>9"). "-" where a value does not apply (no route).
std::string RenderTable(const MeshSnapshot& snapshot);

}  // namespace vmuc::radio_mesh

#endif  // VMUC_RADIO_MESH_TOPOLOGY_RENDER_H_
