// Meter store: checkpoints per second into a real SQLite file (WAL), batched as a shard
// batches them, and the bytes a meter costs on disk with its load profile at full depth
// (meters/store/, docs/performance.md).
#include <benchmark/benchmark.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "meters/store/meter_store.h"

namespace vmuc::meters {
namespace {

constexpr uint32_t kPageBytes = 2000;      // meters/loggers/log_image.h kLogPageBytes
constexpr uint32_t kFullDepthPages = 294;  // 587 774 bytes of load profile / 2000
constexpr size_t kStateBytes = 1500;
// A 4-channel load-profile entry (18-byte header + 4 x 4): how many a page carries.
constexpr double kEntryBytes = 34;

class BenchDir {
 public:
  BenchDir() {
    char pattern[] = "/tmp/vmuc-bench-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~BenchDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  std::string File() const { return path_ + "/meters.db"; }

 private:
  std::string path_;
};

std::vector<uint8_t> Filler(size_t size, uint64_t seed) {
  std::vector<uint8_t> bytes(size);
  for (uint8_t& b : bytes) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    b = static_cast<uint8_t>(seed >> 56);
  }
  return bytes;
}

std::vector<MeterCheckpoint> Batch(int meters, uint32_t page, int64_t at) {
  static const std::vector<uint8_t> state = Filler(kStateBytes, 1);
  static const std::vector<uint8_t> bytes = Filler(kPageBytes, 2);
  std::vector<MeterCheckpoint> batch;
  batch.reserve(static_cast<size_t>(meters));
  for (int m = 0; m < meters; ++m) {
    batch.push_back(MeterCheckpoint{.meter = 5'700'000'000'000'000ull + static_cast<uint64_t>(m),
                                    .at_unix_s = at,
                                    .state = state,
                                    .pages = {PageWrite{.log = 0, .page = page, .bytes = bytes}}});
  }
  return batch;
}

uint64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// A batch of range(0) meters per iteration, each checkpoint a 1.5 KB state and one dirty
// 2000-byte page; the page walks the load profile's 294, so in the time measured the large
// batches mostly add rows (young logs) and the small ones mostly replace rows in place
// (BM_BytesPerMeterAtFullDepth times the in-place case alone). range(1): sync_each_commit
// (synchronous=FULL), one fsync per batch.
void BM_WriteCheckpoints(benchmark::State& state) {
  BenchDir dir;
  const int meters = static_cast<int>(state.range(0));
  auto store = *MeterStore::Open(dir.File(), {.sync_each_commit = state.range(1) != 0});
  // Building the batch is the caller's cost, not the store's: built once, its page moved.
  std::vector<MeterCheckpoint> batch = Batch(meters, 0, 0);
  uint64_t round = 0;
  for (auto _ : state) {
    const uint32_t page = static_cast<uint32_t>(round++ % kFullDepthPages);
    for (MeterCheckpoint& checkpoint : batch) checkpoint.pages[0].page = page;
    const absl::Status status = store->Write(batch);
    if (!status.ok()) state.SkipWithError(std::string(status.message()).c_str());
  }
  const double checkpoints = static_cast<double>(state.iterations()) * meters;
  state.counters["checkpoints_per_s"] =
      benchmark::Counter(checkpoints, benchmark::Counter::kIsRate);
  state.counters["lp_entries_per_s"] =
      benchmark::Counter(checkpoints * kPageBytes / kEntryBytes, benchmark::Counter::kIsRate);
  state.counters["rounds"] = static_cast<double>(round);
}
BENCHMARK(BM_WriteCheckpoints)
    ->ArgNames({"meters", "fsync"})
    ->Args({1000, 0})
    ->Args({1000, 1})
    ->Args({100, 0})
    ->Args({100, 1})
    ->Args({10, 0})
    ->Args({10, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The file a host keeps for range(0) meters whose load profiles are full: 294 pages each
// plus the state, written as a running host writes them, one page of every meter per batch
// (the worst case for B-tree packing: each meter's key range grows in the middle of the
// table), then the ring rewritten once in place. bytes_per_meter: the database file once
// closed (WAL checkpointed into it) divided by the meters; in_place_checkpoints_per_s: the
// second ring's rate, every page row replaced in place.
void BM_BytesPerMeterAtFullDepth(benchmark::State& state) {
  const int meters = static_cast<int>(state.range(0));
  for (auto _ : state) {
    BenchDir dir;
    {
      auto store = *MeterStore::Open(dir.File());
      std::vector<MeterCheckpoint> batch = Batch(meters, 0, 0);
      auto second_ring = std::chrono::steady_clock::now();
      for (uint32_t round = 0; round < 2 * kFullDepthPages; ++round) {
        if (round == kFullDepthPages) second_ring = std::chrono::steady_clock::now();
        for (MeterCheckpoint& checkpoint : batch)
          checkpoint.pages[0].page = round % kFullDepthPages;
        const absl::Status status = store->Write(batch);
        if (!status.ok()) state.SkipWithError(std::string(status.message()).c_str());
      }
      const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - second_ring;
      state.counters["in_place_checkpoints_per_s"] =
          static_cast<double>(kFullDepthPages) * meters / seconds.count();
      const auto stats = *store->Statistics();
      state.counters["page_rows"] = static_cast<double>(stats.pages);
    }
    state.counters["bytes_per_meter"] = static_cast<double>(FileSize(dir.File())) / meters;
    state.counters["image_bytes_per_meter"] = kFullDepthPages * kPageBytes + kStateBytes;
  }
}
BENCHMARK(BM_BytesPerMeterAtFullDepth)->Arg(200)->Iterations(1)->Unit(benchmark::kMillisecond);

// A restarted host loading a full-depth meter: its state and 294 pages in one snapshot.
void BM_LoadFullDepthMeter(benchmark::State& state) {
  BenchDir dir;
  constexpr int kMeters = 100;
  auto store = *MeterStore::Open(dir.File());
  for (uint32_t page = 0; page < kFullDepthPages; ++page) {
    (void)store->Write(Batch(kMeters, page, page));
  }
  uint64_t meter = 0;
  for (auto _ : state) {
    auto loaded = store->Load(5'700'000'000'000'000ull + meter++ % kMeters);
    if (!loaded.ok() || !loaded->has_value() || (*loaded)->pages.size() != kFullDepthPages) {
      state.SkipWithError("load failed");
    }
    benchmark::DoNotOptimize(loaded);
  }
  state.counters["meters_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LoadFullDepthMeter)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace vmuc::meters
