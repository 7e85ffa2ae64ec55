#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>

#include "kms/crypto.h"
#include "kms/encoding.h"
#include "kms/server/keys/key_service.h"

namespace kms::keys {
namespace {

constexpr size_t kRootKeySize = 32;

std::string WrapContext(std::string_view key_arn, uint32_t version) {
  return "kmsd key material v1|" + std::string(key_arn) + "|" + std::to_string(version);
}

std::unexpected<Status> FileError(const std::string& what, const std::string& path) {
  return Error(Code::kInternal, "root key: " + what + " " + path + ": " + std::strerror(errno));
}

StatusOr<SecretBytes> ReadKeyFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileError("cannot open", path);
  SecretBytes key(kRootKeySize + 1);
  const ssize_t n = ::read(fd, key.data(), key.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(kRootKeySize)) {
    return Error(Code::kInternal, "root key: " + path + " must hold exactly 32 bytes");
  }
  key.Resize(kRootKeySize);
  return key;
}

// Creates the file exclusively (so two starting servers cannot both write
// one), mode 0600, fsynced before use.
StatusOr<SecretBytes> CreateKeyFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return ReadKeyFile(path);
    return FileError("cannot create", path);
  }
  SecretBytes key = crypto::RandomSecret(kRootKeySize);
  const bool ok =
      ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return FileError("cannot write", path);
  }
  return key;
}

// KMSD_ROOT_KEY's value, then the variable wiped in place (so that neither
// the environment nor /proc/<pid>/environ keeps it) and removed.
std::optional<Bytes> TakeRootKeyFromEnvironment(bool* present) {
  char* env = std::getenv("KMSD_ROOT_KEY");
  *present = env != nullptr && *env != '\0';
  if (env == nullptr) return std::nullopt;
  std::optional<Bytes> bytes = HexDecode(env);
  SecureWipe(std::span<uint8_t>(reinterpret_cast<uint8_t*>(env), std::strlen(env)));
  ::unsetenv("KMSD_ROOT_KEY");
  return bytes;
}

}  // namespace

StatusOr<std::unique_ptr<RootKey>> RootKey::LoadOrCreate(const std::string& path) {
  return Open(path, /*create=*/true);
}

StatusOr<std::unique_ptr<RootKey>> RootKey::Load(const std::string& path) {
  return Open(path, /*create=*/false);
}

StatusOr<std::unique_ptr<RootKey>> RootKey::Open(const std::string& path, bool create) {
  bool from_environment = false;
  std::optional<Bytes> bytes = TakeRootKeyFromEnvironment(&from_environment);
  if (from_environment) {
    if (!bytes || bytes->size() != kRootKeySize) {
      if (bytes) SecureWipe(*bytes);
      return Error(Code::kInternal, "root key: KMSD_ROOT_KEY must be 64 hex digits");
    }
    SecretBytes key(*bytes);
    SecureWipe(*bytes);
    return FromBytes(key);
  }
  struct stat st;
  const bool exists = ::stat(path.c_str(), &st) == 0;
  // Anyone who can read the root key can read every key and forge the log.
  if (exists && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error(Code::kInternal, "root key: " + path + " is open to other users (mode " + mode +
                                      "); make it private with: chmod 600 " + path);
  }
  if (!exists && !create)
    return Error(Code::kNotFound,
                 "root key: " + path + " does not exist (has kmsd run with this data directory?)");
  StatusOr<SecretBytes> key = exists ? ReadKeyFile(path) : CreateKeyFile(path);
  if (!key) return std::unexpected(key.error());
  return FromBytes(*key);
}

StatusOr<std::unique_ptr<RootKey>> RootKey::FromBytes(const SecretBytes& key) {
  if (key.size() != kRootKeySize) return Error(Code::kInternal, "root key must be 32 bytes");
  return std::unique_ptr<RootKey>(new RootKey(key.Clone()));
}

StatusOr<Bytes> RootKey::Wrap(const SecretBytes& material, std::string_view key_arn,
                              uint32_t version) const {
  KMS_ASSIGN_OR_RETURN(auto aead, crypto::NewAes256Gcm(key_));
  return aead->Encrypt(material.view(), AsBytes(WrapContext(key_arn, version)));
}

StatusOr<SecretBytes> RootKey::Unwrap(ByteView wrapped, std::string_view key_arn,
                                      uint32_t version) const {
  KMS_ASSIGN_OR_RETURN(auto aead, crypto::NewAes256Gcm(key_));
  auto material = aead->Decrypt(wrapped, AsBytes(WrapContext(key_arn, version)));
  if (!material) {
    return Error(Code::kInternal, "key material of " + std::string(key_arn) +
                                      " does not unwrap under the root key (wrong root key?)");
  }
  return material;
}

SecretBytes RootKey::Derive(std::string_view label) const {
  auto derived = crypto::HkdfSha256(key_.view(), {}, AsBytes(label), 32);
  KMS_CHECK(derived.has_value());
  return std::move(*derived);
}

}  // namespace kms::keys
