#include "dlms/key_store.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <ostream>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/check.h"
#include "common/status.h"
#include "common/strings.h"

namespace vmuc::dlms {
namespace {

constexpr size_t kMeterIdDigits = 16;
constexpr size_t kMaxLlsPasswordSize = 32;
// Group and others may neither read nor write the file.
constexpr mode_t kForbiddenModeBits = S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH;

std::string Where(const std::string& file, const toml::source_region& region) {
  return absl::StrCat(file, ":", region.begin.line, ":", region.begin.column);
}

absl::Status ErrorAt(const std::string& file, const toml::source_region& region,
                     std::string_view key, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(Where(file, region), ": ", AsAbsl(key), ": ", AsAbsl(what)));
}

// Prefixes a "<key>: ..." error of a helper with the place it was found.
absl::Status Located(const std::string& file, const toml::source_region& region,
                     const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(Where(file, region), ": ", status.message()));
}

// The first 16 bytes of HMAC-SHA256(master_secret, "vmuc/<purpose>/<meter_id>").
Key128 DeriveKey(std::span<const uint8_t> master_secret, std::string_view purpose,
                 std::string_view meter_id) {
  const std::string message = absl::StrCat("vmuc/", AsAbsl(purpose), "/", AsAbsl(meter_id));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  const unsigned char* done = HMAC(
      EVP_sha256(), master_secret.data(), static_cast<int>(master_secret.size()),
      reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &digest_size);
  VMUC_CHECK(done != nullptr && digest_size == 32, "HMAC-SHA256 failed");
  Key128 key;
  std::copy_n(digest, key.size(), key.begin());
  OPENSSL_cleanse(digest, sizeof(digest));
  return key;
}

