// Encryption context: a map of non-secret strings bound to a ciphertext as AAD.
#ifndef KMS_ENCRYPTION_CONTEXT_H_
#define KMS_ENCRYPTION_CONTEXT_H_

#include <map>
#include <string>

#include "kms/bytes.h"

namespace kms {

// Ordered by key (byte order), so iteration order is canonical.
using EncryptionContext = std::map<std::string, std::string>;

// The one canonical encoding of a context used as associated data: a 4-byte
// big-endian pair count, then for each pair in key order the 4-byte big-endian
// length and bytes of the key, then of the value. Pair order in the request
// therefore never matters, and no two contexts share an encoding.
Bytes CanonicalEncryptionContext(const EncryptionContext& context);

}  // namespace kms

#endif  // KMS_ENCRYPTION_CONTEXT_H_
