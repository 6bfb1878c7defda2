#include "dlms/units.h"

#include "gtest/gtest.h"

namespace vmuc::dlms {
namespace {

TEST(UnitsTest, CodesMatchTheBlueBookTable) {
  EXPECT_EQ(static_cast<int>(Unit::kWatt), 27);
  EXPECT_EQ(static_cast<int>(Unit::kWattHour), 30);
  EXPECT_EQ(static_cast<int>(Unit::kVarHour), 32);
  EXPECT_EQ(static_cast<int>(Unit::kVolt), 35);
  EXPECT_EQ(static_cast<int>(Unit::kHertz), 44);
  EXPECT_EQ(static_cast<int>(Unit::kPercent), 56);
  EXPECT_EQ(static_cast<int>(Unit::kNone), 255);
}

TEST(UnitsTest, Symbols) {
  static_assert(UnitSymbol(Unit::kWattHour) == "Wh");
  EXPECT_EQ(UnitSymbol(Unit::kWatt), "W");
  EXPECT_EQ(UnitSymbol(Unit::kVoltAmpere), "VA");
  EXPECT_EQ(UnitSymbol(Unit::kVar), "var");
  EXPECT_EQ(UnitSymbol(Unit::kVoltAmpereHour), "VAh");
  EXPECT_EQ(UnitSymbol(Unit::kVarHour), "varh");
  EXPECT_EQ(UnitSymbol(Unit::kAmpere), "A");
  EXPECT_EQ(UnitSymbol(Unit::kVolt), "V");
  EXPECT_EQ(UnitSymbol(Unit::kHertz), "Hz");
  EXPECT_EQ(UnitSymbol(Unit::kPercent), "%");
  EXPECT_EQ(UnitSymbol(Unit::kNone), "");
  EXPECT_EQ(UnitSymbol(static_cast<Unit>(9)), "");  // a code the object model does not use
}

}  // namespace
}  // namespace vmuc::dlms
