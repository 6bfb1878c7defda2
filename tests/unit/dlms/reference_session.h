// The verified DLMS sessions of ../shared/reference/dlms-wire-examples.md, once, for every
// dlms/ test that uses them as vectors: the HDLC session with LLS (client 16 -> server 1)
// and the wrapper session with HLS-GMAC, security suite 0, with its keys and titles.
#ifndef VMUC_TESTS_UNIT_DLMS_REFERENCE_SESSION_H_
#define VMUC_TESTS_UNIT_DLMS_REFERENCE_SESSION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/escaping.h"

namespace vmuc::dlms::reference {

// Bytes from hex digits; spaces are ignored.
inline std::vector<uint8_t> Hex(std::string_view text) {
  std::string compact;
  for (char c : text) {
    if (c != ' ') compact.push_back(c);
  }
  const std::string bytes = absl::HexStringToBytes(compact);
  return {bytes.begin(), bytes.end()};
}

// HDLC over TCP, LN referencing, LLS (password "Gurux"): whole frames with their flags.
inline const std::vector<uint8_t> kHdlcSnrm = Hex("7E A0 07 03 21 93 0F 01 7E");
inline const std::vector<uint8_t> kHdlcUa =
    Hex("7E A0 1E 21 03 73 C3 7A 81 80 12 05 01 80 06 01 80 07 04 00 00 00 01 08 04 00 00 00 01 53 "
        "3B 7E");
inline const std::vector<uint8_t> kHdlcAarq =
    Hex("7E A0 41 03 21 10 B1 EA E6 E6 00 60 33 A1 09 06 07 60 85 74 05 08 01 01 8A 02 07 80 8B 07 "
        "60 85 74 05 08 02 01 AC 07 80 05 47 75 72 75 78 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 00 "
        "1E 5D FF FF 9B 2A 7E");
inline const std::vector<uint8_t> kHdlcAare =
    Hex("7E A0 3C 21 03 30 79 BC E6 E7 00 61 2E A1 09 06 07 60 85 74 05 08 01 01 A2 03 02 01 00 A3 "
        "05 A1 03 02 01 00 A7 03 02 01 00 BE 10 04 0E 08 00 06 5F 1F 04 00 00 1E 5D 04 00 00 07 F1 "
        "70 7E");
inline const std::vector<uint8_t> kHdlcGet =
    Hex("7E A0 19 03 21 32 6F D8 E6 E6 00 C0 01 C1 00 0F 00 00 28 00 00 FF 02 00 91 53 7E");
inline const std::vector<uint8_t> kHdlcRr = Hex("7E A0 07 03 21 51 11 E4 7E");

// The APDUs of the HDLC session (LLC header removed).
inline constexpr char kLlsAarqHex[] =
    "60 33 A1 09 06 07 60 85 74 05 08 01 01 8A 02 07 80 8B 07 60 85 74 05 08 02 01 AC 07 80 05 "
    "47 75 72 75 78 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 00 1E 5D FF FF";
inline constexpr char kLlsAareHex[] =
    "61 2E A1 09 06 07 60 85 74 05 08 01 01 A2 03 02 01 00 A3 05 A1 03 02 01 00 A7 03 02 01 00 "
    "BE 10 04 0E 08 00 06 5F 1F 04 00 00 1E 5D 04 00 00 07";

// The wrapper session with HLS-GMAC: keys, system titles, the challenge (both ways), and
// its APDUs without their 8-byte wrapper headers.
inline constexpr char kGuekHex[] = "000102030405060708090A0B0C0D0E0F";
inline constexpr char kGakHex[] = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF";
inline constexpr char kClientTitleHex[] = "4775727578313233";
inline constexpr char kServerTitleHex[] = "4142434445464748";
inline constexpr char kChallengeHex[] = "390c444c4dc010ac20405f8a9d55a78c";
inline constexpr char kHlsAarqHex[] =
    "605da109060760857405080103a60a040847757275783132338a0207808b0760857405080205ac128010390c"
    "444c4dc010ac20405f8a9d55a78cbe230421211f3000000000cb7ab52bb0a3c68cc368412621ffecbb59ec8d"
    "27ddc9a8730ce6";
inline constexpr char kHlsAareHex[] =
    "616ea109060760857405080103a203020100a305a10302010ea40a04084142434445464748a7030201008802"
    "0780890760857405080205aa128010390c444c4dc010ac20405f8a9d55a78cbe230421281f30000000001658"
    "4d6f2bf43753192ddc5081774d4498be95cf5c5796cde148";
inline constexpr char kHlsActionHex[] =
    "cb313000000002474164cfb30c39f97421bd3751baf2253ca8968cb5b4f46bfcc1567f0388a69bda6c32ed04"
    "0ffffa773e8f14";

}  // namespace vmuc::dlms::reference

#endif  // VMUC_TESTS_UNIT_DLMS_REFERENCE_SESSION_H_
