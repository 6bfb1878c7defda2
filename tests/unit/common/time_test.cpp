#include "common/time.h"

#include <gtest/gtest.h>

namespace vmuc {
namespace {

TEST(TimeTest, FormatsAndParsesRfc3339) {
  const TimePoint t =
      TimePoint(std::chrono::seconds(1'767'225'600) + std::chrono::milliseconds(42));
  EXPECT_EQ(FormatRfc3339(t), "2026-01-01T00:00:00.042Z");
  EXPECT_EQ(*ParseRfc3339("2026-01-01T00:00:00.042Z"), t);
  EXPECT_EQ(*ParseRfc3339("2026-01-01T00:00:00Z"), TimePoint(std::chrono::seconds(1'767'225'600)));
}

TEST(TimeTest, RejectsNonUtcAndNonsense) {
  EXPECT_FALSE(ParseRfc3339("2026-01-01T00:00:00+01:00").ok());
  EXPECT_FALSE(ParseRfc3339("2026-02-30T00:00:00Z").ok());
  EXPECT_FALSE(ParseRfc3339("yesterday").ok());
}

TEST(TimeTest, MicrosRoundTrip) {
  const TimePoint t = FromUnixMicros(1'767'225'600'123'456);
  EXPECT_EQ(ToUnixMicros(t), 1'767'225'600'123'456);
}

}  // namespace
}  // namespace vmuc
