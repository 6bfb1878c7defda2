// GatewayService: the public gRPC API vmuc.v1.Gateway (proto/vmuc/v1/gateway.proto).
//
// Answers from the store (a read connection of its own) and follows new events through
// the EventHub. Uses gRPC's callback API: handlers run on gRPC's threads and never block
// on anything but SQLite reads. Bad requests get INVALID_ARGUMENT naming the field.
#ifndef VMUC_GATEWAY_API_GATEWAY_SERVICE_H_
#define VMUC_GATEWAY_API_GATEWAY_SERVICE_H_

#include "gateway/api/event_hub.h"
#include "gateway/collector/dlms_reader.h"
#include "gateway/store/store.h"
#include "vmuc/link/frames.grpc.pb.h"
#include "vmuc/v1/gateway.grpc.pb.h"

namespace vmuc::gateway {

class GatewayService final : public v1::Gateway::CallbackService {
 public:
  // Both must outlive the service and the server that serves it.
  GatewayService(Store& store, EventHub& hub) : store_(store), hub_(hub) {}
  // Live reads (ReadRegisters with live) go through `reader`; nullptr: UNAVAILABLE.
  void set_live_reader(DlmsReader* reader) { live_reader_ = reader; }

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
  // The channel to vmuc-mesh (its Unix socket); unset: the mesh calls are UNAVAILABLE.
  void set_mesh_control(std::shared_ptr<grpc::ChannelInterface> channel) {
    mesh_control_ = link::MeshControl::NewStub(std::move(channel));
  }

 private:
  grpc::ServerUnaryReactor* ReadLive(grpc::CallbackServerContext* context, const MeterRecord& meter,
                                     const v1::ReadRegistersRequest* request,
                                     v1::ReadRegistersResponse* response);

  Store& store_;
  EventHub& hub_;
  DlmsReader* live_reader_ = nullptr;
  std::unique_ptr<link::MeshControl::Stub> mesh_control_;
};

// Shared with the collector: the API's view of stored records.
void ToProto(const MeterRecord& record, v1::Meter* meter);
void ToProto(const RegisterRecord& record, v1::RegisterValue* value);
void ToTimestampOf(TimePoint t, google::protobuf::Timestamp* timestamp);

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_API_GATEWAY_SERVICE_H_
