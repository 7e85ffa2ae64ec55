#include "server/policy/matching.h"

#include <arpa/inet.h>

#include <charconv>
#include <cmath>
#include <cstring>

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

// Parses exactly `width` digits at `text[*pos]`.
bool ReadDigits(std::string_view text, size_t* pos, size_t width, int* out) {
  if (*pos + width > text.size()) return false;
  int value = 0;
  for (size_t i = 0; i < width; ++i) {
    const char c = text[*pos + i];
    if (!IsDigit(c)) return false;
    value = value * 10 + (c - '0');
  }
  *pos += width;
  *out = value;
  return true;
}

bool ReadChar(std::string_view text, size_t* pos, char expected) {
  if (*pos >= text.size() || text[*pos] != expected) return false;
  ++*pos;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Parses "Z", "+hh:mm" or "-hh:mm" (or nothing) into an offset in seconds.
bool ReadTimeZone(std::string_view text, size_t* pos, int* offset_seconds) {
  *offset_seconds = 0;
  if (*pos == text.size()) return true;
  if (text[*pos] == 'Z' || text[*pos] == 'z') {
    ++*pos;
    return true;
  }
  const char sign = text[*pos];
  if (sign != '+' && sign != '-') return false;
  ++*pos;
  int hours = 0;
  int minutes = 0;
  if (!ReadDigits(text, pos, 2, &hours) || !ReadChar(text, pos, ':') ||
      !ReadDigits(text, pos, 2, &minutes) || hours > 23 || minutes > 59) {
    return false;
  }
  *offset_seconds = (hours * 3600 + minutes * 60) * (sign == '+' ? 1 : -1);
  return true;
}

// Parses "hh:mm[:ss[.s+]]" after the 'T'.
bool ReadTime(std::string_view text, size_t* pos, double* seconds_of_day) {
  int hours = 0;
  int minutes = 0;
  if (!ReadDigits(text, pos, 2, &hours) || !ReadChar(text, pos, ':') ||
      !ReadDigits(text, pos, 2, &minutes) || hours > 23 || minutes > 59) {
    return false;
  }
  double seconds = 0;
  if (*pos < text.size() && text[*pos] == ':') {
    ++*pos;
    int whole = 0;
    if (!ReadDigits(text, pos, 2, &whole) || whole > 60) return false;
    seconds = whole;
    if (*pos < text.size() && text[*pos] == '.') {
      ++*pos;
      double scale = 0.1;
      const size_t start = *pos;
      while (*pos < text.size() && IsDigit(text[*pos])) {
        seconds += (text[*pos] - '0') * scale;
        scale /= 10;
        ++*pos;
      }
      if (*pos == start) return false;
    }
  }
  *seconds_of_day = hours * 3600.0 + minutes * 60.0 + seconds;
  return true;
}

std::optional<double> ParseIsoDate(std::string_view text) {
  size_t pos = 0;
  int year = 0;
  int month = 1;
  int day = 1;
  if (!ReadDigits(text, &pos, 4, &year)) return std::nullopt;
  if (pos < text.size() && ReadChar(text, &pos, '-')) {
    if (!ReadDigits(text, &pos, 2, &month) || month < 1 || month > 12) return std::nullopt;
    if (pos < text.size() && ReadChar(text, &pos, '-')) {
      if (!ReadDigits(text, &pos, 2, &day)) return std::nullopt;
      if (day < 1 || day > DaysInMonth(year, month)) return std::nullopt;
    }
  }
  double seconds_of_day = 0;
  int offset = 0;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == 't')) {
    ++pos;
    if (!ReadTime(text, &pos, &seconds_of_day) || !ReadTimeZone(text, &pos, &offset)) {
      return std::nullopt;
    }
  }
  if (pos != text.size()) return std::nullopt;
  return static_cast<double>(DaysFromCivil(year, month, day)) * 86400.0 + seconds_of_day - offset;
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

char ToLowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ToLowerAscii(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) return false;
  }
  return true;
}

int CompareIgnoreCase(std::string_view a, std::string_view b) {
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; ++i) {
    const auto ca = static_cast<unsigned char>(ToLowerAscii(a[i]));
    const auto cb = static_cast<unsigned char>(ToLowerAscii(b[i]));
    if (ca != cb) return ca < cb ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

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
  return ParseIsoDate(text);
}

}  // namespace kms::policy::internal
