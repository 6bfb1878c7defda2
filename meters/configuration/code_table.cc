#include "meters/configuration/code_table.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"

namespace vmuc::meters::configuration_internal {
namespace {

// Runs longer than this are written "first..last".
constexpr size_t kLongestListedRun = 5;

bool IsNumeric(std::string_view code) {
  if (code.empty()) return false;
  for (char c : code) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int NumericValue(std::string_view code) {
  int value = 0;
  for (char c : code) value = value * 10 + (c - '0');
  return value;
}

// `next` continues a run that ends with `previous`: both numeric, same width, +1.
bool Continues(std::string_view previous, std::string_view next) {
  return IsNumeric(previous) && IsNumeric(next) && previous.size() == next.size() &&
         NumericValue(next) == NumericValue(previous) + 1;
}

}  // namespace

std::string Quote(std::string_view text) {
  return absl::StrCat("'", absl::CHexEscape(AsAbsl(text)), "'");
}

std::string ListCodes(std::span<const std::string_view> codes) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < codes.size()) {
    size_t end = i + 1;
    while (end < codes.size() && Continues(codes[end - 1], codes[end])) ++end;
    if (end - i > kLongestListedRun) {
      parts.push_back(absl::StrCat(AsAbsl(codes[i]), "..", AsAbsl(codes[end - 1])));
    } else {
      for (size_t j = i; j < end; ++j) {
        // An empty code (the reserved Z21..Z24) is shown as ''.
        parts.push_back(codes[j].empty() ? "''" : std::string(codes[j]));
      }
    }
    i = end;
  }
  return absl::StrJoin(parts, ", ");
}

absl::Status ErrorList::ToStatus() const {
  if (messages_.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(messages_, "; "));
}

void ErrorList::AddNotACode(std::string_view field, std::string_view code, std::string_view what,
                            std::string_view valid) {
  Add(absl::StrCat(AsAbsl(field), ": ", Quote(code), " is not ", AsAbsl(what), " (", AsAbsl(valid),
                   ")"));
}

void ErrorList::AddNoCode(std::string_view field, std::string_view printed,
                          std::string_view valid) {
  Add(absl::StrCat(AsAbsl(field), ": ", AsAbsl(printed), " has no code in the datasheet table (",
                   AsAbsl(valid), ")"));
}

}  // namespace vmuc::meters::configuration_internal
