#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>

#include "kms/json/reader.h"

namespace kms::json {
namespace {

rapidjson::Value::ConstMemberIterator Member(const rapidjson::Value& object,
                                             std::string_view name) {
  if (!object.IsObject()) return {};
  return object.FindMember(rapidjson::StringRef(name.data(), name.size()));
}

bool Has(const rapidjson::Value& object, rapidjson::Value::ConstMemberIterator it) {
  return object.IsObject() && it != object.MemberEnd();
}

constexpr JsonTextLimits kFileLimits{.max_depth = 64};

Status CheckProblem(std::string_view text, const JsonTextLimits& limits) {
  switch (CheckJsonText(text, limits)) {
    case JsonTextProblem::kNone:
      return OkStatus();
    case JsonTextProblem::kTooDeep:
      return Error(Code::kValidation,
                   "it nests deeper than " + std::to_string(limits.max_depth) + " levels");
    case JsonTextProblem::kTooManyMembers:
      return Error(Code::kValidation, "it has more than " + std::to_string(limits.max_members) +
                                          " members in one object or array");
    case JsonTextProblem::kInvalidUtf8:
      break;
  }
  return Error(Code::kValidation, "it is not well-formed UTF-8");
}

Status ParseError(const rapidjson::Document& document) {
  return Error(Code::kValidation,
               std::string(rapidjson::GetParseError_En(document.GetParseError())) + " (at offset " +
                   std::to_string(document.GetErrorOffset()) + ")");
}

Status ObjectOrError(const Status& parsed, const rapidjson::Document& document,
                     std::string_view what) {
  if (!parsed.ok())
    return Error(Code::kValidation, std::string(what) + " is not valid JSON: " + parsed.message());
  if (!document.IsObject())
    return Error(Code::kValidation, std::string(what) + " is not a JSON object");
  return OkStatus();
}

}  // namespace

Status Parse(std::string_view text, const JsonTextLimits& limits, rapidjson::Document* document) {
  KMS_RETURN_IF_ERROR(CheckProblem(text, limits));
  document->Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  return document->HasParseError() ? ParseError(*document) : OkStatus();
}

Status ParseObject(std::string_view text, std::string_view what, rapidjson::Document* document) {
  return ObjectOrError(Parse(text, kFileLimits, document), *document, what);
}

Status ParseObjectInPlace(std::string& text, std::string_view what, rapidjson::Document* document) {
  Status parsed = CheckProblem(text, kFileLimits);
  if (parsed.ok()) {
    document->ParseInsitu<rapidjson::kParseIterativeFlag>(text.data());
    if (document->HasParseError()) parsed = ParseError(*document);
  }
  return ObjectOrError(parsed, *document, what);
}

bool IsWellFormed(std::string_view text) {
  // Fragments are small and shallow; refusing deep ones keeps the check safe.
  constexpr JsonTextLimits kLimits{.max_depth = 64};
  if (CheckJsonText(text, kLimits) != JsonTextProblem::kNone) return false;
  rapidjson::Reader reader;
  rapidjson::BaseReaderHandler<> handler;
  rapidjson::MemoryStream stream(text.data(), text.size());
  const rapidjson::ParseResult result =
      reader.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseStopWhenDoneFlag>(stream,
                                                                                       handler);
  if (result.IsError()) return false;
  // Only whitespace may follow the value.
  return text.find_first_not_of(" \t\r\n", stream.Tell()) == std::string_view::npos;
}

std::string Pretty(std::string_view json) {
  rapidjson::Document document;
  if (!Parse(json, kFileLimits, &document).ok()) return std::string(json);
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 4);
  document.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::optional<std::string> FindString(const rapidjson::Value& object, std::string_view name) {
  auto it = Member(object, name);
  if (!Has(object, it) || !it->value.IsString()) return std::nullopt;
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::optional<bool> FindBool(const rapidjson::Value& object, std::string_view name) {
  auto it = Member(object, name);
  if (!Has(object, it) || !it->value.IsBool()) return std::nullopt;
  return it->value.GetBool();
}

std::optional<int64_t> FindInt(const rapidjson::Value& object, std::string_view name) {
  auto it = Member(object, name);
  if (!Has(object, it) || !it->value.IsInt64()) return std::nullopt;
  return it->value.GetInt64();
}

std::optional<uint64_t> FindUint(const rapidjson::Value& object, std::string_view name) {
  auto it = Member(object, name);
  if (!Has(object, it) || !it->value.IsUint64()) return std::nullopt;
  return it->value.GetUint64();
}

const rapidjson::Value* FindObject(const rapidjson::Value& object, std::string_view name) {
  auto it = Member(object, name);
  return Has(object, it) && it->value.IsObject() ? &it->value : nullptr;
}

const rapidjson::Value* FindArray(const rapidjson::Value& object, std::string_view name) {
  auto it = Member(object, name);
  return Has(object, it) && it->value.IsArray() ? &it->value : nullptr;
}

std::optional<std::vector<std::string>> FindStringList(const rapidjson::Value& object,
                                                       std::string_view name) {
  const rapidjson::Value* array = FindArray(object, name);
  if (array == nullptr) return std::nullopt;
  std::vector<std::string> out;
  out.reserve(array->Size());
  for (const rapidjson::Value& item : array->GetArray()) {
    if (!item.IsString()) return std::nullopt;
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

std::optional<std::map<std::string, std::string>> FindStringMap(const rapidjson::Value& object,
                                                                std::string_view name) {
  const rapidjson::Value* map = FindObject(object, name);
  if (map == nullptr) return std::nullopt;
  std::map<std::string, std::string> out;
  for (const auto& m : map->GetObject()) {
    if (!m.value.IsString()) return std::nullopt;
    out[std::string(m.name.GetString(), m.name.GetStringLength())] =
        std::string(m.value.GetString(), m.value.GetStringLength());
  }
  return out;
}

std::string GetString(const rapidjson::Value& object, std::string_view name) {
  return FindString(object, name).value_or("");
}

}  // namespace kms::json
