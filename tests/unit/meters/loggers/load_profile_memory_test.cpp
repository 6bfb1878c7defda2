#include "meters/loggers/load_profile_memory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace vmuc::meters {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

struct DepthRow {
  std::string channels;
  uint32_t channel_count = 0;
  std::array<uint32_t, 3> days{};  // 15, 30, 60 min
};

std::vector<DepthRow> ReadDepthTable() {
  std::ifstream file(VMUC_LOAD_PROFILE_DEPTH_CSV);
  EXPECT_TRUE(file.good()) << VMUC_LOAD_PROFILE_DEPTH_CSV;
  std::vector<DepthRow> rows;
  std::string line;
  std::getline(file, line);  // header
  EXPECT_EQ(line, "channels,channel_count,depth_days_15min,depth_days_30min,depth_days_60min");
  while (std::getline(file, line)) {
    if (line.empty()) continue;
    std::stringstream fields(line);
    DepthRow row;
    std::string cell;
    std::getline(fields, row.channels, ',');
    std::getline(fields, cell, ',');
    row.channel_count = static_cast<uint32_t>(std::stoul(cell));
    for (uint32_t& days : row.days) {
      std::getline(fields, cell, ',');
      days = static_cast<uint32_t>(std::stoul(cell));
    }
    rows.push_back(row);
  }
  return rows;
}

TEST(LoadProfileMemoryTest, ReproducesEveryCellOfTheDatasheetsDepthTable) {
  const std::vector<DepthRow> table = ReadDepthTable();
  ASSERT_EQ(table.size(), 5u);
  const std::array<std::chrono::minutes, 3> periods = {15min, 30min, 60min};
  int cells = 0;
  for (const DepthRow& row : table) {
    for (size_t p = 0; p < periods.size(); ++p) {
      auto layout = LoadProfileLayoutFor(row.channel_count, periods[p]);
      ASSERT_TRUE(layout.ok()) << layout.status();
      EXPECT_EQ(layout->depth_days, row.days[p])
          << row.channels << " every " << periods[p].count() << " min";
      ++cells;
    }
  }
  EXPECT_EQ(cells, 15);
}

TEST(LoadProfileMemoryTest, Z29SetsGiveTheirChannelCountsAndTheTablesRows) {
  // A+ / A+A- / A+A-R+R- / A+A-R1..R4 / A+A-R+R-R1..R4 at 15 min: 278, 235, 180, 145, 122.
  const std::array<std::pair<LoadProfileSet, uint32_t>, 5> rows = {{
      {LoadProfileSet::kActiveImport, 278},
      {LoadProfileSet::kActive, 235},
      {LoadProfileSet::kActiveReactive, 180},
      {LoadProfileSet::kActiveQuadrants, 145},
      {LoadProfileSet::kActiveReactiveQuadrants, 122},
  }};
  for (const auto& [set, days] : rows) {
    auto layout = LoadProfileLayoutFor(set, 15min);
    ASSERT_TRUE(layout.ok());
    EXPECT_EQ(layout->depth_days, days);
    EXPECT_EQ(layout->channels, static_cast<uint32_t>(ChannelCount(set)));
  }
}

TEST(LoadProfileMemoryTest, EntriesFillTheMemoryAndNoMore) {
  for (uint32_t channels = 1; channels <= 8; ++channels) {
    auto layout = LoadProfileLayoutFor(channels, 15min);
    ASSERT_TRUE(layout.ok());
    EXPECT_EQ(layout->entry_bytes, 18 + 4 * channels);
    EXPECT_LE(layout->capacity_entries * layout->entry_bytes, kLoadProfileMemoryBytes);
    EXPECT_GT((layout->capacity_entries + 1) * layout->entry_bytes, kLoadProfileMemoryBytes);
  }
  // Four channels: 587 776 / 34 = 17 287 entries, 180 days and 7 entries at 15 min.
  auto four = LoadProfileLayoutFor(4, 15min);
  EXPECT_EQ(four->capacity_entries, 17'287u);
  EXPECT_EQ(four->entries_per_day, 96u);
}

TEST(LoadProfileMemoryTest, TheAustrianVariantIsFifteenMinutesAndSixtyDays) {
  for (uint32_t channels : {1u, 4u, 8u}) {
    auto layout = LoadProfileLayoutFor(channels, 15min, LoadProfileVariant::kAustria);
    ASSERT_TRUE(layout.ok());
    EXPECT_EQ(layout->depth_days, 60u);
    EXPECT_EQ(layout->capacity_entries, 60u * 96u);
  }
  const auto hourly = LoadProfileLayoutFor(1, 60min, LoadProfileVariant::kAustria);
  EXPECT_EQ(hourly.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(hourly.status().message()), HasSubstr("Austrian"));
}

TEST(LoadProfileMemoryTest, BadChannelCountsAndPeriodsAreNamed) {
  const auto none = LoadProfileLayoutFor(0, 15min);
  EXPECT_THAT(std::string(none.status().message()), HasSubstr("0 channels"));
  EXPECT_FALSE(LoadProfileLayoutFor(9, 15min).ok());
  const auto five = LoadProfileLayoutFor(1, 5min);
  EXPECT_THAT(std::string(five.status().message()), HasSubstr("integration period 5 min"));
}

}  // namespace
}  // namespace vmuc::meters
