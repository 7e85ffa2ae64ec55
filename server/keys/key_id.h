// Parsing the four KeyId forms. Internal to server/keys (tested directly).
#ifndef KMS_SERVER_KEYS_KEY_ID_H_
#define KMS_SERVER_KEYS_KEY_ID_H_

#include <string>
#include <string_view>

#include "kms/status.h"

namespace kms::keys {

struct ParsedKeyId {
  enum class Form { kKeyId, kKeyArn, kAliasName, kAliasArn };
  Form form = Form::kKeyId;
  std::string region;      // ARN forms only
  std::string account;     // ARN forms only
  std::string key_id;      // kKeyId, kKeyArn
  std::string alias_name;  // kAliasName, kAliasArn: "alias/..."
  bool is_alias() const { return form == Form::kAliasName || form == Form::kAliasArn; }
};

// A key id is a UUID, or "mrk-" and 32 hex digits (multi-Region keys).
bool IsWellFormedKeyId(std::string_view id);

// Splits a KeyId into its form and parts. NotFoundException "Invalid keyId
// '<text>'" for text that is none of the four forms.
StatusOr<ParsedKeyId> ParseKeyId(std::string_view text);

}  // namespace kms::keys

#endif  // KMS_SERVER_KEYS_KEY_ID_H_
