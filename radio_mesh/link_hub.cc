#include "radio_mesh/link_hub.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "radio_mesh/link_codec.h"

namespace vmuc::radio_mesh {

grpc::Status LinkHub::Attach(
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

void LinkHub::Route(const Endpoint& from, const link::FrameBatch& batch) {
  if (router_) {
    std::vector<Frame> frames;
    frames.reserve(static_cast<size_t>(batch.frames_size()));
    for (const link::RadioFrame& wire : batch.frames()) {
      auto frame = FromWire(wire);
      if (!frame.ok()) {
        frames_dropped_.fetch_add(1);
        spdlog::warn("mesh: frame from {} dropped: {}", from.name, frame.status().ToString());
        continue;
      }
      frames.push_back(*std::move(frame));
    }
    router_(from.role, std::move(frames));
    return;
  }
  if (from.role == link::ROLE_METER_HOST) {
    link::LinkMessage out;
    *out.mutable_batch() = batch;
    SendUplink(out, static_cast<uint64_t>(batch.frames_size()));
    return;
  }
  SendDownlink(batch);
}

void LinkHub::DeliverUplink(const std::vector<Frame>& frames) {
  if (frames.empty()) return;
  link::LinkMessage out;
  for (const Frame& frame : frames) ToWire(frame, out.mutable_batch()->add_frames());
  SendUplink(out, frames.size());
}

void LinkHub::DeliverDownlink(const std::vector<Frame>& frames) {
  if (frames.empty()) return;
  link::FrameBatch batch;
  for (const Frame& frame : frames) ToWire(frame, batch.add_frames());
  SendDownlink(batch);
}

void LinkHub::SendUplink(const link::LinkMessage& message, uint64_t frames) {
  std::vector<std::shared_ptr<Endpoint>> collectors;
  {
    std::lock_guard lock(mutex_);
    collectors = collectors_;
  }
  if (collectors.empty()) {
    frames_dropped_.fetch_add(frames);
    return;
  }
  for (const auto& collector : collectors) Deliver(collector, message);
  frames_relayed_.fetch_add(frames);
}

void LinkHub::SendDownlink(const link::FrameBatch& batch) {
  // Grouped by the meter host that owns each destination.
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

bool LinkHub::Deliver(const std::shared_ptr<Endpoint>& to, const link::LinkMessage& message) {
  std::lock_guard lock(to->write_mutex);
  if (to->stream == nullptr || !to->stream->Write(message)) {
    frames_dropped_.fetch_add(static_cast<uint64_t>(message.batch().frames_size()));
    return false;
  }
  return true;
}

}  // namespace vmuc::radio_mesh
