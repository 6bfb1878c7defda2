#include "dlms/key_store.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "dlms/security.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vmuc::dlms {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kMeter = "6841000000000001";
constexpr std::string_view kOtherMeter = "6841000000000002";
constexpr uint8_t kMasterSecret[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                       0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};

Key128 K(std::string_view hex) { return ParseKey128(hex, "test key").value(); }

// The same store as KeyStore::Derived(kMasterSecret, "00000000") plus one meter with all
// its own keys and one that overrides only the GAK and the password.
constexpr std::string_view kStoreText = R"(# vmuc DLMS key store. Keep it 0600.
[fleet]
master_secret = "00112233445566778899aabbccddeeff"
lls_password = "00000000"

[meter."6841000000000001"]
guek = "000102030405060708090A0B0C0D0E0F"
gak = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"
kek = "101112131415161718191A1B1C1D1E1F"
lls_password = "Gurux"

[meter."6841000000000003"]
gak = "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF"
lls_password = "with \"quote\" and \\"
)";

std::string StatusText(const absl::Status& status) { return std::string(status.message()); }

TEST(KeyStoreDerivationTest, IsDeterministicAndPinned) {
  const KeyStore store = KeyStore::Derived(kMasterSecret, "00000000");
  auto keys = store.KeysFor(kMeter);
  ASSERT_TRUE(keys.ok()) << keys.status();
  // First 16 bytes of HMAC-SHA256(master, "vmuc/<purpose>/6841000000000001"): gateway and
  // meters derive independently, so the formula is part of the format.
  EXPECT_EQ(FormatHex(keys->guek), "18CD37505659BFB4D08CC8DC976D8A9D");
  EXPECT_EQ(FormatHex(keys->gak), "0B6B6CDDB99FDCC688807215877124E5");
  EXPECT_EQ(FormatHex(keys->kek), "5AB0DDE008864B8166B5F2395BFE3927");
  EXPECT_EQ(keys->lls_password, "00000000");
  EXPECT_EQ(store.KeysFor(kMeter).value(), *keys);
  EXPECT_EQ(KeyStore::Derived(kMasterSecret, "00000000").KeysFor(kMeter).value(), *keys);
}

TEST(KeyStoreDerivationTest, DiffersByMeterPurposeAndSecret) {
  const KeyStore store = KeyStore::Derived(kMasterSecret, "");
  const MeterKeys one = store.KeysFor(kMeter).value();
  const MeterKeys two = store.KeysFor(kOtherMeter).value();
  EXPECT_NE(one.guek, two.guek);
  EXPECT_NE(one.gak, two.gak);
  EXPECT_NE(one.kek, two.kek);
  EXPECT_NE(one.guek, one.gak);
  EXPECT_NE(one.gak, one.kek);
  EXPECT_NE(one.guek, one.kek);
  EXPECT_EQ(one.lls_password, "");

  std::vector<uint8_t> other_secret(std::begin(kMasterSecret), std::end(kMasterSecret));
  other_secret[0] ^= 1;
  EXPECT_NE(KeyStore::Derived(other_secret, "").KeysFor(kMeter).value().guek, one.guek);
  const std::vector<uint8_t> long_secret(32, 0x42);
  EXPECT_NE(KeyStore::Derived(long_secret, "").KeysFor(kMeter).value().guek, one.guek);
}

TEST(KeyStoreLoadTest, ExplicitKeysOverrideDerivation) {
  auto store = KeyStore::LoadString(kStoreText, "keys.toml");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE(store->has_master_secret());
  EXPECT_THAT(store->MeterIds(), ElementsAre("6841000000000001", "6841000000000003"));

  const MeterKeys own = store->KeysFor(kMeter).value();
  EXPECT_EQ(own.guek, K("000102030405060708090A0B0C0D0E0F"));
  EXPECT_EQ(own.gak, K("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"));
  EXPECT_EQ(own.kek, K("101112131415161718191A1B1C1D1E1F"));
  EXPECT_EQ(own.lls_password, "Gurux");
  EXPECT_EQ(own.cipher_keys().unicast_key, own.guek);
  EXPECT_EQ(own.cipher_keys().authentication_key, own.gak);

  // An entry with only a GAK: the rest derived, as for a meter without an entry.
  const KeyStore derived = KeyStore::Derived(kMasterSecret, "00000000");
  const MeterKeys partial = store->KeysFor("6841000000000003").value();
  const MeterKeys partial_derived = derived.KeysFor("6841000000000003").value();
  EXPECT_EQ(partial.gak, K("A0A1A2A3A4A5A6A7A8A9AAABACADAEAF"));
  EXPECT_EQ(partial.guek, partial_derived.guek);
  EXPECT_EQ(partial.kek, partial_derived.kek);
  EXPECT_EQ(partial.lls_password, "with \"quote\" and \\");

  EXPECT_EQ(store->KeysFor(kOtherMeter).value(), derived.KeysFor(kOtherMeter).value());
}

