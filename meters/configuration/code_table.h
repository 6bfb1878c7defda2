// Code tables: the datasheet's configuration tables as data, and the small decoder that
// turns a printed code into its typed value (or the value back into its code) with an
// error that names the field, the value and the valid codes.
//
// FieldCode is public (TypeNumber::Fields(), SoftwareConfig::Fields()); everything in
// configuration_internal is shared by type_number.cc and software_config.cc only. The
// tables are constexpr arrays with static storage; an ErrorList lives for one parse and
// is owned by the function doing it. No state, no threads: callable from any thread.
#ifndef VMUC_METERS_CONFIGURATION_CODE_TABLE_H_
#define VMUC_METERS_CONFIGURATION_CODE_TABLE_H_

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace vmuc::meters {

// One position of the type number or one software field, decoded:
// {"X5", "1", "5-100 A"}, {"Z29", "3", "A+/A-/R+/R-"}, {"X14-X16", "040", "country code 040"}.
struct FieldCode {
  std::string field;  // "X1".."X13", "X14-X16", "Z1".."Z30"
  std::string code;   // exactly as printed in the datasheet table: "1", "00", "000", "-"
  std::string label;  // the table's text for that code
  friend bool operator==(const FieldCode&, const FieldCode&) = default;
};

namespace configuration_internal {

// One row of a datasheet table.
template <typename T>
struct CodeRow {
  std::string_view code;   // as printed in the datasheet
  T value;                 // what the meter does with it
  std::string_view label;  // the row's text, used in errors and descriptions
};

template <typename T>
using CodeRows = std::span<const CodeRow<T>>;

// 'text' with anything unprintable escaped, so that an error stays on one line.
std::string Quote(std::string_view text);

// The valid codes for an error message, in table order: "1, 4, 6, 7, 8". A run of more
// than five consecutive numeric codes of one width is shortened: "00..23, 26..29".
std::string ListCodes(std::span<const std::string_view> codes);

template <typename T>
std::string ListCodes(CodeRows<T> rows) {
  std::vector<std::string_view> codes;
  codes.reserve(rows.size());
  for (const CodeRow<T>& row : rows) codes.push_back(row.code);
  return ListCodes(codes);
}

template <typename T>
const CodeRow<T>* FindCode(CodeRows<T> rows, std::string_view code) {
  for (const CodeRow<T>& row : rows) {
    if (row.code == code) return &row;
  }
  return nullptr;
}

template <typename T>
const CodeRow<T>* FindValue(CodeRows<T> rows, const T& value) {
  for (const CodeRow<T>& row : rows) {
    if (row.value == value) return &row;
  }
  return nullptr;
}

// Collects every problem of one parse or check, so that a user sees all of them at once.
class ErrorList {
 public:
  void Add(std::string message) { messages_.push_back(std::move(message)); }
  bool empty() const { return messages_.empty(); }

  // OK, or InvalidArgument with every message joined by "; " on one line.
  absl::Status ToStatus() const;

  // The value of `code` in `rows`. Otherwise records
  // "<field>: '<code>' is not <what> (<valid codes>)" and returns `fallback`.
  template <typename T>
  T Decode(std::string_view field, std::string_view code, CodeRows<T> rows, std::string_view what,
           const T& fallback) {
    if (const CodeRow<T>* row = FindCode(rows, code)) return row->value;
    AddNotACode(field, code, what, ListCodes(rows));
    return fallback;
  }

  // `value`'s code and label in `rows`. Otherwise records
  // "<field>: <printed> has no code (<valid codes>)" and returns a FieldCode without code.
  template <typename T>
  FieldCode Encode(std::string_view field, const T& value, CodeRows<T> rows,
                   std::string_view printed) {
    if (const CodeRow<T>* row = FindValue(rows, value)) {
      return FieldCode{std::string(field), std::string(row->code), std::string(row->label)};
    }
    AddNoCode(field, printed, ListCodes(rows));
    return FieldCode{std::string(field), "", ""};
  }

 private:
  void AddNotACode(std::string_view field, std::string_view code, std::string_view what,
                   std::string_view valid);
  void AddNoCode(std::string_view field, std::string_view printed, std::string_view valid);

  std::vector<std::string> messages_;
};

}  // namespace configuration_internal
}  // namespace vmuc::meters

#endif  // VMUC_METERS_CONFIGURATION_CODE_TABLE_H_
