#include "meters/loggers/profile_entry.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/bytes.h"
#include "common/check.h"
#include "common/strings.h"
#include "dlms/cosem_date_time.h"

namespace vmuc::meters {

std::vector<uint8_t> EncodeProfileRecord(const ProfileEntry& entry) {
  VMUC_CHECK(entry.channels <= kMaxProfileValues, "profile entry with more than 24 values");
  ByteWriter out;
  out.Bytes(dlms::EncodeDateTime(entry.at, dlms::kMeterDateTimeOptions));
  out.U16(entry.status);
  out.U32(entry.sequence);
  for (size_t i = 0; i < entry.channels; ++i) out.U32(entry.values[i]);
  return out.Take();
}

absl::StatusOr<ProfileEntry> DecodeProfileRecord(std::span<const uint8_t> bytes, uint8_t channels) {
  if (channels < 1 || channels > kMaxProfileValues) {
    return absl::InvalidArgumentError(
        absl::StrCat("profile entry: ", channels, " values; 1 to ", kMaxProfileValues));
  }
  const uint32_t size = ProfileRecordBytes(channels);
  if (bytes.size() != size) {
    return absl::InvalidArgumentError(absl::StrCat("profile entry: ", bytes.size(), " bytes, want ",
                                                   size, " for ", channels, " values"));
  }
  auto time = dlms::DecodeDateTime(bytes.subspan(0, dlms::kDateTimeSize));
  if (!time.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("profile entry: capture time: ", time.status().message()));
  }
  ByteReader in(bytes.subspan(dlms::kDateTimeSize), "profile entry");
  ProfileEntry entry;
  entry.at = *time;
  entry.status = in.U16();
  entry.sequence = in.U32();
  entry.channels = channels;
  for (size_t i = 0; i < channels; ++i) entry.values[i] = in.U32();
  VMUC_CHECK(in.Finish().ok(), "profile entry: size checked above");
  return entry;
}

std::vector<ProfileEntry> DecodeProfileImage(const LogImage& image, uint8_t channels) {
  std::vector<ProfileEntry> entries;
  entries.reserve(image.entries_in_use());
  for (uint32_t i = 0; i < image.entries_in_use(); ++i) {
    auto entry = DecodeProfileRecord(image.Record(i), channels);
    VMUC_CHECK(entry.ok(), "profile image holds a record that does not decode");
    entries.push_back(*entry);
  }
  return entries;
}

absl::Status CheckProfileImage(const LogImage& image, uint8_t channels, std::string_view log_name) {
  if (image.record_bytes() != ProfileRecordBytes(channels)) {
    return absl::DataLossError(absl::StrCat(AsAbsl(log_name), ": records of ", image.record_bytes(),
                                            " bytes, want ", ProfileRecordBytes(channels)));
  }
  for (uint32_t i = 0; i < image.entries_in_use(); ++i) {
    auto entry = DecodeProfileRecord(image.Record(i), channels);
    if (!entry.ok()) {
      return absl::DataLossError(absl::StrCat(AsAbsl(log_name), ": entry ", i + 1, " of ",
                                              image.entries_in_use(), ": ",
                                              entry.status().message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ProfileEntry>> SelectProfileEntries(const LogImage& image,
                                                               uint8_t channels,
                                                               const ProfileSelection& selection,
                                                               std::string_view log_name) {
  const absl::string_view name = AsAbsl(log_name);
  if (selection.columns.size() > channels) {
    return absl::InvalidArgumentError(absl::StrCat(name, " read-out: ", selection.columns.size(),
                                                   " columns of ", channels, " channels"));
  }
  for (uint8_t column : selection.columns) {
    if (column >= channels) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, " read-out: column ", column, " beyond the ", channels, " channels"));
    }
  }
  if (absl::Status range = CheckReadOutRange(log_name, selection.from, selection.to,
                                             selection.from_entry, selection.to_entry);
      !range.ok()) {
    return range;
  }
  std::vector<ProfileEntry> out;
  const uint32_t held = image.entries_in_use();
  const uint32_t last = selection.to_entry == 0 ? held : std::min(selection.to_entry, held);
  for (uint32_t n = selection.from_entry; n <= last; ++n) {
    auto entry = DecodeProfileRecord(image.Record(n - 1), channels);
    if (!entry.ok()) {
      return absl::DataLossError(
          absl::StrCat(name, " read-out: entry ", n, ": ", entry.status().message()));
    }
    if (selection.from && entry->at < *selection.from) continue;
    if (selection.to && entry->at > *selection.to) continue;
    if (selection.columns.empty()) {
      out.push_back(*entry);
      continue;
    }
    ProfileEntry picked = *entry;
    picked.values = {};
    picked.channels = static_cast<uint8_t>(selection.columns.size());
    for (size_t c = 0; c < selection.columns.size(); ++c) {
      picked.values[c] = entry->values[selection.columns[c]];
    }
    out.push_back(picked);
  }
  return out;
}

void ProfileLog::Append(TimePoint at, uint16_t status, std::span<const uint32_t> values) {
  VMUC_CHECK(values.size() == channels_, "profile log: a capture of the wrong width");
  ProfileEntry entry;
  entry.at = at;
  entry.status = status;
  entry.sequence = static_cast<uint32_t>(image_.appended() + 1);
  entry.channels = channels_;
  std::copy(values.begin(), values.end(), entry.values.begin());
  image_.Append(EncodeProfileRecord(entry));
}

}  // namespace vmuc::meters
