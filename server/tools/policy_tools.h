// What the policy tools share: the KMS actions, the account of a principal
// ARN, the key id of the keys they make and how they name decisions.
// Internal to server/tools.
#ifndef KMS_SERVER_TOOLS_POLICY_TOOLS_H_
#define KMS_SERVER_TOOLS_POLICY_TOOLS_H_

#include <algorithm>
#include <string>
#include <string_view>

#include "kms/server/policy/policy.h"

namespace kms::tools {

// Every KMS action (the Service Authorization Reference's list for KMS),
// without the "kms:" prefix.
inline constexpr std::string_view kKmsActions[] = {"CancelKeyDeletion",
                                                   "ConnectCustomKeyStore",
                                                   "CreateAlias",
                                                   "CreateCustomKeyStore",
                                                   "CreateGrant",
                                                   "CreateKey",
                                                   "Decrypt",
                                                   "DeleteAlias",
                                                   "DeleteCustomKeyStore",
                                                   "DeleteImportedKeyMaterial",
                                                   "DeriveSharedSecret",
                                                   "DescribeCustomKeyStores",
                                                   "DescribeKey",
                                                   "DisableKey",
                                                   "DisableKeyRotation",
                                                   "DisconnectCustomKeyStore",
                                                   "EnableKey",
                                                   "EnableKeyRotation",
                                                   "Encrypt",
                                                   "GenerateDataKey",
                                                   "GenerateDataKeyPair",
                                                   "GenerateDataKeyPairWithoutPlaintext",
                                                   "GenerateDataKeyWithoutPlaintext",
                                                   "GenerateMac",
                                                   "GenerateRandom",
                                                   "GetKeyPolicy",
                                                   "GetKeyRotationStatus",
                                                   "GetParametersForImport",
                                                   "GetPublicKey",
                                                   "ImportKeyMaterial",
                                                   "ListAliases",
                                                   "ListGrants",
                                                   "ListKeyPolicies",
                                                   "ListKeyRotations",
                                                   "ListKeys",
                                                   "ListResourceTags",
                                                   "ListRetirableGrants",
                                                   "PutKeyPolicy",
                                                   "ReEncryptFrom",
                                                   "ReEncryptTo",
                                                   "ReplicateKey",
                                                   "RetireGrant",
                                                   "RevokeGrant",
                                                   "RotateKeyOnDemand",
                                                   "ScheduleKeyDeletion",
                                                   "Sign",
                                                   "SynchronizeMultiRegionKey",
                                                   "TagResource",
                                                   "UntagResource",
                                                   "UpdateAlias",
                                                   "UpdateCustomKeyStore",
                                                   "UpdateKeyDescription",
                                                   "UpdatePrimaryRegion",
                                                   "Verify",
                                                   "VerifyMac"};

// Actions that name no key (evaluated with "*" as the resource), with the
// "kms:" prefix.
inline constexpr std::string_view kKeylessActions[] = {"kms:CreateKey",
                                                       "kms:ListKeys",
                                                       "kms:ListAliases",
                                                       "kms:GenerateRandom",
                                                       "kms:ListRetirableGrants",
                                                       "kms:CreateCustomKeyStore",
                                                       "kms:DescribeCustomKeyStores",
                                                       "kms:ConnectCustomKeyStore",
                                                       "kms:DisconnectCustomKeyStore",
                                                       "kms:DeleteCustomKeyStore",
                                                       "kms:UpdateCustomKeyStore"};

// What another account may do with a key (KMS Developer Guide, "Allowing
// users in other accounts to use a KMS key"), with the "kms:" prefix; anything
// else is NotFound to it.
inline constexpr std::string_view kCrossAccountActions[] = {
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:DeriveSharedSecret",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyPair",
    "kms:GenerateDataKeyPairWithoutPlaintext",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GenerateMac",
    "kms:GetKeyRotationStatus",
    "kms:GetPublicKey",
    "kms:ListGrants",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:Sign",
    "kms:Verify",
    "kms:VerifyMac"};

inline bool IsKeylessAction(std::string_view action) {
  return std::ranges::find(kKeylessActions, action) != std::end(kKeylessActions);
}
inline bool IsCrossAccountAction(std::string_view action) {
  return std::ranges::find(kCrossAccountActions, action) != std::end(kCrossAccountActions);
}

// The id of the keys the tools make (the documentation's example id).
inline constexpr std::string_view kExampleKeyId = "1234abcd-12ab-34cd-56ef-1234567890ab";

// "allow", "deny" (no statement allows) or "explicit-deny".
inline std::string DecisionName(const policy::Decision& decision) {
  using Reason = policy::Decision::Reason;
  if (decision.allowed) return "allow";
  return decision.reason == Reason::kExplicitDenyInKeyPolicy ||
                 decision.reason == Reason::kExplicitDenyInIdentityPolicy
             ? "explicit-deny"
             : "deny";
}

// The account of an IAM or STS principal ARN; empty for a service principal.
inline std::string PrincipalAccount(std::string_view principal) {
  if (!principal.starts_with("arn:")) return "";
  size_t start = 0;
  for (int i = 0; i < 4; ++i) {
    start = principal.find(':', start);
    if (start == std::string_view::npos) return "";
    ++start;
  }
  const size_t end = principal.find(':', start);
  return std::string(principal.substr(start, end - start));
}

// Whether `action` ("kms:Decrypt") on a key of `key_account` is
// NotFoundException to `principal` whatever the policies say: a principal of
// another account, and an action other accounts may not use.
inline bool IsNotFoundToOtherAccount(std::string_view principal, std::string_view key_account,
                                     std::string_view action) {
  const std::string account = PrincipalAccount(principal);
  return !account.empty() && account != key_account && !IsCrossAccountAction(action);
}

}  // namespace kms::tools

#endif  // KMS_SERVER_TOOLS_POLICY_TOOLS_H_
