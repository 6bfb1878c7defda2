// COSEM date-time: the 12-byte octet-string that carries a point in time in COSEM
// attributes and APDUs (IEC 62056-6-2 4.1.6.1, "Date and time formats"). Free functions
// converting between that form and vmuc::TimePoint (UTC); stateless, thread-safe.
//
// Layout (IEC 62056-6-2 4.1.6.1):
//   year (2, big-endian) | month | day-of-month | day-of-week (1 = Monday .. 7) | hour |
//   minute | second | hundredths | deviation (int16 big-endian, minutes) | clock status
// The fields hold local time; deviation is "minutes of local time to UTC", i.e.
// UTC = local + deviation (Paris in winter: -60); 0x8000 means "not specified".
#ifndef VMUC_DLMS_COSEM_DATE_TIME_H_
#define VMUC_DLMS_COSEM_DATE_TIME_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "absl/status/statusor.h"
#include "common/time.h"

namespace vmuc::dlms {

inline constexpr size_t kDateTimeSize = 12;
using DateTimeBytes = std::array<uint8_t, kDateTimeSize>;

// IEC 62056-6-2 4.1.6.1: 0xFF marks a byte field as not specified, 0x8000 the deviation.
inline constexpr uint8_t kFieldNotSpecified = 0xFF;
inline constexpr uint16_t kDeviationNotSpecified = 0x8000;
inline constexpr int16_t kMaxDeviationMinutes = 720;

// Clock status bits (IEC 62056-6-2 4.1.6.1).
inline constexpr uint8_t kClockStatusInvalidValue = 0x01;
inline constexpr uint8_t kClockStatusDoubtfulValue = 0x02;
inline constexpr uint8_t kClockStatusDifferentClockBase = 0x04;
inline constexpr uint8_t kClockStatusInvalidClockStatus = 0x08;
inline constexpr uint8_t kClockStatusDaylightSaving = 0x80;

struct DateTimeEncodeOptions {
  // Write hundredths as 0xFF ("not specified") instead of the time's hundredths.
  bool hundredths_unspecified = false;
  // Minutes of local time to UTC (UTC = local + deviation), -720..720; the fields are
  // written in that local time. nullopt writes 0x8000 ("not specified") and UTC fields.
  std::optional<int16_t> deviation_minutes = 0;
  uint8_t clock_status = 0;
};

// What the meters of this family send (cosem-object-model.md, "Conventions"): UTC fields,
// hundredths 0xFF, deviation 0x8000, status 0.
inline constexpr DateTimeEncodeOptions kMeterDateTimeOptions{
    .hundredths_unspecified = true, .deviation_minutes = std::nullopt, .clock_status = 0};

// Encodes `time` (sub-hundredth precision is truncated towards the past). A deviation
// outside -720..720 is a programming error and aborts.
DateTimeBytes EncodeDateTime(TimePoint time, const DateTimeEncodeOptions& options = {});

struct DecodedDateTime {
  TimePoint time;                            // UTC
  std::optional<int16_t> deviation_minutes;  // nullopt: 0x8000, fields were taken as UTC
  bool hundredths_specified = true;
  uint8_t clock_status = 0;
};

// Decodes a 12-byte date-time. Every field must be specified except hundredths (0xFF is
// read as 0), day of week (0xFF accepted; 1..7 must match the date) and deviation (0x8000:
// the fields are taken as UTC, vmuc's time line). Wildcards such as year 0xFFFF or month
// 0xFD ("daylight savings end"), which name a pattern rather than a point in time, are
// rejected with InvalidArgument, as are impossible dates ("2026-02-30"), years outside
// TimePoint's range (1678..2261) and sizes other than 12.
absl::StatusOr<DecodedDateTime> DecodeDateTimeDetailed(std::span<const uint8_t> bytes);

// DecodeDateTimeDetailed(bytes)->time.
absl::StatusOr<TimePoint> DecodeDateTime(std::span<const uint8_t> bytes);

}  // namespace vmuc::dlms

#endif  // VMUC_DLMS_COSEM_DATE_TIME_H_
