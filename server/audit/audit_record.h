// The bytes of one stored audit record. Internal to server/audit.
//
// Everything a record holds (its sequence number, the hash of the previous
// record, the lookup attributes and the CloudTrail JSON) is in these bytes, so
// the chain hash covers all of it.
#ifndef KMS_SERVER_AUDIT_AUDIT_RECORD_H_
#define KMS_SERVER_AUDIT_AUDIT_RECORD_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "kms/crypto.h"
#include "kms/server/audit/audit_event.h"
#include "kms/status.h"

namespace kms::audit {

struct StoredRecord {
  uint64_t sequence = 0;
  crypto::Sha256Digest previous_hash{};  // zeros for the first record ever
  AuditEntry entry;
};

// Format: version byte, sequence (8 bytes BE), previous hash (32), event time
// (8 BE), read-only (1), then the body, as one zstd frame (a fixed
// dictionary of typical records, record_dictionary.h) or, when that fails,
// as it is:
// - versions 3 (compressed) and 4 (plain), for an entry with a compact
//   event: the compact event (EncodeCompactEvent). The lookup attributes
//   and the JSON are derived from it when read.
// - versions 2 (compressed) and 1 (plain), still read: 4-byte-BE-length-
//   prefixed strings (event id, name, source, username, access key id,
//   account, region), a 4-byte resource count and (type, name) pairs, and
//   the record JSON.
std::string EncodeStoredRecord(uint64_t sequence, const crypto::Sha256Digest& previous_hash,
                               const AuditEntry& entry);

// The compact form of `event`: what a record stores instead of its JSON.
// Fields in a fixed order, strings 4-byte-BE-length-prefixed; event_time
// and read_only are left to the record's header, the principal's tags (not
// in records) out. userAgent and errorMessage are kept up to one byte past
// what a record shows of them (kMaxRecordedText), which renders the same.
std::string EncodeCompactEvent(const CloudTrailEvent& event);

// Sets the sequence and previous hash of `stored`, an encoding made before
// the record's place in the chain was known (with 0 and zeros).
void SetChainFields(std::string& stored, uint64_t sequence,
                    const crypto::Sha256Digest& previous_hash);

// Whether decoding a compact record renders its CloudTrail JSON (for readers
// that show it), or only its lookup attributes (verification, retention,
// the journal's replay).
enum class RecordJson { kRendered, kNotNeeded };

// kInternal "audit log: malformed record" unless `bytes` is exactly one
// well-formed encoding.
StatusOr<StoredRecord> DecodeStoredRecord(std::string_view bytes,
                                          RecordJson json = RecordJson::kRendered);

// SHA-256 of a record's stored bytes: what the next record carries.
crypto::Sha256Digest RecordHash(std::string_view stored_bytes);

}  // namespace kms::audit

#endif  // KMS_SERVER_AUDIT_AUDIT_RECORD_H_
