#include "radio_mesh/topology_render.h"

#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join moved here in fmt 11

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/time.h"

namespace vmuc::radio_mesh {
namespace {

// Greens, darkest for one hop: the eye reads "darker = closer to the collector" without a
// legend. ColorBrewer "Greens", which stays distinguishable for colour-blind readers.
constexpr std::string_view kHopColors[] = {"#00441b", "#006d2c", "#238b45", "#41ab5d",
                                           "#74c476", "#a1d99b", "#c7e9c0"};
constexpr uint32_t kHopShades = std::size(kHopColors);  // the last shade is "this many or more"
constexpr std::string_view kCollectorColor = "#2166ac";
constexpr std::string_view kUnreachableColor = "#d73027";
constexpr std::string_view kDeadColor = "#9e9e9e";
constexpr std::string_view kDegradedColor = "#ff8c00";
constexpr std::string_view kRouteColor = "#333333";
constexpr std::string_view kLinkColor = "#bbbbbb";

// Above this many nodes labels overlap into a grey smear, so the SVG leaves them out.
constexpr size_t kMaxLabelledNodes = 200;

// Graphviz works in points (72 per inch); the longer side of the area gets 10 inches.
constexpr double kDotExtentPt = 720;

std::string_view HopColor(uint32_t hops) {
  return kHopColors[std::clamp<uint32_t>(hops, 1, kHopShades) - 1];
}

// The three darkest greens need white text to stay readable.
bool IsDarkHop(uint32_t hops) { return hops <= 3; }

// A meter the collector can address: the route tree has an edge into it. A dead node may
// still be routed: the collector learns of a death only when frames stop arriving.
bool IsRouted(const NodeSnapshot& node) { return !node.collector && node.reachable; }

std::string_view StateName(const NodeSnapshot& node) {
  if (!node.alive) return "dead";
  if (node.collector) return "collector";
  return node.reachable ? "reachable" : "unreachable";
}

std::string_view FillColor(const NodeSnapshot& node) {
  if (!node.alive) return kDeadColor;
  if (node.collector) return kCollectorColor;
  return node.reachable ? HopColor(node.hop_count) : kUnreachableColor;
}

bool WantsWhiteText(const NodeSnapshot& node) {
  return node.alive && (node.collector || (node.reachable && IsDarkHop(node.hop_count)));
}

uint64_t LinkKey(NodeAddress from, NodeAddress to) {
  return (static_cast<uint64_t>(from) << 32) | to;
}

// What the renderers need besides the snapshot itself, computed once.
struct Index {
  std::unordered_map<NodeAddress, size_t> node_of;  // address -> index in snapshot.nodes
  std::unordered_set<NodeAddress> collectors;
  std::unordered_map<uint64_t, const LinkSnapshot*> link_of;
};

Index BuildIndex(const MeshSnapshot& snapshot) {
  Index index;
  for (size_t i = 0; i < snapshot.nodes.size(); ++i) {
    const NodeSnapshot& node = snapshot.nodes[i];
    index.node_of.emplace(node.address, i);
    if (node.collector) index.collectors.insert(node.address);
  }
  for (const LinkSnapshot& link : snapshot.links) {
    index.link_of.emplace(LinkKey(link.from, link.to), &link);
  }
  return index;
}

// A route edge is drawn orange when a fault applies to either direction: frames cross it
// both ways (readings up, requests down), so either one degrades the route.
bool IsDegraded(const Index& index, NodeAddress a, NodeAddress b) {
  for (uint64_t key : {LinkKey(a, b), LinkKey(b, a)}) {
    auto it = index.link_of.find(key);
    if (it != index.link_of.end() && it->second->degraded) return true;
  }
  return false;
}

std::string ParentName(const Index& index, NodeAddress parent) {
  // frame.h: node 0 is the collector, whether or not the snapshot lists it.
  if (parent == kCollectorNode) return "C";
  if (index.collectors.contains(parent)) return fmt::format("C{}", parent);
  return fmt::format("{}", parent);
}

std::string NodeName(const NodeSnapshot& node) {
  return node.collector ? fmt::format("C{}", node.address) : fmt::format("{}", node.address);
}

std::string RouteText(const std::vector<NodeAddress>& route) {
  if (route.empty()) return "-";
  return fmt::format("{}", fmt::join(route, ">"));
}

std::string Percent(double ratio) { return fmt::format("{:.1f}", ratio * 100); }

// The route tree's edges: parent -> node for every routed node whose parent is drawn.
// A parent missing from the snapshot would make Graphviz invent an unplaced node, so such
// an edge is left out rather than drawn to nowhere.
struct TreeEdge {
  const NodeSnapshot* parent;
  const NodeSnapshot* child;
  bool degraded;
};

std::vector<TreeEdge> TreeEdges(const MeshSnapshot& snapshot, const Index& index) {
  std::vector<TreeEdge> edges;
  for (const NodeSnapshot& node : snapshot.nodes) {
    if (!IsRouted(node)) continue;
    auto it = index.node_of.find(node.parent);
    if (it == index.node_of.end()) continue;
    edges.push_back({.parent = &snapshot.nodes[it->second],
                     .child = &node,
                     .degraded = IsDegraded(index, node.parent, node.address)});
  }
  return edges;
}

// Known links off the route tree, one per node pair: neighbour tables hold both directions
// and drawing both would only double the ink. In snapshot order, for deterministic output.
struct OtherLink {
  const NodeSnapshot* a;
  const NodeSnapshot* b;
  bool degraded;
};

std::vector<OtherLink> OtherLinks(const MeshSnapshot& snapshot, const Index& index,
                                  const std::vector<TreeEdge>& tree) {
  std::unordered_set<uint64_t> drawn;
  for (const TreeEdge& edge : tree) {
    drawn.insert(LinkKey(std::min(edge.parent->address, edge.child->address),
                         std::max(edge.parent->address, edge.child->address)));
  }
  std::vector<OtherLink> links;
  for (const LinkSnapshot& link : snapshot.links) {
    if (!drawn.insert(LinkKey(std::min(link.from, link.to), std::max(link.from, link.to))).second) {
      continue;
    }
    auto a = index.node_of.find(link.from);
    auto b = index.node_of.find(link.to);
    if (a == index.node_of.end() || b == index.node_of.end()) continue;
    links.push_back({.a = &snapshot.nodes[a->second],
                     .b = &snapshot.nodes[b->second],
                     .degraded = IsDegraded(index, link.from, link.to)});
  }
  return links;
}

// The nodes' bounding box. Computed from the nodes rather than taken from area_width_m and
// area_height_m so that a snapshot whose area fields were left 0 still draws.
struct Bounds {
  double min_x = 0;
  double min_y = 0;
  double max_x = 0;
  double max_y = 0;
  double width() const { return max_x - min_x; }
  double height() const { return max_y - min_y; }
};

Bounds NodeBounds(const MeshSnapshot& snapshot) {
  if (snapshot.nodes.empty()) return {};
  Bounds bounds{.min_x = std::numeric_limits<double>::infinity(),
                .min_y = std::numeric_limits<double>::infinity(),
                .max_x = -std::numeric_limits<double>::infinity(),
                .max_y = -std::numeric_limits<double>::infinity()};
  for (const NodeSnapshot& node : snapshot.nodes) {
    bounds.min_x = std::min(bounds.min_x, node.x_m);
    bounds.min_y = std::min(bounds.min_y, node.y_m);
    bounds.max_x = std::max(bounds.max_x, node.x_m);
    bounds.max_y = std::max(bounds.max_y, node.y_m);
  }
  return bounds;
}

// Pixels (or points) per metre so that the box fits `width` x `height`; 0 when the box has
// no extent at all (one node, or all on one point), which puts every node at the origin of
// the drawing instead of dividing by zero.
double FitScale(const Bounds& bounds, double width, double height) {
  double scale = std::numeric_limits<double>::infinity();
  if (bounds.width() > 0) scale = std::min(scale, width / bounds.width());
  if (bounds.height() > 0) scale = std::min(scale, height / bounds.height());
  return std::isinf(scale) ? 0 : scale;
}

std::string Heading(const RenderOptions& options) {
  return options.title.empty() ? std::string("vmuc mesh") : options.title;
}

std::string StatsLine(const MeshSnapshot& snapshot, const Index& index) {
  std::string delivery = snapshot.frames_sent == 0
                             ? std::string("- (no frames)")
                             : fmt::format("{:.1f}% ({}/{})",
                                           100.0 * static_cast<double>(snapshot.frames_delivered) /
                                               static_cast<double>(snapshot.frames_sent),
                                           snapshot.frames_delivered, snapshot.frames_sent);
  return fmt::format("{} | {} nodes ({} collectors, {} meters) | {} unreachable | delivery {}",
                     FormatRfc3339(snapshot.taken_at), snapshot.nodes.size(),
                     index.collectors.size(), snapshot.nodes.size() - index.collectors.size(),
                     snapshot.unreachable_meters, delivery);
}

// ---- DOT ----------------------------------------------------------------------------------

// A DOT double-quoted string: only '"' and '\' are special, and a newline becomes the "\n"
// escape so that a title cannot break the statement.
std::string DotEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string DotNodeLabel(const NodeSnapshot& node) {
  if (node.collector) return NodeName(node);
  if (IsRouted(node) && node.alive) return fmt::format("{}\\nh{}", node.address, node.hop_count);
  return fmt::format("{}\\n{}", node.address, StateName(node));
}

}  // namespace

std::string RenderDot(const MeshSnapshot& snapshot, const RenderOptions& options) {
  const Index index = BuildIndex(snapshot);
  const Bounds bounds = NodeBounds(snapshot);
  const double scale = FitScale(bounds, kDotExtentPt, kDotExtentPt);

  std::string out = "digraph mesh {\n";
  // neato -n keeps the pinned positions; edgesfirst keeps nodes painted over the edges.
  out += fmt::format(
      "  graph [label=\"{}\\n{}\", labelloc=t, fontsize=14, overlap=true, splines=false, "
      "outputorder=edgesfirst];\n",
      DotEscape(Heading(options)), DotEscape(StatsLine(snapshot, index)));
  out += "  node [style=filled, fontsize=8, fontname=\"Helvetica\", penwidth=0.5];\n";
  out += "  edge [fontsize=7, fontname=\"Helvetica\", arrowsize=0.5];\n";

  for (const NodeSnapshot& node : snapshot.nodes) {
    out += fmt::format(
        "  n{} [shape={}, pos=\"{:.1f},{:.1f}!\", fillcolor=\"{}\", fontcolor=\"{}\", "
        "label=\"{}\"];\n",
        node.address, node.collector ? "box" : "circle", (node.x_m - bounds.min_x) * scale,
        (node.y_m - bounds.min_y) * scale, FillColor(node),
        WantsWhiteText(node) ? "white" : "black", DotNodeLabel(node));
  }

  const std::vector<TreeEdge> tree = TreeEdges(snapshot, index);
  if (options.all_links) {
    for (const OtherLink& link : OtherLinks(snapshot, index, tree)) {
      out += fmt::format("  n{} -> n{} [dir=none, style=dashed, color=\"{}\"];\n", link.a->address,
                         link.b->address, link.degraded ? kDegradedColor : kLinkColor);
    }
  }
  for (const TreeEdge& edge : tree) {
    out += fmt::format("  n{} -> n{} [label=\"{:.1f} dBm\\n{:.0f}%\", color=\"{}\"];\n",
                       edge.parent->address, edge.child->address, edge.child->parent_rssi_dbm,
                       edge.child->parent_link_success * 100,
                       edge.degraded ? kDegradedColor : kRouteColor);
  }
  out += "}\n";
  return out;
}

// ---- SVG ----------------------------------------------------------------------------------

namespace {

// XML character data and attribute values (always written double-quoted).
std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

struct Point {
  double x = 0;
  double y = 0;
};

// Metres to canvas pixels: the box centred in the plot rectangle, y flipped because SVG's
// y axis points down and maps read north up.
struct Projection {
  Bounds bounds;
  double scale = 0;
  double left = 0;  // canvas position of bounds.min_x
  double top = 0;   // canvas position of bounds.max_y
  Point operator()(const NodeSnapshot& node) const {
    return {.x = left + (node.x_m - bounds.min_x) * scale,
            .y = top + (bounds.max_y - node.y_m) * scale};
  }
};

enum class Swatch { kBox, kDisc, kLine, kDashedLine };

struct LegendItem {
  Swatch swatch = Swatch::kDisc;
  std::string_view color;
  std::string label;
};

std::vector<LegendItem> LegendItems(const MeshSnapshot& snapshot, bool all_links) {
  uint32_t max_hops = 1;
  for (const NodeSnapshot& node : snapshot.nodes) {
    if (IsRouted(node)) max_hops = std::max(max_hops, node.hop_count);
  }
  std::vector<LegendItem> items;
  items.push_back({.swatch = Swatch::kBox, .color = kCollectorColor, .label = "collector"});
  // Only the shades in use, so the legend stays short for a shallow mesh.
  for (uint32_t hops = 1; hops <= std::min(max_hops, kHopShades); ++hops) {
    std::string label = fmt::format("{} hop{}", hops, hops == 1 ? "" : "s");
    if (hops == kHopShades) label = fmt::format("{}+ hops", hops);
    items.push_back({.swatch = Swatch::kDisc, .color = HopColor(hops), .label = label});
  }
  items.push_back({.swatch = Swatch::kDisc, .color = kUnreachableColor, .label = "unreachable"});
  items.push_back({.swatch = Swatch::kDisc, .color = kDeadColor, .label = "dead"});
  items.push_back({.swatch = Swatch::kLine, .color = kRouteColor, .label = "route"});
  items.push_back({.swatch = Swatch::kLine, .color = kDegradedColor, .label = "degraded"});
  if (all_links) {
    items.push_back({.swatch = Swatch::kDashedLine, .color = kLinkColor, .label = "other link"});
  }
  return items;
}

std::string NodeTooltip(const NodeSnapshot& node, const Index& index) {
  std::string text = fmt::format("{} {}: {}", node.collector ? "collector" : "meter", node.address,
                                 StateName(node));
  if (IsRouted(node)) {
    text += fmt::format(", {} hops via {}, route {}", node.hop_count,
                        ParentName(index, node.parent), RouteText(node.route));
  }
  text += fmt::format(", delivery {}%", Percent(node.delivery_ratio));
  return text;
}

}  // namespace

std::string RenderSvg(const MeshSnapshot& snapshot, const RenderOptions& options) {
  const Index index = BuildIndex(snapshot);
  const Bounds bounds = NodeBounds(snapshot);
  const size_t node_count = snapshot.nodes.size();
  const bool labelled = node_count <= kMaxLabelledNodes;

  // Canvas: heading and stats lines, the plot with a margin all round, the legend below.
  // `!(w >= 300)` also catches a NaN width.
  const double width = !(options.width_px >= 300) ? 300 : std::round(options.width_px);
  constexpr double kMargin = 30;
  constexpr double kHeadingHeight = 44;
  constexpr double kLegendRow = 20;
  const double plot_width = width - 2 * kMargin;
  // The plot follows the area's aspect, within limits so a long thin area stays visible.
  double aspect = 0.25;
  if (bounds.width() > 0) {
    aspect = bounds.height() / bounds.width();
  } else if (bounds.height() > 0) {
    aspect = 1.5;
  }
  const double plot_height = plot_width * std::clamp(aspect, 0.25, 1.5);
  const double scale = FitScale(bounds, plot_width, plot_height);
  const Projection project{
      .bounds = bounds,
      .scale = scale,
      .left = kMargin + (plot_width - bounds.width() * scale) / 2,
      .top = kHeadingHeight + kMargin + (plot_height - bounds.height() * scale) / 2};

  // Small enough that meters about a mean spacing apart do not touch: 2 000 meters on 940 px
  // get ~3.5 px. Never below 2 px, which is still visible.
  const double radius =
      node_count == 0
          ? 6
          : std::clamp(plot_width / std::sqrt(static_cast<double>(node_count)) / 6, 2.0, 6.0);
  // Thousands of route edges at full strength would bury the nodes under one dark mass.
  const std::string_view route_style =
      labelled ? "stroke-width=\"1.2\"" : "stroke-width=\"0.6\" stroke-opacity=\"0.5\"";

  // The legend wraps over as many rows as the width needs; lay it out first for the height.
  const std::vector<LegendItem> legend = LegendItems(snapshot, options.all_links);
  struct Placed {
    double x;
    double y;
  };
  std::vector<Placed> legend_at;
  const double legend_top = kHeadingHeight + 2 * kMargin + plot_height;
  double lx = kMargin;
  double ly = legend_top;
  for (const LegendItem& item : legend) {
    // ~6.5 px per character at 11 px sans-serif; a guess, but only spacing depends on it.
    const double item_width = 22 + 6.5 * static_cast<double>(item.label.size()) + 14;
    if (lx > kMargin && lx + item_width > width - kMargin) {
      lx = kMargin;
      ly += kLegendRow;
    }
    legend_at.push_back({lx, ly});
    lx += item_width;
  }
  const double height = ly + kLegendRow + 10;

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{0:.0f}\" "
      "height=\"{1:.0f}\" viewBox=\"0 0 {0:.0f} {1:.0f}\" font-family=\"sans-serif\">\n",
      width, height);
  const std::string heading = XmlEscape(Heading(options));
  out += fmt::format("<title>{}</title>\n", heading);
  out += "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  out +=
      fmt::format("<text x=\"{:.0f}\" y=\"20\" font-size=\"15\" font-weight=\"bold\">{}</text>\n",
                  kMargin, heading);
  out += fmt::format("<text x=\"{:.0f}\" y=\"38\" font-size=\"11\">{}</text>\n", kMargin,
                     XmlEscape(StatsLine(snapshot, index)));

