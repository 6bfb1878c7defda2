#include "dlms/hdlc.h"

#include <algorithm>
#include <ostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/check.h"
#include "common/status.h"
#include "common/strings.h"

namespace vmuc::dlms {
namespace {

// Frame format field (IEC 62056-46): type 3 in the high nibble, then bit S, then the top
// three bits of the 11-bit frame length.
constexpr uint8_t kFormatTypeMask = 0xF0;
constexpr uint8_t kFormatType3 = 0xA0;
constexpr uint8_t kFormatSegmented = 0x08;

// Smallest frame between the flags: format (2), two 1-byte addresses, control, FCS (2).
constexpr size_t kMinFrameLength = 7;

// Control bytes with P/F clear (ISO/IEC 13239 commands and responses).
constexpr uint8_t kControlSnrm = 0x83;
constexpr uint8_t kControlDisc = 0x43;
constexpr uint8_t kControlUa = 0x63;
constexpr uint8_t kControlDm = 0x0F;
constexpr uint8_t kControlFrmr = 0x87;
constexpr uint8_t kControlUi = 0x03;
constexpr uint8_t kControlRr = 0x01;
constexpr uint8_t kControlRnr = 0x05;
constexpr uint8_t kPollFinal = 0x10;

// IEC 62056-46 6.4.4.4.3.2: parameter negotiation identifiers.
constexpr uint8_t kParameterFormat = 0x81;
constexpr uint8_t kParameterGroup = 0x80;
constexpr uint8_t kParameterMaxInfoTransmit = 0x05;
constexpr uint8_t kParameterMaxInfoReceive = 0x06;
constexpr uint8_t kParameterWindowTransmit = 0x07;
constexpr uint8_t kParameterWindowReceive = 0x08;

absl::Status ErrorAt(std::string_view where, size_t at, std::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat(AsAbsl(where), " offset ", at, ": ", AsAbsl(message)));
}

std::string Hex8(uint8_t value) { return absl::StrFormat("0x%02X", value); }

size_t AddressMaxValue(uint8_t size) { return size == 4 ? 0x3FFF : 0x7F; }

void AppendAddress(const HdlcAddress& address, std::vector<uint8_t>& out) {
  const absl::Status valid = ValidateHdlcAddress(address);
  VMUC_CHECK(valid.ok(), "invalid HDLC address");
  auto seven = [](unsigned bits) { return static_cast<uint8_t>((bits & 0x7F) << 1); };
  switch (address.size) {
    case 1:
      out.push_back(seven(address.upper) | 1);
      break;
    case 2:
      out.push_back(seven(address.upper));
      out.push_back(seven(address.lower) | 1);
      break;
    default:  // 4, checked above
      out.push_back(seven(address.upper >> 7u));
      out.push_back(seven(address.upper));
      out.push_back(seven(address.lower >> 7u));
      out.push_back(seven(address.lower) | 1);
      break;
  }
}

void AppendFcs(uint16_t fcs, std::vector<uint8_t>& out) {
  out.push_back(static_cast<uint8_t>(fcs & 0xFF));
  out.push_back(static_cast<uint8_t>(fcs >> 8));
}

uint16_t ReadFcs(std::span<const uint8_t> bytes, size_t at) {
  return static_cast<uint16_t>(bytes[at] | (bytes[at + 1] << 8));
}

// Reads an address starting at body[at]: the bytes up to the first with LSB 1.
absl::StatusOr<HdlcAddress> ReadAddress(std::span<const uint8_t> body, size_t end, size_t at,
                                        std::string_view what, std::string_view where,
                                        size_t base) {
  size_t size = 0;
  while (true) {
    if (at + size >= end) {
      return ErrorAt(where, base + at,
                     absl::StrCat(AsAbsl(what), " address runs into the end of the frame"));
    }
    const bool last = (body[at + size] & 1) != 0;
    ++size;
    if (last) break;
    if (size == 4) {
      return ErrorAt(where, base + at, absl::StrCat(AsAbsl(what), " address longer than 4 bytes"));
    }
  }
  auto seven = [&](size_t i) { return static_cast<uint16_t>(body[at + i] >> 1); };
  switch (size) {
    case 1:
      return HdlcAddress{seven(0), 0, 1};
    case 2:
      return HdlcAddress{seven(0), seven(1), 2};
    case 4:
      return HdlcAddress{static_cast<uint16_t>((seven(0) << 7) | seven(1)),
                         static_cast<uint16_t>((seven(2) << 7) | seven(3)), 4};
    default:
      return ErrorAt(where, base + at,
                     absl::StrCat(AsAbsl(what), " address of ", size, " bytes (1, 2 or 4)"));
  }
}

// Decodes the bytes between the flags. Offsets in errors are base + index into `body`.
absl::StatusOr<HdlcFrame> DecodeBody(std::span<const uint8_t> body, std::string_view where,
                                     size_t base) {
  if (body.size() < kMinFrameLength) {
    return ErrorAt(
        where, base,
        absl::StrCat("frame of ", body.size(), " bytes, at least ", kMinFrameLength, " needed"));
  }
  if ((body[0] & kFormatTypeMask) != kFormatType3) {
    return ErrorAt(where, base, absl::StrCat("frame format ", Hex8(body[0]), " is not type 3"));
  }
  const size_t length = ((body[0] & 0x07u) << 8) | body[1];
  if (length != body.size()) {
    return ErrorAt(
        where, base,
        absl::StrCat("frame length ", length, " but ", body.size(), " bytes between the flags"));
  }
  // Nothing the frame says is believed before its FCS checks out.
  const size_t fcs_at = body.size() - 2;
  const uint16_t fcs = HdlcFcs(body.first(fcs_at));
  if (ReadFcs(body, fcs_at) != fcs) {
    return ErrorAt(where, base + fcs_at,
                   absl::StrFormat("bad FCS 0x%04X, computed 0x%04X", ReadFcs(body, fcs_at), fcs));
  }
  HdlcFrame frame;
  frame.segmented = (body[0] & kFormatSegmented) != 0;
  size_t at = 2;
  VMUC_ASSIGN_OR_RETURN(frame.destination,
                        ReadAddress(body, fcs_at, at, "destination", where, base));
  at += frame.destination.size;
  VMUC_ASSIGN_OR_RETURN(frame.source, ReadAddress(body, fcs_at, at, "source", where, base));
  at += frame.source.size;
  if (at >= fcs_at) {
    return ErrorAt(where, base + at, "no control field before the FCS");
  }
  const size_t control_at = at++;
  if (at < fcs_at) {
    // An information field follows, so a HCS covers the header.
    if (at + 2 > fcs_at) {
      return ErrorAt(where, base + at, "1 byte between the control field and the FCS");
    }
    const uint16_t hcs = HdlcFcs(body.first(at));
    if (ReadFcs(body, at) != hcs) {
      return ErrorAt(where, base + at,
                     absl::StrFormat("bad HCS 0x%04X, computed 0x%04X", ReadFcs(body, at), hcs));
    }
    at += 2;
    frame.info.assign(body.begin() + static_cast<std::ptrdiff_t>(at),
                      body.begin() + static_cast<std::ptrdiff_t>(fcs_at));
  }
  auto control = DecodeHdlcControl(body[control_at]);
  if (!control.ok()) {
    return ErrorAt(where, base + control_at, AsStd(control.status().message()));
  }
  frame.control = *control;
  return frame;
}

void AppendParameter(uint8_t id, uint32_t value, uint8_t width, std::vector<uint8_t>& out) {
  if (width == 0) width = value <= 0xFF ? 1 : value <= 0xFFFF ? 2 : 4;
  VMUC_CHECK(width == 1 || width == 2 || width == 4, "HDLC parameter width not 0, 1, 2 or 4");
  VMUC_CHECK(width == 4 || value < (1u << (8 * width)), "HDLC parameter value too wide");
  out.push_back(id);
  out.push_back(width);
  for (int i = width - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

}  // namespace

uint16_t HdlcFcs(std::span<const uint8_t> bytes) {
  uint16_t crc = 0xFFFF;
  for (uint8_t byte : bytes) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) {
      crc = static_cast<uint16_t>((crc & 1) != 0 ? (crc >> 1) ^ 0x8408 : crc >> 1);
    }
  }
  return static_cast<uint16_t>(crc ^ 0xFFFF);
}

