#include "audit_store.h"

#include <utility>

namespace kms::audit {
namespace {

constexpr std::string_view kFormatKey = "format";
constexpr std::string_view kFormat = "kmsd-audit-1";
// The log's 3 and the key store's 7, with room to spare: read-only tools open
// the environment the server shares with its key store.
constexpr unsigned kMaxDatabases = 16;

}  // namespace

StatusOr<std::unique_ptr<AuditStore>> AuditStore::Open(const std::string& directory,
                                                       size_t map_size, bool read_only) {
  auto env = lmdb::Env::Open(lmdb::EnvOptions{directory, map_size, kMaxDatabases, read_only});
  if (!env) {
    if (env.error().code() == Code::kNotFound)
      return Error(Code::kNotFound, "audit log: no log in " + directory);
    return std::unexpected(env.error());
  }
  std::unique_ptr<AuditStore> store(new AuditStore(std::move(*env)));
  KMS_RETURN_IF_ERROR(store->OpenDatabases(read_only));
  return store;
}

StatusOr<std::unique_ptr<AuditStore>> AuditStore::Attach(std::shared_ptr<lmdb::Env> env) {
  std::unique_ptr<AuditStore> store(new AuditStore(std::move(env)));
  KMS_RETURN_IF_ERROR(store->OpenDatabases(/*read_only=*/false));
  return store;
}

std::string AuditStore::directory() const {
  const char* path = nullptr;
  return mdb_env_get_path(env_->get(), &path) == 0 && path != nullptr ? path : "";
}

Status AuditStore::OpenDatabases(bool read_only) {
  KMS_ASSIGN_OR_RETURN(records_, env_->OpenDb("records", 0));
  KMS_ASSIGN_OR_RETURN(index_, env_->OpenDb("index", MDB_DUPSORT | MDB_DUPFIXED));
  KMS_ASSIGN_OR_RETURN(meta_, env_->OpenDb("meta", 0));
  KMS_ASSIGN_OR_RETURN(Txn txn, read_only ? BeginRead() : BeginWrite());
  KMS_ASSIGN_OR_RETURN(std::optional<std::string_view> format, txn.Get(meta_, kFormatKey));
  if (format && *format != kFormat) {
    return Error(Code::kInternal, "audit log: unknown format " + std::string(*format));
  }
  if (!format && !read_only) KMS_RETURN_IF_ERROR(txn.Put(meta_, kFormatKey, kFormat));
  return txn.Commit();
}

void AppendUint32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

std::string EncodeUint64(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(value & 0xFF);
    value >>= 8;
  }
  return out;
}

std::optional<uint64_t> DecodeUint64(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  return ReadBigEndian(bytes);
}

uint64_t ReadBigEndian(std::string_view bytes) {
  uint64_t value = 0;
  for (const char c : bytes) value = (value << 8) | static_cast<uint8_t>(c);
  return value;
}

}  // namespace kms::audit
