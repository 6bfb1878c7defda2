#include "dlms/wrapper.h"

#include <limits>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/check.h"
#include "common/strings.h"

namespace vmuc::dlms {
namespace {

struct Header {
  uint16_t version;
  uint16_t source_wport;
  uint16_t destination_wport;
  uint16_t length;
};

uint16_t ReadUint16(std::span<const uint8_t> bytes, size_t at) {
  return static_cast<uint16_t>((bytes[at] << 8) | bytes[at + 1]);
}

void AppendUint16(uint16_t value, std::vector<uint8_t>& out) {
  out.push_back(static_cast<uint8_t>(value >> 8));
  out.push_back(static_cast<uint8_t>(value & 0xFF));
}

// Reads the header at bytes[0, 8); `base` is its offset for error messages.
absl::StatusOr<Header> ReadHeader(std::span<const uint8_t> bytes, std::string_view where,
                                  uint64_t base) {
  const Header header{ReadUint16(bytes, 0), ReadUint16(bytes, 2), ReadUint16(bytes, 4),
                      ReadUint16(bytes, 6)};
  if (header.version != kWrapperVersion) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s offset %d: version 0x%04X, expected 0x0001", AsAbsl(where), base, header.version));
  }
  return header;
}

}  // namespace

void AppendWrapperPdu(const WrapperPdu& pdu, std::vector<uint8_t>& out) {
  VMUC_CHECK(pdu.apdu.size() <= std::numeric_limits<uint16_t>::max(),
             "APDU longer than the wrapper's 16-bit length");
  AppendUint16(kWrapperVersion, out);
  AppendUint16(pdu.source_wport, out);
  AppendUint16(pdu.destination_wport, out);
  AppendUint16(static_cast<uint16_t>(pdu.apdu.size()), out);
  out.insert(out.end(), pdu.apdu.begin(), pdu.apdu.end());
}

std::vector<uint8_t> EncodeWrapperPdu(const WrapperPdu& pdu) {
  std::vector<uint8_t> out;
  out.reserve(kWrapperHeaderSize + pdu.apdu.size());
  AppendWrapperPdu(pdu, out);
  return out;
}

absl::StatusOr<WrapperPdu> DecodeWrapperPdu(std::span<const uint8_t> bytes) {
  constexpr std::string_view kWhere = "wrapper";
  if (bytes.size() < kWrapperHeaderSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "wrapper offset ", bytes.size(), ": header truncated after ", bytes.size(), " bytes"));
  }
  auto header = ReadHeader(bytes, kWhere, 0);
  if (!header.ok()) return header.status();
  if (header->length != bytes.size() - kWrapperHeaderSize) {
    return absl::InvalidArgumentError(absl::StrCat("wrapper offset 6: length ", header->length,
                                                   " but ", bytes.size() - kWrapperHeaderSize,
                                                   " APDU bytes follow"));
  }
  return WrapperPdu{header->source_wport, header->destination_wport,
                    std::vector<uint8_t>(bytes.begin() + kWrapperHeaderSize, bytes.end())};
}

std::vector<absl::StatusOr<WrapperPdu>> WrapperDeframer::Feed(std::span<const uint8_t> bytes) {
  constexpr std::string_view kWhere = "wrapper stream";
  std::vector<absl::StatusOr<WrapperPdu>> out;
  if (!status_.ok()) {
    out.push_back(status_);
    return out;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  size_t pos = 0;
  while (buffer_.size() - pos >= kWrapperHeaderSize) {
    const std::span<const uint8_t> rest = std::span<const uint8_t>(buffer_).subspan(pos);
    auto header = ReadHeader(rest, kWhere, buffer_offset_ + pos);
    if (header.ok() && header->length > options_.max_apdu_length) {
      header = absl::InvalidArgumentError(
          absl::StrCat("wrapper stream offset ", buffer_offset_ + pos + 6, ": length ",
                       header->length, " above the maximum of ", options_.max_apdu_length));
    }
    if (!header.ok()) {
      status_ = header.status();
      out.push_back(status_);
      buffer_.clear();
      return out;
    }
    if (rest.size() - kWrapperHeaderSize < header->length) break;
    const auto apdu = rest.subspan(kWrapperHeaderSize, header->length);
    out.push_back(WrapperPdu{header->source_wport, header->destination_wport,
                             std::vector<uint8_t>(apdu.begin(), apdu.end())});
    pos += kWrapperHeaderSize + header->length;
  }
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(pos));
  buffer_offset_ += pos;
  return out;
}

}  // namespace vmuc::dlms
