// ReplicateKey and UpdatePrimaryRegion: the operations on the set of a
// multi-Region key. KeyService keeps the set's shared properties (key
// material, rotation) in step; this service owns the authorization and the
// request rules. Thread-safe.
#ifndef KMS_SERVER_KEYS_MULTI_REGION_SERVICE_H_
#define KMS_SERVER_KEYS_MULTI_REGION_SERVICE_H_

#include <optional>
#include <string>
#include <vector>

#include "kms/server/keys/service_support.h"

namespace kms::keys {

struct ReplicateKeyRequest {
  std::string key_id;
  std::string replica_region;
  std::optional<std::string> policy;
  bool bypass_policy_lockout_safety_check = false;
  std::string description;
  std::vector<Tag> tags;
};

struct UpdatePrimaryRegionRequest {
  std::string key_id;
  std::string primary_region;
};

class MultiRegionService {
 public:
  explicit MultiRegionService(const ServiceDeps& deps) : deps_(deps) {}

  // Needs kms:ReplicateKey on the primary (with kms:ReplicaRegion), and in
  // the replica's region kms:CreateKey and, with tags, kms:TagResource.
  // Returns the replica.
  StatusOr<Key> ReplicateKey(CallContext& call, const ReplicateKeyRequest& request);
  // Needs kms:UpdatePrimaryRegion (with kms:PrimaryRegion) on the primary and
  // on the replica that becomes primary. Returns the new primary.
  StatusOr<Key> UpdatePrimaryRegion(CallContext& call, const UpdatePrimaryRegionRequest& request);

 private:
  ServiceDeps deps_;
};

}  // namespace kms::keys

#endif  // KMS_SERVER_KEYS_MULTI_REGION_SERVICE_H_
