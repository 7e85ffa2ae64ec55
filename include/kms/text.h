// Small ASCII text helpers shared by the server and the client.
#ifndef KMS_TEXT_H_
#define KMS_TEXT_H_

#include <string>
#include <string_view>
#include <vector>

namespace kms {

// ASCII case-insensitive equality (HTTP header names, SigV4 names).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view text);
// The pieces of `text` between occurrences of `delimiter` (one piece when
// there are none; empty pieces kept). The views point into `text`.
std::vector<std::string_view> Split(std::string_view text, char delimiter);

}  // namespace kms

#endif  // KMS_TEXT_H_
