#include "lookup_token.h"

#include "kms/crypto.h"
#include "kms/encoding.h"

namespace kms::audit {
namespace {

constexpr char kTokenVersion = 1;
constexpr size_t kMacSize = 16;
constexpr size_t kTokenSize = 1 + kIndexPositionSize + kMacSize;
constexpr std::string_view kKeyLabel = "kmsd-audit-next-token-key-v1";

void AppendField(std::string& out, std::string_view field) {
  out.append(EncodeUint64(field.size()));
  out.append(field);
}

std::string OptionalTime(const std::optional<EpochMillis>& time) {
  return time ? std::to_string(*time) : "-";
}

}  // namespace

NextTokenCodec::NextTokenCodec(const SecretBytes& log_key)
    : key_(SecretBytes(crypto::HmacSha256(log_key.view(), AsBytes(kKeyLabel)))) {}

std::string NextTokenCodec::Mac(const LookupScope& scope, const LookupEventsQuery& query,
                                std::string_view position) const {
  std::string message;
  message.push_back(kTokenVersion);
  message.append(position);
  AppendField(message, scope.account_id);
  AppendField(message, scope.region);
  AppendField(message, query.attribute ? LookupAttributeKeyName(query.attribute->key) : "");
  AppendField(message, query.attribute ? std::string_view(query.attribute->value) : "");
  AppendField(message, OptionalTime(query.start_time));
  AppendField(message, OptionalTime(query.end_time));
  AppendField(message, query.insight_events ? "insight" : "");
  const crypto::Sha256Digest mac = crypto::HmacSha256(key_.view(), AsBytes(message));
  return std::string(reinterpret_cast<const char*>(mac.data()), kMacSize);
}

std::string NextTokenCodec::Encode(const LookupScope& scope, const LookupEventsQuery& query,
                                   const IndexPosition& last) const {
  const std::string position = EncodePosition(last);
  std::string token(1, kTokenVersion);
  token.append(position);
  token.append(Mac(scope, query, position));
  return Base64Encode(AsBytes(token));
}

StatusOr<IndexPosition> NextTokenCodec::Decode(std::string_view token, const LookupScope& scope,
                                               const LookupEventsQuery& query) const {
  const std::optional<Bytes> bytes = Base64Decode(token);
  if (!bytes || bytes->size() != kTokenSize || (*bytes)[0] != kTokenVersion) {
    return Error(Code::kInvalidNextToken, "NextToken is not valid.");
  }
  const std::string_view raw = AsString(*bytes);
  const std::string_view position = raw.substr(1, kIndexPositionSize);
  const std::string expected = Mac(scope, query, position);
  if (!ConstantTimeEquals(AsBytes(expected), AsBytes(raw.substr(1 + kIndexPositionSize)))) {
    return Error(Code::kInvalidNextToken, "NextToken was not issued for these request parameters.");
  }
  return *DecodePosition(position);
}

}  // namespace kms::audit
