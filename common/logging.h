// Logging set-up: spdlog to stderr (journald or the supervisor collects it), one line per
// record with the program name, so the supervisor's merged output says who spoke.
#ifndef VMUC_COMMON_LOGGING_H_
#define VMUC_COMMON_LOGGING_H_

#include <string_view>

#include "absl/status/status.h"

namespace vmuc {

// `level` is one of trace, debug, info, warn, error, critical, off. Under systemd, when
// stderr is the journal's stream, lines carry a syslog priority and no time stamp.
absl::Status InitLogging(std::string_view program, std::string_view level);

// Whether stderr is connected to the journal (JOURNAL_STREAM names it).
bool StderrIsJournal();

}  // namespace vmuc

#endif  // VMUC_COMMON_LOGGING_H_
