#include "dlms/cosem_date_time.h"

#include <chrono>
#include <string_view>
#include <utility>
#include <vector>

#include "common/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vmuc::dlms {
namespace {

using ::testing::HasSubstr;

TimePoint Utc(std::string_view rfc3339) { return ParseRfc3339(rfc3339).value(); }

TEST(CosemDateTimeTest, EncodesUtcWithDefaults) {
  // 2026-01-01 is a Thursday (2025-01-01 was a Wednesday and 2025 has 365 days).
  EXPECT_EQ(
      EncodeDateTime(Utc("2026-01-01T00:00:00Z")),
      (DateTimeBytes{0x07, 0xEA, 0x01, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}));
  // 12:34:56.789 on a leap day: Thursday 2024-02-29, hundredths truncated to 78.
  EXPECT_EQ(
      EncodeDateTime(Utc("2024-02-29T12:34:56.789Z")),
      (DateTimeBytes{0x07, 0xE8, 0x02, 0x1D, 0x04, 0x0C, 0x22, 0x38, 0x4E, 0x00, 0x00, 0x00}));
  // Sunday is 7, not 0.
  EXPECT_EQ(EncodeDateTime(Utc("2026-01-04T23:59:59Z"))[4], 7);
}

TEST(CosemDateTimeTest, EncodesTheMeterConvention) {
  // cosem-object-model.md: hundredths FF, deviation 0x8000, status 00.
  EXPECT_EQ(
      EncodeDateTime(Utc("2026-01-01T00:00:00.500Z"), kMeterDateTimeOptions),
      (DateTimeBytes{0x07, 0xEA, 0x01, 0x01, 0x04, 0x00, 0x00, 0x00, 0xFF, 0x80, 0x00, 0x00}));
}

TEST(CosemDateTimeTest, EncodesLocalTimeForADeviation) {
  // Blue Book sign: deviation is minutes of local time to UTC, so Paris in winter
  // (UTC+1) is -60 = 0xFFC4 and its fields read 01:00.
  EXPECT_EQ(
      EncodeDateTime(Utc("2026-01-01T00:00:00Z"), {.deviation_minutes = -60, .clock_status = 0x00}),
      (DateTimeBytes{0x07, 0xEA, 0x01, 0x01, 0x04, 0x01, 0x00, 0x00, 0x00, 0xFF, 0xC4, 0x00}));
  // New York in winter (UTC-5) is +300 = 0x012C: the previous day, Wednesday 19:00.
  EXPECT_EQ(
      EncodeDateTime(Utc("2026-01-01T00:00:00Z"), {.hundredths_unspecified = true,
                                                   .deviation_minutes = 300,
                                                   .clock_status = kClockStatusDaylightSaving}),
      (DateTimeBytes{0x07, 0xE9, 0x0C, 0x1F, 0x03, 0x13, 0x00, 0x00, 0xFF, 0x01, 0x2C, 0x80}));
}

TEST(CosemDateTimeTest, EncodesTimesBeforeTheEpoch) {
  // Wednesday 1969-12-31 23:59:59.995: floor, not truncation towards zero.
  EXPECT_EQ(
      EncodeDateTime(TimePoint(std::chrono::milliseconds(-5))),
      (DateTimeBytes{0x07, 0xB1, 0x0C, 0x1F, 0x03, 0x17, 0x3B, 0x3B, 0x63, 0x00, 0x00, 0x00}));
}

TEST(CosemDateTimeTest, DecodesAndHonoursTheDeviation) {
  const DateTimeBytes paris{0x07, 0xEA, 0x01, 0x01, 0x04, 0x01, 0x00, 0x00, 0x00, 0xFF, 0xC4, 0x80};
  auto decoded = DecodeDateTimeDetailed(paris);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->time, Utc("2026-01-01T00:00:00Z"));
  EXPECT_EQ(decoded->deviation_minutes, -60);
  EXPECT_TRUE(decoded->hundredths_specified);
  EXPECT_EQ(decoded->clock_status, kClockStatusDaylightSaving);

  const DateTimeBytes new_york{0x07, 0xE9, 0x0C, 0x1F, 0x03, 0x13,
                               0x00, 0x00, 0x00, 0x01, 0x2C, 0x00};
  EXPECT_EQ(DecodeDateTime(new_york).value(), Utc("2026-01-01T00:00:00Z"));
}

TEST(CosemDateTimeTest, DecodesUnspecifiedFields) {
  // Hundredths FF reads as 0, day of week FF is accepted, deviation 0x8000 means the
  // fields are taken as UTC.
  const DateTimeBytes meter{0x07, 0xEA, 0x01, 0x01, 0xFF, 0x0C, 0x1E, 0x00, 0xFF, 0x80, 0x00, 0x00};
  auto decoded = DecodeDateTimeDetailed(meter);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->time, Utc("2026-01-01T12:30:00Z"));
  EXPECT_EQ(decoded->deviation_minutes, std::nullopt);
  EXPECT_FALSE(decoded->hundredths_specified);
}

