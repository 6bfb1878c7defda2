#include "meters/loggers/billing_log.h"

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "dlms/cosem_date_time.h"

namespace vmuc::meters {

std::vector<uint8_t> EncodeBillingValues(const BillingValues& values) {
  ByteWriter out;
  dlms::DateTimeEncodeOptions options = dlms::kMeterDateTimeOptions;
  if (!values.clock_valid) options.clock_status = dlms::kClockStatusInvalidValue;
  out.Bytes(dlms::EncodeDateTime(values.at, options));
  // The hour counter holds 490 000 years in 32 bits.
  out.U32(static_cast<uint32_t>(values.hour_counter));
  out.U32(values.debiting_stop_count);
  out.U32(values.power_threshold_count);
  out.U64(values.pulse_input_count);
  out.U64s(values.energy.milli_unit_seconds);
  out.U64s(values.active_import_tariff);
  out.U64s(values.reactive_import_tariff);
  WritePeaks(out, values.peaks);
  out.U32s(values.accumulated);
  VMUC_CHECK(out.bytes().size() == kBillingRecordBytes, "billing record size");
  return out.Take();
}

absl::StatusOr<BillingValues> DecodeBillingValues(std::span<const uint8_t> bytes) {
  ByteReader in(bytes, "billing values");
  BillingValues values;
  auto time = dlms::DecodeDateTimeDetailed(in.Bytes(dlms::kDateTimeSize));
  if (!time.ok()) {
    return absl::DataLossError(absl::StrCat("billing values: RTC: ", time.status().message()));
  }
  values.at = time->time;
  values.clock_valid = (time->clock_status & dlms::kClockStatusInvalidValue) == 0;
  values.hour_counter = in.U32();
  values.debiting_stop_count = in.U32();
  values.power_threshold_count = in.U32();
  values.pulse_input_count = in.U64();
  in.U64s(values.energy.milli_unit_seconds);
  in.U64s(values.active_import_tariff);
  in.U64s(values.reactive_import_tariff);
  ReadPeaks(in, values.peaks);
  in.U32s(values.accumulated);
  if (absl::Status status = in.Finish(); !status.ok()) return status;
  return values;
}

std::vector<BillingValues> BillingLog::entries() const {
  std::vector<BillingValues> out;
  for (uint32_t i = 0; i < image_.entries_in_use(); ++i) {
    auto values = DecodeBillingValues(image_.Record(i));
    VMUC_CHECK(values.ok(), "billing log: an undecodable record in the image");
    out.push_back(*values);
  }
  return out;
}

absl::Status BillingLog::CheckImage() const {
  for (uint32_t i = 0; i < image_.entries_in_use(); ++i) {
    auto values = DecodeBillingValues(image_.Record(i));
    if (!values.ok()) {
      return absl::DataLossError(
          absl::StrCat("billing log entry ", i + 1, ": ", values.status().message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace vmuc::meters
