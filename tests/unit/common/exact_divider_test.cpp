#include "common/exact_divider.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace vmuc {
namespace {

std::vector<uint64_t> Divisors() {
  std::vector<uint64_t> divisors = {1,
                                    2,
                                    3,
                                    5,
                                    7,
                                    10,
                                    250,
                                    1000,
                                    184'000,
                                    230'000,
                                    264'500,
                                    999'983,
                                    (1u << 31) - 1,
                                    1u << 31,
                                    ExactDivider::kMaxDivisor};
  for (int bits = 1; bits <= 32; ++bits) {
    divisors.push_back((uint64_t{1} << bits) - 1);
    divisors.push_back(uint64_t{1} << bits);
    divisors.push_back((uint64_t{1} << bits) + 1);
  }
  return divisors;
}

TEST(ExactDividerTest, MatchesHardwareDivisionAtTheEdges) {
  for (uint64_t d : Divisors()) {
    if (d > ExactDivider::kMaxDivisor) continue;
    const ExactDivider divider(d);
    EXPECT_EQ(divider.divisor(), d);
    // Around multiples of d (where an inexact method is off by one) and at the range ends.
    for (uint64_t q : {uint64_t{0}, uint64_t{1}, uint64_t{2}, uint64_t{1'000'000},
                       ExactDivider::kMaxDividend / d - 1, ExactDivider::kMaxDividend / d}) {
      for (int64_t delta : {-1, 0, 1}) {
        const uint64_t n = q * d + static_cast<uint64_t>(delta);
        if (q == 0 && delta < 0) continue;
        if (n > ExactDivider::kMaxDividend) continue;
        ASSERT_EQ(divider.Divide(n), n / d) << n << " / " << d;
      }
    }
    ASSERT_EQ(divider.Divide(ExactDivider::kMaxDividend), ExactDivider::kMaxDividend / d) << d;
  }
}

TEST(ExactDividerTest, MatchesHardwareDivisionOnRandomOperands) {
  std::mt19937_64 random(20261124);
  for (int i = 0; i < 200'000; ++i) {
    const uint64_t d = random() % ExactDivider::kMaxDivisor + 1;
    const uint64_t n = random() >> (2 + random() % 50);  // all magnitudes below 2^62
    ASSERT_EQ(ExactDivider(d).Divide(n), n / d) << n << " / " << d;
  }
}

TEST(ExactDividerDeathTest, ZeroOrAHugeDivisorAborts) {
  EXPECT_DEATH(ExactDivider(0), "divisor");
  EXPECT_DEATH(ExactDivider(ExactDivider::kMaxDivisor + 1), "divisor");
}

}  // namespace
}  // namespace vmuc
