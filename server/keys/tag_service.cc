#include "kms/server/keys/tag_service.h"

#include <algorithm>

#include "kms/text.h"

namespace kms::keys {

Status CheckTags(const std::vector<Tag>& tags, const std::vector<Tag>& existing) {
  for (size_t i = 0; i < tags.size(); ++i) {
    if (EqualsIgnoreCase(std::string_view(tags[i].key).substr(0, 4), "aws:")) {
      return Error(Code::kTag, "Tags beginning with aws: are reserved");
    }
    for (size_t j = 0; j < i; ++j) {
      if (tags[j].key == tags[i].key) return Error(Code::kTag, "Duplicate tag keys");
    }
  }
  size_t total = existing.size();
  for (const Tag& tag : tags) {
    bool replaces = false;
    for (const Tag& old : existing) replaces |= old.key == tag.key;
    if (!replaces) ++total;
  }
  if (total > kMaxTagsPerKey) return Error(Code::kTag, "Too many tags");
  return OkStatus();
}

void AddTagConditions(const std::vector<Tag>& tags, policy::ConditionValues& values) {
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(tags.size());
  for (const Tag& tag : tags) pairs.emplace_back("aws:RequestTag/" + tag.key, tag.value);
  values.SetAll(std::move(pairs));
  for (const Tag& tag : tags) values.Add("aws:TagKeys", tag.key);
}

Status TagService::TagResource(CallContext& call, const TagResourceRequest& request) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved, ResolveOwnKey(deps_.keys, call, request.key_id));
  AccessRequest access;
  access.action = "kms:TagResource";
  access.key = resolved.key.get();
  AddTagConditions(request.tags, access.conditions);
  KMS_RETURN_IF_ERROR(deps_.access.Authorize(call, std::move(access)));
  KMS_RETURN_IF_ERROR(deps_.keys.UpdateKey(resolved.key->store_id(), [&](KeyRecord& key) -> Status {
    KMS_RETURN_IF_ERROR(CheckKeyState(key, KeyUse::kManage));
    KMS_RETURN_IF_ERROR(CheckTags(request.tags, key.tags));
    for (const Tag& tag : request.tags) {
      auto it = std::find_if(key.tags.begin(), key.tags.end(),
                             [&](const Tag& t) { return t.key == tag.key; });
      if (it != key.tags.end()) {
        it->value = tag.value;
      } else {
        key.tags.push_back(tag);
      }
    }
    return OkStatus();
  }));
  return OkStatus();
}

Status TagService::UntagResource(CallContext& call, const UntagResourceRequest& request) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved, ResolveOwnKey(deps_.keys, call, request.key_id));
  AccessRequest access;
  access.action = "kms:UntagResource";
  access.key = resolved.key.get();
  for (const std::string& tag_key : request.tag_keys) access.conditions.Add("aws:TagKeys", tag_key);
  KMS_RETURN_IF_ERROR(deps_.access.Authorize(call, std::move(access)));
  KMS_RETURN_IF_ERROR(deps_.keys.UpdateKey(resolved.key->store_id(), [&](KeyRecord& key) -> Status {
    KMS_RETURN_IF_ERROR(CheckKeyState(key, KeyUse::kManage));
    std::erase_if(key.tags, [&](const Tag& t) {
      return std::find(request.tag_keys.begin(), request.tag_keys.end(), t.key) !=
             request.tag_keys.end();
    });
    return OkStatus();
  }));
  return OkStatus();
}

StatusOr<ListPage<Tag>> TagService::ListResourceTags(CallContext& call,
                                                     const ListResourceTagsRequest& request) {
  KMS_ASSIGN_OR_RETURN(const size_t start, request.page.NumericPosition());
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved, ResolveOwnKey(deps_.keys, call, request.key_id));
  KMS_RETURN_IF_ERROR(AuthorizeKey(deps_.access, call, "kms:ListResourceTags", *resolved.key));
  const std::vector<Tag>& tags = resolved.key->tags;
  if (start > tags.size()) return request.page.InvalidMarker();
  const size_t end = std::min(tags.size(), start + request.page.Size(50, 50));
  ListPage<Tag> page;
  for (size_t i = start; i < end; ++i) page.items.push_back(tags[i]);
  if (end < tags.size()) page.next = std::to_string(end);
  return page;
}

}  // namespace kms::keys
