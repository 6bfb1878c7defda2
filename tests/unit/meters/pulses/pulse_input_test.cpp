#include "meters/pulses/pulse_input.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace vmuc::meters {
namespace {

using std::chrono::seconds;

const TimePoint kT0 = TimePoint(seconds(1'767'225'600));  // 2026-01-01T00:00:00Z

PulseInputRegister MakeRegister(PulseInputUnit unit, uint32_t pulses_per_unit) {
  absl::StatusOr<PulseInputRegister> reg = PulseInputRegister::Create({unit, pulses_per_unit});
  EXPECT_TRUE(reg.ok()) << std::string(reg.status().message());
  return *reg;
}

PulseInputReading Reading(uint64_t value, int8_t scaler, uint8_t unit) {
  return PulseInputReading{.value = value, .scaler = scaler, .unit = unit};
}

TEST(PulseInputConfig, PulsesPerUnitIsOneToOneHundredThousand) {
  for (PulseInputUnit unit :
       {PulseInputUnit::kKilowattHour, PulseInputUnit::kCubicMetre, PulseInputUnit::kLitre}) {
    EXPECT_TRUE(ValidatePulseInputConfig({unit, 1}).ok());
    EXPECT_TRUE(ValidatePulseInputConfig({unit, 100'000}).ok());
    EXPECT_EQ(ValidatePulseInputConfig({unit, 0}).code(), absl::StatusCode::kInvalidArgument);
    const absl::Status too_many = ValidatePulseInputConfig({unit, 100'001});
    EXPECT_EQ(too_many.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(too_many.message()).find("100001"), std::string::npos)
        << std::string(too_many.message());
  }
  // Unit none accepts no pulses at all, so its constant is not looked at.
  EXPECT_TRUE(ValidatePulseInputConfig({PulseInputUnit::kNone, 0}).ok());
  EXPECT_EQ(PulseInputRegister::Create({PulseInputUnit::kCubicMetre, 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PulseInputConfig, DefaultsPerUnit) {
  EXPECT_EQ(DefaultPulseInputConfig(PulseInputUnit::kKilowattHour).pulses_per_unit, 1000u);
  EXPECT_EQ(DefaultPulseInputConfig(PulseInputUnit::kCubicMetre).pulses_per_unit, 100u);
  EXPECT_EQ(DefaultPulseInputConfig(PulseInputUnit::kLitre).pulses_per_unit, 1u);
  EXPECT_EQ(DefaultPulseInputConfig(PulseInputUnit::kLitre).unit, PulseInputUnit::kLitre);
}

TEST(PulseInputRegister, KilowattHoursReadInWattHours) {
  PulseInputRegister reg = MakeRegister(PulseInputUnit::kKilowattHour, 1000);
  EXPECT_EQ(reg.reading(), Reading(0, 0, kDlmsUnitWattHour));
  ASSERT_TRUE(reg.AddPulses(kT0).ok());
  ASSERT_TRUE(reg.AddPulses(kT0 + seconds(1), 1233).ok());
  EXPECT_EQ(reg.count(), 1234u);
  EXPECT_EQ(reg.reading(), Reading(1234, 0, kDlmsUnitWattHour));  // 1.234 kWh
  EXPECT_EQ(reg.last_pulse(), kT0 + seconds(1));
}

TEST(PulseInputRegister, ScalerFollowsThePulseConstant) {
  struct Case {
    PulseInputUnit unit;
    uint32_t pulses_per_unit;
    uint64_t pulses;
    PulseInputReading reading;
  };
  const Case cases[] = {
      // kWh reads in Wh (DLMS unit 30).
      {PulseInputUnit::kKilowattHour, 1, 7, Reading(7, 3, kDlmsUnitWattHour)},
      {PulseInputUnit::kKilowattHour, 10, 7, Reading(7, 2, kDlmsUnitWattHour)},
      {PulseInputUnit::kKilowattHour, 10'000, 7, Reading(7, -1, kDlmsUnitWattHour)},
      {PulseInputUnit::kKilowattHour, 100'000, 7, Reading(7, -2, kDlmsUnitWattHour)},
      {PulseInputUnit::kKilowattHour, 400, 3, Reading(75, -1, kDlmsUnitWattHour)},   // 2.5 Wh
      {PulseInputUnit::kKilowattHour, 800, 3, Reading(375, -2, kDlmsUnitWattHour)},  // 1.25 Wh
      {PulseInputUnit::kKilowattHour, 500, 3, Reading(6, 0, kDlmsUnitWattHour)},     // 2 Wh
      // m3 (DLMS unit 13).
      {PulseInputUnit::kCubicMetre, 1, 7, Reading(7, 0, kDlmsUnitCubicMetre)},
      {PulseInputUnit::kCubicMetre, 100, 12'345, Reading(12'345, -2, kDlmsUnitCubicMetre)},
      {PulseInputUnit::kCubicMetre, 100'000, 7, Reading(7, -5, kDlmsUnitCubicMetre)},
      {PulseInputUnit::kCubicMetre, 4, 3, Reading(75, -2, kDlmsUnitCubicMetre)},  // 0.25 m3
      // Litres (DLMS unit 19).
      {PulseInputUnit::kLitre, 1, 42, Reading(42, 0, kDlmsUnitLitre)},
      {PulseInputUnit::kLitre, 10, 42, Reading(42, -1, kDlmsUnitLitre)},
      // No exact decimal scaler: one pulse is 1/3 L; tenths, truncated.
      {PulseInputUnit::kLitre, 3, 1, Reading(3, -1, kDlmsUnitLitre)},
      {PulseInputUnit::kLitre, 3, 2, Reading(6, -1, kDlmsUnitLitre)},
      {PulseInputUnit::kLitre, 3, 3, Reading(10, -1, kDlmsUnitLitre)},
      {PulseInputUnit::kCubicMetre, 99'999, 99'999, Reading(100'000, -5, kDlmsUnitCubicMetre)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << static_cast<int>(c.unit) << " " << c.pulses_per_unit);
    PulseInputRegister reg = MakeRegister(c.unit, c.pulses_per_unit);
    ASSERT_TRUE(reg.AddPulses(kT0, c.pulses).ok());
    const PulseInputReading r = reg.reading();
    EXPECT_EQ(r.value, c.reading.value);
    EXPECT_EQ(r.scaler, c.reading.scaler);
    EXPECT_EQ(r.unit, c.reading.unit);
  }
}

TEST(PulseInputRegister, ExactReadingsAreExactForLargeCounts) {
  // value * 10^scaler == count / constant, with no overflow at a large count.
  const uint64_t count = 1'000'000'000'007;
  EXPECT_EQ(ReadingOf({PulseInputUnit::kKilowattHour, 400}, count).value, count * 25);
  EXPECT_EQ(ReadingOf({PulseInputUnit::kLitre, 3}, count).value, count * 10 / 3);
}

TEST(PulseInputRegister, AnInputWithoutUnitRejectsPulses) {
  PulseInputRegister reg = MakeRegister(PulseInputUnit::kNone, 1000);
  const absl::Status status = reg.AddPulses(kT0);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(status.message()).find("Z12 00"), std::string::npos)
      << std::string(status.message());
  EXPECT_EQ(reg.count(), 0u);
  EXPECT_EQ(reg.last_pulse(), std::nullopt);
  EXPECT_EQ(reg.reading(), Reading(0, 0, kDlmsUnitCount));
  EXPECT_EQ(PulseInputRegister::Create({PulseInputUnit::kNone, 1000}, 5).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PulseInputRegister, TimeMayNotRunBackwards) {
  PulseInputRegister reg = MakeRegister(PulseInputUnit::kLitre, 1);
  ASSERT_TRUE(reg.AddPulses(kT0 + seconds(10)).ok());
  ASSERT_TRUE(reg.AddPulses(kT0 + seconds(10)).ok());  // the same instant is fine
  const absl::Status status = reg.AddPulses(kT0 + seconds(9));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(status.message()).find("2026-01-01T00:00:09.000Z"), std::string::npos)
      << std::string(status.message());
  EXPECT_EQ(reg.count(), 2u);
  EXPECT_EQ(reg.last_pulse(), kT0 + seconds(10));
  EXPECT_EQ(reg.AddPulses(kT0 + seconds(11), 0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(reg.count(), 2u);
}

TEST(PulseInputRegister, CountRestoresAndNeverWraps) {
  absl::StatusOr<PulseInputRegister> reg =
      PulseInputRegister::Create({PulseInputUnit::kCubicMetre, 100}, UINT64_MAX - 1);
  ASSERT_TRUE(reg.ok());
  EXPECT_TRUE(reg->AddPulses(kT0).ok());
  EXPECT_EQ(reg->AddPulses(kT0).code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(reg->count(), UINT64_MAX);
}

TEST(PulseInputRegister, StateIsSmall) { EXPECT_LE(sizeof(PulseInputRegister), 24u); }

}  // namespace
}  // namespace vmuc::meters
