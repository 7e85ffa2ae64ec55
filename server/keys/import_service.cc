#include "kms/server/keys/import_service.h"

#include <algorithm>
#include <array>

#include "kms/crypto.h"
#include "kms/server/crypto/key_material.h"

namespace kms::keys {
namespace {

constexpr std::array<std::string_view, 4> kWrappingAlgorithms = {
    "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256"};
constexpr std::string_view kTokenAssociatedData = "kmsd import token v1";
constexpr uint8_t kTokenFormat = 1;
constexpr size_t kKeyIdLength = 36;

// What an import token carries: the key it is for, the wrapping algorithm,
// when it expires and the wrapping private key. Sealed with AES-256-GCM under
// a root-derived key.
struct ImportToken {
  std::string key_id;
  std::string wrapping_algorithm;
  EpochMillis expires = 0;
  SecretBytes wrapping_private_key;
};

StatusOr<std::unique_ptr<crypto::Aead>> TokenAead(const KeyService& keys) {
  return crypto::NewAes256Gcm(keys.root_key().Derive("kmsd import tokens v1"));
}

// A token is for one key: the keys of a multi-Region set share a key id, so
// their tokens are bound to the key's region too (AWS wants each key's own).
std::string TokenAssociatedData(const KeyRecord& key) {
  std::string data(kTokenAssociatedData);
  if (key.multi_region) data += "/" + key.region;
  return data;
}

StatusOr<Bytes> SealToken(const KeyService& keys, const KeyRecord& key, const ImportToken& token) {
  const auto algorithm = std::ranges::find(kWrappingAlgorithms, token.wrapping_algorithm);
  if (token.key_id.size() != kKeyIdLength || algorithm == kWrappingAlgorithms.end())
    return Error(Code::kInternal, "an import token for key " + token.key_id + " with " +
                                      token.wrapping_algorithm + " cannot be made");
  SecretBytes plain(1 + kKeyIdLength + 1 + 8 + token.wrapping_private_key.size());
  uint8_t* out = plain.data();
  *out++ = kTokenFormat;
  out = std::ranges::copy(token.key_id, out).out;
  *out++ = static_cast<uint8_t>(algorithm - kWrappingAlgorithms.begin());
  for (int shift = 56; shift >= 0; shift -= 8)
    *out++ = static_cast<uint8_t>(token.expires >> shift);
  std::ranges::copy(token.wrapping_private_key.view(), out);
  KMS_ASSIGN_OR_RETURN(auto aead, TokenAead(keys));
  return aead->Encrypt(plain.view(), AsBytes(TokenAssociatedData(key)));
}

// kInvalidImportToken for anything this server did not issue for `key`.
StatusOr<ImportToken> OpenToken(const KeyService& keys, const KeyRecord& key, ByteView sealed) {
  KMS_ASSIGN_OR_RETURN(auto aead, TokenAead(keys));
  auto plain = aead->Decrypt(sealed, AsBytes(TokenAssociatedData(key)));
  if (!plain || plain->size() <= 1 + kKeyIdLength + 1 + 8 || plain->data()[0] != kTokenFormat ||
      plain->data()[1 + kKeyIdLength] >= kWrappingAlgorithms.size())
    return Error(Code::kInvalidImportToken, "Import token is invalid.");
  const uint8_t* in = plain->data() + 1;
  ImportToken token;
  token.key_id.assign(reinterpret_cast<const char*>(in), kKeyIdLength);
  in += kKeyIdLength;
  token.wrapping_algorithm = kWrappingAlgorithms[*in++];
  for (int i = 0; i < 8; ++i) token.expires = (token.expires << 8) | *in++;
  token.wrapping_private_key =
      SecretBytes(ByteView(in, static_cast<size_t>(plain->data() + plain->size() - in)));
  return token;
}

std::unexpected<Status> NotExternal(const KeyRecord& key) {
  return Error(Code::kUnsupportedOperation,
               key.Arn() + " origin is " + key.origin + " which is not valid for this operation.");
}

// The material as kmsd keeps it, when it fits the key: 32 bytes for
// SYMMETRIC_DEFAULT, for HMAC keys from the spec's length to twice its
// block-bounded maximum (AWS's ranges), and a PKCS#8 private key of the key's
// own spec.
StatusOr<SecretBytes> CheckMaterial(const KeyRecord& key, SecretBytes material) {
  const auto wrong = [&](std::string_view why) {
    return Error(Code::kIncorrectKeyMaterial, "The key material is not valid for a " +
                                                  key.key_spec + " key: " + std::string(why) + ".");
  };
  if (key.key_spec == "SYMMETRIC_DEFAULT") {
    if (material.size() != 32) return wrong("it must be 256 bits (32 bytes)");
    return material;
  }
  if (const size_t length = crypto::HmacKeyLength(key.key_spec); length != 0) {
    const size_t most = length <= 32 ? 64 : 128;
    if (material.size() < length || material.size() > most)
      return wrong("it must be " + std::to_string(length) + " to " + std::to_string(most) +
                   " bytes");
    return material;
  }
  auto parsed = crypto::PrivateKeyFromDer(material);
  if (!parsed) return wrong("it must be a PKCS#8 DER private key");
  if (parsed->key_spec != key.key_spec) return wrong("it is a " + parsed->key_spec + " key");
  return std::move(parsed->pkcs8);
}

}  // namespace

StatusOr<ImportParameters> ImportService::GetParametersForImport(
    CallContext& call, const GetParametersForImportRequest& request) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved, ResolveOwnKey(deps_.keys, call, request.key_id));
  AccessRequest access;
  access.action = "kms:GetParametersForImport";
  access.key = resolved.key.get();
  access.conditions.Set("kms:WrappingAlgorithm", request.wrapping_algorithm);
  access.conditions.Set("kms:WrappingKeySpec", request.wrapping_key_spec);
  KMS_RETURN_IF_ERROR(deps_.access.Authorize(call, std::move(access)));
  const KeyRecord& key = *resolved.key;
  if (key.origin != "EXTERNAL") return NotExternal(key);
  KMS_RETURN_IF_ERROR(CheckKeyState(key, KeyUse::kManage));
  KMS_ASSIGN_OR_RETURN(SecretBytes wrapping_key, crypto::NewKeyMaterial(request.wrapping_key_spec));
  ImportParameters out;
  out.key = resolved.key;
  KMS_ASSIGN_OR_RETURN(out.public_key, crypto::PublicKeyOf(wrapping_key));
  out.valid_to = call.now + kImportParametersLifetime;
  KMS_ASSIGN_OR_RETURN(out.import_token, SealToken(deps_.keys, key,
                                                   {key.key_id, request.wrapping_algorithm,
                                                    out.valid_to, std::move(wrapping_key)}));
  return out;
}

