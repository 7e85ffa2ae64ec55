// TagResource, UntagResource and ListResourceTags: the tags of a customer
// managed key of the caller's account (cross-account use: no). Thread-safe.
#ifndef KMS_SERVER_KEYS_TAG_SERVICE_H_
#define KMS_SERVER_KEYS_TAG_SERVICE_H_

#include <string>
#include <vector>

#include "kms/server/keys/service_support.h"

namespace kms::keys {

struct TagResourceRequest {
  std::string key_id;
  std::vector<Tag> tags;
};

struct UntagResourceRequest {
  std::string key_id;
  std::vector<std::string> tag_keys;
};

struct ListResourceTagsRequest {
  std::string key_id;
  PageRequest page;  // positions are tag indexes
};

// The most tags a key may have (the KMS quota).
inline constexpr size_t kMaxTagsPerKey = 50;

// TagException unless `tags` may be added to a key that has `existing`: no
// tag key starting with "aws:", no key twice, at most kMaxTagsPerKey in all.
Status CheckTags(const std::vector<Tag>& tags, const std::vector<Tag>& existing);

// Adds aws:RequestTag/<key> for each tag and aws:TagKeys. Tag keys that
// differ only in case become alternatives (ConditionValues::SetAll).
void AddTagConditions(const std::vector<Tag>& tags, policy::ConditionValues& values);

class TagService {
 public:
  explicit TagService(const ServiceDeps& deps) : deps_(deps) {}

  // Adds or replaces tags. Errors: the key's resolution, AccessDenied,
  // the key state's, TagException (CheckTags).
  Status TagResource(CallContext& call, const TagResourceRequest& request);
  // Removes tags (absent keys are ignored).
  Status UntagResource(CallContext& call, const UntagResourceRequest& request);
  // A page of at most 50 tags, in the order they were added.
  // InvalidMarkerException for a position that is not a tag index (or past the end).
  StatusOr<ListPage<Tag>> ListResourceTags(CallContext& call,
                                           const ListResourceTagsRequest& request);

 private:
  ServiceDeps deps_;
};

}  // namespace kms::keys

#endif  // KMS_SERVER_KEYS_TAG_SERVICE_H_
