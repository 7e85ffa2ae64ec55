#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <zlib.h>

#include "kms/server/audit/audit_log.h"
#include "testing/status_matchers.h"
#include "tests/server/audit/audit_test_util.h"

namespace kms::audit {
namespace {

using testing::AppendAndWait;
using testing::kT0;
using testing::MakeEntry;
using ::testing::MatchesRegex;
using testing::TempDir;
using testing::TestOptions;

// The whole decompressed content of a .gz file.
std::string Gunzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  EXPECT_NE(file, nullptr) << path;
  std::string out;
  char buffer[4096];
  int n = 0;
  while ((n = gzread(file, buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<size_t>(n));
  EXPECT_EQ(n, 0);
  gzclose(file);
  return out;
}

// The eventID of every record in a CloudTrail log file.
std::vector<std::string> RecordIds(const std::string& path) {
  rapidjson::Document doc;
  const std::string json = Gunzip(path);
  doc.Parse(json.c_str(), json.size());
  EXPECT_FALSE(doc.HasParseError()) << json;
  EXPECT_TRUE(doc.IsObject() && doc.HasMember("Records") && doc["Records"].IsArray());
  std::vector<std::string> ids;
  for (const auto& record : doc["Records"].GetArray())
    ids.emplace_back(record["eventID"].GetString());
  return ids;
}

AuditEntry EntryIn(const std::string& account, const std::string& region, EpochMillis time) {
  CloudTrailEvent event = testing::MakeEvent("Encrypt", time);
  event.recipient_account_id = account;
  event.region = region;
  return testing::EntryOf(event);
}

class AuditExportTest : public ::testing::Test {
 protected:
  TempDir dir_;
  FakeClock clock_{kT0};
};

TEST_F(AuditExportTest, WritesEveryRecordAsGzippedCloudTrailFiles) {
  std::set<std::string> ids;
  {
    KMS_ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuditLog> log,
                             AuditLog::Open(TestOptions(dir_.Sub("log"), &clock_)));
    // kT0 is 22:13:20; its 5-minute window starts at 22:10.
    for (AuditEntry entry : {EntryIn("111122223333", "us-east-1", kT0),
                             EntryIn("111122223333", "us-east-1", kT0 + 1000),
                             EntryIn("111122223333", "eu-west-1", kT0 + 2000),
                             EntryIn("444455556666", "us-east-1", kT0 + 3000),
                             EntryIn("111122223333", "us-east-1", kT0 + 10 * 60 * 1000)}) {
      ids.insert(entry.event_id);
      ASSERT_THAT(AppendAndWait(*log, std::move(entry)), IsOk());
    }
  }
  ExportOptions options;
  options.out_dir = dir_.Sub("out");
  KMS_ASSERT_OK_AND_ASSIGN(ExportReport report,
                           RunAuditExport(TestOptions(dir_.Sub("log"), &clock_), options));
  EXPECT_EQ(report.records, 5u);
  ASSERT_EQ(report.files.size(), 4u);
  EXPECT_EQ(report.files[0],
            "AWSLogs/111122223333/CloudTrail/us-east-1/2023/11/14/"
            "111122223333_CloudTrail_us-east-1_20231114T2210Z_0000000000000001.json.gz");
  EXPECT_EQ(report.files[3],
            "AWSLogs/111122223333/CloudTrail/us-east-1/2023/11/14/"
            "111122223333_CloudTrail_us-east-1_20231114T2220Z_0000000000000005.json.gz");

  std::set<std::string> exported;
  for (const std::string& file : report.files) {
    EXPECT_THAT(file,
                MatchesRegex("AWSLogs/[0-9]+/CloudTrail/[a-z0-9-]+/[0-9]{4}/[0-9]{2}/[0-9]{2}/"
                             "[0-9]+_CloudTrail_[a-z0-9-]+_[0-9]{8}T[0-9]{4}Z_[0-9a-f]{16}"
                             "\\.json\\.gz"));
    for (const std::string& id : RecordIds(options.out_dir + "/" + file)) exported.insert(id);
  }
  EXPECT_EQ(exported, ids);
  EXPECT_EQ(RecordIds(options.out_dir + "/" + report.files[0]).size(), 2u);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(options.out_dir)) {
    EXPECT_NE(entry.path().extension(), ".tmp");
  }
}

TEST_F(AuditExportTest, SplitsFilesAndFiltersByTime) {
  KMS_ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuditLog> log,
                           AuditLog::Open(TestOptions(dir_.Sub("log"), &clock_)));
  for (int i = 0; i < 7; ++i) {
    ASSERT_THAT(AppendAndWait(*log, MakeEntry("Encrypt", kT0 + i * 1000)), IsOk());
  }
  ExportOptions options;
  options.out_dir = dir_.Sub("out");
  options.max_records_per_file = 2;
  options.start_time = kT0 + 1000;
  options.end_time = kT0 + 5000;
  KMS_ASSERT_OK_AND_ASSIGN(ExportReport report, log->ExportCloudTrailFiles(options));
  EXPECT_EQ(report.records, 5u);
  ASSERT_EQ(report.files.size(), 3u);
  EXPECT_EQ(RecordIds(options.out_dir + "/" + report.files[2]).size(), 1u);
  EXPECT_EQ(report.ToString().rfind("exported 5 records in 3 files\n", 0), 0u);
}

TEST_F(AuditExportTest, StoredNamesCannotLeaveTheOutputDirectory) {
  KMS_ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuditLog> log,
                           AuditLog::Open(TestOptions(dir_.Sub("log"), &clock_)));
  ASSERT_THAT(AppendAndWait(*log, EntryIn("../../x", "../y", kT0)), IsOk());
  ExportOptions options;
  options.out_dir = dir_.Sub("out");
  KMS_ASSERT_OK_AND_ASSIGN(ExportReport report, log->ExportCloudTrailFiles(options));
  ASSERT_EQ(report.files.size(), 1u);
  EXPECT_EQ(report.files[0].find(".."), std::string::npos) << report.files[0];
}

TEST_F(AuditExportTest, RefusesMissingOutputDirectory) {
  KMS_ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuditLog> log,
                           AuditLog::Open(TestOptions(dir_.Sub("log"), &clock_)));
  EXPECT_THAT(log->ExportCloudTrailFiles(ExportOptions()), StatusIs(Code::kValidation));
}

}  // namespace
}  // namespace kms::audit
