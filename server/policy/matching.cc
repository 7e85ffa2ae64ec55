#include "matching.h"

#include <arpa/inet.h>

#include <charconv>
#include <cmath>
#include <cstring>

#include "kms/clock.h"

namespace kms::policy::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool CharEquals(char a, char b, bool ignore_case) {
  return ignore_case ? ToLowerAscii(a) == ToLowerAscii(b) : a == b;
}

// Splits an ARN into its six components; false when it has fewer. `offsets`
// receives each component's position in `arn`.
bool SplitArn(std::string_view arn, std::array<std::string_view, 6>& parts,
              std::array<size_t, 6>& offsets) {
  size_t start = 0;
  for (size_t i = 0; i < 5; ++i) {
    const size_t colon = arn.find(':', start);
    if (colon == std::string_view::npos) return false;
    parts[i] = arn.substr(start, colon - start);
    offsets[i] = start;
    start = colon + 1;
  }
  parts[5] = arn.substr(start);
  offsets[5] = start;
  return true;
}

bool IsEpochText(std::string_view text) {
  size_t pos = text.starts_with('-') ? 1 : 0;
  const size_t digits_start = pos;
  while (pos < text.size() && IsDigit(text[pos])) ++pos;
  if (pos == digits_start) return false;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const size_t fraction_start = pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    if (pos == fraction_start) return false;
  }
  return pos == text.size();
}

// Parses an address (no prefix) into `range`; true on success.
bool ParseAddress(std::string_view text, IpRange* range) {
  char buffer[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return false;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  range->address.fill(0);
  if (text.find(':') == std::string_view::npos) {
    range->v6 = false;
    return inet_pton(AF_INET, buffer, range->address.data()) == 1;
  }
  range->v6 = true;
  return inet_pton(AF_INET6, buffer, range->address.data()) == 1;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text, bool ignore_case,
               std::span<const uint8_t> literal) {
  auto is_wild = [&](size_t i, char wild) {
    return pattern[i] == wild && (literal.empty() || literal[i] == 0);
  };
  size_t p = 0;
  size_t t = 0;
  size_t star = std::string_view::npos;
  size_t resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && is_wild(p, '*')) {
      star = p++;
      resume = t;
    } else if (p < pattern.size() &&
               (is_wild(p, '?') || CharEquals(pattern[p], text[t], ignore_case))) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && is_wild(p, '*')) ++p;
  return p == pattern.size();
}

bool ArnMatch(std::string_view pattern, std::string_view value, std::span<const uint8_t> literal) {
  if (pattern == "*" && (literal.empty() || literal[0] == 0)) return true;
  std::array<std::string_view, 6> pattern_parts;
  std::array<size_t, 6> pattern_offsets;
  std::array<std::string_view, 6> value_parts;
  std::array<size_t, 6> value_offsets;
  if (!SplitArn(pattern, pattern_parts, pattern_offsets) ||
      !SplitArn(value, value_parts, value_offsets)) {
    return false;
  }
  for (size_t i = 0; i < 6; ++i) {
    std::span<const uint8_t> part_literal;
    if (!literal.empty()) {
      part_literal = literal.subspan(pattern_offsets[i], pattern_parts[i].size());
    }
    if (!GlobMatch(pattern_parts[i], value_parts[i], /*ignore_case=*/false, part_literal)) {
      return false;
    }
  }
  return true;
}

std::optional<IpRange> ParseIpRange(std::string_view text) {
  IpRange range;
  const size_t slash = text.find('/');
  if (!ParseAddress(text.substr(0, slash), &range)) return std::nullopt;
  const int max_prefix = range.v6 ? 128 : 32;
  range.prefix_length = max_prefix;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    int prefix = -1;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
        prefix < 0 || prefix > max_prefix) {
      return std::nullopt;
    }
    range.prefix_length = prefix;
  }
  return range;
}

bool IpInRange(const IpRange& range, std::string_view text) {
  IpRange address;
  if (!ParseAddress(text, &address) || address.v6 != range.v6) return false;
  const int full_bytes = range.prefix_length / 8;
  for (int i = 0; i < full_bytes; ++i) {
    if (address.address[i] != range.address[i]) return false;
  }
  const int rest = range.prefix_length % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (address.address[full_bytes] & mask) == (range.address[full_bytes] & mask);
}

std::optional<double> ParseNumber(std::string_view text) {
  if (text.starts_with('+')) text.remove_prefix(1);
  if (text.empty() || !(IsDigit(text[0]) || text[0] == '-' || text[0] == '.')) {
    return std::nullopt;
  }
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<double> ParseDate(std::string_view text) {
  if (IsEpochText(text)) return ParseNumber(text);
  EpochMillis time = 0;
  if (!ParseIso8601(text, &time)) return std::nullopt;
  return static_cast<double>(time) / 1000.0;
}

}  // namespace kms::policy::internal
