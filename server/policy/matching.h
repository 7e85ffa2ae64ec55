// String, ARN, IP, number and date matching for policy evaluation.
// Pure functions; allocation-free unless stated.
#ifndef KMS_SERVER_POLICY_MATCHING_H_
#define KMS_SERVER_POLICY_MATCHING_H_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "kms/text.h"

namespace kms::policy::internal {

// ASCII case helpers (ToLowerAscii, EqualsIgnoreCase, ...) are kms/text.h's.
using ::kms::CompareIgnoreCase;
using ::kms::EqualsIgnoreCase;
using ::kms::StartsWithIgnoreCase;
using ::kms::ToLower;
using ::kms::ToLowerAscii;

// Wildcard match of the whole `text`: '*' matches any run of characters
// (including none), '?' exactly one. A character whose `literal` byte is 1
// matches only itself (text from policy variables and ${*}/${?}); `literal`
// is either empty or as long as `pattern`. Linear space, O(|pattern|*|text|)
// worst-case time.
bool GlobMatch(std::string_view pattern, std::string_view text, bool ignore_case,
               std::span<const uint8_t> literal = {});

// ArnLike/ArnEquals and Resource matching (IAM User Guide, "Condition
// operators", ARN): both sides are split into the six ':'-separated ARN
// components (the last one keeps any further ':'), and each component is
// glob-matched case-sensitively. A pattern that is exactly "*" matches any
// value; otherwise either side having fewer than six components is no match.
bool ArnMatch(std::string_view pattern, std::string_view value,
              std::span<const uint8_t> literal = {});

// An IPv4 or IPv6 CIDR block. A bare address is a /32 or /128 (IAM docs).
struct IpRange {
  bool v6 = false;
  std::array<uint8_t, 16> address{};
  int prefix_length = 0;
};
std::optional<IpRange> ParseIpRange(std::string_view text);
// Whether the address `text` (no prefix) lies inside `range`.
bool IpInRange(const IpRange& range, std::string_view text);

// A decimal number ("10", "-2.5", "1e3"); nullopt when not a finite number.
std::optional<double> ParseNumber(std::string_view text);

// Seconds since the epoch, from epoch seconds ("1700000000", "1.7e9" is not
// accepted; digits with an optional fraction) or a W3C ISO 8601 date
// (kms::ParseIso8601: "2024", "2024-05-01T10:00:00.5+02:00", ...). A string
// of digits only is always epoch seconds.
std::optional<double> ParseDate(std::string_view text);

}  // namespace kms::policy::internal

#endif  // KMS_SERVER_POLICY_MATCHING_H_
