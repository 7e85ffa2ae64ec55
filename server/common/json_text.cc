#include "kms/json_text.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "kms/text.h"

namespace kms {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of the \uXXXX escape at text[pos] (pos at the backslash), or
// -1 when there is none there.
int32_t EscapedCodeUnit(std::string_view text, size_t pos) {
  if (pos + 6 > text.size() || text[pos] != '\\' || text[pos + 1] != 'u') return -1;
  int32_t unit = 0;
  for (size_t i = pos + 2; i < pos + 6; ++i) {
    const int digit = HexValue(text[i]);
    if (digit < 0) return -1;
    unit = unit * 16 + digit;
  }
  return unit;
}

bool IsHighSurrogate(int32_t unit) { return unit >= 0xD800 && unit <= 0xDBFF; }
bool IsLowSurrogate(int32_t unit) { return unit >= 0xDC00 && unit <= 0xDFFF; }

constexpr uint64_t kEveryByte = 0x0101010101010101ULL;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// Whether a byte of `word` is `byte` (the classic zero-byte test on word ^ byte).
bool HasByte(uint64_t word, uint8_t byte) {
  const uint64_t x = word ^ (kEveryByte * byte);
  return ((x - kEveryByte) & ~x & kHighBits) != 0;
}

// From `pos` inside a string, past the 8-byte blocks of plain ASCII (no
// quote, no backslash): most of a string, skipped a word at a time.
size_t SkipPlainString(std::string_view text, size_t pos) {
  uint64_t word = 0;
  while (pos + sizeof(word) <= text.size()) {
    std::memcpy(&word, text.data() + pos, sizeof(word));
    if ((word & kHighBits) != 0 || HasByte(word, '"') || HasByte(word, '\\')) break;
    pos += sizeof(word);
  }
  return pos;
}

}  // namespace

JsonTextProblem CheckJsonText(std::string_view text, const JsonTextLimits& limits) {
  std::vector<size_t> commas;  // per open container: the separators seen so far
  bool in_string = false;
  for (size_t pos = 0; pos < text.size();) {
    const char c = text[pos];
    if (static_cast<unsigned char>(c) >= 0x80) {
      const size_t length = Utf8SequenceLength(text, pos);
      if (length == 0) return JsonTextProblem::kInvalidUtf8;
      pos += length;
      continue;
    }
    if (in_string) {
      if (const size_t skipped = SkipPlainString(text, pos); skipped != pos) {
        pos = skipped;
        continue;
      }
      if (c == '"') {
        in_string = false;
      } else if (c == '\\') {
        const int32_t unit = EscapedCodeUnit(text, pos);
        if (IsLowSurrogate(unit)) return JsonTextProblem::kInvalidUtf8;
        if (IsHighSurrogate(unit)) {
          if (!IsLowSurrogate(EscapedCodeUnit(text, pos + 6))) return JsonTextProblem::kInvalidUtf8;
          pos += 12;
          continue;
        }
        pos += unit >= 0 ? 6 : 2;  // any other escape is two characters (or malformed)
        continue;
      }
      ++pos;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
      case '[':
        if (commas.size() == limits.max_depth) return JsonTextProblem::kTooDeep;
        commas.push_back(0);
        break;
      case '}':
      case ']':
        if (!commas.empty()) commas.pop_back();
        break;
      case ',':
        // n separators: n + 1 members.
        if (!commas.empty() && ++commas.back() >= limits.max_members) {
          return JsonTextProblem::kTooManyMembers;
        }
        break;
      default:
        break;
    }
    ++pos;
  }
  return JsonTextProblem::kNone;
}

}  // namespace kms
