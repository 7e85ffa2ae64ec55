#include "lookup_events.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <string>

#include "audit_index.h"
#include "audit_record.h"

namespace kms::audit {
namespace {

// Index positions a query may return: lowest_time <= time, and below `upper`.
struct Bounds {
  uint64_t lowest_time = 0;
  IndexPosition upper{std::numeric_limits<uint64_t>::max(), std::numeric_limits<uint64_t>::max()};
};

StatusOr<Bounds> ComputeBounds(const NextTokenCodec& tokens, const LookupScope& scope,
                               const LookupEventsQuery& query, EpochMillis now, int window_days) {
  Bounds bounds;
  EpochMillis lowest = query.start_time.value_or(0);
  if (window_days > 0) lowest = std::max(lowest, now - window_days * kMillisPerDay);
  bounds.lowest_time = static_cast<uint64_t>(std::max<EpochMillis>(lowest, 0));
  if (query.end_time) {
    bounds.upper = {static_cast<uint64_t>(std::max<EpochMillis>(*query.end_time + 1, 0)), 0};
  }
  if (!query.next_token.empty()) {
    KMS_ASSIGN_OR_RETURN(IndexPosition after, tokens.Decode(query.next_token, scope, query));
    bounds.upper = std::min(bounds.upper, after);
  }
  return bounds;
}

// The event stored at `sequence` if it has the query's attribute (index keys
// of long values are hashes, so candidates are rechecked); nullopt otherwise.
StatusOr<std::optional<LookupEvent>> LoadEvent(const Txn& txn, const AuditStore& store,
                                               uint64_t sequence,
                                               const std::optional<LookupAttribute>& attribute) {
  KMS_ASSIGN_OR_RETURN(std::optional<std::string_view> bytes,
                       txn.Get(store.records(), EncodeUint64(sequence)));
  if (!bytes) return std::optional<LookupEvent>();
  KMS_ASSIGN_OR_RETURN(StoredRecord record, DecodeStoredRecord(*bytes));
  AuditEntry& entry = record.entry;
  if (attribute && !EntryHasAttribute(entry, *attribute)) return std::optional<LookupEvent>();
  return LookupEvent{
      .event_id = std::move(entry.event_id),
      .event_name = std::move(entry.event_name),
      .read_only = entry.read_only,
      .access_key_id = std::move(entry.access_key_id),
      .event_time = entry.event_time,
      .event_source = std::move(entry.event_source),
      .username = std::move(entry.username),
      .resources = std::move(entry.resources),
      .cloudtrail_event = std::move(entry.record_json),
  };
}

// Positions `cursor` on the last value of `key` below `upper`; returns the
// LMDB code (MDB_NOTFOUND when there is none).
int SeekBelow(Cursor& cursor, std::string_view key, const IndexPosition& upper, MDB_val* value) {
  const std::string upper_bytes = EncodePosition(upper);
  MDB_val k = ToVal(key);
  *value = ToVal(upper_bytes);
  int rc = cursor.Get(&k, value, MDB_GET_BOTH_RANGE);
  if (rc == 0) return cursor.Get(&k, value, MDB_PREV_DUP);
  if (rc != MDB_NOTFOUND) return rc;
  k = ToVal(key);
  rc = cursor.Get(&k, value, MDB_SET);
  return rc == 0 ? cursor.Get(&k, value, MDB_LAST_DUP) : rc;
}

}  // namespace

StatusOr<LookupEventsResult> RunLookupEvents(const AuditStore& store, const NextTokenCodec& tokens,
                                             const LookupScope& scope,
                                             const LookupEventsQuery& query, EpochMillis now,
                                             int window_days) {
  KMS_RETURN_IF_ERROR(ValidateLookupEventsQuery(query));
  KMS_ASSIGN_OR_RETURN(Bounds bounds, ComputeBounds(tokens, scope, query, now, window_days));
  LookupEventsResult result;
  if (query.insight_events) return result;

  const std::string key = query.attribute ? IndexKey(scope, query.attribute->key,
                                                     query.attribute->value, store.max_key_size())
                                          : IndexKey(scope, std::nullopt, "", store.max_key_size());
  KMS_ASSIGN_OR_RETURN(Txn txn, store.BeginRead());
  KMS_ASSIGN_OR_RETURN(Cursor cursor, Cursor::Open(txn, store.index()));
  MDB_val k;
  MDB_val value;
  IndexPosition last;
  int rc = SeekBelow(cursor, key, bounds.upper, &value);
  for (; rc == 0; rc = cursor.Get(&k, &value, MDB_PREV_DUP)) {
    const std::optional<IndexPosition> position = DecodePosition(FromVal(value));
    if (!position) return Error(Code::kInternal, "audit log: malformed index entry");
    if (position->time < bounds.lowest_time) return result;
    KMS_ASSIGN_OR_RETURN(std::optional<LookupEvent> event,
                         LoadEvent(txn, store, position->sequence, query.attribute));
    if (!event) continue;
    if (result.events.size() == static_cast<size_t>(query.max_results)) {
      result.next_token = tokens.Encode(scope, query, last);
      return result;
    }
    result.events.push_back(std::move(*event));
    last = *position;
  }
  if (rc != MDB_NOTFOUND) return lmdb::ErrorFor(rc, "index scan");
  return result;
}

}  // namespace kms::audit
