#include "audit_export.h"

#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>

#include <zlib.h>

#include "audit_record.h"
#include "kms/encoding.h"

namespace kms::audit {
namespace {

namespace fs = std::filesystem;

// A path component made only of [A-Za-z0-9_-] ("unknown" when empty), so
// stored account ids and regions cannot leave out_dir.
std::string PathComponent(std::string_view text) {
  if (text.empty()) return "unknown";
  std::string out(text);
  for (char& c : out) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
    if (!safe) c = '_';
  }
  return out;
}

// AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/
//   <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 hex>.json.gz
std::string LogFilePath(const AuditEntry& entry, EpochMillis window_start,
                        uint64_t first_sequence) {
  const std::string account = PathComponent(entry.account_id);
  const std::string region = PathComponent(entry.region);
  const std::string stamp = FormatAmzDate(window_start);  // YYYYMMDDTHHMMSSZ
  const std::string unique = HexEncode(AsBytes(EncodeUint64(first_sequence)));
  return "AWSLogs/" + account + "/CloudTrail/" + region + "/" + stamp.substr(0, 4) + "/" +
         stamp.substr(4, 2) + "/" + stamp.substr(6, 2) + "/" + account + "_CloudTrail_" + region +
         "_" + stamp.substr(0, 13) + "Z_" + unique + ".json.gz";
}

// One gzipped {"Records":[...]} file, written under "<path>.tmp" and renamed
// by Finish(); removed if never finished.
class LogFileWriter {
 public:
  LogFileWriter(const LogFileWriter&) = delete;
  LogFileWriter& operator=(const LogFileWriter&) = delete;
  ~LogFileWriter() {
    if (file_ != nullptr) {
      gzclose(file_);
      std::error_code ignored;
      fs::remove(temp_path_, ignored);
    }
  }

  static StatusOr<std::unique_ptr<LogFileWriter>> Create(const fs::path& path) {
    std::error_code error;
    fs::create_directories(path.parent_path(), error);
    if (error)
      return Error(Code::kInternal, "export: cannot create " + path.parent_path().string());
    std::unique_ptr<LogFileWriter> writer(new LogFileWriter(path));
    writer->file_ = gzopen(writer->temp_path_.c_str(), "wb");
    if (writer->file_ == nullptr) {
      return Error(Code::kInternal, "export: cannot create " + writer->temp_path_.string());
    }
    KMS_RETURN_IF_ERROR(writer->Write("{\"Records\":["));
    return writer;
  }

  Status Add(std::string_view record_json) {
    if (records_++ > 0) KMS_RETURN_IF_ERROR(Write(","));
    return Write(record_json);
  }
  size_t records() const { return records_; }

  Status Finish() {
    KMS_RETURN_IF_ERROR(Write("]}"));
    const int rc = gzclose(file_);
    file_ = nullptr;
    if (rc != Z_OK) return Error(Code::kInternal, "export: cannot write " + temp_path_.string());
    std::error_code error;
    fs::rename(temp_path_, path_, error);
    if (error) return Error(Code::kInternal, "export: cannot rename to " + path_.string());
    return OkStatus();
  }

 private:
  explicit LogFileWriter(fs::path path) : path_(std::move(path)), temp_path_(path_) {
    temp_path_ += ".tmp";
  }

  Status Write(std::string_view bytes) {
    if (bytes.empty()) return OkStatus();
    if (gzwrite(file_, bytes.data(), static_cast<unsigned>(bytes.size())) <= 0) {
      return Error(Code::kInternal, "export: cannot write " + temp_path_.string());
    }
    return OkStatus();
  }

  fs::path path_;
  fs::path temp_path_;
  gzFile file_ = nullptr;
  size_t records_ = 0;
};

// The open file of each account and region.
class Exporter {
 public:
  Exporter(const ExportOptions& options, ExportReport& report)
      : options_(options), report_(report) {}

  Status Add(const StoredRecord& record) {
    const AuditEntry& entry = record.entry;
    const EpochMillis window_start =
        entry.event_time -
        (((entry.event_time % options_.window) + options_.window) % options_.window);
    OpenFile& open = files_[entry.account_id + '\0' + entry.region];
    if (open.writer && (open.window_start != window_start ||
                        open.writer->records() >= options_.max_records_per_file)) {
      KMS_RETURN_IF_ERROR(open.writer->Finish());
      open.writer.reset();
    }
    if (!open.writer) {
      const std::string relative = LogFilePath(entry, window_start, record.sequence);
      KMS_ASSIGN_OR_RETURN(open.writer,
                           LogFileWriter::Create(fs::path(options_.out_dir) / relative));
      open.window_start = window_start;
      report_.files.push_back(relative);
    }
    ++report_.records;
    return open.writer->Add(entry.record_json);
  }

  Status FinishAll() {
    for (auto& [group, open] : files_) {
      if (open.writer) KMS_RETURN_IF_ERROR(open.writer->Finish());
      open.writer.reset();
    }
    return OkStatus();
  }

 private:
  struct OpenFile {
    std::unique_ptr<LogFileWriter> writer;
    EpochMillis window_start = 0;
  };

  const ExportOptions& options_;
  ExportReport& report_;
  std::map<std::string, OpenFile> files_;
};

bool InRange(const ExportOptions& options, EpochMillis time) {
  return (!options.start_time || time >= *options.start_time) &&
         (!options.end_time || time <= *options.end_time);
}

}  // namespace

StatusOr<ExportReport> ExportRecords(const AuditStore& store, const Txn& txn,
                                     const ExportOptions& options,
                                     std::span<const StoredRecord> journaled) {
  if (options.out_dir.empty() || options.window <= 0 || options.max_records_per_file == 0) {
    return Error(Code::kValidation, "export: out_dir, window and records per file are required");
  }
  ExportReport report;
  Exporter exporter(options, report);
  KMS_ASSIGN_OR_RETURN(Cursor cursor, Cursor::Open(txn, store.records()));
  MDB_val k;
  MDB_val v;
  int rc = cursor.Get(&k, &v, MDB_FIRST);
  for (; rc == 0; rc = cursor.Get(&k, &v, MDB_NEXT)) {
    KMS_ASSIGN_OR_RETURN(StoredRecord record, DecodeStoredRecord(FromVal(v)));
    if (InRange(options, record.entry.event_time)) KMS_RETURN_IF_ERROR(exporter.Add(record));
  }
  if (rc != MDB_NOTFOUND) return lmdb::ErrorFor(rc, "record scan");
  for (const StoredRecord& record : journaled) {
    if (InRange(options, record.entry.event_time)) KMS_RETURN_IF_ERROR(exporter.Add(record));
  }
  KMS_RETURN_IF_ERROR(exporter.FinishAll());
  return report;
}

std::string ExportReport::ToString() const {
  std::ostringstream out;
  out << "exported " << records << " records in " << files.size() << " files\n";
  for (const std::string& file : files) out << file << "\n";
  return out.str();
}

}  // namespace kms::audit
