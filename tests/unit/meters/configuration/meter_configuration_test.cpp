#include "meters/configuration/meter_configuration.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

namespace vmuc::meters {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;
using Codes = std::map<std::string, std::string>;

constexpr std::string_view kRealMeter = "6841121BN243101040";

std::string Message(const absl::Status& status) { return std::string(status.message()); }

// The real meter with variant X8, energy type X9 and breaker X10 replaced.
std::string Meter(char variant, char energy_type, char breaker) {
  std::string text(kRealMeter);
  text[9] = variant;
  text[10] = energy_type;
  text[11] = breaker;
  return text;
}

std::string CreateError(std::string_view type_number, const Codes& codes) {
  absl::StatusOr<MeterConfiguration> config = MeterConfiguration::Create(type_number, codes);
  if (config.ok()) return "OK";
  EXPECT_THAT(Message(config.status()), Not(HasSubstr("\n")));
  return Message(config.status());
}

TEST(MeterConfigurationTest, TheRealMeterWithFactoryDefaults) {
  absl::StatusOr<MeterConfiguration> config = MeterConfiguration::Create(kRealMeter, {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->type, TypeNumber());
  EXPECT_EQ(config->software, SoftwareConfig());
  EXPECT_TRUE(config->Validate().ok());
  EXPECT_TRUE(Validate(TypeNumber(), SoftwareConfig()).ok());
}

TEST(MeterConfigurationTest, TheRealMeterWithAFullOrder) {
  const Codes codes = {
      {"Z1", "2"},    {"Z2", "1"},    {"Z3", "05"},   {"Z4", "2"},    {"Z5", "-"},
      {"Z6", "01"},   {"Z7", "01"},   {"Z8", "1"},    {"Z9", "-"},    {"Z10", "000"},
      {"Z11", "01"},  {"Z12", "03"},  {"Z13", "002"}, {"Z14", "000"}, {"Z15", "001"},
      {"Z16", "378"}, {"Z17", "000"}, {"Z18", "000"}, {"Z19", "2"},   {"Z20", "-"},
      {"Z21", ""},    {"Z25", "1"},   {"Z26", "000"}, {"Z27", "2"},   {"Z28", "1"},
      {"Z29", "5"},   {"Z30", "2"},
  };
  absl::StatusOr<MeterConfiguration> config = MeterConfiguration::Create(kRealMeter, codes);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->type.ToString(), kRealMeter);
  Codes without_reserved = codes;
  without_reserved.erase("Z21");
  EXPECT_EQ(config->software.ToCodes(), without_reserved);
  EXPECT_EQ(config->software.breaker_position, BreakerPosition::kDisconnected);
  EXPECT_EQ(config->software.pulse_input_unit, PulseInputUnit::kLitre);
  EXPECT_EQ(ChannelCount(config->software.load_profile), 8);
}

// DefaultSoftwareConfig: Z19 from X10, Z28 from X8, Z29 from X9; every combination valid.
TEST(MeterConfigurationTest, DefaultSoftwareFitsEveryVariantEnergyTypeAndBreaker) {
  for (char variant : {'1', '2'}) {
    for (char energy : {'1', '2', '4'}) {
      for (char breaker : {'0', '3', '5'}) {
        const std::string text = Meter(variant, energy, breaker);
        absl::StatusOr<MeterConfiguration> config = MeterConfiguration::Create(text, {});
        ASSERT_TRUE(config.ok()) << text << ": " << config.status();
        const SoftwareConfig& software = config->software;
        EXPECT_EQ(software, DefaultSoftwareConfig(config->type));
        EXPECT_EQ(software.breaker_position,
                  breaker == '0' ? BreakerPosition::kNoBreaker : BreakerPosition::kConnected);
        EXPECT_EQ(software.local_interface_encryption,
                  variant == '1' ? LocalInterfaceEncryption::kNotApplicable
                                 : LocalInterfaceEncryption::kEnabled);
        EXPECT_EQ(ChannelCount(software.load_profile), energy == '1' ? 1 : energy == '2' ? 2 : 4);
      }
    }
  }
}

TEST(MeterConfigurationTest, LoadProfileChannelsMustBeMeasured) {
  EXPECT_EQ(CreateError(Meter('2', '1', '3'), {{"Z29", "2"}}),
            "Z29 '2' (A+/A-) needs X9 energy type with A-; X9 is '1' (A+)");
  EXPECT_EQ(CreateError(Meter('2', '2', '3'), {{"Z29", "3"}}),
            "Z29 '3' (A+/A-/R+/R-) needs X9 energy type with reactive energy (4); "
            "X9 is '2' (A+/A-)");
  EXPECT_EQ(CreateError(Meter('2', '1', '3'), {{"Z29", "4"}}),
            "Z29 '4' (A+/A-/R1/R2/R3/R4) needs X9 energy type with reactive energy (4); "
            "X9 is '1' (A+)");
  // Fewer channels than the meter measures are fine.
  EXPECT_EQ(CreateError(Meter('2', '4', '3'), {{"Z29", "1"}}), "OK");
  EXPECT_EQ(CreateError(Meter('2', '2', '3'), {{"Z29", "2"}}), "OK");
  // Every Z29 against every X9 (on variant 2, where all of Z29 exist).
  const std::map<char, std::string> accepted = {{'1', "1"}, {'2', "12"}, {'4', "12345"}};
  for (const auto& [energy, sets] : accepted) {
    std::string actual;
    for (char set : std::string("12345")) {
      if (CreateError(Meter('2', energy, '3'), {{"Z29", std::string(1, set)}}) == "OK") {
        actual += set;
      }
    }
    EXPECT_EQ(actual, sets) << "X9 " << energy;
  }
}

TEST(MeterConfigurationTest, VariantOnlyCodes) {
  EXPECT_EQ(CreateError(Meter('2', '4', '3'), {{"Z18", "001"}}),
            "Z18 '001' (Mode A and C, UD) is only available for variant 1; X8 is '2' (Variant 2)");
  EXPECT_EQ(CreateError(Meter('1', '4', '3'), {{"Z18", "002"}}), "OK");
  EXPECT_EQ(CreateError(Meter('1', '4', '3'), {{"Z27", "2"}}),
            "Z27 '2' (delta values) is only available for variant 2; X8 is '1' (Variant 1)");
  EXPECT_EQ(CreateError(Meter('2', '4', '3'), {{"Z28", "0"}}),
            "Z28 '0' (N/A) is only for variant 1; X8 is '2' (Variant 2)");
  EXPECT_EQ(CreateError(Meter('1', '4', '3'), {{"Z28", "2"}}),
            "Z28 '2' (disabled) is only available for variant 2; X8 is '1' (Variant 1)");
  EXPECT_EQ(CreateError(Meter('1', '4', '3'), {{"Z29", "5"}}),
            "Z29 '5' (A+/A-/R+/R-/R1/R2/R3/R4) is only available for variant 2; "
            "X8 is '1' (Variant 1)");
  EXPECT_EQ(CreateError(Meter('1', '4', '3'), {{"Z30", "2"}}),
            "Z30 '2' (profile 02) is only available for variant 2; X8 is '1' (Variant 1)");
}

TEST(MeterConfigurationTest, BreakerPositionFollowsTheBreaker) {
  EXPECT_EQ(CreateError(Meter('2', '4', '0'), {{"Z19", "1"}}),
            "Z19 '1' (Breaker connected) requires a breaker (X10 = 3 or 5); "
            "X10 is '0' (No breaker)");
  EXPECT_EQ(CreateError(Meter('2', '4', '5'), {{"Z19", "0"}}),
            "Z19 '0' (No breaker) requires X10 = 0 (no breaker); X10 is '5' (Breaker version 2)");
  EXPECT_EQ(CreateError(Meter('2', '4', '5'), {{"Z19", "2"}}), "OK");
}

TEST(MeterConfigurationTest, PulseInputUnitNeedsAPulseInput) {
  EXPECT_EQ(CreateError(kRealMeter, {{"Z12", "01"}}),
            "Z12 '01' (kWh) needs a Z3 configuration with a pulse input "
            "(03, 04, 05, 13, 14, 18..21, 27, 28); Z3 is '00' (No function)");
  // The list in the message is exactly the Z3 codes that satisfy the rule.
  std::string accepted;
  for (int code = 0; code <= 29; ++code) {
    if (code == 24 || code == 25) continue;
    const std::string z3 = (code < 10 ? "0" : "") + std::to_string(code);
    if (CreateError(kRealMeter, {{"Z3", z3}, {"Z12", "02"}}) == "OK") accepted += z3 + " ";
    EXPECT_EQ(CreateError(kRealMeter, {{"Z3", z3}, {"Z12", "00"}}), "OK");
  }
  EXPECT_EQ(accepted, "03 04 05 13 14 18 19 20 21 27 28 ");
}

TEST(MeterConfigurationTest, ModulePortTariffControlNeedsTariffInputs) {
  EXPECT_EQ(CreateError(kRealMeter, {{"Z3", "03"}, {"Z13", "001"}}),
            "Z13 '001' (Module port control) needs a Z3 configuration with tariff inputs "
            "(01, 02, 07..14, 22, 23); Z3 is '03' (Pulse in / Alarm in)");
  std::string accepted;
  for (int code = 0; code <= 29; ++code) {
    if (code == 24 || code == 25) continue;
    const std::string z3 = (code < 10 ? "0" : "") + std::to_string(code);
    if (CreateError(kRealMeter, {{"Z3", z3}, {"Z13", "001"}}) == "OK") accepted += z3 + " ";
    // The other plans do not read the module.
    for (std::string_view plan : {"-", "000", "002"}) {
      EXPECT_EQ(CreateError(kRealMeter, {{"Z3", z3}, {"Z13", std::string(plan)}}), "OK");
    }
  }
  EXPECT_EQ(accepted, "01 02 07 08 09 10 11 12 13 14 22 23 ");
}

// Judgement call (meter_configuration.h): Z8 is accepted without an S0 output.
TEST(MeterConfigurationTest, PulseLengthIsAcceptedWithoutAnS0Output) {
  std::string no_s0(kRealMeter);
  no_s0[14] = '0';  // X13
  for (std::string_view z8 : {"1", "2", "3", "4"}) {
    EXPECT_EQ(CreateError(no_s0, {{"Z8", std::string(z8)}}), "OK");
    EXPECT_EQ(CreateError(kRealMeter, {{"Z8", std::string(z8)}}), "OK");
  }
}

TEST(MeterConfigurationTest, EveryViolationIsReportedOnOneLine) {
  EXPECT_EQ(CreateError(Meter('1', '1', '0'),
                        {{"Z18", "001"}, {"Z19", "2"}, {"Z27", "2"}, {"Z29", "2"}, {"Z12", "01"}}),
            "Z19 '2' (Breaker disconnected) requires a breaker (X10 = 3 or 5); "
            "X10 is '0' (No breaker); "
            "Z27 '2' (delta values) is only available for variant 2; X8 is '1' (Variant 1); "
            "Z29 '2' (A+/A-) needs X9 energy type with A-; X9 is '1' (A+); "
            "Z12 '01' (kWh) needs a Z3 configuration with a pulse input "
            "(03, 04, 05, 13, 14, 18..21, 27, 28); Z3 is '00' (No function)");
}

TEST(MeterConfigurationTest, CreateReportsTheFirstFailingStep) {
  EXPECT_EQ(CreateError("6841123BN243101040", {{"Z1", "9"}}),
            "X5: '3' is not a current range code (1, 4, 6, 7, 8)");
  EXPECT_EQ(CreateError(kRealMeter, {{"Z1", "9"}, {"Z29", "4"}}),
            "Z1: '9' is not a display decimals code (1, 2, 3, 4)");
}

TEST(MeterConfigurationTest, ValidateReportsHandSetValuesInsteadOfAborting) {
  SoftwareConfig software;
  software.integration_period = 5min;
  EXPECT_EQ(Message(Validate(TypeNumber(), software)),
            "Z4: 5 min has no code in the datasheet table (2, 3, 4)");
  TypeNumber type;
  type.country_code = 4000;
  EXPECT_EQ(Message(Validate(type, SoftwareConfig())),
            "X14-X16: country code 4000 does not fit three digits (000..999)");
}

}  // namespace
}  // namespace vmuc::meters
