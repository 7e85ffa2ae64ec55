// The audit log's journal: where a batch of records becomes durable with one
// write and one fdatasync, before it goes into LMDB (the chain, the lookup
// indexes) in larger transactions, off the path of the answers. Internal to
// server/audit; see docs/audit-log.md.
//
// A file of fixed size, filled with zeros when it is made so that writing
// never allocates, used as a ring. Positions count the bytes written since
// the journal began and only grow; the frame at position p lies at offset
// p % size. A frame: HMAC-SHA256 under the log's key (32 bytes) of the rest,
// "KAJ1", the record count (4 bytes, big-endian), the frame's position (8),
// the payload's length (8), then the payload: each record as a 4-byte length
// and its bytes. A frame of no records at p says that the next one starts
// at the next lap (the next multiple of the size); so does a position nearer
// the ring's end than a frame header. The journal ends at the first frame
// whose MAC does not verify or whose position is not where it lies: a write
// cut short, or what is left of an older lap.
#ifndef KMS_SERVER_AUDIT_AUDIT_JOURNAL_H_
#define KMS_SERVER_AUDIT_AUDIT_JOURNAL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kms/bytes.h"
#include "kms/status.h"

namespace kms::audit {

class AuditJournal {
 public:
  // The size of a journal made by Open: about 20,000 typical records.
  static constexpr uint64_t kDefaultSize = uint64_t{8} << 20;

  // Opens the journal at `path`, making it (mode 0600, `size` bytes of
  // zeros, synced) when there is none; an existing journal keeps its size.
  // A read-only journal that does not exist is empty.
  static StatusOr<std::unique_ptr<AuditJournal>> Open(const std::string& path, ByteView key,
                                                      bool read_only, uint64_t size = kDefaultSize);
  ~AuditJournal();
  AuditJournal(const AuditJournal&) = delete;
  AuditJournal& operator=(const AuditJournal&) = delete;

  // Where `records` written from `position` would end (a batch too large
  // for one frame takes several).
  uint64_t EndOf(uint64_t position, std::span<const std::string> records) const;

  // Writes `records` from `position`, then fdatasync: durable when this
  // returns the position after them. kInternal when a record is larger than
  // a quarter of the journal, or when the write or the sync fails (then the
  // frames are cleared, as far as the disk lets them be).
  StatusOr<uint64_t> Write(uint64_t position, std::span<const std::string> records);

  // Reads the frames from `position` on and calls `visit` with each one's
  // records and the position after it, until the journal ends or `visit`
  // fails; returns the position after the last frame visited.
  using FrameVisitor = std::function<Status(std::vector<std::string> records, uint64_t end)>;
  StatusOr<uint64_t> Replay(uint64_t position, const FrameVisitor& visit) const;

  uint64_t size() const { return size_; }

 private:
  struct Frame {
    uint64_t position = 0;  // where it starts
    size_t first = 0;       // its records: [first, last)
    size_t last = 0;
    // Where a lap marker goes before it, when it starts the next lap.
    std::optional<uint64_t> lap_marker;
  };

  AuditJournal(int fd, ByteView key, uint64_t size);
  // How `records` from `position` are laid out: the frames, then the end.
  std::vector<Frame> Layout(uint64_t position, std::span<const std::string> records,
                            uint64_t* end) const;
  std::string EncodeFrame(uint64_t position, std::span<const std::string> records) const;
  // The frame at `position`, if a valid one lies there.
  StatusOr<std::optional<std::vector<std::string>>> ReadFrame(uint64_t position,
                                                              uint64_t* end) const;
  Status WriteAt(uint64_t position, std::string_view bytes);

  const int fd_;
  const SecretBytes key_;
  const uint64_t size_;
};

}  // namespace kms::audit

#endif  // KMS_SERVER_AUDIT_AUDIT_JOURNAL_H_
