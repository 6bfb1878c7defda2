#include "common/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace vmuc {
namespace {

// "%*": the sd-daemon(3) "<N>" prefix journald turns into the record's syslog priority,
// so `journalctl -p warning -u vmuc` finds the warnings.
class SyslogPriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm& /*time*/,
              spdlog::memory_buf_t& out) override {
    // trace, debug -> 7 (debug); info -> 6; warn -> 4; err -> 3; critical -> 2.
    static constexpr std::string_view kPrefixes[] = {"<7>", "<7>", "<6>", "<4>",
                                                     "<3>", "<2>", "<6>"};
    const auto prefix = kPrefixes[static_cast<size_t>(message.level)];
    out.append(prefix.data(), prefix.data() + prefix.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SyslogPriorityFlag>();
  }
};

}  // namespace

bool StderrIsJournal() {
  // systemd.exec(5): JOURNAL_STREAM is "DEVICE:INODE" of the stream journald reads; it is
  // inherited, so only a stderr that still is that stream counts.
  const char* stream = std::getenv("JOURNAL_STREAM");
  struct stat status {};
  if (stream == nullptr || ::fstat(2, &status) != 0) return false;
  return std::string_view(stream) == absl::StrCat(status.st_dev, ":", status.st_ino);
}

absl::Status InitLogging(std::string_view program, std::string_view level) {
  const auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown log level '", AsAbsl(level),
                     "' (trace, debug, info, warn, error, critical, off)"));
  }
  auto logger = spdlog::stderr_color_mt(std::string(program));
  if (StderrIsJournal()) {
    // journald stamps the time itself.
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("%*%n[%P] %l %v");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %n[%P] %^%l%$ %v", spdlog::pattern_time_type::utc);
  }
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
  return absl::OkStatus();
}

}  // namespace vmuc
