// The dictionary stored audit records are compressed with. Internal to
// server/audit.
#ifndef KMS_SERVER_AUDIT_RECORD_DICTIONARY_H_
#define KMS_SERVER_AUDIT_RECORD_DICTIONARY_H_

#include <string_view>

namespace kms::audit {

extern const std::string_view kRecordDictionaryV1;

}  // namespace kms::audit

#endif  // KMS_SERVER_AUDIT_RECORD_DICTIONARY_H_
