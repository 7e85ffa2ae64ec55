// Export as CloudTrail log files. Internal to server/audit.
#ifndef KMS_SERVER_AUDIT_AUDIT_EXPORT_H_
#define KMS_SERVER_AUDIT_AUDIT_EXPORT_H_

#include <span>

#include "audit_record.h"
#include "audit_store.h"
#include "kms/server/audit/audit_log.h"
#include "kms/status.h"

namespace kms::audit {

// Writes the records of one read transaction, in sequence order, as
// AuditLog::ExportCloudTrailFiles describes. A file covers one account and
// region and one `options.window` of event time (its name carries the
// window's start); a record that arrives after its window's file was closed
// starts another file. Files are written under a temporary name and renamed
// when complete. kValidation for an empty out_dir, a window <= 0 or 0 records
// per file; kInternal on I/O failure. The records are those stored as `txn`
// sees them, then `journaled` (a stopped kmsd's journal, not yet stored).
StatusOr<ExportReport> ExportRecords(const AuditStore& store, const Txn& txn,
                                     const ExportOptions& options,
                                     std::span<const StoredRecord> journaled);

}  // namespace kms::audit

#endif  // KMS_SERVER_AUDIT_AUDIT_EXPORT_H_
