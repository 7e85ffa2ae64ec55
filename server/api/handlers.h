// The KMS operations. Each reads its request body, authorizes, acts, and
// returns the response body. Internal to server/api.
#ifndef KMS_SERVER_API_HANDLERS_H_
#define KMS_SERVER_API_HANDLERS_H_

#include <string>
#include <vector>

#include "kms/policy.h"
#include "server/api/call.h"
#include "server/api/request_reader.h"

namespace kms::api {

#define KMS_OPERATION(name) StatusOr<std::string> name(Call& call, const rapidjson::Value& body)
// key_handlers.cc
KMS_OPERATION(CreateKey);
KMS_OPERATION(DescribeKey);
KMS_OPERATION(ListKeys);
KMS_OPERATION(UpdateKeyDescription);
KMS_OPERATION(EnableKey);
KMS_OPERATION(DisableKey);
KMS_OPERATION(ScheduleKeyDeletion);
KMS_OPERATION(CancelKeyDeletion);
// key_settings_handlers.cc
KMS_OPERATION(EnableKeyRotation);
KMS_OPERATION(DisableKeyRotation);
KMS_OPERATION(GetKeyRotationStatus);
KMS_OPERATION(TagResource);
KMS_OPERATION(UntagResource);
KMS_OPERATION(ListResourceTags);
KMS_OPERATION(GetKeyPolicy);
KMS_OPERATION(PutKeyPolicy);
KMS_OPERATION(ListKeyPolicies);
// alias_handlers.cc
KMS_OPERATION(CreateAlias);
KMS_OPERATION(UpdateAlias);
KMS_OPERATION(DeleteAlias);
KMS_OPERATION(ListAliases);
// crypto_handlers.cc
KMS_OPERATION(Encrypt);
KMS_OPERATION(Decrypt);
KMS_OPERATION(ReEncrypt);
KMS_OPERATION(GenerateDataKey);
KMS_OPERATION(GenerateDataKeyWithoutPlaintext);
KMS_OPERATION(GenerateRandom);
// grant_handlers.cc
KMS_OPERATION(CreateGrant);
KMS_OPERATION(ListGrants);
KMS_OPERATION(ListRetirableGrants);
KMS_OPERATION(RetireGrant);
KMS_OPERATION(RevokeGrant);
// explain_handler.cc (target KmsdAdmin.ExplainAuthorization)
KMS_OPERATION(ExplainAuthorization);
#undef KMS_OPERATION

// Shared between the key handlers.
extern const StringRule kPolicyRule;
// TagException texts for tags about to be added to `existing`.
Status CheckTags(const std::vector<Tag>& tags, const std::vector<Tag>& existing);
void AddTagConditions(const std::vector<Tag>& tags, policy::ConditionValues& values);
// MalformedPolicyDocumentException unless the caller may still PutKeyPolicy
// on `key` under `new_policy`.
Status CheckPolicyLockout(Call& call, const KeyRecord& key, std::shared_ptr<const policy::Policy> new_policy);

}  // namespace kms::api

#endif  // KMS_SERVER_API_HANDLERS_H_