std::string HdlcAddress::DebugString() const {
  if (size == 1) return absl::StrCat(upper);
  return absl::StrCat(upper, "/", lower, " (", size, " bytes)");
}

absl::Status ValidateHdlcAddress(const HdlcAddress& address) {
  if (address.size != 1 && address.size != 2 && address.size != 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("HDLC address of ", address.size, " bytes (1, 2 or 4)"));
  }
  const size_t max = AddressMaxValue(address.size);
  if (address.upper > max) {
    return absl::InvalidArgumentError(absl::StrCat("upper HDLC address ", address.upper,
                                                   " does not fit ", address.size,
                                                   "-byte addressing (max ", max, ")"));
  }
  if (address.size == 1 ? address.lower != 0 : address.lower > max) {
    return absl::InvalidArgumentError(absl::StrCat(
        "lower HDLC address ", address.lower, " does not fit ", address.size, "-byte addressing"));
  }
  return absl::OkStatus();
}

std::string_view HdlcFrameTypeName(HdlcFrameType type) {
  switch (type) {
    case HdlcFrameType::kI:
      return "I";
    case HdlcFrameType::kRr:
      return "RR";
    case HdlcFrameType::kRnr:
      return "RNR";
    case HdlcFrameType::kSnrm:
      return "SNRM";
    case HdlcFrameType::kDisc:
      return "DISC";
    case HdlcFrameType::kUa:
      return "UA";
    case HdlcFrameType::kDm:
      return "DM";
    case HdlcFrameType::kFrmr:
      return "FRMR";
    case HdlcFrameType::kUi:
      return "UI";
  }
  return "?";
}

