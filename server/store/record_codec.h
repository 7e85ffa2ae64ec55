// JSON encodings of the store's records (readable with mdb_dump). Internal to
// server/store.
#ifndef KMS_SERVER_STORE_RECORD_CODEC_H_
#define KMS_SERVER_STORE_RECORD_CODEC_H_

#include <string>
#include <string_view>

#include "kms/server/store/key_record.h"
#include "kms/status.h"

namespace kms::store {

std::string EncodeKey(const KeyRecord& key);
StatusOr<KeyRecord> DecodeKey(std::string_view json);
std::string EncodeAlias(const AliasRecord& alias);
StatusOr<AliasRecord> DecodeAlias(std::string_view json);
std::string EncodeGrant(const GrantRecord& grant);
StatusOr<GrantRecord> DecodeGrant(std::string_view json);

}  // namespace kms::store

#endif  // KMS_SERVER_STORE_RECORD_CODEC_H_
