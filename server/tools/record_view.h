// What `kmsd audit tail` and `kmsd audit report` show of one stored audit
// record, read from its CloudTrail JSON. Internal to server/tools.
#ifndef KMS_SERVER_TOOLS_RECORD_VIEW_H_
#define KMS_SERVER_TOOLS_RECORD_VIEW_H_

#include <string>
#include <string_view>
#include <vector>

#include "kms/clock.h"
#include "kms/server/audit/audit_event.h"
#include "kms/status.h"

namespace kms::tools {

enum class Outcome { kOk, kDenied, kError };

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
  std::string detail;    // what else a person wants to see (the grantee, the deletion window)
};

// The view of `entry`. kInternal when its JSON is not a CloudTrail record.
StatusOr<RecordView> ViewRecord(const audit::AuditEntry& entry);

std::string_view OutcomeName(Outcome outcome);  // "OK", "DENIED", "ERROR"

// The record as one line for `kmsd audit tail`: time, principal, operation,
// key, outcome (with the error code). Control characters (a caller's
// choice, in a key id it sent) are shown as \xNN, so that a record is one line
// and cannot play terminal escapes.
std::string TailLine(const RecordView& view);

}  // namespace kms::tools

#endif  // KMS_SERVER_TOOLS_RECORD_VIEW_H_
