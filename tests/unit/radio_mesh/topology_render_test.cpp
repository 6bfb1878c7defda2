// topology_render: the DOT, SVG and table views of a MeshSnapshot. The table is a golden
// test (what `vmucctl topology` prints); the pictures are checked for structure: one node
// per node, one edge per route parent, well-formed XML, north up, same bytes every time.
#include "radio_mesh/topology_render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"

namespace vmuc::radio_mesh {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

size_t Count(std::string_view text, std::string_view needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

// Enough of an XML checker for generated SVG: every element closed in order, no stray '<'
// or '&' in text or attributes. Returns the first problem, or nothing.
std::optional<std::string> XmlProblem(std::string_view xml) {
  std::vector<std::string> open;
  size_t i = 0;
  while (i < xml.size()) {
    if (xml[i] == '&') {
      const size_t end = xml.find(';', i);
      const std::string entity(xml.substr(i, end == std::string_view::npos ? 8 : end - i + 1));
      if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" && entity != "&quot;" &&
          entity != "&apos;") {
        return "bad entity " + entity;
      }
      i = end + 1;
      continue;
    }
    if (xml[i] != '<') {
      if (xml[i] == '>') return "stray '>' at " + std::to_string(i);
      ++i;
      continue;
    }
    const size_t end = xml.find('>', i);
    if (end == std::string_view::npos) return "unterminated tag";
    const std::string_view tag = xml.substr(i + 1, end - i - 1);
    if (tag.find('<') != std::string_view::npos) return "'<' inside a tag";
    i = end + 1;
    if (tag.starts_with('?')) continue;
    if (tag.starts_with('/')) {
      const std::string name(tag.substr(1));
      if (open.empty() || open.back() != name) return "unbalanced </" + name + ">";
      open.pop_back();
      continue;
    }
    if (tag.ends_with('/')) continue;
    open.emplace_back(tag.substr(0, tag.find_first_of(" \n")));
  }
  if (!open.empty()) return "unclosed <" + open.back() + ">";
  return std::nullopt;
}

// NodeSnapshot and MeshSnapshot have members without `{}` defaults, so designated
// initializers would trip -Wmissing-field-initializers: fields are set one by one.
NodeSnapshot Collector(double x, double y) {
  NodeSnapshot node;
  node.address = 0;
  node.collector = true;
  node.x_m = x;
  node.y_m = y;
  node.reachable = true;
  node.frames_sent = 4;
  node.frames_delivered = 4;
  node.delivery_ratio = 1.0;
  node.latency_mean = 20ms;
  node.latency_p95 = 45ms;
  return node;
}

NodeSnapshot Meter(NodeAddress address, double x, double y, std::vector<NodeAddress> route) {
  NodeSnapshot node;
  node.address = address;
  node.x_m = x;
  node.y_m = y;
  node.reachable = !route.empty();
  node.hop_count = static_cast<uint32_t>(route.size());
  node.parent = route.size() >= 2 ? route[route.size() - 2] : kCollectorNode;
  node.route = std::move(route);
  return node;
}

// Collector 0 in the south-west corner; meter 1 direct, meter 2 behind it, meter 3 lost.
MeshSnapshot ThreeMeters() {
  MeshSnapshot snapshot;
  snapshot.taken_at =
      TimePoint(std::chrono::sys_days{std::chrono::January / 2 / 2026} + 8h + 30min);
  snapshot.area_width_m = 400;
  snapshot.area_height_m = 300;
  snapshot.nodes.push_back(Collector(0, 0));
  NodeSnapshot one = Meter(1, 150, 100, {1});
  one.parent_rssi_dbm = -71.25;
  one.parent_link_success = 0.987;
  one.relayed_for = 1;
  one.frames_sent = 10;
  one.frames_delivered = 10;
  one.delivery_ratio = 1.0;
  one.latency_p95 = 38'400us;
  one.hop_retries = 2;
  snapshot.nodes.push_back(one);
  NodeSnapshot two = Meter(2, 400, 300, {1, 2});
  two.parent_rssi_dbm = -96.5;
  two.parent_link_success = 0.5;
  two.frames_sent = 8;
  two.frames_delivered = 6;
  two.delivery_ratio = 0.75;
  two.latency_p95 = 1234'567us;
  two.hop_retries = 17;
  two.queue_drops = 1;
  snapshot.nodes.push_back(two);
  NodeSnapshot three = Meter(3, 390, 20, {});
  three.frames_sent = 5;
  three.delivery_ratio = 0;
  snapshot.nodes.push_back(three);
  snapshot.links = {
      {.from = 0, .to = 1, .rssi_dbm = -71.25, .success = 0.987, .in_route = true},
      {.from = 1, .to = 0, .rssi_dbm = -72, .success = 0.98, .in_route = true},
      {.from = 1, .to = 2, .rssi_dbm = -96.5, .success = 0.5, .in_route = true, .degraded = true},
      {.from = 0, .to = 2, .rssi_dbm = -104, .success = 0.1},
      {.from = 2, .to = 0, .rssi_dbm = -104, .success = 0.1},
  };
  snapshot.frames_sent = 27;
  snapshot.frames_delivered = 20;
  snapshot.unreachable_meters = 1;
  return snapshot;
}

// `count` meters on a grid, each routed straight to the collector in the middle.
MeshSnapshot Grid(int count) {
  MeshSnapshot snapshot;
  snapshot.nodes.push_back(Collector(500, 500));
  const int side = static_cast<int>(std::ceil(std::sqrt(count)));
  for (int i = 0; i < count; ++i) {
    const NodeAddress address = static_cast<NodeAddress>(i + 1);
    snapshot.nodes.push_back(
        Meter(address, (i % side) * 1000.0 / side, (i / side) * 1000.0 / side, {address}));
  }
  return snapshot;
}

// ---- DOT ----

TEST(RenderDotTest, OneNodeLinePerNodeWithShapeColourAndPinnedPosition) {
  const std::string dot = RenderDot(ThreeMeters());
  EXPECT_TRUE(dot.starts_with("digraph mesh {\n"));
  EXPECT_TRUE(dot.ends_with("}\n"));
  // The longer side (400 m) spans 720 pt; the collector sits at the origin.
  EXPECT_THAT(dot, HasSubstr("  n0 [shape=box, pos=\"0.0,0.0!\", fillcolor=\"#2166ac\", "
                             "fontcolor=\"white\", label=\"C0\"];\n"));
  EXPECT_THAT(dot, HasSubstr("  n1 [shape=circle, pos=\"270.0,180.0!\", fillcolor=\"#00441b\", "
                             "fontcolor=\"white\", label=\"1\\nh1\"];\n"));
  EXPECT_THAT(dot, HasSubstr("  n2 [shape=circle, pos=\"720.0,540.0!\", fillcolor=\"#006d2c\", "
                             "fontcolor=\"white\", label=\"2\\nh2\"];\n"));
  EXPECT_THAT(dot, HasSubstr("  n3 [shape=circle, pos=\"702.0,36.0!\", fillcolor=\"#d73027\", "
                             "fontcolor=\"black\", label=\"3\\nunreachable\"];\n"));
  EXPECT_EQ(Count(dot, " [shape="), 4u);
}

TEST(RenderDotTest, OneSolidEdgePerRouteParentLabelledWithRssiAndSuccess) {
  const std::string dot = RenderDot(ThreeMeters());
  EXPECT_THAT(dot, HasSubstr("  n0 -> n1 [label=\"-71.2 dBm\\n99%\", color=\"#333333\"];\n"));
  // The fault on 1 -> 2 turns its route edge orange.
  EXPECT_THAT(dot, HasSubstr("  n1 -> n2 [label=\"-96.5 dBm\\n50%\", color=\"#ff8c00\"];\n"));
  EXPECT_EQ(Count(dot, " -> "), 2u);
  EXPECT_THAT(dot, Not(HasSubstr("dashed")));
}

TEST(RenderDotTest, AllLinksAddsTheOtherPairsOnceDashed) {
  const std::string dot = RenderDot(ThreeMeters(), {.all_links = true});
  // 0 <-> 2 is known both ways but drawn once; 0 <-> 1 is already a route edge.
  EXPECT_THAT(dot, HasSubstr("  n0 -> n2 [dir=none, style=dashed, color=\"#bbbbbb\"];\n"));
  EXPECT_EQ(Count(dot, "style=dashed"), 1u);
  EXPECT_EQ(Count(dot, " -> "), 3u);
}

TEST(RenderDotTest, TitleIsEscapedAndDeadNodesAreGrey) {
  MeshSnapshot snapshot = ThreeMeters();
  snapshot.nodes[1].alive = false;
  const std::string dot = RenderDot(snapshot, {.title = "say \"hi\"\\"});
  EXPECT_THAT(dot, HasSubstr("label=\"say \\\"hi\\\"\\\\\\n2026-01-02T08:30:00.000Z | 4 nodes"));
  EXPECT_THAT(dot, HasSubstr("n1 [shape=circle, pos=\"270.0,180.0!\", fillcolor=\"#9e9e9e\", "
                             "fontcolor=\"black\", label=\"1\\ndead\"]"));
}

// ---- SVG ----

TEST(RenderSvgTest, WellFormedWithOneCirclePerMeter) {
  const std::string svg = RenderSvg(ThreeMeters(), {.all_links = true});
  EXPECT_EQ(XmlProblem(svg), std::nullopt);
  EXPECT_EQ(Count(svg, "<svg "), 1u);
  EXPECT_EQ(Count(svg, "</svg>"), 1u);
  EXPECT_TRUE(svg.ends_with("</svg>\n"));
  EXPECT_EQ(Count(svg, "<circle "), 3u);
  EXPECT_THAT(svg, HasSubstr(">C0</text>"));  // labels: few nodes
  EXPECT_THAT(svg, HasSubstr("stroke-dasharray=\"3,3\""));
}

TEST(RenderSvgTest, TitleLineCarriesTimeCountsAndDelivery) {
  const std::string svg = RenderSvg(ThreeMeters());
  EXPECT_THAT(svg, HasSubstr(">vmuc mesh</text>"));
  EXPECT_THAT(svg, HasSubstr(">2026-01-02T08:30:00.000Z | 4 nodes (1 collectors, 3 meters) | "
                             "1 unreachable | delivery 74.1% (20/27)</text>"));
}

TEST(RenderSvgTest, EscapesTheTitle) {
  const std::string svg = RenderSvg(ThreeMeters(), {.title = "a<b & c>d \"q\""});
  EXPECT_EQ(XmlProblem(svg), std::nullopt);
  EXPECT_THAT(svg, HasSubstr("<title>a&lt;b &amp; c&gt;d &quot;q&quot;</title>"));
  EXPECT_THAT(svg, Not(HasSubstr("a<b")));
}

TEST(RenderSvgTest, NorthIsUp) {
  const std::string svg = RenderSvg(ThreeMeters());
  std::vector<double> cy;
  const std::regex circle("<circle cx=\"[-0-9.]+\" cy=\"([-0-9.]+)\"");
  for (std::sregex_iterator it(svg.begin(), svg.end(), circle), end; it != end; ++it) {
    cy.push_back(std::stod((*it)[1]));
  }
  ASSERT_EQ(cy.size(), 3u);  // meters 1 (y 100), 2 (y 300), 3 (y 20), in node order
  EXPECT_LT(cy[1], cy[0]);
  EXPECT_LT(cy[0], cy[2]);
}

TEST(RenderSvgTest, SameSnapshotSameBytes) {
  const RenderOptions options{.all_links = true, .title = "run 7"};
  EXPECT_EQ(RenderSvg(ThreeMeters(), options), RenderSvg(ThreeMeters(), options));
  EXPECT_EQ(RenderDot(ThreeMeters(), options), RenderDot(ThreeMeters(), options));
}

TEST(RenderSvgTest, TwoThousandMetersDrawSmallAndUnlabelled) {
  const std::string svg = RenderSvg(Grid(2000));
  EXPECT_EQ(XmlProblem(svg), std::nullopt);
  EXPECT_EQ(Count(svg, "<circle "), 2000u);
  EXPECT_THAT(svg, Not(HasSubstr("id=\"labels\"")));
  EXPECT_THAT(svg, HasSubstr("r=\"3.5\""));
  EXPECT_THAT(RenderSvg(Grid(199)), HasSubstr("id=\"labels\""));
}

// ---- Degenerate snapshots ----

void ExpectFinite(const std::string& text) {
  EXPECT_THAT(text, Not(HasSubstr("nan")));
  EXPECT_THAT(text, Not(HasSubstr("inf")));
}

TEST(RenderDegenerateTest, AllNodesOnOnePoint) {
  MeshSnapshot snapshot = ThreeMeters();
  for (NodeSnapshot& node : snapshot.nodes) node.x_m = node.y_m = 42;
  const std::string svg = RenderSvg(snapshot);
  const std::string dot = RenderDot(snapshot);
  ExpectFinite(svg);
  ExpectFinite(dot);
  EXPECT_EQ(XmlProblem(svg), std::nullopt);
  EXPECT_EQ(Count(svg, "<circle "), 3u);
  EXPECT_EQ(Count(dot, "pos=\"0.0,0.0!\""), 4u);
}

TEST(RenderDegenerateTest, EmptySnapshot) {
  const MeshSnapshot empty;
  const std::string svg = RenderSvg(empty);
  ExpectFinite(svg);
  EXPECT_EQ(XmlProblem(svg), std::nullopt);
  EXPECT_EQ(Count(svg, "<circle "), 0u);
  EXPECT_THAT(svg, HasSubstr("0 nodes (0 collectors, 0 meters) | 0 unreachable | "
                             "delivery - (no frames)"));
  EXPECT_EQ(Count(RenderDot(empty), "shape="), 0u);
  EXPECT_EQ(RenderTable(empty),
            "  address  state        hops      parent  rssi_dBm  link_%  deliv_%    p95_ms  "
            " retries   drops  route\n");
}

TEST(RenderDegenerateTest, OneNodeAndANarrowCanvas) {
  MeshSnapshot snapshot;
  snapshot.nodes.push_back(Collector(-5, 7));
  const std::string svg = RenderSvg(snapshot, {.width_px = 10});
  ExpectFinite(svg);
  EXPECT_EQ(XmlProblem(svg), std::nullopt);
  EXPECT_THAT(svg, HasSubstr("width=\"300\""));  // the floor, so the legend fits
  EXPECT_EQ(Count(svg, "<circle "), 0u);
}

TEST(RenderDegenerateTest, MetersOnOneVerticalLine) {
  MeshSnapshot snapshot = ThreeMeters();
  for (NodeSnapshot& node : snapshot.nodes) node.x_m = 10;
  const std::string svg = RenderSvg(snapshot);
  ExpectFinite(svg);
  EXPECT_EQ(XmlProblem(svg), std::nullopt);
}

// ---- Table ----

TEST(RenderTableTest, Golden) {
  EXPECT_EQ(RenderTable(ThreeMeters()),
            "  address  state        hops      parent  rssi_dBm  link_%  deliv_%    p95_ms  "
            " retries   drops  route\n"
            "        0  collector       0           -         -       -    100.0      45.0  "
            "       0       0  -\n"
            "        1  reachable       1           C     -71.2    98.7    100.0      38.4  "
            "       2       0  1\n"
            "        2  reachable       2           1     -96.5    50.0     75.0    1234.6  "
            "      17       1  1>2\n"
            "        3  unreachable     -           -         -       -      0.0         -  "
            "       0       0  -\n");
}

TEST(RenderTableTest, ParentsThatAreCollectorsReadAsC) {
  MeshSnapshot snapshot = ThreeMeters();
  NodeSnapshot second = Collector(10, 10);
  second.address = 7;
  snapshot.nodes.insert(snapshot.nodes.begin() + 1, second);
  snapshot.nodes.back() = Meter(3, 390, 20, {3});
  snapshot.nodes.back().parent = 7;
  const std::string table = RenderTable(snapshot);
  EXPECT_THAT(table, HasSubstr("        7  collector       0           -"));
  EXPECT_THAT(table, HasSubstr("        3  reachable       1          C7"));
}

}  // namespace
}  // namespace vmuc::radio_mesh
