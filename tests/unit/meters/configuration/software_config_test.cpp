#include "meters/configuration/software_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace vmuc::meters {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using namespace std::chrono_literals;
using Codes = std::map<std::string, std::string>;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

SoftwareConfig Decode(const Codes& codes) {
  absl::StatusOr<SoftwareConfig> config = SoftwareConfig::FromCodes(codes);
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *config : SoftwareConfig();
}

// The documented factory default (software_config.h), code by code.
const Codes kDefaultCodes = {
    {"Z1", "1"},    {"Z2", "1"},    {"Z3", "00"},   {"Z4", "2"},    {"Z5", "-"},    {"Z6", "01"},
    {"Z7", "01"},   {"Z8", "1"},    {"Z9", "-"},    {"Z10", "000"}, {"Z11", "01"},  {"Z12", "00"},
    {"Z13", "000"}, {"Z14", "000"}, {"Z15", "001"}, {"Z16", "000"}, {"Z17", "000"}, {"Z18", "000"},
    {"Z19", "1"},   {"Z20", "-"},   {"Z25", "1"},   {"Z26", "000"}, {"Z27", "1"},   {"Z28", "1"},
    {"Z29", "3"},   {"Z30", "1"},
};

TEST(SoftwareConfigTest, NoCodesGiveTheDocumentedDefaults) {
  const SoftwareConfig config = Decode({});
  EXPECT_EQ(config, SoftwareConfig());
  EXPECT_EQ(config.ToCodes(), kDefaultCodes);
  EXPECT_EQ(config.display_decimals, DisplayDecimals::k7Dot0);
  EXPECT_EQ(config.integration_period, 15min);
  EXPECT_EQ(config.debiting_interval, (DebitingInterval{1, 1}));
  EXPECT_EQ(config.gmt_offset, 1h);
  EXPECT_EQ(config.daylight_saving, DaylightSaving::kEu);
  EXPECT_EQ(config.load_profile_data, LoadProfileData::kAbsolute);
  EXPECT_EQ(config.load_profile, LoadProfileSet::kActiveReactive);
}

TEST(SoftwareConfigTest, ACompleteCodeMapRoundTrips) {
  const Codes codes = {
      {"Z1", "4"},    {"Z2", "2"},  {"Z3", "13"},   {"Z4", "4"},    {"Z5", "-"},   {"Z6", "28"},
      {"Z7", "09"},   {"Z8", "4"},  {"Z9", "-"},    {"Z10", "000"}, {"Z11", "17"}, {"Z12", "02"},
      {"Z13", "001"}, {"Z14", "-"}, {"Z15", "000"}, {"Z16", "348"}, {"Z17", "-"},  {"Z18", "002"},
      {"Z19", "2"},   {"Z20", "-"}, {"Z25", "2"},   {"Z26", "000"}, {"Z27", "2"},  {"Z28", "2"},
      {"Z29", "5"},   {"Z30", "2"},
  };
  const SoftwareConfig config = Decode(codes);
  EXPECT_EQ(config.ToCodes(), codes);
  EXPECT_EQ(Decode(config.ToCodes()), config);

  EXPECT_EQ(IntegerDigits(config.display_decimals), 6);
  EXPECT_EQ(DecimalPlaces(config.display_decimals), 3);
  EXPECT_EQ(config.led, LedMode::kOnAtNoConsumption);
  EXPECT_EQ(config.primary_module, PrimaryModule::kPulseInTwoTariff);
  EXPECT_EQ(config.integration_period, 60min);
  EXPECT_EQ(config.debiting_stop_day, 28);
  EXPECT_EQ(config.debiting_interval, (DebitingInterval{6, 3}));
  EXPECT_EQ(config.pulse_length, 80ms);
  EXPECT_TRUE(config.alarm_input_active);
  EXPECT_EQ(config.gmt_offset, -7h);
  EXPECT_EQ(config.pulse_input_unit, PulseInputUnit::kCubicMetre);
  EXPECT_EQ(config.tariff_control, TariffControlPlan::kModulePortControl);
  EXPECT_EQ(config.load_control, LoadControlPlan::kFromOrderForm);
  EXPECT_EQ(config.daylight_saving, DaylightSaving::kNone);
  EXPECT_EQ(config.frequency_code, 348);
  EXPECT_EQ(FrequencyCodeCountry(config.frequency_code), "DK");
  EXPECT_EQ(config.push_button_2, PushButton2Setup::kFromOrderForm);
  EXPECT_EQ(config.iec_1107, Iec1107Setup::kModeACUd2);
  EXPECT_EQ(config.breaker_position, BreakerPosition::kDisconnected);
  EXPECT_EQ(config.debit_logger_2_interval, DebitLogger2Interval::kWeekly);
  EXPECT_EQ(config.load_profile_data, LoadProfileData::kDelta);
  EXPECT_EQ(config.local_interface_encryption, LocalInterfaceEncryption::kDisabled);
  EXPECT_EQ(config.load_profile, LoadProfileSet::kActiveReactiveQuadrants);
  EXPECT_EQ(config.debit_2_logger_profile, Debit2LoggerProfile::kProfile02);
}

