#include "radio_mesh/passthrough_relay.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace vmuc::radio_mesh {

grpc::Status PassthroughRelay::Attach(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<link::LinkMessage, link::LinkMessage>* stream) {
  link::LinkMessage message;
  if (!stream->Read(&message)) return grpc::Status::OK;  // gone before saying hello
  if (!message.has_hello() || message.hello().role() == link::ROLE_UNSPECIFIED) {
    return {grpc::StatusCode::INVALID_ARGUMENT,
            "LinkMessage: the first message must be a Hello with a role"};
  }
  auto endpoint = std::make_shared<Endpoint>();
  endpoint->name = message.hello().name();
  endpoint->role = message.hello().role();
  endpoint->stream = stream;
  {
    std::lock_guard lock(mutex_);
    if (endpoint->role == link::ROLE_COLLECTOR) {
      collectors_.push_back(endpoint);
    } else {
      for (uint32_t node : message.hello().node_addresses()) host_of_node_[node] = endpoint;
    }
  }
  spdlog::info("mesh: {} attached ({} nodes) from {}", endpoint->name,
               message.hello().node_addresses_size(), context->peer());

  while (stream->Read(&message)) {
    if (message.has_batch()) Route(*endpoint, message.batch());
  }

  {
    std::lock_guard lock(mutex_);
    std::erase(collectors_, endpoint);
    std::erase_if(host_of_node_, [&](const auto& entry) { return entry.second == endpoint; });
  }
  // Take the write lock once more so no other thread is inside Write on this stream when
  // the handler returns and gRPC destroys it.
  std::lock_guard write_lock(endpoint->write_mutex);
  endpoint->stream = nullptr;
  spdlog::info("mesh: {} detached", endpoint->name);
  return grpc::Status::OK;
}

void PassthroughRelay::Route(const Endpoint& from, const link::FrameBatch& batch) {
  if (from.role == link::ROLE_METER_HOST) {
    std::vector<std::shared_ptr<Endpoint>> collectors;
    {
      std::lock_guard lock(mutex_);
      collectors = collectors_;
    }
    if (collectors.empty()) {
      frames_dropped_.fetch_add(static_cast<uint64_t>(batch.frames_size()));
      return;
    }
    link::LinkMessage out;
    *out.mutable_batch() = batch;
    for (const auto& collector : collectors) Deliver(collector, out);
    frames_relayed_.fetch_add(static_cast<uint64_t>(batch.frames_size()));
    return;
  }
  // Downlink: group by the meter host that owns each destination.
  std::unordered_map<std::shared_ptr<Endpoint>, link::LinkMessage> per_host;
  {
    std::lock_guard lock(mutex_);
    for (const auto& frame : batch.frames()) {
      const auto it = host_of_node_.find(frame.destination());
      if (it == host_of_node_.end()) {
        frames_dropped_.fetch_add(1);
        continue;
      }
      *per_host[it->second].mutable_batch()->add_frames() = frame;
    }
  }
  for (auto& [host, message] : per_host) {
    if (Deliver(host, message)) {
      frames_relayed_.fetch_add(static_cast<uint64_t>(message.batch().frames_size()));
    }
  }
}

bool PassthroughRelay::Deliver(const std::shared_ptr<Endpoint>& to, link::LinkMessage& message) {
  std::lock_guard lock(to->write_mutex);
  if (to->stream == nullptr || !to->stream->Write(message)) {
    frames_dropped_.fetch_add(static_cast<uint64_t>(message.batch().frames_size()));
    return false;
  }
  return true;
}

}  // namespace vmuc::radio_mesh
