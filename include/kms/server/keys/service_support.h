// What the KMS operation services (server/keys/*_service.h) share: their
// dependencies, the shapes of requests several operations take, and the
// steps most operations start with. Internal to server/keys.
#ifndef KMS_SERVER_KEYS_SERVICE_SUPPORT_H_
#define KMS_SERVER_KEYS_SERVICE_SUPPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kms/server/config/config.h"
#include "kms/server/keys/access.h"
#include "kms/server/keys/call.h"
#include "kms/server/keys/grants.h"
#include "kms/server/keys/key_service.h"
#include "kms/server/store/key_store.h"

namespace kms::keys {

// A key as the services hand it out: an immutable snapshot.
using Key = std::shared_ptr<const KeyRecord>;

// Everything the services use. All must outlive the services.
struct ServiceDeps {
  KeyService& keys;
  KeyStore& store;
  Access& access;
  const grants::TokenCodec& grant_tokens;
  const config::ServerConfig& config;
};

// The paging part of a List* request. The API layer decodes the Marker into
// `after` (the position a page starts after); `marker` is the text as sent,
// for InvalidMarkerException messages.
struct PageRequest {
  std::optional<int64_t> limit;  // Limit, already within the model's 1..1000
  std::optional<std::string> marker;
  std::string after;

  // The page size: `limit` when given, never more than the operation's
  // `most` (what AWS returns per page at most).
  size_t Size(int64_t default_size, int64_t most) const {
    return static_cast<size_t>(std::min(limit.value_or(default_size), most));
  }
  // kInvalidMarker "Invalid marker: <marker>".
  std::unexpected<Status> InvalidMarker() const;
  // The position of a page that continues a list by number (0 for the first
  // page): the marker's text must be 1 to 6 decimal digits, else
  // InvalidMarker().
  StatusOr<size_t> NumericPosition() const;
};

// A position within a list: the items and where the next page starts (empty
// when the list is complete).
template <class T>
struct ListPage {
  std::vector<T> items;
  std::string next;
};

// Resolves `key_id` in the caller's scope and names the key in the trace.
StatusOr<ResolvedKey> ResolveKey(KeyService& keys, CallContext& call, std::string_view key_id,
                                 KeyIdForms forms);

// Resolves a key id or key ARN of the caller's own account, for operations
// AWS documents as "Cross-account use: No" (key settings, tags, key
// policies): NotFoundException "Key '<arn>' does not exist" for another
// account's key, which the trace then does not name.
StatusOr<ResolvedKey> ResolveOwnKey(KeyService& keys, CallContext& call, std::string_view key_id);

// Authorizes `action` on `key` with no request-specific condition keys.
Status AuthorizeKey(Access& access, CallContext& call, std::string_view action,
                    const KeyRecord& key);
// Authorizes an action that names no key (CreateCustomKeyStore, CloudTrail's
// LookupEvents) by the caller's IAM policies.
Status AuthorizeKeyless(Access& access, CallContext& call, std::string_view action);

// The DryRunOperationException of a request that passed every check.
std::unexpected<Status> DryRunSucceeded();

// kInvalidKeyUsage "<arn> key usage is SIGN_VERIFY which is not valid for
// Encrypt." unless the key's usage is `usage`.
Status CheckKeyUsage(const KeyRecord& key, std::string_view usage, std::string_view operation);

// kInvalidKeyUsage unless the key is an ENCRYPT_DECRYPT key that can use
// `algorithm`: the usage's text above, or "Algorithm SYMMETRIC_DEFAULT is
// incompatible with key spec RSA_2048.".
Status CheckEncryptionAlgorithm(const KeyRecord& key, std::string_view operation,
                                std::string_view algorithm);

// kInvalidKeyUsage "Algorithm HMAC_SHA_256 is incompatible with key spec
// HMAC_224." unless `algorithm` is one of the key's `allowed`.
Status CheckAlgorithm(const KeyRecord& key, const std::vector<std::string_view>& allowed,
                      std::string_view algorithm);

}  // namespace kms::keys

#endif  // KMS_SERVER_KEYS_SERVICE_SUPPORT_H_
