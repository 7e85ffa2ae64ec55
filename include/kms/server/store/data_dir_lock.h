// Exclusive use of a data directory by one kmsd process: two servers writing
// one key store and one audit log would fork the audit chain.
#ifndef KMS_SERVER_STORE_DATA_DIR_LOCK_H_
#define KMS_SERVER_STORE_DATA_DIR_LOCK_H_

#include <string>

#include "kms/status.h"

namespace kms::store {

// Holds an advisory lock (flock) on <directory>/kmsd.lock for its lifetime;
// the kernel drops it when the process ends, however it ends. Move-only.
class DataDirLock {
 public:
  // Creates `directory` (mode 0700) if missing and locks it. kInternal when
  // another process holds the lock ("... is in use by kmsd process <pid>")
  // or the lock file cannot be opened.
  static StatusOr<DataDirLock> Acquire(const std::string& directory);

  DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DataDirLock& operator=(DataDirLock&&) = delete;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace kms::store

#endif  // KMS_SERVER_STORE_DATA_DIR_LOCK_H_
