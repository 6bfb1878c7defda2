// libFuzzer target: the meters' pushes as the collector decodes every uplink frame:
// DecodePush (meters/cosem/push_list.h) and DecodeProfilePush (meters/cosem/profile_push.h).
//
// Oracles, beyond "no crash, no sanitizer report":
//  - exactly one of the two claims the APDU: DecodeProfilePush answers NotFound for any
//    list other than its own, so the collector can try the register push next;
//  - what decodes re-encodes to an APDU that decodes to the same value (a register push:
//    the same meter and registers; its capture instant may lose hundredths), whose encoding
//    is the same bytes again.
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/check.h"
#include "meters/cosem/profile_push.h"
#include "meters/cosem/push_list.h"

namespace vmuc::meters {
namespace {

void CheckProfilePush(const ProfilePush& push) {
  const std::vector<uint8_t> encoded = EncodeProfilePush(push);
  auto again = DecodeProfilePush(encoded);
  VMUC_CHECK(again.ok(), "a decoded profile push does not decode after re-encoding");
  VMUC_CHECK(*again == push, "a profile push changed through encode and decode");
  VMUC_CHECK(EncodeProfilePush(*again) == encoded, "profile push encoding is not stable");
}

// The register push keeps the capture instant as sent, hundredths included, which the
// meters' encoding leaves unspecified: stable from the first re-encoding on.
void CheckPush(const PushSnapshot& push) {
  const std::vector<uint8_t> encoded = EncodePush(push);
  auto again = DecodePush(encoded);
  VMUC_CHECK(again.ok(), "a decoded push does not decode after re-encoding");
  VMUC_CHECK(again->meter_id == push.meter_id && again->registers.size() == push.registers.size(),
             "a push changed through encode and decode");
  for (size_t i = 0; i < push.registers.size(); ++i) {
    VMUC_CHECK(again->registers[i].obis == push.registers[i].obis &&
                   again->registers[i].value == push.registers[i].value,
               "a pushed register changed through encode and decode");
  }
  VMUC_CHECK(EncodePush(*again) == encoded, "push encoding is not stable");
}

}  // namespace
}  // namespace vmuc::meters

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vmuc::meters;
  const std::span<const uint8_t> apdu(data, size);
  auto profile = DecodeProfilePush(apdu);
  if (profile.ok()) {
    CheckProfilePush(*profile);
    VMUC_CHECK(!DecodePush(apdu).ok(), "both decoders claim one APDU");
    return 0;
  }
  if (!absl::IsNotFound(profile.status())) return 0;  // its own list, malformed
  if (auto push = DecodePush(apdu); push.ok()) CheckPush(*push);
  return 0;
}
