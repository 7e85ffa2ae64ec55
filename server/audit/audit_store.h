// The LMDB environment of an audit log (on the shared LMDB layer,
// server/store/lmdb.h). Internal to server/audit.
//
// Databases:
//   records  8-byte big-endian sequence -> EncodeStoredRecord() bytes
//   index    IndexKey() -> 16-byte IndexPosition values (MDB_DUPSORT|MDB_DUPFIXED),
//            so every key's values are sorted by event time, then sequence
//   meta     "head", "checkpoint" (signed chain links), "bytes" (stored record
//            bytes, 8-byte big-endian), "format"
#ifndef KMS_SERVER_AUDIT_AUDIT_STORE_H_
#define KMS_SERVER_AUDIT_AUDIT_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "kms/server/store/lmdb.h"
#include "kms/status.h"

namespace kms::audit {

using lmdb::Cursor;
using lmdb::FromVal;
using lmdb::ToVal;
using lmdb::Txn;

class AuditStore {
 public:
  // Opens the environment in `directory` (created with mode 0700 unless
  // read-only). kNotFound when a read-only store does not exist.
  static StatusOr<std::unique_ptr<AuditStore>> Open(const std::string& directory, size_t map_size,
                                                    bool read_only);
  // Opens the log's databases in `env`, an environment open for writing.
  static StatusOr<std::unique_ptr<AuditStore>> Attach(std::shared_ptr<lmdb::Env> env);

  StatusOr<Txn> BeginRead() const { return env_->BeginRead(); }
  StatusOr<Txn> BeginWrite() const { return env_->BeginWrite(); }

  MDB_dbi records() const { return records_; }
  MDB_dbi index() const { return index_; }
  MDB_dbi meta() const { return meta_; }
  // The longest key (and DUPSORT value) LMDB accepts.
  size_t max_key_size() const { return env_->max_key_size(); }
  StatusOr<lmdb::Env::Usage> CurrentUsage() const { return env_->CurrentUsage(); }
  // The environment's directory.
  std::string directory() const;
  // Whether `txn` is a transaction of this store's environment.
  bool Holds(const Txn& txn) const { return mdb_txn_env(txn.get()) == env_->get(); }

 private:
  explicit AuditStore(std::shared_ptr<lmdb::Env> env) : env_(std::move(env)) {}
  Status OpenDatabases(bool read_only);

  std::shared_ptr<lmdb::Env> env_;
  MDB_dbi records_ = 0;
  MDB_dbi index_ = 0;
  MDB_dbi meta_ = 0;
};

// Big-endian 8-byte integers, as keys and meta values.
std::string EncodeUint64(uint64_t value);
// Appends `value` as 4 big-endian bytes (lengths and counts in records and
// journal frames).
void AppendUint32(std::string& out, uint32_t value);
// nullopt unless `bytes` is exactly 8 bytes.
std::optional<uint64_t> DecodeUint64(std::string_view bytes);
// The big-endian integer in `bytes` (at most 8 of them).
uint64_t ReadBigEndian(std::string_view bytes);

}  // namespace kms::audit

#endif  // KMS_SERVER_AUDIT_AUDIT_STORE_H_
