// The KMS endpoint's implementation (see kms/server/api/endpoint.h).
// Internal to server/api.
#ifndef KMS_SERVER_API_DISPATCHER_H_
#define KMS_SERVER_API_DISPATCHER_H_

#include <string_view>
#include <unordered_map>

#include "call.h"
#include "kms/server/api/endpoint.h"
#include "kms/server/audit/audit_log.h"
#include "kms/server/auth/authenticator.h"
#include "kms/server/http/http_server.h"

namespace kms::api {

class Dispatcher final : public http::Handler {
 public:
  // All must outlive the dispatcher. `audit` may be null (no audit log).
  Dispatcher(const Services& services, const auth::Authenticator& authenticator,
             audit::AuditLog* audit);

  void Handle(http::Request request, http::Respond respond) override;
  http::Response Reject(http::Rejection rejection) override;

 private:
  struct OperationInfo {
    Operation run;
    bool read_only;
  };
  using OperationTable = std::unordered_map<std::string_view, OperationInfo>;
  // Sends the request to its operation; `respond` is a copy of the
  // transport's (so Handle can still answer when this throws).
  void Route(const http::Request& request, const std::string& request_id, http::Respond respond);
  // `respond`, counting the request in services_.metrics and writing its
  // line in the request log (at level info) when it answers.
  http::Respond Observed(const http::Request& request, http::Respond respond) const;
  // Runs `operation` of `table`, appends the call's record, then answers.
  void HandleKms(const http::Request& request, std::string_view operation,
                 const OperationTable& table, const std::string& request_id, http::Respond respond);
  void HandleLookupEvents(const http::Request& request, const std::string& request_id,
                          http::Respond respond);
  // The services' view of a call by `caller`, now.
  keys::CallContext NewContext(const auth::Caller& caller) const;
  // OK unless the audit log has no room for more calls (kStoreFull).
  Status AuditWritable() const;
  // The parts of a call's CloudTrail record every call shares.
  audit::CloudTrailEvent EventFor(const Call& call, std::string_view operation,
                                  const std::string& request_id) const;
  // Whether calls are recorded: with no audit log (or one that stores
  // nothing) no record is built at all.
  bool Records() const;
  // Answers an unrecorded call with `result`, its `changes` committed first
  // (dropped when it failed). `caller` and `resources` name it in the
  // request log.
  void CommitThenRespond(StatusOr<std::string> result, const std::string& request_id,
                         std::unique_ptr<CallChanges> changes, const std::string& caller,
                         const std::vector<std::string>& resources, http::Respond respond) const;
  // Appends the record (with the error of `result`, if any), then answers
  // with `result` once it is durable, or with an error if it cannot be.
  // The call's `changes` (null when it could change nothing) commit with the
  // record, in one transaction, or not at all: a failed call's are dropped.
  // `other_regions`: the records a successful call leaves in other Regions.
  // Only when Records().
  void RecordThenRespond(audit::CloudTrailEvent event, StatusOr<std::string> result,
                         const std::string& request_id, std::unique_ptr<CallChanges> changes,
                         http::Respond respond,
                         std::vector<audit::CloudTrailEvent> other_regions = {});

  const Services& services_;
  const auth::Authenticator& authenticator_;
  audit::AuditLog* audit_;
  OperationTable operations_;
  OperationTable admin_operations_;
};

// Standard response headers: x-amzn-RequestId, Content-Type, Date.
http::Response JsonResponse(int status, std::string body, const std::string& request_id);
http::Response ErrorResponse(const Status& status, const std::string& request_id);

}  // namespace kms::api

#endif  // KMS_SERVER_API_DISPATCHER_H_
