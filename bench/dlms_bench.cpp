// DLMS/COSEM through the gateway's pass-through on loopback (issue 5; docs/performance.md):
// GETs per second, the time to read every object of a meter, and a 10 000-entry
// load-profile read.
//
// Everything is the real code, in one process. The server side runs on ONE thread, one
// core: the gateway's DlmsPassthrough (TCP, IEC 62056-47 wrapper framing) on an Asio loop,
// whose SendFrame, instead of going to the mesh, posts each session frame to the same loop,
// where the MeterActor of vmuc-meterd (Meter + MeterDlmsEndpoint: the COSEM server over the
// meter's object model) answers it; the answer goes back to DlmsPassthrough::OnFrame. The
// client is dlms::CosemClient over a blocking TCP socket on the benchmark's thread(s), so
// every figure is wall time (UseRealTime) and pays both sides, the kernel's loopback and two
// context switches per request.
//
// Every answer is checked (a wrong one aborts naming what was wrong), so the figures are of
// correct reads: registers at least what the meter held when the loop started, the object
// list as long as the reader's table, every readable attribute read, and the profile rows
// equal, field for field, to the meter's own entries.
//
// Usage: vmuc_dlms_bench [Google Benchmark flags, e.g. --benchmark_repetitions=3]
#include <benchmark/benchmark.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/actor_context.h"
#include "common/asio.h"
#include "common/clock.h"
#include "common/frame.h"
#include "dlms/cosem_client.h"
#include "dlms/key_store.h"
#include "dlms/wrapper.h"
#include "gateway/passthrough/dlms_passthrough.h"
#include "meters/actor/meter_actor.h"
#include "meters/cosem/meter_directory.h"
#include "meters/cosem/meter_dlms.h"
#include "meters/fleet.h"
#include "meters/meter.h"
#include "tests/support/dlms_tcp.h"

namespace vmuc {
namespace {

using namespace std::chrono_literals;
using dlms::AttributeDescriptor;
using dlms::AuthenticationMechanism;
using dlms::DataValue;
using dlms::Obis;

// A wrong answer or a broken rig: the figures would be meaningless, so stop here.
[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "vmuc_dlms_bench: %s\n", what.c_str());
  std::abort();
}
void Require(bool condition, const std::string& what) {
  if (!condition) Fail(what);
}
void Require(const absl::Status& status, const std::string& what) {
  if (!status.ok()) Fail(absl::StrCat(what, ": ", status.ToString()));
}

const AttributeDescriptor kClock{8, Obis(0, 0, 1, 0, 0, 255), 2};
const AttributeDescriptor kActiveImportTotal{3, Obis(1, 1, 1, 8, 0, 255), 2};
const AttributeDescriptor kObjectList{15, Obis(0, 0, 40, 0, 0, 255), 2};
const AttributeDescriptor kLoadProfileBuffer{7, Obis(1, 1, 99, 1, 0, 255), 2};
constexpr uint32_t kProfileEntries = 10'000;
// What the COSEM server lists for a reader besides the meter's table (dlms/cosem_server.cc):
// the current association (0.0.40.0.0.255), the reader's own association object, and the
// HLS client's invocation counter (0.0.43.1.x.255), which any client may read.
constexpr size_t kServerObjects = 3;

// The two meters of the rig: one installed 3 days 7 hours ago (the unit test's meter: a
// few hundred profile entries), one 110 days ago (10 560 15-minute entries, below the
// 17 287 that A+/A-/R+/R- fit, so entries 1..10 000 stay put while the meter runs on).
constexpr uint32_t kFreshMeterIndex = 0;
constexpr uint32_t kDeepMeterIndex = 1;
constexpr std::chrono::hours kFreshMeterAge = 3 * 24h + 7h;
constexpr std::chrono::hours kDeepMeterAge = 110 * 24h;

using testing::TcpConnection;
using WrapperTransport = testing::WrapperTcpTransport;

// The meters' side of the mesh, in process: frames from the pass-through are posted to the
// loop and handed to the addressed meter's actor; its answers go straight back to the
// pass-through (we are on the loop). No timers: the actors are not started, so they do not
// push; they advance their meter to the present at each frame, as in vmuc-meterd.
class LoopMesh final : public ActorContext {
 public:
  LoopMesh(asio::io_context& io, const Clock& clock) : io_(io), clock_(clock) {}