HdlcControl HdlcControl::Unnumbered(HdlcFrameType type, bool poll_final) {
  VMUC_CHECK(type != HdlcFrameType::kI && type != HdlcFrameType::kRr && type != HdlcFrameType::kRnr,
             "not an unnumbered frame type");
  return {type, 0, 0, poll_final};
}

std::string HdlcControl::DebugString() const {
  std::string out(HdlcFrameTypeName(type));
  if (type == HdlcFrameType::kI) absl::StrAppend(&out, " N(S)=", send_sequence);
  if (type == HdlcFrameType::kI || type == HdlcFrameType::kRr || type == HdlcFrameType::kRnr) {
    absl::StrAppend(&out, " N(R)=", receive_sequence);
  }
  if (poll_final) absl::StrAppend(&out, " P/F");
  return out;
}

uint8_t EncodeHdlcControl(const HdlcControl& control) {
  VMUC_CHECK(control.send_sequence <= 7 && control.receive_sequence <= 7,
             "HDLC sequence number above 7");
  const bool numbered_receive = control.type == HdlcFrameType::kI ||
                                control.type == HdlcFrameType::kRr ||
                                control.type == HdlcFrameType::kRnr;
  VMUC_CHECK(control.type == HdlcFrameType::kI || control.send_sequence == 0,
             "N(S) on a frame other than I");
  VMUC_CHECK(numbered_receive || control.receive_sequence == 0,
             "N(R) on a frame other than I, RR or RNR");
  const uint8_t pf = control.poll_final ? kPollFinal : 0;
  const auto nr = static_cast<uint8_t>(control.receive_sequence << 5);
  switch (control.type) {
    case HdlcFrameType::kI:
      return static_cast<uint8_t>(nr | pf | (control.send_sequence << 1));
    case HdlcFrameType::kRr:
      return static_cast<uint8_t>(nr | pf | kControlRr);
    case HdlcFrameType::kRnr:
      return static_cast<uint8_t>(nr | pf | kControlRnr);
    case HdlcFrameType::kSnrm:
      return static_cast<uint8_t>(kControlSnrm | pf);
    case HdlcFrameType::kDisc:
      return static_cast<uint8_t>(kControlDisc | pf);
    case HdlcFrameType::kUa:
      return static_cast<uint8_t>(kControlUa | pf);
    case HdlcFrameType::kDm:
      return static_cast<uint8_t>(kControlDm | pf);
    case HdlcFrameType::kFrmr:
      return static_cast<uint8_t>(kControlFrmr | pf);
    case HdlcFrameType::kUi:
      return static_cast<uint8_t>(kControlUi | pf);
  }
  VMUC_CHECK(false, "unknown HDLC frame type");
  return 0;
}

