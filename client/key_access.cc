#include "key_access.h"

namespace kms::rds {
namespace {

using client::CallAs;
using client::CallTarget;

CallTarget Via(std::string_view region) {
  return CallTarget{CallAs::kUserViaService, std::string(region)};
}

// Makes the KMS call `call` via RDS once the credentials it needs are known
// to be there; its error becomes RDS's (Failure()).
template <class Call>
auto ViaRds(const KeyAccess& access, std::string_view operation, std::string_view key, Call call)
    -> RdsResult<typename decltype(call())::value_type> {
  if (auto ready = access.Require(CallAs::kUserViaService); !ready) {
    return std::unexpected(ready.error());
  }
  auto result = call();
  if (!result) return std::unexpected(KeyAccess::Failure(operation, key, result.error()));
  return std::move(*result);
}

}  // namespace

RdsResult<void> KeyAccess::Require(CallAs as) const {
  if (as != CallAs::kService && !credentials_.user) {
    return Fail(RdsErrorCode::kMissingCredentials,
                "Unable to locate credentials. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                "or configure a profile in ~/.aws/credentials.");
  }
  if (as != CallAs::kUser && !credentials_.service) {
    return Fail(RdsErrorCode::kMissingCredentials,
                "No RDS service principal credentials: pass --config FILE or set "
                "RDS_VOLUME_CONFIG (see config/rds-volume.json).");
  }
  return {};
}

RdsError KeyAccess::Failure(std::string_view operation, std::string_view key,
                            const Status& status) {
  if (status.code() == Code::kDependencyTimeout) {
    return RdsError(RdsErrorCode::kEndpointUnreachable, status.message());
  }
  return RdsError(RdsErrorCode::kKmsKeyNotAccessible,
                  "The specified KMS key [" + std::string(key) +
                      "] does not exist, is not enabled or you do not have permissions to access "
                      "it. (KMS " +
                      std::string(operation) + ": " + status.ToString() + ")");
}

bool KeyAccess::IsKeyLoss(const Status& status) {
  switch (status.code()) {
    case Code::kAccessDenied:
    case Code::kDisabled:
    case Code::kInvalidState:
    case Code::kNotFound:
    case Code::kKeyUnavailable:
    case Code::kInvalidCiphertext:
    case Code::kIncorrectKey:
    case Code::kInvalidGrantToken:
    case Code::kInvalidArn:
      return true;
    default:
      return false;
  }
}

RdsResult<client::KeyDescription> KeyAccess::Describe(std::string_view region,
                                                      std::string_view key_id) {
  return ViaRds(*this, "DescribeKey", key_id,
                [&] { return kms_.DescribeKey(Via(region), key_id); });
}

RdsResult<client::KeyDescription> KeyAccess::Resolve(std::string_view region,
                                                     std::string_view key_id) {
  KMS_ASSIGN_OR_RETURN(client::KeyDescription key, Describe(region, key_id));
  if (key.key_state != "Enabled") {
    return std::unexpected(
        Failure("DescribeKey", key.arn, Status(Code::kDisabled, "the key is " + key.key_state)));
  }
  if (key.key_usage != "ENCRYPT_DECRYPT" || key.key_spec != "SYMMETRIC_DEFAULT") {
    return Fail(RdsErrorCode::kInvalidParameterValue,
                "The KMS key [" + key.arn +
                    "] is not a symmetric encryption key (KeySpec SYMMETRIC_DEFAULT, KeyUsage "
                    "ENCRYPT_DECRYPT); RDS encrypts volumes only with such keys.");
  }
  return key;
}

RdsResult<client::DataKey> KeyAccess::NewDataKey(std::string_view region, std::string_view key_arn,
                                                 const EncryptionContext& context) {
  return ViaRds(*this, "GenerateDataKey", key_arn,
                [&] { return kms_.GenerateDataKey(Via(region), key_arn, kDataKeySize, context); });
}

RdsResult<client::Grant> KeyAccess::GrantAttach(std::string_view region, std::string_view key_arn,
                                                std::string_view volume_id) {
  client::GrantRequest request;
  request.key_id = std::string(key_arn);
  request.grantee_principal = std::string(kRdsServicePrincipal);
  request.retiring_principal = std::string(kRdsServicePrincipal);
  request.operations = {"Decrypt"};
  request.encryption_context_subset = {{std::string(kVolumeIdContextKey), std::string(volume_id)}};
  request.name = "rds-volume-" + std::string(volume_id);
  return ViaRds(*this, "CreateGrant", key_arn,
                [&] { return kms_.CreateGrant(Via(region), request); });
}

RdsResult<SecretBytes> KeyAccess::Unwrap(const VolumeHeader& header) {
  return ViaRds(*this, "Decrypt", header.key_arn, [&] {
    return kms_.Decrypt(Via(header.region), header.encrypted_data_key, header.Context());
  });
}

RdsResult<Bytes> KeyAccess::Wrap(std::string_view region, std::string_view key_arn,
                                 const SecretBytes& data_key, const EncryptionContext& context) {
  return ViaRds(*this, "Encrypt", key_arn,
                [&] { return kms_.Encrypt(Via(region), key_arn, data_key, context); });
}

RdsResult<Bytes> KeyAccess::Rewrap(const VolumeHeader& header, std::string_view key_arn,
                                   const EncryptionContext& context) {
  return ViaRds(*this, "ReEncrypt", header.key_arn, [&] {
    return kms_.ReEncrypt(Via(header.region), header.encrypted_data_key, header.Context(), key_arn,
                          context);
  });
}

StatusOr<SecretBytes> KeyAccess::DecryptAsService(const VolumeHeader& header) {
  if (!credentials_.service) {
    return Error(Code::kValidation, "no RDS service principal credentials are configured");
  }
  return kms_.Decrypt(CallTarget{CallAs::kService, header.region}, header.encrypted_data_key,
                      header.Context());
}

Status KeyAccess::RetireAsService(std::string_view region, const client::Grant& grant,
                                  std::string_view key_arn) {
  if (!credentials_.service) {
    return Error(Code::kValidation, "no RDS service principal credentials are configured");
  }
  return kms_.RetireGrant(CallTarget{CallAs::kService, std::string(region)}, grant, key_arn);
}

}  // namespace kms::rds
