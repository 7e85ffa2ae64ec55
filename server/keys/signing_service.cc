#include "kms/server/keys/signing_service.h"

#include "kms/server/crypto/key_material.h"
#include "kms/server/keys/key_specs.h"

namespace kms::keys {
namespace {

Status Authorize(Access& access, CallContext& call, const ResolvedKey& key,
                 std::string_view operation, const std::vector<std::string>& grant_tokens,
                 policy::ConditionValues conditions) {
  AccessRequest request;
  request.action = "kms:" + std::string(operation);
  request.key = key.key.get();
  request.grant_operation = std::string(operation);
  request.grant_tokens = &grant_tokens;
  request.conditions = std::move(conditions);
  if (!key.alias_name.empty()) request.conditions.Set("kms:RequestAlias", key.alias_name);
  return access.Authorize(call, std::move(request));
}

}  // namespace

StatusOr<std::pair<ResolvedKey, std::shared_ptr<const SecretBytes>>>
SigningService::PrepareSignature(CallContext& call, const SignRequest& request,
                                 std::string_view operation) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey key,
                       ResolveKey(deps_.keys, call, request.key_id, KeyIdForms::kAny));
  policy::ConditionValues conditions;
  conditions.Set("kms:SigningAlgorithm", request.signing_algorithm);
  conditions.Set("kms:MessageType", request.message_type);
  KMS_RETURN_IF_ERROR(
      Authorize(deps_.access, call, key, operation, request.grant_tokens, std::move(conditions)));
  KMS_RETURN_IF_ERROR(CheckKeyState(*key.key, KeyUse::kCryptographic));
  KMS_RETURN_IF_ERROR(CheckKeyUsage(*key.key, "SIGN_VERIFY", operation));
  KMS_RETURN_IF_ERROR(CheckAlgorithm(*key.key,
                                     AlgorithmsOf(key.key->key_spec, key.key->key_usage).signing,
                                     request.signing_algorithm));
  // Pure Ed25519 hashes the message itself: RAW only. Ed25519ph takes the
  // SHA-512 digest: DIGEST only (real KMS's texts, as floci-io/floci#2930
  // measured them).
  if ((request.signing_algorithm == "ED25519_SHA_512" && request.message_type != "RAW") ||
      (request.signing_algorithm == "ED25519_PH_SHA_512" && request.message_type != "DIGEST")) {
    return Error(Code::kValidation, "Message type " + request.message_type +
                                        " is incompatible with algorithm " +
                                        request.signing_algorithm + ".");
  }
  if (request.message_type == "DIGEST" &&
      request.message.size() != crypto::DigestLength(request.signing_algorithm)) {
    return Error(Code::kValidation,
                 "Digest is invalid length for algorithm " + request.signing_algorithm + ".");
  }
  if (request.dry_run) return DryRunSucceeded();
  KMS_ASSIGN_OR_RETURN(auto private_key, deps_.keys.CurrentMaterial(*key.key));
  call.trace.key_material_id = key.key->current().material_id;
  return std::make_pair(std::move(key), std::move(private_key));
}

StatusOr<SignResult> SigningService::Sign(CallContext& call, const SignRequest& request) {
  KMS_ASSIGN_OR_RETURN(auto prepared, PrepareSignature(call, request, "Sign"));
  KMS_ASSIGN_OR_RETURN(Bytes signature,
                       crypto::Sign(*prepared.second, request.signing_algorithm,
                                    request.message.view(), request.message_type == "DIGEST"));
  return SignResult{std::move(signature), prepared.first.key};
}

StatusOr<SignResult> SigningService::Verify(CallContext& call, const VerifyRequest& request) {
  const SignRequest& message = request.signed_message;
  KMS_ASSIGN_OR_RETURN(auto prepared, PrepareSignature(call, message, "Verify"));
  KMS_ASSIGN_OR_RETURN(
      bool valid,
      crypto::Verify(*prepared.second, message.signing_algorithm, message.message.view(),
                     message.message_type == "DIGEST", request.signature));
  if (!valid) return Error(Code::kKmsInvalidSignature);
  return SignResult{Bytes(), prepared.first.key};
}

