// API security over real gRPC channels on loopback: the tokens file, bearer tokens, TLS
// with a certificate made here with OpenSSL, mutual TLS, and the open health service.
#include "gateway/api/api_security.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "gateway/api/gateway_service.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/integration/test_process.h"

namespace vmuc::gateway {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr char kAliceToken[] = "alice-0123456789abcdef";
constexpr char kBobToken[] = "bob-fedcba9876543210";

// --- Certificates, made with OpenSSL's C API -------------------------------------------

struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertDeleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using Cert = std::unique_ptr<X509, CertDeleter>;

// A key pair and its certificate, also as PEM.
struct Identity {
  Key key;
  Cert cert;
  std::string key_pem;
  std::string cert_pem;
};

std::string Drain(BIO* bio) {
  std::string text(BIO_ctrl_pending(bio), '\0');
  const int read = BIO_read(bio, text.data(), static_cast<int>(text.size()));
  text.resize(read > 0 ? static_cast<size_t>(read) : 0);
  return text;
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  ASSERT_NE(extension, nullptr) << value;
  X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
}

// A P-256 key and a certificate for `common_name`, signed by `issuer` (self-signed when
// null). A CA gets CA:TRUE; a leaf gets localhost and 127.0.0.1 as names and may serve and
// be a client.
Identity MakeIdentity(const std::string& common_name, const Identity* issuer, bool ca) {
  static long serial = 1;
  Identity identity;
  identity.key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  EXPECT_NE(identity.key, nullptr);
  identity.cert.reset(X509_new());
  X509* cert = identity.cert.get();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86'400);
  X509_set_pubkey(cert, identity.key.get());
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509* issuer_cert = issuer != nullptr ? issuer->cert.get() : cert;
  X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert));
  AddExtension(cert, issuer_cert, NID_subject_key_identifier, "hash");
  if (ca) {
    AddExtension(cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(cert, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExtension(cert, issuer_cert, NID_basic_constraints, "CA:FALSE");
    AddExtension(cert, issuer_cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    AddExtension(cert, issuer_cert, NID_ext_key_usage, "serverAuth,clientAuth");
    AddExtension(cert, issuer_cert, NID_authority_key_identifier, "keyid");
  }
  EVP_PKEY* signing_key = issuer != nullptr ? issuer->key.get() : identity.key.get();
  EXPECT_GT(X509_sign(cert, signing_key, EVP_sha256()), 0);
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  identity.cert_pem = Drain(bio.get());
  PEM_write_bio_PrivateKey(bio.get(), identity.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  identity.key_pem = Drain(bio.get());
  return identity;
}

// --- The fixture ------------------------------------------------------------------------

class ApiSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = *Store::Open(dir_.path() + "/vmuc.db");
    service_ = std::make_unique<GatewayService>(*store_, hub_);
  }
  void TearDown() override {
    if (api_.server) api_.server->Shutdown(std::chrono::system_clock::now() + 1s);
  }

  std::string Write(const std::string& name, const std::string& text,
                    fs::perms perms = fs::perms::owner_read | fs::perms::owner_write) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    fs::permissions(path, perms);
    return path;
  }

  std::string TokensFile() {
    return Write("tokens", absl::StrCat("# who  token\nalice ", kAliceToken, "\nbob   ", kBobToken,
                                        "  # the night shift\n"));
  }

  // Starts the API on a free loopback port with `gateway`'s security.
  void Start(GatewaySection gateway) {
    gateway.grpc_listen = "127.0.0.1:0";
    auto api = StartApiServer(gateway, *service_);
    ASSERT_TRUE(api.ok()) << api.status();
    api_ = std::move(*api);
    ASSERT_NE(api_.port, 0);
  }

  std::shared_ptr<grpc::Channel> Channel(std::shared_ptr<grpc::ChannelCredentials> credentials) {
    grpc::ChannelArguments arguments;
    // The certificates name localhost; the server listens on 127.0.0.1 only.
    arguments.SetSslTargetNameOverride("localhost");
    return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", api_.port), credentials, arguments);
  }

  // ListMeters with `authorization` metadata (none when empty).
  grpc::Status List(const std::shared_ptr<grpc::Channel>& channel,
                    const std::string& authorization) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    if (!authorization.empty()) context.AddMetadata("authorization", authorization);
    v1::ListMetersResponse response;
    return v1::Gateway::NewStub(channel)->ListMeters(&context, {}, &response);
  }

  vmuc::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  EventHub hub_;
  std::unique_ptr<GatewayService> service_;
  ApiServer api_;
};

