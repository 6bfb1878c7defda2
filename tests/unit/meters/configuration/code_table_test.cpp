#include "meters/configuration/code_table.h"

#include <gtest/gtest.h>

#include <array>

namespace vmuc::meters::configuration_internal {
namespace {

enum class Colour { kRed, kGreen, kBlue };

constexpr std::array<CodeRow<Colour>, 3> kColours = {{
    {"1", Colour::kRed, "red"},
    {"2", Colour::kGreen, "green"},
    {"4", Colour::kBlue, "blue"},
}};
const CodeRows<Colour> kRows(kColours.data(), kColours.size());

TEST(CodeTableTest, QuoteEscapesWhatWouldBreakTheLine) {
  EXPECT_EQ(Quote("01"), "'01'");
  EXPECT_EQ(Quote(""), "''");
  EXPECT_EQ(Quote("a\nb\t'"), "'a\\nb\\t\\''");
}

TEST(CodeTableTest, ListCodesShortensOnlyLongRuns) {
  using Codes = std::vector<std::string_view>;
  EXPECT_EQ(ListCodes(Codes{"1", "4", "6", "7", "8"}), "1, 4, 6, 7, 8");
  EXPECT_EQ(ListCodes(Codes{"1", "2", "3", "4", "5"}), "1, 2, 3, 4, 5");
  EXPECT_EQ(ListCodes(Codes{"1", "2", "3", "4", "5", "6"}), "1..6");
  EXPECT_EQ(ListCodes(Codes{"00", "01", "02", "03", "04", "05", "06", "26", "27"}),
            "00..06, 26, 27");
  // Different widths never join a run: "9" then "10" are two codes, not a range.
  EXPECT_EQ(ListCodes(Codes{"6", "7", "8", "9", "10", "11"}), "6, 7, 8, 9, 10, 11");
  EXPECT_EQ(ListCodes(Codes{"-", "000", "001", "002"}), "-, 000, 001, 002");
  EXPECT_EQ(ListCodes(Codes{""}), "''");
  EXPECT_EQ(ListCodes(Codes{}), "");
}

TEST(CodeTableTest, DecodeReturnsTheValueOrRecordsAnError) {
  ErrorList errors;
  EXPECT_EQ(errors.Decode("Q1", "2", kRows, "a colour code", Colour::kRed), Colour::kGreen);
  EXPECT_TRUE(errors.empty());
  EXPECT_TRUE(errors.ToStatus().ok());
  EXPECT_EQ(errors.Decode("Q1", "3", kRows, "a colour code", Colour::kBlue), Colour::kBlue);
  EXPECT_EQ(errors.Decode("Q2", "02", kRows, "a colour code", Colour::kRed), Colour::kRed);
  EXPECT_EQ(std::string(errors.ToStatus().message()),
            "Q1: '3' is not a colour code (1, 2, 4); Q2: '02' is not a colour code (1, 2, 4)");
  EXPECT_EQ(errors.ToStatus().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CodeTableTest, EncodeReturnsCodeAndLabelOrRecordsAnError) {
  ErrorList errors;
  EXPECT_EQ(errors.Encode("Q1", Colour::kBlue, kRows, "blue"), (FieldCode{"Q1", "4", "blue"}));
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(errors.Encode("Q1", static_cast<Colour>(7), kRows, "value 7"),
            (FieldCode{"Q1", "", ""}));
  EXPECT_EQ(std::string(errors.ToStatus().message()),
            "Q1: value 7 has no code in the datasheet table (1, 2, 4)");
}

}  // namespace
}  // namespace vmuc::meters::configuration_internal
