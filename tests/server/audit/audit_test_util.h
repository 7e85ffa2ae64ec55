// Helpers for the audit module's tests: sample events and entries, appending
// synchronously, and opening a log's LMDB environment directly to tamper with it.
#ifndef KMS_TESTS_SERVER_AUDIT_AUDIT_TEST_UTIL_H_
#define KMS_TESTS_SERVER_AUDIT_AUDIT_TEST_UTIL_H_

#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kms/clock.h"
#include "kms/crypto.h"
#include "kms/encoding.h"
#include "kms/server/audit/audit_event.h"
#include "kms/server/audit/audit_log.h"
#include "kms/server/crypto/ciphertext_blob.h"
#include "server/audit/audit_store.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace kms::audit::testing {

inline constexpr char kAccount[] = "111122223333";
inline constexpr char kRegion[] = "us-east-1";
inline constexpr EpochMillis kT0 = 1700000000000;  // 2023-11-14T22:13:20Z

using ::kms::testing::TempDir;

inline SecretBytes TestKey(uint8_t fill = 7) {
  SecretBytes key(32);
  for (size_t i = 0; i < key.size(); ++i) key.data()[i] = fill;
  return key;
}

inline AuditOptions TestOptions(const std::string& directory, const Clock* clock) {
  AuditOptions options;
  options.directory = directory;
  options.map_size = size_t{64} << 20;
  options.hmac_key = TestKey();
  options.clock = clock;
  options.lookup_window_days = 0;
  return options;
}

inline std::string KeyArn(const std::string& id, const std::string& account = kAccount,
                          const std::string& region = kRegion) {
  return "arn:aws:kms:" + region + ":" + account + ":key/" + id;
}

inline Principal TestUser(const std::string& name = "alice") {
  Principal p;
  p.type = PrincipalType::kIamUser;
  p.account = kAccount;
  p.arn = std::string("arn:aws:iam::") + kAccount + ":user/" + name;
  p.principal_arn = p.arn;
  p.principal_id = "AIDAEXAMPLE" + name;
  p.user_name = name;
  return p;
}

inline Principal TestRole() {
  Principal p;
  p.type = PrincipalType::kAssumedRole;
  p.account = kAccount;
  p.arn = std::string("arn:aws:sts::") + kAccount + ":assumed-role/DbAdmin/dbadmin";
  p.principal_arn = std::string("arn:aws:iam::") + kAccount + ":role/DbAdmin";
  p.principal_id = "AROAEXAMPLE:dbadmin";
  p.user_name = "DbAdmin";
  p.session_name = "dbadmin";
  return p;
}

inline Principal TestRoot() {
  Principal p;
  p.type = PrincipalType::kRoot;
  p.account = kAccount;
  p.arn = std::string("arn:aws:iam::") + kAccount + ":root";
  p.principal_arn = p.arn;
  p.principal_id = kAccount;
  return p;
}

inline Principal TestService(const std::string& name = "rds.amazonaws.com") {
  Principal p;
  p.type = PrincipalType::kAwsService;
  p.arn = name;
  p.principal_arn = name;
  return p;
}

// A GenerateDataKey call by alice on key "k1" at kT0.
inline CloudTrailEvent SampleEvent() {
  CloudTrailEvent e;
  e.event_name = "GenerateDataKey";
  e.region = kRegion;
  e.event_time = kT0;
  e.principal = TestUser();
  e.access_key_id = "AKIAEXAMPLE";
  e.source_ip_address = "192.0.2.10";
  e.user_agent = "aws-cli/2.15.0";
  e.request_parameters = R"({"keyId":"alias/app","keySpec":"AES_256"})";
  e.request_id = "e0eb83e3-63bc-11e4-bc2b-4198b6150d5c";
  e.event_id = "a9dea4f9-8395-46c0-942c-f509c02c2b71";
  e.read_only = true;
  e.resource_arns = {KeyArn("k1")};
  e.recipient_account_id = kAccount;
  return e;
}

// A call of `event_name` at `time` by `user`, with a fresh event id.
inline CloudTrailEvent MakeEvent(const std::string& event_name, EpochMillis time,
                                 const std::string& user = "alice") {
  CloudTrailEvent e = SampleEvent();
  e.event_name = event_name;
  e.event_time = time;
  e.principal = TestUser(user);
  e.event_id = NewUuid();
  return e;
}

// The entry kmsd appends for `event`: its compact form.
inline AuditEntry EntryOf(const CloudTrailEvent& event) {
  StatusOr<AuditEntry> entry = MakeAuditEntry(event);
  EXPECT_TRUE(entry.has_value());
  return entry.value_or(AuditEntry());
}

// The entry of such a call.
inline AuditEntry MakeEntry(const std::string& event_name, EpochMillis time,
                            const std::string& user = "alice") {
  return EntryOf(MakeEvent(event_name, time, user));
}

// An entry whose request parameters carry `padding_bytes` random bytes in
// hex, which compression does not shrink much.
inline AuditEntry PaddedEntry(const std::string& event_name, EpochMillis time,
                              size_t padding_bytes) {
  CloudTrailEvent event = MakeEvent(event_name, time);
  event.request_parameters =
      R"({"padding":")" + HexEncode(crypto::RandomBytes(padding_bytes)) + R"("})";
  return EntryOf(event);
}

// The entry of `event` as records of formats 1 and 2 hold it: the rendered
// JSON, no compact event.
inline AuditEntry JsonEntryOf(const CloudTrailEvent& event) {
  AuditEntry entry = LookupAttributesOf(event);
  StatusOr<std::string> json = BuildCloudTrailRecord(event);
  EXPECT_TRUE(json.has_value());
  entry.record_json = json.value_or("");
  return entry;
}

// Appends and waits for the durable callback; returns its status.
inline Status AppendAndWait(AuditLog& log, AuditEntry entry) {
  std::promise<Status> done;
  std::future<Status> result = done.get_future();
  log.Append(std::move(entry), [&done](Status status) { done.set_value(std::move(status)); });
  return result.get();
}

inline LookupScope TestScope() { return LookupScope{kAccount, kRegion}; }

// Runs `edit` in a write transaction on the log's own LMDB environment (the
// log must be closed).
inline void TamperWith(const std::string& directory,
                       const std::function<void(Txn&, const AuditStore&)>& edit) {
  StatusOr<std::unique_ptr<AuditStore>> store =
      AuditStore::Open(directory, size_t{64} << 20, /*read_only=*/false);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  StatusOr<Txn> txn = (*store)->BeginWrite();
  ASSERT_TRUE(txn.has_value());
  edit(*txn, **store);
  ASSERT_THAT(txn->Commit(), IsOk());
}

}  // namespace kms::audit::testing

#endif  // KMS_TESTS_SERVER_AUDIT_AUDIT_TEST_UTIL_H_
