#include "kms/client/rds_error.h"

namespace kms::rds {

std::string_view RdsErrorName(RdsErrorCode code) {
  switch (code) {
    case RdsErrorCode::kInvalidParameterValue:
      return "InvalidParameterValue";
    case RdsErrorCode::kInvalidParameterCombination:
      return "InvalidParameterCombination";
    case RdsErrorCode::kKmsKeyNotAccessible:
      return "KMSKeyNotAccessibleFault";
    case RdsErrorCode::kInvalidDbInstanceState:
      return "InvalidDBInstanceState";
    case RdsErrorCode::kInvalidDbClusterState:
      return "InvalidDBClusterStateFault";
    case RdsErrorCode::kDbInstanceNotFound:
      return "DBInstanceNotFound";
    case RdsErrorCode::kDbInstanceAlreadyExists:
      return "DBInstanceAlreadyExists";
    case RdsErrorCode::kDbClusterNotFound:
      return "DBClusterNotFoundFault";
    case RdsErrorCode::kDbClusterAlreadyExists:
      return "DBClusterAlreadyExistsFault";
    case RdsErrorCode::kDbSnapshotNotFound:
      return "DBSnapshotNotFound";
    case RdsErrorCode::kDbSnapshotAlreadyExists:
      return "DBSnapshotAlreadyExists";
    case RdsErrorCode::kDbClusterSnapshotNotFound:
      return "DBClusterSnapshotNotFoundFault";
    case RdsErrorCode::kDbClusterSnapshotAlreadyExists:
      return "DBClusterSnapshotAlreadyExistsFault";
    case RdsErrorCode::kEndpointUnreachable:
    case RdsErrorCode::kMissingCredentials:
    case RdsErrorCode::kLocal:
      return {};
  }
  return {};
}

std::string RdsError::ToString() const {
  const std::string_view name = RdsErrorName(code_);
  return name.empty() ? message_ : std::string(name) + ": " + message_;
}

std::unexpected<RdsError> LocalFailure(const Status& status) {
  return Fail(RdsErrorCode::kLocal, "local state: " + status.message());
}

}  // namespace kms::rds
