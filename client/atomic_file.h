// Crash-safe file replacement and small file utilities for the RDS volume
// client's state directory. Internal to client/.
//
// A new file is written under a temporary name ("<name>.tmp-XXXXXX") in the
// target's directory, fsynced, renamed over the target, and the directory is
// fsynced: after a crash the target holds the old or the new contents, never
// a mix; a leftover temporary file is garbage that readers skip.
#ifndef KMS_CLIENT_ATOMIC_FILE_H_
#define KMS_CLIENT_ATOMIC_FILE_H_

#include <string>
#include <string_view>

#include "kms/bytes.h"
#include "kms/status.h"

namespace kms::rds {

// One replacement in progress. Move-only. Destroying it without Commit()
// removes the temporary file and leaves the target untouched.
class AtomicFile {
 public:
  // kInternal when the temporary file cannot be created.
  static StatusOr<AtomicFile> Begin(const std::string& path);

  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  Status Append(ByteView data);
  // fsync, rename over the target, fsync the directory.
  Status Commit();

  const std::string& temp_path() const { return temp_path_; }

 private:
  AtomicFile(int fd, std::string path, std::string temp_path);

  int fd_;
  std::string path_;
  std::string temp_path_;
};

// Replaces the file at `path` with `contents`, crash-safely (above).
Status WriteFileAtomically(const std::string& path, std::string_view contents);

// Whether a directory entry is a temporary file of AtomicFile.
bool IsTemporaryName(std::string_view file_name);

// The whole file; kNotFound when it does not exist, kInternal on I/O errors.
StatusOr<std::string> ReadFile(const std::string& path);

// Removes `path` (absent is fine) and fsyncs its directory.
Status RemoveFile(const std::string& path);

// Creates `path` and its parents with mode 0700 when absent.
Status MakeDirectories(const std::string& path);

}  // namespace kms::rds

#endif  // KMS_CLIENT_ATOMIC_FILE_H_
