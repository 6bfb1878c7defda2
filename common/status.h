// absl::Status helpers. Fallible functions return absl::Status / absl::StatusOr<T>
// (style.md); these macros keep call sites short.
#ifndef VMUC_COMMON_STATUS_H_
#define VMUC_COMMON_STATUS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define VMUC_STATUS_CONCAT_INNER_(a, b) a##b
#define VMUC_STATUS_CONCAT_(a, b) VMUC_STATUS_CONCAT_INNER_(a, b)

// Returns from the calling function if `expr` is not OK.
#define VMUC_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::absl::Status vmuc_status_ = (expr);        \
    if (!vmuc_status_.ok()) return vmuc_status_; \
  } while (false)

// `lhs = *expr` if `expr` (a StatusOr) is OK, otherwise returns its status.
#define VMUC_ASSIGN_OR_RETURN(lhs, expr) \
  VMUC_ASSIGN_OR_RETURN_IMPL_(VMUC_STATUS_CONCAT_(vmuc_statusor_, __LINE__), lhs, expr)
#define VMUC_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                \
  if (!statusor.ok()) return statusor.status();          \
  lhs = std::move(statusor).value()

#endif  // VMUC_COMMON_STATUS_H_
