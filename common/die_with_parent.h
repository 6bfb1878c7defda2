// DieWithParent: ties a child process's life to its supervisor's, for the case the
// supervisor cannot handle itself: being SIGKILLed (or crashing) leaves it no chance to
// stop its children (gateway/supervisor/process_supervisor.h).
//
// A child calls it first thing in main(), with the pid the supervisor put in its
// environment:
//
//   if (auto parent = SupervisorPidFromEnvironment()) DieWithParent(*parent);
//
//   }
//
// Caveat: the kernel sends the death signal when the parent *thread* that spawned the
// child ends, not the parent process; the supervisor spawns from its loop thread, which
// lives as long as the supervisor.
#ifndef VMUC_COMMON_DIE_WITH_PARENT_H_
#define VMUC_COMMON_DIE_WITH_PARENT_H_

#include <sys/types.h>

#include <optional>

namespace vmuc {

// The environment variable in which ProcessSupervisor passes its pid to every child.
inline constexpr char kSupervisorPidEnv[] = "VMUC_SUPERVISOR_PID";

// Exit code of a child that finds its parent already gone.
inline constexpr int kOrphanExitCode = 1;

// Asks the kernel for SIGTERM when the parent dies (prctl PR_SET_PDEATHSIG), then exits
// at once, with kOrphanExitCode and without running destructors, if the parent is no
// longer `expected_parent` (it died before the prctl took effect and we were reparented,
// to init or a subreaper). Call it before starting threads.
void DieWithParent(pid_t expected_parent);

// The supervisor's pid from VMUC_SUPERVISOR_PID; nullopt when the variable is absent (a
// worker started by hand) or not a positive number.
std::optional<pid_t> SupervisorPidFromEnvironment();

}  // namespace vmuc

#endif  // VMUC_COMMON_DIE_WITH_PARENT_H_