TEST(KeyStoreLoadTest, WithoutMasterSecretOnlyEntriesHaveKeys) {
  auto store = KeyStore::LoadString(R"([meter."6841000000000001"]
guek = "000102030405060708090A0B0C0D0E0F"
gak = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"
kek = "101112131415161718191A1B1C1D1E1F"
)",
                                    "keys.toml");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_FALSE(store->has_master_secret());
  EXPECT_TRUE(store->KeysFor(kMeter).ok());
  EXPECT_EQ(store->KeysFor(kMeter)->lls_password, "");
  auto missing = store->KeysFor(kOtherMeter);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(StatusText(missing.status()), HasSubstr("meter 6841000000000002"));

  EXPECT_EQ(KeyStore().KeysFor(kMeter).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(KeyStore().KeysFor("123").status().code(), absl::StatusCode::kInvalidArgument);
}

struct BadStore {
  std::string name;
  std::string text;
  std::string expected;  // substring of the message
};

class KeyStoreErrorTest : public ::testing::TestWithParam<BadStore> {};

TEST_P(KeyStoreErrorTest, NamesFileLineColumnAndKey) {
  auto store = KeyStore::LoadString(GetParam().text, "keys.toml");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(StatusText(store.status()), HasSubstr(GetParam().expected));
  // No secret from the text ever shows.
  EXPECT_THAT(StatusText(store.status()), Not(HasSubstr("D0D1D2")));
  EXPECT_THAT(StatusText(store.status()), Not(HasSubstr("s3cr3t")));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, KeyStoreErrorTest,
    ::testing::Values(
        BadStore{"ShortHex",
                 "[fleet]\nmaster_secret = \"00112233445566778899aabbccddeeff\"\n\n"
                 "[meter.\"6841000000000001\"]\nguek = \"000102030405060708090A0B0C0D0E0F\"\n"
                 "lls_password = \"x\"\n"
                 "gak = \"D0D1D2D3D4D5D6D7D8D9DADBDCDDDE\"\n",
                 "keys.toml:7:7: meter.6841000000000001.gak: expected 32 hex digits, got 30"},
        BadStore{"NotHex",
                 "[meter.\"6841000000000001\"]\nguek = \"000102030405060708090A0B0C0D0E0G\"\n",
                 "keys.toml:2:8: meter.6841000000000001.guek: expected 32 hex digits, "
                 "character 32 is not one"},
        BadStore{"KeyNotAString", "[fleet]\nmaster_secret = 12\n",
                 "keys.toml:2:17: fleet.master_secret: must be a string of 32 or 64 hex digits"},
        BadStore{"MasterSecretLength", "[fleet]\nmaster_secret = \"D0D1D2D3\"\n",
                 "keys.toml:2:17: fleet.master_secret: expected 32 or 64 hex digits (16 or 32 "
                 "bytes), got 8 characters"},
        BadStore{"MasterSecretNotHex",
                 "[fleet]\nmaster_secret = \"D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDFs3cr3t00D4D5D6D7D8D9"
                 "DADBDCDDDEDF\"\n",
                 "fleet.master_secret: expected 32 or 64 hex digits, character 33 is not one"},
        BadStore{"UnknownSection", "[fleet]\n[meters]\n",
                 "keys.toml:2:2: meters: unknown key (known: fleet, meter)"},
        BadStore{"UnknownFleetKey", "[fleet]\nmaster_secert = \"00\"\n",
                 "keys.toml:2:1: fleet.master_secert: unknown key (known: lls_password, "
                 "master_secret)"},
        BadStore{"UnknownMeterKey",
                 "[fleet]\nmaster_secret = \"00112233445566778899aabbccddeeff\"\n"
                 "[meter.\"6841000000000001\"]\nguk = \"00\"\n",
                 "keys.toml:4:1: meter.6841000000000001.guk: unknown key"},
        BadStore{"ShortMeterId",
                 "[fleet]\nmaster_secret = \"00112233445566778899aabbccddeeff\"\n"
                 "[meter.\"684100000000001\"]\n",
                 "keys.toml:3:8: meter.684100000000001: meter id '684100000000001' must be 16 "
                 "decimal digits"},
        BadStore{"MeterIdNotDigits",
                 "[fleet]\nmaster_secret = \"00112233445566778899aabbccddeeff\"\n"
                 "[meter.\"684100000000000A\"]\n",
                 "meter.684100000000000A: meter id '684100000000000A' must be 16 decimal digits"},
        BadStore{"MeterNotATable", "meter = 3\n",
                 "keys.toml:1:9: meter: must be tables [meter.\"<16-digit meter id>\"]"},
        BadStore{"MeterEntryNotATable", "[meter]\n\"6841000000000001\" = \"x\"\n",
                 "keys.toml:2:22: meter.6841000000000001: must be a table"},
        BadStore{"MissingKeyWithoutMaster",
                 "[meter.\"6841000000000001\"]\nguek = \"000102030405060708090A0B0C0D0E0F\"\n",
                 "keys.toml:1:8: meter.6841000000000001: no gak and no fleet.master_secret to "
                 "derive it from"},
        BadStore{"LlsPasswordTooLong",
                 "[fleet]\nlls_password = \"s3cr3ts3cr3ts3cr3ts3cr3ts3cr3ts3cr3t\"\n",
                 "keys.toml:2:16: fleet.lls_password: must be 1..32 printable ASCII characters "
                 "(got 36 characters)"},
        BadStore{"LlsPasswordEmpty", "[fleet]\nlls_password = \"\"\n",
                 "fleet.lls_password: must be 1..32 printable ASCII characters"},
        BadStore{"LlsPasswordNotPrintable", "[fleet]\nlls_password = \"s3cr3t\\u00e9\"\n",
                 "fleet.lls_password: must be 1..32 printable ASCII characters"},
        BadStore{"Syntax", "[fleet]\nmaster_secret = \"00\n", "keys.toml:2:"}),
    [](const ::testing::TestParamInfo<BadStore>& param) { return param.param.name; });

