// API security: who may call vmuc.v1, and over what (docs/api.md).
//
// Two layers. TLS (a server certificate; optionally a client CA, which makes every
// connection present a certificate that CA signed: mutual TLS) protects the connection.
// ApiAuth decides per call: every vmuc.v1 handler asks ApiAuth::Check, which lets a call
// through when it came over a verified client certificate or carries the metadata
// "authorization: Bearer <token>" with a token of the tokens file.
//
// With no tokens file and no client CA the API is open: allowed on a loopback address
// (today's default) or with [gateway] allow_plaintext_non_loopback (a development
// container); the config loader (common/config.cc) refuses every other combination.
//
// The gRPC health service and server reflection never call Check: load balancers,
// container health checks and probes reach them without secrets, and they say nothing
// about meters (only whether the server serves, and the API's schema, which is public).
//
// Ownership and threads: ApiAuth is immutable once built; Check runs on gRPC's threads,
// any number at a time. StartApiServer's ApiServer owns the ApiAuth the service points at:
// keep it until the server has shut down. Tokens never appear in any message or log.
#ifndef VMUC_GATEWAY_API_API_SECURITY_H_
#define VMUC_GATEWAY_API_API_SECURITY_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/config.h"

namespace vmuc::gateway {

class GatewayService;

// One line of the tokens file: who (for the operator: which token to revoke) and the
// secret itself.
struct ApiToken {
  std::string name;
  std::string token;
};

// Tokens shorter than this are refused: a bearer token is a password sent on every call,
// and 16 characters of `openssl rand -hex 32` style randomness are the least we accept.
inline constexpr size_t kMinTokenChars = 16;

// Parses the text of a tokens file: one "NAME TOKEN" pair per line, separated by blanks;
// '#' starts a comment (tokens cannot contain it); blank lines are skipped. Names are
// letters, digits and . _ @ -; tokens are RFC 6750 b64token characters, at least
// kMinTokenChars long. Refuses a line without both fields or with more, a bad character,
// a short token, a name or token seen before and a file without any token, as
// InvalidArgument "SOURCE:LINE: what" (never quoting a token).
absl::StatusOr<std::vector<ApiToken>> ParseApiTokens(std::string_view text,
                                                     std::string_view source);
// Reads and parses the file at `path`; refuses (PermissionDenied, naming the file and
// its mode) a file that group or others may read or write, as ssh does a key.
absl::StatusOr<std::vector<ApiToken>> LoadApiTokensFile(const std::string& path);

// The per-call check.
class ApiAuth {
 public:
  // Open: every call passes.
  ApiAuth() = default;
  // `client_certificates`: the server requires and verifies client certificates (mutual
  // TLS), so a call that came with one is authenticated without a token.
  ApiAuth(std::vector<ApiToken> tokens, bool client_certificates);

  bool open() const { return tokens_.empty() && !client_certificates_; }

  // OK, or UNAUTHENTICATED saying whether the authorization metadata was missing or not
  // accepted. Compares the token with every configured one in constant time (its length
  // aside), so the timing tells nothing about how much of a guess was right.
  grpc::Status Check(const grpc::ServerContextBase& context) const;

 private:
  std::vector<ApiToken> tokens_;
  bool client_certificates_ = false;
};

// How the server is secured, from [gateway] (common/config.h).
struct ApiSecurity {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  std::unique_ptr<ApiAuth> auth;
  std::string summary;  // for the start-up log: "TLS, client certificates, 2 tokens"
};
// Reads the files [gateway] names (tokens, certificate, key, client CA). Errors name the
// file, and the line for the tokens file. The private key, like the tokens file, must not
// be readable by others (group is allowed: Debian's ssl-cert group convention).
absl::StatusOr<ApiSecurity> MakeApiSecurity(const GatewaySection& gateway);

struct ApiServer {
  std::unique_ptr<ApiAuth> auth;  // the service checks its calls with it
  std::unique_ptr<grpc::Server> server;
  int port = 0;  // the bound port (the one asked for, or the one picked for port 0)
  std::string summary;
};
// Builds and starts the gRPC server on gateway.grpc_listen, serving `service` and the
// standard health service, secured by MakeApiSecurity. Server reflection is added by the
// caller (grpc::reflection::InitProtoReflectionServerBuilderPlugin before this call), as
// only the gateway's executable links it. `service` must outlive the returned server.
absl::StatusOr<ApiServer> StartApiServer(const GatewaySection& gateway, GatewayService& service);

// Constant-time equality of a presented secret and an expected one: the time depends on
// the presented length only. Exposed for its test.
bool SecretEquals(std::string_view presented, std::string_view expected);

// A secret's whole file (a password, a token list): PermissionDenied when group or others
// may read it (naming the mode and the chmod that fixes it), InvalidArgument when empty.
absl::StatusOr<std::string> ReadPrivateFile(const std::string& path, std::string_view what);

}  // namespace vmuc::gateway

#endif  // VMUC_GATEWAY_API_API_SECURITY_H_
