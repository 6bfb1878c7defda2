#include "gateway/collector/dlms_reader.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "dlms/cosem_client.h"
#include "dlms/wrapper.h"
#include "meters/cosem/profile_push.h"

namespace vmuc::gateway {
namespace {

// The meters' associations (meters/cosem/meter_dlms.h).
constexpr uint16_t kPublicClient = 16;
constexpr uint16_t kManagementClient = 1;
constexpr uint16_t kMeterLogicalDevice = 1;
// The management client's invocation counter object (association instance 3).
constexpr dlms::Obis kManagementCounter(0, 0, 43, 1, 3, 255);
constexpr dlms::Obis kClock(0, 0, 1, 0, 0, 255);

uint16_t ClassOf(const dlms::Obis& obis) {
  switch (obis.bytes[3]) {
    case 6:
      return 4;  // maximum demand with its capture time
    case 4:
      return 5;  // demand register
    default:
      return 3;
  }
}

// The scaler_unit attribute: 3 of classes 3 and 4, 4 of class 5 (IEC 62056-6-2 4.3).
int8_t ScalerUnitAttribute(uint16_t class_id) { return class_id == 5 ? 4 : 3; }

}  // namespace

// One session's exchanges through the reader.
class DlmsReader::Transport final : public dlms::ClientTransport {
 public:
  Transport(DlmsReader& reader, NodeAddress node, uint64_t session, uint16_t client_sap)
      : reader_(reader), node_(node), session_(session), client_sap_(client_sap) {}
  absl::StatusOr<std::vector<uint8_t>> Exchange(std::span<const uint8_t> request) override {
    return reader_.Exchange(node_, session_, client_sap_, request);
  }

 private:
  DlmsReader& reader_;
  const NodeAddress node_;
  const uint64_t session_;
  const uint16_t client_sap_;
};

DlmsReader::DlmsReader(DlmsReaderOptions options, const dlms::KeyStore& keys, SendFrame send)
    : options_(std::move(options)), keys_(keys), send_(std::move(send)) {
  uint32_t hash = 2166136261u;  // FNV-1a
  for (char c : options_.gateway_name) hash = (hash ^ static_cast<uint8_t>(c)) * 16777619u;
  system_title_ = {'V',
                   'M',
                   'U',
                   'G',
                   static_cast<uint8_t>(hash >> 24),
                   static_cast<uint8_t>(hash >> 16),
                   static_cast<uint8_t>(hash >> 8),
                   static_cast<uint8_t>(hash)};
  thread_ = std::thread([this] { Run(); });
}

DlmsReader::~DlmsReader() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void DlmsReader::ReadRegisters(NodeAddress node, std::string meter_id,
                               std::vector<dlms::Obis> codes, Done done) {
  Enqueue({node, std::move(meter_id),
           [codes = std::move(codes),
            done = std::move(done)](absl::StatusOr<dlms::CosemClient*> client) {
             if (!client.ok()) {
               done(client.status());
               return client.status();
             }
             absl::StatusOr<LiveReading> reading = ReadRegistersOn(**client, codes);
             const absl::Status status = reading.status();
             done(std::move(reading));
             return status;
           }});
}

void DlmsReader::ReadProfile(NodeAddress node, std::string meter_id, dlms::Obis profile,
                             TimePoint from, TimePoint to, ProfileDone done) {
  Enqueue({node, std::move(meter_id),
           [profile, from, to, done = std::move(done)](absl::StatusOr<dlms::CosemClient*> client) {
             if (!client.ok()) {
               done(client.status());
               return client.status();
             }
             absl::StatusOr<dlms::DataValue> buffer =
                 (*client)->Get({7, profile, 2}, meters::ProfileRangeAccess(from, to));
             const absl::Status status = buffer.status();
             done(std::move(buffer));
             return status;
           }});
}

void DlmsReader::Enqueue(Task task) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      tasks_.push_back(std::move(task));
      wake_.notify_all();
      return;
    }
  }
  (void)task.work(absl::UnavailableError("the gateway is stopping"));
}

void DlmsReader::OnFrame(const Frame& frame) {
  std::lock_guard lock(mutex_);
  auto it = waiting_.find(frame.session);
  if (it == waiting_.end() || it->second.has_value()) return;  // late or duplicate
  it->second = frame.payload;
  wake_.notify_all();
}

void DlmsReader::Run() {
  while (true) {
    Task task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      if (stopping_) {
        // Fail what has not started; nothing waits behind a stopping gateway.
        std::deque<Task> queued = std::move(tasks_);
        lock.unlock();
        for (Task& pending : queued)
          (void)pending.work(absl::UnavailableError("the gateway is stopping"));
        return;
      }
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    RunSession(task);
  }
}

