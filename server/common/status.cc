#include "kms/status.h"

#include <cstdio>
#include <cstdlib>

namespace kms {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kNotFound:
      return "NotFoundException";
    case Code::kAlreadyExists:
      return "AlreadyExistsException";
    case Code::kDisabled:
      return "DisabledException";
    case Code::kInvalidState:
      return "KMSInvalidStateException";
    case Code::kInvalidCiphertext:
      return "InvalidCiphertextException";
    case Code::kIncorrectKey:
      return "IncorrectKeyException";
    case Code::kKmsInvalidSignature:
      return "KMSInvalidSignatureException";
    case Code::kKmsInvalidMac:
      return "KMSInvalidMacException";
    case Code::kInvalidKeyUsage:
      return "InvalidKeyUsageException";
    case Code::kInvalidArn:
      return "InvalidArnException";
    case Code::kInvalidMarker:
      return "InvalidMarkerException";
    case Code::kInvalidAliasName:
      return "InvalidAliasNameException";
    case Code::kInvalidGrantToken:
      return "InvalidGrantTokenException";
    case Code::kInvalidGrantId:
      return "InvalidGrantIdException";
    case Code::kLimitExceeded:
      return "LimitExceededException";
    case Code::kUnsupportedOperation:
      return "UnsupportedOperationException";
    case Code::kMalformedPolicyDocument:
      return "MalformedPolicyDocumentException";
    case Code::kTag:
      return "TagException";
    case Code::kDryRun:
      return "DryRunOperationException";
    case Code::kKeyUnavailable:
      return "KeyUnavailableException";
    case Code::kDependencyTimeout:
      return "DependencyTimeoutException";
    case Code::kCustomKeyStoreNotFound:
      return "CustomKeyStoreNotFoundException";
    case Code::kCloudHsmClusterNotFound:
      return "CloudHsmClusterNotFoundException";
    case Code::kXksProxyUriUnreachable:
      return "XksProxyUriUnreachableException";
    case Code::kInvalidImportToken:
      return "InvalidImportTokenException";
    case Code::kExpiredImportToken:
      return "ExpiredImportTokenException";
    case Code::kIncorrectKeyMaterial:
      return "IncorrectKeyMaterialException";
    case Code::kInternal:
    case Code::kStoreFull:
      return "KMSInternalException";
    case Code::kAccessDenied:
      return "AccessDeniedException";
    case Code::kNotAuthorized:
      return "NotAuthorizedException";
    case Code::kValidation:
      return "ValidationException";
    case Code::kSerialization:
      return "SerializationException";
    case Code::kUnknownOperation:
      return "UnknownOperationException";
    case Code::kThrottling:
      return "ThrottlingException";
    case Code::kUnrecognizedClient:
      return "UnrecognizedClientException";
    case Code::kInvalidSignature:
      return "InvalidSignatureException";
    case Code::kIncompleteSignature:
      return "IncompleteSignatureException";
    case Code::kMissingAuthenticationToken:
      return "MissingAuthenticationTokenException";
    case Code::kInvalidLookupAttributes:
      return "InvalidLookupAttributesException";
    case Code::kInvalidTimeRange:
      return "InvalidTimeRangeException";
    case Code::kInvalidMaxResults:
      return "InvalidMaxResultsException";
    case Code::kInvalidNextToken:
      return "InvalidNextTokenException";
    case Code::kInvalidEventCategory:
      return "InvalidEventCategoryException";
    case Code::kCloudTrailAccessNotEnabled:
      return "CloudTrailAccessNotEnabledException";
  }
  return "KMSInternalException";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(CodeName(code_));
  if (!message_.empty()) out.append(": ").append(message_);
  return out;
}

namespace internal {
void CheckFailed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "KMS_CHECK failed: %s at %s:%d\n", condition, file, line);
  std::abort();
}
}  // namespace internal

}  // namespace kms
