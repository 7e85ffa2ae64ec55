// LookupEvents over the index. Internal to server/audit.
#ifndef KMS_SERVER_AUDIT_LOOKUP_EVENTS_H_
#define KMS_SERVER_AUDIT_LOOKUP_EVENTS_H_

#include "audit_store.h"
#include "kms/clock.h"
#include "kms/server/audit/audit_lookup.h"
#include "kms/status.h"
#include "lookup_token.h"

namespace kms::audit {

// Runs `query` for `scope` in one read transaction: walks the query's index
// list newest first from the end of the time range (or from the NextToken's
// position), down to the start of the range and no further back than
// `window_days` before `now` (0: no limit). Errors as AuditLog::LookupEvents.
StatusOr<LookupEventsResult> RunLookupEvents(const AuditStore& store, const NextTokenCodec& tokens,
                                             const LookupScope& scope,
                                             const LookupEventsQuery& query, EpochMillis now,
                                             int window_days);

}  // namespace kms::audit

#endif  // KMS_SERVER_AUDIT_LOOKUP_EVENTS_H_
