#include "meters/cosem/meter_directory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "dlms/cosem_client.h"
#include "dlms/cosem_server.h"
#include "meters/cosem/push_list.h"
#include "meters/fleet.h"

namespace vmuc::meters {
namespace {

using namespace std::chrono_literals;
using dlms::AttributeDescriptor;
using dlms::AuthenticationMechanism;
using dlms::DataValue;
using dlms::Obis;
using ::testing::HasSubstr;

const TimePoint kEpoch = TimePoint(std::chrono::sys_days(std::chrono::year(2027) / 1 / 1));
const dlms::SystemTitle kServerTitle = {'K', 'A', 'M', 'E', 0, 0, 0, 42};
const dlms::SystemTitle kClientTitle = {'V', 'M', 'U', 'C', 0, 0, 0, 1};
const dlms::CipherKeys kKeys{{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
                             {21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36},
                             std::nullopt};
constexpr uint32_t kConformance = 0x001E1D;  // what the meter grants (no ACCESS)

// Hands each request straight to the server, as one transport session.
class Loopback : public dlms::ClientTransport {
 public:
  Loopback(dlms::CosemServer& server, uint16_t client_sap, const Meter& meter)
      : server_(server), client_sap_(client_sap), meter_(meter) {}
  absl::StatusOr<std::vector<uint8_t>> Exchange(std::span<const uint8_t> request) override {
    return server_.Handle(1, client_sap_, request, meter_.time());
  }

 private:
  dlms::CosemServer& server_;
  uint16_t client_sap_;
  const Meter& meter_;
};

class MeterDirectoryTest : public ::testing::Test {
 protected:
  MeterDirectoryTest()
      : meter_(FleetMeter(FleetSection(), 5), kEpoch),
        table_(MeterCosemInfo{}),
        directory_(table_, meter_) {
    meter_.AdvanceTo(kEpoch + 3 * 24h + 7h + 5min);
    dlms::CosemServerOptions options;
    options.system_title = kServerTitle;
    options.clients = {
        {16, dlms::ClientRole::kPublic, AuthenticationMechanism::kNone, 1, kConformance},
        {17, dlms::ClientRole::kReader, AuthenticationMechanism::kLow, 2, kConformance},
        {1, dlms::ClientRole::kManagement, AuthenticationMechanism::kHighGmac, 3, kConformance},
    };
    server_ = std::make_unique<dlms::CosemServer>(
        options, dlms::ServerSecrets{kKeys, {}, "secret12"}, directory_,
        [](std::span<uint8_t> out) { std::fill(out.begin(), out.end(), 0x5C); });
  }

  std::unique_ptr<dlms::CosemClient> Connect(uint16_t sap, AuthenticationMechanism mechanism,
                                             std::string password = "") {
    transports_.push_back(std::make_unique<Loopback>(*server_, sap, meter_));
    dlms::ClientOptions options{.client_sap = sap,
                                .mechanism = mechanism,
                                .password = std::move(password),
                                .system_title = kClientTitle,
                                .keys = kKeys,
                                .invocation_counter = next_counter_};
    auto client = std::make_unique<dlms::CosemClient>(options, *transports_.back());
    return client;
  }

  uint64_t Register(dlms::CosemClient& client, const Obis& obis) {
    auto value = client.Get({3, obis, 2});
    EXPECT_TRUE(value.ok()) << obis.ToString() << ": " << value.status();
    return value.ok() ? *value->AsUint64() : 0;
  }

  Meter meter_;
  MeterObjectTable table_;
  MeterDirectory directory_;
  std::unique_ptr<dlms::CosemServer> server_;
  std::vector<std::unique_ptr<Loopback>> transports_;
  uint32_t next_counter_ = 0;
};

TEST_F(MeterDirectoryTest, EnergyRegistersReadExactlyWhatTheCoreHolds) {
  auto client = Connect(17, AuthenticationMechanism::kLow, "secret12");
  ASSERT_TRUE(client->Associate().ok());
  const RegisterSet total = meter_.core().registers().total();
  ASSERT_GT(total.wh(kActiveImport), 0u);
  EXPECT_EQ(Register(*client, Obis(1, 1, 1, 8, 0, 255)), total.wh(kActiveImport));
  EXPECT_EQ(Register(*client, Obis(1, 1, 2, 8, 0, 255)), total.wh(kActiveExport));
  EXPECT_EQ(Register(*client, Obis(1, 1, 3, 8, 0, 255)), total.reactive_import_varh());
  EXPECT_EQ(Register(*client, Obis(1, 1, 41, 8, 0, 255)), meter_.core().active_import_wh(1));
  uint64_t tariffs = 0;
  for (uint8_t t = 1; t <= 4; ++t) tariffs += Register(*client, Obis(1, 1, 1, 8, t, 255));
  // Each tariff register is floored on its own, so their sum can trail the total.
  EXPECT_LE(tariffs, total.wh(kActiveImport));
  EXPECT_GE(tariffs + 4, total.wh(kActiveImport));
  auto scaler_unit = client->Get({3, Obis(1, 1, 1, 8, 0, 255), 3});
  ASSERT_TRUE(scaler_unit.ok());
  EXPECT_EQ(*scaler_unit, DataValue::Structure({DataValue::Integer(0), DataValue::Enum(30)}));
  auto voltage = client->Get({3, Obis(1, 1, 32, 7, 0, 255), 2});
  ASSERT_TRUE(voltage.ok());
  EXPECT_EQ(*voltage->AsInt64(), meter_.core().grid().voltage_mv[0] / 100);
  EXPECT_TRUE(client->Release().ok());
}

TEST_F(MeterDirectoryTest, EveryObjectInTheReadersListIsReadable) {
  auto client = Connect(17, AuthenticationMechanism::kLow, "secret12");
  ASSERT_TRUE(client->Associate().ok());
  auto list = client->Get({15, Obis(0, 0, 40, 0, 0, 255), 2});
  ASSERT_TRUE(list.ok()) << list.status();
  auto elements = list->AsArray();
  ASSERT_TRUE(elements.ok());
  EXPECT_GT(elements->size(), 80u);
  std::set<std::pair<int, std::string>> seen;
  for (const DataValue& element : *elements) {
    const auto fields = *element.AsStructure();
    const auto class_id = static_cast<uint16_t>(*fields[0].AsInt64());
    const Obis obis = *fields[2].AsObis();
    EXPECT_TRUE(seen.insert({class_id, obis.ToString()}).second) << obis.ToString();
    const auto attributes = *(*fields[3].AsStructure())[0].AsArray();
    for (const DataValue& attribute : attributes) {
      const auto access = *attribute.AsStructure();
      const auto id = static_cast<int8_t>(*access[0].AsInt64());
      if (*access[1].AsInt64() == 0) continue;  // no access
      auto value = client->Get({class_id, obis, id});
      EXPECT_TRUE(value.ok()) << class_id << " " << obis.ToString() << " attribute "
                              << static_cast<int>(id) << ": " << value.status();
    }
  }
}

TEST_F(MeterDirectoryTest, LoadProfileByRangeAndByEntryMatchesTheLogger) {
  auto client = Connect(17, AuthenticationMechanism::kLow, "secret12");
  ASSERT_TRUE(client->Associate().ok());
  const auto entries = meter_.load_profile()->entries();
  ASSERT_GT(entries.size(), 100u);
  const Obis profile(1, 1, 99, 1, 0, 255);
  auto all = client->Get({7, profile, 2});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->AsArray()->size(), entries.size());
  const auto last_row = *(*all->AsArray()).back().AsStructure();
  EXPECT_EQ(*last_row[0].AsDateTime(), entries.back().at);
  EXPECT_EQ(*last_row[2].AsUint64(), entries.back().values[0]);

  // By range: entries 10..20 by their capture times, with an unspecified deviation.
  const auto bound = [](TimePoint t) {
    return DataValue::OctetString(dlms::EncodeDateTime(t, dlms::kMeterDateTimeOptions));
  };
  const DataValue range = DataValue::Structure(
      {DataValue::Structure({DataValue::LongUnsigned(8),
                             DataValue::ObisCode(Obis(0, 0, 1, 0, 0, 255)), DataValue::Integer(2),
                             DataValue::LongUnsigned(0)}),
       bound(entries[9].at), bound(entries[19].at), DataValue::Array({})});
  auto by_range = client->Get({7, profile, 2}, dlms::SelectiveAccess{1, range});
  ASSERT_TRUE(by_range.ok()) << by_range.status();
  ASSERT_EQ(by_range->AsArray()->size(), 11u);
  EXPECT_EQ(*(*by_range->AsArray())[0].AsStructure()->front().AsDateTime(), entries[9].at);

  // By entry with a column selection: entries 5..7, columns 1 (clock) and 3 (first channel).
  const DataValue by_entry_parameters =
      DataValue::Structure({DataValue::DoubleLongUnsigned(5), DataValue::DoubleLongUnsigned(7),
                            DataValue::LongUnsigned(1), DataValue::LongUnsigned(3)});
  auto by_entry = client->Get({7, profile, 2}, dlms::SelectiveAccess{2, by_entry_parameters});
  ASSERT_TRUE(by_entry.ok()) << by_entry.status();
  const auto rows = *by_entry->AsArray();
  ASSERT_EQ(rows.size(), 3u);
  const auto row = *rows[0].AsStructure();
  ASSERT_EQ(row.size(), 3u);
  EXPECT_EQ(*row[0].AsDateTime(), entries[4].at);
  EXPECT_EQ(*row[2].AsUint64(), entries[4].values[0]);

  auto in_use = client->Get({7, profile, 7});
  ASSERT_TRUE(in_use.ok());
  EXPECT_EQ(*in_use->AsUint64(), entries.size());
}

TEST_F(MeterDirectoryTest, PublicClientReadsIdentityAndClockOnly) {
  auto client = Connect(16, AuthenticationMechanism::kNone);
  ASSERT_TRUE(client->Associate().ok());
  auto id = client->Get({1, Obis(1, 1, 0, 0, 5, 255), 2});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id->AsString(), meter_.core().identity().MeterId());
  auto ldn = client->Get({1, Obis(0, 0, 42, 0, 0, 255), 2});
  ASSERT_TRUE(ldn.ok());
  EXPECT_EQ(ldn->AsBytes()->size(), 16u);
  auto clock = client->Get({8, Obis(0, 0, 1, 0, 0, 255), 2});
  ASSERT_TRUE(clock.ok());
  EXPECT_EQ(*clock->AsDateTime(), meter_.core().rtc_time());
  auto saps = client->Get({17, Obis(0, 0, 41, 0, 0, 255), 2});
  ASSERT_TRUE(saps.ok()) << saps.status();
  const auto device = *(*saps->AsArray())[0].AsStructure();
  EXPECT_EQ(*device[0].AsUint64(), 1u);
  EXPECT_EQ(device[1], *ldn);
  auto energy = client->Get({3, Obis(1, 1, 1, 8, 0, 255), 2});
  EXPECT_EQ(energy.status().code(), absl::StatusCode::kNotFound);
  auto set = client->Set({8, Obis(0, 0, 1, 0, 0, 255), 2},
                         DataValue::OctetString(dlms::EncodeDateTime(kEpoch)));
  EXPECT_EQ(set.code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(MeterDirectoryTest, ManagementClientOverHlsSetsAndShiftsTheClock) {
  auto client = Connect(1, AuthenticationMechanism::kHighGmac);
  ASSERT_TRUE(client->Associate().ok());
  const TimePoint before = meter_.core().rtc_time();
  auto shifted = client->Action({8, Obis(0, 0, 1, 0, 0, 255), 6}, DataValue::Long(30));
  ASSERT_TRUE(shifted.ok()) << shifted.status();
  EXPECT_EQ(meter_.core().rtc_time(), before + 30s);
  const TimePoint target = before + 1h;
  ASSERT_TRUE(
      client
          ->Set({8, Obis(0, 0, 1, 0, 0, 255), 2},
                DataValue::OctetString(dlms::EncodeDateTime(target, dlms::kMeterDateTimeOptions)))
          .ok());
  EXPECT_EQ(meter_.core().rtc_time(), target);
  auto too_far = client->Action({8, Obis(0, 0, 1, 0, 0, 255), 6}, DataValue::Long(901));
  EXPECT_FALSE(too_far.ok());
  EXPECT_TRUE(client->Release().ok());
}

TEST_F(MeterDirectoryTest, RefusalsNameWhatWentWrongAndLeaveTheServerUsable) {
  auto wrong_password = Connect(17, AuthenticationMechanism::kLow, "wrong");
  const absl::Status refused = wrong_password->Associate();
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(refused.message()), HasSubstr("authentication-failure"));

  auto wrong_key = Connect(1, AuthenticationMechanism::kHighGmac);
  // Same client, other keys: the server cannot decipher the AARQ.
  dlms::CipherKeys other = kKeys;
  other.authentication_key[0] ^= 0xFF;
  transports_.push_back(std::make_unique<Loopback>(*server_, 1, meter_));
  dlms::CosemClient bad_key({.client_sap = 1,
                             .mechanism = AuthenticationMechanism::kHighGmac,
                             .system_title = kClientTitle,
                             .keys = other},
                            *transports_.back());
  const absl::Status key_refused = bad_key.Associate();
  EXPECT_EQ(key_refused.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(key_refused.message()), HasSubstr("0/6"));  // deciphering-error

  ASSERT_TRUE(wrong_key->Associate().ok());
  EXPECT_GT(Register(*wrong_key, Obis(1, 1, 1, 8, 0, 255)), 0u);
}

TEST_F(MeterDirectoryTest, EndOfBillingScriptStoresTheValueSetInTheBillingLog) {
  auto manager = Connect(1, AuthenticationMechanism::kHighGmac);
  ASSERT_TRUE(manager->Associate().ok());
  const size_t before = meter_.billing_log().entries_in_use();
  auto executed = manager->Action({9, Obis(0, 0, 10, 0, 1, 255), 1}, DataValue::LongUnsigned(1));
  ASSERT_TRUE(executed.ok()) << executed.status();
  ASSERT_EQ(meter_.billing_log().entries_in_use(), before + 1);
  auto billing = manager->Get({7, Obis(0, 0, 98, 1, 0, 255), 2});
  ASSERT_TRUE(billing.ok()) << billing.status();
  const auto rows = *billing->AsArray();
  ASSERT_EQ(rows.size(), before + 1);
  const auto last = *rows.back().AsStructure();
  const BillingValues stored = meter_.billing_log().entries().back();
  EXPECT_EQ(*last[0].AsDateTime(), stored.at);
  EXPECT_EQ(*last[1].AsUint64(), stored.debiting_stop_count);
  EXPECT_EQ(*last[2].AsUint64(), stored.energy.wh(kActiveImport));
  auto captures = manager->Get({7, Obis(0, 0, 98, 1, 0, 255), 3});
  ASSERT_TRUE(captures.ok());
  EXPECT_EQ(captures->AsArray()->size(), last.size());
  auto counter = manager->Get({1, Obis(0, 0, 0, 1, 0, 255), 2});
  ASSERT_TRUE(counter.ok());
  EXPECT_EQ(*counter->AsUint64(), meter_.core().debiting_stop_count());
  // The reader may read the script table but not run it.
  auto reader = Connect(17, AuthenticationMechanism::kLow, "secret12");
  ASSERT_TRUE(reader->Associate().ok());
  EXPECT_EQ(
      reader->Action({9, Obis(0, 0, 10, 0, 1, 255), 1}, DataValue::LongUnsigned(1)).status().code(),
      absl::StatusCode::kPermissionDenied);
}

TEST_F(MeterDirectoryTest, HourCounterAndPushSetupReadWhatTheMeterDoes) {
  auto client = Connect(17, AuthenticationMechanism::kLow, "secret12");
  ASSERT_TRUE(client->Associate().ok());
  auto hours = client->Get({3, Obis(0, 0, 96, 8, 0, 255), 2});
  ASSERT_TRUE(hours.ok()) << hours.status();
  EXPECT_EQ(*hours->AsUint64(), meter_.core().supply_seconds() / 3600);
  auto objects = client->Get({40, Obis(0, 0, 25, 9, 0, 255), 2});
  ASSERT_TRUE(objects.ok()) << objects.status();
  const auto list = *objects->AsArray();
  const auto pushed = PushObjectList();
  ASSERT_EQ(list.size(), pushed.size());
  for (size_t i = 0; i < pushed.size(); ++i) {
    const auto fields = *list[i].AsStructure();
    EXPECT_EQ(*fields[0].AsInt64(), pushed[i].class_id);
    EXPECT_EQ(*fields[1].AsObis(), pushed[i].obis);
  }
  // Without a pulse input in the configuration there is no pulse input object.
  EXPECT_EQ(client->Get({4, Obis(0, 1, 24, 2, 1, 255), 2}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(MeterDirectoryPulseInputTest, ThePulseInputReadsItsCountWithTheConstantsScaler) {
  const PulseInputConfig water = DefaultPulseInputConfig(PulseInputUnit::kLitre);
  Meter meter(FleetMeter(FleetSection(), 2), kEpoch, {}, water);
  meter.AdvanceTo(kEpoch + 5 * 24h);
  ASSERT_NE(meter.pulse_input(), nullptr);
  MeterCosemInfo info;
  info.pulse_input = true;
  const MeterObjectTable table(info);
  MeterDirectory directory(table, meter);
  auto value = directory.Get({4, Obis(0, 1, 24, 2, 1, 255), 2}, std::nullopt);
  ASSERT_EQ(value.result, dlms::DataAccessResult::kSuccess);
  const PulseInputReading reading = meter.pulse_input()->input().reading();
  EXPECT_GT(reading.value, 0u);
  EXPECT_EQ(*value.data.AsUint64(), reading.value);
  auto scaler_unit = directory.Get({4, Obis(0, 1, 24, 2, 1, 255), 3}, std::nullopt);
  EXPECT_EQ(scaler_unit.data, DataValue::Structure({DataValue::Integer(reading.scaler),
                                                    DataValue::Enum(reading.unit)}));
}

TEST_F(MeterDirectoryTest, EventLogsListTheMetersEvents) {
  meter_.InjectOutage(10min);
  meter_.AdvanceTo(meter_.time() + 1h);
  auto client = Connect(17, AuthenticationMechanism::kLow, "secret12");
  ASSERT_TRUE(client->Associate().ok());
  auto failures = client->Get({7, Obis(1, 0, 99, 97, 0, 255), 2});
  ASSERT_TRUE(failures.ok()) << failures.status();
  const auto logged = meter_.events().Entries(EventLogKind::kPowerFailure);
  ASSERT_EQ(failures->AsArray()->size(), logged.size());
  ASSERT_FALSE(logged.empty());
  const auto row = *(*failures->AsArray()).back().AsStructure();
  EXPECT_EQ(*row[0].AsDateTime(), logged.back().at);
  EXPECT_EQ(*row[1].AsUint64(), logged.back().value);
}

}  // namespace
}  // namespace vmuc::meters
