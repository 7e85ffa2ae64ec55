#include "kms/server/keys/grants.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "kms/crypto.h"
#include "kms/encoding.h"
#include "kms/server/crypto/ciphertext_blob.h"

namespace kms::grants {

bool IsServicePrincipal(std::string_view p) {
  return p.ends_with(".amazonaws.com") && p.find(':') == std::string_view::npos;
}

bool IsGrantPrincipal(std::string_view p) {
  if (IsServicePrincipal(p)) return true;
  const bool iam = p.starts_with("arn:aws:iam::"), sts = p.starts_with("arn:aws:sts::");
  if (!iam && !sts) return false;
  std::string_view rest = p.substr(13);
  if (rest.size() < 14 || rest[12] != ':') return false;
  for (size_t i = 0; i < 12; ++i) {
    if (rest[i] < '0' || rest[i] > '9') return false;
  }
  rest = rest.substr(13);
  if (iam) {
    return rest == "root" || (rest.starts_with("user/") && rest.size() > 5) ||
           (rest.starts_with("role/") && rest.size() > 5);
  }
  if (rest.starts_with("federated-user/")) return rest.size() > 15;
  // assumed-role/<role>/<session>: both parts non-empty.
  const size_t session = rest.find('/', 13);
  return rest.starts_with("assumed-role/") && session != std::string_view::npos && session > 13 &&
         session + 1 < rest.size();
}

namespace {

constexpr std::array<std::string_view, 17> kOperations = {"Decrypt",
                                                          "Encrypt",
                                                          "GenerateDataKey",
                                                          "GenerateDataKeyWithoutPlaintext",
                                                          "ReEncryptFrom",
                                                          "ReEncryptTo",
                                                          "Sign",
                                                          "Verify",
                                                          "GetPublicKey",
                                                          "CreateGrant",
                                                          "RetireGrant",
                                                          "DescribeKey",
                                                          "GenerateDataKeyPair",
                                                          "GenerateDataKeyPairWithoutPlaintext",
                                                          "GenerateMac",
                                                          "VerifyMac",
                                                          "DeriveSharedSecret"};

constexpr std::string_view kTokenMagic = "kmsd-grant-token-v1";
constexpr std::string_view kMultiRegionTokenMagic = "kmsd-grant-token-m1";
static_assert(kTokenMagic.size() == kMultiRegionTokenMagic.size());
constexpr size_t kNonceSize = 16;
constexpr size_t kMacSize = 32;

bool Contains(const EncryptionContext& outer, const EncryptionContext& inner) {
  return std::all_of(inner.begin(), inner.end(), [&](const auto& pair) {
    auto it = outer.find(pair.first);
    return it != outer.end() && it->second == pair.second;
  });
}

std::vector<std::string> Sorted(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

}  // namespace

std::span<const std::string_view> AllOperations() { return kOperations; }

bool IsValidForKey(std::string_view operation, std::string_view key_spec,
                   std::string_view key_usage) {
  using Ops = std::vector<std::string_view>;
  static const Ops kAnyKey = {"CreateGrant", "DescribeKey", "RetireGrant"};
  static const Ops kSymmetric = {
      "Decrypt",       "Encrypt",     "GenerateDataKey",     "GenerateDataKeyWithoutPlaintext",
      "ReEncryptFrom", "ReEncryptTo", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"};
  static const Ops kAsymmetricEncryption = {"Decrypt", "Encrypt", "GetPublicKey", "ReEncryptFrom",
                                            "ReEncryptTo"};
  static const Ops kSigning = {"Sign", "Verify", "GetPublicKey"};
  static const Ops kKeyAgreement = {"DeriveSharedSecret", "GetPublicKey"};
  static const Ops kMac = {"GenerateMac", "VerifyMac"};
  const Ops& usable = key_usage == "SIGN_VERIFY"           ? kSigning
                      : key_usage == "KEY_AGREEMENT"       ? kKeyAgreement
                      : key_usage == "GENERATE_VERIFY_MAC" ? kMac
                      : key_spec == "SYMMETRIC_DEFAULT"    ? kSymmetric
                                                           : kAsymmetricEncryption;
  auto listed = [operation](const Ops& ops) {
    return std::find(ops.begin(), ops.end(), operation) != ops.end();
  };
  return listed(kAnyKey) || listed(usable);
}

bool GranteeMatches(const GrantRecord& grant, const Principal& principal) {
  return grant.grantee_principal == principal.arn ||
         grant.grantee_principal == principal.principal_arn;
}

bool ConstraintsAllow(const GrantRecord& grant, std::string_view operation,
                      const EncryptionContext* context) {
  if (operation == "DescribeKey" || operation == "RetireGrant") return true;
  static const EncryptionContext kEmpty;
  const EncryptionContext& request = context != nullptr ? *context : kEmpty;
  if (grant.encryption_context_equals && request != *grant.encryption_context_equals) return false;
  if (grant.encryption_context_subset && !Contains(request, *grant.encryption_context_subset))
    return false;
  return true;
}

bool IsNoBroaderThan(const GrantRecord& child, const GrantRecord& parent) {
  for (const std::string& op : child.operations) {
    if (std::find(parent.operations.begin(), parent.operations.end(), op) ==
        parent.operations.end())
      return false;
  }
  if (parent.encryption_context_equals) {
    return child.encryption_context_equals == parent.encryption_context_equals;
  }
  if (parent.encryption_context_subset) {
    // A child must require every pair the parent requires.
    if (child.encryption_context_equals)
      return Contains(*child.encryption_context_equals, *parent.encryption_context_subset);
    if (child.encryption_context_subset)
      return Contains(*child.encryption_context_subset, *parent.encryption_context_subset);
    return false;
  }
  return true;
}

bool SameParameters(const GrantRecord& a, const GrantRecord& b) {
  return a.key_id == b.key_id && a.name == b.name && a.grantee_principal == b.grantee_principal &&
         a.retiring_principal == b.retiring_principal &&
         Sorted(a.operations) == Sorted(b.operations) &&
         a.encryption_context_subset == b.encryption_context_subset &&
         a.encryption_context_equals == b.encryption_context_equals;
}

std::string NewGrantId() { return HexEncode(crypto::RandomBytes(32)); }

// Token bytes: magic | key id (16) | grant id (32) | nonce (16) | HMAC-SHA256 of all before.
// The magic says whether the key id is a UUID or a multi-Region ("mrk-") id.
std::string TokenCodec::Issue(std::string_view key_id, std::string_view grant_id) const {
  KeyIdBytes key_bytes{};
  bool multi_region = false;
  KMS_CHECK(PackKeyId(key_id, &key_bytes, &multi_region));
  auto grant_bytes = HexDecode(grant_id);
  KMS_CHECK(grant_bytes.has_value() && grant_bytes->size() == 32);
  const std::string_view magic = multi_region ? kMultiRegionTokenMagic : kTokenMagic;
  Bytes token(magic.begin(), magic.end());
  token.insert(token.end(), key_bytes.begin(), key_bytes.end());
  token.insert(token.end(), grant_bytes->begin(), grant_bytes->end());
  Bytes nonce = crypto::RandomBytes(kNonceSize);
  token.insert(token.end(), nonce.begin(), nonce.end());
  const crypto::Sha256Digest mac = crypto::HmacSha256(key_.view(), token);
  token.insert(token.end(), mac.begin(), mac.end());
  return Base64Encode(token);
}

StatusOr<TokenClaims> TokenCodec::Parse(std::string_view token) const {
  constexpr size_t kSize = kTokenMagic.size() + 16 + 32 + kNonceSize + kMacSize;
  auto bytes = Base64Decode(token);
  const std::string_view magic =
      bytes && bytes->size() == kSize ? AsString(ByteView(bytes->data(), kTokenMagic.size())) : "";
  if (magic != kTokenMagic && magic != kMultiRegionTokenMagic) {
    return Error(Code::kInvalidGrantToken, "Invalid grant token.");
  }
  const size_t body = kSize - kMacSize;
  const crypto::Sha256Digest mac = crypto::HmacSha256(key_.view(), ByteView(bytes->data(), body));
  if (!ConstantTimeEquals(mac, ByteView(bytes->data() + body, kMacSize))) {
    return Error(Code::kInvalidGrantToken, "Invalid grant token.");
  }
  KeyIdBytes key_bytes{};
  std::memcpy(key_bytes.data(), bytes->data() + kTokenMagic.size(), 16);
  return TokenClaims{UnpackKeyId(key_bytes, magic == kMultiRegionTokenMagic),
                     HexEncode(ByteView(bytes->data() + kTokenMagic.size() + 16, 32))};
}

}  // namespace kms::grants
