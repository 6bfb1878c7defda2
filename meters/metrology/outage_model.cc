#include "meters/metrology/outage_model.h"

#include <algorithm>
#include <climits>

#include "common/mix64.h"

namespace vmuc::meters {
namespace {

constexpr int64_t kDayS = 86'400;
constexpr uint64_t kPartsPerMillion = 1'000'000;
// An interruption ends at most this long after its day's midnight (start < 1 day, plus 4 h).
constexpr int64_t kLongestS = 4 * 3600;
constexpr uint64_t kShortSalt = 0x5407'0000'0000'0001ULL;
constexpr uint64_t kLongSalt = 0x1096'0000'0000'0002ULL;

// Per-day probability in ppm of a kind with `per_year` interruptions a year.
uint64_t DailyPpm(uint16_t per_year) { return uint64_t{per_year} * kPartsPerMillion / 365; }

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

}  // namespace

bool OutageModel::ShortInDay(int64_t day, Outage& out) const {
  const uint64_t h = Mix64(seed_ ^ kShortSalt ^ Mix64(static_cast<uint64_t>(day)));
  if (h % kPartsPerMillion >= DailyPpm(rates_.short_per_year)) return false;
  const uint64_t g = Mix64(h);
  out.start_unix_s = day * kDayS + static_cast<int64_t>(g % kDayS);
  out.end_unix_s = out.start_unix_s + 1 + static_cast<int64_t>((g >> 32) % 180);
  return true;
}

bool OutageModel::LongInDay(int64_t day, Outage& out) const {
  const uint64_t h = Mix64(seed_ ^ kLongSalt ^ Mix64(static_cast<uint64_t>(day)));
  if (h % kPartsPerMillion >= DailyPpm(rates_.long_per_year)) return false;
  const uint64_t g = Mix64(h);
  out.start_unix_s = day * kDayS + static_cast<int64_t>(g % kDayS);
  // 181 s .. 4 h, the square of a uniform draw in [0, 1) stretched over the range.
  const uint64_t u = (g >> 32) % 65'536;
  const int64_t span = kLongestS - 181;
  out.end_unix_s =
      out.start_unix_s + 181 + static_cast<int64_t>(u * u * static_cast<uint64_t>(span) >> 32);
  return true;
}

Outage OutageModel::NextRaw(int64_t day, int64_t t) const {
  // A day's interruptions end within its day plus 4 h, so scanning days in order and taking
  // the earliest start among those ending after `t` finds the first; with rates of a few
  // a year the scan stops within weeks. Bounded at 50 years: then "none".
  for (int64_t d = day; d < day + 50 * 366; ++d) {
    Outage best{INT64_MAX, INT64_MAX};
    Outage o;
    if (ShortInDay(d, o) && o.end_unix_s > t) best = o;
    if (LongInDay(d, o) && o.end_unix_s > t && o.start_unix_s < best.start_unix_s) best = o;
    if (best.end_unix_s != INT64_MAX) return best;
  }
  return Outage{INT64_MAX, INT64_MAX};
}

Outage OutageModel::FirstEndingAfter(int64_t t) const {
  if (!rates_.any()) return Outage{INT64_MAX, INT64_MAX};
  // Interruptions of the day before can still run at `t`.
  Outage first = NextRaw(FloorDiv(t, kDayS) - 1, t);
  if (first.end_unix_s == INT64_MAX) return first;
  // Merge what overlaps or touches: the supply is back only when every one has ended.
  for (;;) {
    // Of those starting inside it and running past its end, the one ending last.
    Outage following{INT64_MAX, INT64_MAX};
    for (int64_t d = FloorDiv(first.start_unix_s, kDayS); d <= FloorDiv(first.end_unix_s, kDayS);
         ++d) {
      Outage o;
      if (ShortInDay(d, o) && o.start_unix_s > first.start_unix_s &&
          o.start_unix_s <= first.end_unix_s && o.end_unix_s > first.end_unix_s) {
        following = o;
      }
      if (LongInDay(d, o) && o.start_unix_s > first.start_unix_s &&
          o.start_unix_s <= first.end_unix_s && o.end_unix_s > first.end_unix_s &&
          (following.end_unix_s == INT64_MAX || o.end_unix_s > following.end_unix_s)) {
        following = o;
      }
    }
    if (following.end_unix_s == INT64_MAX) return first;
    first.end_unix_s = following.end_unix_s;
  }
}

}  // namespace vmuc::meters
