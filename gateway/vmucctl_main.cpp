// vmucctl: the command-line client of the vmuc.v1 gRPC API.
// Exit codes: 0 ok, 2 bad arguments, 3 not found, 4 gateway unreachable, 5 not
// authenticated (no token, or one the gateway does not accept), 1 anything else.
// Credentials: --token, else --token-file, else $VMUCCTL_TOKEN, sent as the metadata
// "authorization: Bearer <token>"; TLS when --tls-ca or --tls-cert is given
// (docs/api.md).
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <tuple>

#include "common/version.h"
#include "gateway/ctl/ctl_format.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "radio_mesh/mesh_proto.h"
#include "radio_mesh/topology_render.h"
#include "vmuc/v1/gateway.grpc.pb.h"

namespace {

int ExitCodeFor(const grpc::Status& status) {
  std::cerr << "vmucctl: " << status.error_message() << " (" << status.error_code() << ")\n";
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      return 2;
    case grpc::StatusCode::NOT_FOUND:
      return 3;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 4;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 5;
    default:
      return 1;
  }
}

std::string Json(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

// Every call's context: the caller's token, and a 10 s deadline for a call that answers
// once (a stream runs as long as it has something to say).
class CallSetup {
 public:
  explicit CallSetup(std::string token) : token_(std::move(token)) {}
  void Prepare(grpc::ClientContext& context, bool deadline = true) const {
    if (deadline) {
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    }
    if (!token_.empty()) context.AddMetadata("authorization", "Bearer " + token_);
  }

 private:
  const std::string token_;
};

// A file's text; `secret`: refused when group or others may read it (as ssh does a key).
absl::StatusOr<std::string> ReadFileText(const std::string& path, bool secret) {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::perms perms = fs::status(path, error).permissions();
  if (error) return absl::NotFoundError(path + ": " + error.message());
  if (secret && (perms & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none) {
    return absl::PermissionDeniedError(path + ": group or others may read it; chmod 600 it");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return absl::NotFoundError(path + ": cannot read it");
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vmuc;
  CLI::App app{"vmucctl: query a vmuc gateway"};
  app.require_subcommand(1);
  std::string server = "127.0.0.1:50051";
  bool json = false;
  app.add_option("-s,--server", server, "gateway gRPC address")->capture_default_str();
  app.add_flag("--json", json, "print JSON (one object per line) instead of tables");
  std::string token;
  std::string token_file;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  app.add_option("--token", token,
                 "bearer token for the API (visible to other users in the process list: "
                 "prefer --token-file or VMUCCTL_TOKEN)");
  app.add_option("--token-file", token_file,
                 "file holding the bearer token (mode 600); default: $VMUCCTL_TOKEN")
      ->excludes("--token");
  app.add_option("--tls-ca", tls_ca,
                 "connect with TLS, trusting the CA certificates (PEM) in this file");
  auto* tls_key_option =
      app.add_option("--tls-key", tls_key, "the client certificate's private key (PEM)");
  app.add_option("--tls-cert", tls_cert,
                 "connect with TLS, presenting this client certificate (PEM): mutual TLS")
      ->needs(tls_key_option);
  tls_key_option->needs("--tls-cert");
  app.set_version_flag("--version", std::string("vmucctl ") + kVersion);

  auto* meters_cmd = app.add_subcommand("meters", "list the meters the gateway knows");
  auto* read_cmd = app.add_subcommand("read", "latest register values of a meter");
  std::string meter_id;
  std::vector<std::string> obis;
  read_cmd->add_option("meter", meter_id, "16-digit meter number")->required();
  read_cmd->add_option("-o,--obis", obis, "OBIS code(s), e.g. 1.1.1.8.0.255 (default: all)");
  bool live = false;
  read_cmd->add_flag("--live", live,
                     "read the meter now over DLMS instead of the store (needs --obis)");
  auto* meter_cmd = app.add_subcommand("meter", "one meter: node address, first and last seen");
  meter_cmd->add_option("meter", meter_id, "16-digit meter number")->required();
  auto* profile_cmd =
      app.add_subcommand("profile", "a meter's stored load profile between two times");
  std::string from_text;
  std::string to_text;
  bool csv = false;
  profile_cmd->add_option("meter", meter_id, "16-digit meter number")->required();
  profile_cmd->add_option("--from", from_text, "first capture time, e.g. 2026-01-01T00:00:00Z")
      ->required();
  profile_cmd->add_option("--to", to_text, "last capture time (inclusive)")->required();
  profile_cmd->add_flag("--csv", csv, "CSV: captured_at,status,<obis>... (streamed)");
  auto* billing_cmd = app.add_subcommand(
      "billing", "a meter's stored billing periods (debiting period ends) between two times");
  billing_cmd->add_option("meter", meter_id, "16-digit meter number")->required();
  billing_cmd->add_option("--from", from_text, "first period end, e.g. 2026-01-01T00:00:00Z")
      ->required();
  billing_cmd->add_option("--to", to_text, "last period end (inclusive)")->required();
  billing_cmd->add_flag("--csv", csv, "CSV: captured_at,obis,value,scaler,unit,value_at");
  auto* status_cmd = app.add_subcommand("status", "the gateway: version, uptime, meters, figures");
  auto* health_cmd = app.add_subcommand(
      "health", "ask the gateway's gRPC health service (grpc.health.v1): SERVING exits 0");
  auto* events_cmd = app.add_subcommand("events", "gateway events");
  bool follow = false;
  uint64_t after = 0;
  events_cmd->add_flag("-f,--follow", follow, "keep printing new events");
  events_cmd->add_option("--after", after, "start after this sequence number");

  auto* topology_cmd = app.add_subcommand(
      "topology", "the radio mesh: a table per node, or a picture (--svg, --dot)");
  std::string svg_path;
  bool dot = false;
  bool all_links = false;
  topology_cmd->add_option("--svg", svg_path, "write an SVG picture to this file (- : stdout)");
  topology_cmd->add_flag("--dot", dot, "print Graphviz DOT (render with neato -n2 -Tsvg)");
  topology_cmd->add_flag("--all-links", all_links, "also draw links no route uses");
  auto* fault_cmd = app.add_subcommand(
      "mesh-fault",
      "apply a fault to the simulated mesh: kill NODE | revive NODE | degrade NODE PEER DB | "
      "partition X0 Y0 X1 Y1 | heal | restart-collector");
  std::vector<std::string> fault_args;
  fault_cmd->add_option("fault", fault_args, "the action and its arguments")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : 2;
  }

  // --token, else --token-file, else the environment.
  if (!token_file.empty()) {
    auto text = ReadFileText(token_file, /*secret=*/true);
    auto parsed = text.ok() ? gateway::ParseTokenFile(*text) : text.status();
    if (!parsed.ok()) {
      std::cerr << "vmucctl: --token-file: " << token_file << ": " << parsed.status().message()
                << "\n";
      return 2;
    }
    token = *parsed;
  } else if (token.empty()) {
    if (const char* env = std::getenv("VMUCCTL_TOKEN"); env != nullptr) token = env;
  }
  const CallSetup calls(token);

  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!tls_ca.empty() || !tls_cert.empty()) {
    grpc::SslCredentialsOptions tls;  // no --tls-ca: the system's CA certificates
    for (auto [option, path, out, secret] :
         {std::tuple{"--tls-ca", &tls_ca, &tls.pem_root_certs, false},
          std::tuple{"--tls-cert", &tls_cert, &tls.pem_cert_chain, false},
          std::tuple{"--tls-key", &tls_key, &tls.pem_private_key, true}}) {
      if (path->empty()) continue;
      auto text = ReadFileText(*path, secret);
      if (!text.ok()) {
        std::cerr << "vmucctl: " << option << ": " << text.status().message() << "\n";
        return 2;
      }
      *out = *text;
    }
    credentials = grpc::SslCredentials(tls);
  }
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(radio_mesh::kMaxTopologyBytes);
  auto channel = grpc::CreateCustomChannel(server, credentials, arguments);
  if (*health_cmd) {
    // The probe of the Docker health check and the package's tests: the standard
    // protocol, so any other gRPC health prober gets the same answer.
    auto health = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext context;
    calls.Prepare(context);
    grpc::health::v1::HealthCheckResponse response;
    const grpc::Status status = health->Check(&context, {}, &response);
    if (!status.ok()) return ExitCodeFor(status);
    std::cout << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status())
              << "\n";
    return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
  }
  auto stub = v1::Gateway::NewStub(channel);

  if (*meters_cmd) {
    std::vector<v1::Meter> all;
    v1::ListMetersRequest request;
    do {
      grpc::ClientContext context;
      calls.Prepare(context);
      v1::ListMetersResponse response;
      const grpc::Status status = stub->ListMeters(&context, request, &response);
      if (!status.ok()) return ExitCodeFor(status);
      for (auto& meter : *response.mutable_meters()) all.push_back(std::move(meter));
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    if (json) {
      for (const auto& meter : all) std::cout << Json(meter) << "\n";
    } else {
      std::cout << gateway::MetersTable(all);
    }
    return 0;
  }
  if (*read_cmd) {
    grpc::ClientContext context;
    calls.Prepare(context);
    v1::ReadRegistersRequest request;
    request.set_meter_id(meter_id);
    for (const auto& code : obis) request.add_obis(code);
    request.set_live(live);
    v1::ReadRegistersResponse response;
    const grpc::Status status = stub->ReadRegisters(&context, request, &response);
    if (!status.ok()) return ExitCodeFor(status);
    std::cout << (json ? Json(response) + "\n" : gateway::RegistersTable(response));
    return 0;
  }
  if (*topology_cmd) {
    grpc::ClientContext context;
    calls.Prepare(context);
    v1::GetMeshTopologyRequest request;
    request.set_all_links(all_links);
    v1::MeshTopology response;
    const grpc::Status status = stub->GetMeshTopology(&context, request, &response);
    if (!status.ok()) return ExitCodeFor(status);
    const radio_mesh::MeshSnapshot snapshot = radio_mesh::FromProto(response);
    const radio_mesh::RenderOptions render{.all_links = all_links, .width_px = 1000, .title = {}};
    if (!svg_path.empty()) {
      const std::string svg = radio_mesh::RenderSvg(snapshot, render);
      if (svg_path == "-") {
        std::cout << svg;
      } else {
        std::ofstream out(svg_path, std::ios::binary | std::ios::trunc);
        out << svg;
        if (!out.flush()) {
          std::cerr << "vmucctl: topology --svg: cannot write " << svg_path << "\n";
          return 1;
        }
      }
      return 0;
    }
    if (dot) {
      std::cout << radio_mesh::RenderDot(snapshot, render);
    } else if (json) {
      std::cout << Json(response) << "\n";
    } else {
      std::cout << radio_mesh::RenderTable(snapshot);
    }
    return 0;
  }
  if (*fault_cmd) {
    auto request = gateway::ParseMeshFault(fault_args);
    if (!request.ok()) {
      std::cerr << "vmucctl: mesh-fault: " << request.status().message() << "\n";
      return 2;
    }
    grpc::ClientContext context;
    calls.Prepare(context);
    v1::InjectMeshFaultResponse response;
    const grpc::Status status = stub->InjectMeshFault(&context, *request, &response);
    if (!status.ok()) return ExitCodeFor(status);
    std::cout << (json ? Json(response) + "\n" : "applied\n");
    return 0;
  }
  if (*meter_cmd) {
    grpc::ClientContext context;
    calls.Prepare(context);
    v1::GetMeterRequest request;
    request.set_meter_id(meter_id);
    v1::Meter response;
    const grpc::Status status = stub->GetMeter(&context, request, &response);
    if (!status.ok()) return ExitCodeFor(status);
    std::cout << (json ? Json(response) + "\n" : gateway::MetersTable({response}));
    return 0;
  }
  if (*status_cmd) {
    grpc::ClientContext context;
    calls.Prepare(context);
    v1::GatewayStatus response;
    const grpc::Status status = stub->GetGatewayStatus(&context, {}, &response);
    if (!status.ok()) return ExitCodeFor(status);
    std::cout << (json ? Json(response) + "\n" : gateway::StatusTable(response));
    return 0;
  }
  if (*profile_cmd) {
    v1::ReadLoadProfileRequest request;
    request.set_meter_id(meter_id);
    for (auto [option, text, out] : {std::tuple{"--from", &from_text, request.mutable_from_time()},
                                     std::tuple{"--to", &to_text, request.mutable_to_time()}}) {
      auto parsed = gateway::ParseTimeOption(option, *text);
      if (!parsed.ok()) {
        std::cerr << "vmucctl: profile: " << parsed.status().message() << "\n";
        return 2;
      }
      *out = *parsed;
    }
    grpc::ClientContext context;
    calls.Prepare(context, /*deadline=*/false);  // a long range streams for a while
    auto reader = stub->ReadLoadProfile(&context, request);
    v1::LoadProfileChunk chunk;
    gateway::ProfileCsv profile_csv;
    std::vector<v1::LoadProfileChunk> chunks;  // the table needs every row for its widths
    while (reader->Read(&chunk)) {
      if (json) {
        std::cout << Json(chunk) << "\n";
      } else if (csv) {
        auto lines = profile_csv.Add(chunk);
        if (!lines.ok()) {
          context.TryCancel();
          std::cout.flush();
          std::cerr << "vmucctl: profile: " << lines.status().message() << "\n";
          return 1;
        }
        std::cout << *lines;
      } else {
        chunks.push_back(chunk);
      }
    }
    const grpc::Status status = reader->Finish();
    if (!status.ok()) return ExitCodeFor(status);
    if (json) return 0;
    std::cout << (csv ? profile_csv.Finish() : gateway::ProfileTable(chunks));
    std::cout.flush();
    return std::cout ? 0 : 1;
  }
  if (*billing_cmd) {
    v1::ReadBillingPeriodsRequest request;
    request.set_meter_id(meter_id);
    for (auto [option, text, out] : {std::tuple{"--from", &from_text, request.mutable_from_time()},
                                     std::tuple{"--to", &to_text, request.mutable_to_time()}}) {
      auto parsed = gateway::ParseTimeOption(option, *text);
      if (!parsed.ok()) {
        std::cerr << "vmucctl: billing: " << parsed.status().message() << "\n";
        return 2;
      }
      *out = *parsed;
    }
    grpc::ClientContext context;
    calls.Prepare(context, /*deadline=*/false);  // a fleet's years of periods stream a while
    auto reader = stub->ReadBillingPeriods(&context, request);
    v1::BillingPeriod period;
    std::vector<v1::BillingPeriod> periods;  // the table needs every row for its widths
    if (csv && !json) std::cout << gateway::BillingCsvHeader();
    while (reader->Read(&period)) {
      if (json) {
        std::cout << Json(period) << "\n";
      } else if (csv) {
        std::cout << gateway::BillingCsvLines(period);
      } else {
        periods.push_back(period);
      }
    }
    const grpc::Status status = reader->Finish();
    if (!status.ok()) return ExitCodeFor(status);
    if (!json && !csv) std::cout << gateway::BillingTable(periods);
    std::cout.flush();
    return std::cout ? 0 : 1;
  }
  // events
  grpc::ClientContext context;
  calls.Prepare(context, /*deadline=*/!follow);
  v1::StreamEventsRequest request;
  request.set_after_sequence(after);
  request.set_no_follow(!follow);
  auto reader = stub->StreamEvents(&context, request);
  v1::Event event;
  while (reader->Read(&event)) {
    std::cout << (json ? Json(event) : gateway::EventLine(event)) << std::endl;
  }
  const grpc::Status status = reader->Finish();
  return status.ok() ? 0 : ExitCodeFor(status);
}
