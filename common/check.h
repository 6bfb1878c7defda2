// VMUC_CHECK: impossible states crash loudly (style.md, error handling). For conditions
// that can only be false through a programming error, never for bad input: bad input gets
// an absl::Status that names what was wrong.
#ifndef VMUC_COMMON_CHECK_H_
#define VMUC_COMMON_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define VMUC_CHECK(condition, message)                                                      \
  do {                                                                                      \
    if (!(condition)) {                                                                     \
      std::fprintf(stderr, "%s:%d: check failed: %s: %s\n", __FILE__, __LINE__, #condition, \
                   message);                                                                \
      std::abort();                                                                         \
    }                                                                                       \
  } while (false)

#endif  // VMUC_COMMON_CHECK_H_
