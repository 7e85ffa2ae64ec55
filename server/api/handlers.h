// The KMS operations' codecs. Each reads its request body into the typed
// request of its service (server/keys), calls the service, and returns the
// response body, leaving the CloudTrail view in call.audit. Internal to
// server/api.
#ifndef KMS_SERVER_API_HANDLERS_H_
#define KMS_SERVER_API_HANDLERS_H_

#include <string>
#include <vector>

#include "call.h"
#include "kms/server/policy/policy.h"
#include "request_reader.h"

namespace kms::api {

// NOLINTNEXTLINE(bugprone-macro-parentheses): name is the declared function.
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
KMS_OPERATION(RotateKeyOnDemand);
KMS_OPERATION(ListKeyRotations);
KMS_OPERATION(CreateCustomKeyStore);
KMS_OPERATION(DescribeCustomKeyStores);
KMS_OPERATION(ConnectCustomKeyStore);
KMS_OPERATION(DisconnectCustomKeyStore);
KMS_OPERATION(DeleteCustomKeyStore);
KMS_OPERATION(UpdateCustomKeyStore);
KMS_OPERATION(GetParametersForImport);
KMS_OPERATION(ImportKeyMaterial);
KMS_OPERATION(DeleteImportedKeyMaterial);
KMS_OPERATION(TagResource);
KMS_OPERATION(UntagResource);
KMS_OPERATION(ListResourceTags);
KMS_OPERATION(GetKeyPolicy);
KMS_OPERATION(PutKeyPolicy);
KMS_OPERATION(ListKeyPolicies);
// multi_region_handlers.cc
KMS_OPERATION(ReplicateKey);
KMS_OPERATION(UpdatePrimaryRegion);
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
KMS_OPERATION(GenerateDataKeyPair);
KMS_OPERATION(GenerateDataKeyPairWithoutPlaintext);
// signing_handlers.cc
KMS_OPERATION(Sign);
KMS_OPERATION(Verify);
KMS_OPERATION(GetPublicKey);
KMS_OPERATION(DeriveSharedSecret);
KMS_OPERATION(GenerateMac);
KMS_OPERATION(VerifyMac);
// grant_handlers.cc
KMS_OPERATION(CreateGrant);
KMS_OPERATION(ListGrants);
KMS_OPERATION(ListRetirableGrants);
KMS_OPERATION(RetireGrant);
KMS_OPERATION(RevokeGrant);
// explain_handler.cc (target KmsdAdmin.ExplainAuthorization)
KMS_OPERATION(ExplainAuthorization);
#undef KMS_OPERATION

// The Policy member of CreateKey and PutKeyPolicy.
extern const StringRule kPolicyRule;

}  // namespace kms::api

#endif  // KMS_SERVER_API_HANDLERS_H_
