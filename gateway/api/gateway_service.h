// GatewayService: the public gRPC API vmuc.v1.Gateway (proto/vmuc/v1/gateway.proto).
//
// Answers from the store (a read connection of its own) and follows new events through
// the EventHub. Uses gRPC's callback API: handlers run on gRPC's threads and never block
// on anything but SQLite reads. Bad requests get INVALID_ARGUMENT naming the field.
// Every handler first asks the ApiAuth (gateway/api/api_security.h) set with set_auth;
// without one (tests, and only tests) every call is let in.
//
// The setters are for start-up: call them before the server serves the service.
#ifndef VMUC_GATEWAY_API_GATEWAY_SERVICE_H_
#define VMUC_GATEWAY_API_GATEWAY_SERVICE_H_

#include <functional>
#include <string>

#include "common/clock.h"
// For its users' convenience: the service is served through StartApiServer.
#include "gateway/api/api_security.h"
#include "gateway/api/event_hub.h"
#include "gateway/collector/dlms_reader.h"
#include "gateway/store/store.h"
#include "vmuc/link/frames.grpc.pb.h"
#include "vmuc/v1/gateway.grpc.pb.h"

namespace vmuc::gateway {

// GetGatewayStatus's figures that only the running gateway knows; the provider is called
// on gRPC's threads, so it must read them thread-safely (atomics, or a lock of its own).
struct LiveFigures {
  uint64_t frames_accepted = 0;
  uint64_t frames_rejected = 0;
  bool mqtt_connected = false;
  uint64_t mqtt_outbox_messages = 0;  // waiting for the broker
};

// Who the gateway is, for GetGatewayStatus.
struct GatewayIdentity {
  std::string name;        // [gateway] name
  TimePoint started_at{};  // wall-clock time, from `clock`
  // Wall-clock time for the uptime (not the fleet's simulated clock); must outlive the
  // service. nullptr: uptime 0.
  const Clock* clock = nullptr;
};

class GatewayService final : public v1::Gateway::CallbackService {
 public:
  // Both must outlive the service and the server that serves it.
  GatewayService(Store& store, EventHub& hub) : store_(store), hub_(hub) {}
  // Live reads (ReadRegisters with live) go through `reader`; nullptr: UNAVAILABLE.
  void set_live_reader(DlmsReader* reader) { live_reader_ = reader; }
  // The per-call check (must outlive the service's server); nullptr: calls are let in.
  void set_auth(const ApiAuth* auth) { auth_ = auth; }
  void set_identity(GatewayIdentity identity) { identity_ = std::move(identity); }
  // Unset: GetGatewayStatus answers without its `live` figures.
  void set_live_figures(std::function<LiveFigures()> provider) {
    live_figures_ = std::move(provider);
  }

  grpc::ServerUnaryReactor* ListMeters(grpc::CallbackServerContext* context,
                                       const v1::ListMetersRequest* request,
                                       v1::ListMetersResponse* response) override;
  grpc::ServerUnaryReactor* GetMeter(grpc::CallbackServerContext* context,
                                     const v1::GetMeterRequest* request,
                                     v1::Meter* response) override;
  grpc::ServerUnaryReactor* ReadRegisters(grpc::CallbackServerContext* context,
                                          const v1::ReadRegistersRequest* request,
                                          v1::ReadRegistersResponse* response) override;
  grpc::ServerWriteReactor<v1::Event>* StreamEvents(
      grpc::CallbackServerContext* context, const v1::StreamEventsRequest* request) override;
  // Asked of vmuc-mesh's MeshControl (set_mesh_control); pass-through mode has no radio
  // to show: FAILED_PRECONDITION.
  grpc::ServerUnaryReactor* GetMeshTopology(grpc::CallbackServerContext* context,
                                            const v1::GetMeshTopologyRequest* request,
                                            v1::MeshTopology* response) override;
  grpc::ServerUnaryReactor* InjectMeshFault(grpc::CallbackServerContext* context,
                                            const v1::MeshFault* request,
                                            v1::InjectMeshFaultResponse* response) override;
  // Streams the stored entries in chunks (LoadProfileChunk), read from the store page by
  // page as the client takes them.
  grpc::ServerWriteReactor<v1::LoadProfileChunk>* ReadLoadProfile(
      grpc::CallbackServerContext* context, const v1::ReadLoadProfileRequest* request) override;
  grpc::ServerUnaryReactor* GetGatewayStatus(grpc::CallbackServerContext* context,
                                             const v1::GetGatewayStatusRequest* request,
                                             v1::GatewayStatus* response) override;
  // Streams the stored billing periods of a meter (one message each), read from the store
  // page by page as the client takes them.
  grpc::ServerWriteReactor<v1::BillingPeriod>* ReadBillingPeriods(
      grpc::CallbackServerContext* context, const v1::ReadBillingPeriodsRequest* request) override;
  // The channel to vmuc-mesh (its Unix socket); unset: the mesh calls are UNAVAILABLE.
  void set_mesh_control(std::shared_ptr<grpc::ChannelInterface> channel) {
    mesh_control_ = link::MeshControl::NewStub(std::move(channel));
  }

 private:
  grpc::ServerUnaryReactor* ReadLive(grpc::CallbackServerContext* context, const MeterRecord& meter,
                                     const v1::ReadRegistersRequest* request,
                                     v1::ReadRegistersResponse* response);

  // OK or the ApiAuth's refusal: the first thing every handler asks.
  grpc::Status Admit(const grpc::CallbackServerContext& context) const;

  Store& store_;
  EventHub& hub_;
  DlmsReader* live_reader_ = nullptr;
  const ApiAuth* auth_ = nullptr;
  GatewayIdentity identity_;
  std::function<LiveFigures()> live_figures_;
  std::unique_ptr<link::MeshControl::Stub> mesh_control_;
};

// Shared with the collector: the API's view of stored records.
void ToProto(const MeterRecord& record, v1::Meter* meter);
void ToProto(const RegisterRecord& record, v1::RegisterValue* value);
void ToProto(const BillingPeriodRecord& record, v1::BillingPeriod* period);
// With the code's name and whether it is an alarm, from the meters' event catalogue
// (meters/loggers/event_log.h).
void ToProto(const MeterEventRecord& record, v1::MeterEvent* event);
void ToTimestampOf(TimePoint t, google::protobuf::Timestamp* timestamp);
TimePoint TimePointOf(const google::protobuf::Timestamp& timestamp);
// The event reporting a meter's new register values (the collector's "readings" event),
// stamped with the first value's capture time.
v1::Event ReadingsEventOf(const std::string& meter_id,
                          const std::vector<RegisterRecord>& registers);

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_API_GATEWAY_SERVICE_H_
