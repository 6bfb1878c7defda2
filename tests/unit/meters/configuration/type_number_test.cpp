#include "meters/configuration/type_number.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vmuc::meters {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

// README: "6841121BN243101040 = 68, X1 4 (three-phase), X2 1, X3 1 (standard housing),
// X4 2 (2 systems, Aron), X5 1 (5-100 A), X6 B, X7 N, X8 2 (variant 2), X9 4
// (A+/A-/R+/R-), X10 3 (standard breaker), X11 1 (radio), X12 0 (supercap), X13 1 (S0),
// X14-X16 040."
TEST(TypeNumberTest, TheRealMeterDecodesToItsListedMeaning) {
  absl::StatusOr<TypeNumber> type = TypeNumber::Parse("6841121BN243101040");
  ASSERT_TRUE(type.ok()) << type.status();
  EXPECT_EQ(type->meter_type, MeterType::kThreePhase);
  EXPECT_EQ(type->type_version, TypeVersion::kOmnipower);
  EXPECT_EQ(type->housing, Housing::kStandard);
  EXPECT_EQ(type->measuring_systems, MeasuringSystems::kTwoAron);
  EXPECT_EQ(type->current_range, CurrentRange::k5To100A);
  EXPECT_EQ(type->accuracy_class, AccuracyClass::kMidB);
  EXPECT_EQ(type->generation, Generation::kN);
  EXPECT_EQ(type->variant, Variant::k2);
  EXPECT_EQ(type->energy_type, EnergyType::kActiveAndReactiveImportExport);
  EXPECT_EQ(type->breaker, Breaker::kStandard);
  EXPECT_EQ(type->radio, Radio::kMesh);
  EXPECT_EQ(type->supply_backup, SupplyBackup::kSupercap);
  EXPECT_EQ(type->interface, Interface::kS0);
  EXPECT_EQ(type->country_code, 40);

  EXPECT_TRUE(type->is_aron());
  EXPECT_EQ(type->measuring_system_count(), 2);
  EXPECT_EQ(type->phase_count(), 3);
  EXPECT_FALSE(type->has_neutral());
  EXPECT_TRUE(type->has_breaker());
  EXPECT_TRUE(type->measures_export());
  EXPECT_TRUE(type->measures_reactive());
  EXPECT_TRUE(type->has_radio());
  EXPECT_FALSE(type->has_battery());
  EXPECT_TRUE(type->has_s0_output());
  EXPECT_TRUE(type->is_mid());
  // Technical data, datasheet line 244: 0.25-5(100)A.
  EXPECT_EQ(type->current(), (CurrentRating{250, 5'000, 100'000}));

  EXPECT_EQ(type->ToString(), "6841121BN243101040");
  EXPECT_EQ(*type, TypeNumber()) << "the default is the real meter";
  EXPECT_EQ(type->Summary(),
            "Three-phase meter, OMNIPOWER, Standard housing, 2 measuring systems (Aron, 3x230 V), "
            "5-100 A, MID class B, Generation N, Variant 2, A+/A-/R+/R-, Standard breaker, "
            "Radio (mesh), Supercap, S0 output, country code 040");
  EXPECT_EQ(type->Describe("X9"), "'4' (A+/A-/R+/R-)");
  EXPECT_EQ(type->Describe("X14-X16"), "'040' (country code 040)");
}

TEST(TypeNumberTest, FieldsListEveryPositionInOrder) {
  const std::vector<FieldCode> fields = TypeNumber().Fields();
  ASSERT_EQ(fields.size(), 14u);
  EXPECT_EQ(fields[0], (FieldCode{"X1", "4", "Three-phase meter"}));
  EXPECT_EQ(fields[4], (FieldCode{"X5", "1", "5-100 A"}));
  EXPECT_EQ(fields[12], (FieldCode{"X13", "1", "S0 output"}));
  EXPECT_EQ(fields[13], (FieldCode{"X14-X16", "040", "country code 040"}));
}

TEST(TypeNumberTest, SpacesBetweenGroupsAreIgnoredAndNotPrinted) {
  for (std::string_view text : {"68 41 121 BN 2 4 3 1 0 1 040", " 6841121BN243101040 ",
                                "68 4 1 1 2 1 B N 2 4 3 1 0 1 0 4 0"}) {
    absl::StatusOr<TypeNumber> type = TypeNumber::Parse(text);
    ASSERT_TRUE(type.ok()) << text << ": " << type.status();
    EXPECT_EQ(type->ToString(), "6841121BN243101040");
  }
}

TEST(TypeNumberTest, AnErrorNamesThePositionTheValueAndTheValidCodes) {
  absl::StatusOr<TypeNumber> type = TypeNumber::Parse("6841123BN243101040");
  ASSERT_FALSE(type.ok());
  EXPECT_EQ(type.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(type.status()), "X5: '3' is not a current range code (1, 4, 6, 7, 8)");
}

