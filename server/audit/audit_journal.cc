#include "audit_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "audit_store.h"
#include "kms/crypto.h"

namespace kms::audit {
namespace {

constexpr std::string_view kMagic = "KAJ1";
constexpr size_t kMacSize = 32;
// MAC, magic, count, position, payload length.
constexpr size_t kHeaderSize = kMacSize + 4 + 4 + 8 + 8;
// A journal smaller than this is not one kmsd made.
constexpr uint64_t kMinSize = uint64_t{1} << 20;

std::unexpected<Status> IoError(const std::string& what) {
  return Error(Code::kInternal, "audit journal: " + what + ": " + std::strerror(errno));
}

uint64_t NextLap(uint64_t position, uint64_t size) { return (position / size + 1) * size; }

// Makes `path` as `size` zero bytes, synced, through a temporary file renamed
// into place: a journal that exists is whole.
Status MakeJournal(const std::string& path, uint64_t size) {
  const std::string temporary = path + ".new";
  const int fd = ::open(temporary.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot create " + temporary);
  const std::string zeros(uint64_t{1} << 20, '\0');
  Status made = OkStatus();
  for (uint64_t at = 0; at < size && made.ok(); at += zeros.size()) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(zeros.size(), size - at));
    if (::pwrite(fd, zeros.data(), n, static_cast<off_t>(at)) != static_cast<ssize_t>(n))
      made = IoError("cannot fill " + temporary).error();
  }
  if (made.ok() && ::fdatasync(fd) != 0) made = IoError("cannot sync " + temporary).error();
  ::close(fd);
  if (made.ok() && ::rename(temporary.c_str(), path.c_str()) != 0)
    made = IoError("cannot rename " + temporary).error();
  if (!made.ok()) {
    ::unlink(temporary.c_str());
    return made;
  }
  const std::string directory = path.substr(0, path.find_last_of('/') + 1);
  const int dir = ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return OkStatus();
}

}  // namespace

StatusOr<std::unique_ptr<AuditJournal>> AuditJournal::Open(const std::string& path, ByteView key,
                                                           bool read_only, uint64_t size) {
  int fd = ::open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    if (read_only) return std::unique_ptr<AuditJournal>(new AuditJournal(-1, key, size));
    KMS_RETURN_IF_ERROR(MakeJournal(path, size));
    fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  }
  if (fd < 0) return IoError("cannot open " + path);
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<uint64_t>(st.st_size) < kMinSize) {
    ::close(fd);
    return Error(Code::kInternal, "audit journal: " + path +
                                      " is not a journal kmsd made (a regular file of 1 MiB or "
                                      "more); move it away if it is not");
  }
  return std::unique_ptr<AuditJournal>(
      new AuditJournal(fd, key, static_cast<uint64_t>(st.st_size)));
}

AuditJournal::AuditJournal(int fd, ByteView key, uint64_t size) : fd_(fd), key_(key), size_(size) {}

AuditJournal::~AuditJournal() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<AuditJournal::Frame> AuditJournal::Layout(uint64_t position,
                                                      std::span<const std::string> records,
                                                      uint64_t* end) const {
  const uint64_t max_frame = size_ / 4;
  std::vector<Frame> frames;
  size_t first = 0;
  while (first < records.size()) {
    // As many records as fit in one frame, and at least one.
    uint64_t bytes = kHeaderSize + 4 + records[first].size();
    size_t last = first + 1;
    while (last < records.size() && bytes + 4 + records[last].size() <= max_frame)
      bytes += 4 + records[last++].size();
    Frame frame{position, first, last, std::nullopt};
    if (size_ - position % size_ < bytes) {
      if (size_ - position % size_ >= kHeaderSize) frame.lap_marker = position;
      frame.position = NextLap(position, size_);
    }
    frames.push_back(frame);
    position = frame.position + bytes;
    first = last;
  }
  *end = position;
  return frames;
}

uint64_t AuditJournal::EndOf(uint64_t position, std::span<const std::string> records) const {
  uint64_t end = position;
  Layout(position, records, &end);
  return end;
}

std::string AuditJournal::EncodeFrame(uint64_t position,
                                      std::span<const std::string> records) const {
  size_t payload = 0;
  for (const std::string& record : records) payload += 4 + record.size();
  std::string frame(kMacSize, '\0');
  frame.reserve(kHeaderSize + payload);
  frame.append(kMagic);
  AppendUint32(frame, static_cast<uint32_t>(records.size()));
  frame.append(EncodeUint64(position));
  frame.append(EncodeUint64(payload));
  for (const std::string& record : records) {
    AppendUint32(frame, static_cast<uint32_t>(record.size()));
    frame.append(record);
  }
  const crypto::Sha256Digest mac =
      crypto::HmacSha256(key_.view(), AsBytes(std::string_view(frame).substr(kMacSize)));
  std::memcpy(frame.data(), mac.data(), kMacSize);
  return frame;
}

