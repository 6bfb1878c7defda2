// Logging's journal detection and priority prefixes, with stderr pointed at a file.
#include "common/logging.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"

namespace vmuc {
namespace {

// Points fd 2 at `path` for the test's duration.
class StderrToFile {
 public:
  explicit StderrToFile(const std::string& path) {
    saved_ = ::dup(2);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    ::close(fd);
  }
  ~StderrToFile() {
    ::dup2(saved_, 2);
    ::close(saved_);
  }

 private:
  int saved_ = -1;
};

std::string StreamId(int fd) {
  struct stat status {};
  ::fstat(fd, &status);
  return absl::StrCat(status.st_dev, ":", status.st_ino);
}

TEST(LoggingTest, JournalOnlyWhenStderrIsTheNamedStream) {
  const std::string path = ::testing::TempDir() + "/logging_test.log";
  StderrToFile redirect(path);
  ::unsetenv("JOURNAL_STREAM");
  EXPECT_FALSE(StderrIsJournal());
  ::setenv("JOURNAL_STREAM", "1:2", 1);  // inherited from a parent whose stderr differed
  EXPECT_FALSE(StderrIsJournal());
  ::setenv("JOURNAL_STREAM", StreamId(2).c_str(), 1);
  EXPECT_TRUE(StderrIsJournal());
  ::unsetenv("JOURNAL_STREAM");
}

TEST(LoggingTest, JournalLinesCarryThePriorityAndNoTimeStamp) {
  const std::string path = ::testing::TempDir() + "/logging_journal.log";
  {
    StderrToFile redirect(path);
    ::setenv("JOURNAL_STREAM", StreamId(2).c_str(), 1);
    ASSERT_TRUE(InitLogging("vmuc-test", "info").ok());
    spdlog::info("hello");
    spdlog::warn("careful");
    spdlog::debug("not shown at info");
    spdlog::default_logger()->flush();
    spdlog::drop_all();
    ::unsetenv("JOURNAL_STREAM");
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string pid = std::to_string(::getpid());
  EXPECT_EQ(text.str(),
            "<6>vmuc-test[" + pid + "] info hello\n<4>vmuc-test[" + pid + "] warning careful\n");
}

}  // namespace
}  // namespace vmuc
