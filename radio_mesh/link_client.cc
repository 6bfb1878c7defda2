#include "radio_mesh/link_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "radio_mesh/link_codec.h"

namespace vmuc::radio_mesh {

LinkClient::LinkClient(LinkClientOptions options, FrameHandler on_frames)
    : options_(std::move(options)), on_frames_(std::move(on_frames)) {}

LinkClient::~LinkClient() { Stop(); }

void LinkClient::Start() {
  thread_ = std::thread([this] { Run(); });
}

void LinkClient::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (active_context_ != nullptr) active_context_->TryCancel();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LinkClient::Send(Frame frame) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.max_queued_frames) {
      queue_.pop_front();
      frames_dropped_.fetch_add(1);
    }
    queue_.push_back(std::move(frame));
  }
  wake_.notify_one();
}

void LinkClient::Run() {
  auto backoff = options_.reconnect_initial;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    // gRPC's own reconnect backoff grows to 120 s by default; a mesh that restarts under
    // the supervisor is back in well under a second, so keep the channel's retries short.
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
                     static_cast<int>(options_.reconnect_initial.count()));
    arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS,
                     static_cast<int>(options_.reconnect_initial.count()));
    arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
                     static_cast<int>(options_.reconnect_max.count()));
    auto channel =
        grpc::CreateCustomChannel(options_.target, grpc::InsecureChannelCredentials(), arguments);
    auto stub = link::MeshLink::NewStub(channel);
    grpc::ClientContext context;
    context.set_wait_for_ready(true);
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      active_context_ = &context;
      stream_broken_ = false;
    }
    auto stream = stub->Attach(&context);
    link::LinkMessage hello_message;
    auto* hello = hello_message.mutable_hello();
    hello->set_role(options_.role);
    hello->set_name(options_.name);
    for (NodeAddress node : options_.nodes) hello->add_node_addresses(node);

    bool ever_received = false;
    if (stream->Write(hello_message)) {
      connected_.store(true);
      spdlog::info("link {}: attached to {}", options_.name, options_.target);
      std::thread writer([this, s = stream.get()] { WriteLoop(s); });
      link::LinkMessage incoming;
      while (stream->Read(&incoming)) {
        ever_received = true;
        if (!incoming.has_batch()) continue;
        std::vector<Frame> frames;
        frames.reserve(static_cast<size_t>(incoming.batch().frames_size()));
        for (const auto& wire : incoming.batch().frames()) {
          auto frame = FromWire(wire);
          if (!frame.ok()) {
            spdlog::warn("link {}: dropped a frame: {}", options_.name, frame.status().ToString());
            continue;
          }
          frames.push_back(*std::move(frame));
        }
        if (!frames.empty()) on_frames_(std::move(frames));
      }
      {
        std::lock_guard lock(mutex_);
        stream_broken_ = true;
      }
      wake_.notify_all();
      writer.join();
      connected_.store(false);
    }
    context.TryCancel();
    const grpc::Status status = stream->Finish();
    {
      std::unique_lock lock(mutex_);
      active_context_ = nullptr;
      if (stopping_) return;
      spdlog::warn("link {}: stream to {} ended ({}); reconnecting in {} ms", options_.name,
                   options_.target, status.error_message(), backoff.count());
      wake_.wait_for(lock, backoff, [this] { return stopping_; });
      if (stopping_) return;
    }
    backoff =
        ever_received ? options_.reconnect_initial : std::min(backoff * 2, options_.reconnect_max);
  }
}

void LinkClient::WriteLoop(grpc::ClientReaderWriter<link::LinkMessage, link::LinkMessage>* stream) {
  while (true) {
    std::vector<Frame> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || stream_broken_ || !queue_.empty(); });
      if (stopping_ || stream_broken_) return;
      const size_t count = std::min(queue_.size(), options_.max_batch_frames);
      batch.reserve(count);
      for (size_t i = 0; i < count; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    link::LinkMessage message;
    for (const Frame& frame : batch) ToWire(frame, message.mutable_batch()->add_frames());
    if (!stream->Write(message)) {
      // Put the batch back in front so nothing queued is lost to a broken stream.
      std::lock_guard lock(mutex_);
      for (auto it = batch.rbegin(); it != batch.rend(); ++it) queue_.push_front(std::move(*it));
      stream_broken_ = true;
      return;
    }
    frames_sent_.fetch_add(batch.size());
  }
}

}  // namespace vmuc::radio_mesh
