// The KMS structures of response bodies and CloudTrail records. Internal to
// server/api.
#ifndef KMS_SERVER_API_JSON_OUT_H_
#define KMS_SERVER_API_JSON_OUT_H_

#include <string>
#include <string_view>

#include "kms/bytes.h"
#include "kms/clock.h"
#include "kms/encryption_context.h"
#include "kms/json/writer.h"
#include "kms/server/store/key_record.h"

namespace kms::api {

// Response bodies and CloudTrail fragments are written with kms/json/writer.h.
using JsonOut = json::Writer;

// The algorithm lists of the key's usage (EncryptionAlgorithms,
// SigningAlgorithms, KeyAgreementAlgorithms or MacAlgorithms), as
// DescribeKey and GetPublicKey write them; `lower`: CloudTrail's lowerCamel
// names.
void WriteKeyAlgorithms(JsonOut& out, const KeyRecord& key, bool lower);
// A multi-Region key's MultiRegionConfiguration (nothing for another key).
void WriteMultiRegionConfiguration(JsonOut& out, const KeyRecord& key, bool lower);

// The KeyMetadata structure of DescribeKey, CreateKey, ... (members in AWS's order).
void WriteKeyMetadata(JsonOut& out, const KeyRecord& key);
// CloudTrail's responseElements.keyMetadata: lowerCamel members, "aWSAccountId",
// dates as "Jun 30, 2020 2:34:07 AM".
void WriteCloudTrailKeyMetadata(JsonOut& out, const KeyRecord& key);

}  // namespace kms::api

#endif  // KMS_SERVER_API_JSON_OUT_H_
