// Retention: deleting the oldest records. Internal to server/audit.
#ifndef KMS_SERVER_AUDIT_AUDIT_RETENTION_H_
#define KMS_SERVER_AUDIT_AUDIT_RETENTION_H_

#include <cstddef>

#include "audit_store.h"
#include "kms/bytes.h"
#include "kms/clock.h"
#include "kms/server/audit/audit_log.h"
#include "kms/status.h"

namespace kms::audit {

// Whether `policy` sets any limit.
bool HasRetentionLimit(const RetentionPolicy& policy);

// In one write transaction, deletes the oldest records, at most `limit`, while
// `policy` rules the oldest out as of `now` (older than max_age_days, or more
// than max_records or max_bytes stored), with their index entries; then signs
// the last one deleted as the new checkpoint. Returns how many were deleted.
// kInternal when LMDB fails or a record to delete is malformed.
StatusOr<size_t> PruneOldest(const AuditStore& store, const RetentionPolicy& policy,
                             EpochMillis now, size_t limit, ByteView key);

}  // namespace kms::audit

#endif  // KMS_SERVER_AUDIT_AUDIT_RETENTION_H_
