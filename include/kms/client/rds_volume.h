// The volume file of the RDS volume client: a stand-in for an EBS volume.
//
// Layout: sector 0 is the header, data sector i (0-based) follows at byte
// offset (i + 1) * 4096. The header holds a magic, the format version and,
// covered by a SHA-256 checksum: flags (encrypted), the size in bytes, the
// resource id (db-... or cluster-...), volume id, region, KMS key ARN and the
// KMS ciphertext blob of the 64-byte data key. Encrypted volumes store each
// data sector as XTS-AES-256 under the data key with tweak = sector number,
// as disk encryption does; unencrypted volumes store plaintext sectors.
//
// A sector that was never written reads as zeros: the file grows only as far
// as data is written, and an all-zero stored sector counts as unwritten (an
// XTS ciphertext is all zeros with probability 2^-32768). The plaintext data
// key is never stored; callers pass it in for one operation.
#ifndef KMS_CLIENT_RDS_VOLUME_H_
#define KMS_CLIENT_RDS_VOLUME_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "kms/bytes.h"
#include "kms/encryption_context.h"
#include "kms/status.h"

namespace kms::rds {

inline constexpr size_t kSectorSize = 4096;
inline constexpr size_t kDataKeySize = 64;  // two AES-256 keys for XTS
inline constexpr uint32_t kVolumeFormatVersion = 1;

// Encryption context keys RDS uses for the data keys of its volumes.
inline constexpr std::string_view kDbIdContextKey = "aws:rds:db-id";
inline constexpr std::string_view kClusterIdContextKey = "aws:rds:dbc-id";
inline constexpr std::string_view kVolumeIdContextKey = "aws:ebs:id";

// {"aws:rds:db-id": resource_id, "aws:ebs:id": volume_id}; for a cluster
// resource id ("cluster-...") the first key is "aws:rds:dbc-id".
EncryptionContext VolumeContext(std::string_view resource_id, std::string_view volume_id);

struct VolumeHeader {
  // The instance or cluster whose volume this is, or was (a snapshot keeps
  // the header of the volume it was taken from).
  std::string resource_id;
  std::string volume_id;
  std::string region;
  bool encrypted = false;
  std::string key_arn;       // empty when not encrypted
  Bytes encrypted_data_key;  // KMS ciphertext blob; empty when not encrypted
  uint64_t size = 0;         // bytes; a multiple of kSectorSize

  // The context encrypted_data_key is bound to.
  EncryptionContext Context() const { return VolumeContext(resource_id, volume_id); }
  friend bool operator==(const VolumeHeader&, const VolumeHeader&) = default;
};

// Exactly kSectorSize bytes. kValidation if the fields do not fit, if size is
// not a multiple of kSectorSize, or if encrypted and key/blob disagree.
StatusOr<Bytes> EncodeVolumeHeader(const VolumeHeader& header);
// kValidation for a wrong magic, an unknown version or a bad checksum.
StatusOr<VolumeHeader> DecodeVolumeHeader(ByteView sector);

// XTS-AES-256 of one data sector (kSectorSize bytes) under a 64-byte key.
Status EncryptSector(const SecretBytes& key, uint64_t sector, ByteView plaintext,
                     std::span<uint8_t> out);
Status DecryptSector(const SecretBytes& key, uint64_t sector, ByteView ciphertext,
                     std::span<uint8_t> out);

// An open volume file. Move-only; closes the file on destruction.
// Not thread-safe. Errors: kValidation for requests outside the volume or a
// key that does not fit the volume; kInternal for I/O failures.
class VolumeFile {
 public:
  // Creates the file at `path` with `header` and no data, atomically (a
  // temporary file, fsync, rename): the path holds a whole file or none.
  static StatusOr<VolumeFile> Create(const std::string& path, const VolumeHeader& header);
  static StatusOr<VolumeFile> Open(const std::string& path, bool writable);

  VolumeFile(VolumeFile&& other) noexcept;
  VolumeFile& operator=(VolumeFile&& other) noexcept;
  VolumeFile(const VolumeFile&) = delete;
  VolumeFile& operator=(const VolumeFile&) = delete;
  ~VolumeFile();

  const VolumeHeader& header() const { return header_; }
  const std::string& path() const { return path_; }

  // Reads [offset, offset + length). `key` is the data key, required exactly
  // when the volume is encrypted.
  StatusOr<SecretBytes> Read(uint64_t offset, uint64_t length, const SecretBytes* key) const;
  // Writes `data` at `offset` (partial sectors are read, modified and
  // rewritten) and fsyncs. Needs a writable file.
  Status Write(uint64_t offset, ByteView data, const SecretBytes* key);

  // Writes a new volume file at `path` with `header` and this volume's data
  // sectors, atomically. Without `encrypt_with` the sectors are copied
  // verbatim (ciphertext stays ciphertext); with it, this unencrypted
  // volume's sectors are encrypted under that key (header.encrypted must be
  // set). header.size must equal this volume's size.
  Status CopyTo(const std::string& path, const VolumeHeader& header,
                const SecretBytes* encrypt_with) const;

 private:
  VolumeFile(int fd, std::string path, VolumeHeader header);
  Status CheckKey(const SecretBytes* key) const;
  // Reads data sector `sector` as stored; all zeros when never written.
  Status ReadStored(uint64_t sector, std::span<uint8_t> out) const;
  // Plaintext of data sector `sector`.
  Status ReadPlain(uint64_t sector, const SecretBytes* key, std::span<uint8_t> out) const;

  int fd_ = -1;
  std::string path_;
  VolumeHeader header_;
};

}  // namespace kms::rds

#endif  // KMS_CLIENT_RDS_VOLUME_H_