Status AuditJournal::WriteAt(uint64_t position, std::string_view bytes) {
  const off_t offset = static_cast<off_t>(position % size_);
  if (::pwrite(fd_, bytes.data(), bytes.size(), offset) != static_cast<ssize_t>(bytes.size()))
    return IoError("write");
  return OkStatus();
}

StatusOr<uint64_t> AuditJournal::Write(uint64_t position, std::span<const std::string> records) {
  if (fd_ < 0) return Error(Code::kInternal, "audit journal: opened read-only");
  if (records.empty()) return position;
  for (const std::string& record : records) {
    if (kHeaderSize + 4 + record.size() > size_ / 4)
      return Error(Code::kInternal, "audit journal: a record of " + std::to_string(record.size()) +
                                        " bytes does not fit in a frame");
  }
  uint64_t end = position;
  const std::vector<Frame> frames = Layout(position, records, &end);
  Status written = OkStatus();
  for (const Frame& frame : frames) {
    if (frame.lap_marker) written = WriteAt(*frame.lap_marker, EncodeFrame(*frame.lap_marker, {}));
    if (!written.ok()) break;
    written = WriteAt(
        frame.position,
        EncodeFrame(frame.position, records.subspan(frame.first, frame.last - frame.first)));
    if (!written.ok()) break;
  }
  if (written.ok() && ::fdatasync(fd_) != 0) written = IoError("fdatasync").error();
  if (written.ok()) return end;
  // Calls whose records these were fail: their frames must not be replayed
  // after a crash. Overwriting the first header ends the journal before them
  // (the next batch is written over them anyway).
  const std::string zeros(kHeaderSize, '\0');
  const uint64_t first = frames.front().lap_marker.value_or(frames.front().position);
  if (WriteAt(first, zeros).ok()) static_cast<void>(::fdatasync(fd_));
  return std::unexpected(written);
}

StatusOr<std::optional<std::vector<std::string>>> AuditJournal::ReadFrame(uint64_t position,
                                                                          uint64_t* end) const {
  using Missing = std::optional<std::vector<std::string>>;
  if (size_ - position % size_ < kHeaderSize) return Missing();
  std::string frame(kHeaderSize, '\0');
  const off_t offset = static_cast<off_t>(position % size_);
  const ssize_t got = ::pread(fd_, frame.data(), frame.size(), offset);
  if (got < 0) return IoError("read");
  if (static_cast<size_t>(got) != frame.size()) return Missing();
  const std::string_view header(frame);
  if (header.substr(kMacSize, 4) != kMagic ||
      ReadBigEndian(header.substr(kMacSize + 8, 8)) != position)
    return Missing();
  const uint64_t count = ReadBigEndian(header.substr(kMacSize + 4, 4));
  const uint64_t payload = ReadBigEndian(header.substr(kMacSize + 16, 8));
  // A frame is at most a quarter of the journal, as Write makes them.
  if (kHeaderSize + payload > size_ / 4 || size_ - position % size_ < kHeaderSize + payload)
    return Missing();
  frame.resize(kHeaderSize + payload);
  if (::pread(fd_, frame.data() + kHeaderSize, payload, offset + static_cast<off_t>(kHeaderSize)) !=
      static_cast<ssize_t>(payload))
    return Missing();
  const crypto::Sha256Digest mac =
      crypto::HmacSha256(key_.view(), AsBytes(std::string_view(frame).substr(kMacSize)));
  if (!ConstantTimeEquals(ByteView(mac), AsBytes(std::string_view(frame).substr(0, kMacSize))))
    return Missing();
  std::vector<std::string> records;
  records.reserve(count);
  std::string_view rest = std::string_view(frame).substr(kHeaderSize);
  for (uint64_t i = 0; i < count; ++i) {
    if (rest.size() < 4) return Missing();
    const uint64_t size = ReadBigEndian(rest.substr(0, 4));
    if (rest.size() - 4 < size) return Missing();
    records.emplace_back(rest.substr(4, size));
    rest.remove_prefix(4 + size);
  }
  if (!rest.empty()) return Missing();
  *end = position + kHeaderSize + payload;
  return Missing(std::move(records));
}

StatusOr<uint64_t> AuditJournal::Replay(uint64_t position, const FrameVisitor& visit) const {
  if (fd_ < 0) return position;
  for (;;) {
    uint64_t end = position;
    KMS_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> records,
                         ReadFrame(position, &end));
    if (!records || records->empty()) {
      // A lap marker, or too near the end for a header: the next frame, if
      // any, starts the next lap.
      const bool marker = records.has_value();
      if (!marker && size_ - position % size_ >= kHeaderSize) return position;
      const uint64_t lap = NextLap(position, size_);
      KMS_ASSIGN_OR_RETURN(records, ReadFrame(lap, &end));
      if (!records || records->empty()) return position;
    }
    KMS_RETURN_IF_ERROR(visit(*std::move(records), end));
    position = end;
  }
}

}  // namespace kms::audit
