// VolumeFile: sector I/O on a volume file (format in kms/rds_volume.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "atomic_file.h"
#include "kms/client/rds_volume.h"

namespace kms::rds {
namespace {

std::unexpected<Status> IoError(std::string_view what, const std::string& path) {
  return Error(Code::kInternal, std::string(what) + " " + path + ": " + std::strerror(errno));
}

bool AllZero(ByteView data) {
  return std::all_of(data.begin(), data.end(), [](uint8_t b) { return b == 0; });
}

uint64_t FileOffset(uint64_t sector) { return (sector + 1) * kSectorSize; }

// pread of up to out.size() bytes; returns how many were read (short at EOF).
StatusOr<size_t> ReadAt(int fd, const std::string& path, uint64_t offset, std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n =
        ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("cannot read", path);
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

Status WriteAt(int fd, const std::string& path, uint64_t offset, ByteView data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n =
        ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return IoError("cannot write", path);
    done += static_cast<size_t>(n);
  }
  return OkStatus();
}

Status CheckRange(const VolumeHeader& header, uint64_t offset, uint64_t length) {
  if (offset > header.size || length > header.size - offset) {
    return Error(Code::kValidation, "the range is outside the volume");
  }
  return OkStatus();
}

}  // namespace

VolumeFile::VolumeFile(int fd, std::string path, VolumeHeader header)
    : fd_(fd), path_(std::move(path)), header_(std::move(header)) {}

VolumeFile::VolumeFile(VolumeFile&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)), header_(std::move(other.header_)) {
  other.fd_ = -1;
}

VolumeFile& VolumeFile::operator=(VolumeFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
    path_ = std::move(other.path_);
    header_ = std::move(other.header_);
  }
  return *this;
}

VolumeFile::~VolumeFile() {
  if (fd_ >= 0) ::close(fd_);
}

StatusOr<VolumeFile> VolumeFile::Create(const std::string& path, const VolumeHeader& header) {
  KMS_ASSIGN_OR_RETURN(Bytes encoded, EncodeVolumeHeader(header));
  KMS_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::Begin(path));
  KMS_RETURN_IF_ERROR(file.Append(encoded));
  KMS_RETURN_IF_ERROR(file.Commit());
  return Open(path, true);
}

StatusOr<VolumeFile> VolumeFile::Open(const std::string& path, bool writable) {
  const int fd = ::open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open volume", path);
  VolumeFile volume(fd, path, {});
  Bytes sector(kSectorSize);
  KMS_ASSIGN_OR_RETURN(size_t read, ReadAt(fd, path, 0, sector));
  if (read != kSectorSize) return Error(Code::kValidation, path + ": not a volume file (short)");
  auto header = DecodeVolumeHeader(sector);
  if (!header) return Error(Code::kValidation, path + ": " + header.error().message());
  volume.header_ = std::move(*header);
  return volume;
}

Status VolumeFile::CheckKey(const SecretBytes* key) const {
  if (header_.encrypted && (key == nullptr || key->size() != kDataKeySize)) {
    return Error(Code::kValidation, "an encrypted volume needs its 64-byte data key");
  }
  if (!header_.encrypted && key != nullptr) {
    return Error(Code::kValidation, "an unencrypted volume takes no data key");
  }
  return OkStatus();
}

Status VolumeFile::ReadStored(uint64_t sector, std::span<uint8_t> out) const {
  KMS_ASSIGN_OR_RETURN(size_t read, ReadAt(fd_, path_, FileOffset(sector), out));
  std::fill(out.begin() + static_cast<ptrdiff_t>(read), out.end(), 0);
  return OkStatus();
}

Status VolumeFile::ReadPlain(uint64_t sector, const SecretBytes* key,
                             std::span<uint8_t> out) const {
  if (key == nullptr) return ReadStored(sector, out);
  Bytes stored(kSectorSize);
  KMS_RETURN_IF_ERROR(ReadStored(sector, stored));
  if (AllZero(stored)) {
    std::fill(out.begin(), out.end(), 0);
    return OkStatus();
  }
  return DecryptSector(*key, sector, stored, out);
}