StatusOr<Key> ImportService::ImportKeyMaterial(CallContext& call,
                                               const ImportKeyMaterialRequest& request) {
  const std::string model = request.expiration_model.value_or(
      request.valid_to ? "KEY_MATERIAL_EXPIRES" : "KEY_MATERIAL_DOES_NOT_EXPIRE");
  if (model == "KEY_MATERIAL_EXPIRES" && !request.valid_to)
    return Error(Code::kValidation,
                 "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES");
  if (model == "KEY_MATERIAL_DOES_NOT_EXPIRE" && request.valid_to)
    return Error(Code::kValidation,
                 "A validTo date must not be set if the ExpirationModel is "
                 "KEY_MATERIAL_DOES_NOT_EXPIRE");
  if (request.valid_to && *request.valid_to <= call.now)
    return Error(Code::kValidation, "The validTo date must be in the future.");
  if (request.valid_to && *request.valid_to > call.now + kMaxImportValidity)
    return Error(Code::kValidation, "The validTo date must be at most 365 days from now.");

  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved, ResolveOwnKey(deps_.keys, call, request.key_id));
  AccessRequest access;
  access.action = "kms:ImportKeyMaterial";
  access.key = resolved.key.get();
  access.conditions.Set("kms:ExpirationModel", model);
  if (request.valid_to)
    access.conditions.Set("kms:ValidTo", std::to_string(*request.valid_to / 1000));
  KMS_RETURN_IF_ERROR(deps_.access.Authorize(call, std::move(access)));
  const KeyRecord& key = *resolved.key;
  if (key.origin != "EXTERNAL") return NotExternal(key);
  if (request.import_type == "NEW_KEY_MATERIAL" && !key.import_fingerprint.empty())
    return Error(Code::kUnsupportedOperation,
                 "kmsd does not import new key material into a key that has key material "
                 "(rotation of imported key material).");

  KMS_ASSIGN_OR_RETURN(ImportToken token, OpenToken(deps_.keys, key, request.import_token));
  if (token.key_id != key.key_id)
    return Error(Code::kInvalidImportToken, "Import token is invalid.");
  if (token.expires <= call.now)
    return Error(Code::kExpiredImportToken, "Import token is expired.");
  KMS_ASSIGN_OR_RETURN(
      SecretBytes unwrapped,
      crypto::UnwrapImportedMaterial(token.wrapping_private_key, token.wrapping_algorithm,
                                     request.encrypted_key_material));
  KMS_ASSIGN_OR_RETURN(SecretBytes material, CheckMaterial(key, std::move(unwrapped)));
  const std::string fingerprint = deps_.keys.MaterialFingerprint(material);
  KMS_ASSIGN_OR_RETURN(
      Key imported,
      deps_.keys.ImportMaterial(key.store_id(), material, [&](KeyRecord& stored) -> Status {
        if (stored.state == KeyState::kPendingDeletion)
          return Error(Code::kInvalidState, stored.Arn() + " is pending deletion.");
        if (!stored.import_fingerprint.empty() && stored.import_fingerprint != fingerprint)
          return Error(Code::kIncorrectKeyMaterial,
                       "The key material does not match the key material previously imported "
                       "into " +
                           stored.Arn() + ".");
        stored.import_fingerprint = fingerprint;
        stored.expiration_model = model;
        stored.valid_to = request.valid_to.value_or(0);
        if (stored.state == KeyState::kPendingImport) stored.state = KeyState::kEnabled;
        return OkStatus();
      }));
  call.trace.key_material_id = imported->current().material_id;
  return imported;
}

StatusOr<Key> ImportService::DeleteImportedKeyMaterial(CallContext& call,
                                                       const std::string& key_id) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved, ResolveOwnKey(deps_.keys, call, key_id));
  KMS_RETURN_IF_ERROR(
      AuthorizeKey(deps_.access, call, "kms:DeleteImportedKeyMaterial", *resolved.key));
  if (resolved.key->origin != "EXTERNAL") return NotExternal(*resolved.key);
  return deps_.keys.DeleteImportedMaterial(
      resolved.key->store_id(), [](const KeyRecord& stored) -> Status {
        if (stored.state == KeyState::kPendingDeletion || stored.state == KeyState::kPendingImport)
          return CheckKeyState(stored, KeyUse::kCryptographic);
        return OkStatus();
      });
}

}  // namespace kms::keys
