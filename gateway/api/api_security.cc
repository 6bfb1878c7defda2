#include "gateway/api/api_security.h"

#include <grpc/grpc_security_constants.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/listen_address.h"
#include "common/status.h"
#include "common/strings.h"
#include "gateway/api/gateway_service.h"

namespace vmuc::gateway {
namespace {

namespace fs = std::filesystem;

// RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("-._~+/=").find(c) != std::string_view::npos;
}

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("._@-").find(c) != std::string_view::npos;
}

// The permission bits of a regular file.
absl::StatusOr<fs::perms> Permissions(const std::string& path) {
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (error) return absl::NotFoundError(absl::StrCat(path, ": ", error.message()));
  if (!fs::is_regular_file(status)) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": not a regular file"));
  }
  return status.permissions();
}

// The whole file; `forbidden` permission bits set on it are refused, naming the mode.
absl::StatusOr<std::string> ReadFile(const std::string& path, std::string_view what,
                                     fs::perms forbidden, std::string_view who) {
  VMUC_ASSIGN_OR_RETURN(const fs::perms perms, Permissions(path));
  if ((perms & forbidden) != fs::perms::none) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "%s: %s may be read by %s (mode %04o); chmod %s it", path, AsAbsl(what), AsAbsl(who),
        static_cast<unsigned>(perms & fs::perms::mask),
        forbidden == (fs::perms::group_all | fs::perms::others_all) ? "600" : "640"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": cannot read ", AsAbsl(what), ": ", std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", AsAbsl(what), " is empty"));
  }
  return text.str();
}

// A readable message for a PEM file that is not one, before gRPC's handshake-time error.
absl::Status CheckPem(const std::string& path, const std::string& text, std::string_view kind) {
  if (!absl::StrContains(text, absl::StrCat("-----BEGIN ")) ||
      !absl::StrContains(text, AsAbsl(kind))) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a PEM file with a ", AsAbsl(kind), " block"));
  }
  return absl::OkStatus();
}

}  // namespace

bool SecretEquals(std::string_view presented, std::string_view expected) {
  if (expected.empty()) return false;
  // Every presented byte is folded in against the expected secret (cycled), and the length
  // difference last: no branch or early exit depends on either secret's content.
  unsigned diff = presented.size() == expected.size() ? 0u : 1u;
  for (size_t i = 0; i < presented.size(); ++i) {
    diff |= static_cast<unsigned char>(presented[i]) ^
            static_cast<unsigned char>(expected[i % expected.size()]);
  }
  return diff == 0;
}

absl::StatusOr<std::vector<ApiToken>> ParseApiTokens(std::string_view text_view,
                                                     std::string_view source_view) {
  const absl::string_view source = AsAbsl(source_view);
  std::vector<ApiToken> tokens;
  std::set<std::string, std::less<>> names;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(AsAbsl(text_view), '\n')) {
    ++line_number;
    auto fail = [&](absl::string_view what) {
      return absl::InvalidArgumentError(absl::StrCat(source, ":", line_number, ": ", what));
    };
    line = line.substr(0, line.find('#'));
    const std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (fields.empty()) continue;
    if (fields.size() != 2) {
      return fail(fields.size() == 1 ? "expected NAME TOKEN, found one field"
                                     : "expected NAME TOKEN, found more than two fields");
    }
    const absl::string_view name = fields[0];
    const absl::string_view token = fields[1];
    if (!std::all_of(name.begin(), name.end(), IsNameChar)) {
      return fail(absl::StrCat("name '", name, "': use letters, digits and . _ @ -"));
    }
    if (!std::all_of(token.begin(), token.end(), IsTokenChar)) {
      return fail(absl::StrCat("token of '", name,
                               "': use letters, digits and - . _ ~ + / = (RFC 6750 b64token)"));
    }
    if (token.size() < kMinTokenChars) {
      return fail(absl::StrCat("token of '", name, "' has ", token.size(),
                               " characters; use at least ", kMinTokenChars,
                               " (e.g. openssl rand -hex 32)"));
    }
    if (names.contains(name)) return fail(absl::StrCat("name '", name, "' appears twice"));
    for (const ApiToken& seen : tokens) {
      // Two names for one secret would make revoking one of them revoke neither.
      if (seen.token == token) {
        return fail(absl::StrCat("token of '", name, "' is also the token of '", seen.name, "'"));
      }
    }
    names.emplace(name);
    tokens.push_back({std::string(name), std::string(token)});
  }
  if (tokens.empty()) {
    // An empty file must not read as "no tokens needed".
    return absl::InvalidArgumentError(
        absl::StrCat(source, ":", line_number, ": no token (lines read NAME TOKEN)"));
  }
  return tokens;
}

absl::StatusOr<std::string> ReadPrivateFile(const std::string& path, std::string_view what) {
  return ReadFile(path, what, fs::perms::group_all | fs::perms::others_all, "group or others");
}

absl::StatusOr<std::vector<ApiToken>> LoadApiTokensFile(const std::string& path) {
  VMUC_ASSIGN_OR_RETURN(const std::string text, ReadPrivateFile(path, "the tokens file"));
  return ParseApiTokens(text, path);
}

