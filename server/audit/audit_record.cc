#include "audit_record.h"

#include <zstd.h>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>

#include "audit_store.h"
#include "record_dictionary.h"

namespace kms::audit {
namespace {

// Version 1 holds the body (lookup attributes, resources, record JSON) as is;
// version 2 compressed with zstd and kRecordDictionaryV1 (the body of a
// GenerateDataKey record, 1.3 KB, takes ~300 bytes).
constexpr char kPlainRecord = 1;
constexpr char kCompressedRecord = 2;
// Versions 3 and 4 hold the compact event instead (compressed, plain).
constexpr char kCompressedCompactRecord = 3;
constexpr char kPlainCompactRecord = 4;
// Compact event flags.
constexpr uint8_t kServiceEvent = 1;
constexpr uint8_t kHasTlsDetails = 2;
// A resource count above this is malformed (it would not fit in a record).
constexpr uint32_t kMaxResources = 1 << 16;
// A body that would decompress to more than this is malformed.
constexpr unsigned long long kMaxBody = 16 << 20;
// One of zstd's fast levels: with the dictionary doing most of the work, a
// GenerateDataKey record of 1.1 KB takes 289 bytes in 1.6 us (level 1: 223
// bytes in 4.7 us; no dictionary: 1,039 bytes in 2 us).
constexpr int kCompressionLevel = -5;

// The dictionary, prepared once and shared by every thread (read-only). It
// does not start with zstd's dictionary magic, so zstd takes it as raw
// content.
const ZSTD_CDict& CompressionDictionary() {
  static ZSTD_CDict* const kDictionary =
      ZSTD_createCDict(kRecordDictionaryV1.data(), kRecordDictionaryV1.size(), kCompressionLevel);
  return *kDictionary;
}
const ZSTD_DDict& DecompressionDictionary() {
  static ZSTD_DDict* const kDictionary =
      ZSTD_createDDict(kRecordDictionaryV1.data(), kRecordDictionaryV1.size());
  return *kDictionary;
}

// `body` compressed with the dictionary, or nullopt if zstd fails.
std::optional<std::string> Compress(std::string_view body) {
  // Per thread, freed when the thread ends.
  thread_local const std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> kContext(ZSTD_createCCtx(),
                                                                                 &ZSTD_freeCCtx);
  std::string out(ZSTD_compressBound(body.size()), '\0');
  const size_t size = ZSTD_compress_usingCDict(kContext.get(), out.data(), out.size(), body.data(),
                                               body.size(), &CompressionDictionary());
  if (ZSTD_isError(size)) return std::nullopt;
  out.resize(size);
  return out;
}

std::optional<std::string> Decompress(std::string_view compressed) {
  const unsigned long long size = ZSTD_getFrameContentSize(compressed.data(), compressed.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > kMaxBody)
    return std::nullopt;
  thread_local const std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> kContext(ZSTD_createDCtx(),
                                                                                 &ZSTD_freeDCtx);
  std::string out(size, '\0');
  const size_t got =
      ZSTD_decompress_usingDDict(kContext.get(), out.data(), out.size(), compressed.data(),
                                 compressed.size(), &DecompressionDictionary());
  if (ZSTD_isError(got) || got != size) return std::nullopt;
  return out;
}

void AppendString(std::string& out, std::string_view s) {
  AppendUint32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

// Reads fields front to back; any short read makes the reader fail for good.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : rest_(bytes) {}

  std::optional<std::string_view> Take(size_t n) {
    if (!ok_ || rest_.size() < n) {
      ok_ = false;
      return std::nullopt;
    }
    std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return out;
  }
  uint64_t Uint64() { return Fixed(8).value_or(0); }
  uint32_t Uint32() { return static_cast<uint32_t>(Fixed(4).value_or(0)); }
  uint8_t Byte() { return static_cast<uint8_t>(Fixed(1).value_or(0)); }
  std::string String() {
    const uint32_t size = Uint32();
    return std::string(Take(size).value_or(std::string_view()));
  }
  bool ok() const { return ok_; }
  size_t left() const { return rest_.size(); }
  // All fields read, and nothing left over.
  bool Done() const { return ok_ && rest_.empty(); }

 private:
  std::optional<uint64_t> Fixed(size_t n) {
    std::optional<std::string_view> bytes = Take(n);
    if (!bytes) return std::nullopt;
    return ReadBigEndian(*bytes);
  }

  std::string_view rest_;
  bool ok_ = true;
};

// The fields after the fixed header: the lookup attributes, the resources
// and the record JSON.
std::string EncodeBody(const AuditEntry& entry) {
  std::string out;
  out.reserve(64 + entry.record_json.size() + entry.event_id.size() + entry.event_name.size() +
              entry.event_source.size() + entry.username.size() + entry.access_key_id.size() +
              entry.account_id.size() + entry.region.size() + 96 * entry.resources.size());
  for (std::string_view s : {std::string_view(entry.event_id), std::string_view(entry.event_name),
                             std::string_view(entry.event_source), std::string_view(entry.username),
                             std::string_view(entry.access_key_id),
                             std::string_view(entry.account_id), std::string_view(entry.region)}) {
    AppendString(out, s);
  }
  AppendUint32(out, static_cast<uint32_t>(entry.resources.size()));
  for (const AuditResource& resource : entry.resources) {
    AppendString(out, resource.type);
    AppendString(out, resource.name);
  }
  AppendString(out, entry.record_json);
  return out;
}

// Reads what EncodeBody wrote, to the end of `reader`; false if malformed.
bool DecodeBody(Reader& reader, AuditEntry& e) {
  for (std::string* s : {&e.event_id, &e.event_name, &e.event_source, &e.username, &e.access_key_id,
                         &e.account_id, &e.region}) {
    *s = reader.String();
  }
  const uint32_t resources = reader.Uint32();
  if (resources > kMaxResources) return false;
  for (uint32_t i = 0; i < resources && reader.ok(); ++i) {
    AuditResource resource;
    resource.type = reader.String();
    resource.name = reader.String();
    e.resources.push_back(std::move(resource));
  }
  e.record_json = reader.String();
  return reader.Done();
}

// The strings of a compact event `e` with principal `p` (const or not), in
// their stored order.
auto CompactStrings(auto& e, auto& p) {
  return std::array{&e.event_name,
                    &e.event_source,
                    &e.region,
                    &e.access_key_id,
                    &e.source_ip_address,
                    &e.user_agent,
                    &e.invoked_by,
                    &e.request_parameters,
                    &e.response_elements,
                    &e.additional_event_data,
                    &e.error_code,
                    &e.error_message,
                    &e.request_id,
                    &e.event_id,
                    &e.recipient_account_id,
                    &p.account,
                    &p.arn,
                    &p.principal_arn,
                    &p.principal_id,
                    &p.user_name,
                    &p.session_name};
}

// The strings of a record's tlsDetails, in their stored order.
auto TlsStrings(auto& tls) {
  return std::array{&tls.tls_version, &tls.cipher_suite, &tls.client_provided_host_header};
}

// Reads what EncodeCompactEvent wrote, to the end of `reader`, with the
// header's event time and read-only flag; nullopt if malformed.
std::optional<CloudTrailEvent> DecodeCompactEvent(Reader& reader, EpochMillis event_time,
                                                  bool read_only) {
  CloudTrailEvent e;
  e.event_time = event_time;
  e.read_only = read_only;
  const uint8_t flags = reader.Byte();
  const uint8_t type = reader.Byte();
  if (flags > (kServiceEvent | kHasTlsDetails) ||
      type > static_cast<uint8_t>(PrincipalType::kAwsService)) {
    return std::nullopt;
  }
  e.service_event = (flags & kServiceEvent) != 0;
  e.principal.type = static_cast<PrincipalType>(type);
  e.session_creation_time = static_cast<EpochMillis>(reader.Uint64());
  for (std::string* s : CompactStrings(e, e.principal)) *s = reader.String();
  const uint32_t resources = reader.Uint32();
  if (resources > kMaxResources) return std::nullopt;
  for (uint32_t i = 0; i < resources && reader.ok(); ++i)
    e.resource_arns.push_back(reader.String());
  if ((flags & kHasTlsDetails) != 0) {
    for (std::string* s : TlsStrings(e.tls_details.emplace())) *s = reader.String();
  }
  if (!reader.Done()) return std::nullopt;
  return e;
}

// The entry of a compact record: its lookup attributes, the compact event,
// and when asked for, the JSON rendered from it; false if malformed.
bool DecodeCompactBody(std::string_view body, RecordJson json, AuditEntry& entry) {
  Reader reader(body);
  const std::optional<CloudTrailEvent> event =
      DecodeCompactEvent(reader, entry.event_time, entry.read_only);
  if (!event) return false;
  entry = LookupAttributesOf(*event);
  entry.compact_event = std::string(body);
  if (json == RecordJson::kNotNeeded) return true;
  StatusOr<std::string> rendered = BuildCloudTrailRecord(*event);
  if (!rendered) return false;
  entry.record_json = std::move(*rendered);
  return true;
}

}  // namespace

std::string EncodeCompactEvent(const CloudTrailEvent& event) {
  // Kept one byte past the cut, so that rendering cuts them as it would.
  const auto recorded = [](std::string_view text) { return text.substr(0, kMaxRecordedText + 1); };
  const Principal& principal = event.principal;
  size_t size = 32;
  for (const std::string* s : CompactStrings(event, principal)) size += 4 + s->size();
  for (const std::string& arn : event.resource_arns) size += 4 + arn.size();
  std::string out;
  out.reserve(size);
  out.push_back(static_cast<char>((event.service_event ? kServiceEvent : 0) |
                                  (event.tls_details ? kHasTlsDetails : 0)));
  out.push_back(static_cast<char>(principal.type));
  out.append(EncodeUint64(static_cast<uint64_t>(event.session_creation_time)));
  for (const std::string* s : CompactStrings(event, principal)) {
    const bool cut = s == &event.user_agent || s == &event.error_message;
    AppendString(out, cut ? recorded(*s) : std::string_view(*s));
  }
  AppendUint32(out, static_cast<uint32_t>(event.resource_arns.size()));
  for (const std::string& arn : event.resource_arns) AppendString(out, arn);
  if (event.tls_details) {
    for (const std::string* s : TlsStrings(*event.tls_details)) AppendString(out, *s);
  }
  return out;
}

std::string EncodeStoredRecord(uint64_t sequence, const crypto::Sha256Digest& previous_hash,
                               const AuditEntry& entry) {
  const bool compact = !entry.compact_event.empty();
  const std::string body = compact ? std::string() : EncodeBody(entry);
  const std::string_view stored_body = compact ? std::string_view(entry.compact_event) : body;
  // A body too large to be read back compressed is stored as it is.
  std::optional<std::string> compressed;
  if (stored_body.size() <= kMaxBody) compressed = Compress(stored_body);
  std::string out;
  out.reserve(64 + (compressed ? compressed->size() : stored_body.size()));
  if (compact) {
    out.push_back(compressed ? kCompressedCompactRecord : kPlainCompactRecord);
  } else {
    out.push_back(compressed ? kCompressedRecord : kPlainRecord);
  }
  out.append(EncodeUint64(sequence));
  out.append(reinterpret_cast<const char*>(previous_hash.data()), previous_hash.size());
  out.append(EncodeUint64(static_cast<uint64_t>(entry.event_time)));
  out.push_back(entry.read_only ? 1 : 0);
  out.append(compressed ? std::string_view(*compressed) : stored_body);
  return out;
}

void SetChainFields(std::string& stored, uint64_t sequence,
                    const crypto::Sha256Digest& previous_hash) {
  const std::string sequence_bytes = EncodeUint64(sequence);
  stored.replace(1, sequence_bytes.size(), sequence_bytes);
  stored.replace(1 + sequence_bytes.size(), previous_hash.size(),
                 reinterpret_cast<const char*>(previous_hash.data()), previous_hash.size());
}

StatusOr<StoredRecord> DecodeStoredRecord(std::string_view bytes, RecordJson json) {
  const auto malformed = [] { return Error(Code::kInternal, "audit log: malformed record"); };
  Reader reader(bytes);
  StoredRecord record;
  const char version = static_cast<char>(reader.Byte());
  record.sequence = reader.Uint64();
  const std::string_view hash = reader.Take(record.previous_hash.size()).value_or("");
  std::copy(hash.begin(), hash.end(), record.previous_hash.begin());
  record.entry.event_time = static_cast<EpochMillis>(reader.Uint64());
  const uint8_t read_only = reader.Byte();
  record.entry.read_only = read_only == 1;
  if (!reader.ok() || read_only > 1) return malformed();
  const std::string_view rest = reader.Take(reader.left()).value_or("");
  std::optional<std::string> decompressed;
  if (version == kCompressedRecord || version == kCompressedCompactRecord) {
    decompressed = Decompress(rest);
    if (!decompressed) return malformed();
  }
  const std::string_view body = decompressed ? std::string_view(*decompressed) : rest;
  if (version == kPlainRecord || version == kCompressedRecord) {
    Reader body_reader(body);
    if (!DecodeBody(body_reader, record.entry)) return malformed();
  } else if (version == kPlainCompactRecord || version == kCompressedCompactRecord) {
    if (!DecodeCompactBody(body, json, record.entry)) return malformed();
  } else {
    return malformed();
  }
  return record;
}

crypto::Sha256Digest RecordHash(std::string_view stored_bytes) {
  return crypto::Sha256(AsBytes(stored_bytes));
}

}  // namespace kms::audit