TEST(MeterKeysTest, PrintingNeverShowsKeyBytes) {
  const MeterKeys keys{.guek = K("000102030405060708090A0B0C0D0E0F"),
                       .gak = K("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"),
                       .kek = K("101112131415161718191A1B1C1D1E1F"),
                       .lls_password = "Gurux"};
  std::ostringstream streamed;
  streamed << keys;
  for (const std::string& text :
       {keys.DebugString(), streamed.str(), ::testing::PrintToString(keys)}) {
    EXPECT_EQ(text,
              "MeterKeys{guek=<redacted>, gak=<redacted>, kek=<redacted>, "
              "lls_password=<redacted>}");
    for (std::string_view secret :
         {"000102", "0001020304", "D0D1D2", "d0d1d2", "101112", "Gurux"}) {
      EXPECT_THAT(text, Not(HasSubstr(std::string(secret))));
    }
  }
  EXPECT_THAT(MeterKeys{}.DebugString(), HasSubstr("lls_password=<none>"));
}

TEST(KeyStoreTest, SetKeysOverridesDerivation) {
  KeyStore store = KeyStore::Derived(kMasterSecret, "00000000");
  const MeterKeys derived = store.KeysFor(kMeter).value();
  MeterKeys changed = derived;
  changed.gak = K("A0A1A2A3A4A5A6A7A8A9AAABACADAEAF");
  changed.lls_password = "";  // keeps the fleet's
  store.SetKeys(std::string(kMeter), changed);
  auto now = store.KeysFor(kMeter);
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_EQ(now->gak, K("A0A1A2A3A4A5A6A7A8A9AAABACADAEAF"));
  EXPECT_EQ(now->guek, derived.guek);
  EXPECT_EQ(now->lls_password, "00000000");
  EXPECT_EQ(store.KeysFor(kOtherMeter).value(),
            KeyStore::Derived(kMasterSecret, "00000000").KeysFor(kOtherMeter).value());
  EXPECT_THAT(store.MeterIds(), ElementsAre(std::string(kMeter)));
}

