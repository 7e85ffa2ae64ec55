// LookupEvents NextTokens. Internal to server/audit.
//
// A token names the last event of a page (its index position) and is signed
// (HMAC-SHA256, truncated to 128 bits) together with the parameters it was
// issued for: the scope, the attribute, the time range and the category, but
// not MaxResults. So a token that was not issued by this log, or that comes
// back with other parameters, is refused; a token leaks nothing but a time
// and a sequence number.
#ifndef KMS_SERVER_AUDIT_LOOKUP_TOKEN_H_
#define KMS_SERVER_AUDIT_LOOKUP_TOKEN_H_

#include <string>
#include <string_view>

#include "audit_index.h"
#include "kms/bytes.h"
#include "kms/server/audit/audit_lookup.h"
#include "kms/status.h"

namespace kms::audit {

// Thread-safe (immutable after construction).
class NextTokenCodec {
 public:
  // `log_key` is the log's HMAC key; the codec signs with a key derived from it.
  explicit NextTokenCodec(const SecretBytes& log_key);

  std::string Encode(const LookupScope& scope, const LookupEventsQuery& query,
                     const IndexPosition& last) const;
  // The position the token names. kInvalidNextToken when it does not decode
  // or was issued for other parameters.
  StatusOr<IndexPosition> Decode(std::string_view token, const LookupScope& scope,
                                 const LookupEventsQuery& query) const;

 private:
  std::string Mac(const LookupScope& scope, const LookupEventsQuery& query,
                  std::string_view position) const;

  SecretBytes key_;
};

}  // namespace kms::audit

#endif  // KMS_SERVER_AUDIT_LOOKUP_TOKEN_H_
