// RDS's error codes and texts for the RDS volume client, per resource kind.
// Texts follow what RDS (and botocore's RDS model) use where they are known.
// Internal to client/.
#ifndef KMS_CLIENT_RDS_MESSAGES_H_
#define KMS_CLIENT_RDS_MESSAGES_H_

#include <optional>
#include <string>
#include <string_view>

#include "kms/client/rds_error.h"
#include "kms/client/rds_state.h"

namespace kms::rds {

// "DB instance" / "DB cluster".
std::string_view Noun(ResourceKind kind);
// "DBInstanceIdentifier" / "DBClusterIdentifier".
std::string_view IdentifierParameter(ResourceKind kind);

std::unexpected<RdsError> NotFound(ResourceKind kind, std::string_view identifier);
std::unexpected<RdsError> AlreadyExists(ResourceKind kind);
std::unexpected<RdsError> SnapshotNotFound(ResourceKind kind, std::string_view identifier);
std::unexpected<RdsError> SnapshotAlreadyExists(ResourceKind kind, std::string_view identifier);
// InvalidDBInstanceState / InvalidDBClusterStateFault.
std::unexpected<RdsError> InvalidState(ResourceKind kind, std::string message);
std::unexpected<RdsError> InvalidIdentifier(std::string_view parameter);
std::unexpected<RdsError> InvalidCombination(std::string message);
std::unexpected<RdsError> InvalidValue(std::string message);

// A reference to a resource of another (or this) region: an identifier with
// an optional --source-region, or an ARN arn:aws:rds:<region>:<account>:<type>:<id>.
struct SourceRef {
  std::string region;
  std::string identifier;
};
// `arn_type` is "db", "snapshot" or "cluster-snapshot"; `parameter` names the
// option in errors. Errors: InvalidParameterValue, InvalidParameterCombination.
RdsResult<SourceRef> ParseSourceRef(std::string_view text, std::string_view arn_type,
                                    const std::optional<std::string>& source_region,
                                    std::string_view default_region, std::string_view parameter);

}  // namespace kms::rds

#endif  // KMS_CLIENT_RDS_MESSAGES_H_