TEST(CosemDateTimeTest, RoundTrips) {
  for (std::string_view text :
       {"1970-01-01T00:00:00Z", "2000-02-29T23:59:59.990Z", "2026-03-29T01:00:00.010Z",
        "2026-10-25T02:59:59.500Z", "2099-12-31T23:59:59.990Z", "1969-07-20T20:17:40Z"}) {
    const TimePoint time = Utc(text);
    for (std::optional<int16_t> deviation :
         {std::optional<int16_t>(0), std::optional<int16_t>(-60), std::optional<int16_t>(720),
          std::optional<int16_t>(-720), std::optional<int16_t>(330), std::optional<int16_t>()}) {
      const DateTimeBytes bytes = EncodeDateTime(time, {.deviation_minutes = deviation});
      auto decoded = DecodeDateTimeDetailed(bytes);
      ASSERT_TRUE(decoded.ok()) << text << ": " << decoded.status();
      EXPECT_EQ(decoded->time, time) << text;
      EXPECT_EQ(decoded->deviation_minutes, deviation) << text;
    }
  }
}

TEST(CosemDateTimeTest, RejectsInvalidFields) {
  const DateTimeBytes valid{0x07, 0xEA, 0x01, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  ASSERT_TRUE(DecodeDateTime(valid).ok());
  struct Case {
    std::vector<std::pair<size_t, uint8_t>> patch;  // byte index, new value
    std::string_view error;
  };
  const std::vector<Case> cases = {
      {{{0, 0xFF}, {1, 0xFF}}, "year not specified"},
      {{{0, 0x03}}, "year 1002 outside"},  // before TimePoint's range
      {{{0, 0x08}, {1, 0xD6}}, "year 2262 outside"},
      {{{2, 0x00}}, "invalid month 0"},
      {{{2, 0x0D}}, "invalid month 13"},
      {{{2, 0xFD}}, "invalid month 253"},  // "daylight savings end": a pattern
      {{{2, 0xFF}}, "invalid month 255"},
      {{{3, 0x00}}, "invalid day of month 0"},
      {{{3, 0x20}}, "invalid day of month 32"},
      {{{3, 0xFE}}, "invalid day of month 254"},  // "last day of month": a pattern
      {{{4, 0x01}}, "day of week 1 does not match 2026-1-1 (expected 4)"},
      {{{4, 0x00}}, "day of week 0"},
      {{{4, 0x08}}, "day of week 8"},
      {{{5, 0x18}}, "invalid hour 24"},
      {{{5, 0xFF}}, "invalid hour 255"},
      {{{6, 0x3C}}, "invalid minute 60"},
      {{{7, 0x3C}}, "invalid second 60"},
      {{{8, 0x64}}, "invalid hundredths 100"},
      {{{9, 0x02}, {10, 0xD1}}, "deviation 721 minutes outside"},
      {{{9, 0xFD}, {10, 0x2F}}, "deviation -721 minutes outside"},
  };
  for (const Case& c : cases) {
    DateTimeBytes bytes = valid;
    for (const auto& [index, value] : c.patch) bytes[index] = value;
    auto decoded = DecodeDateTime(bytes);
    ASSERT_FALSE(decoded.ok()) << c.error;
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(decoded.status().message()), HasSubstr(c.error));
  }
}

TEST(CosemDateTimeTest, RejectsImpossibleDates) {
  // 2026-02-30 and 2025-02-29 do not exist; day of week FF so only the date is at fault.
  EXPECT_THAT(
      std::string(DecodeDateTime(DateTimeBytes{0x07, 0xEA, 0x02, 0x1E, 0xFF, 0, 0, 0, 0, 0, 0, 0})
                      .status()
                      .message()),
      HasSubstr("invalid day of month 30 in 2026-2"));
  EXPECT_FALSE(
      DecodeDateTime(DateTimeBytes{0x07, 0xE9, 0x02, 0x1D, 0xFF, 0, 0, 0, 0, 0, 0, 0}).ok());
  EXPECT_TRUE(
      DecodeDateTime(DateTimeBytes{0x07, 0xE8, 0x02, 0x1D, 0xFF, 0, 0, 0, 0, 0, 0, 0}).ok());
}

TEST(CosemDateTimeTest, RejectsWrongSizes) {
  const std::vector<uint8_t> short_form(11, 0);
  EXPECT_THAT(std::string(DecodeDateTime(short_form).status().message()),
              HasSubstr("expected 12 bytes, got 11"));
  EXPECT_FALSE(DecodeDateTime(std::vector<uint8_t>(13, 0)).ok());
  EXPECT_FALSE(DecodeDateTime({}).ok());
}

}  // namespace
}  // namespace vmuc::dlms