StatusOr<PublicKeyResult> SigningService::GetPublicKey(CallContext& call,
                                                       const PublicKeyRequest& request) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey key,
                       ResolveKey(deps_.keys, call, request.key_id, KeyIdForms::kAny));
  KMS_RETURN_IF_ERROR(Authorize(deps_.access, call, key, "GetPublicKey", request.grant_tokens, {}));
  KMS_RETURN_IF_ERROR(CheckKeyState(*key.key, KeyUse::kCryptographic));
  if (!IsAsymmetric(key.key->key_spec)) {
    return Error(Code::kUnsupportedOperation, key.key->Arn() + " key spec is " + key.key->key_spec +
                                                  " which is not valid for GetPublicKey.");
  }
  KMS_ASSIGN_OR_RETURN(auto private_key, deps_.keys.CurrentMaterial(*key.key));
  KMS_ASSIGN_OR_RETURN(Bytes public_key, crypto::PublicKeyOf(*private_key));
  return PublicKeyResult{std::move(public_key), key.key};
}

StatusOr<SharedSecretResult> SigningService::DeriveSharedSecret(
    CallContext& call, const DeriveSharedSecretRequest& request) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey key,
                       ResolveKey(deps_.keys, call, request.key_id, KeyIdForms::kAny));
  policy::ConditionValues conditions;
  conditions.Set("kms:KeyAgreementAlgorithm", request.key_agreement_algorithm);
  KMS_RETURN_IF_ERROR(Authorize(deps_.access, call, key, "DeriveSharedSecret", request.grant_tokens,
                                std::move(conditions)));
  KMS_RETURN_IF_ERROR(CheckKeyState(*key.key, KeyUse::kCryptographic));
  KMS_RETURN_IF_ERROR(CheckKeyUsage(*key.key, "KEY_AGREEMENT", "DeriveSharedSecret"));
  KMS_ASSIGN_OR_RETURN(auto private_key, deps_.keys.CurrentMaterial(*key.key));
  KMS_ASSIGN_OR_RETURN(SecretBytes secret,
                       crypto::EcdhSharedSecret(*private_key, request.public_key));
  if (request.dry_run) return DryRunSucceeded();
  call.trace.key_material_id = key.key->current().material_id;
  return SharedSecretResult{std::move(secret), key.key};
}

StatusOr<std::pair<ResolvedKey, std::shared_ptr<const SecretBytes>>> SigningService::PrepareMac(
    CallContext& call, const MacRequest& request, std::string_view operation) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey key,
                       ResolveKey(deps_.keys, call, request.key_id, KeyIdForms::kAny));
  policy::ConditionValues conditions;
  conditions.Set("kms:MacAlgorithm", request.mac_algorithm);
  KMS_RETURN_IF_ERROR(
      Authorize(deps_.access, call, key, operation, request.grant_tokens, std::move(conditions)));
  KMS_RETURN_IF_ERROR(CheckKeyState(*key.key, KeyUse::kCryptographic));
  KMS_RETURN_IF_ERROR(CheckKeyUsage(*key.key, "GENERATE_VERIFY_MAC", operation));
  KMS_RETURN_IF_ERROR(CheckAlgorithm(
      *key.key, AlgorithmsOf(key.key->key_spec, key.key->key_usage).mac, request.mac_algorithm));
  if (request.dry_run) return DryRunSucceeded();
  KMS_ASSIGN_OR_RETURN(auto mac_key, deps_.keys.CurrentMaterial(*key.key));
  call.trace.key_material_id = key.key->current().material_id;
  return std::make_pair(std::move(key), std::move(mac_key));
}

StatusOr<MacResult> SigningService::GenerateMac(CallContext& call, const MacRequest& request) {
  KMS_ASSIGN_OR_RETURN(auto prepared, PrepareMac(call, request, "GenerateMac"));
  KMS_ASSIGN_OR_RETURN(
      Bytes mac, crypto::Mac(request.mac_algorithm, *prepared.second, request.message.view()));
  return MacResult{std::move(mac), prepared.first.key};
}

StatusOr<MacResult> SigningService::VerifyMac(CallContext& call, const MacRequest& request) {
  KMS_ASSIGN_OR_RETURN(auto prepared, PrepareMac(call, request, "VerifyMac"));
  KMS_ASSIGN_OR_RETURN(
      Bytes mac, crypto::Mac(request.mac_algorithm, *prepared.second, request.message.view()));
  // Compared in constant time, as secrets are.
  if (SecretBytes(ByteView(mac)) != SecretBytes(ByteView(request.mac)))
    return Error(Code::kKmsInvalidMac);
  return MacResult{Bytes(), prepared.first.key};
}

}  // namespace kms::keys
