// KeyStore: the per-meter DLMS secrets of the gateway and the simulated meters (the
// suite-0 keys GUEK, GAK and KEK of cosem-object-model.md "Per-meter keys", and the LLS
// password), loaded from and saved to a TOML file that must stay private (mode 0600):
//
//   # vmuc DLMS key store. Keep it 0600.
//   [fleet]
//   master_secret = "<32 or 64 hex digits>"  # optional: derive keys of meters without entry
//   lls_password = "00000000"                # optional: 1..32 printable ASCII, every meter
//   [meter."6841000000000001"]                # 16-digit meter id; every key is optional
//   guek = "<32 hex digits>"                  # and overrides the derived one
//   gak = "<32 hex digits>"
//   kek = "<32 hex digits>"
//   lls_password = "..."
//
// A key a meter has no entry for is the first 16 bytes of
// HMAC-SHA256(master_secret, "vmuc/" + purpose + "/" + meter_id), purpose guek|gak|kek, so
// a fleet of millions needs no file of millions of lines and gateway and meters agree.
//
// Loading is strict like common/config.h: an unknown key, a malformed value or a bad meter
// id is an InvalidArgument reading "FILE:LINE:COLUMN: KEY: what is wrong"; no message ever
// contains a secret. Nothing here logs, and MeterKeys prints as <redacted>.
//
// KeyStore is a value type: const members may be called from any number of threads at
// once; SetKeys needs the caller's exclusive access, like a std::map.
#ifndef VMUC_DLMS_KEY_STORE_H_
#define VMUC_DLMS_KEY_STORE_H_

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dlms/security.h"

namespace vmuc::dlms {

// The secrets of one meter.
struct MeterKeys {
  Key128 guek{};  // global unicast encryption key (block cipher key EK)
  Key128 gak{};   // global authentication key (AK)
  Key128 kek{};   // key encryption key (master key), for key_transfer (RFC 3394 wrap)
  // LLS secret (authentication mechanism 1); empty: none configured, LLS refused.
  std::string lls_password;

  // The keys for security suite 0 (no broadcast key).
  CipherKeys cipher_keys() const { return CipherKeys{guek, gak, std::nullopt}; }
  // "MeterKeys{guek=<redacted>, gak=<redacted>, kek=<redacted>, lls_password=<redacted>}"
  // (an empty password shows as <none>): safe for logs and test failures.
  std::string DebugString() const;

  friend bool operator==(const MeterKeys&, const MeterKeys&) = default;
};

std::ostream& operator<<(std::ostream& os, const MeterKeys& keys);  // DebugString
void PrintTo(const MeterKeys& keys, std::ostream* os);  // GoogleTest: never dump key bytes

class KeyStore {
 public:
  // No master secret, no meters: every KeysFor is NotFound.
  KeyStore() = default;

  // Loads a key store file. NotFound if it does not exist; FailedPrecondition naming the
  // path and mode ("chmod 600") if group or others may read or write it; InvalidArgument
  // "FILE:LINE:COLUMN: KEY: ..." for any content error.
  static absl::StatusOr<KeyStore> LoadFile(const std::string& path);
  // `source_name` stands for the file name in messages.
  static absl::StatusOr<KeyStore> LoadString(std::string_view text, std::string_view source_name);
  // Every meter's keys derived from `master_secret` (16 or 32 bytes), with one LLS password
  // (empty, or 1..32 printable ASCII). Aborts on other sizes: a programming error.
  static KeyStore Derived(std::span<const uint8_t> master_secret, std::string lls_password);
  // A new store for a fleet: a 32-byte master secret and an 8-digit LLS password from
  // OpenSSL's random generator (real randomness, unlike the simulation's seeded one: these
  // are secrets). Internal if the generator fails.
  static absl::StatusOr<KeyStore> Generate();
  // LoadFile if `path` exists; nullopt if it does not (the processes that read the store
  // run without DLMS keys then); LoadFile's errors otherwise.
  static absl::StatusOr<std::optional<KeyStore>> LoadFileIfPresent(const std::string& path);
  // Creates `path` with Generate() unless it exists; true when it made one.
  static absl::StatusOr<bool> CreateIfMissing(const std::string& path);

  // The keys of `meter_id`: its entry's keys, the rest derived from the master secret;
  // the LLS password from its entry, else [fleet]'s, else empty. InvalidArgument for an id
  // that is not 16 decimal digits; NotFound naming the meter when it has no entry and
  // there is no master secret.
  absl::StatusOr<MeterKeys> KeysFor(std::string_view meter_id) const;

  // Records a meter's keys after a key change (they now override derivation); an empty
  // lls_password keeps the fleet's. Aborts on an invalid meter id or LLS password: check
  // untrusted input with CheckMeterId / CheckLlsPassword first. Persist with SaveFile.
  void SetKeys(std::string meter_id, MeterKeys keys);

  // Replaces `path` atomically: writes a temporary file (mode 0600) in the same directory,
  // fsyncs it, renames it over `path` and fsyncs the directory, so a crash leaves either
  // the old or the new store, never a mix; on any failure the old file is untouched and
  // the temporary removed. Errors name the path and the failing step. Comments of a loaded
  // file are not preserved.
  absl::Status SaveFile(const std::string& path) const;
  // The file content SaveFile writes.
  std::string ToToml() const;

  bool has_master_secret() const { return !master_secret_.empty(); }
  // Ids with an entry of their own, ascending.
  std::vector<std::string> MeterIds() const;

  // InvalidArgument unless `meter_id` is 16 decimal digits.
  static absl::Status CheckMeterId(std::string_view meter_id);
  // InvalidArgument unless 1..32 printable ASCII characters (never echoes the password).
  static absl::Status CheckLlsPassword(std::string_view password);

 private:
  // A meter's own entry; what is absent comes from [fleet].
  struct Entry {
    std::optional<Key128> guek;
    std::optional<Key128> gak;
    std::optional<Key128> kek;
    std::optional<std::string> lls_password;
  };

  friend class KeyStoreReader;

  std::vector<uint8_t> master_secret_;  // empty, 16 or 32 bytes
  std::string lls_password_;            // [fleet]'s; empty: none
  std::map<std::string, Entry, std::less<>> meters_;
};

}  // namespace vmuc::dlms

#endif  // VMUC_DLMS_KEY_STORE_H_
