#include <algorithm>
#include <array>
#include <cctype>

#include "kms/client/rds_ids.h"
#include "kms/crypto.h"
#include "kms/text.h"

namespace kms::rds {
namespace {

constexpr std::string_view kUpperAlphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr size_t kResourceIdLength = 26;
constexpr size_t kVolumeIdLength = 17;

// `length` characters drawn uniformly from `alphabet` (rejection sampling).
std::string RandomString(std::string_view alphabet, size_t length) {
  const size_t limit = 256 - 256 % alphabet.size();
  std::string out;
  out.reserve(length);
  std::array<uint8_t, 32> pool{};
  while (out.size() < length) {
    crypto::RandomBytes(pool);
    for (uint8_t byte : pool) {
      if (byte >= limit) continue;
      out.push_back(alphabet[byte % alphabet.size()]);
      if (out.size() == length) break;
    }
  }
  return out;
}

bool HasSuffixFrom(std::string_view id, std::string_view prefix, std::string_view alphabet,
                   size_t length) {
  if (!id.starts_with(prefix) || id.size() != prefix.size() + length) return false;
  const std::string_view rest = id.substr(prefix.size());
  return std::all_of(rest.begin(), rest.end(),
                     [&](char c) { return alphabet.find(c) != std::string_view::npos; });
}

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::string NewDbResourceId() {
  return "db-" + RandomString(kUpperAlphanumerics, kResourceIdLength);
}

std::string NewClusterResourceId() {
  return "cluster-" + RandomString(kUpperAlphanumerics, kResourceIdLength);
}

std::string NewVolumeId() { return "vol-" + RandomString(kHexDigits, kVolumeIdLength); }

bool IsDbResourceId(std::string_view id) {
  return HasSuffixFrom(id, "db-", kUpperAlphanumerics, kResourceIdLength);
}

bool IsClusterResourceId(std::string_view id) {
  return HasSuffixFrom(id, "cluster-", kUpperAlphanumerics, kResourceIdLength);
}

bool IsVolumeId(std::string_view id) {
  return HasSuffixFrom(id, "vol-", kHexDigits, kVolumeIdLength);
}

bool IsValidIdentifier(std::string_view identifier) {
  if (identifier.empty() || identifier.size() > 63 || !IsAsciiLetter(identifier.front())) {
    return false;
  }
  if (identifier.back() == '-' || identifier.find("--") != std::string_view::npos) return false;
  return std::all_of(identifier.begin(), identifier.end(),
                     [](char c) { return IsAsciiLetter(c) || (c >= '0' && c <= '9') || c == '-'; });
}

std::string CanonicalIdentifier(std::string_view identifier) { return ToLower(identifier); }

bool IsRegionName(std::string_view region) {
  const size_t first = region.find('-');
  const size_t last = region.rfind('-');
  if (first != 2 || last == first || last + 1 >= region.size() || region.size() > 32) return false;
  if (region.find("--") != std::string_view::npos) return false;
  for (size_t i = 0; i < region.size(); ++i) {
    const char c = region[i];
    const bool ok = i > last ? (c >= '0' && c <= '9') : ((c >= 'a' && c <= 'z') || c == '-');
    if (!ok) return false;
  }
  return true;
}

bool IsAccountId(std::string_view text) {
  return text.size() == 12 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace kms::rds
