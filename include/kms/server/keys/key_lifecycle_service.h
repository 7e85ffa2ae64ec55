// The life of a customer managed key: CreateKey, DescribeKey, ListKeys,
// UpdateKeyDescription, EnableKey, DisableKey, ScheduleKeyDeletion,
// CancelKeyDeletion, EnableKeyRotation, DisableKeyRotation,
// GetKeyRotationStatus, RotateKeyOnDemand and ListKeyRotations. Each resolves the key in the
// caller's scope, authorizes, checks the key state (the KMS key-state table) and changes the key in
// one store transaction. Only DescribeKey and GetKeyRotationStatus accept another account's key (by
// ARN); the others answer NotFound for it, as AWS documents them "Cross-account use: No".
// Thread-safe.
#ifndef KMS_SERVER_KEYS_KEY_LIFECYCLE_SERVICE_H_
#define KMS_SERVER_KEYS_KEY_LIFECYCLE_SERVICE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kms/server/keys/service_support.h"

namespace kms::keys {

// Operations that name only a key: EnableKey, DisableKey, CancelKeyDeletion,
// DisableKeyRotation, GetKeyRotationStatus, DescribeKey.
struct KeyIdRequest {
  std::string key_id;
};

struct CreateKeyRequest {
  std::optional<std::string> policy;  // the default key policy when absent
  std::string description;
  std::optional<std::string> key_usage;
  std::optional<std::string> key_spec;
  std::optional<std::string> customer_master_key_spec;
  std::optional<std::string> origin;
  std::optional<std::string> custom_key_store_id;
  bool bypass_policy_lockout_safety_check = false;
  std::vector<Tag> tags;
  bool multi_region = false;
};

struct ListKeysRequest {
  PageRequest page;  // positions are key ids
};

struct UpdateKeyDescriptionRequest {
  std::string key_id;
  std::string description;
};

struct ScheduleKeyDeletionRequest {
  std::string key_id;
  std::optional<int64_t> pending_window_in_days;  // 30 when absent
};

struct KeyRotationStatus {
  std::shared_ptr<const KeyRecord> key;
  bool rotation_enabled = false;  // false while the key is pending deletion
};

struct EnableKeyRotationRequest {
  std::string key_id;
  std::optional<int64_t> rotation_period_in_days;
};

struct ListKeyRotationsRequest {
  std::string key_id;
  // IncludeKeyMaterial ALL_KEY_MATERIAL: the first key material too; by
  // default (ROTATIONS_ONLY) only those that rotations made.
  bool all_key_material = false;
  PageRequest page;  // positions are version numbers
};

// One key material of a key, as ListKeyRotations lists it.
struct KeyRotation {
  std::string key_id;
  KeyVersion version;
  bool current = false;
};

// AWS allows this many on-demand rotations per key (the KMS developer guide).
inline constexpr int kMaxOnDemandRotations = 25;

// The checks of a new key (CreateKey's, and ReplicateKey's replica) in
// `call`'s region: kms:CreateKey with the condition keys of `prospective`
// (spec, usage, origin, multi-Region, tags) and, with tags, kms:TagResource;
// then its policy (`policy`, or the default key policy) parsed, and unless
// bypassed the lockout check. Returns the policy to store.
StatusOr<std::string> AuthorizeNewKey(Access& access, CallContext& call,
                                      const KeyRecord& prospective,
                                      const std::optional<std::string>& policy,
                                      bool bypass_lockout);

class KeyLifecycleService {
 public:
  explicit KeyLifecycleService(const ServiceDeps& deps) : deps_(deps) {}

  // A new key (MultiRegion: a multi-Region primary key, "mrk-" id).
  // ValidationException for both KeySpec and CustomerMasterKeySpec, or a
  // KeyUsage the spec does not allow; UnsupportedOperationException for
  // origins kmsd lacks; CustomKeyStoreNotFoundException for a custom key
  // store; TagException (CheckTags); AccessDenied (CreateKey,
  // and TagResource when tagging); MalformedPolicyDocument or LimitExceeded
  // for the policy, and the lockout check unless bypassed.
  StatusOr<Key> CreateKey(CallContext& call, const CreateKeyRequest& request);
  // Any KeyId form.
  StatusOr<Key> DescribeKey(CallContext& call, const KeyIdRequest& request);
  // The keys of the caller's account and region, by key id, 100 a page
  // unless Limit says otherwise (at most 1000). InvalidMarkerException for a
  // position that is not a key id.
  StatusOr<ListPage<Key>> ListKeys(CallContext& call, const ListKeysRequest& request);
  Status UpdateKeyDescription(CallContext& call, const UpdateKeyDescriptionRequest& request);
  Status EnableKey(CallContext& call, const KeyIdRequest& request);
  Status DisableKey(CallContext& call, const KeyIdRequest& request);
  // ValidationException "PendingWindowInDays must be between 7 and 30"
  // before anything else. Returns the key as scheduled.
  StatusOr<Key> ScheduleKeyDeletion(CallContext& call, const ScheduleKeyDeletionRequest& request);
  // The key comes back disabled.
  StatusOr<Key> CancelKeyDeletion(CallContext& call, const KeyIdRequest& request);
  // The period stays what it was when not given (365 days for a key that
  // never rotated); the next rotation moves only when the period changes.
  Status EnableKeyRotation(CallContext& call, const EnableKeyRotationRequest& request);
  Status DisableKeyRotation(CallContext& call, const KeyIdRequest& request);
  // Cross-account use: yes.
  StatusOr<KeyRotationStatus> GetKeyRotationStatus(CallContext& call, const KeyIdRequest& request);
  // New key material now, for a symmetric encryption key of AWS_KMS origin;
  // the automatic schedule stays as it is. UnsupportedOperationException
  // (with no message, as AWS) for other key specs, "<arn> origin is EXTERNAL
  // which is not valid for this operation." for imported material; the key
  // state rules of rotation settings; LimitExceededException after
  // kMaxOnDemandRotations. Returns the rotated key.
  StatusOr<Key> RotateKeyOnDemand(CallContext& call, const KeyIdRequest& request);
  // The key's rotations, oldest first, 100 a page unless Limit says
  // otherwise (at most 1000). UnsupportedOperationException for keys that do
  // not rotate; InvalidMarkerException for a position that is not one.
  StatusOr<ListPage<KeyRotation>> ListKeyRotations(CallContext& call,
                                                   const ListKeyRotationsRequest& request);

 private:
  // EnableKey and DisableKey.
  Status SetEnabled(CallContext& call, const KeyIdRequest& request, bool enable);

  ServiceDeps deps_;
};

}  // namespace kms::keys

#endif  // KMS_SERVER_KEYS_KEY_LIFECYCLE_SERVICE_H_
