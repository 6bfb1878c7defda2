// The HDLC frame codec of the DLMS/COSEM connection-oriented three-layer profile
// (IEC 62056-46, "Data link layer using HDLC protocol", which profiles ISO/IEC 13239):
// frame format type 3, extended addressing, control fields, FCS/HCS, a stream deframer
// and the parameter negotiation information field of SNRM and UA.
//
//   flag | format (2) | destination (1..4) | source (1..4) | control | [HCS (2) | info] |
//   FCS (2) | flag
//
// IEC 62056-46 uses no byte stuffing: the 11-bit frame length, not a search for the closing
// flag, delimits a frame. The length counts the bytes between the flags; the HCS covers
// format .. control and is present only when an information field follows; the FCS covers
// everything between the flags before it. Both are CRC-16/X-25, low byte first.
//
// Everything here is a plain value type or a pure function, safe to call from any thread.
// Decoders treat their input as hostile: every failure is an InvalidArgument naming the
// byte offset. An HdlcDeframer belongs to one connection and is used by one thread.
#ifndef VMUC_DLMS_HDLC_H_
#define VMUC_DLMS_HDLC_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace vmuc::dlms {

inline constexpr uint8_t kHdlcFlag = 0x7E;

// IEC 62056-46, frame format field: the frame length sub-field is 11 bits.
inline constexpr size_t kHdlcMaxFrameLength = 0x7FF;

// The largest maximum information field length vmuc negotiates (the usual limit of DLMS
// stacks): a frame carrying that much with a 4-byte server address stays within the 11-bit
// frame length.
inline constexpr uint32_t kHdlcMaxInfoLength = 2030;

// IEC 62056-46, LLC sub-layer: the three bytes in front of every APDU carried in an
// I or UI frame: destination LSAP 0xE6, source LSAP 0xE6 (command) or 0xE7 (response),
// LLC quality 0x00.
inline constexpr std::array<uint8_t, 3> kLlcRequestHeader = {0xE6, 0xE6, 0x00};
inline constexpr std::array<uint8_t, 3> kLlcResponseHeader = {0xE6, 0xE7, 0x00};

// CRC-16/X-25 (polynomial 0x1021 reflected, initial value 0xFFFF, final XOR 0xFFFF), the
// HCS and FCS of IEC 62056-46 (ISO/IEC 13239 FCS-16). On the wire the low byte comes first.
uint16_t HdlcFcs(std::span<const uint8_t> bytes);

// An HDLC address (IEC 62056-46 address field, ISO/IEC 13239 extended addressing): every
// byte carries 7 address bits, and only the last one has its LSB set.
//
// A client address is 1 byte: `upper` holds it (0..0x7F), `lower` is 0. A server address
// is the upper HDLC address (logical device) plus an optional lower HDLC address
// (physical device), written in `size` bytes:
//   1: upper only, 7 bits (lower must be 0);
//   2: upper 7 bits, then lower 7 bits;
//   4: upper 14 bits, then lower 14 bits (7 bits per byte, most significant first).
struct HdlcAddress {
  uint16_t upper = 0;
  uint16_t lower = 0;
  uint8_t size = 1;

  static HdlcAddress Client(uint8_t address) { return {address, 0, 1}; }
  static HdlcAddress Server(uint16_t upper) { return {upper, 0, 1}; }
  static HdlcAddress Server(uint16_t upper, uint16_t lower, uint8_t size) {
    return {upper, lower, size};
  }

  // "16", "1/17 (4 bytes)".
  std::string DebugString() const;

  friend bool operator==(const HdlcAddress&, const HdlcAddress&) = default;
};

// InvalidArgument when `size` is not 1, 2 or 4 or a part does not fit its bits. For
// configuration checks; the encoder aborts on such an address.
absl::Status ValidateHdlcAddress(const HdlcAddress& address);

// IEC 62056-46, control field (ISO/IEC 13239 NRM commands and responses): the frame
// types DLMS uses.
enum class HdlcFrameType : uint8_t {
  kI,     // information
  kRr,    // receive ready
  kRnr,   // receive not ready
  kSnrm,  // set normal response mode
  kDisc,  // disconnect
  kUa,    // unnumbered acknowledge
  kDm,    // disconnected mode
  kFrmr,  // frame reject
  kUi,    // unnumbered information
};

// "I", "RR", "SNRM" ...
std::string_view HdlcFrameTypeName(HdlcFrameType type);

// The control field. Bit 0 of the wire byte is its least significant bit:
//   I:  N(R) N(R) N(R) P/F N(S) N(S) N(S) 0
//   S:  N(R) N(R) N(R) P/F  S    S    0   1     (RR: S = 00, RNR: S = 01)
//   U:   M    M    M   P/F  M    M    1   1
struct HdlcControl {
  HdlcFrameType type = HdlcFrameType::kUi;
  uint8_t send_sequence = 0;     // N(S) of an I frame, 0..7
  uint8_t receive_sequence = 0;  // N(R) of an I, RR or RNR frame, 0..7
  bool poll_final = false;       // P in a command, F in a response

  static HdlcControl I(uint8_t send_sequence, uint8_t receive_sequence, bool poll_final) {
    return {HdlcFrameType::kI, send_sequence, receive_sequence, poll_final};
  }
  static HdlcControl Rr(uint8_t receive_sequence, bool poll_final) {
    return {HdlcFrameType::kRr, 0, receive_sequence, poll_final};
  }
  static HdlcControl Rnr(uint8_t receive_sequence, bool poll_final) {
    return {HdlcFrameType::kRnr, 0, receive_sequence, poll_final};
  }
  // SNRM, DISC, UA, DM, FRMR or UI (aborts on other types).
  static HdlcControl Unnumbered(HdlcFrameType type, bool poll_final);