  // Edges before nodes so that nodes sit on top; other links before the route tree.
  const std::vector<TreeEdge> tree = TreeEdges(snapshot, index);
  if (options.all_links) {
    out += "<g id=\"links\" stroke-width=\"0.6\" stroke-dasharray=\"3,3\">\n";
    for (const OtherLink& link : OtherLinks(snapshot, index, tree)) {
      const Point a = project(*link.a);
      const Point b = project(*link.b);
      out += fmt::format(
          "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\"/>\n", a.x,
          a.y, b.x, b.y, link.degraded ? kDegradedColor : kLinkColor);
    }
    out += "</g>\n";
  }
  out += fmt::format("<g id=\"routes\" {}>\n", route_style);
  for (const TreeEdge& edge : tree) {
    const Point a = project(*edge.parent);
    const Point b = project(*edge.child);
    out += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\">"
        "<title>{} -&gt; {}: {:.1f} dBm, {}%{}</title></line>\n",
        a.x, a.y, b.x, b.y, edge.degraded ? kDegradedColor : kRouteColor,
        ParentName(index, edge.parent->address), edge.child->address, edge.child->parent_rssi_dbm,
        Percent(edge.child->parent_link_success), edge.degraded ? ", degraded" : "");
  }
  out += "</g>\n";

  // Meters first, then the collectors over them: in a dense mesh the collector is what the
  // eye looks for, and its first-hop meters crowd around it.
  out += "<g id=\"nodes\" stroke=\"black\" stroke-width=\"0.5\">\n";
  for (const NodeSnapshot& node : snapshot.nodes) {
    if (node.collector) continue;
    const Point p = project(node);
    out += fmt::format(
        "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{:.1f}\" fill=\"{}\"><title>{}</title>"
        "</circle>\n",
        p.x, p.y, radius, FillColor(node), XmlEscape(NodeTooltip(node, index)));
  }
  for (const NodeSnapshot& node : snapshot.nodes) {
    if (!node.collector) continue;
    const Point p = project(node);
    const double side = std::max(2.6 * radius, 10.0);
    out += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\">"
        "<title>{}</title></rect>\n",
        p.x - side / 2, p.y - side / 2, side, side, FillColor(node),
        XmlEscape(NodeTooltip(node, index)));
  }
  out += "</g>\n";

  if (labelled && node_count > 0) {
    out += "<g id=\"labels\" font-size=\"9\" fill=\"#222222\">\n";
    for (const NodeSnapshot& node : snapshot.nodes) {
      const Point p = project(node);
      const double offset = node.collector ? std::max(1.3 * radius, 5.0) : radius;
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", p.x + offset + 1,
                         p.y - offset - 1, NodeName(node));
    }
    out += "</g>\n";
  }

  out += "<g id=\"legend\" font-size=\"11\">\n";
  for (size_t i = 0; i < legend.size(); ++i) {
    const LegendItem& item = legend[i];
    const auto [x, y] = legend_at[i];
    switch (item.swatch) {
      case Swatch::kBox:
        out += fmt::format(
            "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"12\" height=\"12\" fill=\"{}\" "
            "stroke=\"black\" stroke-width=\"0.5\"/>\n",
            x, y, item.color);
        break;
      case Swatch::kDisc:
        // A rounded square, not a <circle>: circles are the meters and nothing else.
        out += fmt::format(
            "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"12\" height=\"12\" rx=\"6\" fill=\"{}\" "
            "stroke=\"black\" stroke-width=\"0.5\"/>\n",
            x, y, item.color);
        break;
      case Swatch::kLine:
      case Swatch::kDashedLine:
        out += fmt::format(
            "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
            "stroke-width=\"2\"{}/>\n",
            x, y + 6, x + 16, y + 6, item.color,
            item.swatch == Swatch::kDashedLine ? " stroke-dasharray=\"3,3\"" : "");
        break;
    }
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", x + 22, y + 10,
                       XmlEscape(item.label));
  }
  out += "</g>\n";
  out += "</svg>\n";
  return out;
}

