// Conformance of vmuc::meter_configuration to configuration-codes.csv, the reference
// transcription of the datasheet's "Configuration – hardware" and "Configuration –
// software" tables: every listed code decodes to its listed meaning, every constraint is
// enforced both ways, and every code that is not listed is rejected.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "meters/configuration/meter_configuration.h"

namespace vmuc::meters {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// The README's real meter: variant 2, standard breaker, A+/A-/R+/R-.
constexpr std::string_view kRealMeter = "6841121BN243101040";

struct CsvRow {
  std::string field;
  std::string value;
  std::string meaning;
  std::string constraint;
};

// RFC 4180 as far as the file needs it: CRLF or LF, commas, double-quoted cells, no
// embedded quotes.
std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      cells.emplace_back();
    } else if (c != '\r') {
      cells.back().push_back(c);
    }
  }
  return cells;
}

const std::vector<CsvRow>& Rows() {
  static const std::vector<CsvRow>* const rows = [] {
    auto* result = new std::vector<CsvRow>;
    std::ifstream file(VMUC_CONFIG_CODES_CSV);
    std::string line;
    std::getline(file, line);  // header
    EXPECT_EQ(SplitCsvLine(line),
              (std::vector<std::string>{"field", "value", "meaning", "constraint"}));
    while (std::getline(file, line)) {
      if (line.empty()) continue;
      std::vector<std::string> cells = SplitCsvLine(line);
      EXPECT_EQ(cells.size(), 4u) << line;
      cells.resize(4);
      result->push_back({cells[0], cells[1], cells[2], cells[3]});
    }
    return result;
  }();
  return *rows;
}

std::vector<CsvRow> RowsOf(std::string_view field) {
  std::vector<CsvRow> rows;
  for (const CsvRow& row : Rows()) {
    if (row.field == field) rows.push_back(row);
  }
  return rows;
}

