// The LMDB environment of an audit log, and thin RAII wrappers over LMDB
// transactions and cursors that report errors as Status. Internal to
// server/audit.
//
// Databases:
//   records  8-byte big-endian sequence -> EncodeStoredRecord() bytes
//   index    IndexKey() -> 16-byte IndexPosition values (MDB_DUPSORT|MDB_DUPFIXED),
//            so every key's values are sorted by event time, then sequence
//   meta     "head", "checkpoint" (signed chain links), "bytes" (stored record
//            bytes, 8-byte big-endian), "format"
#ifndef KMS_SERVER_AUDIT_AUDIT_STORE_H_
#define KMS_SERVER_AUDIT_AUDIT_STORE_H_

#include <lmdb.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "kms/status.h"

namespace kms::audit {

// kInternal "audit log: <what>: <LMDB message>".
Status LmdbError(int rc, std::string_view what);

inline MDB_val ToVal(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
inline std::string_view FromVal(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

// A transaction; aborted on destruction unless committed. Move-only.
class Txn {
 public:
  Txn() = default;
  Txn(Txn&& other) noexcept : txn_(other.txn_) { other.txn_ = nullptr; }
  Txn& operator=(Txn&& other) noexcept;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn();

  static StatusOr<Txn> Begin(MDB_env* env, bool read_only);

  MDB_txn* get() const { return txn_; }
  // The value under `key` (valid until the transaction ends), or nullopt.
  StatusOr<std::optional<std::string_view>> Get(MDB_dbi dbi, std::string_view key) const;
  Status Put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags = 0);
  // Deletes `key` (with `value` only, for a DUPSORT database); OK when absent.
  Status Delete(MDB_dbi dbi, std::string_view key, std::optional<std::string_view> value = {});
  Status Commit();

 private:
  explicit Txn(MDB_txn* txn) : txn_(txn) {}
  MDB_txn* txn_ = nullptr;
};

// A cursor; closed on destruction, which must come before its transaction
// ends. Move-only.
class Cursor {
 public:
  Cursor(Cursor&& other) noexcept : cursor_(other.cursor_) { other.cursor_ = nullptr; }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  Cursor& operator=(Cursor&&) = delete;
  ~Cursor();

  static StatusOr<Cursor> Open(const Txn& txn, MDB_dbi dbi);
  // mdb_cursor_get: 0, MDB_NOTFOUND or another LMDB error code.
  int Get(MDB_val* key, MDB_val* value, MDB_cursor_op op) {
    return mdb_cursor_get(cursor_, key, value, op);
  }
  MDB_cursor* get() const { return cursor_; }

 private:
  explicit Cursor(MDB_cursor* cursor) : cursor_(cursor) {}
  MDB_cursor* cursor_ = nullptr;
};

class AuditStore {
 public:
  // Opens the environment in `directory` (created with mode 0700 unless
  // read-only). kNotFound when a read-only store does not exist.
  static StatusOr<std::unique_ptr<AuditStore>> Open(const std::string& directory, size_t map_size,
                                                    bool read_only);
  ~AuditStore();
  AuditStore(const AuditStore&) = delete;
  AuditStore& operator=(const AuditStore&) = delete;

  StatusOr<Txn> BeginRead() const { return Txn::Begin(env_, /*read_only=*/true); }
  StatusOr<Txn> BeginWrite() const { return Txn::Begin(env_, /*read_only=*/false); }

  MDB_dbi records() const { return records_; }
  MDB_dbi index() const { return index_; }
  MDB_dbi meta() const { return meta_; }
  // The longest key (and DUPSORT value) LMDB accepts.
  size_t max_key_size() const { return max_key_size_; }

 private:
  explicit AuditStore(MDB_env* env) : env_(env) {}
  Status OpenDatabases(bool read_only);

  MDB_env* env_;
  MDB_dbi records_ = 0;
  MDB_dbi index_ = 0;
  MDB_dbi meta_ = 0;
  size_t max_key_size_ = 0;
};

// Big-endian 8-byte integers, as keys and meta values.
std::string EncodeUint64(uint64_t value);
// nullopt unless `bytes` is exactly 8 bytes.
std::optional<uint64_t> DecodeUint64(std::string_view bytes);
// The big-endian integer in `bytes` (at most 8 of them).
uint64_t ReadBigEndian(std::string_view bytes);

}  // namespace kms::audit

#endif  // KMS_SERVER_AUDIT_AUDIT_STORE_H_
