// Identifiers of the RDS volume client: the random resource ids RDS and EBS
// assign, and the checks on identifiers users choose.
#ifndef KMS_CLIENT_RDS_IDS_H_
#define KMS_CLIENT_RDS_IDS_H_

#include <string>
#include <string_view>

namespace kms::rds {

// "db-" + 26 uppercase letters and digits, as a DbiResourceId.
std::string NewDbResourceId();
// "cluster-" + 26 uppercase letters and digits, as a DbClusterResourceId.
std::string NewClusterResourceId();
// "vol-" + 17 lowercase hex digits, as an EBS volume id.
std::string NewVolumeId();

bool IsDbResourceId(std::string_view id);
bool IsClusterResourceId(std::string_view id);
bool IsVolumeId(std::string_view id);

// RDS's rule for instance, cluster and snapshot identifiers: 1 to 63 ASCII
// letters, digits and hyphens, starting with a letter, without a trailing
// hyphen or two consecutive hyphens. (They are also safe as file names.)
bool IsValidIdentifier(std::string_view identifier);

// Identifiers are stored in lowercase, as RDS stores them.
std::string CanonicalIdentifier(std::string_view identifier);

// An AWS region name: "us-east-1", "us-gov-west-1" (letters and hyphens,
// then a hyphen and digits).
bool IsRegionName(std::string_view region);

// A 12-digit AWS account id.
bool IsAccountId(std::string_view text);

}  // namespace kms::rds

#endif  // KMS_CLIENT_RDS_IDS_H_
