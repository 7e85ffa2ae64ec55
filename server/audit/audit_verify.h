// Walks the hash chain. Internal to server/audit.
#ifndef KMS_SERVER_AUDIT_AUDIT_VERIFY_H_
#define KMS_SERVER_AUDIT_AUDIT_VERIFY_H_

#include "audit_store.h"
#include "kms/bytes.h"
#include "kms/server/audit/audit_log.h"
#include "kms/status.h"

namespace kms::audit {

// In one read transaction, checks that: the checkpoint and head signatures
// verify under `key`; records follow the checkpoint (or start at 1) with no
// gap; each is well-formed, stored under its own sequence, carries the hash of
// its predecessor (or the checkpoint's) and is listed in all its index lists;
// and the last one is the head, with the head's hash. Reports the first
// failure. Errors only when LMDB fails.
StatusOr<VerifyReport> VerifyChain(const AuditStore& store, ByteView key);

}  // namespace kms::audit

#endif  // KMS_SERVER_AUDIT_AUDIT_VERIFY_H_
