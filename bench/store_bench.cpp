// Store write throughput: readings per second into a real SQLite file (WAL), batched as
// the collector batches them.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_format.h"
#include "gateway/store/store.h"

namespace vmuc::gateway {
namespace {

void BM_StoreBatches(benchmark::State& state) {
  char dir_template[] = "/tmp/vmuc-bench-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  auto store = *Store::Open(dir + "/vmuc.db");
  const int batch_size = static_cast<int>(state.range(0));
  const TimePoint t0 = TimePoint(std::chrono::seconds(1'767'225'600));
  int64_t round = 0;
  auto events = [](const ReadingBatch&, const Store::Stored&) {
    return std::vector<std::string>{std::string(60, 'e')};
  };
  for (auto _ : state) {
    std::vector<ReadingBatch> batches;
    for (int m = 0; m < batch_size; ++m) {
      const TimePoint at = t0 + std::chrono::minutes(15 * round);
      ReadingBatch batch{
          absl::StrFormat("%016d", 5700000000000001 + m), static_cast<uint32_t>(m + 1), at, {}};
      for (const char* obis :
           {"1.1.1.8.0.255", "1.1.21.8.0.255", "1.1.41.8.0.255", "1.1.61.8.0.255"}) {
        batch.registers.push_back({obis, round * 100 + m, 0, 30, at});
      }
      batches.push_back(std::move(batch));
    }
    benchmark::DoNotOptimize(store->StoreBatches(batches, events));
    ++round;
  }
  state.SetItemsProcessed(state.iterations() * batch_size);  // pushes stored
  store.reset();
  std::system(("rm -rf '" + dir + "'").c_str());
}
BENCHMARK(BM_StoreBatches)->Arg(1)->Arg(100)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vmuc::gateway
