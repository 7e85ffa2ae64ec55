#include "kms/bytes.h"

namespace kms {

void SecureWipe(std::span<uint8_t> bytes) {
  volatile uint8_t* p = bytes.data();
  for (size_t i = 0; i < bytes.size(); ++i) p[i] = 0;
}

bool ConstantTimeEquals(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  volatile uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff = diff | (a[i] ^ b[i]);
  return diff == 0;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Wipe();
    data_ = std::move(other.data_);
    other.data_.clear();
  }
  return *this;
}

void SecretBytes::Resize(size_t size) {
  if (size < data_.size()) SecureWipe(std::span<uint8_t>(data_.data() + size, data_.size() - size));
  if (size > data_.capacity()) {
    // Grow through a fresh buffer so the old one can be wiped, not merely freed.
    std::vector<uint8_t> grown(size);
    std::copy(data_.begin(), data_.end(), grown.begin());
    Wipe();
    data_ = std::move(grown);
    return;
  }
  data_.resize(size);
}

bool operator==(const SecretBytes& a, const SecretBytes& b) {
  return ConstantTimeEquals(a.view(), b.view());
}

void SecretBytes::Wipe() { SecureWipe(std::span<uint8_t>(data_.data(), data_.size())); }

}  // namespace kms
