// What AWS KMS lets a key of each KeySpec and KeyUsage do: the valid
// combinations and the algorithms DescribeKey and GetPublicKey list.
#ifndef KMS_SERVER_KEYS_KEY_SPECS_H_
#define KMS_SERVER_KEYS_KEY_SPECS_H_

#include <span>
#include <string_view>
#include <vector>

#include "kms/status.h"

namespace kms::keys {

// The usages a key spec allows, in the order AWS lists them; empty for a spec
// kmsd cannot create (ML_DSA_*) or does not know.
std::span<const std::string_view> UsagesOf(std::string_view key_spec);

// Whether AWS offers keys (and data key pairs) of `key_spec` in `region`: SM2
// only in its China Regions (cn-north-1, cn-northwest-1).
bool IsOfferedIn(std::string_view key_spec, std::string_view region);
// OK when kmsd makes keys of `key_spec` in `region`; else what AWS answers
// where a spec is not offered (reported from us-east-1 for SM2):
// UnsupportedOperationException "KeySpec SM2 is not supported in this Region".
// kmsd makes no ML_DSA_* key anywhere (not in OpenSSL 3.0).
Status CheckKeySpecOffered(std::string_view key_spec, std::string_view region);

// The algorithms of a key of `key_spec` and `key_usage`, as DescribeKey lists
// them; only the list of the key's usage is non-empty.
struct KeyAlgorithms {
  std::vector<std::string_view> encryption;     // ENCRYPT_DECRYPT
  std::vector<std::string_view> signing;        // SIGN_VERIFY
  std::vector<std::string_view> mac;            // GENERATE_VERIFY_MAC
  std::vector<std::string_view> key_agreement;  // KEY_AGREEMENT
};
KeyAlgorithms AlgorithmsOf(std::string_view key_spec, std::string_view key_usage);

// RSA_*, ECC_* and SM2: keys with a public key.
bool IsAsymmetric(std::string_view key_spec);

}  // namespace kms::keys

#endif  // KMS_SERVER_KEYS_KEY_SPECS_H_
