// Small text helpers shared by the server and the client: ASCII case, splitting,
// UTF-8 well-formedness.
#ifndef KMS_TEXT_H_
#define KMS_TEXT_H_

#include <string>
#include <string_view>
#include <vector>

namespace kms {

// ASCII case: HTTP header names, SigV4 names, policy keys (bytes outside
// A-Z are compared as they are).
char ToLowerAscii(char c);
std::string ToLower(std::string_view text);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix);
// Three-way comparison of the lowercased texts (bytes as unsigned), for
// sorted case-insensitive lookups.
int CompareIgnoreCase(std::string_view a, std::string_view b);
// The pieces of `text` between occurrences of `delimiter` (one piece when
// there are none; empty pieces kept). The views point into `text`.
std::vector<std::string_view> Split(std::string_view text, char delimiter);

// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates (U+D800 to
// U+DFFF), nothing above U+10FFFF.
// The length of the well-formed sequence that starts at text[pos] (1 to 4), or
// 0 when none does. `pos` must be inside `text`.
size_t Utf8SequenceLength(std::string_view text, size_t pos);
bool IsValidUtf8(std::string_view text);
// `text` with every byte that does not belong to a well-formed sequence
// replaced by U+FFFD.
std::string SanitizeUtf8(std::string_view text);
// `text` when it has at most `max_bytes` bytes; otherwise its first bytes, cut
// before `max_bytes` at a UTF-8 sequence boundary, followed by "..." (as
// CloudTrail shows a value it cut).
std::string TruncateUtf8(std::string_view text, size_t max_bytes);
// Whether `text` is one or more ASCII digits, 0 to 9 (no sign, no space).
bool IsAsciiDigits(std::string_view text);
// An AWS account id: exactly 12 ASCII digits.
bool IsAccountId(std::string_view text);
// `text` for HTML or XML text and attribute values: & < > " ' as entities.
std::string EscapeMarkup(std::string_view text);
// The number of code points in well-formed UTF-8 `text`.
size_t CountCodePoints(std::string_view text);

}  // namespace kms

#endif  // KMS_TEXT_H_
