// What an operation's codec sees: the services, the call's context (caller,
// scope, time, trace) and the CloudTrail view it leaves for the record.
// Internal to server/api.
#ifndef KMS_SERVER_API_CALL_H_
#define KMS_SERVER_API_CALL_H_

#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "kms/server/api/endpoint.h"
#include "kms/server/keys/call.h"
#include "kms/server/keys/services.h"
#include "kms/status.h"

namespace kms::api {

// The CloudTrail view of a call that only its codec knows.
struct AuditNotes {
  // Replaces the requestParameters derived from the request body (JSON).
  std::optional<std::string> request_parameters;
  std::string response_elements;  // JSON; empty means null

  // A record the call leaves in another Region (ReplicateKey's CreateKey in
  // the replica's Region), written with the call's own, for the same caller,
  // as invoked by KMS; only when the call succeeds.
  struct OtherRegionEvent {
    std::string event_name;
    std::string region;
    std::string request_parameters;  // JSON
    std::string response_elements;   // JSON; empty means null
    std::vector<std::string> resource_arns;
  };
  std::vector<OtherRegionEvent> other_regions;
};

struct Call {
  const Services& services;
  keys::CallContext context;
  AuditNotes audit;

  keys::Services& operations() const { return *services.operations; }
};

// One operation: reads the request body, calls its service, returns the
// response body (JSON).
using Operation = StatusOr<std::string> (*)(Call& call, const rapidjson::Value& body);

}  // namespace kms::api

#endif  // KMS_SERVER_API_CALL_H_
