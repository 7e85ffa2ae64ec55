// Codecs of CreateAlias, UpdateAlias, DeleteAlias and ListAliases
// (keys::AliasService).
#include "handler_util.h"
#include "handlers.h"

namespace kms::api {
namespace {

bool IsAliasName(std::string_view s) {
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != ':' && c != '/' && c != '_' &&
        c != '-')
      return false;
  }
  return true;
}
constexpr StringRule kAliasNameRule{.required = true,
                                    .min_length = 1,
                                    .max_length = 256,
                                    .pattern = "^[a-zA-Z0-9:/_-]+$",
                                    .matches = IsAliasName};

StatusOr<keys::AliasRequest> ReadAliasRequest(const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> name = in.String("AliasName", kAliasNameRule);
  std::optional<std::string> target_id = in.String("TargetKeyId", kKeyIdRule);
  KMS_RETURN_IF_ERROR(in.Finish());
  return keys::AliasRequest{*name, *target_id};
}

void WriteAlias(JsonOut& out, const AliasRecord& alias) {
  out.StartObject().Field("AliasName", alias.alias_name).Field("AliasArn", alias.Arn());
  out.Field("TargetKeyId", alias.target_key_id);
  out.Time("CreationDate", alias.creation_date).Time("LastUpdatedDate", alias.last_updated_date);
  out.EndObject();
}

}  // namespace

StatusOr<std::string> CreateAlias(Call& call, const rapidjson::Value& body) {
  KMS_ASSIGN_OR_RETURN(keys::AliasRequest request, ReadAliasRequest(body));
  KMS_RETURN_IF_ERROR(call.operations().aliases.CreateAlias(call.context, request));
  return std::string();
}

StatusOr<std::string> UpdateAlias(Call& call, const rapidjson::Value& body) {
  KMS_ASSIGN_OR_RETURN(keys::AliasRequest request, ReadAliasRequest(body));
  KMS_RETURN_IF_ERROR(call.operations().aliases.UpdateAlias(call.context, request));
  return std::string();
}

StatusOr<std::string> DeleteAlias(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> name = in.String("AliasName", kAliasNameRule);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_RETURN_IF_ERROR(call.operations().aliases.DeleteAlias(call.context, {*name}));
  return std::string();
}

StatusOr<std::string> ListAliases(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kOptionalKeyIdRule);
  const PageInput page_input = ReadPageInput(in);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::PageRequest page_request, ToPageRequest(page_input));
  KMS_ASSIGN_OR_RETURN(auto page,
                       call.operations().aliases.ListAliases(call.context, {key_id, page_request}));
  JsonOut out;
  out.StartObject().Key("Aliases").StartArray();
  for (const AliasRecord& alias : page.items) WriteAlias(out, alias);
  out.EndArray();
  WritePaging(out, page.next);
  out.EndObject();
  return out.Take();
}

}  // namespace kms::api