absl::StatusOr<HdlcControl> DecodeHdlcControl(uint8_t byte) {
  const bool pf = (byte & kPollFinal) != 0;
  if ((byte & 0x01) == 0) {
    return HdlcControl::I(static_cast<uint8_t>((byte >> 1) & 0x07), static_cast<uint8_t>(byte >> 5),
                          pf);
  }
  if ((byte & 0x03) == 0x01) {
    const auto nr = static_cast<uint8_t>(byte >> 5);
    switch (byte & 0x0F) {
      case kControlRr:
        return HdlcControl::Rr(nr, pf);
      case kControlRnr:
        return HdlcControl::Rnr(nr, pf);
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("unsupported supervisory control field ", Hex8(byte), " (REJ/SREJ)"));
    }
  }
  switch (static_cast<uint8_t>(byte & ~kPollFinal)) {
    case kControlSnrm:
      return HdlcControl::Unnumbered(HdlcFrameType::kSnrm, pf);
    case kControlDisc:
      return HdlcControl::Unnumbered(HdlcFrameType::kDisc, pf);
    case kControlUa:
      return HdlcControl::Unnumbered(HdlcFrameType::kUa, pf);
    case kControlDm:
      return HdlcControl::Unnumbered(HdlcFrameType::kDm, pf);
    case kControlFrmr:
      return HdlcControl::Unnumbered(HdlcFrameType::kFrmr, pf);
    case kControlUi:
      return HdlcControl::Unnumbered(HdlcFrameType::kUi, pf);
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unsupported unnumbered control field ", Hex8(byte)));
  }
}

std::string HdlcFrame::DebugString() const {
  std::string out = absl::StrCat(control.DebugString(), " ", source.DebugString(), " -> ",
                                 destination.DebugString());
  if (segmented) absl::StrAppend(&out, " segmented");
  if (!info.empty()) absl::StrAppend(&out, ", ", info.size(), " bytes");
  return out;
}

void PrintTo(const HdlcFrame& frame, std::ostream* os) { *os << frame.DebugString(); }

void AppendHdlcFrame(const HdlcFrame& frame, std::vector<uint8_t>& out) {
  out.push_back(kHdlcFlag);
  const size_t start = out.size();
  out.push_back(0);  // frame format, filled in below
  out.push_back(0);
  AppendAddress(frame.destination, out);
  AppendAddress(frame.source, out);
  out.push_back(EncodeHdlcControl(frame.control));
  const size_t header_length = out.size() - start;
  const size_t length = header_length + (frame.info.empty() ? 0 : 2 + frame.info.size()) + 2;
  VMUC_CHECK(length <= kHdlcMaxFrameLength, "HDLC frame longer than the 11-bit length");
  out[start] =
      static_cast<uint8_t>(kFormatType3 | (frame.segmented ? kFormatSegmented : 0) | (length >> 8));
  out[start + 1] = static_cast<uint8_t>(length & 0xFF);
  if (!frame.info.empty()) {
    AppendFcs(HdlcFcs(std::span<const uint8_t>(out).subspan(start, header_length)), out);
    out.insert(out.end(), frame.info.begin(), frame.info.end());
  }
  AppendFcs(HdlcFcs(std::span<const uint8_t>(out).subspan(start)), out);
  out.push_back(kHdlcFlag);
}

