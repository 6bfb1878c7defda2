#include "dlms/cosem_date_time.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/strings.h"

namespace vmuc::dlms {
namespace {

using Hundredths = std::chrono::duration<int64_t, std::centi>;

constexpr unsigned kMinYear = 1678;
constexpr unsigned kMaxYear = 2261;

absl::Status Invalid(std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("COSEM date-time: ", AsAbsl(what)));
}

}  // namespace

DateTimeBytes EncodeDateTime(TimePoint time, const DateTimeEncodeOptions& options) {
  const int16_t deviation = options.deviation_minutes.value_or(0);
  VMUC_CHECK(deviation >= -kMaxDeviationMinutes && deviation <= kMaxDeviationMinutes,
             "COSEM date-time deviation must be within -720..720 minutes");
  // IEC 62056-6-2 4.1.6.1: deviation is minutes of local time to UTC, so local = UTC - it.
  const TimePoint local = time - std::chrono::minutes(deviation);
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{std::chrono::floor<Hundredths>(local - day)};

  const auto year = static_cast<uint16_t>(static_cast<int>(ymd.year()));
  const uint16_t wire_deviation =
      options.deviation_minutes ? static_cast<uint16_t>(deviation) : kDeviationNotSpecified;
  return DateTimeBytes{
      static_cast<uint8_t>(year >> 8),
      static_cast<uint8_t>(year & 0xFF),
      static_cast<uint8_t>(static_cast<unsigned>(ymd.month())),
      static_cast<uint8_t>(static_cast<unsigned>(ymd.day())),
      static_cast<uint8_t>(std::chrono::weekday(day).iso_encoding()),  // 1 = Monday
      static_cast<uint8_t>(hms.hours().count()),
      static_cast<uint8_t>(hms.minutes().count()),
      static_cast<uint8_t>(hms.seconds().count()),
      options.hundredths_unspecified ? kFieldNotSpecified
                                     : static_cast<uint8_t>(hms.subseconds().count()),
      static_cast<uint8_t>(wire_deviation >> 8),
      static_cast<uint8_t>(wire_deviation & 0xFF),
      options.clock_status,
  };
}

absl::StatusOr<DecodedDateTime> DecodeDateTimeDetailed(std::span<const uint8_t> bytes) {
  if (bytes.size() != kDateTimeSize) {
    return Invalid(absl::StrCat("expected 12 bytes, got ", bytes.size()));
  }
  const unsigned year = (unsigned{bytes[0]} << 8) | bytes[1];
  const unsigned month = bytes[2];
  const unsigned day_of_month = bytes[3];
  const unsigned day_of_week = bytes[4];
  const unsigned hour = bytes[5];
  const unsigned minute = bytes[6];
  const unsigned second = bytes[7];
  const unsigned hundredths = bytes[8];
  const auto wire_deviation = static_cast<uint16_t>((unsigned{bytes[9]} << 8) | bytes[10]);

  // IEC 62056-6-2 4.1.6.1 ranges; 0xFFFF / 0xFF / 0xFD / 0xFE wildcards fall outside them.
  if (year == 0xFFFF) return Invalid("year not specified (0xFFFF)");
  // TimePoint counts nanoseconds in 64 bits: 1677-09-21 .. 2262-04-11.
  if (year < kMinYear || year > kMaxYear) {
    return Invalid(absl::StrCat("year ", year, " outside ", kMinYear, "..", kMaxYear));
  }
  if (month < 1 || month > 12) return Invalid(absl::StrCat("invalid month ", month));
  const std::chrono::year_month_day ymd{std::chrono::year(static_cast<int>(year)),
                                        std::chrono::month(month), std::chrono::day(day_of_month)};
  if (!ymd.ok()) {
    return Invalid(absl::StrCat("invalid day of month ", day_of_month, " in ", year, "-", month));
  }
  const std::chrono::sys_days day{ymd};
  if (day_of_week != kFieldNotSpecified &&
      day_of_week != std::chrono::weekday(day).iso_encoding()) {
    return Invalid(absl::StrCat("day of week ", day_of_week, " does not match ", year, "-", month,
                                "-", day_of_month, " (expected ",
                                std::chrono::weekday(day).iso_encoding(), ")"));
  }
  if (hour > 23) return Invalid(absl::StrCat("invalid hour ", hour));
  if (minute > 59) return Invalid(absl::StrCat("invalid minute ", minute));
  if (second > 59) return Invalid(absl::StrCat("invalid second ", second));
  const bool hundredths_specified = hundredths != kFieldNotSpecified;
  if (hundredths_specified && hundredths > 99) {
    return Invalid(absl::StrCat("invalid hundredths ", hundredths));
  }

  DecodedDateTime decoded;
  decoded.hundredths_specified = hundredths_specified;
  decoded.clock_status = bytes[11];
  TimePoint local = TimePoint(day) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
                    std::chrono::seconds(second) +
                    Hundredths(hundredths_specified ? hundredths : 0);
  if (wire_deviation == kDeviationNotSpecified) {
    decoded.time = local;  // No deviation: vmuc's time line is UTC.
  } else {
    const auto deviation = static_cast<int16_t>(wire_deviation);
    if (deviation < -kMaxDeviationMinutes || deviation > kMaxDeviationMinutes) {
      return Invalid(absl::StrCat("deviation ", deviation, " minutes outside -720..720"));
    }
    decoded.deviation_minutes = deviation;
    // IEC 62056-6-2 4.1.6.1: deviation is minutes of local time to UTC.
    decoded.time = local + std::chrono::minutes(deviation);
  }
  return decoded;
}

absl::StatusOr<TimePoint> DecodeDateTime(std::span<const uint8_t> bytes) {
  auto decoded = DecodeDateTimeDetailed(bytes);
  if (!decoded.ok()) return decoded.status();
  return decoded->time;
}

}  // namespace vmuc::dlms
