// Fuzz target for the RDS volume header codec (client/volume_header.cc): a
// sector that decodes encodes back to the same bytes up to its checksum
// (zeros after it), and that encoding decodes to the same header. Each input
// is decoded as it is, and again padded to a sector with the checksum its
// body calls for, so that mutations reach the fields behind the SHA-256.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "kms/client/rds_volume.h"
#include "kms/crypto.h"

namespace {

using kms::rds::kSectorSize;

// Sector 0 (client/volume_header.cc): magic, version, body length | body |
// SHA-256 of the body.
constexpr size_t kBodySizeOffset = 8 + 4;
constexpr size_t kPreambleSize = kBodySizeOffset + 4;
constexpr size_t kChecksumSize = 32;
constexpr size_t kMaxBodySize = kSectorSize - kPreambleSize - kChecksumSize;

// The body length the preamble of `sector` states; at least kPreambleSize bytes.
size_t BodySize(kms::ByteView sector) {
  size_t size = 0;
  for (size_t i = 0; i < 4; ++i) size |= size_t{sector[kBodySizeOffset + i]} << (8 * i);
  return size;
}

void CheckRoundTrip(kms::ByteView sector) {
  const kms::StatusOr<kms::rds::VolumeHeader> header = kms::rds::DecodeVolumeHeader(sector);
  if (!header) return;
  (void)header->Context();
  const kms::StatusOr<kms::Bytes> encoded = kms::rds::EncodeVolumeHeader(*header);
  KMS_CHECK(encoded.has_value());
  KMS_CHECK(encoded->size() == kSectorSize);
  // The encoding is canonical: only the padding after the checksum is free.
  const size_t used = kPreambleSize + BodySize(sector) + kChecksumSize;
  KMS_CHECK(used <= kSectorSize);
  KMS_CHECK(std::equal(encoded->begin(), encoded->begin() + static_cast<ptrdiff_t>(used),
                       sector.begin()));
  KMS_CHECK(std::all_of(encoded->begin() + static_cast<ptrdiff_t>(used), encoded->end(),
                        [](uint8_t b) { return b == 0; }));
  KMS_CHECK(kms::rds::DecodeVolumeHeader(*encoded).value() == *header);
}

// `input` padded with zeros to a sector, with the right checksum for the body
// length it states; nullopt when that length does not fit in a sector.
std::optional<kms::Bytes> WithValidChecksum(kms::ByteView input) {
  kms::Bytes sector(input.begin(), input.end());
  if (sector.size() < kSectorSize) sector.resize(kSectorSize, 0);
  const size_t body_size = BodySize(sector);
  if (body_size > kMaxBodySize) return std::nullopt;
  const kms::crypto::Sha256Digest checksum =
      kms::crypto::Sha256(kms::ByteView(sector).subspan(kPreambleSize, body_size));
  std::copy(checksum.begin(), checksum.end(),
            sector.begin() + static_cast<ptrdiff_t>(kPreambleSize + body_size));
  return sector;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const kms::ByteView input(data, size);
  CheckRoundTrip(input);
  if (const std::optional<kms::Bytes> repaired = WithValidChecksum(input)) {
    CheckRoundTrip(*repaired);
  }
  return 0;
}
