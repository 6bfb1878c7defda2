// EventHub: wakes live event streams when the collector has stored new events.
//
// Listeners run on the notifying thread while the hub's lock is held, so once
// Unsubscribe() returns no listener call is in progress or will start: a reactor may be
// deleted right after. Listeners must be short and must not call back into the hub.
#ifndef VMUC_GATEWAY_API_EVENT_HUB_H_
#define VMUC_GATEWAY_API_EVENT_HUB_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

#include "absl/base/thread_annotations.h"

namespace vmuc::gateway {

class EventHub {
 public:
  using Listener = std::function<void()>;
  uint64_t Subscribe(Listener listener) {
    std::lock_guard lock(mutex_);
    listeners_.emplace(next_id_, std::move(listener));
    return next_id_++;
  }
  void Unsubscribe(uint64_t id) {
    std::lock_guard lock(mutex_);
    listeners_.erase(id);
  }
  void Notify() {
    std::lock_guard lock(mutex_);
    for (auto& [id, listener] : listeners_) listener();
  }

 private:
  std::mutex mutex_;
  std::map<uint64_t, Listener> listeners_ ABSL_GUARDED_BY(mutex_);
  uint64_t next_id_ ABSL_GUARDED_BY(mutex_) = 1;
};

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_API_EVENT_HUB_H_