// --- The tokens file --------------------------------------------------------------------

TEST(ApiTokensTest, ParsesPairsCommentsAndBlankLines) {
  auto tokens = ParseApiTokens(
      "# API tokens\n\nalice  alice-0123456789abcdef\n\tbob\tbob-fedcba9876543210/+=  # x\r\n",
      "t");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  ASSERT_EQ(tokens->size(), 2u);
  EXPECT_EQ((*tokens)[0].name, "alice");
  EXPECT_EQ((*tokens)[0].token, "alice-0123456789abcdef");
  EXPECT_EQ((*tokens)[1].name, "bob");
  EXPECT_EQ((*tokens)[1].token, "bob-fedcba9876543210/+=");
}

TEST(ApiTokensTest, RefusesBadLinesNamingFileAndLineButNeverTheToken) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"alice\n", "t:1: expected NAME TOKEN, found one field"},
      {"# c\nalice tok-0123456789abcdef extra\n", "t:2: expected NAME TOKEN, found more"},
      {"", "t:1: no token"},
      {"# nothing here\n\n", "t:3: no token"},
      {"alice 0123456789abcdef\nbob 0123456789abcdef\n",
       "t:2: token of 'bob' is also the token of 'alice'"},
      {"alice 0123456789abcdef\nalice fedcba9876543210\n", "t:2: name 'alice' appears twice"},
      {"alice short\n", "t:1: token of 'alice' has 5 characters; use at least 16"},
      {"alice 0123456789abcdef\"\n", "t:1: token of 'alice': use letters, digits"},
      {"al/ice 0123456789abcdef\n", "t:1: name 'al/ice': use letters"},
  };
  for (const Case& c : cases) {
    auto tokens = ParseApiTokens(c.text, "t");
    ASSERT_FALSE(tokens.ok()) << c.text;
    EXPECT_EQ(tokens.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(tokens.status().message()).rfind(c.message, 0), 0u)
        << tokens.status().message();
    EXPECT_EQ(std::string(tokens.status().message()).find("0123456789abcdef"), std::string::npos)
        << tokens.status().message();
  }
}