  void Attach(gateway::DlmsPassthrough* passthrough) { passthrough_ = passthrough; }
  void Add(NodeAddress node, meters::MeterActor* actor) { actors_[node] = actor; }

  // The pass-through's SendFrame (called on the loop).
  void FromGateway(Frame frame) {
    asio::post(io_, [this, frame = std::move(frame)] {
      auto it = actors_.find(frame.destination);
      if (it == actors_.end()) Fail(absl::StrCat("frame for node ", frame.destination));
      it->second->OnFrame(frame);
    });
  }

  TimePoint Now() const override { return clock_.Now(); }
  TimerId ScheduleAt(TimePoint, Task) override { Fail("a meter asked for a timer"); }
  bool Cancel(TimerId) override { return false; }
  void Send(Frame frame) override { passthrough_->OnFrame(frame); }

 private:
  asio::io_context& io_;
  const Clock& clock_;
  gateway::DlmsPassthrough* passthrough_ = nullptr;
  std::map<NodeAddress, meters::MeterActor*> actors_;
};

// The gateway's wrapper face and two meters on one loop thread. Built once in main();
// the benchmarks share it (the 4-client one from four threads: Connect and Options are
// thread-safe).
class Rig {
 public:
  Rig()
      : keys_(dlms::KeyStore::Derived(kSecret, "12345678")),
        table_(meters::MeterCosemInfo{}),
        setup_{.table = &table_, .keys = &keys_},
        mesh_(io_, clock_),
        passthrough_(
            io_, {.wrapper_listen = "127.0.0.1:0", .hdlc_listen = ""},
            [this](Frame frame) { mesh_.FromGateway(std::move(frame)); }, clock_) {
    const TimePoint now = clock_.Now();
    AddMeter(kFreshMeterIndex, now - kFreshMeterAge, now);
    AddMeter(kDeepMeterIndex, now - kDeepMeterAge, now);
    mesh_.Attach(&passthrough_);
    Require(passthrough_.Start(), "pass-through start");
    loop_ = std::thread([this] { io_.run(); });
    Require(pthread_getcpuclockid(loop_.native_handle(), &loop_cpu_clock_) == 0,
            "the loop thread's CPU clock");
  }
  ~Rig() {
    asio::post(io_, [this] { passthrough_.Stop(); });
    work_.reset();  // run() returns once the closed connections' handlers have run
    loop_.join();
  }
  Rig(const Rig&) = delete;
  Rig& operator=(const Rig&) = delete;

  NodeAddress node(uint32_t index) const { return meters_.at(index).node; }
  // The meter as it was when the loop started; the live one only moves on from there.
  const meters::Meter& reference(uint32_t index) const { return meters_.at(index).reference; }

  std::unique_ptr<WrapperTransport> Connect(uint16_t client_sap, uint32_t index) const {
    auto connection = TcpConnection::Open(passthrough_.wrapper_port());
    Require(connection.status(), "connect");
    return std::make_unique<WrapperTransport>(std::move(*connection), client_sap,
                                              static_cast<uint16_t>(node(index)));
  }

  // Client 16 public, 17 LLS reader, 1 HLS-GMAC management (ciphered), with the keys of
  // the key store. HLS clients take the next invocation counter: hand it back with
  // Release().
  dlms::ClientOptions Options(uint16_t client_sap, uint32_t index) const {
    dlms::ClientOptions options{.client_sap = client_sap};
    auto keys = keys_.KeysFor(reference(index).core().identity().MeterId());
    Require(keys.status(), "keys");
    if (client_sap == 17) {
      options.mechanism = AuthenticationMechanism::kLow;
      options.password = keys->lls_password;
    } else if (client_sap == 1) {
      options.mechanism = AuthenticationMechanism::kHighGmac;
      options.system_title = {'V', 'M', 'U', 'C', 'B', 'E', 'N', 'C'};
      options.keys = keys->cipher_keys();
      options.invocation_counter = next_invocation_counter_.load();
    }
    return options;
  }
  void Release(dlms::CosemClient& client) {
    Require(client.Release(), "release");
    // Only one HLS client at a time here; the meter refuses a counter it has seen.
    if (client.next_invocation_counter() > next_invocation_counter_.load()) {
      next_invocation_counter_.store(client.next_invocation_counter());
    }
  }