  // "I N(S)=1 N(R)=2 P/F", "SNRM P/F", "RR N(R)=0".
  std::string DebugString() const;

  friend bool operator==(const HdlcControl&, const HdlcControl&) = default;
};

// Sequence numbers above 7, or N(S)/N(R) set on a type without them, abort.
uint8_t EncodeHdlcControl(const HdlcControl& control);
// InvalidArgument for a control byte of a frame type listed nowhere in HdlcFrameType
// (REJ, SREJ, SARM, XID ...).
absl::StatusOr<HdlcControl> DecodeHdlcControl(uint8_t byte);

struct HdlcFrame {
  HdlcAddress destination = {};
  HdlcAddress source = {};
  HdlcControl control = {};
  // IEC 62056-46, frame format field: bit S; more segments of the same
  // information follow in the next I frames.
  bool segmented = false;
  // The information field (with its LLC header when it carries an APDU); empty means the
  // frame has none and then carries no HCS.
  std::vector<uint8_t> info = {};

  // "I N(S)=0 N(R)=0 P/F 16 -> 1, 56 bytes": type, source -> destination, info size.
  std::string DebugString() const;

  friend bool operator==(const HdlcFrame&, const HdlcFrame&) = default;
};

void PrintTo(const HdlcFrame& frame, std::ostream* os);  // GoogleTest printer

// Appends the frame with both flags. Aborts when an address is invalid, a sequence number
// does not fit, or the frame would exceed kHdlcMaxFrameLength (the caller segments).
void AppendHdlcFrame(const HdlcFrame& frame, std::vector<uint8_t>& out);
std::vector<uint8_t> EncodeHdlcFrame(const HdlcFrame& frame);

// Decodes exactly one frame with its opening and closing flag, as EncodeHdlcFrame writes
// it. InvalidArgument("HDLC frame offset N: ...") on a missing flag, a frame format other
// than type 3, a frame length that disagrees with the input, an address of 3 or more than
// 4 bytes, an unsupported control field, a bad HCS or a bad FCS.
absl::StatusOr<HdlcFrame> DecodeHdlcFrame(std::span<const uint8_t> bytes);

// Splits a byte stream (a TCP connection, a serial line) into frames. Fed arbitrary
// chunks, it returns every frame the chunk completes, in stream order, and one error per
// bad frame (bad HCS/FCS, frame length out of range or not followed by a flag, bad
// address, unsupported control field), then resynchronises: on the closing flag of a
// frame whose length checked out, otherwise on the next 0x7E after the bad frame's
// opening flag. A flag may close one frame and open the next, and any number of flags
// may separate frames. Bytes before the first flag are dropped silently; after any flag,
// a byte that cannot start a frame is an error. At most max_frame_length + 2 bytes stay
// buffered between calls.
class HdlcDeframer {
 public:
  struct Options {
    // Frames whose length field (bytes between the flags) exceeds this are errors.
    // Default 2048, i.e. anything the 11-bit length can express.
    size_t max_frame_length = 2048;
  };

  HdlcDeframer() : HdlcDeframer(Options{}) {}
  explicit HdlcDeframer(Options options);

  // Errors are InvalidArgument("HDLC stream offset N: ..."), N counted from the first byte
  // ever fed.
  std::vector<absl::StatusOr<HdlcFrame>> Feed(std::span<const uint8_t> bytes);

  // Bytes held back waiting for the rest of a frame.
  size_t buffered() const { return buffer_.size(); }

 private:
  // Drops buffer_[0, count) and advances the stream offset.
  void Consume(size_t count);

  Options options_;
  std::vector<uint8_t> buffer_;
  uint64_t buffer_offset_ = 0;  // stream offset of buffer_[0]
};

// IEC 62056-46 6.4.4.4.3.2: the HDLC parameters negotiated by SNRM and UA. Each side
// states what it transmits and receives; absent parameters take the defaults below.
struct HdlcParameters {
  uint32_t max_info_length_transmit = 128;
  uint32_t max_info_length_receive = 128;
  uint32_t window_size_transmit = 1;
  uint32_t window_size_receive = 1;

  friend bool operator==(const HdlcParameters&, const HdlcParameters&) = default;
};

// How many bytes each parameter value takes on the wire: 1, 2 or 4, or 0 for the
// smallest of those that holds the value. The defaults reproduce the reference UA of
// dlms-wire-examples.md: lengths in the fewest bytes, windows in 4.
struct HdlcParameterWidths {
  uint8_t max_info_length = 0;
  uint8_t window_size = 4;
};

// The whole information field: format identifier 0x81, group identifier 0x80, group
// length, then the four parameters (IDs 0x05 .. 0x08), each written even when it equals
// its default. Aborts on a width other than 0, 1, 2 or 4 or a value that does not fit.
std::vector<uint8_t> EncodeHdlcParameters(const HdlcParameters& parameters,
                                          const HdlcParameterWidths& widths = {});

// Decodes an SNRM or UA information field; an empty field gives the defaults. Values may
// take 1, 2 or 4 bytes; parameters with other IDs in the group are skipped.
// InvalidArgument("HDLC parameters offset N: ...") on a wrong format or group identifier,
// a group length that disagrees with the field, a value of another width, a maximum
// information field length of 0 or a window size outside 1..7.
absl::StatusOr<HdlcParameters> DecodeHdlcParameters(std::span<const uint8_t> info);

}  // namespace vmuc::dlms

#endif  // VMUC_DLMS_HDLC_H_