// A file mode the way chmod and ls -l speak it: "0644".
std::string OctalMode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// A TOML basic string: printable ASCII needs only the quote and backslash escaped.
std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// Fails with `key: unknown key (known: ...)` at the first key `table` should not have.
absl::Status CheckKnownKeys(const std::string& file, const toml::table& table,
                            std::string_view prefix,
                            std::initializer_list<std::string_view> known) {
  const std::set<std::string, std::less<>> allowed(known.begin(), known.end());
  for (const auto& [key, value] : table) {
    if (!allowed.contains(key.str())) {
      return ErrorAt(
          file, key.source(),
          prefix.empty() ? key.str() : absl::StrCat(AsAbsl(prefix), ".", AsAbsl(key.str())),
          absl::StrCat("unknown key (known: ", absl::StrJoin(allowed, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> StringValue(const std::string& file, const toml::node& node,
                                        std::string_view name, std::string_view expected) {
  const auto* value = node.as_string();
  if (value == nullptr) {
    return ErrorAt(file, node.source(), name,
                   absl::StrCat("must be a string of ", AsAbsl(expected)));
  }
  return value->get();
}

absl::StatusOr<Key128> KeyValue(const std::string& file, const toml::node& node,
                                std::string_view name) {
  VMUC_ASSIGN_OR_RETURN(const std::string hex, StringValue(file, node, name, "32 hex digits"));
  absl::StatusOr<Key128> key = ParseKey128(hex, name);
  if (!key.ok()) return Located(file, node.source(), key.status());
  return key;
}

absl::StatusOr<std::string> LlsPasswordValue(const std::string& file, const toml::node& node,
                                             std::string_view name) {
  VMUC_ASSIGN_OR_RETURN(std::string password,
                        StringValue(file, node, name, "1..32 printable ASCII characters"));
  if (absl::Status check = KeyStore::CheckLlsPassword(password); !check.ok()) {
    return ErrorAt(file, node.source(), name, AsStd(check.message()));
  }
  return password;
}

// write(2) all of `bytes`, retrying short writes and EINTR.
bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

// Closes a file descriptor on scope exit unless released.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  int get() const { return fd_; }
  // close(2) now, reporting its result (a deferred write error shows here).
  bool Close() {
    const int fd = std::exchange(fd_, -1);
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

}  // namespace

std::string MeterKeys::DebugString() const {
  return absl::StrCat("MeterKeys{guek=<redacted>, gak=<redacted>, kek=<redacted>, lls_password=",
                      lls_password.empty() ? "<none>" : "<redacted>", "}");
}

std::ostream& operator<<(std::ostream& os, const MeterKeys& keys) {
  return os << keys.DebugString();
}

void PrintTo(const MeterKeys& keys, std::ostream* os) { *os << keys.DebugString(); }

// Builds a KeyStore from a parsed file; a friend of KeyStore.
class KeyStoreReader {
 public:
  static absl::StatusOr<KeyStore> FromTable(const toml::table& root, const std::string& file) {
    KeyStore store;
    VMUC_RETURN_IF_ERROR(CheckKnownKeys(file, root, "", {"fleet", "meter"}));
    if (const toml::node* fleet = root.get("fleet")) {
      VMUC_RETURN_IF_ERROR(ReadFleet(file, *fleet, store));
    }
    if (const toml::node* meters = root.get("meter")) {
      const auto* table = meters->as_table();
      if (table == nullptr) {
        return ErrorAt(file, meters->source(), "meter",
                       "must be tables [meter.\"<16-digit meter id>\"]");
      }
      for (const auto& [id, entry] : *table) {
        VMUC_RETURN_IF_ERROR(ReadMeter(file, id, entry, store));
      }
    }
    return store;
  }

 private:
  static absl::Status ReadFleet(const std::string& file, const toml::node& node, KeyStore& store) {
    const auto* fleet = node.as_table();
    if (fleet == nullptr) return ErrorAt(file, node.source(), "fleet", "must be a table ([fleet])");
    VMUC_RETURN_IF_ERROR(CheckKnownKeys(file, *fleet, "fleet", {"master_secret", "lls_password"}));
    if (const toml::node* secret = fleet->get("master_secret")) {
      constexpr std::string_view kName = "fleet.master_secret";
      VMUC_ASSIGN_OR_RETURN(std::string hex,
                            StringValue(file, *secret, kName, "32 or 64 hex digits"));
      const auto not_hex = std::find_if(hex.begin(), hex.end(), [](char c) {
        return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
      });
      absl::Status error;
      if (hex.size() != 32 && hex.size() != 64) {
        error = ErrorAt(file, secret->source(), kName,
                        absl::StrCat("expected 32 or 64 hex digits (16 or 32 bytes), got ",
                                     hex.size(), " characters"));
      } else if (not_hex != hex.end()) {
        // The position only: the text is a secret.
        error = ErrorAt(file, secret->source(), kName,
                        absl::StrCat("expected 32 or 64 hex digits, character ",
                                     not_hex - hex.begin() + 1, " is not one"));
      } else {
        for (size_t at = 0; at < hex.size(); at += 32) {
          const Key128 part = ParseKey128(std::string_view(hex).substr(at, 32), kName).value();
          store.master_secret_.insert(store.master_secret_.end(), part.begin(), part.end());
        }
      }
      OPENSSL_cleanse(hex.data(), hex.size());
      VMUC_RETURN_IF_ERROR(error);
    }
    if (const toml::node* password = fleet->get("lls_password")) {
      VMUC_ASSIGN_OR_RETURN(store.lls_password_,
                            LlsPasswordValue(file, *password, "fleet.lls_password"));
    }
    return absl::OkStatus();
  }

  static absl::Status ReadMeter(const std::string& file, const toml::key& id,
                                const toml::node& node, KeyStore& store) {
    const std::string name = absl::StrCat("meter.", AsAbsl(id.str()));
    if (absl::Status check = KeyStore::CheckMeterId(id.str()); !check.ok()) {
      return ErrorAt(file, id.source(), name, AsStd(check.message()));
    }
    const auto* table = node.as_table();
    if (table == nullptr) {
      return ErrorAt(file, node.source(), name, "must be a table ([meter.\"<id>\"])");
    }
    VMUC_RETURN_IF_ERROR(
        CheckKnownKeys(file, *table, name, {"guek", "gak", "kek", "lls_password"}));
    KeyStore::Entry entry;
    for (auto [key, field] : {std::pair{"guek", &entry.guek}, std::pair{"gak", &entry.gak},
                              std::pair{"kek", &entry.kek}}) {
      const toml::node* value = table->get(key);
      if (value == nullptr) {
        if (store.has_master_secret()) continue;
        return ErrorAt(file, id.source(), name,
                       absl::StrCat("no ", key, " and no fleet.master_secret to derive it from"));
      }
      VMUC_ASSIGN_OR_RETURN(*field, KeyValue(file, *value, absl::StrCat(name, ".", key)));
    }
    if (const toml::node* password = table->get("lls_password")) {
      VMUC_ASSIGN_OR_RETURN(entry.lls_password,
                            LlsPasswordValue(file, *password, absl::StrCat(name, ".lls_password")));
    }
    store.meters_.emplace(std::string(id.str()), std::move(entry));
    return absl::OkStatus();
  }
};

absl::Status KeyStore::CheckMeterId(std::string_view meter_id) {
  if (meter_id.size() != kMeterIdDigits ||
      !std::all_of(meter_id.begin(), meter_id.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return absl::InvalidArgumentError(
        absl::StrCat("meter id '", AsAbsl(meter_id), "' must be 16 decimal digits"));
  }
  return absl::OkStatus();
}

absl::Status KeyStore::CheckLlsPassword(std::string_view password) {
  if (password.empty() || password.size() > kMaxLlsPasswordSize ||
      !std::all_of(password.begin(), password.end(),
                   [](char c) { return c >= 0x20 && c <= 0x7E; })) {
    return absl::InvalidArgumentError(absl::StrCat("must be 1..32 printable ASCII characters (got ",
                                                   password.size(), " characters)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<KeyStore> KeyStore::LoadString(std::string_view text, std::string_view source_name) {
  const std::string file(source_name);
  try {
    const toml::table root = toml::parse(text, source_name);
    return KeyStoreReader::FromTable(root, file);
  } catch (const toml::parse_error& error) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(file, error.source()), ": ", AsAbsl(error.description())));
  }
}

absl::StatusOr<KeyStore> KeyStore::LoadFile(const std::string& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such key store file"));
    return absl::ErrnoToStatus(errno, absl::StrCat(path, ": cannot open the key store"));
  }
  // fstat on the open file: the mode checked is the mode of the bytes read.
  struct stat info;
  if (::fstat(fd.get(), &info) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat(path, ": cannot stat the key store"));
  }
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": the key store is not a regular file"));
  }
  if ((info.st_mode & kForbiddenModeBits) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": mode ", OctalMode(info.st_mode),
                     " lets group or others read or write the key store; chmod 600 ", path));
  }
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof(buffer));
    if (got < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      OPENSSL_cleanse(buffer, sizeof(buffer));
      OPENSSL_cleanse(text.data(), text.size());
      return absl::ErrnoToStatus(saved, absl::StrCat(path, ": cannot read the key store"));
    }
    if (got == 0) break;
    text.append(buffer, static_cast<size_t>(got));
  }
  OPENSSL_cleanse(buffer, sizeof(buffer));
  absl::StatusOr<KeyStore> store = LoadString(text, path);
  OPENSSL_cleanse(text.data(), text.size());
  return store;
}

