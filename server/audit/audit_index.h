// Secondary indexes for LookupEvents. Internal to server/audit.
//
// One DUPSORT|DUPFIXED database. Each record of scope (account, region) is
// listed under one key per lookup attribute value it has, plus one key for
// "every record of the scope". Values are IndexPositions (event time, then
// sequence, big-endian), so LMDB keeps each list sorted by time and a lookup
// walks it backwards from its upper bound: newest first.
#ifndef KMS_SERVER_AUDIT_AUDIT_INDEX_H_
#define KMS_SERVER_AUDIT_AUDIT_INDEX_H_

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit_store.h"
#include "kms/server/audit/audit_event.h"
#include "kms/server/audit/audit_lookup.h"
#include "kms/status.h"

namespace kms::audit {

inline constexpr size_t kIndexPositionSize = 16;

// Where a record sits in an index list.
struct IndexPosition {
  uint64_t time = 0;  // IndexTime(event_time)
  uint64_t sequence = 0;

  friend auto operator<=>(const IndexPosition&, const IndexPosition&) = default;
};

inline constexpr EpochMillis kMillisPerDay = EpochMillis{24} * 60 * 60 * 1000;

// Event time as lookups compare it: whole seconds (as eventTime shows it), in
// milliseconds; times before 1970 count as 0.
uint64_t IndexTime(EpochMillis event_time);

std::string EncodePosition(const IndexPosition& position);
// nullopt unless `bytes` is kIndexPositionSize long.
std::optional<IndexPosition> DecodePosition(std::string_view bytes);

// The index key of the records of `scope` whose `attribute` is `value`, or,
// with no attribute, of all records of `scope`. A key longer than
// `max_key_size` holds the SHA-256 of the value instead of the value, so
// lookups recheck candidates with EntryHasAttribute.
std::string IndexKey(const LookupScope& scope, std::optional<LookupAttributeKey> attribute,
                     std::string_view value, size_t max_key_size);

// Whether `entry` has `attribute` (exact match).
bool EntryHasAttribute(const AuditEntry& entry, const LookupAttribute& attribute);

// The attribute values `entry` is listed under (without the scope-wide list),
// without duplicates. Empty values are not listed: no lookup can ask for them.
std::vector<LookupAttribute> IndexedAttributes(const AuditEntry& entry);

// Lists `entry` (stored at `sequence`) in all its index lists, or removes it.
Status PutIndexEntries(Txn& txn, const AuditStore& store, const AuditEntry& entry,
                       uint64_t sequence);
Status DeleteIndexEntries(Txn& txn, const AuditStore& store, const AuditEntry& entry,
                          uint64_t sequence);

// The first index list that misses `entry`, as "EventName=Encrypt" (or "all
// records"), or nullopt when all list it.
StatusOr<std::optional<std::string>> FindMissingIndexEntry(const Txn& txn, const AuditStore& store,
                                                           const AuditEntry& entry,
                                                           uint64_t sequence);

}  // namespace kms::audit

#endif  // KMS_SERVER_AUDIT_AUDIT_INDEX_H_
