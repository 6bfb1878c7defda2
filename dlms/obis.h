// OBIS codes: the six-byte logical names of COSEM objects (IEC 62056-6-1 4, OBIS; written
// as text per IEC 62056-61 / 62056-6-1 4.3). A value type: trivially copyable, hashable,
// ordered, thread-safe to share.
#ifndef VMUC_DLMS_OBIS_H_
#define VMUC_DLMS_OBIS_H_

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace vmuc::dlms {

struct Obis {
  // Value groups A..F in wire order; on the wire an OBIS code is the 6-byte octet-string
  // of a logical_name attribute (IEC 62056-6-2 4.5.1).
  std::array<uint8_t, 6> bytes{};

  constexpr Obis() = default;
  constexpr Obis(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t e, uint8_t f)
      : bytes{a, b, c, d, e, f} {}
  constexpr explicit Obis(const std::array<uint8_t, 6>& raw) : bytes(raw) {}

  // Accepts the dotted form used throughout vmuc, "1.1.1.8.0.255", and the IEC 62056-61
  // form "A-B:C.D.E*F" ("1-1:1.8.0*255"), also with "." before F or with F omitted
  // (then 255, "not used"). Each group is a decimal 0..255; no spaces.
  static absl::StatusOr<Obis> Parse(std::string_view text);

  // "1.1.1.8.0.255".
  std::string ToString() const;

  friend constexpr bool operator==(const Obis&, const Obis&) = default;
  friend constexpr auto operator<=>(const Obis&, const Obis&) = default;

  template <typename H>
  friend H AbslHashValue(H h, const Obis& obis) {
    return H::combine(std::move(h), obis.bytes);
  }
};

}  // namespace vmuc::dlms

template <>
struct std::hash<vmuc::dlms::Obis> {
  size_t operator()(const vmuc::dlms::Obis& obis) const noexcept {
    uint64_t packed = 0;
    for (uint8_t b : obis.bytes) packed = (packed << 8) | b;
    return std::hash<uint64_t>{}(packed);
  }
};

#endif  // VMUC_DLMS_OBIS_H_
