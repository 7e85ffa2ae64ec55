#include "kms/server/keys/key_service.h"

namespace kms::keys {
namespace internal {
extern const char* const kDefaultKeyPolicy;
extern const char* const kAwsManagedRdsPolicy;
extern const char* const kAwsManagedEbsPolicy;
}  // namespace internal

namespace {
std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  for (size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size()) {
    text.replace(pos, from.size(), to);
  }
  return text;
}
}  // namespace

std::string DefaultKeyPolicy(std::string_view account) {
  return ReplaceAll(internal::kDefaultKeyPolicy, "${account}", account);
}

std::string InstantiatePolicyTemplate(std::string_view policy_template, std::string_view account,
                                      std::string_view region) {
  return ReplaceAll(ReplaceAll(std::string(policy_template), "${account}", account), "${region}",
                    region);
}

std::vector<ManagedKeyTemplate> AwsManagedKeyTemplates() {
  return {
      {"alias/aws/rds",
       "Default key that protects my RDS database volumes when no other key is defined",
       internal::kAwsManagedRdsPolicy},
      {"alias/aws/ebs", "Default key that protects my EBS volumes when no other key is defined",
       internal::kAwsManagedEbsPolicy},
  };
}

}  // namespace kms::keys
