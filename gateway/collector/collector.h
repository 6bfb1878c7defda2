// Collector: the gateway's receiving side of the radio (design.md, "Data flow").
//
// Decodes each uplink frame's DLMS data-notification, stores the readings and the events
// they cause in one SQLite transaction per batch, then publishes them on MQTT and wakes
// the gRPC event streams. A frame that does not decode is logged with its source node
// and counted; it never stops the batch. Runs on the gateway's loop thread only.
#ifndef VMUC_GATEWAY_COLLECTOR_COLLECTOR_H_
#define VMUC_GATEWAY_COLLECTOR_COLLECTOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/frame.h"
#include "gateway/api/event_hub.h"
#include "gateway/mqtt/publisher.h"
#include "gateway/store/store.h"

namespace vmuc::gateway {

struct CollectorOptions {
  std::string gateway_name = "gw1";
  std::string topic_prefix = "vmuc";
};

class Collector {
 public:
  Collector(CollectorOptions options, Store& store, Publisher& publisher, EventHub& hub,
            const Clock& clock)
      : options_(std::move(options)),
        store_(store),
        publisher_(publisher),
        hub_(hub),
        clock_(clock) {}

  void OnFrames(const std::vector<Frame>& frames);

  uint64_t frames_accepted() const { return frames_accepted_; }
  uint64_t frames_rejected() const { return frames_rejected_; }

 private:
  const CollectorOptions options_;
  Store& store_;
  Publisher& publisher_;
  EventHub& hub_;
  const Clock& clock_;
  uint64_t frames_accepted_ = 0;
  uint64_t frames_rejected_ = 0;
};

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_COLLECTOR_COLLECTOR_H_
