#include "meters/tariff/tariff_inputs.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace vmuc::meters {
namespace {

// Tariffs for the input combinations (I/O 1, I/O 2) = (0,0), (1,0), (0,1), (1,1).
std::array<int, 4> TariffsFor(const TariffInputMode& mode) {
  return {TariffFromInputs(mode, {false, false}), TariffFromInputs(mode, {true, false}),
          TariffFromInputs(mode, {false, true}), TariffFromInputs(mode, {true, true})};
}

TEST(TariffInputsTest, FourTariffIsBinaryWithIo1AsLowBit) {
  EXPECT_EQ(TariffsFor({TariffInputKind::kFourTariff, false, 1}), (std::array<int, 4>{1, 2, 3, 4}));
  EXPECT_EQ(TariffsFor({TariffInputKind::kFourTariff, true, 1}), (std::array<int, 4>{4, 3, 2, 1}));
}

TEST(TariffInputsTest, TwoTariffReadsOnlyItsIo) {
  EXPECT_EQ(TariffsFor({TariffInputKind::kTwoTariff, false, 1}), (std::array<int, 4>{1, 2, 1, 2}));
  EXPECT_EQ(TariffsFor({TariffInputKind::kTwoTariff, true, 1}), (std::array<int, 4>{2, 1, 2, 1}));
  EXPECT_EQ(TariffsFor({TariffInputKind::kTwoTariff, false, 2}), (std::array<int, 4>{1, 1, 2, 2}));
  EXPECT_EQ(TariffsFor({TariffInputKind::kTwoTariff, true, 2}), (std::array<int, 4>{2, 2, 1, 1}));
}

TEST(TariffInputsTest, NoTariffInputMeansTariffOne) {
  EXPECT_EQ(TariffsFor({}), (std::array<int, 4>{1, 1, 1, 1}));
}

// The Z3 table of tariff_inputs.h, code by code.
TEST(TariffInputsTest, Z3TableOfTheHeader) {
  struct Row {
    int z3;
    TariffInputMode mode;
    std::array<int, 4> tariffs;
  };
  const std::vector<Row> rows = {
      {1, {TariffInputKind::kFourTariff, false, 1}, {1, 2, 3, 4}},
      {2, {TariffInputKind::kFourTariff, true, 1}, {4, 3, 2, 1}},
      {7, {TariffInputKind::kTwoTariff, false, 1}, {1, 2, 1, 2}},
      {8, {TariffInputKind::kTwoTariff, true, 1}, {2, 1, 2, 1}},
      {9, {TariffInputKind::kTwoTariff, false, 1}, {1, 2, 1, 2}},
      {10, {TariffInputKind::kTwoTariff, true, 1}, {2, 1, 2, 1}},
      {11, {TariffInputKind::kTwoTariff, false, 1}, {1, 2, 1, 2}},
      {12, {TariffInputKind::kTwoTariff, true, 1}, {2, 1, 2, 1}},
      {13, {TariffInputKind::kTwoTariff, false, 2}, {1, 1, 2, 2}},
      {14, {TariffInputKind::kTwoTariff, true, 2}, {2, 2, 1, 1}},
      {18, {TariffInputKind::kNone, false, 1}, {1, 1, 1, 1}},
      {22, {TariffInputKind::kFourTariff, false, 1}, {1, 2, 3, 4}},
      {23, {TariffInputKind::kFourTariff, true, 1}, {4, 3, 2, 1}},
  };
  for (const Row& row : rows) {
    EXPECT_TRUE(ValidateTariffInputMode(row.mode).ok()) << "Z3 " << row.z3;
    EXPECT_EQ(TariffsFor(row.mode), row.tariffs) << "Z3 " << row.z3;
  }
}

TEST(TariffInputsTest, RejectsAnIoTheModuleDoesNotHave) {
  const absl::Status status = ValidateTariffInputMode({TariffInputKind::kTwoTariff, false, 3});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(status.message()).find("I/O 3"), std::string::npos);
  EXPECT_TRUE(ValidateTariffInputMode({TariffInputKind::kFourTariff, false, 3}).ok());
}

}  // namespace
}  // namespace vmuc::meters
