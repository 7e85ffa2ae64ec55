// Fuzz target for the audit journal's frames (server/audit/audit_journal.h):
// what kmsd replays at start and the read-only tools read. Each input is
// laid into a journal twice: as it is, at the ring's start, and as the
// payload of a frame signed with the journal's key (so that the fuzzer gets
// past the MAC), its record count from the first byte.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "kms/crypto.h"
#include "server/audit/audit_journal.h"
#include "server/audit/audit_store.h"

namespace {

constexpr uint64_t kSize = uint64_t{1} << 20;
const kms::SecretBytes kKey(kms::AsBytes("journal fuzz key, 32 bytes long!"));

char directory[64];

void RemoveJournal() {
  ::unlink((std::string(directory) + "/audit-journal").c_str());
  ::rmdir(directory);
}

// In memory where there is /dev/shm: each round trip syncs.
std::string JournalPath() {
  for (const char* base : {"/dev/shm", "/tmp"}) {
    std::snprintf(directory, sizeof(directory), "%s/audit-journal-fuzz-XXXXXX", base);
    if (::mkdtemp(directory) != nullptr) {
      std::atexit(RemoveJournal);
      return std::string(directory) + "/audit-journal";
    }
  }
  KMS_CHECK(false);
  return "";
}

// A frame at position 0 with `count` records claimed and `payload`, signed.
std::string SignedFrame(uint32_t count, std::string_view payload) {
  std::string rest = "KAJ1";
  for (int shift = 24; shift >= 0; shift -= 8) rest.push_back(static_cast<char>(count >> shift));
  rest += kms::audit::EncodeUint64(0);
  rest += kms::audit::EncodeUint64(payload.size());
  rest += payload;
  const kms::crypto::Sha256Digest mac = kms::crypto::HmacSha256(kKey.view(), kms::AsBytes(rest));
  return std::string(reinterpret_cast<const char*>(mac.data()), mac.size()) + rest;
}

std::vector<std::string> ReplayAll(const kms::audit::AuditJournal& journal, uint64_t* end) {
  std::vector<std::string> records;
  auto replayed = journal.Replay(0, [&](std::vector<std::string> frame, uint64_t frame_end) {
    KMS_CHECK(frame_end > 0 && frame_end <= 2 * kSize);
    for (std::string& record : frame) records.push_back(std::move(record));
    return kms::OkStatus();
  });
  KMS_CHECK(replayed.has_value());
  *end = *replayed;
  return records;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string kPath = JournalPath();
  static auto journal = kms::audit::AuditJournal::Open(kPath, kKey.view(), false, kSize);
  KMS_CHECK(journal.has_value());
  static const int kFd = ::open(kPath.c_str(), O_WRONLY | O_CLOEXEC);
  KMS_CHECK(kFd >= 0);
  const std::string_view input(reinterpret_cast<const char*>(data), std::min<size_t>(size, kSize));
  // What the previous input wrote is cleared (the rest is still zeros).
  static size_t written = kSize;
  const std::string zeros(written, '\0');
  KMS_CHECK(::pwrite(kFd, zeros.data(), zeros.size(), 0) == static_cast<ssize_t>(zeros.size()));
  written = input.size() + 64;
  KMS_CHECK(::pwrite(kFd, input.data(), input.size(), 0) == static_cast<ssize_t>(input.size()));
  uint64_t end = 0;
  ReplayAll(**journal, &end);

  if (input.empty()) return 0;
  const std::string frame = SignedFrame(static_cast<uint8_t>(input[0]), input.substr(1));
  if (frame.size() > kSize) return 0;
  written = std::max(written, frame.size());
  KMS_CHECK(::pwrite(kFd, frame.data(), frame.size(), 0) == static_cast<ssize_t>(frame.size()));
  const std::vector<std::string> records = ReplayAll(**journal, &end);
  if (records.empty()) return 0;
  // What replays is exactly one frame, and written again, replays the same.
  KMS_CHECK(end == frame.size());
  auto again = (*journal)->Write(0, records);
  KMS_CHECK(again.has_value() && *again == end);
  KMS_CHECK(ReplayAll(**journal, &end) == records);
  return 0;
}
