// Errors as values: kms::Status (a code and a message) and kms::StatusOr<T>.
//
// Codes are named after the KMS (and CloudTrail / SigV4) errors they become on
// the wire; only server/api/errors.cc maps them to an HTTP status and __type.
// Messages are sent to clients verbatim, so they never contain plaintext, key
// bytes or full ciphertexts.
#ifndef KMS_STATUS_H_
#define KMS_STATUS_H_

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace kms {

enum class Code {
  kOk = 0,
  // KMS model errors.
  kNotFound,
  kAlreadyExists,
  kDisabled,
  kInvalidState,  // KMSInvalidStateException
  kInvalidCiphertext,
  kIncorrectKey,
  kInvalidKeyUsage,
  kKmsInvalidSignature,  // KMSInvalidSignatureException (Verify)
  kKmsInvalidMac,        // KMSInvalidMacException (VerifyMac)
  kInvalidArn,
  kInvalidMarker,
  kInvalidAliasName,
  kInvalidGrantToken,
  kInvalidGrantId,
  kLimitExceeded,
  kUnsupportedOperation,
  kMalformedPolicyDocument,
  kTag,     // TagException
  kDryRun,  // DryRunOperationException
  kKeyUnavailable,
  kDependencyTimeout,
  kCustomKeyStoreNotFound,
  kCloudHsmClusterNotFound,
  kXksProxyUriUnreachable,
  kInvalidImportToken,
  kExpiredImportToken,
  kIncorrectKeyMaterial,
  kInternal,   // KMSInternalException
  kStoreFull,  // KMSInternalException: a store (the audit log) has no room left
  // Errors outside the KMS model.
  kAccessDenied,
  kNotAuthorized,  // NotAuthorizedException (reserved alias names)
  kValidation,
  kSerialization,
  kUnknownOperation,
  kThrottling,
  // SigV4 / authentication.
  kUnrecognizedClient,
  kInvalidSignature,
  kIncompleteSignature,
  kMissingAuthenticationToken,
  // CloudTrail LookupEvents.
  kInvalidLookupAttributes,
  kInvalidTimeRange,
  kInvalidMaxResults,
  kInvalidNextToken,
  kInvalidEventCategory,
  kCloudTrailAccessNotEnabled,
};

// The wire name of a code, e.g. "NotFoundException". Defined in status.cc.
std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  // Lets `return Error(...)` and `return std::unexpected(status)` work in
  // functions returning Status as well as StatusOr<T>.
  Status(std::unexpected<Status> error) : Status(std::move(error.error())) {}  // NOLINT

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }

template <class T>
using StatusOr = std::expected<T, Status>;

// An error for `return` in a function returning Status or StatusOr<T>.
inline std::unexpected<Status> Error(Code code, std::string message = {}) {
  return std::unexpected<Status>(Status(code, std::move(message)));
}

namespace internal {
inline Status AsStatus(Status status) { return status; }
template <class T>
Status AsStatus(const StatusOr<T>& value) {
  return value ? Status() : value.error();
}
}  // namespace internal

}  // namespace kms

// The macros below paste names (tmp) and declarations (lhs: "auto x"), which
// parentheses would break.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define KMS_CONCAT_INNER_(a, b) a##b
#define KMS_CONCAT_(a, b) KMS_CONCAT_INNER_(a, b)

// Returns the error of `expr` (a Status or a StatusOr<T>) from the enclosing function.
#define KMS_RETURN_IF_ERROR(expr) \
  KMS_RETURN_IF_ERROR_IMPL_(KMS_CONCAT_(kms_status_, __COUNTER__), expr)
#define KMS_RETURN_IF_ERROR_IMPL_(tmp, expr)                 \
  do {                                                       \
    ::kms::Status tmp = ::kms::internal::AsStatus((expr));   \
    if (!tmp.ok()) return ::std::unexpected(std::move(tmp)); \
  } while (0)

// `lhs = value of expr` (a StatusOr<T>), or returns its error.
#define KMS_ASSIGN_OR_RETURN(lhs, expr) \
  KMS_ASSIGN_OR_RETURN_IMPL_(KMS_CONCAT_(kms_status_or_, __COUNTER__), lhs, expr)
#define KMS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)            \
  auto tmp = (expr);                                          \
  if (!tmp) return ::std::unexpected(std::move(tmp).error()); \
  lhs = std::move(*tmp)
// NOLINTEND(bugprone-macro-parentheses)

// Aborts with a message when an invariant is broken. Never for input checks.
#define KMS_CHECK(cond)                                                   \
  do {                                                                    \
    if (!(cond)) ::kms::internal::CheckFailed(#cond, __FILE__, __LINE__); \
  } while (0)

namespace kms::internal {
[[noreturn]] void CheckFailed(const char* condition, const char* file, int line);
}  // namespace kms::internal

#endif  // KMS_STATUS_H_