TEST(SoftwareConfigTest, GivenCodesOverlayTheGivenDefaults) {
  SoftwareConfig defaults;
  defaults.gmt_offset = 2h;
  defaults.debiting_stop_day = 15;
  absl::StatusOr<SoftwareConfig> config = SoftwareConfig::FromCodes({{"Z6", "03"}}, defaults);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->gmt_offset, 2h);
  EXPECT_EQ(config->debiting_stop_day, 3);
}

TEST(SoftwareConfigTest, DisplayDecimals) {
  const std::vector<std::tuple<std::string, int, int>> expected = {
      {"1", 7, 0}, {"2", 6, 1}, {"3", 7, 2}, {"4", 6, 3}};
  for (const auto& [code, integer, decimals] : expected) {
    const SoftwareConfig config = Decode({{"Z1", code}});
    EXPECT_EQ(IntegerDigits(config.display_decimals), integer) << code;
    EXPECT_EQ(DecimalPlaces(config.display_decimals), decimals) << code;
  }
}

// Z11, datasheet lines 509-533: 00..12 east of Greenwich, 13..23 west, -11 first.
TEST(SoftwareConfigTest, GmtOffsetTable) {
  const std::map<std::string, int> expected = {
      {"00", 0},  {"01", 1},   {"02", 2},   {"03", 3},  {"04", 4},  {"05", 5},
      {"06", 6},  {"07", 7},   {"08", 8},   {"09", 9},  {"10", 10}, {"11", 11},
      {"12", 12}, {"13", -11}, {"14", -10}, {"15", -9}, {"16", -8}, {"17", -7},
      {"18", -6}, {"19", -5},  {"20", -4},  {"21", -3}, {"22", -2}, {"23", -1},
  };
  for (const auto& [code, hours] : expected) {
    const SoftwareConfig config = Decode({{"Z11", code}});
    EXPECT_EQ(config.gmt_offset, std::chrono::hours(hours)) << code;
    EXPECT_EQ(config.ToCodes().at("Z11"), code);
  }
  EXPECT_FALSE(SoftwareConfig::FromCodes({{"Z11", "24"}}).ok());
}

// Z7, datasheet lines 470-495: the months (January first) each code debits in.
TEST(SoftwareConfigTest, DebitingMonthsOfEveryInterval) {
  const std::map<std::string, std::string> expected = {
      {"00", "000000000000"}, {"01", "111111111111"}, {"02", "101010101010"},
      {"03", "010101010101"}, {"04", "100100100100"}, {"05", "010010010010"},
      {"06", "001001001001"}, {"07", "100000100000"}, {"08", "010000010000"},
      {"09", "001000001000"}, {"10", "000100000100"}, {"11", "000010000010"},
      {"12", "000001000001"}, {"13", "100000000000"}, {"14", "010000000000"},
      {"15", "001000000000"}, {"16", "000100000000"}, {"17", "000010000000"},
      {"18", "000001000000"}, {"19", "000000100000"}, {"20", "000000010000"},
      {"21", "000000001000"}, {"22", "000000000100"}, {"23", "000000000010"},
      {"24", "000000000001"},
  };
  for (const auto& [code, months] : expected) {
    const SoftwareConfig config = Decode({{"Z7", code}});
    std::string actual;
    for (int month = 1; month <= 12; ++month) actual += config.IsDebitingMonth(month) ? '1' : '0';
    EXPECT_EQ(actual, months) << "Z7 " << code;
    EXPECT_EQ(config.debiting_interval.externally_controlled(), code == "00");
  }
}

