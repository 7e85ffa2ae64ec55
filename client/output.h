// rds-volume's JSON output, shaped as the AWS CLI prints RDS's answers
// (DBInstance, DBCluster, DBSnapshot, ...), with two additions of ours:
// "VolumeId" and, for an inaccessible database, "StatusReason".
// Internal to client/.
#ifndef KMS_CLIENT_OUTPUT_H_
#define KMS_CLIENT_OUTPUT_H_

#include <string>
#include <vector>

#include "kms/client/rds_state.h"

namespace kms::rds::cli {

// {"DBInstance": {...}} or {"DBCluster": {...}}; `status_override` replaces
// the status ("deleting" after a delete).
std::string DatabaseJson(const Database& database, std::string_view status_override = {});
// {"DBInstances": [...]} or {"DBClusters": [...]}.
std::string DatabaseListJson(ResourceKind kind, const std::vector<Database>& databases);
// {"DBSnapshot": {...}} or {"DBClusterSnapshot": {...}}.
std::string SnapshotJson(const Snapshot& snapshot);
// {"DBSnapshots": [...]} or {"DBClusterSnapshots": [...]}.
std::string SnapshotListJson(ResourceKind kind, const std::vector<Snapshot>& snapshots);
// {"DBSnapshotAttributesResult": {...}} (or the cluster form).
std::string SnapshotAttributesJson(const Snapshot& snapshot);

}  // namespace kms::rds::cli

#endif  // KMS_CLIENT_OUTPUT_H_
