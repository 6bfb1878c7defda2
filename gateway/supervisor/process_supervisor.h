// ProcessSupervisor: starts vmuc's child processes, restarts one that dies, gives up on a
// crash loop, and stops them all in reverse start order (design.md, "supervision").
//
// Mechanism: children are started with posix_spawn and each is watched through a pidfd
// (pidfd_open, Linux 5.3+) registered with the io_context; a readable pidfd means the
// child has exited, and it is then reaped with waitid on its own pid. No SIGCHLD handler
// and no Boost.Process (Boost 1.74's Process v1 races on child exit). Because a child is
// reaped only here, its pid cannot be reused while the supervisor still holds it, so
// signalling it by pid is race-free. The owning process must therefore never reap
// children it did not start itself (no waitpid(-1), no SIGCHLD set to SIG_IGN).
//
// Process groups: each child runs in a process group of its own, and stdin is /dev/null.
// A Ctrl-C in a terminal thus reaches only the supervisor, which stops the children in
// reverse start order (the gateway flushes to the broker before the broker goes) instead
// of every process dying at once. Signals go to the child's whole group, so whatever a
// child forked dies with it; when a child exits, leftovers in its group are SIGKILLed
// (as systemd does for a service's cgroup). A SIGKILLed supervisor cannot forward
// anything: children call DieWithParent() (common/die_with_parent.h), for which every child gets
// VMUC_SUPERVISOR_PID=<supervisor pid> in its environment. Under systemd, use
// KillMode=mixed so the unit's stop goes through the supervisor too.
//
// Threading and lifetime: single-threaded. Every method, and every callback, runs on the
// thread that runs `io`; the io_context must outlive the supervisor. PR_SET_PDEATHSIG
// fires when the parent *thread* ends, so that thread should live as long as the
// supervisor. Destroying the supervisor with children still running SIGKILLs and reaps
// them synchronously (a safety net: call Stop() and wait for `done` instead).
//
// Time: backoffs, the crash-loop window and the stop timeout are real durations on
// std::chrono::steady_clock, also when the meters run on simulated time: restarting a
// process is about the operating system, not the simulated time line.
#ifndef VMUC_GATEWAY_SUPERVISOR_PROCESS_SUPERVISOR_H_
#define VMUC_GATEWAY_SUPERVISOR_PROCESS_SUPERVISOR_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "common/asio.h"

namespace vmuc::supervisor {

// One child process.
struct ChildSpec {
  // Unique among the children; used in logs, errors and the pid file name, so it may not
  // contain '/'.
  std::string name;
  // argv[0] is the executable: a path if it contains '/', else searched in PATH.
  std::vector<std::string> argv;
  // "KEY=VALUE" entries added to (or replacing in) the supervisor's own environment.
  std::vector<std::string> extra_env;
};

struct SupervisorOptions {
  // Delay before the first restart of a child; doubles with each further restart.
  std::chrono::milliseconds restart_backoff_initial{500};
  // Upper bound of the doubling backoff.
  std::chrono::milliseconds restart_backoff_max{30000};
  // The supervisor gives up when one child would need more than this many restarts
  // within crash_loop_window.
  uint32_t crash_loop_limit = 5;
  // Also: a child that stayed up longer than this restarts after restart_backoff_initial
  // again.
  std::chrono::seconds crash_loop_window{60};
  // On Stop(), how long each child gets between SIGTERM and SIGKILL.
  std::chrono::milliseconds stop_timeout{10000};
  // If non-empty, an existing directory where <pid_dir>/<name>.pid holds the pid of each
  // running child; the file is removed when the child ends.
  std::string pid_dir;
};

class ProcessSupervisor {
 public:
  ProcessSupervisor(asio::io_context& io, SupervisorOptions options);
  ~ProcessSupervisor();
  ProcessSupervisor(const ProcessSupervisor&) = delete;
  ProcessSupervisor& operator=(const ProcessSupervisor&) = delete;

  // Called once, after every child has been stopped and reaped, when the supervisor gave
  // up on a crash loop. Set it before Start().
  void set_on_fatal(std::function<void(const absl::Status&)> on_fatal) {
    on_fatal_ = std::move(on_fatal);
  }

  // Starts the children in the given order. An invalid spec (or pid_dir) is an error
  // before anything starts, and Start() may be tried again. A child that cannot be
  // spawned (missing executable ...) is an error naming the child and the executable;
  // the children already started are then being stopped, and Stop() reports when they
  // are gone. Once it has spawned anything, Start() may not be called again.
  absl::Status Start(std::vector<ChildSpec> children);

  // Sends SIGTERM to each child in reverse start order, giving each up to stop_timeout
  // to exit before SIGKILL, then calls `done` (never from inside Stop itself). No child
  // is restarted once Stop() was called, and none is left when `done` runs. May be called
  // in any state and more than once: every `done` is called.
  void Stop(std::function<void()> done);

  // The pid of the named child while it runs.
  std::optional<pid_t> PidOf(std::string_view name) const;
  // How many times the named child has been restarted (0 for an unknown name).
  uint32_t RestartCount(std::string_view name) const;
  // OK, or why the supervisor gave up (the status passed to on_fatal).
  const absl::Status& fatal_status() const { return fatal_status_; }

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;
  enum class State { kIdle, kRunning, kStopping, kStopped };

  struct Child {
    explicit Child(asio::io_context& io, ChildSpec child_spec)
        : spec(std::move(child_spec)), restart_timer(io) {}
    ChildSpec spec;
    pid_t pid = 0;  // 0 while not running
    std::unique_ptr<asio::posix::stream_descriptor> pidfd;
    SteadyTime started_at;
    std::chrono::milliseconds next_backoff{0};
    std::deque<SteadyTime> recent_exits;  // within crash_loop_window, oldest first
    uint32_t restarts = 0;
    asio::steady_timer restart_timer;
    bool term_sent = false;  // during Stop()
  };

  absl::Status Spawn(Child& child);
  void Watch(Child& child);
  void OnExited(Child& child);
  void OnEnded(Child& child, const std::string& how);
  void ScheduleRestart(Child& child);
  void Restart(Child& child);
  void GiveUp(absl::Status status);
  void BeginStop();
  void StopNext();
  void FinishStop();
  void KillAndReapNow(Child& child);
  void Signal(const Child& child, int signal_number) const;
  void WritePidFile(const Child& child) const;
  void RemovePidFile(const Child& child) const;
  const Child* Find(std::string_view name) const;

  asio::io_context& io_;
  const SupervisorOptions options_;
  State state_ = State::kIdle;
  // Start order; unique_ptr so that handlers may hold a Child* while the vector grows.
  std::vector<std::unique_ptr<Child>> children_;
  asio::steady_timer stop_timer_;
  std::vector<std::function<void()>> stop_done_;
  std::function<void(const absl::Status&)> on_fatal_;
  absl::Status fatal_status_;
  // Handlers hold a weak_ptr to this: a completion already queued when the supervisor is
  // destroyed then sees it expired instead of touching freed memory.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace vmuc::supervisor

#endif  // VMUC_GATEWAY_SUPERVISOR_PROCESS_SUPERVISOR_H_