TEST(SoftwareConfigDeathTest, IsDebitingMonthOutsideTheYearAborts) {
  EXPECT_DEATH(DebitingInterval().IsDebitingMonth(13), "month outside 1..12");
}

// Z3, datasheet lines 399-428: each row's name read as I/O 1 / I/O 2.
TEST(SoftwareConfigTest, PrimaryModulePortsOfEveryRow) {
  using F = IoFunction;
  const IoPort none = {F::kNone, IoDirection::kUnused, false};
  auto in = [](F f, bool inverted = false) { return IoPort{f, IoDirection::kInput, inverted}; };
  auto out = [](F f, bool inverted = false) { return IoPort{f, IoDirection::kOutput, inverted}; };
  const IoPort earth = {F::kEarthFaultRelay, IoDirection::kI2c, false};
  const std::map<std::string, PrimaryModulePorts> expected = {
      {"00", {none, none}},
      {"01", {in(F::kFourTariff), in(F::kFourTariff)}},
      {"02", {in(F::kFourTariff, true), in(F::kFourTariff, true)}},
      {"03", {in(F::kPulseIn), in(F::kAlarmIn)}},
      {"04", {in(F::kPulseIn), in(F::kAlarmIn, true)}},
      {"05", {in(F::kPulseIn), out(F::kActiveImportOut)}},
      {"06", {out(F::kReactiveImportOut), out(F::kActiveImportOut)}},
      {"07", {in(F::kTwoTariff), in(F::kAlarmIn)}},
      {"08", {in(F::kTwoTariff, true), in(F::kAlarmIn)}},
      {"09", {in(F::kTwoTariff), in(F::kAlarmIn, true)}},
      {"10", {in(F::kTwoTariff, true), in(F::kAlarmIn, true)}},
      {"11", {in(F::kTwoTariff), out(F::kActiveImportOut)}},
      {"12", {in(F::kTwoTariff, true), out(F::kActiveImportOut)}},
      {"13", {in(F::kPulseIn), in(F::kTwoTariff)}},
      {"14", {in(F::kPulseIn), in(F::kTwoTariff, true)}},
      {"15", {in(F::kDebitingStopPulse), none}},
      {"16", {out(F::kActiveExportOut), out(F::kActiveImportOut)}},
      {"17", {in(F::kLoadControlLoad), out(F::kStatusControl)}},
      {"18", {in(F::kPulseIn), out(F::kLoadTariffSync)}},
      {"19", {in(F::kPulseIn, true), out(F::kLoadTariffSync)}},
      {"20", {in(F::kPulseIn), out(F::kLoadTariffSync, true)}},
      {"21", {in(F::kPulseIn, true), out(F::kLoadTariffSync, true)}},
      {"22", {in(F::kFourTariffSyncLoadControl), in(F::kFourTariffSyncLoadControl)}},
      {"23", {in(F::kFourTariffSyncLoadControl, true), in(F::kFourTariffSyncLoadControl, true)}},
      {"26", {out(F::kLoadControl1), out(F::kLoadControl2)}},
      {"27", {in(F::kPulseIn), out(F::kLoadControl)}},
      {"28", {in(F::kPulseIn), out(F::kToggleLoadControl)}},
      {"29", {earth, earth}},
  };
  for (const auto& [code, ports] : expected) {
    const SoftwareConfig config = Decode({{"Z3", code}});
    EXPECT_EQ(static_cast<int>(config.primary_module), std::stoi(code));
    EXPECT_TRUE(Ports(config.primary_module) == ports) << "Z3 " << code;
  }
  for (std::string_view missing : {"24", "25"}) {
    absl::StatusOr<SoftwareConfig> config =
        SoftwareConfig::FromCodes({{"Z3", std::string(missing)}});
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(Message(config.status()),
              "Z3: '" + std::string(missing) +
                  "' is not a primary module configuration code (00..23, 26, 27, 28, 29)");
  }
}

