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

template <class Fn>
Fn Next(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" int fdatasync(int fd) {
  if (Failing()) {
    errno = EIO;
    return -1;
  }
  static const auto next = Next<int (*)(int)>("fdatasync");
  return next(fd);
}

extern "C" int fsync(int fd) {
  if (Failing()) {
    errno = EIO;
    return -1;
  }
  static const auto next = Next<int (*)(int)>("fsync");
  return next(fd);
}
