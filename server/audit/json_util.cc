#include "server/audit/json_util.h"

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <cstdint>

#include "kms/json_text.h"

namespace kms::audit {

void WriteString(JsonWriter& writer, std::string_view text) {
  const std::string clean = SanitizeUtf8(text);
  writer.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
}

void WriteMember(JsonWriter& writer, std::string_view name, std::string_view value) {
  writer.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
  WriteString(writer, value);
}

bool IsWellFormedJson(std::string_view text) {
  // Fragments are small and shallow; refusing deep ones keeps the check safe.
  constexpr JsonTextLimits kLimits{.max_depth = 64};
  if (CheckJsonText(text, kLimits) != JsonTextProblem::kNone) return false;
  rapidjson::Reader reader;
  rapidjson::BaseReaderHandler<> handler;
  rapidjson::MemoryStream stream(text.data(), text.size());
  const rapidjson::ParseResult result =
      reader.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseStopWhenDoneFlag>(stream, handler);
  if (result.IsError()) return false;
  // Only whitespace may follow the value.
  return text.find_first_not_of(" \t\r\n", stream.Tell()) == std::string_view::npos;
}

size_t CountCodePoints(std::string_view text) {
  size_t count = 0;
  for (const char c : text) {
    if ((static_cast<uint8_t>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

}  // namespace kms::audit
