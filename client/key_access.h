// The KMS calls the RDS volume client makes, each as the identity RDS uses
// for it, with KMS failures turned into RDS's errors. Internal to client/.
#ifndef KMS_CLIENT_KEY_ACCESS_H_
#define KMS_CLIENT_KEY_ACCESS_H_

#include <string>
#include <string_view>

#include "kms/client/kms_client.h"
#include "kms/client/rds_error.h"
#include "kms/client/rds_service.h"
#include "kms/client/rds_volume.h"

namespace kms::rds {

// Not thread-safe (the KmsApi is not). Every call fails with
// kMissingCredentials before calling KMS when the identity it needs has no
// credentials, kEndpointUnreachable when kmsd cannot be reached, and
// KMSKeyNotAccessibleFault (KMS's own error appended) for any KMS error.
class KeyAccess {
 public:
  KeyAccess(client::KmsApi& kms, CredentialsPresent credentials)
      : kms_(kms), credentials_(credentials) {}

  // DescribeKey via RDS of a key id, ARN, alias name or alias ARN.
  RdsResult<client::KeyDescription> Describe(std::string_view region, std::string_view key_id);
  // Describe(), and the key must be an enabled symmetric encryption key.
  RdsResult<client::KeyDescription> Resolve(std::string_view region, std::string_view key_id);
  // GenerateDataKey via RDS: a 64-byte data key bound to `context`.
  RdsResult<client::DataKey> NewDataKey(std::string_view region, std::string_view key_arn,
                                        const EncryptionContext& context);
  // CreateGrant via RDS: lets the RDS service principal Decrypt under an
  // encryption context that contains {"aws:ebs:id": volume_id}.
  RdsResult<client::Grant> GrantAttach(std::string_view region, std::string_view key_arn,
                                       std::string_view volume_id);
  // Decrypt via RDS of a volume's data key (in the volume's region).
  RdsResult<SecretBytes> Unwrap(const VolumeHeader& header);
  // Encrypt via RDS of a data key under `key_arn`.
  RdsResult<Bytes> Wrap(std::string_view region, std::string_view key_arn,
                        const SecretBytes& data_key, const EncryptionContext& context);
  // ReEncrypt via RDS of a volume's data key to `key_arn` and `context`.
  RdsResult<Bytes> Rewrap(const VolumeHeader& header, std::string_view key_arn,
                          const EncryptionContext& context);

  // Decrypt as the RDS service principal itself (attach), authorized by the
  // volume's grant. Returns KMS's Status so that the caller can tell key loss
  // (IsKeyLoss) from other failures; kValidation without service credentials.
  StatusOr<SecretBytes> DecryptAsService(const VolumeHeader& header);
  // RetireGrant as the RDS service principal (the retiring principal).
  Status RetireAsService(std::string_view region, const client::Grant& grant,
                         std::string_view key_arn);

  // Whether a KMS error means that RDS lost the key: disabled, pending
  // deletion or otherwise unusable, gone, or no longer allowing RDS.
  static bool IsKeyLoss(const Status& status);
  // The RDS error for a KMS failure of `operation` with key `key`.
  static RdsError Failure(std::string_view operation, std::string_view key, const Status& status);

  // kMissingCredentials unless the credentials a call `as` needs are there.
  RdsResult<void> Require(client::CallAs as) const;

 private:
  client::KmsApi& kms_;
  CredentialsPresent credentials_;
};

}  // namespace kms::rds

#endif  // KMS_CLIENT_KEY_ACCESS_H_