  size_t reader_objects() const { return table_.size(dlms::ClientRole::kReader); }

  // CPU time the loop thread (the whole server side) has used so far.
  std::chrono::nanoseconds ServerCpu() const {
    timespec now{};
    Require(::clock_gettime(loop_cpu_clock_, &now) == 0, "the loop thread's CPU clock");
    return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
  }

 private:
  static constexpr uint8_t kSecret[16] = {'v', 'm', 'u', 'c', '-', 'd', 'l', 'm',
                                          's', '-', 'b', 'e', 'n', 'c', 'h', '!'};
  struct MeterSlot {
    NodeAddress node;
    std::unique_ptr<meters::MeterActor> actor;
    meters::Meter reference;
  };

  void AddMeter(uint32_t index, TimePoint epoch, TimePoint now) {
    const meters::MeterIdentity identity = meters::FleetMeter(FleetSection(), index);
    auto actor = std::make_unique<meters::MeterActor>(identity, epoch, 15s, mesh_);
    actor->EnableDlms(&setup_);
    // Fast-forward here, before the loop runs, not in the first timed request.
    actor->mutable_meter().AdvanceTo(now);
    mesh_.Add(identity.node, actor.get());
    meters::Meter reference = actor->meter();
    meters_.emplace(index, MeterSlot{identity.node, std::move(actor), std::move(reference)});
  }