TEST(KeyStoreTest, ChecksIdsAndPasswords) {
  EXPECT_TRUE(KeyStore::CheckMeterId("0000000000000000").ok());
  EXPECT_FALSE(KeyStore::CheckMeterId("").ok());
  EXPECT_FALSE(KeyStore::CheckMeterId("68410000000000011").ok());
  EXPECT_FALSE(KeyStore::CheckMeterId("6841 00000000001").ok());
  EXPECT_TRUE(KeyStore::CheckLlsPassword(" ~").ok());
  EXPECT_TRUE(KeyStore::CheckLlsPassword(std::string(32, 'x')).ok());
  EXPECT_FALSE(KeyStore::CheckLlsPassword(std::string(33, 'x')).ok());
  EXPECT_FALSE(KeyStore::CheckLlsPassword("tab\there").ok());
}

TEST(KeyStoreDeathTest, SetKeysRejectsAnInvalidMeterId) {
  KeyStore store;
  EXPECT_DEATH(store.SetKeys("12345", MeterKeys{}), "16 decimal digits");
}

// A fresh directory per test under the test's temp dir.
class KeyStoreFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("key_store_test_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "keys.toml").string();
  }
  void TearDown() override {
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all);
    std::filesystem::remove_all(dir_);
  }

  void WriteFile(const std::string& path, std::string_view text, mode_t mode) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
  }
  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::vector<std::string> DirectoryEntries() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }
  static mode_t ModeOf(const std::string& path) {
    struct stat info;
    EXPECT_EQ(::stat(path.c_str(), &info), 0);
    return info.st_mode & 07777;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(KeyStoreFileTest, LoadsAPrivateFile) {
  WriteFile(path_, kStoreText, 0600);
  auto store = KeyStore::LoadFile(path_);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->KeysFor(kMeter)->lls_password, "Gurux");
}

TEST_F(KeyStoreFileTest, ErrorsNameThePath) {
  WriteFile(path_, "[fleet]\nlls_password = 1\n", 0600);
  auto store = KeyStore::LoadFile(path_);
  EXPECT_THAT(StatusText(store.status()),
              HasSubstr(path_ + ":2:16: fleet.lls_password: must be a string"));
}

TEST_F(KeyStoreFileTest, MissingFileIsNotFound) {
  auto store = KeyStore::LoadFile(path_);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(StatusText(store.status()), HasSubstr(path_));
}

TEST_F(KeyStoreFileTest, RefusesAFileOthersMayReadOrWrite) {
  for (mode_t mode : {0644, 0640, 0620, 0604, 0602}) {
    WriteFile(path_, kStoreText, mode);
    auto store = KeyStore::LoadFile(path_);
    EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << mode;
    EXPECT_THAT(StatusText(store.status()), HasSubstr(path_));
    EXPECT_THAT(StatusText(store.status()), HasSubstr("chmod 600"));
  }
  WriteFile(path_, kStoreText, 0644);
  EXPECT_THAT(StatusText(KeyStore::LoadFile(path_).status()), HasSubstr("mode 0644"));
  WriteFile(path_, kStoreText, 0400);  // read-only for the owner is fine
  EXPECT_TRUE(KeyStore::LoadFile(path_).ok());
}

