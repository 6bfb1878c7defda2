#include "gateway/supervisor/process_supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/check.h"
#include "common/die_with_parent.h"

namespace vmuc::supervisor {
namespace {

std::string_view KeyOf(std::string_view env_entry) {
  return env_entry.substr(0, env_entry.find('='));
}

// The supervisor's environment, with `extra` and VMUC_SUPERVISOR_PID added; an added key
// replaces an inherited one, and of two added ones the later wins.
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> added = extra;
  added.push_back(absl::StrCat(kSupervisorPidEnv, "=", ::getpid()));
  auto overridden_later = [&added](std::string_view key, size_t from) {
    return std::any_of(added.begin() + static_cast<std::ptrdiff_t>(from), added.end(),
                       [key](const std::string& entry) { return KeyOf(entry) == key; });
  };
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (!overridden_later(KeyOf(*entry), 0)) env.emplace_back(*entry);
  }
  for (size_t i = 0; i < added.size(); ++i) {
    if (!overridden_later(KeyOf(added[i]), i + 1)) env.push_back(added[i]);
  }
  return env;
}

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  // posix_spawn's prototype predates const; it does not write through these.
  for (const std::string& s : strings) pointers.push_back(const_cast<char*>(s.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

std::string SignalName(int signal_number) {
  const char* abbreviation = ::sigabbrev_np(signal_number);
  if (abbreviation == nullptr) return absl::StrCat("signal ", signal_number);
  return absl::StrCat("SIG", abbreviation);
}

std::string DescribeExit(const siginfo_t& info) {
  switch (info.si_code) {
    case CLD_EXITED:
      return absl::StrCat("exited with code ", info.si_status);
    case CLD_KILLED:
      return absl::StrCat("was killed by ", SignalName(info.si_status));
    case CLD_DUMPED:
      return absl::StrCat("was killed by ", SignalName(info.si_status), " (core dumped)");
    default:
      return absl::StrCat("ended (si_code ", info.si_code, ")");
  }
}

// posix_spawn attributes and file actions, destroyed on every return path.
class SpawnSetup {
 public:
  SpawnSetup() {
    VMUC_CHECK(::posix_spawn_file_actions_init(&actions_) == 0, "posix_spawn_file_actions_init");
    VMUC_CHECK(::posix_spawnattr_init(&attributes_) == 0, "posix_spawnattr_init");
    // stdin from /dev/null: a child in a background process group that read the terminal
    // would be stopped by SIGTTIN. Descriptors above stderr are not the child's business.
    VMUC_CHECK(
        ::posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0) == 0,
        "posix_spawn_file_actions_addopen");
    VMUC_CHECK(::posix_spawn_file_actions_addclosefrom_np(&actions_, STDERR_FILENO + 1) == 0,
               "posix_spawn_file_actions_addclosefrom_np");
    // A process group of its own (pgroup 0: the child's pid), see the header. Signal
    // dispositions and mask start clean: an ignored SIGPIPE or a blocked SIGTERM in the
    // supervisor (gRPC and Asio may set such things) must not leak into a child.
    VMUC_CHECK(
        ::posix_spawnattr_setflags(&attributes_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                                     POSIX_SPAWN_SETSIGMASK) == 0,
        "posix_spawnattr_setflags");
    VMUC_CHECK(::posix_spawnattr_setpgroup(&attributes_, 0) == 0, "posix_spawnattr_setpgroup");
    sigset_t signals;
    ::sigfillset(&signals);
    VMUC_CHECK(::posix_spawnattr_setsigdefault(&attributes_, &signals) == 0,
               "posix_spawnattr_setsigdefault");
    ::sigemptyset(&signals);
    VMUC_CHECK(::posix_spawnattr_setsigmask(&attributes_, &signals) == 0,
               "posix_spawnattr_setsigmask");
  }
  ~SpawnSetup() {
    ::posix_spawnattr_destroy(&attributes_);
    ::posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  const posix_spawn_file_actions_t* actions() const { return &actions_; }
  const posix_spawnattr_t* attributes() const { return &attributes_; }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attributes_;
};

absl::Status CheckSpecs(const std::vector<ChildSpec>& children) {
  for (size_t i = 0; i < children.size(); ++i) {
    const ChildSpec& spec = children[i];
    if (spec.name.empty() || spec.name.find('/') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("child #", i, ": name \"", spec.name, "\" is empty or contains '/'"));
    }
    for (size_t j = 0; j < i; ++j) {
      if (children[j].name == spec.name) {
        return absl::InvalidArgumentError(absl::StrCat("child ", spec.name, ": name used twice"));
      }
    }
    if (spec.argv.empty() || spec.argv[0].empty()) {
      return absl::InvalidArgumentError(absl::StrCat("child ", spec.name, ": no executable"));
    }
    for (const std::string& entry : spec.extra_env) {
      if (entry.find('=') == std::string::npos || entry.front() == '=') {
        return absl::InvalidArgumentError(
            absl::StrCat("child ", spec.name, ": environment entry \"", entry, "\" is not K=V"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

ProcessSupervisor::ProcessSupervisor(asio::io_context& io, SupervisorOptions options)
    : io_(io), options_(std::move(options)), stop_timer_(io) {
  VMUC_CHECK(options_.restart_backoff_initial.count() > 0, "restart_backoff_initial must be > 0");
  VMUC_CHECK(options_.restart_backoff_max >= options_.restart_backoff_initial,
             "restart_backoff_max must not be below restart_backoff_initial");
}

ProcessSupervisor::~ProcessSupervisor() {
  for (auto& child : children_) {
    if (child->pid == 0) continue;
    spdlog::warn("supervisor destroyed while child {} (pid {}) runs: SIGKILL", child->spec.name,
                 child->pid);
    KillAndReapNow(*child);
  }
}

absl::Status ProcessSupervisor::Start(std::vector<ChildSpec> children) {
  if (state_ != State::kIdle) {
    return absl::FailedPreconditionError("Start() may be called once, and not after Stop()");
  }
  // Every spec is checked before the first spawn, so that a typo starts nothing.
  if (auto status = CheckSpecs(children); !status.ok()) return status;
  if (!options_.pid_dir.empty()) {
    std::error_code error;
    if (!std::filesystem::is_directory(options_.pid_dir, error)) {
      return absl::FailedPreconditionError(
          absl::StrCat("pid_dir ", options_.pid_dir, ": not a directory"));
    }
  }
  state_ = State::kRunning;
  for (ChildSpec& spec : children) {
    children_.push_back(std::make_unique<Child>(io_, std::move(spec)));
    Child& child = *children_.back();
    child.next_backoff = options_.restart_backoff_initial;
    if (auto status = Spawn(child); !status.ok()) {
      spdlog::error("{}; stopping the children already started", std::string(status.message()));
      BeginStop();
      return status;
    }
  }
  return absl::OkStatus();
}

void ProcessSupervisor::Stop(std::function<void()> done) {
  if (state_ == State::kStopped) {
    if (done) asio::post(io_, std::move(done));
    return;
  }
  if (done) stop_done_.push_back(std::move(done));
  if (state_ == State::kStopping) return;  // joins the stop under way
  spdlog::info("stopping every child");
  BeginStop();
}

std::optional<pid_t> ProcessSupervisor::PidOf(std::string_view name) const {
  const Child* child = Find(name);
  if (child == nullptr || child->pid == 0) return std::nullopt;
  return child->pid;
}

uint32_t ProcessSupervisor::RestartCount(std::string_view name) const {
  const Child* child = Find(name);
  return child == nullptr ? 0 : child->restarts;
}

absl::Status ProcessSupervisor::Spawn(Child& child) {
  const ChildSpec& spec = child.spec;
  child.started_at = std::chrono::steady_clock::now();
  child.term_sent = false;
  const std::vector<std::string> env = ChildEnvironment(spec.extra_env);
  std::vector<char*> argv = CStrings(spec.argv);
  std::vector<char*> envp = CStrings(env);
  SpawnSetup setup;
  pid_t pid = 0;
  // posix_spawnp searches PATH, which is what a bare name means on a command line.
  const bool is_path = spec.argv[0].find('/') != std::string::npos;
  const int error = is_path ? ::posix_spawn(&pid, argv[0], setup.actions(), setup.attributes(),
                                            argv.data(), envp.data())
                            : ::posix_spawnp(&pid, argv[0], setup.actions(), setup.attributes(),
                                             argv.data(), envp.data());
  if (error != 0) {
    return absl::ErrnoToStatus(error,
                               absl::StrCat("child ", spec.name, ": cannot start ", spec.argv[0]));
  }
  child.pid = pid;
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    const int pidfd_error = errno;
    KillAndReapNow(child);
    return absl::ErrnoToStatus(
        pidfd_error, absl::StrCat("child ", spec.name, ": pidfd_open (needs Linux 5.3 or later)"));
  }
  child.pidfd = std::make_unique<asio::posix::stream_descriptor>(io_);
  boost::system::error_code assign_error;
  child.pidfd->assign(pidfd, assign_error);
  if (assign_error) {
    ::close(pidfd);  // assign() did not take it
    KillAndReapNow(child);
    return absl::InternalError(
        absl::StrCat("child ", spec.name, ": cannot watch its pidfd: ", assign_error.message()));
  }
  WritePidFile(child);
  spdlog::info("child {} started: pid {}: {}", spec.name, pid, absl::StrJoin(spec.argv, " "));
  Watch(child);
  return absl::OkStatus();
}

void ProcessSupervisor::Watch(Child& child) {
  // Asio registers the descriptor edge-triggered: this wait must be queued right after
  // assign(), before the loop runs again, or an exit in between would be missed. Exit
  // happens once, so one wait per child suffices.
  child.pidfd->async_wait(asio::posix::stream_descriptor::wait_read,
                          [this, alive = std::weak_ptr<char>(alive_),
                           target = &child](const boost::system::error_code& error) {
                            if (alive.expired() || error == asio::error::operation_aborted) return;
                            VMUC_CHECK(!error, "waiting on a pidfd failed");
                            OnExited(*target);
                          });
}

void ProcessSupervisor::OnExited(Child& child) {
  // Leftovers in the child's group go with it. Until waitid below the child is a zombie
  // that keeps its pid, so the group id cannot belong to anybody else yet.
  ::kill(-child.pid, SIGKILL);
  // A readable pidfd means the process has exited and can be reaped: this does not block.
  siginfo_t info{};
  int result = 0;
  do {
    result = ::waitid(P_PID, static_cast<id_t>(child.pid), &info, WEXITED);
  } while (result != 0 && errno == EINTR);
  const std::string how =
      result == 0 ? DescribeExit(info)
                  : absl::StrCat("ended, status unknown (waitid: ", std::strerror(errno), ")");
  const std::chrono::duration<double> uptime = std::chrono::steady_clock::now() - child.started_at;
  const std::string what = absl::StrCat("child ", child.spec.name, " (pid ", child.pid, ") ", how);
  if (state_ == State::kRunning) {
    spdlog::warn("{} after {:.1f} s", what, uptime.count());
  } else {
    spdlog::info("{}", what);
  }
  child.pidfd.reset();
  RemovePidFile(child);
  child.pid = 0;
  OnEnded(child, what);
}

void ProcessSupervisor::OnEnded(Child& child, const std::string& what) {
  if (state_ != State::kRunning) {
    StopNext();
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (now - child.started_at > options_.crash_loop_window) {
    child.next_backoff = options_.restart_backoff_initial;
  }
  while (!child.recent_exits.empty() &&
         now - child.recent_exits.front() > options_.crash_loop_window) {
    child.recent_exits.pop_front();
  }
  child.recent_exits.push_back(now);
  if (child.recent_exits.size() > options_.crash_loop_limit) {
    GiveUp(absl::UnavailableError(
        absl::StrCat(what, ", and would need more than ", options_.crash_loop_limit,
                     " restarts within ", options_.crash_loop_window.count(), " s: giving up")));
    return;
  }
  ScheduleRestart(child);
}

void ProcessSupervisor::ScheduleRestart(Child& child) {
  const std::chrono::milliseconds delay = child.next_backoff;
  child.next_backoff = std::min(delay * 2, options_.restart_backoff_max);
  spdlog::info("child {}: restart {} in {} ms", child.spec.name, child.restarts + 1, delay.count());
  child.restart_timer.expires_after(delay);
  child.restart_timer.async_wait([this, alive = std::weak_ptr<char>(alive_),
                                  target = &child](const boost::system::error_code& error) {
    // A restart already due when Stop() cancelled the timer arrives without error.
    if (alive.expired() || error || state_ != State::kRunning) return;
    Restart(*target);
  });
}

void ProcessSupervisor::Restart(Child& child) {
  ++child.restarts;
  if (auto status = Spawn(child); !status.ok()) {
    // A binary replaced or removed under us: counts like a crash, so it backs off and
    // ends in the crash-loop limit if it persists.
    spdlog::error("{}", std::string(status.message()));
    OnEnded(child, std::string(status.message()));
  }
}

void ProcessSupervisor::GiveUp(absl::Status status) {
  spdlog::error("{}", std::string(status.message()));
  fatal_status_ = std::move(status);
  BeginStop();
}

void ProcessSupervisor::BeginStop() {
  state_ = State::kStopping;
  for (auto& child : children_) child->restart_timer.cancel();
  StopNext();
}

void ProcessSupervisor::StopNext() {
  for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
    Child& child = **it;
    if (child.pid == 0) continue;
    if (child.term_sent) return;  // still waiting for this one
    child.term_sent = true;
    spdlog::info("child {} (pid {}): SIGTERM", child.spec.name, child.pid);
    Signal(child, SIGTERM);
    stop_timer_.expires_after(options_.stop_timeout);
    stop_timer_.async_wait([this, alive = std::weak_ptr<char>(alive_), target = &child,
                            pid = child.pid](const boost::system::error_code& error) {
      if (alive.expired() || error || target->pid != pid) return;
      spdlog::warn("child {} (pid {}) still runs {} ms after SIGTERM: SIGKILL", target->spec.name,
                   pid, options_.stop_timeout.count());
      Signal(*target, SIGKILL);
    });
    return;
  }
  FinishStop();
}

void ProcessSupervisor::FinishStop() {
  state_ = State::kStopped;
  stop_timer_.cancel();
  spdlog::info("no child left");
  // Posted, not called: a callback may well call Stop() or destroy the supervisor.
  if (!fatal_status_.ok() && on_fatal_) {
    asio::post(io_, [on_fatal = on_fatal_, status = fatal_status_] { on_fatal(status); });
  }
  for (auto& done : stop_done_) asio::post(io_, std::move(done));
  stop_done_.clear();
}

void ProcessSupervisor::KillAndReapNow(Child& child) {
  Signal(child, SIGKILL);
  int result = 0;
  do {
    result = ::waitpid(child.pid, nullptr, 0);
  } while (result < 0 && errno == EINTR);
  child.pidfd.reset();
  RemovePidFile(child);
  child.pid = 0;
}

void ProcessSupervisor::Signal(const Child& child, int signal_number) const {
  // The group also reaches whatever the child forked. A child that left its group
  // (setsid) is signalled directly; vmuc's own workers never do that.
  if (::kill(-child.pid, signal_number) != 0 || ::getpgid(child.pid) != child.pid) {
    ::kill(child.pid, signal_number);
  }
}

void ProcessSupervisor::WritePidFile(const Child& child) const {
  if (options_.pid_dir.empty()) return;
  const std::filesystem::path path =
      std::filesystem::path(options_.pid_dir) / (child.spec.name + ".pid");
  // Written aside and renamed, so that a reader never sees a half-written pid.
  std::filesystem::path temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << child.pid << '\n';
    out.close();
    if (!out) {
      spdlog::warn("{}: cannot write", temporary.string());
      return;
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) spdlog::warn("{}: cannot write: {}", path.string(), error.message());
}

void ProcessSupervisor::RemovePidFile(const Child& child) const {
  if (options_.pid_dir.empty()) return;
  const std::filesystem::path path =
      std::filesystem::path(options_.pid_dir) / (child.spec.name + ".pid");
  std::error_code error;
  std::filesystem::remove(path, error);
  if (error) spdlog::warn("{}: cannot remove: {}", path.string(), error.message());
}

const ProcessSupervisor::Child* ProcessSupervisor::Find(std::string_view name) const {
  for (const auto& child : children_) {
    if (child->spec.name == name) return child.get();
  }
  return nullptr;
}

}  // namespace vmuc::supervisor