TEST_F(ApiSecurityTest, TokensFileReadableByOthersIsRefused) {
  const std::string path = Write("tokens", absl::StrCat("alice ", kAliceToken, "\n"),
                                 fs::perms::owner_read | fs::perms::owner_write |
                                     fs::perms::group_read | fs::perms::others_read);
  auto tokens = LoadApiTokensFile(path);
  EXPECT_EQ(tokens.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(std::string(tokens.status().message()),
            path + ": the tokens file may be read by group or others (mode 0644); chmod 600 it");
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_TRUE(LoadApiTokensFile(path).ok());
  EXPECT_EQ(LoadApiTokensFile(dir_.path() + "/none").status().code(), absl::StatusCode::kNotFound);

  // The gateway refuses to start on a bad file, naming file and line.
  GatewaySection gateway;
  gateway.grpc_listen = "127.0.0.1:0";
  gateway.api_tokens_file = Write("bad-tokens", "alice\n");
  auto api = StartApiServer(gateway, *service_);
  EXPECT_EQ(std::string(api.status().message()),
            gateway.api_tokens_file + ":1: expected NAME TOKEN, found one field");
}

TEST(SecretEqualsTest, ComparesWholeSecrets) {
  EXPECT_TRUE(SecretEquals("0123456789abcdef", "0123456789abcdef"));
  EXPECT_FALSE(SecretEquals("0123456789abcdeF", "0123456789abcdef"));
  EXPECT_FALSE(SecretEquals("0123456789abcde", "0123456789abcdef"));
  EXPECT_FALSE(SecretEquals("0123456789abcdef0", "0123456789abcdef"));
  EXPECT_FALSE(SecretEquals("0123456789abcdef0123456789abcdef", "0123456789abcdef"));
  EXPECT_FALSE(SecretEquals("", "0123456789abcdef"));
  EXPECT_FALSE(SecretEquals("", ""));
}

// --- Bearer tokens on a plain-text loopback server --------------------------------------

TEST_F(ApiSecurityTest, LoopbackWithoutTokensStaysOpen) {
  Start(GatewaySection());
  EXPECT_TRUE(api_.auth->open());
  EXPECT_EQ(api_.summary, "plain text, no authentication");
  EXPECT_TRUE(List(Channel(grpc::InsecureChannelCredentials()), "").ok());
}

TEST_F(ApiSecurityTest, CallsNeedAnAcceptedBearerToken) {
  GatewaySection gateway;
  gateway.api_tokens_file = TokensFile();
  Start(gateway);
  EXPECT_EQ(api_.summary, "plain text, 2 token(s)");
  auto channel = Channel(grpc::InsecureChannelCredentials());

  grpc::Status missing = List(channel, "");
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(missing.error_message(),
            "authorization: missing; send the metadata \"authorization: Bearer <token>\"");

  const std::string guess = "alice-0123456789abcdeX";
  grpc::Status wrong = List(channel, "Bearer " + guess);
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(wrong.error_message(), "authorization: bearer token not accepted");

  grpc::Status prefix = List(channel, "Bearer alice-0123456789abcde");
  EXPECT_EQ(prefix.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status basic = List(channel, absl::StrCat("Basic ", kAliceToken));
  EXPECT_EQ(basic.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(basic.error_message(), "authorization: not accepted: expected \"Bearer <token>\"");
  EXPECT_EQ(List(channel, "Bearer").error_code(), grpc::StatusCode::UNAUTHENTICATED);

  EXPECT_TRUE(List(channel, absl::StrCat("Bearer ", kAliceToken)).ok());
  EXPECT_TRUE(List(channel, absl::StrCat("bearer ", kBobToken)).ok());  // RFC 7235: any case

  // Streams and the new calls ask too.
  auto stub = v1::Gateway::NewStub(channel);
  {
    grpc::ClientContext context;
    v1::StreamEventsRequest request;
    request.set_no_follow(true);
    auto reader = stub->StreamEvents(&context, request);
    v1::Event event;
    EXPECT_FALSE(reader->Read(&event));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    auto reader = stub->ReadLoadProfile(&context, {});  // refused before it is validated
    v1::LoadProfileChunk chunk;
    EXPECT_FALSE(reader->Read(&chunk));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    v1::GatewayStatus status;
    EXPECT_EQ(stub->GetGatewayStatus(&context, {}, &status).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    grpc::ClientContext with_token;
    with_token.AddMetadata("authorization", absl::StrCat("Bearer ", kBobToken));
    EXPECT_TRUE(stub->GetGatewayStatus(&with_token, {}, &status).ok());
  }
  {
    grpc::ClientContext context;
    v1::InjectMeshFaultResponse response;
    EXPECT_EQ(stub->InjectMeshFault(&context, {}, &response).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }

  // Probes need no token.
  grpc::ClientContext health_context;
  grpc::health::v1::HealthCheckResponse health;
  ASSERT_TRUE(grpc::health::v1::Health::NewStub(channel)->Check(&health_context, {}, &health).ok());
  EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

// --- TLS and mutual TLS -----------------------------------------------------------------

class ApiTlsTest : public ApiSecurityTest {
 protected:
  void SetUp() override {
    ApiSecurityTest::SetUp();
    ca_ = MakeIdentity("vmuc test CA", nullptr, /*ca=*/true);
    server_ = MakeIdentity("localhost", &ca_, /*ca=*/false);
    client_ = MakeIdentity("head-end", &ca_, /*ca=*/false);
  }

  GatewaySection Tls() {
    GatewaySection gateway;
    gateway.tls_cert_file = Write("server.crt", server_.cert_pem, fs::perms::owner_all);
    gateway.tls_key_file = Write("server.key", server_.key_pem);
    return gateway;
  }

  std::shared_ptr<grpc::ChannelCredentials> TlsClient(const Identity* client) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ca_.cert_pem;
    if (client != nullptr) {
      options.pem_cert_chain = client->cert_pem;
      options.pem_private_key = client->key_pem;
    }
    return grpc::SslCredentials(options);
  }

  Identity ca_;
  Identity server_;
  Identity client_;
};

TEST_F(ApiTlsTest, TlsWithTokens) {
  GatewaySection gateway = Tls();
  gateway.api_tokens_file = TokensFile();
  Start(gateway);
  EXPECT_EQ(api_.summary, "TLS, 2 token(s)");
  auto channel = Channel(TlsClient(nullptr));
  EXPECT_EQ(List(channel, "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(List(channel, absl::StrCat("Bearer ", kAliceToken)).ok());
  // A plain-text client does not get through the TLS port at all.
  EXPECT_EQ(List(Channel(grpc::InsecureChannelCredentials()), absl::StrCat("Bearer ", kAliceToken))
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // Health stays open over TLS.
  grpc::ClientContext health_context;
  health_context.set_deadline(std::chrono::system_clock::now() + 10s);
  grpc::health::v1::HealthCheckResponse health;
  EXPECT_TRUE(grpc::health::v1::Health::NewStub(channel)->Check(&health_context, {}, &health).ok());
}

TEST_F(ApiTlsTest, MutualTlsCertificateSufficesAndIsRequired) {
  GatewaySection gateway = Tls();
  gateway.tls_client_ca_file = Write("clients-ca.crt", ca_.cert_pem, fs::perms::owner_all);
  gateway.api_tokens_file = TokensFile();
  Start(gateway);
  EXPECT_EQ(api_.summary, "TLS, client certificates, 2 token(s)");
  // A certificate the CA signed authenticates without a token.
  EXPECT_TRUE(List(Channel(TlsClient(&client_)), "").ok());
  // No certificate: the handshake fails, whatever the token.
  EXPECT_EQ(List(Channel(TlsClient(nullptr)), absl::StrCat("Bearer ", kAliceToken)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // A certificate from another CA: refused too.
  Identity stranger_ca = MakeIdentity("stranger CA", nullptr, /*ca=*/true);
  Identity stranger = MakeIdentity("stranger", &stranger_ca, /*ca=*/false);
  EXPECT_FALSE(List(Channel(TlsClient(&stranger)), "").ok());
}

TEST_F(ApiTlsTest, KeyReadableByOthersOrNotPemIsRefused) {
  GatewaySection gateway = Tls();
  fs::permissions(gateway.tls_key_file, fs::perms::owner_read | fs::perms::owner_write |
                                            fs::perms::group_read | fs::perms::others_read);
  auto security = MakeApiSecurity(gateway);
  EXPECT_EQ(security.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(
      std::string(security.status().message()),
      gateway.tls_key_file + ": the private key may be read by others (mode 0644); chmod 640 it");
  fs::permissions(gateway.tls_key_file, fs::perms::owner_read | fs::perms::group_read);
  EXPECT_TRUE(MakeApiSecurity(gateway).ok());  // group-readable: Debian's ssl-cert group

  gateway.tls_cert_file = Write("not.crt", server_.key_pem);
  EXPECT_EQ(std::string(MakeApiSecurity(gateway).status().message()),
            gateway.tls_cert_file + ": not a PEM file with a CERTIFICATE block");
}

}  // namespace
}  // namespace vmuc::gateway
