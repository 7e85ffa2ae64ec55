#include "audit_chain.h"

#include <algorithm>
#include <string>
#include <string_view>

namespace kms::audit {
namespace {

constexpr std::string_view kStoredBytesKey = "bytes";
constexpr std::string_view kKeyCheckKey = "key_check";
constexpr std::string_view kJournalAppliedKey = "journal";
constexpr size_t kSignedLinkSize = 8 + 32 + 32;

// A count in meta (0 when absent); kInternal "audit log: malformed `what`".
StatusOr<uint64_t> ReadCount(const Txn& txn, const AuditStore& store, std::string_view key,
                             std::string_view what) {
  KMS_ASSIGN_OR_RETURN(std::optional<std::string_view> value, txn.Get(store.meta(), key));
  if (!value) return uint64_t{0};
  std::optional<uint64_t> count = DecodeUint64(*value);
  if (!count) return Error(Code::kInternal, "audit log: malformed " + std::string(what));
  return *count;
}

std::string_view MetaKey(LinkKind kind) { return kind == LinkKind::kHead ? "head" : "checkpoint"; }

std::string_view SignatureLabel(LinkKind kind) {
  return kind == LinkKind::kHead ? "kmsd-audit-head-v1" : "kmsd-audit-checkpoint-v1";
}

// sequence (8 bytes BE) || hash (32).
std::string LinkBytes(const ChainLink& link) {
  std::string out = EncodeUint64(link.sequence);
  out.append(reinterpret_cast<const char*>(link.hash.data()), link.hash.size());
  return out;
}

crypto::Sha256Digest Sign(LinkKind kind, std::string_view link_bytes, ByteView key) {
  std::string message(SignatureLabel(kind));
  message.push_back('\0');
  message.append(link_bytes);
  return crypto::HmacSha256(key, AsBytes(message));
}

}  // namespace

StatusOr<std::optional<ChainLink>> ReadLink(const Txn& txn, const AuditStore& store, LinkKind kind,
                                            ByteView key) {
  KMS_ASSIGN_OR_RETURN(std::optional<std::string_view> value, txn.Get(store.meta(), MetaKey(kind)));
  if (!value) return std::optional<ChainLink>();
  const std::string name(MetaKey(kind));
  if (value->size() != kSignedLinkSize) {
    return Error(Code::kInternal, "audit log: malformed " + name);
  }
  const std::string_view link_bytes = value->substr(0, 40);
  const crypto::Sha256Digest expected = Sign(kind, link_bytes, key);
  if (!ConstantTimeEquals(expected, AsBytes(value->substr(40)))) {
    return Error(Code::kInternal, "audit log: the " + name + " signature does not verify");
  }
  ChainLink link;
  link.sequence = *DecodeUint64(link_bytes.substr(0, 8));
  std::copy(link_bytes.begin() + 8, link_bytes.end(), link.hash.begin());
  return std::optional<ChainLink>(link);
}

Status WriteLink(Txn& txn, const AuditStore& store, LinkKind kind, const ChainLink& link,
                 ByteView key) {
  std::string value = LinkBytes(link);
  const crypto::Sha256Digest signature = Sign(kind, value, key);
  value.append(reinterpret_cast<const char*>(signature.data()), signature.size());
  return txn.Put(store.meta(), MetaKey(kind), value);
}

StatusOr<ChainLink> ReadChainEnd(const Txn& txn, const AuditStore& store, ByteView key) {
  KMS_ASSIGN_OR_RETURN(std::optional<ChainLink> head, ReadLink(txn, store, LinkKind::kHead, key));
  if (head) return *head;
  KMS_ASSIGN_OR_RETURN(std::optional<ChainLink> checkpoint,
                       ReadLink(txn, store, LinkKind::kCheckpoint, key));
  return checkpoint.value_or(ChainLink());
}

StatusOr<uint64_t> ReadStoredBytes(const Txn& txn, const AuditStore& store) {
  return ReadCount(txn, store, kStoredBytesKey, "byte count");
}

Status WriteStoredBytes(Txn& txn, const AuditStore& store, uint64_t bytes) {
  return txn.Put(store.meta(), kStoredBytesKey, EncodeUint64(bytes));
}

StatusOr<uint64_t> ReadJournalApplied(const Txn& txn, const AuditStore& store) {
  return ReadCount(txn, store, kJournalAppliedKey, "journal position");
}

Status WriteJournalApplied(Txn& txn, const AuditStore& store, uint64_t position) {
  return txn.Put(store.meta(), kJournalAppliedKey, EncodeUint64(position));
}

Status CheckLogKey(Txn& txn, const AuditStore& store, ByteView key, bool record_when_absent) {
  const crypto::Sha256Digest check = crypto::HmacSha256(key, AsBytes("kmsd-audit-key-check-v1"));
  const std::string_view check_bytes(reinterpret_cast<const char*>(check.data()), check.size());
  KMS_ASSIGN_OR_RETURN(std::optional<std::string_view> stored, txn.Get(store.meta(), kKeyCheckKey));
  if (stored) {
    if (ConstantTimeEquals(AsBytes(*stored), AsBytes(check_bytes))) return OkStatus();
    return Error(Code::kInternal,
                 "the root key is not this data directory's: its audit log was signed with "
                 "another root key (check KMSD_ROOT_KEY, or the data directory's root.key)");
  }
  if (!record_when_absent) return OkStatus();
  // A log from before the check gets it once its head verifies with `key`
  // (if it does not, appending refuses and says so).
  if (!ReadChainEnd(txn, store, key)) return OkStatus();
  return txn.Put(store.meta(), kKeyCheckKey, check_bytes);
}

}  // namespace kms::audit
