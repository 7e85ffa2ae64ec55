#include "kms/server/crypto/ciphertext_blob.h"

#include <cstring>

#include "kms/crypto.h"
#include "kms/encoding.h"

namespace kms {
namespace {

constexpr std::string_view kBlobKeyInfo = "kmsd blob v1";

void AppendU32(Bytes& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

template <size_t N>
void Append(Bytes& out, const std::array<uint8_t, N>& a) {
  out.insert(out.end(), a.begin(), a.end());
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

StatusOr<SecretBytes> MessageKey(const SecretBytes& backing_key, ByteView salt) {
  return crypto::HkdfSha256(backing_key.view(), salt, AsBytes(kBlobKeyInfo), 32);
}

Bytes AssociatedData(const CiphertextBlob& blob, const EncryptionContext& context) {
  Bytes aad = CiphertextBlobHeader(blob);
  Bytes ec = CanonicalEncryptionContext(context);
  aad.insert(aad.end(), ec.begin(), ec.end());
  return aad;
}

}  // namespace

StatusOr<CiphertextBlob> ParseCiphertextBlob(ByteView bytes) {
  if (bytes.size() < CiphertextBlob::kHeaderSize + CiphertextBlob::kTagSize ||
      bytes[0] != CiphertextBlob::kMagic ||
      (bytes[1] != CiphertextBlob::kFormatV1 && bytes[1] != CiphertextBlob::kFormatV1MultiRegion)) {
    return Error(Code::kInvalidCiphertext);
  }
  CiphertextBlob blob;
  blob.multi_region_key = bytes[1] == CiphertextBlob::kFormatV1MultiRegion;
  size_t pos = 2;
  std::memcpy(blob.key_id.data(), bytes.data() + pos, 16);
  pos += 16;
  blob.key_version = (uint32_t{bytes[pos]} << 24) | (uint32_t{bytes[pos + 1]} << 16) |
                     (uint32_t{bytes[pos + 2]} << 8) | bytes[pos + 3];
  pos += 4;
  std::memcpy(blob.salt.data(), bytes.data() + pos, 16);
  pos += 16;
  std::memcpy(blob.nonce.data(), bytes.data() + pos, 12);
  pos += 12;
  const size_t body = bytes.size() - pos - CiphertextBlob::kTagSize;
  blob.ciphertext.assign(bytes.begin() + static_cast<ptrdiff_t>(pos),
                         bytes.begin() + static_cast<ptrdiff_t>(pos + body));
  std::memcpy(blob.tag.data(), bytes.data() + pos + body, CiphertextBlob::kTagSize);
  return blob;
}

Bytes CiphertextBlobHeader(const CiphertextBlob& blob) {
  Bytes out;
  out.reserve(CiphertextBlob::kHeaderSize);
  out.push_back(CiphertextBlob::kMagic);
  out.push_back(blob.multi_region_key ? CiphertextBlob::kFormatV1MultiRegion
                                      : CiphertextBlob::kFormatV1);
  Append(out, blob.key_id);
  AppendU32(out, blob.key_version);
  Append(out, blob.salt);
  Append(out, blob.nonce);
  return out;
}

Bytes SerializeCiphertextBlob(const CiphertextBlob& blob) {
  Bytes out = CiphertextBlobHeader(blob);
  out.reserve(out.size() + blob.ciphertext.size() + CiphertextBlob::kTagSize);
  out.insert(out.end(), blob.ciphertext.begin(), blob.ciphertext.end());
  Append(out, blob.tag);
  return out;
}

bool ParseUuid(std::string_view text, KeyIdBytes* out) {
  if (text.size() != 36) return false;
  size_t n = 0;
  for (size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return false;
      ++i;
      continue;
    }
    const int hi = HexValue(text[i]);
    const int lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[n++] = static_cast<uint8_t>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

std::string FormatUuid(const KeyIdBytes& id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kDigits[id[i] >> 4]);
    out.push_back(kDigits[id[i] & 15]);
  }
  return out;
}

bool PackKeyId(std::string_view key_id, KeyIdBytes* out, bool* multi_region) {
  *multi_region = key_id.starts_with("mrk-");
  if (!*multi_region) return ParseUuid(key_id, out);
  const std::string_view hex = key_id.substr(4);
  if (hex.size() != 32) return false;
  for (size_t i = 0; i < 16; ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return true;
}

std::string UnpackKeyId(const KeyIdBytes& bytes, bool multi_region) {
  if (!multi_region) return FormatUuid(bytes);
  std::string out = "mrk-";
  out += HexEncode(bytes);
  return out;
}

std::string NewMultiRegionKeyId() {
  KeyIdBytes id;
  crypto::RandomPublicBytes(id);
  return UnpackKeyId(id, true);
}

std::string NewUuid() {
  KeyIdBytes id;
  crypto::RandomPublicBytes(id);
  id[6] = static_cast<uint8_t>((id[6] & 0x0F) | 0x40);
  id[8] = static_cast<uint8_t>((id[8] & 0x3F) | 0x80);
  return FormatUuid(id);
}

std::string NewTimeOrderedUuid(EpochMillis now) {
  KeyIdBytes id;
  crypto::RandomPublicBytes(id);
  for (int i = 0; i < 6; ++i)
    id[i] = static_cast<uint8_t>(static_cast<uint64_t>(now) >> (40 - 8 * i));
  id[6] = static_cast<uint8_t>((id[6] & 0x0F) | 0x70);
  id[8] = static_cast<uint8_t>((id[8] & 0x3F) | 0x80);
  return FormatUuid(id);
}

StatusOr<Bytes> SealCiphertextBlob(const SecretBytes& backing_key, std::string_view key_id,
                                   uint32_t key_version, ByteView plaintext,
                                   const EncryptionContext& context) {
  CiphertextBlob blob;
  if (!PackKeyId(key_id, &blob.key_id, &blob.multi_region_key))
    return Error(Code::kInternal, "a ciphertext for the malformed key id " + std::string(key_id));
  blob.key_version = key_version;
  uint8_t random[28];
  crypto::RandomPublicBytes(random);
  std::memcpy(blob.salt.data(), random, 16);
  std::memcpy(blob.nonce.data(), random + 16, 12);
  KMS_ASSIGN_OR_RETURN(SecretBytes message_key, MessageKey(backing_key, blob.salt));
  blob.ciphertext.resize(plaintext.size());
  KMS_RETURN_IF_ERROR(crypto::Aes256GcmSeal(message_key, blob.nonce, plaintext,
                                            AssociatedData(blob, context), blob.ciphertext,
                                            blob.tag));
  return SerializeCiphertextBlob(blob);
}

StatusOr<SecretBytes> OpenCiphertextBlob(const SecretBytes& backing_key, const CiphertextBlob& blob,
                                         const EncryptionContext& context) {
  KMS_ASSIGN_OR_RETURN(SecretBytes message_key, MessageKey(backing_key, blob.salt));
  return crypto::Aes256GcmOpen(message_key, blob.nonce, blob.ciphertext,
                               AssociatedData(blob, context), blob.tag);
}

}  // namespace kms
