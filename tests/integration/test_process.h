// Helpers for black-box tests that start real programs on loopback: a child process
// handle that never outlives the test, temp dirs and waiting with deadlines.
#ifndef VMUC_TESTS_INTEGRATION_TEST_PROCESS_H_
#define VMUC_TESTS_INTEGRATION_TEST_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/net.h"

extern char** environ;

namespace vmuc::testing {

// A started program; SIGKILLed and reaped by the destructor if still running.
class TestProcess {
 public:
  // stdout and stderr go to `log_path` (appended), so a failing test can print them.
  static std::optional<TestProcess> Start(const std::vector<std::string>& argv,
                                          const std::string& log_path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return std::nullopt;
    return TestProcess(pid);
  }

  TestProcess(TestProcess&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}
  TestProcess& operator=(TestProcess&&) = delete;
  ~TestProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  pid_t pid() const { return pid_; }
  void Signal(int signal_number) const { ::kill(pid_, signal_number); }

  // The exit status (as waitpid reports it) if the process ends within `timeout`.
  std::optional<int> WaitFor(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
  }

 private:
  explicit TestProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_;
};

inline bool ProcessExists(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

// Polls `condition` every 20 ms until it holds or `timeout` passes.
inline bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A [dlms] section with the pass-through on free loopback ports: the defaults (4059, 4060)
// would collide between tests running side by side. Empty if no port is free.
inline std::string DlmsSectionOnFreePorts() {
  auto wrapper = PickFreeLoopbackPort();
  auto hdlc = PickFreeLoopbackPort();
  if (!wrapper.ok() || !hdlc.ok()) return "";
  return "[dlms]\nwrapper_listen = \"127.0.0.1:" + std::to_string(*wrapper) +
         "\"\nhdlc_listen = \"127.0.0.1:" + std::to_string(*hdlc) + "\"\n";
}

// A mosquitto broker of the test's own on a free loopback port, its config and log in
// `dir`. Stops when destroyed.
struct TestBroker {
  // False if no port was free or mosquitto did not start.
  bool Start(const std::string& dir) {
    auto free_port = PickFreeLoopbackPort();
    if (!free_port.ok()) return false;
    dir_ = dir;
    port = *free_port;
    // Persistence: subscriptions and queued messages of persistent sessions survive a
    // restart (Restart stops the broker with SIGTERM, which saves them).
    // Run as root, mosquitto drops to its own user, which cannot write the test's private
    // dir: keep it root then (as another user the option does nothing).
    std::ofstream(dir + "/mosquitto.conf")
        << "listener " << port << " 127.0.0.1\n"
        << (::geteuid() == 0 ? "user root\n" : "") << "allow_anonymous true\n"
        << "persistence true\n"
        << "persistence_location " << dir << "/\n"
        << "max_queued_messages 0\n";
    url = "tcp://127.0.0.1:" + std::to_string(port);
    return Run();
  }
  // Stops the broker the way an operator does (SIGTERM: it saves its state and exits).
  bool Stop() {
    if (!process) return true;
    process->Signal(SIGTERM);
    const bool stopped = process->WaitFor(std::chrono::seconds(10)).has_value();
    process.reset();
    return stopped;
  }
  // Kills it outright (SIGKILL): whatever it held in memory is gone.
  bool Kill() {
    if (!process) return true;
    process->Signal(SIGKILL);
    const bool stopped = process->WaitFor(std::chrono::seconds(10)).has_value();
    process.reset();
    return stopped;
  }
  // Starts it again on the same port.
  bool Run() {
    auto started =
        TestProcess::Start({"mosquitto", "-c", dir_ + "/mosquitto.conf"}, dir_ + "/mosquitto.log");
    if (!started) return false;
    process.emplace(std::move(*started));
    return true;
  }
  std::optional<TestProcess> process;
  std::string url;  // tcp://127.0.0.1:PORT
  int port = 0;

 private:
  std::string dir_;
};

inline std::optional<pid_t> ReadPidFile(const std::string& path) {
  const std::string text = ReadFile(path);
  if (text.empty()) return std::nullopt;
  return static_cast<pid_t>(std::atol(text.c_str()));
}

// Runs a shell command; returns its exit code (-1 if it did not exit) and its stdout and
// stderr together.
struct CommandResult {
  int exit_code;
  std::string output;
};

inline CommandResult RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

// A fresh directory under /tmp (short: Unix socket paths hold 107 bytes), removed at exit.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/vmuc-test-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() {
    if (std::getenv("VMUC_KEEP_TEST_DIRS") == nullptr) {
      std::system(("rm -rf '" + path_ + "'").c_str());
    }
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace vmuc::testing

#endif  // VMUC_TESTS_INTEGRATION_TEST_PROCESS_H_