// ---- Table --------------------------------------------------------------------------------

namespace {

// One format for header and rows, so the columns cannot drift apart.
constexpr std::string_view kRowFormat =
    "{:>9}  {:<11}  {:>4}  {:>10}  {:>8}  {:>6}  {:>7}  {:>8}  {:>8}  {:>6}  {}\n";

}  // namespace

std::string RenderTable(const MeshSnapshot& snapshot) {
  const Index index = BuildIndex(snapshot);
  std::string out =
      fmt::format(fmt::runtime(kRowFormat), "address", "state", "hops", "parent", "rssi_dBm",
                  "link_%", "deliv_%", "p95_ms", "retries", "drops", "route");
  for (const NodeSnapshot& node : snapshot.nodes) {
    const bool routed = IsRouted(node);
    const double p95_ms = std::chrono::duration<double, std::milli>(node.latency_p95).count();
    out +=
        fmt::format(fmt::runtime(kRowFormat), node.address, StateName(node),
                    routed ? fmt::format("{}", node.hop_count) : (node.collector ? "0" : "-"),
                    routed ? ParentName(index, node.parent) : "-",
                    routed ? fmt::format("{:.1f}", node.parent_rssi_dbm) : "-",
                    routed ? Percent(node.parent_link_success) : "-", Percent(node.delivery_ratio),
                    // A p95 over no delivered frame is no measurement; 0.0 would read as "instant".
                    node.frames_delivered > 0 ? fmt::format("{:.1f}", p95_ms) : "-",
                    node.hop_retries, node.queue_drops, RouteText(node.route));
  }
  return out;
}

}  // namespace vmuc::radio_mesh
