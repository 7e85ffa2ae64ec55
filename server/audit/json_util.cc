#include "server/audit/json_util.h"

#include <rapidjson/reader.h>

#include <cstdint>

namespace kms::audit {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Length of the well-formed UTF-8 sequence at text[pos], or 0 if there is none
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
size_t Utf8SequenceLength(std::string_view text, size_t pos) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[pos + i]); };
  const auto continuation = [&](size_t i) {
    return pos + i < text.size() && (byte(i) & 0xC0) == 0x80;
  };
  const uint8_t lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (lead == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
    if (lead == 0xED && byte(1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (lead == 0xF0 && byte(1) < 0x90) return 0;   // overlong
    if (lead == 0xF4 && byte(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

std::string SanitizeUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t length = Utf8SequenceLength(text, pos);
    if (length == 0) {
      out.append(kReplacement);
      ++pos;
    } else {
      out.append(text.substr(pos, length));
      pos += length;
    }
  }
  return out;
}

void WriteString(JsonWriter& writer, std::string_view text) {
  const std::string clean = SanitizeUtf8(text);
  writer.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
}

void WriteMember(JsonWriter& writer, std::string_view name, std::string_view value) {
  writer.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
  WriteString(writer, value);
}

bool IsWellFormedJson(std::string_view text) {
  rapidjson::Reader reader;
  rapidjson::BaseReaderHandler<> handler;
  const std::string copy(text);  // RapidJSON reads NUL-terminated input
  rapidjson::StringStream stream(copy.c_str());
  const rapidjson::ParseResult result =
      reader.Parse<rapidjson::kParseValidateEncodingFlag>(stream, handler);
  return !result.IsError() && stream.Tell() == copy.size();
}

size_t CountCodePoints(std::string_view text) {
  size_t count = 0;
  for (const char c : text) {
    if ((static_cast<uint8_t>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

}  // namespace kms::audit
