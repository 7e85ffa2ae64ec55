// One KMS call as the services see it: who calls, in which account and
// region, at what time, and what the call's CloudTrail record will say it
// touched and why it was allowed. One per call; not thread-safe.
#ifndef KMS_SERVER_KEYS_CALL_H_
#define KMS_SERVER_KEYS_CALL_H_

#include <optional>
#include <string>
#include <vector>

#include "kms/clock.h"
#include "kms/server/auth/authenticator.h"
#include "kms/server/keys/key_service.h"
#include "kms/server/policy/policy.h"

namespace kms::keys {

// What a call touched, for its record (the API layer renders it).
struct CallTrace {
  // ARNs of the keys and aliases the call named or used, first use first.
  std::vector<std::string> resources;
  // The deciding authorization (the last one, when a call needs several).
  std::optional<policy::Decision> decision;
  // The backing key a cryptographic call used (additionalEventData
  // keyMaterialId; for ReEncrypt, the source's: sourceKeyMaterialId).
  std::string key_material_id;
  // ReEncrypt: the destination's backing key (destinationKeyMaterialId).
  std::string destination_key_material_id;
  // The grant RetireGrant retired (additionalEventData.grantId).
  std::string retired_grant_id;

  void AddResource(const std::string& arn) {
    for (const std::string& existing : resources) {
      if (existing == arn) return;
    }
    resources.push_back(arn);
  }
};

struct CallContext {
  const auth::Caller& caller;
  Scope scope;  // the caller's account, the request's region
  EpochMillis now = 0;
  CallTrace trace;
};

}  // namespace kms::keys

#endif  // KMS_SERVER_KEYS_CALL_H_
