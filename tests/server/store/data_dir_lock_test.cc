#include "kms/server/store/data_dir_lock.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace kms::store {
namespace {

using ::testing::HasSubstr;

TEST(DataDirLockTest, CreatesTheDirectoryOwnerOnly) {
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  KMS_ASSERT_OK_AND_ASSIGN(DataDirLock lock, DataDirLock::Acquire(data));
  struct stat st;
  ASSERT_EQ(::stat(data.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(DataDirLockTest, AnotherProcessCannotTakeAHeldDirectoryUntilItIsReleased) {
  testing::TempDir dir;
  std::optional<DataDirLock> lock;
  {
    KMS_ASSERT_OK_AND_ASSIGN(DataDirLock acquired, DataDirLock::Acquire(dir.path()));
    lock.emplace(std::move(acquired));
  }
  // flock is per open file: a child process stands for a second kmsd.
  const auto child_can_lock = [&] {
    const pid_t pid = ::fork();
    if (pid == 0) {
      auto other = DataDirLock::Acquire(dir.path());
      const bool refused_as_in_use =
          !other && other.error().message().find("is in use by kmsd process " +
                                                 std::to_string(::getppid())) != std::string::npos;
      ::_exit(other ? 0 : (refused_as_in_use ? 1 : 2));
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WEXITSTATUS(status);
  };
  EXPECT_EQ(child_can_lock(), 1);
  lock.reset();
  EXPECT_EQ(child_can_lock(), 0);
}

}  // namespace
}  // namespace kms::store
