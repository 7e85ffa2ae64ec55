// The LMDB environment that holds kmsd's state: the key store's databases and
// the audit log's, in <data_dir>/state, so that a change and its audit record
// commit in one transaction (DESIGN.md §6: no effect without its record).
#ifndef KMS_SERVER_STORE_STATE_ENVIRONMENT_H_
#define KMS_SERVER_STORE_STATE_ENVIRONMENT_H_

#include <cstddef>
#include <memory>
#include <string>

#include "kms/status.h"

namespace kms::lmdb {
class Env;
}  // namespace kms::lmdb

namespace kms::store {

// The state environment's directory under `data_dir`.
std::string StateDirectory(const std::string& data_dir);

// Where the read-only audit tools find the log: the state directory, or, in
// a data directory the server has not moved yet (see OpenStateEnvironment),
// the old <data_dir>/audit.
std::string AuditDirectoryToRead(const std::string& data_dir);

// Opens (creating if needed) <data_dir>/state with room for `map_size` bytes.
// A data directory from before it (the key store in data/keys, the audit log
// in data/audit: two environments) is copied into it at the first start, every
// database and entry as it was, and the old directories are then renamed
// keys.migrated and audit.migrated. The copy is built in state.tmp and renamed
// into place, so an interrupted copy is simply redone. kInternal when LMDB or
// the file system fails. The map starts at `map_size` and grows while kmsd runs
// up to `max_map_size` (each growth logged).
StatusOr<std::shared_ptr<lmdb::Env>> OpenStateEnvironment(const std::string& data_dir,
                                                          size_t map_size, size_t max_map_size = 0);

}  // namespace kms::store

#endif  // KMS_SERVER_STORE_STATE_ENVIRONMENT_H_
