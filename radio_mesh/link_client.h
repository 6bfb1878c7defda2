// LinkClient: one endpoint's attachment to vmuc-mesh (docs/link_protocol.md).
//
// Keeps one MeshLink.Attach stream open to the mesh, re-opening it with backoff whenever
// it breaks (the mesh restarting is routine under the supervisor). Outbound frames are
// queued and sent in batches by a writer thread; inbound batches are handed to the
// handler on the client's reader thread, which must not block for long (post the work
// to an event loop). Send() is thread-safe. Frames queued while the mesh is away are kept
// up to `max_queued_frames`, then the oldest are dropped and counted.
#ifndef VMUC_RADIO_MESH_LINK_CLIENT_H_
#define VMUC_RADIO_MESH_LINK_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "common/frame.h"
#include "vmuc/link/frames.grpc.pb.h"

namespace vmuc::radio_mesh {

struct LinkClientOptions {
  std::string target;  // gRPC target, e.g. "unix:/var/lib/vmuc/run/mesh.sock"
  link::Role role = link::ROLE_METER_HOST;
  std::string name;                // shown in the mesh's logs
  std::vector<NodeAddress> nodes;  // nodes this endpoint answers for
  std::chrono::milliseconds reconnect_initial{100};
  std::chrono::milliseconds reconnect_max{5000};
  size_t max_queued_frames = 1'000'000;
  size_t max_batch_frames = 512;
};

class LinkClient {
 public:
  using FrameHandler = std::function<void(std::vector<Frame>)>;

  LinkClient(LinkClientOptions options, FrameHandler on_frames);
  ~LinkClient();  // Stop()s
  LinkClient(const LinkClient&) = delete;
  LinkClient& operator=(const LinkClient&) = delete;

  void Start();
  void Stop();
  void Send(Frame frame);

  bool connected() const { return connected_.load(); }
  uint64_t frames_sent() const { return frames_sent_.load(); }
  uint64_t frames_dropped() const { return frames_dropped_.load(); }

 private:
  void Run();  // the connection thread
  // Writes queued frames to `stream` until the stream fails or the client stops.
  void WriteLoop(grpc::ClientReaderWriter<link::LinkMessage, link::LinkMessage>* stream);

  const LinkClientOptions options_;
  const FrameHandler on_frames_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Frame> queue_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  bool stream_broken_ ABSL_GUARDED_BY(mutex_) = false;
  grpc::ClientContext* active_context_ ABSL_GUARDED_BY(mutex_) = nullptr;

  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> frames_sent_{0};
  std::atomic<uint64_t> frames_dropped_{0};
  std::thread thread_;
};

}  // namespace vmuc::radio_mesh

#endif  // VMUC_RADIO_MESH_LINK_CLIENT_H_
