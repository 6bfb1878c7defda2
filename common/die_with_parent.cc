#include "common/die_with_parent.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

#include "absl/strings/numbers.h"

namespace vmuc {

void DieWithParent(pid_t expected_parent) {
  // prctl(2): the setting is cleared on fork but kept across execve, so the child must
  // arm it itself; it cannot fail with a valid signal number.
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  // The parent may have died between our spawn and the prctl, in which case no signal
  // will ever come: check only after arming.
  if (::getppid() != expected_parent) std::_Exit(kOrphanExitCode);
}

std::optional<pid_t> SupervisorPidFromEnvironment() {
  const char* value = std::getenv(kSupervisorPidEnv);
  int pid = 0;
  if (value == nullptr || !absl::SimpleAtoi(value, &pid) || pid <= 0) return std::nullopt;
  return static_cast<pid_t>(pid);
}

}  // namespace vmuc