absl::StatusOr<KeyStore> KeyStore::Generate() {
  std::array<uint8_t, 32> secret{};
  std::array<uint8_t, 8> digits{};
  if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1 ||
      RAND_bytes(digits.data(), static_cast<int>(digits.size())) != 1) {
    return absl::InternalError("OpenSSL's random generator failed");
  }
  std::string password;
  for (uint8_t d : digits) password.push_back(static_cast<char>('0' + d % 10));
  KeyStore store = Derived(secret, std::move(password));
  OPENSSL_cleanse(secret.data(), secret.size());
  return store;
}

absl::StatusOr<std::optional<KeyStore>> KeyStore::LoadFileIfPresent(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return std::optional<KeyStore>();
  VMUC_ASSIGN_OR_RETURN(KeyStore store, LoadFile(path));
  return std::optional<KeyStore>(std::move(store));
}

absl::StatusOr<bool> KeyStore::CreateIfMissing(const std::string& path) {
  std::error_code error;
  if (std::filesystem::exists(path, error)) return false;
  VMUC_ASSIGN_OR_RETURN(KeyStore store, Generate());
  VMUC_RETURN_IF_ERROR(store.SaveFile(path));
  return true;
}

KeyStore KeyStore::Derived(std::span<const uint8_t> master_secret, std::string lls_password) {
  VMUC_CHECK(master_secret.size() == 16 || master_secret.size() == 32,
             "the master secret must be 16 or 32 bytes");
  VMUC_CHECK(lls_password.empty() || CheckLlsPassword(lls_password).ok(),
             "the LLS password must be empty or 1..32 printable ASCII characters");
  KeyStore store;
  store.master_secret_.assign(master_secret.begin(), master_secret.end());
  store.lls_password_ = std::move(lls_password);
  return store;
}