TEST_F(KeyStoreFileTest, RefusesADirectory) {
  EXPECT_EQ(KeyStore::LoadFile(dir_.string()).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(KeyStoreFileTest, SaveAndLoadRoundTrip) {
  KeyStore store = KeyStore::LoadString(kStoreText, "keys.toml").value();
  store.SetKeys("6841000000000009", MeterKeys{.guek = K("000102030405060708090A0B0C0D0E0F"),
                                              .gak = K("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"),
                                              .kek = K("101112131415161718191A1B1C1D1E1F"),
                                              .lls_password = "new\\one"});
  ASSERT_TRUE(store.SaveFile(path_).ok());
  EXPECT_EQ(ModeOf(path_), 0600u);
  EXPECT_THAT(DirectoryEntries(), ElementsAre("keys.toml"));

  auto loaded = KeyStore::LoadFile(path_);
  ASSERT_TRUE(loaded.ok()) << loaded.status() << "\n" << ReadFile(path_);
  EXPECT_EQ(loaded->MeterIds(), store.MeterIds());
  for (std::string_view id :
       {"6841000000000001", "6841000000000003", "6841000000000009", "6841000000000002"}) {
    EXPECT_EQ(loaded->KeysFor(id).value(), store.KeysFor(id).value()) << id;
  }
  EXPECT_EQ(loaded->ToToml(), store.ToToml());

  // Saving again replaces the file (and fixes a too-open mode).
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  store.SetKeys("6841000000000001", MeterKeys{});
  ASSERT_TRUE(store.SaveFile(path_).ok());
  EXPECT_EQ(ModeOf(path_), 0600u);
  EXPECT_EQ(KeyStore::LoadFile(path_).value().KeysFor(kMeter).value().guek, Key128{});
}

TEST_F(KeyStoreFileTest, SaveWithoutMasterSecretRoundTrips) {
  KeyStore store;
  store.SetKeys(std::string(kMeter), MeterKeys{.guek = K("000102030405060708090A0B0C0D0E0F"),
                                               .gak = K("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"),
                                               .kek = K("101112131415161718191A1B1C1D1E1F"),
                                               .lls_password = ""});
  ASSERT_TRUE(store.SaveFile(path_).ok());
  auto loaded = KeyStore::LoadFile(path_);
  ASSERT_TRUE(loaded.ok()) << loaded.status() << "\n" << ReadFile(path_);
  EXPECT_FALSE(loaded->has_master_secret());
  EXPECT_EQ(loaded->KeysFor(kMeter).value(), store.KeysFor(kMeter).value());
}

TEST_F(KeyStoreFileTest, SaveToAnUnwritableDirectoryFailsAndKeepsTheOldFile) {
  const KeyStore old_store = KeyStore::Derived(kMasterSecret, "00000000");
  ASSERT_TRUE(old_store.SaveFile(path_).ok());
  const std::string old_text = ReadFile(path_);
  KeyStore new_store = old_store;
  new_store.SetKeys(std::string(kMeter), MeterKeys{});

  // Root ignores directory permissions, so the child drops to "nobody" when it is root
  // (the directory is then 0755 and root's); otherwise the directory becomes read-only.
  ASSERT_EQ(::chmod(dir_.c_str(), ::geteuid() == 0 ? 0755 : 0555), 0);
  EXPECT_EXIT(
      {
        if (::geteuid() == 0 && ::setuid(65534) != 0) std::_Exit(2);
        const absl::Status status = new_store.SaveFile(path_);
        std::fprintf(stderr, "%s\n", StatusText(status).c_str());
        std::_Exit(status.ok() ? 1 : 0);
      },
      ::testing::ExitedWithCode(0), "keys.toml: cannot create a temporary file in");
  ASSERT_EQ(::chmod(dir_.c_str(), 0700), 0);

  EXPECT_EQ(ReadFile(path_), old_text);
  EXPECT_THAT(DirectoryEntries(), ElementsAre("keys.toml"));
  EXPECT_EQ(KeyStore::LoadFile(path_).value().KeysFor(kMeter).value(),
            old_store.KeysFor(kMeter).value());
}

TEST_F(KeyStoreFileTest, FailedWriteKeepsTheOldFileAndLeavesNoTemporary) {
  KeyStore old_store;
  ASSERT_TRUE(old_store.SaveFile(path_).ok());
  const std::string old_text = ReadFile(path_);
  KeyStore big = KeyStore::Derived(kMasterSecret, "00000000");
  for (int i = 0; i < 20; ++i) {
    big.SetKeys(absl::StrCat("68410000000001", i + 10), MeterKeys{});
  }

  // A file size limit makes write(2) fail with EFBIG half-way through, as a full disk would.
  EXPECT_EXIT(
      {
        std::signal(SIGXFSZ, SIG_IGN);
        rlimit limit;
        if (::getrlimit(RLIMIT_FSIZE, &limit) != 0) std::_Exit(2);
        limit.rlim_cur = 256;
        if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) std::_Exit(2);
        const absl::Status status = big.SaveFile(path_);
        std::fprintf(stderr, "%s\n", StatusText(status).c_str());
        std::_Exit(status.ok() ? 1 : 0);
      },
      ::testing::ExitedWithCode(0), "keys.toml: cannot write .*File too large");

  EXPECT_EQ(ReadFile(path_), old_text);
  EXPECT_THAT(DirectoryEntries(), ElementsAre("keys.toml"));
}

TEST_F(KeyStoreFileTest, SaveIntoAMissingDirectoryFails) {
  const std::string nowhere = (dir_ / "no" / "such" / "keys.toml").string();
  const absl::Status status = KeyStore().SaveFile(nowhere);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(StatusText(status), HasSubstr(nowhere));
}

}  // namespace
}  // namespace vmuc::dlms
