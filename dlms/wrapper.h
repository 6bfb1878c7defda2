// The DLMS/COSEM TCP-UDP/IP wrapper (IEC 62056-47, "COSEM transport layers for IPv4
// networks"): an 8-byte header in front of every APDU, in place of the HDLC frame.
//
//   version (2) = 0x0001 | source wPort (2) | destination wPort (2) | length (2) | APDU
//
// All fields are big-endian; length counts the APDU bytes. A wPort is the client SAP or
// the server's logical device address (e.g. client 0x10 -> management device 0x01).
//
// WrapperPdu is a plain value type and the functions are pure; a WrapperDeframer belongs
// to one TCP connection and is used by one thread.
#ifndef VMUC_DLMS_WRAPPER_H_
#define VMUC_DLMS_WRAPPER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace vmuc::dlms {

inline constexpr uint16_t kWrapperVersion = 0x0001;
inline constexpr size_t kWrapperHeaderSize = 8;

struct WrapperPdu {
  uint16_t source_wport = 0;
  uint16_t destination_wport = 0;
  std::vector<uint8_t> apdu = {};

  friend bool operator==(const WrapperPdu&, const WrapperPdu&) = default;
};

// Appends the header and the APDU. An APDU longer than 65535 bytes cannot be wrapped and
// aborts (the xDLMS layer splits long data into blocks first).
void AppendWrapperPdu(const WrapperPdu& pdu, std::vector<uint8_t>& out);
std::vector<uint8_t> EncodeWrapperPdu(const WrapperPdu& pdu);

// Decodes exactly one PDU spanning all of `bytes` (a UDP datagram). InvalidArgument
// ("wrapper offset N: ...") on a short header, a version other than 0x0001, or a length
// field that disagrees with the bytes that follow.
absl::StatusOr<WrapperPdu> DecodeWrapperPdu(std::span<const uint8_t> bytes);

// Splits a TCP byte stream into wrapper PDUs. Fed arbitrary chunks, it returns every PDU
// the chunk completes, in stream order.
//
// The wrapper has no flag to resynchronise on: a bad header (version other than 0x0001,
// length above max_apdu_length) is returned as an InvalidArgument("wrapper stream offset
// N: ...") after the PDUs before it, and the deframer stays failed: every later Feed
// returns that error alone. The caller then closes the connection: with no flag, nothing
// after a bad header can be trusted to start a PDU.
class WrapperDeframer {
 public:
  struct Options {
    // Largest APDU accepted, in bytes; the 16-bit length allows up to 65535. A server
    // sets this to about its receive PDU size plus ciphering overhead (e.g. 4096).
    size_t max_apdu_length = 65535;
  };

  WrapperDeframer() : WrapperDeframer(Options{}) {}
  explicit WrapperDeframer(Options options) : options_(options) {}

  std::vector<absl::StatusOr<WrapperPdu>> Feed(std::span<const uint8_t> bytes);

  // Bytes held back waiting for the rest of a PDU.
  size_t buffered() const { return buffer_.size(); }
  // The error that stopped the stream, OK while it flows.
  const absl::Status& status() const { return status_; }

 private:
  Options options_;
  std::vector<uint8_t> buffer_;
  uint64_t buffer_offset_ = 0;  // stream offset of buffer_[0]
  absl::Status status_;
};

}  // namespace vmuc::dlms

#endif  // VMUC_DLMS_WRAPPER_H_
