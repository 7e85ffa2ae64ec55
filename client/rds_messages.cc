#include "rds_messages.h"

#include <vector>

#include "kms/client/rds_ids.h"
#include "kms/text.h"

namespace kms::rds {

std::string_view Noun(ResourceKind kind) {
  return kind == ResourceKind::kInstance ? "DB instance" : "DB cluster";
}

std::string_view IdentifierParameter(ResourceKind kind) {
  return kind == ResourceKind::kInstance ? "DBInstanceIdentifier" : "DBClusterIdentifier";
}

std::unexpected<RdsError> NotFound(ResourceKind kind, std::string_view identifier) {
  if (kind == ResourceKind::kInstance) {
    return Fail(RdsErrorCode::kDbInstanceNotFound,
                "DBInstance " + std::string(identifier) + " not found.");
  }
  return Fail(RdsErrorCode::kDbClusterNotFound,
              "DBCluster " + std::string(identifier) + " not found.");
}

std::unexpected<RdsError> AlreadyExists(ResourceKind kind) {
  if (kind == ResourceKind::kInstance) {
    return Fail(RdsErrorCode::kDbInstanceAlreadyExists, "DB instance already exists");
  }
  return Fail(RdsErrorCode::kDbClusterAlreadyExists, "DB cluster already exists");
}

std::unexpected<RdsError> SnapshotNotFound(ResourceKind kind, std::string_view identifier) {
  if (kind == ResourceKind::kInstance) {
    return Fail(RdsErrorCode::kDbSnapshotNotFound,
                "DBSnapshot " + std::string(identifier) + " not found.");
  }
  return Fail(RdsErrorCode::kDbClusterSnapshotNotFound,
              "DBClusterSnapshot " + std::string(identifier) + " not found.");
}

std::unexpected<RdsError> SnapshotAlreadyExists(ResourceKind kind, std::string_view identifier) {
  const std::string message = "Cannot create the snapshot because a snapshot with the identifier " +
                              std::string(identifier) + " already exists.";
  return Fail(kind == ResourceKind::kInstance ? RdsErrorCode::kDbSnapshotAlreadyExists
                                              : RdsErrorCode::kDbClusterSnapshotAlreadyExists,
              message);
}

std::unexpected<RdsError> InvalidState(ResourceKind kind, std::string message) {
  return Fail(kind == ResourceKind::kInstance ? RdsErrorCode::kInvalidDbInstanceState
                                              : RdsErrorCode::kInvalidDbClusterState,
              std::move(message));
}

std::unexpected<RdsError> InvalidIdentifier(std::string_view parameter) {
  return Fail(RdsErrorCode::kInvalidParameterValue,
              "The parameter " + std::string(parameter) +
                  " is not a valid identifier. Identifiers must begin with a letter; must contain "
                  "only ASCII letters, digits, and hyphens; and must not end with a hyphen or "
                  "contain two consecutive hyphens.");
}

std::unexpected<RdsError> InvalidCombination(std::string message) {
  return Fail(RdsErrorCode::kInvalidParameterCombination, std::move(message));
}

std::unexpected<RdsError> InvalidValue(std::string message) {
  return Fail(RdsErrorCode::kInvalidParameterValue, std::move(message));
}

RdsResult<SourceRef> ParseSourceRef(std::string_view text, std::string_view arn_type,
                                    const std::optional<std::string>& source_region,
                                    std::string_view default_region, std::string_view parameter) {
  if (!text.starts_with("arn:")) {
    return SourceRef{source_region.value_or(std::string(default_region)),
                     CanonicalIdentifier(text)};
  }
  // arn:aws:rds:<region>:<account>:<type>:<identifier>
  const std::vector<std::string_view> parts = Split(text, ':');
  if (parts.size() != 7 || parts[2] != "rds" || !IsRegionName(parts[3]) || parts[5] != arn_type) {
    return InvalidValue("The parameter " + std::string(parameter) + " is not a valid " +
                        std::string(arn_type) + " ARN: " + std::string(text));
  }
  if (source_region && *source_region != parts[3]) {
    return InvalidCombination("The source region " + *source_region +
                              " does not match the region of " + std::string(text));
  }
  return SourceRef{std::string(parts[3]), CanonicalIdentifier(parts[6])};
}

}  // namespace kms::rds
