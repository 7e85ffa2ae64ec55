// Codecs of ReplicateKey and UpdatePrimaryRegion (keys::MultiRegionService).
// Each leaves, beside its own record, the record CloudTrail writes in the
// other Region the call changed.
#include "handler_util.h"
#include "handlers.h"

namespace kms::api {
namespace {

// RegionType: ^([a-z]+-){2,3}\d+$
bool IsRegionName(std::string_view s) {
  int dashes = 0;
  size_t i = 0;
  while (i < s.size()) {
    const size_t start = i;
    while (i < s.size() && s[i] >= 'a' && s[i] <= 'z') ++i;
    if (i == start || i == s.size() || s[i] != '-') break;
    ++dashes;
    ++i;
  }
  if (dashes < 2 || dashes > 3 || i == s.size()) return false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

constexpr StringRule kRegionRule{.required = true,
                                 .min_length = 1,
                                 .max_length = 32,
                                 .pattern = "^([a-z]+-){2,3}\\d+$",
                                 .matches = IsRegionName};

}  // namespace

StatusOr<std::string> ReplicateKey(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  keys::ReplicateKeyRequest request;
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<std::string> region = in.String("ReplicaRegion", kRegionRule);
  request.policy = in.String("Policy", kPolicyRule);
  request.bypass_policy_lockout_safety_check =
      in.Bool("BypassPolicyLockoutSafetyCheck").value_or(false);
  request.description = in.String("Description", StringRule{.max_length = 8192}).value_or("");
  request.tags = in.Tags("Tags", ListRule{}).value_or(std::vector<Tag>{});
  KMS_RETURN_IF_ERROR(in.Finish());
  request.key_id = *key_id;
  request.replica_region = *region;
  KMS_ASSIGN_OR_RETURN(keys::Key replica,
                       call.operations().multi_region.ReplicateKey(call.context, request));
  // AWS answers while the replica is still being made: Creating, and
  // without key material yet. kmsd's replica is ready at once.
  KeyRecord creating = *replica;
  creating.state = KeyState::kCreating;
  creating.versions.clear();

  JsonOut elements;
  elements.StartObject().Key("replicaKeyMetadata");
  WriteCloudTrailKeyMetadata(elements, creating);
  elements.Field("replicaPolicy", replica->policy).EndObject();
  call.audit.response_elements = elements.Take();
  JsonOut created;
  created.StartObject().Key("keyMetadata");
  WriteCloudTrailKeyMetadata(created, *replica);
  created.EndObject();
  call.audit.other_regions.push_back(
      {"CreateKey", replica->region, "null", created.Take(), {replica->Arn()}});

  JsonOut out;
  out.StartObject().Key("ReplicaKeyMetadata");
  WriteKeyMetadata(out, creating);
  out.Field("ReplicaPolicy", replica->policy).Key("ReplicaTags").StartArray();
  for (const Tag& tag : replica->tags)
    out.StartObject().Field("TagKey", tag.key).Field("TagValue", tag.value).EndObject();
  out.EndArray().EndObject();
  return out.Take();
}

StatusOr<std::string> UpdatePrimaryRegion(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<std::string> region = in.String("PrimaryRegion", kRegionRule);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::Key primary, call.operations().multi_region.UpdatePrimaryRegion(
                                              call.context, {*key_id, *region}));
  // The new primary's Region records the change as made by KMS.
  JsonOut parameters;
  parameters.StartObject().Field("keyId", primary->Arn()).Field("primaryRegion", *region);
  parameters.EndObject();
  call.audit.other_regions.push_back({"UpdatePrimaryRegion", *region, parameters.Take(), "", {}});
  return std::string();
}

}  // namespace kms::api