std::vector<uint8_t> EncodeHdlcFrame(const HdlcFrame& frame) {
  std::vector<uint8_t> out;
  out.reserve(frame.info.size() + 16);
  AppendHdlcFrame(frame, out);
  return out;
}

absl::StatusOr<HdlcFrame> DecodeHdlcFrame(std::span<const uint8_t> bytes) {
  constexpr std::string_view kWhere = "HDLC frame";
  if (bytes.empty() || bytes.front() != kHdlcFlag) {
    return ErrorAt(kWhere, 0, "no opening flag 0x7E");
  }
  if (bytes.size() < 2 || bytes.back() != kHdlcFlag) {
    return ErrorAt(kWhere, bytes.size() - 1, "no closing flag 0x7E");
  }
  return DecodeBody(bytes.subspan(1, bytes.size() - 2), kWhere, 1);
}

HdlcDeframer::HdlcDeframer(Options options) : options_(options) {
  VMUC_CHECK(options_.max_frame_length >= kMinFrameLength, "max_frame_length below 7");
}

void HdlcDeframer::Consume(size_t count) {
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(count));
  buffer_offset_ += count;
}

std::vector<absl::StatusOr<HdlcFrame>> HdlcDeframer::Feed(std::span<const uint8_t> bytes) {
  constexpr std::string_view kWhere = "HDLC stream";
  std::vector<absl::StatusOr<HdlcFrame>> out;
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  // `pos` walks the buffer; everything before it is consumed at the end (one erase per call).
  size_t pos = 0;
  // Moves `pos` to the first flag at or after `from`, or to the end of the buffer.
  auto resync = [&](size_t from) {
    const auto it =
        std::find(buffer_.begin() + static_cast<std::ptrdiff_t>(from), buffer_.end(), kHdlcFlag);
    pos = static_cast<size_t>(it - buffer_.begin());
  };
  // The buffer starts with the flag of an unfinished frame, or with bytes still to be
  // skipped: before the first flag, or after a bad frame that was already reported.
  resync(0);
  while (pos < buffer_.size()) {
    // buffer_[pos] is a flag. Any flags after it are fill; the last one opens the frame.
    while (pos + 1 < buffer_.size() && buffer_[pos + 1] == kHdlcFlag) ++pos;
    if (pos + 3 > buffer_.size()) break;  // need the flag and the 2-byte format field
    const uint8_t format = buffer_[pos + 1];
    const uint64_t at = buffer_offset_ + pos + 1;
    if ((format & kFormatTypeMask) != kFormatType3) {
      out.push_back(
          ErrorAt(kWhere, at, absl::StrCat("frame format ", Hex8(format), " is not type 3")));
      resync(pos + 1);
      continue;
    }
    const size_t length = ((format & 0x07u) << 8) | buffer_[pos + 2];
    if (length < kMinFrameLength || length > options_.max_frame_length) {
      out.push_back(ErrorAt(kWhere, at,
                            absl::StrCat("frame length ", length, " outside ", kMinFrameLength,
                                         "..", options_.max_frame_length)));
      resync(pos + 1);
      continue;
    }
    const size_t close = pos + 1 + length;
    if (close >= buffer_.size()) break;  // wait for the rest and the closing flag
    if (buffer_[close] != kHdlcFlag) {
      out.push_back(ErrorAt(kWhere, buffer_offset_ + close,
                            absl::StrCat("no flag after a frame of length ", length)));
      resync(pos + 1);
      continue;
    }
    out.push_back(DecodeBody(std::span<const uint8_t>(buffer_).subspan(pos + 1, length), kWhere,
                             static_cast<size_t>(at)));
    pos = close;  // the closing flag may open the next frame
  }
  // Keep the flag (and what follows it) of an incomplete frame; drop the rest.
  Consume(std::min(pos, buffer_.size()));
  return out;
}

