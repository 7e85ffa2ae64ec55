// Byte buffers, and SecretBytes for key material and plaintext.
#ifndef KMS_BYTES_H_
#define KMS_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kms {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline ByteView AsBytes(std::string_view s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline std::string_view AsString(ByteView b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}
inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// Secret material (keys, plaintext). Move-only, wiped on destruction and on
// move-from, compared in constant time, never printed.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t size) : data_(size) {}
  explicit SecretBytes(ByteView bytes) : data_(bytes.begin(), bytes.end()) {}
  ~SecretBytes() { Wipe(); }

  SecretBytes(SecretBytes&& other) noexcept : data_(std::move(other.data_)) { other.data_.clear(); }
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  // An explicit copy, so that copies of secrets are visible in the code.
  SecretBytes Clone() const { return SecretBytes(view()); }

  uint8_t* data() { return data_.data(); }
  const uint8_t* data() const { return data_.data(); }
  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  ByteView view() const { return ByteView(data_.data(), data_.size()); }
  std::span<uint8_t> mutable_view() { return std::span<uint8_t>(data_.data(), data_.size()); }
  void Resize(size_t size);

  // Constant-time in the length of the shorter value.
  friend bool operator==(const SecretBytes& a, const SecretBytes& b);

 private:
  void Wipe();
  std::vector<uint8_t> data_;
};

// Overwrites `bytes` in a way the compiler does not optimise away.
void SecureWipe(std::span<uint8_t> bytes);
// Constant-time equality of two byte strings (length is not secret).
bool ConstantTimeEquals(ByteView a, ByteView b);

}  // namespace kms

#endif  // KMS_BYTES_H_
