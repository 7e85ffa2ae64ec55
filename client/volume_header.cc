// The volume header (sector 0) codec and the volume encryption context.
#include "kms/client/rds_volume.h"
#include "kms/crypto.h"

namespace kms::rds {
namespace {

constexpr std::string_view kMagic = "KMSDRVOL";
constexpr uint32_t kFlagEncrypted = 1;
// magic, version, body length | body | SHA-256 of the body
constexpr size_t kPreambleSize = 8 + 4 + 4;
constexpr size_t kChecksumSize = 32;
constexpr size_t kMaxBodySize = kSectorSize - kPreambleSize - kChecksumSize;

void PutU16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
void PutU32(Bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutU64(Bytes& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutField(Bytes& out, ByteView field) {
  PutU16(out, static_cast<uint16_t>(field.size()));
  out.insert(out.end(), field.begin(), field.end());
}

// Reads little-endian integers and length-prefixed fields; any overrun
// sets failed() and yields zeros.
class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}
  uint64_t Uint(size_t bytes) {
    if (!Have(bytes)) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; ++i) v |= uint64_t{data_[pos_ + i]} << (8 * i);
    pos_ += bytes;
    return v;
  }
  Bytes Field() {
    const size_t size = static_cast<size_t>(Uint(2));
    if (!Have(size)) return {};
    Bytes out(data_.begin() + static_cast<ptrdiff_t>(pos_),
              data_.begin() + static_cast<ptrdiff_t>(pos_ + size));
    pos_ += size;
    return out;
  }
  std::string Text() {
    const Bytes field = Field();
    return std::string(field.begin(), field.end());
  }
  bool failed() const { return failed_; }
  bool at_end() const { return pos_ == data_.size(); }

 private:
  bool Have(size_t bytes) {
    if (failed_ || data_.size() - pos_ < bytes) failed_ = true;
    return !failed_;
  }
  ByteView data_;
  size_t pos_ = 0;
  bool failed_ = false;
};

Status CheckHeader(const VolumeHeader& header) {
  if (header.size == 0 || header.size % kSectorSize != 0) {
    return Error(Code::kValidation, "volume size must be a positive multiple of 4096 bytes");
  }
  if (header.encrypted != !header.key_arn.empty() ||
      header.encrypted != !header.encrypted_data_key.empty()) {
    return Error(Code::kValidation,
                 "an encrypted volume needs a key ARN and an encrypted data key, and only it");
  }
  for (const std::string* text :
       {&header.resource_id, &header.volume_id, &header.region, &header.key_arn}) {
    if (text->size() > 0xffff) return Error(Code::kValidation, "volume header field too long");
  }
  if (header.encrypted_data_key.size() > 0xffff) {
    return Error(Code::kValidation, "encrypted data key too long");
  }
  return OkStatus();
}

}  // namespace

EncryptionContext VolumeContext(std::string_view resource_id, std::string_view volume_id) {
  const std::string_view id_key =
      resource_id.starts_with("cluster-") ? kClusterIdContextKey : kDbIdContextKey;
  return EncryptionContext{{std::string(id_key), std::string(resource_id)},
                           {std::string(kVolumeIdContextKey), std::string(volume_id)}};
}

StatusOr<Bytes> EncodeVolumeHeader(const VolumeHeader& header) {
  KMS_RETURN_IF_ERROR(CheckHeader(header));
  Bytes body;
  PutU32(body, header.encrypted ? kFlagEncrypted : 0);
  PutU64(body, header.size);
  for (const std::string* text :
       {&header.resource_id, &header.volume_id, &header.region, &header.key_arn}) {
    PutField(body, AsBytes(*text));
  }
  PutField(body, header.encrypted_data_key);
  if (body.size() > kMaxBodySize) {
    return Error(Code::kValidation, "volume header does not fit in one sector");
  }
  Bytes out(kMagic.begin(), kMagic.end());
  PutU32(out, kVolumeFormatVersion);
  PutU32(out, static_cast<uint32_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  const crypto::Sha256Digest checksum = crypto::Sha256(body);
  out.insert(out.end(), checksum.begin(), checksum.end());
  out.resize(kSectorSize, 0);
  return out;
}

StatusOr<VolumeHeader> DecodeVolumeHeader(ByteView sector) {
  if (sector.size() < kSectorSize || AsString(sector.first(kMagic.size())) != kMagic) {
    return Error(Code::kValidation, "not a volume file (bad magic)");
  }
  Reader preamble(sector.subspan(kMagic.size(), 8));
  const uint64_t version = preamble.Uint(4);
  const uint64_t body_size = preamble.Uint(4);
  if (version != kVolumeFormatVersion) {
    return Error(Code::kValidation, "unsupported volume format version " + std::to_string(version));
  }
  if (body_size > kMaxBodySize) return Error(Code::kValidation, "corrupt volume header (length)");
  const ByteView body = sector.subspan(kPreambleSize, body_size);
  const crypto::Sha256Digest checksum = crypto::Sha256(body);
  if (!ConstantTimeEquals(checksum, sector.subspan(kPreambleSize + body_size, kChecksumSize))) {
    return Error(Code::kValidation, "corrupt volume header (checksum)");
  }
  Reader in(body);
  VolumeHeader header;
  const uint64_t flags = in.Uint(4);
  header.encrypted = (flags & kFlagEncrypted) != 0;
  header.size = in.Uint(8);
  header.resource_id = in.Text();
  header.volume_id = in.Text();
  header.region = in.Text();
  header.key_arn = in.Text();
  header.encrypted_data_key = in.Field();
  if (in.failed() || !in.at_end() || (flags & ~uint64_t{kFlagEncrypted}) != 0) {
    return Error(Code::kValidation, "corrupt volume header (fields)");
  }
  KMS_RETURN_IF_ERROR(CheckHeader(header));
  return header;
}

Status EncryptSector(const SecretBytes& key, uint64_t sector, ByteView plaintext,
                     std::span<uint8_t> out) {
  if (plaintext.size() != kSectorSize || out.size() != kSectorSize || key.size() != kDataKeySize) {
    return Error(Code::kValidation, "a sector is 4096 bytes and a data key 64 bytes");
  }
  return crypto::XtsAes256(true, key, sector, plaintext, out);
}

Status DecryptSector(const SecretBytes& key, uint64_t sector, ByteView ciphertext,
                     std::span<uint8_t> out) {
  if (ciphertext.size() != kSectorSize || out.size() != kSectorSize || key.size() != kDataKeySize) {
    return Error(Code::kValidation, "a sector is 4096 bytes and a data key 64 bytes");
  }
  return crypto::XtsAes256(false, key, sector, ciphertext, out);
}

}  // namespace kms::rds