ApiAuth::ApiAuth(std::vector<ApiToken> tokens, bool client_certificates)
    : tokens_(std::move(tokens)), client_certificates_(client_certificates) {}

grpc::Status ApiAuth::Check(const grpc::ServerContextBase& context) const {
  if (open()) return grpc::Status::OK;
  if (client_certificates_) {
    // The server required and verified a client certificate in the handshake (mutual TLS):
    // its presence on this call's connection is the authentication.
    const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
    if (auth != nullptr && (auth->IsPeerAuthenticated() ||
                            !auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME).empty())) {
      return grpc::Status::OK;
    }
  }
  const auto& metadata = context.client_metadata();
  const auto found = metadata.find("authorization");
  if (found == metadata.end()) {
    return {grpc::StatusCode::UNAUTHENTICATED,
            "authorization: missing; send the metadata \"authorization: Bearer <token>\""};
  }
  absl::string_view value(found->second.data(), found->second.size());
  // RFC 6750 2.1: "Bearer" 1*SP b64token; the scheme is case-insensitive (RFC 7235 2.1).
  constexpr absl::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return {grpc::StatusCode::UNAUTHENTICATED,
            "authorization: not accepted: expected \"Bearer <token>\""};
  }
  const absl::string_view token = absl::StripAsciiWhitespace(value.substr(kScheme.size()));
  bool accepted = false;
  // Every token is compared, whatever matched before: the time does not say which one did.
  for (const ApiToken& candidate : tokens_) {
    accepted |= SecretEquals(AsStd(token), candidate.token);
  }
  if (!accepted) {
    return {grpc::StatusCode::UNAUTHENTICATED, "authorization: bearer token not accepted"};
  }
  return grpc::Status::OK;
}

absl::StatusOr<ApiSecurity> MakeApiSecurity(const GatewaySection& gateway) {
  ApiSecurity security;
  std::vector<ApiToken> tokens;
  if (!gateway.api_tokens_file.empty()) {
    VMUC_ASSIGN_OR_RETURN(tokens, LoadApiTokensFile(gateway.api_tokens_file));
  }
  const size_t token_count = tokens.size();
  const bool client_certificates = !gateway.tls_client_ca_file.empty();
  if (gateway.TlsConfigured()) {
    VMUC_ASSIGN_OR_RETURN(const std::string cert, ReadFile(gateway.tls_cert_file, "the certificate",
                                                           fs::perms::none, "anyone"));
    VMUC_RETURN_IF_ERROR(CheckPem(gateway.tls_cert_file, cert, "CERTIFICATE"));
    VMUC_ASSIGN_OR_RETURN(const std::string key, ReadFile(gateway.tls_key_file, "the private key",
                                                          fs::perms::others_all, "others"));
    VMUC_RETURN_IF_ERROR(CheckPem(gateway.tls_key_file, key, "PRIVATE KEY"));
    grpc::SslServerCredentialsOptions options(
        client_certificates ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                            : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    options.pem_key_cert_pairs.push_back({key, cert});
    if (client_certificates) {
      VMUC_ASSIGN_OR_RETURN(
          options.pem_root_certs,
          ReadFile(gateway.tls_client_ca_file, "the client CA", fs::perms::none, "anyone"));
      VMUC_RETURN_IF_ERROR(
          CheckPem(gateway.tls_client_ca_file, options.pem_root_certs, "CERTIFICATE"));
    }
    security.credentials = grpc::SslServerCredentials(options);
  } else {
    security.credentials = grpc::InsecureServerCredentials();
  }
  security.auth = std::make_unique<ApiAuth>(std::move(tokens), client_certificates);
  security.summary =
      absl::StrCat(gateway.TlsConfigured() ? "TLS" : "plain text",
                   client_certificates ? ", client certificates" : "",
                   token_count > 0 ? absl::StrCat(", ", token_count, " token(s)") : "",
                   security.auth->open() ? ", no authentication" : "");
  return security;
}

absl::StatusOr<ApiServer> StartApiServer(const GatewaySection& gateway, GatewayService& service) {
  VMUC_ASSIGN_OR_RETURN(ApiSecurity security, MakeApiSecurity(gateway));
  if (!gateway.TlsConfigured() && !security.auth->open() &&
      !CheckListenAddress(gateway.grpc_listen).ok()) {
    spdlog::warn("gRPC: bearer tokens cross the network in plain text on {}: configure TLS",
                 gateway.grpc_listen);
  }
  // Set before the server starts: no call may ever run unchecked.
  service.set_auth(security.auth.get());
  // The standard grpc.health.v1 service: probes ask it without credentials.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  ApiServer api;
  builder.AddListeningPort(gateway.grpc_listen, security.credentials, &api.port);
  builder.RegisterService(&service);
  api.server = builder.BuildAndStart();
  if (api.server == nullptr || api.port == 0) {
    service.set_auth(nullptr);  // the ApiAuth goes with `security`; nothing serves the service
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", gateway.grpc_listen, " for gRPC",
                     gateway.TlsConfigured() ? " (or gRPC refused the certificate and key)" : ""));
  }
  api.auth = std::move(security.auth);
  api.summary = std::move(security.summary);
  return api;
}

}  // namespace vmuc::gateway
