#include "dlms/obis.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"

namespace vmuc::dlms {
namespace {

absl::Status Malformed(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "'", AsAbsl(text), "' is not an OBIS code (", AsAbsl(why),
      "); expected A.B.C.D.E.F such as 1.1.1.8.0.255, or A-B:C.D.E*F such as 1-1:1.8.0*255"));
}

}  // namespace

absl::StatusOr<Obis> Obis::Parse(std::string_view text) {
  // Split into decimal groups and the separators between them, then match the separator
  // pattern against the accepted forms.
  std::vector<unsigned> groups;
  std::string separators;
  size_t i = 0;
  while (true) {
    if (i == text.size() || text[i] < '0' || text[i] > '9') {
      return Malformed(text, absl::StrCat("expected a digit at position ", i));
    }
    unsigned value = 0;
    size_t digits = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
      value = value * 10 + static_cast<unsigned>(text[i] - '0');
      if (digits >= 3 || value > 255) {
        return Malformed(text, absl::StrCat("group ", groups.size() + 1, " exceeds 255"));
      }
    }
    groups.push_back(value);
    if (i == text.size()) break;
    if (groups.size() == 6) return Malformed(text, "more than six groups");
    separators.push_back(text[i]);
    ++i;
  }

  // IEC 62056-61: "-" ends group A, ":" ends B, "." separates C.D.E, "*" introduces F.
  if (separators == "....." || separators == "-:..*" || separators == "-:...") {
    // Six groups.
  } else if (separators == "-:..") {
    groups.push_back(255);  // F omitted: not used.
  } else {
    return Malformed(text, absl::StrCat("unexpected separators \"", separators, "\""));
  }
  Obis obis;
  for (size_t g = 0; g < 6; ++g) obis.bytes[g] = static_cast<uint8_t>(groups[g]);
  return obis;
}

std::string Obis::ToString() const {
  return absl::StrJoin(bytes, ".", [](std::string* out, uint8_t b) {
    absl::StrAppend(out, static_cast<unsigned>(b));
  });
}

}  // namespace vmuc::dlms
