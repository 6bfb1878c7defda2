// Topology: seeded placements and the CSV topology format.
#include "radio_mesh/topology.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <utility>

#include "common/strings.h"

namespace vmuc::radio_mesh {
namespace {

TEST(PlaceNodesTest, GridHasCollectorAtCentreAndMetersOnePitchApart) {
  auto nodes = PlaceNodes({.placement = Placement::kGrid,
                           .meters = 9,
                           .collectors = 1,
                           .spacing_m = 50,
                           .streets = 0,
                           .seed = 1});
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  ASSERT_EQ(nodes->size(), 10u);
  EXPECT_TRUE((*nodes)[0].collector);
  EXPECT_EQ((*nodes)[0].address, kCollectorNode);
  EXPECT_DOUBLE_EQ((*nodes)[0].x_m, 50);
  EXPECT_DOUBLE_EQ((*nodes)[0].y_m, 50);
  for (uint32_t i = 1; i <= 9; ++i) {
    EXPECT_EQ((*nodes)[i].address, i);
    EXPECT_FALSE((*nodes)[i].collector);
  }
  EXPECT_DOUBLE_EQ((*nodes)[2].x_m - (*nodes)[1].x_m, 50);
}

TEST(PlaceNodesTest, SeveralCollectorsCountDownFromTheTop) {
  auto nodes = PlaceNodes({.placement = Placement::kRandom,
                           .meters = 100,
                           .collectors = 3,
                           .spacing_m = 50,
                           .streets = 0,
                           .seed = 7});
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 103u);
  EXPECT_EQ((*nodes)[0].address, 0u);
  EXPECT_EQ((*nodes)[1].address, kMaxNodeAddress - 1);  // kMaxNodeAddress: broadcast
  EXPECT_EQ((*nodes)[2].address, kMaxNodeAddress - 2);
  EXPECT_NE((*nodes)[1].x_m, (*nodes)[2].x_m);  // spread, not stacked
}

TEST(PlaceNodesTest, ManyCollectorsEachStandInTheirOwnCell) {
  // One concentrator per 2 000 meters: 9 collectors on a 3 x 3 grid of cells.
  auto nodes = PlaceNodes({.placement = Placement::kGrid,
                           .meters = 100,
                           .collectors = 9,
                           .spacing_m = 100,
                           .streets = 0,
                           .seed = 1});
  ASSERT_TRUE(nodes.ok());
  // The meters span 0..900 m both ways: cells of 300 m.
  EXPECT_DOUBLE_EQ((*nodes)[0].x_m, 450);  // the first one at the centre
  EXPECT_DOUBLE_EQ((*nodes)[0].y_m, 450);
  std::set<std::pair<double, double>> spots;
  for (uint32_t i = 0; i < 9; ++i) {
    EXPECT_EQ((*nodes)[i].address, CollectorAddress(i));
    EXPECT_TRUE((*nodes)[i].collector);
    spots.insert({(*nodes)[i].x_m, (*nodes)[i].y_m});
    EXPECT_NEAR(std::fmod((*nodes)[i].x_m - 150, 300), 0, 1e-9) << i;
  }
  EXPECT_EQ(spots.size(), 9u);
  EXPECT_EQ(CollectorAddress(kMaxCollectors - 1), kMaxNodeAddress - (kMaxCollectors - 1));
  EXPECT_TRUE(PlaceNodes({.placement = Placement::kRandom,
                          .meters = 10,
                          .collectors = kMaxCollectors,
                          .spacing_m = 50,
                          .streets = 0,
                          .seed = 1})
                  .ok());
}

TEST(PlaceNodesTest, RandomAndClusteredAreSeedDeterministicAndInsideTheArea) {
  for (Placement placement : {Placement::kRandom, Placement::kClusteredStreets}) {
    PlacementOptions options{.placement = placement,
                             .meters = 400,
                             .collectors = 1,
                             .spacing_m = 40,
                             .streets = 0,
                             .seed = 3};
    auto a = PlaceNodes(options);
    auto b = PlaceNodes(options);
    options.seed = 4;
    auto c = PlaceNodes(options);
    ASSERT_TRUE(a.ok() && b.ok() && c.ok());
    EXPECT_EQ(*a, *b);
    EXPECT_NE(*a, *c);
    EXPECT_EQ(a->size(), 401u);
    std::set<NodeAddress> addresses;
    for (const MeshNode& node : *a) {
      addresses.insert(node.address);
      EXPECT_GE(node.x_m, 0);
      EXPECT_LE(node.x_m, 800);
      EXPECT_GE(node.y_m, 0);
      EXPECT_LE(node.y_m, 800);
    }
    EXPECT_EQ(addresses.size(), 401u);
  }
}

TEST(PlaceNodesTest, RefusesBadOptions) {
  EXPECT_FALSE(PlaceNodes({.placement = Placement::kGrid,
                           .meters = 5,
                           .collectors = 0,
                           .spacing_m = 50,
                           .streets = 0,
                           .seed = 1})
                   .ok());
  EXPECT_FALSE(PlaceNodes({.placement = Placement::kGrid,
                           .meters = 5,
                           .collectors = kMaxCollectors + 1,
                           .spacing_m = 50,
                           .streets = 0,
                           .seed = 1})
                   .ok());
  EXPECT_FALSE(PlaceNodes({.placement = Placement::kGrid,
                           .meters = 5,
                           .collectors = 1,
                           .spacing_m = 0,
                           .streets = 0,
                           .seed = 1})
                   .ok());
}

TEST(ParseTopologyTest, ReadsNodesCommentsAndBlankLines) {
  auto nodes = ParseTopology(
      "# a street\n\ncollector,0,0,0\nmeter,1,10.5,-3  # first house\n meter , 2 , 20 , 0 \n",
      "mesh.csv");
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  ASSERT_EQ(nodes->size(), 3u);
  EXPECT_EQ((*nodes)[1], (MeshNode{.address = 1, .x_m = 10.5, .y_m = -3, .collector = false}));
  EXPECT_EQ((*nodes)[2].address, 2u);
}

void ExpectError(std::string_view text, std::string_view expected) {
  auto nodes = ParseTopology(text, "mesh.csv");
  ASSERT_FALSE(nodes.ok());
  EXPECT_EQ(AsStd(nodes.status().message()), expected);
}

TEST(ParseTopologyTest, ErrorsNameTheLineAndTheField) {
  ExpectError("collector,0,0,0\n\n\n\n\n\nmeter,300000000,1,1\n",
              "mesh.csv:7: address 300000000 is beyond 28 bits");
  ExpectError("collector,0,0,0\nmeter,1,abc,1\n", "mesh.csv:2: x_m 'abc' is not a finite number");
  ExpectError("collector,0,0,0\nmeter,1,1,nan\n", "mesh.csv:2: y_m 'nan' is not a finite number");
  ExpectError("collector,0,0,0\nrelay,1,1,1\n",
              "mesh.csv:2: kind 'relay' is neither 'collector' nor 'meter'");
  ExpectError("collector,0,0,0\nmeter,1,1\n",
              "mesh.csv:2: expected 4 fields (kind,address,x_m,y_m), found 3");
  ExpectError("collector,0,0,0\nmeter,1,1,1\nmeter,1,2,2\n", "mesh.csv:3: address 1 appears twice");
  ExpectError("collector,0,0,0\nmeter,x1,1,1\n", "mesh.csv:2: address 'x1' is not a number");
  ExpectError("meter,1,1,1\n",
              "mesh.csv: no collector with address 0 (the gateway's own collector)");
}

TEST(ParseTopologyTest, FileRoundTripIsExact) {
  auto placed = PlaceNodes({.placement = Placement::kClusteredStreets,
                            .meters = 50,
                            .collectors = 2,
                            .spacing_m = 33.3,
                            .streets = 3,
                            .seed = 9});
  ASSERT_TRUE(placed.ok());
  const std::string path =
      (std::filesystem::temp_directory_path() / "vmuc_topology_test.csv").string();
  {
    std::ofstream file(path);
    file << FormatTopology(*placed);
  }
  auto loaded = LoadTopologyFile(path);
  std::remove(path.c_str());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(*loaded, *placed);
  EXPECT_FALSE(LoadTopologyFile("/nonexistent/mesh.csv").ok());
}

}  // namespace
}  // namespace vmuc::radio_mesh