TEST(SoftwareConfigTest, PrimaryModuleCapabilities) {
  std::string pulse_in, tariff_in, alarm_in, pulse_out;
  for (int code = 0; code <= 29; ++code) {
    if (code == 24 || code == 25) continue;
    const std::string text = (code < 10 ? "0" : "") + std::to_string(code);
    const PrimaryModule module = Decode({{"Z3", text}}).primary_module;
    if (HasPulseInput(module)) pulse_in += text + " ";
    if (HasTariffInputs(module)) tariff_in += text + " ";
    if (HasAlarmInput(module)) alarm_in += text + " ";
    if (HasPulseOutput(module)) pulse_out += text + " ";
  }
  EXPECT_EQ(pulse_in, "03 04 05 13 14 18 19 20 21 27 28 ");
  EXPECT_EQ(tariff_in, "01 02 07 08 09 10 11 12 13 14 22 23 ");
  EXPECT_EQ(alarm_in, "03 04 07 08 09 10 ");
  EXPECT_EQ(pulse_out, "05 06 11 12 16 ");
}

// Z29, datasheet lines 608-613.
TEST(SoftwareConfigTest, LoadProfileChannels) {
  const std::map<std::string, std::pair<std::string, int>> expected = {
      {"1", {"A+", 1}},
      {"2", {"A+ A-", 2}},
      {"3", {"A+ A- R+ R-", 4}},
      {"4", {"A+ A- R1 R2 R3 R4", 6}},
      {"5", {"A+ A- R+ R- R1 R2 R3 R4", 8}},
  };
  for (const auto& [code, channels] : expected) {
    const SoftwareConfig config = Decode({{"Z29", code}});
    std::string names;
    for (LoadProfileChannel channel : Channels(config.load_profile)) {
      names += (names.empty() ? "" : " ") + std::string(ChannelName(channel));
    }
    EXPECT_EQ(names, channels.first);
    EXPECT_EQ(ChannelCount(config.load_profile), channels.second);
  }
}

TEST(SoftwareConfigTest, OrderFormFieldsTakeOnlyTheDash) {
  for (std::string_view field : {"Z5", "Z9", "Z20"}) {
    EXPECT_TRUE(SoftwareConfig::FromCodes({{std::string(field), "-"}}).ok());
    absl::StatusOr<SoftwareConfig> config =
        SoftwareConfig::FromCodes({{std::string(field), "000"}});
    ASSERT_FALSE(config.ok());
    EXPECT_THAT(Message(config.status()), HasSubstr("(-)"));
  }
  const SoftwareConfig config = Decode({{"Z13", "-"}, {"Z14", "-"}, {"Z17", "-"}, {"Z18", "-"}});
  EXPECT_EQ(config.tariff_control, TariffControlPlan::kFromOrderForm);
  EXPECT_EQ(config.load_control, LoadControlPlan::kFromOrderForm);
  EXPECT_EQ(config.push_button_2, PushButton2Setup::kFromOrderForm);
  EXPECT_EQ(config.iec_1107, Iec1107Setup::kFromOrderForm);
  EXPECT_EQ(config.display_setup, OrderForm::kFromOrderForm);
}

TEST(SoftwareConfigTest, ErrorsNameTheFieldTheValueAndTheValidCodes) {
  struct Case {
    std::string field;
    std::string code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"Z1", "5", "Z1: '5' is not a display decimals code (1, 2, 3, 4)"},
      {"Z4", "15", "Z4: '15' is not an integration period code (2, 3, 4)"},
      {"Z6", "29", "Z6: '29' is not a debiting stop date code (01..28)"},
      {"Z7", "25", "Z7: '25' is not a debiting logging interval code (00..24)"},
      {"Z16", "320",
       "Z16: '320' is not a frequency code protocol code (000, 318, 319, 326, 328, 329, 337, "
       "338, 339, 348, 349, 356, 357, 359, 369, 378, 379)"},
      {"Z18", "003", "Z18: '003' is not a 1107 configuration code (-, 000, 001, 002)"},
      {"Z29", "6", "Z29: '6' is not a load profile configuration code (1, 2, 3, 4, 5)"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<SoftwareConfig> config = SoftwareConfig::FromCodes({{c.field, c.code}});
    ASSERT_FALSE(config.ok()) << c.field;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(Message(config.status()), c.message);
  }
}

