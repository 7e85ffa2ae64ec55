// Errors of the RDS volume client, named as Amazon RDS names them
// (InvalidParameterCombination, KMSKeyNotAccessibleFault, ...), plus the
// local failures the AWS CLI reports without a service error code.
//
// kms::Status carries KMS codes only, so the RDS layer has its own error
// value with the same shape; RdsResult<T> works with KMS_ASSIGN_OR_RETURN.
#ifndef KMS_CLIENT_RDS_ERROR_H_
#define KMS_CLIENT_RDS_ERROR_H_

#include <expected>
#include <string>
#include <string_view>
#include <utility>

#include "kms/status.h"

namespace kms::rds {

enum class RdsErrorCode {
  // Service errors (RDS's error codes): the CLI exits with 254.
  kInvalidParameterValue,
  kInvalidParameterCombination,
  kKmsKeyNotAccessible,  // KMSKeyNotAccessibleFault
  kInvalidDbInstanceState,
  kInvalidDbClusterState,  // InvalidDBClusterStateFault
  kDbInstanceNotFound,
  kDbInstanceAlreadyExists,
  kDbClusterNotFound,
  kDbClusterAlreadyExists,
  kDbSnapshotNotFound,
  kDbSnapshotAlreadyExists,
  kDbClusterSnapshotNotFound,
  kDbClusterSnapshotAlreadyExists,
  // Local failures (no service code): the CLI exits with 255 or 253.
  kEndpointUnreachable,  // kmsd could not be reached
  kMissingCredentials,   // user or service credentials not configured
  kLocal,                // state directory or volume file I/O, corrupt state
};

// The RDS error code as the AWS CLI prints it ("KMSKeyNotAccessibleFault");
// empty for local failures.
std::string_view RdsErrorName(RdsErrorCode code);

class [[nodiscard]] RdsError {
 public:
  RdsError(RdsErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  RdsErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  bool is_service_error() const { return !RdsErrorName(code_).empty(); }
  // "InvalidParameterCombination: <message>", or the message alone.
  std::string ToString() const;

  friend bool operator==(const RdsError&, const RdsError&) = default;

 private:
  RdsErrorCode code_;
  std::string message_;
};

template <class T>
using RdsResult = std::expected<T, RdsError>;

inline std::unexpected<RdsError> Fail(RdsErrorCode code, std::string message) {
  return std::unexpected<RdsError>(RdsError(code, std::move(message)));
}

// A local failure (kLocal) from a Status of the state store or volume layer.
std::unexpected<RdsError> LocalFailure(const Status& status);

// Turns StatusOr<T> from a lower layer into RdsResult<T> (errors: kLocal).
template <class T>
RdsResult<T> Local(StatusOr<T> value) {
  if (!value) return LocalFailure(value.error());
  return std::move(*value);
}
inline RdsResult<void> Local(const Status& status) {
  if (!status.ok()) return LocalFailure(status);
  return {};
}

}  // namespace kms::rds

#endif  // KMS_CLIENT_RDS_ERROR_H_
