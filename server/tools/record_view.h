// What `kmsd audit tail` and `kmsd audit report` show of one stored audit
// record, read from its CloudTrail JSON. Internal to server/tools.
#ifndef KMS_SERVER_TOOLS_RECORD_VIEW_H_
#define KMS_SERVER_TOOLS_RECORD_VIEW_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kms/clock.h"
#include "kms/server/audit/audit_event.h"
#include "kms/server/audit/audit_log.h"
#include "kms/status.h"

namespace kms::tools {

enum class Outcome { kOk, kDenied, kError };

// Records read per read transaction: the tools read a log the server may be
// writing, and a long read would hold pages LMDB could otherwise reuse.
inline constexpr size_t kRecordsPerRead = 4096;

struct RecordView {
  EpochMillis time = 0;
  std::string operation;  // eventName
  std::string source;     // eventSource
  std::string account;    // recipientAccountId
  std::string region;
  // "111122223333:user/alice", "111122223333:assumed-role/DbAdmin/s1", a
  // service principal, or "AWS Internal" for the changes KMS makes itself.
  std::string principal;
  std::string invoked_by;  // userIdentity.invokedBy of a call via a service
  // The key ids (or alias names) of the record's resources: the keys the
  // call reached.
  std::vector<std::string> keys;
  // The KeyId of the request when the record names no resource (a key that
  // was not found): shown by tail, not counted as a key.
  std::string requested_key;
  Outcome outcome = Outcome::kOk;  // kDenied: AccessDeniedException
  std::string error_code;
  std::string error_message;
  // additionalEventData.kmsdAuthorization as one line: "Deny:
  // NoKeyPolicyAllow (key policy, Statement[1]): kms:ViaService ..."; empty
  // when the record has none.
  std::string authorization;
  std::string grant_id;  // of CreateGrant, RetireGrant and RevokeGrant
  // Of CreateAlias, UpdateAlias and DeleteAlias: the alias, and the key it
  // now names (empty for DeleteAlias).
  std::string alias_name;
  std::string alias_target;
  std::string detail;  // what else a person wants to see (the grantee, the deletion window)
};

// The view of `entry`. kInternal when its JSON is not a CloudTrail record.
StatusOr<RecordView> ViewRecord(const audit::AuditEntry& entry);

// Calls `visit` with each stored record of `log` in (after, through], in
// sequence order, kRecordsPerRead of them per read transaction; stops when
// `visit` returns false. Returns the sequence number read up to (at most
// `through`). Errors when the log cannot be read.
StatusOr<uint64_t> ForEachStored(const audit::AuditLog& log, uint64_t after, uint64_t through,
                                 const std::function<bool(const audit::AuditEntry&)>& visit);
// As ForEachStored, with the view of each record that `wanted` accepts (every
// one when it is empty). Errors also when a record is not CloudTrail JSON.
StatusOr<uint64_t> ForEachView(const audit::AuditLog& log, uint64_t after, uint64_t through,
                               const std::function<void(const RecordView&)>& visit,
                               const std::function<bool(const audit::AuditEntry&)>& wanted = {});

// Who made the call: the principal, and "via <service>" for a call a service
// made for it.
std::string CallerOf(const RecordView& view);

// `text` with what a terminal would act on rather than show (C0 and C1
// controls, DEL, bidirectional overrides) as \xNN bytes.
std::string TerminalSafe(std::string_view text);

std::string_view OutcomeName(Outcome outcome);  // "OK", "DENIED", "ERROR"

// The record as one line for `kmsd audit tail`: time, principal, operation,
// key, outcome (with the error code), each TerminalSafe (a key id is the
// caller's choice): one record, one line, no terminal escapes.
std::string TailLine(const RecordView& view);

}  // namespace kms::tools

#endif  // KMS_SERVER_TOOLS_RECORD_VIEW_H_