  RealClock clock_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  const dlms::KeyStore keys_;
  const meters::MeterObjectTable table_;
  const meters::MeterDlmsSetup setup_;
  LoopMesh mesh_;
  std::map<uint32_t, MeterSlot> meters_;
  gateway::DlmsPassthrough passthrough_;
  std::thread loop_;
  clockid_t loop_cpu_clock_{};
  std::atomic<uint32_t> next_invocation_counter_{0};
};

// The server side's cost: the loop thread's CPU time per `unit` (a GET, a read) and how
// many units one core would serve if the clients were elsewhere. With several threads only
// thread 0 reports (GB sums counters over threads); the span is its timed loop.
void ReportServerCpu(benchmark::State& state, std::chrono::nanoseconds server_cpu, double units,
                     const std::string& unit) {
  if (state.thread_index() != 0 || units <= 0) return;
  const double us = std::chrono::duration<double, std::micro>(server_cpu).count() / units;
  state.counters["server_us/" + unit] = us;
  state.counters[unit + "s/server_core_s"] = 1e6 / us;
}

// 1. One attribute GET in a loop: 1.1.1.8.0.255 (A+ total, class 3) for the reader (17,
// LLS) and the management client (1, HLS: every request and answer AES-GCM ciphered);
// the public client (16) may not read energy, so it reads the clock (class 8). With
// Threads(4), four connections, each on its own thread, against the one loop thread.
void BM_Get(benchmark::State& state, Rig& rig, uint16_t client_sap) {
  const auto transport = rig.Connect(client_sap, kFreshMeterIndex);
  dlms::CosemClient client(rig.Options(client_sap, kFreshMeterIndex), *transport);
  Require(client.Associate(), absl::StrCat("associate as client ", client_sap));
  const meters::Meter& reference = rig.reference(kFreshMeterIndex);
  const AttributeDescriptor what = client_sap == 16 ? kClock : kActiveImportTotal;
  // Registers only grow: at least what the meter held when the loop started, and no less
  // than the previous answer.
  uint64_t floor =
      client_sap == 16 ? 0 : reference.core().registers().total().wh(meters::kActiveImport);
  TimePoint clock_floor = reference.core().rtc_time();
  Require(floor > 0 || client_sap == 16, "the meter has no energy yet");
  const uint32_t counter_before = client.next_invocation_counter();
  const auto server_before = rig.ServerCpu();
  for (auto _ : state) {
    auto value = client.Get(what);
    Require(value.status(), "GET");
    if (client_sap == 16) {
      auto time = value->AsDateTime();
      Require(time.ok() && *time >= clock_floor, "the clock went backwards");
      clock_floor = *time;
    } else {
      auto wh = value->AsUint64();
      Require(wh.ok() && *wh >= floor, "A+ total below what the meter held");
      floor = *wh;
    }
  }
  const auto server_cpu = rig.ServerCpu() - server_before;
  if (client_sap == 1) {
    // Every GET went ciphered, each with its own invocation counter.
    Require(client.next_invocation_counter() - counter_before >= state.iterations(),
            "HLS GETs were not ciphered");
  }
  ReportServerCpu(state, server_cpu, static_cast<double>(state.iterations() * state.threads()),
                  "GET");
  rig.Release(client);
  state.SetItemsProcessed(state.iterations());
  state.counters["GETs/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// 2. A reader's whole session: associate (17, LLS), read the object list, then every
// attribute the list says it may read, of every object, one GET each; release. Arg: which
// meter (0: 3 days old, a few hundred profile entries; 1: 110 days, whose profile buffer
// alone is 10 560 rows).
void BM_ReadEveryObject(benchmark::State& state, Rig& rig) {
  const auto index = static_cast<uint32_t>(state.range(0));
  const auto transport = rig.Connect(17, index);
  uint64_t objects = 0;
  uint64_t attributes = 0;
  const auto server_before = rig.ServerCpu();
  for (auto _ : state) {
    dlms::CosemClient client(rig.Options(17, index), *transport);
    Require(client.Associate(), "associate as the reader");
    auto list = client.Get(kObjectList);
    Require(list.status(), "object list");
    auto elements = list->AsArray();
    Require(elements.status(), "object list: not an array");
    Require(elements->size() == rig.reader_objects() + kServerObjects,
            absl::StrCat("object list: ", elements->size(), " objects, the reader's table has ",
                         rig.reader_objects(), " + ", kServerObjects, " of the server"));
    objects = elements->size();
    attributes = 1;  // the list itself
    for (const DataValue& element : *elements) {
      const auto fields = element.AsStructure();
      Require(fields.ok() && fields->size() == 4, "object list element");
      const auto class_id = static_cast<uint16_t>(*(*fields)[0].AsInt64());
      const Obis obis = *(*fields)[2].AsObis();
      const auto access_rights = (*fields)[3].AsStructure();
      Require(access_rights.ok() && !access_rights->empty(), "object list access rights");
      const auto attribute_access = (*access_rights)[0].AsArray();
      Require(attribute_access.status(), "object list attribute access");
      for (const DataValue& attribute : *attribute_access) {
        const auto access = *attribute.AsStructure();
        const auto id = static_cast<int8_t>(*access[0].AsInt64());
        if (*access[1].AsInt64() == 0) continue;  // no access
        auto value = client.Get({class_id, obis, id});
        Require(value.status(),
                absl::StrCat(class_id, " ", obis.ToString(), " attribute ", static_cast<int>(id)));
        ++attributes;
      }
    }
    rig.Release(client);
  }
  ReportServerCpu(state, rig.ServerCpu() - server_before, static_cast<double>(state.iterations()),
                  "read");
  state.counters["objects"] = static_cast<double>(objects);
  state.counters["attributes"] = static_cast<double>(attributes);
  state.counters["bytes"] =
      benchmark::Counter(static_cast<double>(transport->bytes_sent() + transport->bytes_received()),
                         benchmark::Counter::kAvgIterations);
  state.counters["GETs/s"] = benchmark::Counter(
      static_cast<double>(attributes * state.iterations()), benchmark::Counter::kIsRate);
}

// 3. Entries 1..10 000 of the 15-minute load profile (class 7 1.1.99.1.0.255 attribute 2)
// by entry (selector 2: from, to, first column 1, last column 0 = all) of the 110-day
// meter, in GET blocks of the meter's 1024-byte PDUs, each row checked against the
// meter's own entries. The association is made once, outside the timing.
void BM_ReadProfile10000(benchmark::State& state, Rig& rig) {
  const auto transport = rig.Connect(17, kDeepMeterIndex);
  dlms::CosemClient client(rig.Options(17, kDeepMeterIndex), *transport);
  Require(client.Associate(), "associate as the reader");
  const std::vector<meters::ProfileEntry> entries =
      rig.reference(kDeepMeterIndex).load_profile()->entries();
  Require(entries.size() >= kProfileEntries,
          absl::StrCat("the meter holds ", entries.size(), " profile entries"));
  const dlms::SelectiveAccess by_entry{
      2, DataValue::Structure({DataValue::DoubleLongUnsigned(1),
                               DataValue::DoubleLongUnsigned(kProfileEntries),
                               DataValue::LongUnsigned(1), DataValue::LongUnsigned(0)})};
  const uint64_t bytes_before = transport->bytes_sent() + transport->bytes_received();
  const uint64_t requests_before = client.requests_sent();
  const auto server_before = rig.ServerCpu();
  for (auto _ : state) {
    auto profile = client.Get(kLoadProfileBuffer, by_entry);
    Require(profile.status(), "load profile by entry");
    const auto rows = profile->AsArray();
    Require(rows.ok() && rows->size() == kProfileEntries,
            absl::StrCat("load profile: ", rows.ok() ? rows->size() : 0, " rows"));
    state.PauseTiming();  // the check is ours, not the read's
    for (size_t i = 0; i < kProfileEntries; ++i) {
      const meters::ProfileEntry& entry = entries[i];
      const auto row = (*rows)[i].AsStructure();
      bool same = row.ok() && row->size() == 2u + entry.channels &&
                  (*row)[0].AsDateTime().value_or(TimePoint{}) == entry.at &&
                  (*row)[1].AsUint64().value_or(~0ull) == entry.status;
      for (uint8_t c = 0; same && c < entry.channels; ++c) {
        same = (*row)[2 + c].AsUint64().value_or(~0ull) == entry.values[c];
      }
      Require(same, absl::StrCat("load profile: row ", i + 1, " differs from the meter's entry"));
    }
    state.ResumeTiming();
  }
  const double iterations = static_cast<double>(state.iterations());
  ReportServerCpu(state, rig.ServerCpu() - server_before, iterations, "read");
  state.counters["rows"] = kProfileEntries;
  state.counters["bytes"] =
      static_cast<double>(transport->bytes_sent() + transport->bytes_received() - bytes_before) /
      iterations;
  state.counters["requests"] =
      static_cast<double>(client.requests_sent() - requests_before) / iterations;
  state.counters["rows/s"] =
      benchmark::Counter(kProfileEntries * iterations, benchmark::Counter::kIsRate);
  rig.Release(client);
}

}  // namespace
}  // namespace vmuc

int main(int argc, char** argv) {
  using vmuc::Rig;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  Rig rig;
  for (const auto& [name, sap] : {std::pair{"BM_Get/public_clock", 16}, std::pair{"BM_Get/lls", 17},
                                  std::pair{"BM_Get/hls", 1}}) {
    benchmark::RegisterBenchmark(name, vmuc::BM_Get, std::ref(rig), static_cast<uint16_t>(sap))
        ->UseRealTime();
  }
  benchmark::RegisterBenchmark("BM_Get/lls_4_clients", vmuc::BM_Get, std::ref(rig),
                               static_cast<uint16_t>(17))
      ->Threads(4)
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_ReadEveryObject", vmuc::BM_ReadEveryObject, std::ref(rig))
      ->ArgName("meter")
      ->Arg(vmuc::kFreshMeterIndex)
      ->Arg(vmuc::kDeepMeterIndex)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_ReadProfile10000", vmuc::BM_ReadProfile10000, std::ref(rig))
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