TEST(TypeNumberTest, EveryBadPositionIsReportedOnOneLine) {
  // Lower case is not what the datasheet prints: X6 'b' and X7 'n' are both wrong.
  absl::StatusOr<TypeNumber> type = TypeNumber::Parse("6841121bn243101040");
  ASSERT_FALSE(type.ok());
  EXPECT_EQ(Message(type.status()),
            "X6: 'b' is not an accuracy class code (A, B, 2, 1); "
            "X7: 'n' is not a generation code (N)");
  EXPECT_THAT(Message(type.status()), Not(HasSubstr("\n")));
}

TEST(TypeNumberTest, WrongLengthIsOneError) {
  for (std::string_view text : {"", "68", "6841121BN24310104", "6841121BN2431010400"}) {
    absl::StatusOr<TypeNumber> type = TypeNumber::Parse(text);
    ASSERT_FALSE(type.ok()) << text;
    EXPECT_THAT(Message(type.status()), HasSubstr("expected 18"));
  }
  absl::StatusOr<TypeNumber> type = TypeNumber::Parse("6841121BN24310104");
  EXPECT_EQ(Message(type.status()),
            "type number '6841121BN24310104' has 17 characters without spaces; expected 18 "
            "('68', X1..X13, X14-X16)");
}

TEST(TypeNumberTest, UnprintableCharactersAreEscaped) {
  absl::StatusOr<TypeNumber> type = TypeNumber::Parse("6841121BN243101\n40");
  ASSERT_FALSE(type.ok());
  EXPECT_EQ(Message(type.status()),
            "X14-X16: '\\n40' is not a country code (three digits, 000..999)");
}

TEST(TypeNumberTest, PrefixMustBe68) {
  absl::StatusOr<TypeNumber> type = TypeNumber::Parse("6941121BN243101040");
  ASSERT_FALSE(type.ok());
  EXPECT_EQ(Message(type.status()),
            "prefix: '69' is not the Kamstrup electricity meter prefix (68)");
}

// CurrentRating: Iref and Imax as the X5 table prints them, Imin = Iref / 20.
TEST(TypeNumberTest, CurrentRatings) {
  EXPECT_EQ(Rating(CurrentRange::k5To100A), (CurrentRating{250, 5'000, 100'000}));
  EXPECT_EQ(Rating(CurrentRange::k5To65A), (CurrentRating{250, 5'000, 65'000}));
  EXPECT_EQ(Rating(CurrentRange::k10To60A), (CurrentRating{500, 10'000, 60'000}));
  EXPECT_EQ(Rating(CurrentRange::k10To80A), (CurrentRating{500, 10'000, 80'000}));
  EXPECT_EQ(Rating(CurrentRange::k5To80A), (CurrentRating{250, 5'000, 80'000}));
}

TEST(TypeNumberTest, QueriesFollowTheirPositions) {
  absl::StatusOr<TypeNumber> type = TypeNumber::Parse("6841537AN110012123");
  ASSERT_TRUE(type.ok()) << type.status();
  EXPECT_EQ(type->housing, Housing::kTerminals50mm2TwoScrews);
  EXPECT_FALSE(type->is_aron());
  EXPECT_EQ(type->measuring_system_count(), 3);
  EXPECT_TRUE(type->has_neutral());
  EXPECT_EQ(type->current(), (CurrentRating{500, 10'000, 80'000}));
  EXPECT_EQ(type->variant, Variant::k1);
  EXPECT_FALSE(type->measures_export());
  EXPECT_FALSE(type->measures_reactive());
  EXPECT_FALSE(type->has_breaker());
  EXPECT_FALSE(type->has_radio());
  EXPECT_TRUE(type->has_battery());
  EXPECT_FALSE(type->has_s0_output());
  EXPECT_EQ(type->interface, Interface::kAps);
  EXPECT_EQ(type->country_code, 123);
  EXPECT_TRUE(type->is_mid());

  type = TypeNumber::Parse("6841121 2N 2 2 5 0 1 0 000");
  ASSERT_TRUE(type.ok()) << type.status();
  EXPECT_FALSE(type->is_mid());
  EXPECT_EQ(type->accuracy_class, AccuracyClass::kIec2);
  EXPECT_TRUE(type->measures_export());
  EXPECT_FALSE(type->measures_reactive());
  EXPECT_TRUE(type->has_breaker());
  EXPECT_EQ(type->breaker, Breaker::kVersion2);
  EXPECT_EQ(type->interface, Interface::kNone);
  EXPECT_EQ(type->country_code, 0);
  EXPECT_EQ(type->ToString(), "68411212N225010000");
}

TEST(TypeNumberTest, CheckValuesCatchesAHandSetValueOutsideTheTables) {
  TypeNumber type;
  EXPECT_TRUE(type.CheckValues().ok());
  type.country_code = 1000;
  EXPECT_EQ(Message(type.CheckValues()),
            "X14-X16: country code 1000 does not fit three digits (000..999)");
  type.country_code = 40;
  type.current_range = static_cast<CurrentRange>('3');
  EXPECT_EQ(Message(type.CheckValues()),
            "X5: value '3' has no code in the datasheet table (1, 4, 6, 7, 8)");
}

TEST(TypeNumberDeathTest, ToStringOfAValueOutsideTheTablesAborts) {
  TypeNumber type;
  type.country_code = -1;
  EXPECT_DEATH(type.ToString(), "outside the datasheet tables");
}

}  // namespace
}  // namespace vmuc::meters
