#include "kms/server/store/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace kms::store {

StatusOr<DataDirLock> DataDirLock::Acquire(const std::string& directory) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(directory, ec)) {
    fs::create_directories(directory, ec);
    if (!ec) fs::permissions(directory, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec)
      return Error(Code::kInternal,
                   "cannot create data directory " + directory + ": " + ec.message());
  }
  const std::string path = directory + "/kmsd.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error(Code::kInternal, "cannot open " + path + ": " + std::strerror(errno));
  DataDirLock lock(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char holder[32] = {};
    const ssize_t n = ::pread(fd, holder, sizeof holder - 1, 0);
    const std::string pid = n > 0 ? std::string(holder, static_cast<size_t>(n)) : "unknown";
    if (error == EWOULDBLOCK) {
      return Error(Code::kInternal,
                   "data directory " + directory + " is in use by kmsd process " +
                       pid.substr(0, pid.find('\n')) +
                       "; two servers on one data directory would fork its audit log");
    }
    return Error(Code::kInternal, "cannot lock " + path + ": " + std::strerror(error));
  }
  // Tell the next one who holds it.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) static_cast<void>(::pwrite(fd, pid.data(), pid.size(), 0));
  return lock;
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace kms::store
