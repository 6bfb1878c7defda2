// LinkModel: path loss, success curve, airtime, seeded asymmetric links, faults.
#include "radio_mesh/link_model.h"

#include <gtest/gtest.h>

#include <cmath>

namespace vmuc::radio_mesh {
namespace {

using namespace std::chrono_literals;

TEST(LinkModelTest, PathLossGrowsWithDistance) {
  const RadioOptions options;
  double previous = PathLossDb(0.5, options);
  EXPECT_DOUBLE_EQ(previous, PathLossDb(1, options));  // flat below d0
  for (double d = 2; d < 5000; d *= 1.7) {
    const double loss = PathLossDb(d, options);
    EXPECT_GT(loss, previous);
    previous = loss;
  }
  // Free space at 1 m and 444 MHz is 25.4 dB; n = 3 adds 30 dB per decade.
  EXPECT_NEAR(PathLossDb(1, options), 25.40, 0.01);
  EXPECT_NEAR(PathLossDb(100, options) - PathLossDb(10, options), 30, 1e-9);
}

TEST(LinkModelTest, FrequencyOutOfBandIsRefused) {
  RadioOptions options;
  options.frequency_mhz = 868;
  const absl::Status status = ValidateRadioOptions(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(status.message()).find("frequency_mhz"), std::string::npos);
  options.frequency_mhz = 433.9;
  EXPECT_FALSE(ValidateRadioOptions(options).ok());
  options.frequency_mhz = 434;
  EXPECT_TRUE(ValidateRadioOptions(options).ok());
  options.frequency_mhz = 500;
  EXPECT_FALSE(
      LinkModel::Create({{.address = 0, .x_m = 0, .y_m = 0, .collector = true}}, options, 1).ok());
}

TEST(LinkModelTest, SuccessIsHalfAtSensitivityAndLogistic) {
  const RadioOptions options;
  EXPECT_DOUBLE_EQ(FrameSuccess(options.sensitivity_dbm, options), 0.5);
  EXPECT_NEAR(FrameSuccess(options.sensitivity_dbm + 1.5 * std::log(9), options), 0.9, 1e-9);
  EXPECT_LT(FrameSuccess(-120, options), 0.001);
  EXPECT_GT(FrameSuccess(-90, options), 0.999);
}

TEST(LinkModelTest, AirtimeOfKnownBytes) {
  RadioOptions options;
  EXPECT_EQ(Airtime(48, options), 10ms);  // 384 bits at 38.4 kbit/s
  options.data_rate_bps = 100000;
  EXPECT_EQ(Airtime(125, options), 10ms);
  // 200 payload bytes need two fragments of at most 175, each with its header.
  const RadioOptions defaults;
  EXPECT_EQ(Fragments(200, defaults), 2u);
  EXPECT_EQ(FrameAirtime(200, 3, defaults), Airtime(200 + 2 * (20 + 3 * 4), defaults));
  EXPECT_EQ(Fragments(0, defaults), 1u);
}

std::vector<MeshNode> Pair(double distance_m) {
  return {{.address = 0, .x_m = 0, .y_m = 0, .collector = true},
          {.address = 1, .x_m = distance_m, .y_m = 0, .collector = false}};
}

TEST(LinkModelTest, LinksAreAsymmetricAndSeeded) {
  auto nodes = PlaceNodes({.placement = Placement::kRandom,
                           .meters = 200,
                           .collectors = 1,
                           .spacing_m = 200,
                           .streets = 0,
                           .seed = 5});
  ASSERT_TRUE(nodes.ok());
  auto a = LinkModel::Create(*nodes, {}, 11);
  auto b = LinkModel::Create(*nodes, {}, 11);
  auto c = LinkModel::Create(*nodes, {}, 12);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  int asymmetric = 0;
  int differ = 0;
  int links = 0;
  for (uint32_t i = 0; i < a->size(); ++i) {
    for (const Neighbour& link : a->Neighbours(i)) {
      ++links;
      if (std::abs(link.rssi_out_dbm - link.rssi_in_dbm) > 0.5) ++asymmetric;
      EXPECT_EQ(b->RssiDbm(i, link.node), a->RssiDbm(i, link.node));
      // The reverse entry exists and mirrors this one.
      const Neighbour* back = a->Find(link.node, i);
      ASSERT_NE(back, nullptr);
      EXPECT_EQ(back->rssi_in_dbm, link.rssi_out_dbm);
      auto other = c->RssiDbm(i, link.node);
      if (!other || std::abs(*other - link.rssi_out_dbm) > 0.01) ++differ;
    }
    EXPECT_LE(a->Neighbours(i).size(), 2 * RadioOptions{}.max_neighbours);
  }
  EXPECT_GT(links, 1000);
  EXPECT_GT(asymmetric, links / 2);
  EXPECT_GT(differ, links / 2);
}

TEST(LinkModelTest, NoShadowingGivesTheMeanLevel) {
  RadioOptions options;
  options.shadowing_sigma_db = 0;
  options.asymmetry_sigma_db = 0;
  auto model = LinkModel::Create(Pair(300), options, 1);
  ASSERT_TRUE(model.ok());
  ASSERT_TRUE(model->RssiDbm(0, 1).has_value());
  EXPECT_NEAR(*model->RssiDbm(0, 1), MeanRssiDbm(300, options), 1e-4);
  // Far beyond the horizon there is no candidate link at all.
  auto far = LinkModel::Create(Pair(50000), options, 1);
  ASSERT_TRUE(far.ok());
  EXPECT_EQ(far->Find(0, 1), nullptr);
  EXPECT_EQ(far->Success(0, 1), 0);
}

TEST(LinkModelTest, DegradeAndPartitionAdjustLinks) {
  RadioOptions options;
  options.shadowing_sigma_db = 0;
  options.asymmetry_sigma_db = 0;
  auto model = LinkModel::Create(Pair(1000), options, 1);
  ASSERT_TRUE(model.ok());
  const double before = model->Success(0, 1);
  EXPECT_GT(before, 0.5);
  model->Degrade(0, 1, 20);
  EXPECT_LT(model->Success(0, 1), 0.01);
  EXPECT_LT(model->Success(1, 0), 0.01);
  EXPECT_TRUE(model->Degraded(1, 0));
  model->Degrade(1, 0, 0);
  EXPECT_DOUBLE_EQ(model->Success(0, 1), before);
  ASSERT_TRUE(model->Partition(500, -10, 2000, 10).ok());
  EXPECT_EQ(model->Success(0, 1), 0);
  EXPECT_TRUE(model->Cut(0, 1));
  model->HealPartitions();
  EXPECT_DOUBLE_EQ(model->Success(0, 1), before);
}

TEST(LinkModelTest, LargeModelBuildsWithBoundedNeighbours) {
  auto nodes = PlaceNodes({.placement = Placement::kRandom,
                           .meters = 20000,
                           .collectors = 1,
                           .spacing_m = 300,
                           .streets = 0,
                           .seed = 2});
  ASSERT_TRUE(nodes.ok());
  auto model = LinkModel::Create(*nodes, {}, 1);
  ASSERT_TRUE(model.ok());
  size_t total = 0;
  for (uint32_t i = 0; i < model->size(); ++i) total += model->Neighbours(i).size();
  EXPECT_GT(total / model->size(), 20u);
  EXPECT_LE(total / model->size(), 64u);
}

}  // namespace
}  // namespace vmuc::radio_mesh
