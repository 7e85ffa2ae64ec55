#include "kms/encryption_context.h"

namespace kms {
namespace {
void AppendLength(Bytes& out, size_t n) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(n >> shift));
}
void AppendString(Bytes& out, const std::string& s) {
  AppendLength(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}
}  // namespace

Bytes CanonicalEncryptionContext(const EncryptionContext& context) {
  Bytes out;
  size_t total = 4;
  for (const auto& [key, value] : context) total += 8 + key.size() + value.size();
  out.reserve(total);
  AppendLength(out, context.size());
  for (const auto& [key, value] : context) {
    AppendString(out, key);
    AppendString(out, value);
  }
  return out;
}

}  // namespace kms
