// Checks on untrusted JSON text that RapidJSON's parser does not make, run
// before it parses: nesting depth (no parse or walk of the result can run out
// of stack), members per object and elements per array, and well-formed UTF-8
// (kms/text.h) both in the raw bytes and in what \u escapes decode to (a lone
// surrogate is refused). The grammar is left to the parser. Pure; thread-safe.
#ifndef KMS_JSON_TEXT_H_
#define KMS_JSON_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kms {

struct JsonTextLimits {
  size_t max_depth = 32;          // nested objects and arrays
  size_t max_members = SIZE_MAX;  // per object or array
};

enum class JsonTextProblem {
  kNone,
  kTooDeep,
  kTooManyMembers,
  kInvalidUtf8,
};

// The first problem found in `text`, scanning from the start.
JsonTextProblem CheckJsonText(std::string_view text, const JsonTextLimits& limits);

}  // namespace kms

#endif  // KMS_JSON_TEXT_H_
