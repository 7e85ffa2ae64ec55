// The signed ends of the hash chain. Internal to server/audit.
//
// Record n carries the SHA-256 of record n-1's stored bytes. The head names
// the last record and its hash; the checkpoint names the last pruned record
// and its hash, where verification starts. Both are signed with HMAC-SHA256
// under the log's key (each under its own label, so one cannot stand in for
// the other): without the key, neither the last record nor the oldest
// remaining ones can be edited, deleted or replaced unnoticed.
#ifndef KMS_SERVER_AUDIT_AUDIT_CHAIN_H_
#define KMS_SERVER_AUDIT_AUDIT_CHAIN_H_

#include <cstdint>
#include <optional>

#include "audit_store.h"
#include "kms/bytes.h"
#include "kms/crypto.h"
#include "kms/status.h"

namespace kms::audit {

// A position in the chain. Sequence 0 with a zero hash is the start of an
// empty log.
struct ChainLink {
  uint64_t sequence = 0;
  crypto::Sha256Digest hash{};

  friend bool operator==(const ChainLink&, const ChainLink&) = default;
};

enum class LinkKind { kHead, kCheckpoint };

// The link stored in meta; nullopt when there is none. kInternal when it is
// malformed or its signature does not verify under `key`.
StatusOr<std::optional<ChainLink>> ReadLink(const Txn& txn, const AuditStore& store, LinkKind kind,
                                            ByteView key);
Status WriteLink(Txn& txn, const AuditStore& store, LinkKind kind, const ChainLink& link,
                 ByteView key);

// Where a new record continues the chain: the head, else the checkpoint,
// else the start. Errors as ReadLink.
StatusOr<ChainLink> ReadChainEnd(const Txn& txn, const AuditStore& store, ByteView key);

// The total size of the stored records (for RetentionPolicy::max_bytes).
StatusOr<uint64_t> ReadStoredBytes(const Txn& txn, const AuditStore& store);
Status WriteStoredBytes(Txn& txn, const AuditStore& store, uint64_t bytes);

// How far the journal has been moved into the log: the position after the
// last journal frame whose records are stored (0 when none).
StatusOr<uint64_t> ReadJournalApplied(const Txn& txn, const AuditStore& store);
Status WriteJournalApplied(Txn& txn, const AuditStore& store, uint64_t position);

// Whether `key` is the key the log was made with (a keyed check value in
// meta, "key_check"): kInternal naming the wrong root key when it is not.
// A log without the check value gets it when `record_when_absent`, once its
// head verifies with `key`.
Status CheckLogKey(Txn& txn, const AuditStore& store, ByteView key, bool record_when_absent);

}  // namespace kms::audit

#endif  // KMS_SERVER_AUDIT_AUDIT_CHAIN_H_
