// What an operation handler sees: the services, the authenticated caller, and
// the notes it leaves for the audit record. Internal to server/api.
#ifndef KMS_SERVER_API_CALL_H_
#define KMS_SERVER_API_CALL_H_

#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "kms/authenticator.h"
#include "kms/config.h"
#include "kms/grants.h"
#include "kms/key_service.h"
#include "kms/status.h"

namespace kms::api {

class Access;

struct Services {
  keys::KeyService* keys = nullptr;
  Access* access = nullptr;
  const grants::TokenCodec* grant_tokens = nullptr;
  const config::ServerConfig* config = nullptr;
  const Clock* clock = nullptr;
};

// What a handler adds to the call's CloudTrail record.
struct AuditNotes {
  // Replaces the requestParameters derived from the request body (JSON).
  std::optional<std::string> request_parameters;
  std::string response_elements;     // JSON; empty means null
  // additionalEventData members: name -> JSON value, in insertion order.
  std::vector<std::pair<std::string, std::string>> additional_event_data;
  void SetAdditional(const std::string& name, std::string json) {
    for (auto& [existing, value] : additional_event_data) {
      if (existing == name) {
        value = std::move(json);
        return;
      }
    }
    additional_event_data.emplace_back(name, std::move(json));
  }
  std::vector<std::string> resource_arns;
  void AddResource(const std::string& arn) {
    for (const std::string& existing : resource_arns) {
      if (existing == arn) return;
    }
    resource_arns.push_back(arn);
  }
};

struct Call {
  const Services& services;
  const auth::Caller& caller;
  keys::Scope scope;  // caller's account, request region
  EpochMillis now = 0;
  AuditNotes audit;
};

// One operation: reads the request body, returns the response body (JSON).
using Operation = StatusOr<std::string> (*)(Call& call, const rapidjson::Value& body);

}  // namespace kms::api

#endif  // KMS_SERVER_API_CALL_H_
