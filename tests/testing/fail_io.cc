// A fault injector for integration tests, loaded into kmsd with LD_PRELOAD:
// while the file named by $KMSD_FAIL_IO_FLAG exists, fdatasync and fsync fail
// with EIO, as a failing disk makes them. LMDB syncs the data pages of a
// commit before it writes the meta page, so every commit fails cleanly and
// none becomes durable; removing the file ends the fault.
#include <dlfcn.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>

namespace {

bool Failing() {
  const char* flag = std::getenv("KMSD_FAIL_IO_FLAG");
  struct stat st;
  return flag != nullptr && ::stat(flag, &st) == 0;
}

// EIO while failing, else what the real `name` returns.
int SyncOrFail(const char* name, int fd) {
  if (Failing()) {
    errno = EIO;
    return -1;
  }
  const auto next = reinterpret_cast<int (*)(int)>(::dlsym(RTLD_NEXT, name));
  return next(fd);
}

}  // namespace

extern "C" int fdatasync(int fd) { return SyncOrFail("fdatasync", fd); }
extern "C" int fsync(int fd) { return SyncOrFail("fsync", fd); }
