#include "kms/principal.h"

namespace kms {

std::string_view PrincipalTypeName(PrincipalType type) {
  switch (type) {
    case PrincipalType::kRoot:
      return "Root";
    case PrincipalType::kIamUser:
      return "IAMUser";
    case PrincipalType::kAssumedRole:
      return "AssumedRole";
    case PrincipalType::kAwsService:
      return "AWSService";
  }
  return "Unknown";
}

}  // namespace kms
