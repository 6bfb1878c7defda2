// OutageModel: the supply interruptions a meter sees, a seeded function of time like the
// load (metrology/load_model.h), so a replay meets the same outages.
//
// EN 50160 (2010) 4.2.x counts interruptions of the supply as short (up to 3 min; "from a few
// tens up to several hundreds" a year, most under a second) and long (over 3 min; "fewer than
// 10 up to 50" a year, by network). A residential meter on a good urban network sees far
// fewer; the rates are the fleet's config ([fleet] short_interruptions_per_year,
// long_interruptions_per_year). Each day independently holds at most one interruption of
// each kind, so a rate is a per-day probability (rate / 365, in parts per million):
//   short  1 s .. 180 s, uniformly
//   long   181 s .. 4 h, skewed short (the square of a uniform draw), as most faults are
//          cleared by switching within the hour
// starting at a uniformly drawn second of the day. Interruptions that overlap (one running
// past midnight into the next day's) merge.
#ifndef VMUC_METERS_METROLOGY_OUTAGE_MODEL_H_
#define VMUC_METERS_METROLOGY_OUTAGE_MODEL_H_

#include <cstdint>

namespace vmuc::meters {

struct OutageRates {
  uint16_t short_per_year = 0;
  uint16_t long_per_year = 0;
  bool any() const { return short_per_year > 0 || long_per_year > 0; }
  friend bool operator==(const OutageRates&, const OutageRates&) = default;
};

// An interruption [start, end), Unix seconds: the supply is off from `start` and back at `end`.
struct Outage {
  int64_t start_unix_s = 0;
  int64_t end_unix_s = 0;
  friend bool operator==(const Outage&, const Outage&) = default;
};

class OutageModel {
 public:
  OutageModel(uint64_t seed, OutageRates rates) : seed_(seed), rates_(rates) {}

  // The first interruption (merged with any it overlaps) that ends after `t`: the one in
  // progress at `t`, or the next to come. An end of INT64_MAX: none (rates of zero).
  Outage FirstEndingAfter(int64_t t) const;

 private:
  // The day's interruptions (up to two), by start; false when it has none of that kind.
  bool ShortInDay(int64_t day, Outage& out) const;
  bool LongInDay(int64_t day, Outage& out) const;
  // The first outage of day `day` or later whose end is after `t` (unmerged).
  Outage NextRaw(int64_t day, int64_t t) const;

  uint64_t seed_;
  OutageRates rates_;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_METROLOGY_OUTAGE_MODEL_H_