std::set<std::string> CodesOf(std::string_view field) {
  std::set<std::string> codes;
  for (const CsvRow& row : RowsOf(field)) codes.insert(row.value);
  return codes;
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool IsX(const std::string& field) { return field.size() >= 2 && field[0] == 'X'; }
bool IsZ(const std::string& field) { return field.size() >= 2 && field[0] == 'Z'; }
int ZNumber(const std::string& field) { return std::stoi(field.substr(1)); }
bool IsReserved(const std::string& field) {
  return IsZ(field) && ZNumber(field) >= 21 && ZNumber(field) <= 24;
}

// `base` with `field` ("prefix", "X1".."X13", "X14-X16") replaced by `value`.
std::string WithPosition(std::string base, std::string_view field, std::string_view value) {
  size_t offset = 0;
  if (field == "prefix") {
    offset = 0;
  } else if (field == "X14-X16") {
    offset = 15;
  } else {
    offset = static_cast<size_t>(std::stoi(std::string(field.substr(1)))) + 1;
  }
  base.replace(offset, value.size(), value);
  return base;
}

FieldCode FieldOf(const std::vector<FieldCode>& fields, std::string_view name) {
  for (const FieldCode& field : fields) {
    if (field.field == name) return field;
  }
  ADD_FAILURE() << "no field " << name;
  return {};
}

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST(ConfigurationCodesTest, TheCsvListsEveryFieldOnce) {
  std::set<std::string> fields;
  for (const CsvRow& row : Rows()) fields.insert(row.field);
  std::set<std::string> expected = {"prefix", "X14-X16"};
  for (int x = 1; x <= 13; ++x) expected.insert("X" + std::to_string(x));
  for (int z = 1; z <= 30; ++z) expected.insert("Z" + std::to_string(z));
  EXPECT_EQ(fields, expected);
  EXPECT_EQ(Rows().size(), 214u);
}

TEST(ConfigurationCodesTest, EveryTypeNumberRowDecodesToItsMeaning) {
  for (const CsvRow& row : Rows()) {
    if (!IsX(row.field) || row.field == "X14-X16") continue;
    SCOPED_TRACE(row.field + " " + row.value);
    const std::string text = WithPosition(std::string(kRealMeter), row.field, row.value);
    absl::StatusOr<TypeNumber> type = TypeNumber::Parse(text);
    ASSERT_TRUE(type.ok()) << type.status();
    EXPECT_EQ(type->ToString(), text);
    const FieldCode field = FieldOf(type->Fields(), row.field);
    EXPECT_EQ(field.code, row.value);
    EXPECT_THAT(Lower(row.meaning), HasSubstr(Lower(field.label)));
    EXPECT_TRUE(row.constraint.empty()) << "the type number has no constraints";
  }
}

TEST(ConfigurationCodesTest, PrefixIs68) {
  ASSERT_EQ(CodesOf("prefix"), std::set<std::string>{"68"});
  EXPECT_TRUE(TypeNumber::Parse(kRealMeter).ok());
  for (std::string_view prefix : {"69", "86", "00", "6A"}) {
    absl::StatusOr<TypeNumber> type =
        TypeNumber::Parse(WithPosition(std::string(kRealMeter), "prefix", prefix));
    ASSERT_FALSE(type.ok());
    EXPECT_THAT(Message(type.status()), StartsWith("prefix: '" + std::string(prefix) + "'"));
  }
}

TEST(ConfigurationCodesTest, EveryOneCharacterPositionRejectsEveryCharacterNotListed) {
  std::string candidates = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-+*./";
  for (int x = 1; x <= 13; ++x) {
    const std::string field = "X" + std::to_string(x);
    const std::set<std::string> listed = CodesOf(field);
    ASSERT_FALSE(listed.empty()) << field;
    std::set<std::string> accepted;
    for (char c : candidates) {
      const std::string value(1, c);
      absl::StatusOr<TypeNumber> type =
          TypeNumber::Parse(WithPosition(std::string(kRealMeter), field, value));
      if (type.ok()) {
        accepted.insert(value);
      } else {
        EXPECT_THAT(Message(type.status()), StartsWith(field + ": '" + value + "' is not "));
      }
    }
    EXPECT_EQ(accepted, listed) << field;
  }
}

TEST(ConfigurationCodesTest, ErrorsListTheValidCodesInTableOrder) {
  for (int x = 1; x <= 13; ++x) {
    const std::string field = "X" + std::to_string(x);
    std::string listed;
    for (const CsvRow& row : RowsOf(field)) listed += (listed.empty() ? "" : ", ") + row.value;
    absl::StatusOr<TypeNumber> type =
        TypeNumber::Parse(WithPosition(std::string(kRealMeter), field, "Z"));
    ASSERT_FALSE(type.ok());
    EXPECT_THAT(Message(type.status()), HasSubstr("(" + listed + ")")) << field;
  }
}

TEST(ConfigurationCodesTest, CountryCodeIsThreeDigitsAndXxxIsOnlyThePlaceholder) {
  ASSERT_EQ(CodesOf("X14-X16"), std::set<std::string>{"XXX"});
  absl::StatusOr<TypeNumber> placeholder =
      TypeNumber::Parse(WithPosition(std::string(kRealMeter), "X14-X16", "XXX"));
  ASSERT_FALSE(placeholder.ok());
  EXPECT_THAT(Message(placeholder.status()), StartsWith("X14-X16: 'XXX' is not a country code"));
  for (int code = 0; code <= 999; ++code) {
    std::string digits = std::to_string(code);
    digits.insert(0, 3 - digits.size(), '0');
    const std::string text = WithPosition(std::string(kRealMeter), "X14-X16", digits);
    absl::StatusOr<TypeNumber> type = TypeNumber::Parse(text);
    ASSERT_TRUE(type.ok()) << digits;
    EXPECT_EQ(type->country_code, code);
    EXPECT_EQ(type->ToString(), text);
  }
  for (std::string_view bad : {"04A", "-40", "4 0"}) {
    EXPECT_FALSE(TypeNumber::Parse(WithPosition(std::string(kRealMeter), "X14-X16", bad)).ok())
        << bad;
  }
}

TEST(ConfigurationCodesTest, EverySoftwareRowDecodesToItsMeaning) {
  for (const CsvRow& row : Rows()) {
    if (!IsZ(row.field) || IsReserved(row.field)) continue;
    SCOPED_TRACE(row.field + " '" + row.value + "'");
    absl::StatusOr<SoftwareConfig> config = SoftwareConfig::FromCodes({{row.field, row.value}});
    ASSERT_TRUE(config.ok()) << config.status();
    EXPECT_EQ(config->ToCodes().at(row.field), row.value);
    const FieldCode field = FieldOf(config->Fields(), row.field);
    EXPECT_EQ(field.code, row.value);
    EXPECT_THAT(Lower(row.meaning), HasSubstr(Lower(field.label)));
  }
}

TEST(ConfigurationCodesTest, ReservedFieldsAcceptOnlyAbsentOrEmpty) {
  for (int z = 21; z <= 24; ++z) {
    const std::string field = "Z" + std::to_string(z);
    ASSERT_EQ(CodesOf(field), std::set<std::string>{""});
    EXPECT_EQ(RowsOf(field)[0].constraint, "reserved");
    EXPECT_TRUE(SoftwareConfig::FromCodes({{field, ""}}).ok());
    EXPECT_EQ(SoftwareConfig::FromCodes({{field, ""}})->ToCodes().count(field), 0u);
    absl::StatusOr<SoftwareConfig> given = SoftwareConfig::FromCodes({{field, "000"}});
    ASSERT_FALSE(given.ok());
    EXPECT_THAT(Message(given.status()), StartsWith(field + ": '000'"));
  }
}

// Every code of 1 to 3 digits, "-", "" and a few malformed ones: exactly the CSV's codes of
// a field are accepted. Widths are fixed ("1" is not Z3's "01").
TEST(ConfigurationCodesTest, EverySoftwareFieldRejectsEveryCodeNotListed) {
  std::vector<std::string> candidates = {"", "-", "--", "X", " 1", "1 ", "+1", "0x1"};
  for (int width = 1; width <= 3; ++width) {
    const int count = width == 1 ? 10 : width == 2 ? 100 : 1000;
    for (int n = 0; n < count; ++n) {
      std::string digits = std::to_string(n);
      digits.insert(0, static_cast<size_t>(width) - digits.size(), '0');
      candidates.push_back(digits);
    }
  }
  for (int z = 1; z <= 30; ++z) {
    const std::string field = "Z" + std::to_string(z);
    std::set<std::string> accepted;
    for (const std::string& code : candidates) {
      absl::StatusOr<SoftwareConfig> config = SoftwareConfig::FromCodes({{field, code}});
      if (config.ok()) {
        accepted.insert(code);
      } else {
        EXPECT_THAT(Message(config.status()), StartsWith(field + ": ")) << code;
      }
    }
    EXPECT_EQ(accepted, CodesOf(field)) << field;
  }
}

// The type number `base` with X8 (variant) or X10 (breaker) set to `value`.
absl::StatusOr<MeterConfiguration> CreateWith(std::string_view position, std::string_view value,
                                              const std::string& field, const std::string& code) {
  return MeterConfiguration::Create(WithPosition(std::string(kRealMeter), position, value),
                                    {{field, code}});
}

TEST(ConfigurationCodesTest, EveryConstraintIsEnforcedBothWays) {
  int checked = 0;
  for (const CsvRow& row : Rows()) {
    if (row.constraint.empty() || row.constraint == "reserved") continue;
    SCOPED_TRACE(row.field + " '" + row.value + "' " + row.constraint);
    // {position, values that satisfy, values that violate}
    std::string position;
    std::vector<std::string> satisfying;
    std::vector<std::string> violating;
    if (row.constraint == "variant 1 only") {
      position = "X8", satisfying = {"1"}, violating = {"2"};
    } else if (row.constraint == "variant 2 only") {
      position = "X8", satisfying = {"2"}, violating = {"1"};
    } else if (row.constraint == "requires a breaker") {
      position = "X10", satisfying = {"3", "5"}, violating = {"0"};
    } else if (row.constraint == "requires X10 = 0") {
      position = "X10", satisfying = {"0"}, violating = {"3", "5"};
    } else {
      ADD_FAILURE() << "a constraint this test does not know";
      continue;
    }
    for (const std::string& value : satisfying) {
      absl::StatusOr<MeterConfiguration> config = CreateWith(position, value, row.field, row.value);
      EXPECT_TRUE(config.ok()) << position << "=" << value << ": " << config.status();
    }
    for (const std::string& value : violating) {
      absl::StatusOr<MeterConfiguration> config = CreateWith(position, value, row.field, row.value);
      ASSERT_FALSE(config.ok()) << position << "=" << value;
      EXPECT_THAT(Message(config.status()), HasSubstr(row.field + " '" + row.value + "'"));
      EXPECT_THAT(Message(config.status()), HasSubstr(position + " is '" + value + "'"));
    }
    ++checked;
  }
  EXPECT_EQ(checked, 12);  // Z18 x2, Z19 x3, Z27, Z28 x3, Z29 x2, Z30
}

// Meanings whose text carries a number or a direction, checked against the typed value.

TEST(ConfigurationCodesTest, CurrentRangeMeaningsGiveIrefAndImax) {
  for (const CsvRow& row : RowsOf("X5")) {
    const std::string range = row.meaning.substr(0, row.meaning.find(' '));  // "5-100"
    const int iref = std::stoi(range.substr(0, range.find('-')));
    const int imax = std::stoi(range.substr(range.find('-') + 1));
    absl::StatusOr<TypeNumber> type =
        TypeNumber::Parse(WithPosition(std::string(kRealMeter), "X5", row.value));
    ASSERT_TRUE(type.ok());
    EXPECT_EQ(type->current().ref_ma, iref * 1000) << row.value;
    EXPECT_EQ(type->current().max_ma, imax * 1000) << row.value;
    EXPECT_EQ(type->current().min_ma, iref * 1000 / 20) << row.value;
  }
}

TEST(ConfigurationCodesTest, PrimaryModuleMeaningsGiveTheIoDirections) {
  auto direction = [](const std::string& text) {
    if (text == "Input") return IoDirection::kInput;
    if (text == "Output") return IoDirection::kOutput;
    if (text == "I2C") return IoDirection::kI2c;
    EXPECT_EQ(text, "-");
    return IoDirection::kUnused;
  };
  const std::vector<CsvRow> rows = RowsOf("Z3");
  EXPECT_EQ(rows.size(), 28u);
  for (const CsvRow& row : rows) {
    // "Primary module: Pulse in / A+ out (I/O 1 Input, I/O 2 Output)"
    const size_t open = row.meaning.rfind(" (I/O 1 ");
    ASSERT_NE(open, std::string::npos) << row.meaning;
    const std::string name = row.meaning.substr(16, open - 16);
    const std::string io = row.meaning.substr(open + 8);  // "Input, I/O 2 Output)"
    const std::string io1 = io.substr(0, io.find(','));
    const std::string io2 = io.substr(io.find("I/O 2 ") + 6, io.size() - io.find("I/O 2 ") - 7);
    absl::StatusOr<SoftwareConfig> config = SoftwareConfig::FromCodes({{"Z3", row.value}});
    ASSERT_TRUE(config.ok());
    EXPECT_EQ(FieldOf(config->Fields(), "Z3").label, name);
    const PrimaryModulePorts ports = Ports(config->primary_module);
    EXPECT_EQ(ports.io1.direction, direction(io1)) << row.value;
    EXPECT_EQ(ports.io2.direction, direction(io2)) << row.value;
    EXPECT_EQ(static_cast<int>(config->primary_module), std::stoi(row.value));
  }
}

TEST(ConfigurationCodesTest, GmtOffsetMeaningsGiveTheHours) {
  for (const CsvRow& row : RowsOf("Z11")) {
    // "GMT offset -11 h"
    const int hours = std::stoi(row.meaning.substr(std::string("GMT offset ").size()));
    absl::StatusOr<SoftwareConfig> config = SoftwareConfig::FromCodes({{"Z11", row.value}});
    ASSERT_TRUE(config.ok());
    EXPECT_EQ(config->gmt_offset, std::chrono::hours(hours)) << row.value;
  }
}

TEST(ConfigurationCodesTest, DebitingStopDateMeaningsGiveTheDay) {
  for (const CsvRow& row : RowsOf("Z6")) {
    const int day = std::stoi(row.meaning.substr(row.meaning.rfind(' ') + 1));
    absl::StatusOr<SoftwareConfig> config = SoftwareConfig::FromCodes({{"Z6", row.value}});
    ASSERT_TRUE(config.ok());
    EXPECT_EQ(config->debiting_stop_day, day);
  }
}

TEST(ConfigurationCodesTest, IntegrationPeriodMeaningsGiveTheMinutes) {
  for (const CsvRow& row : RowsOf("Z4")) {
    const std::string before_min = row.meaning.substr(0, row.meaning.rfind(" min"));
    const int minutes = std::stoi(before_min.substr(before_min.rfind(' ') + 1));
    absl::StatusOr<SoftwareConfig> config = SoftwareConfig::FromCodes({{"Z4", row.value}});
    ASSERT_TRUE(config.ok());
    EXPECT_EQ(config->integration_period, std::chrono::minutes(minutes));
  }
}

TEST(ConfigurationCodesTest, FrequencyCodeMeaningsGiveNumberAndCountry) {
  for (const CsvRow& row : RowsOf("Z16")) {
    absl::StatusOr<SoftwareConfig> config = SoftwareConfig::FromCodes({{"Z16", row.value}});
    ASSERT_TRUE(config.ok());
    EXPECT_EQ(config->frequency_code, std::stoi(row.value));
    const std::string label = row.meaning.substr(std::string("Frequency code protocol ").size());
    if (label == "None") {
      EXPECT_EQ(FrequencyCodeCountry(config->frequency_code), "");
    } else {
      EXPECT_EQ(FrequencyCodeCountry(config->frequency_code), label.substr(0, 2));
      EXPECT_EQ(label.substr(3, 3), row.value);
    }
  }
}

TEST(ConfigurationCodesTest, LoadProfileMeaningsGiveTheChannels) {
  for (const CsvRow& row : RowsOf("Z29")) {
    absl::StatusOr<SoftwareConfig> config = SoftwareConfig::FromCodes({{"Z29", row.value}});
    ASSERT_TRUE(config.ok());
    std::string names;
    for (LoadProfileChannel channel : Channels(config->load_profile)) {
      names += (names.empty() ? "" : "/") + std::string(ChannelName(channel));
    }
    const std::string listed = row.meaning.substr(row.meaning.rfind(' ') + 1);
    EXPECT_EQ(names, listed);
    EXPECT_EQ(ChannelCount(config->load_profile),
              static_cast<int>(std::count(listed.begin(), listed.end(), '/')) + 1);
  }
}

}  // namespace
}  // namespace vmuc::meters