StatusOr<SecretBytes> VolumeFile::Read(uint64_t offset, uint64_t length,
                                       const SecretBytes* key) const {
  KMS_RETURN_IF_ERROR(CheckKey(key));
  KMS_RETURN_IF_ERROR(CheckRange(header_, offset, length));
  SecretBytes out(static_cast<size_t>(length));
  SecretBytes plain(kSectorSize);
  uint64_t done = 0;
  while (done < length) {
    const uint64_t position = offset + done;
    const uint64_t sector = position / kSectorSize;
    const size_t within = static_cast<size_t>(position % kSectorSize);
    const size_t take =
        static_cast<size_t>(std::min<uint64_t>(kSectorSize - within, length - done));
    KMS_RETURN_IF_ERROR(ReadPlain(sector, key, plain.mutable_view()));
    std::copy_n(plain.data() + within, take, out.data() + done);
    done += take;
  }
  return out;
}

Status VolumeFile::Write(uint64_t offset, ByteView data, const SecretBytes* key) {
  KMS_RETURN_IF_ERROR(CheckKey(key));
  KMS_RETURN_IF_ERROR(CheckRange(header_, offset, data.size()));
  SecretBytes plain(kSectorSize);
  Bytes stored(kSectorSize);
  uint64_t done = 0;
  while (done < data.size()) {
    const uint64_t position = offset + done;
    const uint64_t sector = position / kSectorSize;
    const size_t within = static_cast<size_t>(position % kSectorSize);
    const size_t take =
        static_cast<size_t>(std::min<uint64_t>(kSectorSize - within, data.size() - done));
    if (take < kSectorSize) KMS_RETURN_IF_ERROR(ReadPlain(sector, key, plain.mutable_view()));
    std::copy_n(data.data() + done, take, plain.data() + within);
    if (key != nullptr) {
      KMS_RETURN_IF_ERROR(EncryptSector(*key, sector, plain.view(), stored));
      KMS_RETURN_IF_ERROR(WriteAt(fd_, path_, FileOffset(sector), stored));
    } else {
      KMS_RETURN_IF_ERROR(WriteAt(fd_, path_, FileOffset(sector), plain.view()));
    }
    done += take;
  }
  if (::fsync(fd_) != 0) return IoError("cannot fsync", path_);
  return OkStatus();
}

Status VolumeFile::CopyTo(const std::string& path, const VolumeHeader& header,
                          const SecretBytes* encrypt_with) const {
  if (header.size != header_.size) return Error(Code::kValidation, "volume sizes differ");
  const bool converts = encrypt_with != nullptr;
  if (converts ? (header_.encrypted || !header.encrypted || encrypt_with->size() != kDataKeySize)
               : header.encrypted != header_.encrypted) {
    return Error(Code::kValidation, "a copy keeps the encryption, or encrypts a plaintext volume");
  }
  KMS_ASSIGN_OR_RETURN(Bytes encoded, EncodeVolumeHeader(header));
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return IoError("cannot stat", path_);
  const uint64_t stored_sectors =
      st.st_size <= static_cast<off_t>(kSectorSize)
          ? 0
          : (static_cast<uint64_t>(st.st_size) - 1) / kSectorSize;  // rounded up, minus header
  KMS_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::Begin(path));
  KMS_RETURN_IF_ERROR(file.Append(encoded));
  SecretBytes stored(kSectorSize);
  Bytes encrypted(kSectorSize);
  for (uint64_t sector = 0; sector < stored_sectors; ++sector) {
    KMS_RETURN_IF_ERROR(ReadStored(sector, stored.mutable_view()));
    if (converts && !AllZero(stored.view())) {
      KMS_RETURN_IF_ERROR(EncryptSector(*encrypt_with, sector, stored.view(), encrypted));
      KMS_RETURN_IF_ERROR(file.Append(encrypted));
    } else {
      KMS_RETURN_IF_ERROR(file.Append(stored.view()));
    }
  }
  return file.Commit();
}

}  // namespace kms::rds
