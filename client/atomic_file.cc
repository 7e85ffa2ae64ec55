#include "atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace kms::rds {
namespace {

constexpr std::string_view kTempInfix = ".tmp-";

std::unexpected<Status> IoError(std::string_view what, const std::string& path) {
  return Error(Code::kInternal, std::string(what) + " " + path + ": " + std::strerror(errno));
}

std::string DirectoryOf(const std::string& path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open directory", dir);
  const int synced = ::fsync(fd);
  ::close(fd);
  if (synced != 0) return IoError("cannot fsync directory", dir);
  return OkStatus();
}

}  // namespace

AtomicFile::AtomicFile(int fd, std::string path, std::string temp_path)
    : fd_(fd), path_(std::move(path)), temp_path_(std::move(temp_path)) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)), temp_path_(std::move(other.temp_path_)) {
  other.fd_ = -1;
  other.temp_path_.clear();
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
}

StatusOr<AtomicFile> AtomicFile::Begin(const std::string& path) {
  std::string temp = path + std::string(kTempInfix) + "XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) return IoError("cannot create a temporary file for", path);
  ::fchmod(fd, 0600);
  return AtomicFile(fd, path, std::move(temp));
}

Status AtomicFile::Append(ByteView data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return IoError("cannot write", temp_path_);
    done += static_cast<size_t>(n);
  }
  return OkStatus();
}

Status AtomicFile::Commit() {
  if (::fsync(fd_) != 0) return IoError("cannot fsync", temp_path_);
  const int closed = ::close(fd_);
  fd_ = -1;
  if (closed != 0) return IoError("cannot close", temp_path_);
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) return IoError("cannot rename onto", path_);
  temp_path_.clear();
  return SyncDirectory(DirectoryOf(path_));
}

Status WriteFileAtomically(const std::string& path, std::string_view contents) {
  KMS_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::Begin(path));
  KMS_RETURN_IF_ERROR(file.Append(AsBytes(contents)));
  return file.Commit();
}

bool IsTemporaryName(std::string_view file_name) {
  return file_name.find(kTempInfix) != std::string_view::npos;
}

StatusOr<std::string> ReadFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Error(Code::kNotFound, path + " does not exist");
    return IoError("cannot open", path);
  }
  std::string out;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return IoError("cannot read", path);
    }
    if (n == 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return IoError("cannot remove", path);
  return SyncDirectory(DirectoryOf(path));
}

Status MakeDirectories(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Error(Code::kInternal, "cannot create directory " + path + ": " + ec.message());
  std::filesystem::permissions(path, std::filesystem::perms::owner_all, ec);
  return OkStatus();
}

}  // namespace kms::rds
