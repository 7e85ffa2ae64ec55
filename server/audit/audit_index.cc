#include "audit_index.h"

#include <algorithm>

#include "kms/crypto.h"

namespace kms::audit {
namespace {

constexpr char kAllRecords = '*';
constexpr char kRawValue = '=';
constexpr char kHashedValue = '#';

// One index list of `entry`: the attribute it lists (none: all records) and
// its key.
struct IndexList {
  std::optional<LookupAttribute> attribute;
  std::string key;

  std::string Description() const {
    if (!attribute) return "all records";
    return std::string(LookupAttributeKeyName(attribute->key)) + "=" + attribute->value;
  }
};

std::vector<IndexList> IndexLists(const AuditEntry& entry, size_t max_key_size) {
  const LookupScope scope{entry.account_id, entry.region};
  std::vector<IndexList> lists;
  lists.push_back({std::nullopt, IndexKey(scope, std::nullopt, "", max_key_size)});
  for (LookupAttribute& attribute : IndexedAttributes(entry)) {
    std::string key = IndexKey(scope, attribute.key, attribute.value, max_key_size);
    lists.push_back({std::move(attribute), std::move(key)});
  }
  return lists;
}

std::string_view ReadOnlyValue(bool read_only) { return read_only ? "true" : "false"; }

}  // namespace

uint64_t IndexTime(EpochMillis event_time) {
  if (event_time < 0) return 0;
  return static_cast<uint64_t>(event_time - event_time % 1000);
}

std::string EncodePosition(const IndexPosition& position) {
  return EncodeUint64(position.time) + EncodeUint64(position.sequence);
}

std::optional<IndexPosition> DecodePosition(std::string_view bytes) {
  if (bytes.size() != kIndexPositionSize) return std::nullopt;
  return IndexPosition{*DecodeUint64(bytes.substr(0, 8)), *DecodeUint64(bytes.substr(8))};
}

// Layout: account NUL region NUL code flag value. Account ids and regions
// come from the API layer (bounded, and holding no NUL). A value that would
// make the key too long is replaced by its SHA-256; were the scope itself too
// long, the whole key would be.
std::string IndexKey(const LookupScope& scope, std::optional<LookupAttributeKey> attribute,
                     std::string_view value, size_t max_key_size) {
  const auto digest_of = [](std::string_view text) {
    const crypto::Sha256Digest digest = crypto::Sha256(AsBytes(text));
    return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
  };
  std::string key = scope.account_id;
  key.push_back('\0');
  key.append(scope.region);
  key.push_back('\0');
  key.push_back(attribute ? static_cast<char>('a' + static_cast<int>(*attribute)) : kAllRecords);
  if (key.size() + 1 + value.size() <= max_key_size) {
    key.push_back(kRawValue);
    key.append(value);
  } else if (key.size() + 1 + crypto::Sha256Digest().size() <= max_key_size) {
    key.push_back(kHashedValue);
    key.append(digest_of(value));
  } else {
    key.push_back(kHashedValue);
    key.append(value);
    key = std::string(1, kHashedValue) + digest_of(key);
  }
  return key;
}

bool EntryHasAttribute(const AuditEntry& entry, const LookupAttribute& attribute) {
  const std::string& v = attribute.value;
  switch (attribute.key) {
    case LookupAttributeKey::kEventId:
      return entry.event_id == v;
    case LookupAttributeKey::kEventName:
      return entry.event_name == v;
    case LookupAttributeKey::kReadOnly:
      return ReadOnlyValue(entry.read_only) == v;
    case LookupAttributeKey::kUsername:
      return entry.username == v;
    case LookupAttributeKey::kEventSource:
      return entry.event_source == v;
    case LookupAttributeKey::kAccessKeyId:
      return entry.access_key_id == v;
    case LookupAttributeKey::kResourceType:
      return std::ranges::any_of(entry.resources, [&](const auto& r) { return r.type == v; });
    case LookupAttributeKey::kResourceName:
      return std::ranges::any_of(entry.resources, [&](const auto& r) { return r.name == v; });
  }
  return false;
}

std::vector<LookupAttribute> IndexedAttributes(const AuditEntry& entry) {
  std::vector<LookupAttribute> attributes = {
      {LookupAttributeKey::kEventId, entry.event_id},
      {LookupAttributeKey::kEventName, entry.event_name},
      {LookupAttributeKey::kReadOnly, std::string(ReadOnlyValue(entry.read_only))},
      {LookupAttributeKey::kUsername, entry.username},
      {LookupAttributeKey::kEventSource, entry.event_source},
      {LookupAttributeKey::kAccessKeyId, entry.access_key_id},
  };
  for (const AuditResource& resource : entry.resources) {
    attributes.push_back({LookupAttributeKey::kResourceType, resource.type});
    attributes.push_back({LookupAttributeKey::kResourceName, resource.name});
  }
  std::erase_if(attributes, [](const LookupAttribute& a) { return a.value.empty(); });
  std::vector<LookupAttribute> unique;
  for (LookupAttribute& attribute : attributes) {
    if (std::ranges::find(unique, attribute) == unique.end())
      unique.push_back(std::move(attribute));
  }
  return unique;
}

Status PutIndexEntries(Txn& txn, const AuditStore& store, const AuditEntry& entry,
                       uint64_t sequence) {
  const std::string position = EncodePosition({IndexTime(entry.event_time), sequence});
  for (const IndexList& list : IndexLists(entry, store.max_key_size())) {
    KMS_RETURN_IF_ERROR(txn.Put(store.index(), list.key, position));
  }
  return OkStatus();
}

Status DeleteIndexEntries(Txn& txn, const AuditStore& store, const AuditEntry& entry,
                          uint64_t sequence) {
  const std::string position = EncodePosition({IndexTime(entry.event_time), sequence});
  for (const IndexList& list : IndexLists(entry, store.max_key_size())) {
    KMS_RETURN_IF_ERROR(txn.Delete(store.index(), list.key, position));
  }
  return OkStatus();
}

StatusOr<std::optional<std::string>> FindMissingIndexEntry(const Txn& txn, const AuditStore& store,
                                                           const AuditEntry& entry,
                                                           uint64_t sequence) {
  const std::string position = EncodePosition({IndexTime(entry.event_time), sequence});
  KMS_ASSIGN_OR_RETURN(Cursor cursor, Cursor::Open(txn, store.index()));
  for (const IndexList& list : IndexLists(entry, store.max_key_size())) {
    MDB_val key = ToVal(list.key);
    MDB_val value = ToVal(position);
    const int rc = cursor.Get(&key, &value, MDB_GET_BOTH);
    if (rc == MDB_NOTFOUND) return std::optional<std::string>(list.Description());
    if (rc != 0) return lmdb::ErrorFor(rc, "index get");
  }
  return std::optional<std::string>();
}

}  // namespace kms::audit
