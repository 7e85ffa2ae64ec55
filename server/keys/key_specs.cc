#include "kms/server/keys/key_specs.h"

#include <array>

namespace kms::keys {
namespace {

constexpr std::array<std::string_view, 1> kSymmetricUsages = {"ENCRYPT_DECRYPT"};
constexpr std::array<std::string_view, 2> kRsaUsages = {"ENCRYPT_DECRYPT", "SIGN_VERIFY"};
constexpr std::array<std::string_view, 2> kNistCurveUsages = {"SIGN_VERIFY", "KEY_AGREEMENT"};
// ECC_SECG_P256K1 and ECC_NIST_EDWARDS25519.
constexpr std::array<std::string_view, 1> kSignOnlyUsages = {"SIGN_VERIFY"};
constexpr std::array<std::string_view, 1> kMacUsages = {"GENERATE_VERIFY_MAC"};
constexpr std::array<std::string_view, 3> kSm2Usages = {"ENCRYPT_DECRYPT", "SIGN_VERIFY",
                                                        "KEY_AGREEMENT"};

}  // namespace

std::span<const std::string_view> UsagesOf(std::string_view key_spec) {
  if (key_spec == "SYMMETRIC_DEFAULT") return kSymmetricUsages;
  if (key_spec == "RSA_2048" || key_spec == "RSA_3072" || key_spec == "RSA_4096") return kRsaUsages;
  if (key_spec == "ECC_NIST_P256" || key_spec == "ECC_NIST_P384" || key_spec == "ECC_NIST_P521")
    return kNistCurveUsages;
  if (key_spec == "ECC_SECG_P256K1" || key_spec == "ECC_NIST_EDWARDS25519") return kSignOnlyUsages;
  if (key_spec == "HMAC_224" || key_spec == "HMAC_256" || key_spec == "HMAC_384" ||
      key_spec == "HMAC_512")
    return kMacUsages;
  if (key_spec == "SM2") return kSm2Usages;
  return {};
}

bool IsOfferedIn(std::string_view key_spec, std::string_view region) {
  return key_spec != "SM2" || region.starts_with("cn-");
}

Status CheckKeySpecOffered(std::string_view key_spec, std::string_view region) {
  if (!UsagesOf(key_spec).empty() && IsOfferedIn(key_spec, region)) return OkStatus();
  return Error(Code::kUnsupportedOperation,
               "KeySpec " + std::string(key_spec) + " is not supported in this Region");
}

bool IsAsymmetric(std::string_view key_spec) {
  return key_spec.starts_with("RSA_") || key_spec.starts_with("ECC_") || key_spec == "SM2";
}

KeyAlgorithms AlgorithmsOf(std::string_view key_spec, std::string_view key_usage) {
  KeyAlgorithms algorithms;
  if (key_usage == "ENCRYPT_DECRYPT") {
    if (key_spec == "SYMMETRIC_DEFAULT") {
      algorithms.encryption = {"SYMMETRIC_DEFAULT"};
    } else if (key_spec.starts_with("RSA_")) {
      algorithms.encryption = {"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"};
    } else if (key_spec == "SM2") {
      algorithms.encryption = {"SM2PKE"};
    }
  } else if (key_usage == "SIGN_VERIFY") {
    if (key_spec.starts_with("RSA_")) {
      algorithms.signing = {"RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384",
                            "RSASSA_PKCS1_V1_5_SHA_512", "RSASSA_PSS_SHA_256",
                            "RSASSA_PSS_SHA_384",        "RSASSA_PSS_SHA_512"};
    } else if (key_spec == "SM2") {
      algorithms.signing = {"SM2DSA"};
    } else if (key_spec == "ECC_NIST_EDWARDS25519") {
      algorithms.signing = {"ED25519_SHA_512", "ED25519_PH_SHA_512"};
    } else if (key_spec == "ECC_NIST_P384") {
      algorithms.signing = {"ECDSA_SHA_384"};
    } else if (key_spec == "ECC_NIST_P521") {
      algorithms.signing = {"ECDSA_SHA_512"};
    } else {
      algorithms.signing = {"ECDSA_SHA_256"};  // ECC_NIST_P256, ECC_SECG_P256K1
    }
  } else if (key_usage == "GENERATE_VERIFY_MAC") {
    algorithms.mac = {key_spec == "HMAC_224"   ? "HMAC_SHA_224"
                      : key_spec == "HMAC_384" ? "HMAC_SHA_384"
                      : key_spec == "HMAC_512" ? "HMAC_SHA_512"
                                               : "HMAC_SHA_256"};
  } else if (key_usage == "KEY_AGREEMENT") {
    algorithms.key_agreement = {"ECDH"};
  }
  return algorithms;
}

}  // namespace kms::keys