absl::StatusOr<MeterKeys> KeyStore::KeysFor(std::string_view meter_id) const {
  VMUC_RETURN_IF_ERROR(CheckMeterId(meter_id));
  const auto found = meters_.find(meter_id);
  if (found == meters_.end() && master_secret_.empty()) {
    return absl::NotFoundError(absl::StrCat("meter ", AsAbsl(meter_id),
                                            ": no keys (no entry and no fleet master secret)"));
  }
  const Entry* entry = found == meters_.end() ? nullptr : &found->second;
  // Load checked that an entry without a key comes with a master secret to derive it.
  auto key = [&](const std::optional<Key128> Entry::*field, std::string_view purpose) {
    if (entry != nullptr && (entry->*field).has_value()) return *(entry->*field);
    return DeriveKey(master_secret_, purpose, meter_id);
  };
  MeterKeys keys;
  keys.guek = key(&Entry::guek, "guek");
  keys.gak = key(&Entry::gak, "gak");
  keys.kek = key(&Entry::kek, "kek");
  keys.lls_password =
      entry != nullptr && entry->lls_password.has_value() ? *entry->lls_password : lls_password_;
  return keys;
}

void KeyStore::SetKeys(std::string meter_id, MeterKeys keys) {
  VMUC_CHECK(CheckMeterId(meter_id).ok(), "SetKeys: the meter id must be 16 decimal digits");
  VMUC_CHECK(keys.lls_password.empty() || CheckLlsPassword(keys.lls_password).ok(),
             "SetKeys: the LLS password must be empty or 1..32 printable ASCII characters");
  Entry entry{.guek = keys.guek, .gak = keys.gak, .kek = keys.kek, .lls_password = std::nullopt};
  if (!keys.lls_password.empty()) entry.lls_password = std::move(keys.lls_password);
  meters_.insert_or_assign(std::move(meter_id), std::move(entry));
}

std::vector<std::string> KeyStore::MeterIds() const {
  std::vector<std::string> ids;
  ids.reserve(meters_.size());
  for (const auto& [id, entry] : meters_) ids.push_back(id);
  return ids;
}

std::string KeyStore::ToToml() const {
  std::string out =
      "# vmuc DLMS key store. Keep it 0600; never log it. Format: dlms/key_store.h.\n";
  if (!master_secret_.empty() || !lls_password_.empty()) {
    absl::StrAppend(&out, "\n[fleet]\n");
    if (!master_secret_.empty()) {
      absl::StrAppend(&out, "master_secret = ", Quoted(FormatHex(master_secret_)), "\n");
    }
    if (!lls_password_.empty())
      absl::StrAppend(&out, "lls_password = ", Quoted(lls_password_), "\n");
  }
  for (const auto& [id, entry] : meters_) {
    absl::StrAppend(&out, "\n[meter.", Quoted(id), "]\n");
    for (const auto& [name, key] : {std::pair{"guek", &entry.guek}, std::pair{"gak", &entry.gak},
                                    std::pair{"kek", &entry.kek}}) {
      if (key->has_value()) absl::StrAppend(&out, name, " = ", Quoted(FormatHex(**key)), "\n");
    }
    if (entry.lls_password.has_value()) {
      absl::StrAppend(&out, "lls_password = ", Quoted(*entry.lls_password), "\n");
    }
  }
  return out;
}

absl::Status KeyStore::SaveFile(const std::string& path) const {
  const std::filesystem::path target(path);
  const std::filesystem::path directory =
      target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  // Same directory, so that rename(2) replaces the file atomically.
  std::string temporary = (directory / ("." + target.filename().string() + ".XXXXXX")).string();
  FileDescriptor fd(::mkstemp(temporary.data()));  // creates it with mode 0600
  if (fd.get() < 0) {
    return absl::ErrnoToStatus(
        errno, absl::StrCat(path, ": cannot create a temporary file in ", directory.string()));
  }
  auto fail = [&](std::string_view step) {
    const int saved = errno;
    ::unlink(temporary.c_str());
    return absl::ErrnoToStatus(saved, absl::StrCat(path, ": ", AsAbsl(step)));
  };
  if (::fchmod(fd.get(), S_IRUSR | S_IWUSR) != 0) return fail("cannot chmod the temporary file");
  std::string text = ToToml();
  const bool written = WriteAll(fd.get(), text);
  OPENSSL_cleanse(text.data(), text.size());
  if (!written) return fail(absl::StrCat("cannot write ", temporary));
  if (::fsync(fd.get()) != 0) return fail(absl::StrCat("cannot fsync ", temporary));
  if (!fd.Close()) return fail(absl::StrCat("cannot close ", temporary));
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return fail(absl::StrCat("cannot rename ", temporary, " over it"));
  }
  // The rename is durable only once the directory is synced.
  FileDescriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0 || ::fsync(dir.get()) != 0) {
    return absl::ErrnoToStatus(
        errno,
        absl::StrCat(path, ": written, but cannot fsync its directory ", directory.string()));
  }
  return absl::OkStatus();
}

}  // namespace vmuc::dlms