absl::StatusOr<std::vector<uint8_t>> DlmsReader::Exchange(NodeAddress node, uint64_t session,
                                                          uint16_t client_sap,
                                                          std::span<const uint8_t> apdu) {
  {
    std::lock_guard lock(mutex_);
    waiting_[session].reset();
  }
  Frame frame;
  frame.source = kCollectorNode;
  frame.destination = node;
  frame.kind = PayloadKind::kDlmsWrapper;
  frame.session = session;
  frame.payload = dlms::EncodeWrapperPdu({.source_wport = client_sap,
                                          .destination_wport = kMeterLogicalDevice,
                                          .apdu = std::vector<uint8_t>(apdu.begin(), apdu.end())});
  send_(std::move(frame));
  std::unique_lock lock(mutex_);
  const auto wait = options_.clock == nullptr
                        ? std::chrono::duration_cast<std::chrono::milliseconds>(options_.timeout)
                        : std::max(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       options_.clock->RealDelayFor(options_.timeout)),
                                   options_.min_real_wait);
  const bool answered =
      wake_.wait_for(lock, wait, [&] { return stopping_ || waiting_[session].has_value(); });
  std::optional<std::vector<uint8_t>> answer = std::move(waiting_[session]);
  waiting_.erase(session);
  lock.unlock();
  if (!answered || !answer) {
    return absl::DeadlineExceededError(absl::StrCat("meter node ", node, " did not answer within ",
                                                    options_.timeout.count(), " ms"));
  }
  VMUC_ASSIGN_OR_RETURN(dlms::WrapperPdu pdu, dlms::DecodeWrapperPdu(*answer));
  if (pdu.destination_wport != client_sap) {
    return absl::DataLossError("the meter answered another client");
  }
  return std::move(pdu.apdu);
}

absl::StatusOr<uint32_t> DlmsReader::LearnCounter(NodeAddress node) {
  Transport transport(*this, node, kReaderSessionBit | next_session_++, kPublicClient);
  dlms::CosemClient client({.client_sap = kPublicClient}, transport);
  VMUC_RETURN_IF_ERROR(client.Associate());
  auto counter = client.Get({1, kManagementCounter, 2});
  (void)client.Release();
  if (!counter.ok()) return counter.status();
  VMUC_ASSIGN_OR_RETURN(uint64_t value, counter->AsUint64());
  if (value >= UINT32_MAX - 1) return absl::ResourceExhaustedError("invocation counter used up");
  return static_cast<uint32_t>(value + 1);
}

void DlmsReader::RunSession(const Task& task) {
  auto keys = keys_.KeysFor(task.meter_id);
  if (!keys.ok()) {
    (void)task.work(keys.status());
    return;
  }
  auto counter = counters_.find(task.meter_id);
  if (counter == counters_.end()) {
    auto learned = LearnCounter(task.node);
    if (!learned.ok()) {
      (void)task.work(learned.status());
      return;
    }
    counter = counters_.emplace(task.meter_id, *learned).first;
  }
  Transport transport(*this, task.node, kReaderSessionBit | next_session_++, kManagementClient);
  dlms::CosemClient client({.client_sap = kManagementClient,
                            .mechanism = dlms::AuthenticationMechanism::kHighGmac,
                            .system_title = system_title_,
                            .keys = keys->cipher_keys(),
                            .invocation_counter = counter->second},
                           transport);
  absl::Status associated = client.Associate();
  counter->second = client.next_invocation_counter();
  if (!associated.ok()) {
    counters_.erase(counter);  // learn it again next time: another client may have moved it
    (void)task.work(associated);
    return;
  }
  const absl::Status worked = task.work(&client);
  counter->second = client.next_invocation_counter();
  (void)client.Release();
  if (!worked.ok()) counters_.erase(task.meter_id);
}

absl::StatusOr<LiveReading> DlmsReader::ReadRegistersOn(dlms::CosemClient& client,
                                                        const std::vector<dlms::Obis>& codes) {
  std::vector<dlms::AttributeRequest> requests = {{{8, kClock, 2}, std::nullopt}};
  for (const dlms::Obis& obis : codes) {
    const uint16_t class_id = ClassOf(obis);
    requests.push_back({{class_id, obis, 2}, std::nullopt});
    requests.push_back({{class_id, obis, ScalerUnitAttribute(class_id)}, std::nullopt});
  }
  VMUC_ASSIGN_OR_RETURN(auto results, client.GetList(requests));
  LiveReading reading;
  VMUC_RETURN_IF_ERROR(dlms::DataAccessResultStatus(results[0].result, "clock"));
  VMUC_ASSIGN_OR_RETURN(reading.meter_time, results[0].data.AsDateTime());
  for (size_t i = 0; i < codes.size(); ++i) {
    const dlms::GetDataResult& value = results[1 + 2 * i];
    const dlms::GetDataResult& scaler_unit = results[2 + 2 * i];
    LiveRegister item{.obis = codes[i],
                      .status = dlms::DataAccessResultStatus(value.result, codes[i].ToString()),
                      .value = 0,
                      .scaler = 0,
                      .unit = dlms::Unit::kNone};
    if (item.status.ok()) {
      auto number = value.data.AsInt64();
      auto pair = scaler_unit.data.AsStructure();
      if (!number.ok() || !pair.ok() || pair->size() != 2) {
        item.status = absl::DataLossError(
            absl::StrCat(codes[i].ToString(), ": not a register value with scaler_unit"));
      } else {
        item.value = *number;
        item.scaler = static_cast<int8_t>((*pair)[0].AsInt64().value_or(0));
        item.unit = static_cast<dlms::Unit>((*pair)[1].AsInt64().value_or(255));
      }
    }
    reading.registers.push_back(std::move(item));
  }
  return reading;
}

}  // namespace vmuc::gateway
