// Bridges between std::string_view and Debian 12's absl::string_view.
//
// Debian builds Abseil 20220623 with ABSL_OPTION_USE_STD_STRING_VIEW 0: absl::string_view
// is a type of its own, absl::StrCat does not take std::string_view, and
// absl::Status::message() returns absl::string_view, which fmt cannot print. vmuc's own
// interfaces use std::string_view; these adapters cross the border in one visible place.
#ifndef VMUC_COMMON_STRINGS_H_
#define VMUC_COMMON_STRINGS_H_

#include <string>
#include <string_view>

#include "absl/strings/string_view.h"

namespace vmuc {

inline absl::string_view AsAbsl(std::string_view text) { return {text.data(), text.size()}; }
inline std::string_view AsStd(absl::string_view text) { return {text.data(), text.size()}; }

}  // namespace vmuc

#endif  // VMUC_COMMON_STRINGS_H_