std::vector<uint8_t> EncodeHdlcParameters(const HdlcParameters& parameters,
                                          const HdlcParameterWidths& widths) {
  std::vector<uint8_t> out = {kParameterFormat, kParameterGroup, 0};
  AppendParameter(kParameterMaxInfoTransmit, parameters.max_info_length_transmit,
                  widths.max_info_length, out);
  AppendParameter(kParameterMaxInfoReceive, parameters.max_info_length_receive,
                  widths.max_info_length, out);
  AppendParameter(kParameterWindowTransmit, parameters.window_size_transmit, widths.window_size,
                  out);
  AppendParameter(kParameterWindowReceive, parameters.window_size_receive, widths.window_size, out);
  out[2] = static_cast<uint8_t>(out.size() - 3);
  return out;
}

absl::StatusOr<HdlcParameters> DecodeHdlcParameters(std::span<const uint8_t> info) {
  constexpr std::string_view kWhere = "HDLC parameters";
  HdlcParameters parameters;
  if (info.empty()) return parameters;
  if (info[0] != kParameterFormat) {
    return ErrorAt(kWhere, 0, absl::StrCat("format identifier ", Hex8(info[0]), ", expected 0x81"));
  }
  if (info.size() < 3) return ErrorAt(kWhere, info.size(), "truncated group header");
  if (info[1] != kParameterGroup) {
    return ErrorAt(kWhere, 1, absl::StrCat("group identifier ", Hex8(info[1]), ", expected 0x80"));
  }
  const size_t group_end = 3 + size_t{info[2]};
  if (group_end != info.size()) {
    return ErrorAt(
        kWhere, 2,
        absl::StrCat("group length ", info[2], " but ", info.size() - 3, " bytes follow"));
  }
  size_t at = 3;
  while (at < group_end) {
    if (at + 2 > group_end) return ErrorAt(kWhere, at, "truncated parameter header");
    const uint8_t id = info[at];
    const uint8_t width = info[at + 1];
    if (at + 2 + width > group_end) {
      return ErrorAt(
          kWhere, at,
          absl::StrCat("parameter ", Hex8(id), " of ", width, " bytes runs past the group"));
    }
    const bool known = id >= kParameterMaxInfoTransmit && id <= kParameterWindowReceive;
    if (!known) {  // ISO/IEC 13239 parameters DLMS does not use
      at += 2 + width;
      continue;
    }
    if (width != 1 && width != 2 && width != 4) {
      return ErrorAt(
          kWhere, at + 1,
          absl::StrCat("parameter ", Hex8(id), " value of ", width, " bytes (1, 2 or 4)"));
    }
    uint32_t value = 0;
    for (size_t i = 0; i < width; ++i) value = (value << 8) | info[at + 2 + i];
    const bool window = id == kParameterWindowTransmit || id == kParameterWindowReceive;
    if (window && (value < 1 || value > 7)) {
      return ErrorAt(kWhere, at + 2, absl::StrCat("window size ", value, " outside 1..7"));
    }
    if (!window && value == 0) {
      return ErrorAt(kWhere, at + 2, "maximum information field length 0");
    }
    switch (id) {
      case kParameterMaxInfoTransmit:
        parameters.max_info_length_transmit = value;
        break;
      case kParameterMaxInfoReceive:
        parameters.max_info_length_receive = value;
        break;
      case kParameterWindowTransmit:
        parameters.window_size_transmit = value;
        break;
      default:
        parameters.window_size_receive = value;
        break;
    }
    at += 2 + width;
  }
  return parameters;
}

}  // namespace vmuc::dlms
