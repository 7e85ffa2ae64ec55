#include "key_id.h"

#include "kms/server/crypto/ciphertext_blob.h"

namespace kms::keys {
namespace {

std::unexpected<Status> InvalidKeyId(std::string_view text) {
  return Error(Code::kNotFound, "Invalid keyId '" + std::string(text) + "'");
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

}  // namespace

bool IsWellFormedKeyId(std::string_view id) {
  KeyIdBytes bytes;
  if (ParseUuid(id, &bytes)) return true;
  return id.size() == 36 && id.starts_with("mrk-") && IsHex(id.substr(4));
}

StatusOr<ParsedKeyId> ParseKeyId(std::string_view text) {
  ParsedKeyId out;
  if (text.starts_with("alias/")) {
    out.form = ParsedKeyId::Form::kAliasName;
    out.alias_name = std::string(text);
    return out;
  }
  if (!text.starts_with("arn:")) {
    if (!IsWellFormedKeyId(text)) return InvalidKeyId(text);
    out.form = ParsedKeyId::Form::kKeyId;
    out.key_id = std::string(text);
    return out;
  }
  // arn:<partition>:kms:<region>:<account>:<resource>
  std::string_view parts[6];
  std::string_view rest = text;
  for (int i = 0; i < 5; ++i) {
    const size_t colon = rest.find(':');
    if (colon == std::string_view::npos) return InvalidKeyId(text);
    parts[i] = rest.substr(0, colon);
    rest = rest.substr(colon + 1);
  }
  parts[5] = rest;
  if (parts[1] != "aws" || parts[2] != "kms" || parts[3].empty() || parts[4].size() != 12) {
    return InvalidKeyId(text);
  }
  out.region = std::string(parts[3]);
  out.account = std::string(parts[4]);
  if (parts[5].starts_with("key/")) {
    out.form = ParsedKeyId::Form::kKeyArn;
    out.key_id = std::string(parts[5].substr(4));
    if (!IsWellFormedKeyId(out.key_id)) return InvalidKeyId(text);
    return out;
  }
  if (parts[5].starts_with("alias/") && parts[5].size() > 6) {
    out.form = ParsedKeyId::Form::kAliasArn;
    out.alias_name = std::string(parts[5]);
    return out;
  }
  return InvalidKeyId(text);
}

}  // namespace kms::keys