TEST(SoftwareConfigTest, CodesAreFixedWidthAsPrinted) {
  EXPECT_FALSE(SoftwareConfig::FromCodes({{"Z3", "1"}}).ok());
  EXPECT_FALSE(SoftwareConfig::FromCodes({{"Z6", "1"}}).ok());
  EXPECT_FALSE(SoftwareConfig::FromCodes({{"Z13", "1"}}).ok());
  EXPECT_FALSE(SoftwareConfig::FromCodes({{"Z1", "01"}}).ok());
  EXPECT_FALSE(SoftwareConfig::FromCodes({{"Z19", " 1"}}).ok());
}

TEST(SoftwareConfigTest, EveryProblemIsReportedOnOneLine) {
  absl::StatusOr<SoftwareConfig> config = SoftwareConfig::FromCodes(
      {{"Z1", "9"}, {"Z31", "1"}, {"z2", "1"}, {"Z22", "7"}, {"Z29", "a\nb"}});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(Message(config.status()),
            "Z22: '7' given, but Z21..Z24 are not in the datasheet (reserved); leave it absent "
            "or empty; "
            "'Z31' is not a software configuration field (Z1..Z30); "
            "'z2' is not a software configuration field (Z1..Z30); "
            "Z1: '9' is not a display decimals code (1, 2, 3, 4); "
            "Z29: 'a\\nb' is not a load profile configuration code (1, 2, 3, 4, 5)");
  EXPECT_THAT(Message(config.status()), Not(HasSubstr("\n")));
}

TEST(SoftwareConfigTest, FieldsAndDescribe) {
  const SoftwareConfig config;
  const std::vector<FieldCode> fields = config.Fields();
  ASSERT_EQ(fields.size(), 26u);
  EXPECT_EQ(fields.front(), (FieldCode{"Z1", "1", "7.0"}));
  EXPECT_EQ(fields[10], (FieldCode{"Z11", "01", "+1 h"}));
  EXPECT_EQ(fields[19].field, "Z20");
  EXPECT_EQ(fields[20].field, "Z25");
  EXPECT_EQ(fields.back(), (FieldCode{"Z30", "1", "profile 01"}));
  EXPECT_EQ(config.Describe("Z29"), "'3' (A+/A-/R+/R-)");
  EXPECT_EQ(config.Describe("Z3"), "'00' (No function)");
}

TEST(SoftwareConfigTest, CheckValuesCatchesHandSetValuesOutsideTheTables) {
  SoftwareConfig config;
  EXPECT_TRUE(config.CheckValues().ok());
  config.integration_period = 20min;
  config.debiting_stop_day = 29;
  config.debiting_interval = {4, 1};
  config.pulse_length = 50ms;
  config.gmt_offset = 13h;
  config.frequency_code = 320;
  EXPECT_EQ(Message(config.CheckValues()),
            "Z4: 20 min has no code in the datasheet table (2, 3, 4); "
            "Z6: day 29 has no code in the datasheet table (01..28); "
            "Z7: every 4 months from month 1 has no code in the datasheet table (00..24); "
            "Z8: 50 ms pulse length has no code in the datasheet table (1, 2, 3, 4); "
            "Z11: 13 h has no code in the datasheet table (00..23); "
            "Z16: frequency code 320 has no code in the datasheet table (000, 318, 319, 326, "
            "328, 329, 337, 338, 339, 348, 349, 356, 357, 359, 369, 378, 379)");
}

TEST(SoftwareConfigDeathTest, ToCodesOfAValueOutsideTheTablesAborts) {
  SoftwareConfig config;
  config.debiting_stop_day = 31;
  EXPECT_DEATH(config.ToCodes(), "outside the datasheet tables");
}

}  // namespace
}  // namespace vmuc::meters
