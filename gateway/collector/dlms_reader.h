// DlmsReader: the collector's own DLMS client (docs/dlms.md, "The gateway as a client").
//
// Reads a meter now, over the mesh, as a head-end asks through the gateway: it associates
// as the management client (HLS-GMAC, security suite 0, the meter's keys from the key
// store), reads the clock and the requested registers with their scaler and unit in one
// GET-with-list (one instant), and releases. Session frames (PAYLOAD_DLMS_WRAPPER) carry
// session ids with kReaderSessionBit set, so they never mix with the pass-through's.
//
// The client's invocation counter per meter lives in memory; the first time (and after a
// refusal) the reader learns where the meter stands from its invocation counter object,
// which the public client may read (0.0.43.1.3.255), as common head-ends do.
//
// Reads run one at a time on the reader's own thread (each is a few round trips over the
// mesh); `done` is called there. OnFrame may be called from any thread.
#ifndef VMUC_GATEWAY_COLLECTOR_DLMS_READER_H_
#define VMUC_GATEWAY_COLLECTOR_DLMS_READER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/frame.h"
#include "common/time.h"
#include "dlms/axdr.h"
#include "dlms/key_store.h"
#include "dlms/obis.h"
#include "dlms/units.h"

namespace vmuc::dlms {
class CosemClient;
}

namespace vmuc::gateway {

inline constexpr uint64_t kReaderSessionBit = uint64_t{1} << 63;

struct DlmsReaderOptions {
  std::string gateway_name = "gw1";  // its hash ends the client system title
  // Per request over the mesh, on the run's clock (a simulated mesh delays in simulated
  // time): with `clock`, the real wait is clock->RealDelayFor(timeout), but never below
  // min_real_wait, which covers the processes' own latency at high speeds.
  std::chrono::milliseconds timeout{10'000};
  const Clock* clock = nullptr;  // nullptr: real time
  std::chrono::milliseconds min_real_wait{500};
};

struct LiveRegister {
  dlms::Obis obis;
  absl::Status status;  // the meter's Data-Access-Result for this register
  int64_t value = 0;
  int8_t scaler = 0;
  dlms::Unit unit = dlms::Unit::kNone;
};

struct LiveReading {
  TimePoint meter_time{};  // the meter's clock when it answered
  std::vector<LiveRegister> registers;
};

class DlmsReader {
 public:
  using SendFrame = std::function<void(Frame)>;
  using Done = std::function<void(absl::StatusOr<LiveReading>)>;

  // `keys` must outlive the reader. `send` is thread-safe (LinkClient::Send).
  DlmsReader(DlmsReaderOptions options, const dlms::KeyStore& keys, SendFrame send);
  ~DlmsReader();  // finishes the read under way, fails the queued ones, joins
  DlmsReader(const DlmsReader&) = delete;
  DlmsReader& operator=(const DlmsReader&) = delete;

  // Registers by code: D = 6 is read as an extended register (class 4), D = 4 as a demand
  // register (class 5), anything else as a register (class 3).
  void ReadRegisters(NodeAddress node, std::string meter_id, std::vector<dlms::Obis> codes,
                     Done done);
  // The buffer (attribute 2) of profile `profile` (class 7) restricted to the entries
  // captured in [from, to] (selective access by range): the rows as the meter sends them,
  // every column (meters/cosem/profile_push.h DecodeProfileRows reads them).
  using ProfileDone = std::function<void(absl::StatusOr<dlms::DataValue>)>;
  void ReadProfile(NodeAddress node, std::string meter_id, dlms::Obis profile, TimePoint from,
                   TimePoint to, ProfileDone done);
  // A session frame whose session has kReaderSessionBit.
  void OnFrame(const Frame& frame);

  // The client system title: "VMUG" and 4 bytes of the gateway name's FNV-1a hash.
  const dlms::SystemTitle& system_title() const { return system_title_; }

 private:
  class Transport;
  // One management session: `work` runs on the associated client (or gets the reason the
  // association failed) and reports to its caller; what it returns tells whether the
  // session ended cleanly (an error makes the reader learn the counter again).
  using Work = std::function<absl::Status(absl::StatusOr<dlms::CosemClient*>)>;
  struct Task {
    NodeAddress node;
    std::string meter_id;
    Work work;
  };

  void Enqueue(Task task);
  void Run();
  void RunSession(const Task& task);
  static absl::StatusOr<LiveReading> ReadRegistersOn(dlms::CosemClient& client,
                                                     const std::vector<dlms::Obis>& codes);
  absl::StatusOr<uint32_t> LearnCounter(NodeAddress node);
  // Sends `apdu` for `client_sap` on a new session frame and waits for the answer.
  absl::StatusOr<std::vector<uint8_t>> Exchange(NodeAddress node, uint64_t session,
                                                uint16_t client_sap, std::span<const uint8_t> apdu);

  const DlmsReaderOptions options_;
  const dlms::KeyStore& keys_;
  const SendFrame send_;
  dlms::SystemTitle system_title_{};
  uint64_t next_session_ = 1;                 // reader thread only
  std::map<std::string, uint32_t> counters_;  // reader thread only: next IC per meter

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> tasks_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  // The answer awaited on each session, once it came.
  std::map<uint64_t, std::optional<std::vector<uint8_t>>> waiting_ ABSL_GUARDED_BY(mutex_);
  std::thread thread_;
};

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_COLLECTOR_DLMS_READER_H_
