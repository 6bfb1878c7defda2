#include "dlms/obis.h"

#include <set>
#include <string>
#include <unordered_set>

#include "absl/container/flat_hash_set.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vmuc::dlms {
namespace {

using ::testing::HasSubstr;

constexpr Obis kActiveEnergyImport(1, 1, 1, 8, 0, 255);

TEST(ObisTest, ConstexprConstructorKeepsWireOrder) {
  static_assert(kActiveEnergyImport.bytes[0] == 1 && kActiveEnergyImport.bytes[2] == 1 &&
                kActiveEnergyImport.bytes[3] == 8 && kActiveEnergyImport.bytes[5] == 255);
  // dlms-wire-examples.md, GET-Request: the association object 0.0.40.0.0.255 on the
  // wire is 00 00 28 00 00 FF.
  constexpr Obis kAssociation(0, 0, 40, 0, 0, 255);
  EXPECT_EQ(kAssociation.bytes, (std::array<uint8_t, 6>{0x00, 0x00, 0x28, 0x00, 0x00, 0xFF}));
  EXPECT_EQ(Obis(std::array<uint8_t, 6>{0x00, 0x00, 0x28, 0x00, 0x00, 0xFF}), kAssociation);
}

TEST(ObisTest, ParsesDottedForm) {
  auto obis = Obis::Parse("1.1.1.8.0.255");
  ASSERT_TRUE(obis.ok()) << obis.status();
  EXPECT_EQ(*obis, kActiveEnergyImport);
  EXPECT_EQ(Obis::Parse("0.0.40.0.0.255").value(), Obis(0, 0, 40, 0, 0, 255));
  EXPECT_EQ(Obis::Parse("000.0.0.0.0.0").value(), Obis());
}

TEST(ObisTest, ParsesIec6205661Forms) {
  EXPECT_EQ(Obis::Parse("1-1:1.8.0*255").value(), kActiveEnergyImport);
  EXPECT_EQ(Obis::Parse("1-1:1.8.0.255").value(), kActiveEnergyImport);
  EXPECT_EQ(Obis::Parse("1-1:1.8.0").value(), kActiveEnergyImport);  // F omitted
  EXPECT_EQ(Obis::Parse("0-0:96.1.0*101").value(), Obis(0, 0, 96, 1, 0, 101));
}

TEST(ObisTest, RejectsMalformedText) {
  for (const char* text :
       {"", "1.1.1.8.0", "1.1.1.8.0.255.0", "1.1.1.8.0.256", "1.1.1.8.0.1000", "1..1.8.0.255",
        "1.1.1.8.0.255.", ".1.1.1.8.0", "1-1:1.8", "1-1:1.8.0*", "1:1-1.8.0*255", "a.b.c.d.e.f",
        " 1.1.1.8.0.255", "1.1.1.8.0.255 ", "1-1.1.8.0.255", "-1.1.1.8.0.255", "1.1.1.8.0*255"}) {
    auto obis = Obis::Parse(text);
    EXPECT_FALSE(obis.ok()) << "'" << text << "' parsed as " << obis->ToString();
    if (!obis.ok()) {
      EXPECT_EQ(obis.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(std::string(obis.status().message()), HasSubstr("not an OBIS code"));
    }
  }
}

TEST(ObisTest, ToStringIsDottedAndRoundTrips) {
  EXPECT_EQ(kActiveEnergyImport.ToString(), "1.1.1.8.0.255");
  EXPECT_EQ(Obis().ToString(), "0.0.0.0.0.0");
  for (const Obis obis :
       {kActiveEnergyImport, Obis(0, 0, 96, 11, 3, 255), Obis(255, 255, 255, 255, 255, 255)}) {
    EXPECT_EQ(Obis::Parse(obis.ToString()).value(), obis);
  }
}

TEST(ObisTest, OrdersLexicographicallyByGroup) {
  EXPECT_LT(Obis(1, 1, 1, 8, 0, 255), Obis(1, 1, 2, 8, 0, 255));
  EXPECT_LT(Obis(0, 9, 9, 9, 9, 9), Obis(1, 0, 0, 0, 0, 0));
  EXPECT_NE(Obis(1, 1, 1, 8, 0, 255), Obis(1, 0, 1, 8, 0, 255));
  std::set<Obis> ordered = {Obis(1, 1, 2, 8, 0, 255), kActiveEnergyImport};
  EXPECT_EQ(*ordered.begin(), kActiveEnergyImport);
}

TEST(ObisTest, Hashes) {
  std::unordered_set<Obis> std_set = {kActiveEnergyImport, Obis(1, 1, 2, 8, 0, 255)};
  EXPECT_TRUE(std_set.contains(Obis::Parse("1-1:1.8.0*255").value()));
  EXPECT_FALSE(std_set.contains(Obis(1, 0, 1, 8, 0, 255)));
  absl::flat_hash_set<Obis> absl_set = {kActiveEnergyImport};
  EXPECT_TRUE(absl_set.contains(Obis(1, 1, 1, 8, 0, 255)));
}

}  // namespace
}  // namespace vmuc::dlms
