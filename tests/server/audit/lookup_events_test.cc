#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kms/server/audit/audit_log.h"
#include "testing/status_matchers.h"
#include "tests/server/audit/audit_test_util.h"

namespace kms::audit {
namespace {

using testing::AppendAndWait;
using testing::kAccount;
using testing::KeyArn;
using testing::kRegion;
using testing::kT0;
using testing::TempDir;
using testing::TestOptions;
using testing::TestScope;

constexpr char kOtherAccount[] = "444455556666";
constexpr EpochMillis kDay = 24 * 60 * 60 * 1000;

struct EventSpec {
  std::string name;
  EpochMillis time;
  std::string user = "alice";
  std::string access_key = "AKIAALICE";
  std::vector<std::string> keys = {};
  bool read_only = true;
  std::string source = "kms.amazonaws.com";
  std::string account = kAccount;
  std::string region = kRegion;
};

AuditEntry Entry(const EventSpec& spec) {
  CloudTrailEvent e = testing::SampleEvent();
  e.event_name = spec.name;
  e.event_time = spec.time;
  e.principal = testing::TestUser(spec.user);
  e.access_key_id = spec.access_key;
  e.resource_arns = spec.keys;
  e.read_only = spec.read_only;
  e.event_source = spec.source;
  e.recipient_account_id = spec.account;
  e.region = spec.region;
  e.event_id = "id-" + spec.name;
  StatusOr<AuditEntry> entry = MakeAuditEntry(e);
  EXPECT_TRUE(entry.has_value());
  return *entry;
}

std::vector<std::string> Names(const LookupEventsResult& result) {
  std::vector<std::string> names;
  for (const LookupEvent& event : result.events) names.push_back(event.event_name);
  return names;
}

class LookupEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(TestOptions(dir_.path(), &clock_));
    ASSERT_TRUE(log.has_value());
    log_ = std::move(*log);
    const std::string k1 = KeyArn("k1");
    const std::string k2 = KeyArn("k2");
    for (const EventSpec& spec : {
             EventSpec{.name = "Encrypt", .time = kT0, .keys = {k1}},
             EventSpec{.name = "Decrypt",
             .time = kT0 + 1000,
             .user = "bob",
             .access_key = "AKIABOB",
             .keys = {k2}},
             EventSpec{
                 .name = "CreateGrant", .time = kT0 + 2000, .keys = {k1, k2}, .read_only = false},
             EventSpec{.name = "LookupEvents",
             .time = kT0 + 3000,
             .user = "bob",
             .access_key = "AKIABOB",
             .source = "cloudtrail.amazonaws.com"},
             EventSpec{.name = "ListKeys", .time = kT0 + 3500},
             EventSpec{.name = "OtherAccount",
             .time = kT0 + 4000,
             .keys = {k1},
             .account = kOtherAccount},
             EventSpec{.name = "OtherRegion", .time = kT0 + 5000, .region = "eu-west-1"},
         }) {
      ASSERT_THAT(AppendAndWait(*log_, Entry(spec)), IsOk());
    }
  }

  StatusOr<LookupEventsResult> Lookup(const LookupEventsQuery& query,
                                      const LookupScope& scope = TestScope()) {
    return log_->LookupEvents(scope, query, kT0);
  }

  std::vector<std::string> NamesFor(LookupAttributeKey key, const std::string& value) {
    LookupEventsQuery query;
    query.attribute = LookupAttribute{key, value};
    StatusOr<LookupEventsResult> result = Lookup(query);
    EXPECT_TRUE(result.has_value()) << result.error().ToString();
    return result ? Names(*result) : std::vector<std::string>{};
  }

  TempDir dir_;
  FakeClock clock_{kT0};
  std::unique_ptr<AuditLog> log_;
};

using Strings = std::vector<std::string>;

TEST_F(LookupEventsTest, NoFilterReturnsTheScopeNewestFirst) {
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult result, Lookup(LookupEventsQuery()));
  EXPECT_EQ(Names(result),
            (Strings{"ListKeys", "LookupEvents", "CreateGrant", "Decrypt", "Encrypt"}));
}

TEST_F(LookupEventsTest, EachAttributeFilters) {
  using K = LookupAttributeKey;
  EXPECT_EQ(NamesFor(K::kEventId, "id-Decrypt"), Strings{"Decrypt"});
  EXPECT_EQ(NamesFor(K::kEventName, "CreateGrant"), Strings{"CreateGrant"});
  EXPECT_EQ(NamesFor(K::kReadOnly, "false"), Strings{"CreateGrant"});
  EXPECT_EQ(NamesFor(K::kReadOnly, "true"),
            (Strings{"ListKeys", "LookupEvents", "Decrypt", "Encrypt"}));
  EXPECT_EQ(NamesFor(K::kUsername, "bob"), (Strings{"LookupEvents", "Decrypt"}));
  EXPECT_EQ(NamesFor(K::kResourceType, "AWS::KMS::Key"),
            (Strings{"CreateGrant", "Decrypt", "Encrypt"}));
  EXPECT_EQ(NamesFor(K::kResourceName, KeyArn("k1")), (Strings{"CreateGrant", "Encrypt"}));
  EXPECT_EQ(NamesFor(K::kEventSource, "cloudtrail.amazonaws.com"), Strings{"LookupEvents"});
  EXPECT_EQ(NamesFor(K::kEventSource, "kms.amazonaws.com"),
            (Strings{"ListKeys", "CreateGrant", "Decrypt", "Encrypt"}));
  EXPECT_EQ(NamesFor(K::kAccessKeyId, "AKIABOB"), (Strings{"LookupEvents", "Decrypt"}));
}

TEST_F(LookupEventsTest, AttributeValuesMatchExactly) {
  using K = LookupAttributeKey;
  EXPECT_EQ(NamesFor(K::kEventName, "encrypt"), Strings{});
  EXPECT_EQ(NamesFor(K::kUsername, "bo"), Strings{});
  EXPECT_EQ(NamesFor(K::kReadOnly, "True"), Strings{});
  EXPECT_EQ(NamesFor(K::kEventId, "id-OtherAccount"), Strings{});  // another account's event
}

TEST_F(LookupEventsTest, OtherAccountsAndRegionsSeeOnlyTheirOwn) {
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult other,
                           Lookup(LookupEventsQuery(), LookupScope{kOtherAccount, kRegion}));
  EXPECT_EQ(Names(other), Strings{"OtherAccount"});
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult europe,
                           Lookup(LookupEventsQuery(), LookupScope{kAccount, "eu-west-1"}));
  EXPECT_EQ(Names(europe), Strings{"OtherRegion"});
}

TEST_F(LookupEventsTest, TimeRangeIsInclusive) {
  LookupEventsQuery query;
  query.start_time = kT0 + 1000;
  query.end_time = kT0 + 3000;
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult result, Lookup(query));
  // ListKeys (at +3.5 s) counts as +3 s, the second its eventTime shows.
  EXPECT_EQ(Names(result), (Strings{"ListKeys", "LookupEvents", "CreateGrant", "Decrypt"}));

  query.attribute = LookupAttribute{LookupAttributeKey::kUsername, "bob"};
  KMS_ASSERT_OK_AND_ASSIGN(result, Lookup(query));
  EXPECT_EQ(Names(result), (Strings{"LookupEvents", "Decrypt"}));

  query = LookupEventsQuery();
  query.end_time = kT0;
  KMS_ASSERT_OK_AND_ASSIGN(result, Lookup(query));
  EXPECT_EQ(Names(result), Strings{"Encrypt"});
}

// ListKeys happened at kT0 + 3.5 s; its eventTime (and so its lookup time) is
// the whole second kT0 + 3 s.
TEST_F(LookupEventsTest, EventsCountInWholeSeconds) {
  KMS_ASSERT_OK_AND_ASSIGN(
      std::string response,
      log_->HandleLookupEvents(R"({"StartTime":1700000003,"EndTime":1700000003})", TestScope(),
                               kT0));
  EXPECT_NE(response.find(R"("EventName":"ListKeys")"), std::string::npos);
  EXPECT_NE(response.find(R"("EventName":"LookupEvents")"), std::string::npos);
  KMS_ASSERT_OK_AND_ASSIGN(
      response, log_->HandleLookupEvents(R"({"StartTime":1700000003.2,"EndTime":1700000003.9})",
                                         TestScope(), kT0));
  EXPECT_EQ(response, R"({"Events":[]})");
}

TEST_F(LookupEventsTest, PagesWithMaxResultsAndNextToken) {
  LookupEventsQuery query;
  query.max_results = 2;
  Strings seen;
  std::vector<size_t> page_sizes;
  for (;;) {
    KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult page, Lookup(query));
    page_sizes.push_back(page.events.size());
    for (const std::string& name : Names(page)) seen.push_back(name);
    if (page.next_token.empty()) break;
    query.next_token = page.next_token;
  }
  EXPECT_EQ(seen, (Strings{"ListKeys", "LookupEvents", "CreateGrant", "Decrypt", "Encrypt"}));
  EXPECT_EQ(page_sizes, (std::vector<size_t>{2, 2, 1}));
}

TEST_F(LookupEventsTest, ExactlyFullPageHasNoToken) {
  LookupEventsQuery query;
  query.attribute = LookupAttribute{LookupAttributeKey::kUsername, "bob"};
  query.max_results = 2;
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult page, Lookup(query));
  EXPECT_EQ(page.events.size(), 2u);
  EXPECT_EQ(page.next_token, "");
}

TEST_F(LookupEventsTest, PageSizeMayChangeBetweenPages) {
  LookupEventsQuery query;
  query.max_results = 1;
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult first, Lookup(query));
  query.max_results = 50;
  query.next_token = first.next_token;
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult rest, Lookup(query));
  EXPECT_EQ(Names(rest), (Strings{"LookupEvents", "CreateGrant", "Decrypt", "Encrypt"}));
}

TEST_F(LookupEventsTest, NextTokenIsRefusedWithOtherParameters) {
  LookupEventsQuery query;
  query.attribute = LookupAttribute{LookupAttributeKey::kReadOnly, "true"};
  query.start_time = kT0;
  query.max_results = 1;
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult first, Lookup(query));
  ASSERT_FALSE(first.next_token.empty());
  query.next_token = first.next_token;
  EXPECT_TRUE(Lookup(query).has_value());

  LookupEventsQuery other = query;
  other.attribute->value = "false";
  EXPECT_THAT(Lookup(other), StatusIs(Code::kInvalidNextToken));
  other = query;
  other.attribute->key = LookupAttributeKey::kUsername;
  EXPECT_THAT(Lookup(other), StatusIs(Code::kInvalidNextToken));
  other = query;
  other.start_time = kT0 + 1000;
  EXPECT_THAT(Lookup(other), StatusIs(Code::kInvalidNextToken));
  other = query;
  other.end_time = kT0 + 9000;
  EXPECT_THAT(Lookup(other), StatusIs(Code::kInvalidNextToken));
  other = query;
  other.attribute.reset();
  EXPECT_THAT(Lookup(other), StatusIs(Code::kInvalidNextToken));
  EXPECT_THAT(Lookup(query, LookupScope{kOtherAccount, kRegion}),
              StatusIs(Code::kInvalidNextToken));
}

TEST_F(LookupEventsTest, MalformedNextTokenIsRefused) {
  LookupEventsQuery query;
  for (std::string token : {"garbage!", "AAAA", "QUJD"}) {
    query.next_token = token;
    EXPECT_THAT(Lookup(query), StatusIs(Code::kInvalidNextToken, "NextToken is not valid."))
        << token;
  }
  KMS_ASSERT_OK_AND_ASSIGN(std::string response,
                           log_->HandleLookupEvents(R"({"MaxResults":1})", TestScope(), kT0));
  const size_t at = response.find(R"("NextToken":")");
  ASSERT_NE(at, std::string::npos);
  std::string token = response.substr(at + 13, response.size() - at - 13 - 2);
  token[5] = token[5] == 'A' ? 'B' : 'A';  // flip bits inside the signed part
  query.next_token = token;
  EXPECT_THAT(Lookup(query), StatusIs(Code::kInvalidNextToken));
}

TEST_F(LookupEventsTest, InsightCategoryHasNoEvents) {
  LookupEventsQuery query;
  query.insight_events = true;
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult result, Lookup(query));
  EXPECT_TRUE(result.events.empty());
}

TEST_F(LookupEventsTest, TypedQueryIsValidated) {
  LookupEventsQuery query;
  query.max_results = 51;
  EXPECT_THAT(Lookup(query), StatusIs(Code::kInvalidMaxResults));
  query.max_results = 5;
  query.attribute = LookupAttribute{LookupAttributeKey::kEventName, std::string(2001, 'x')};
  EXPECT_THAT(Lookup(query), StatusIs(Code::kInvalidLookupAttributes));
}

TEST_F(LookupEventsTest, StartAfterEndInATypedQueryMatchesNothing) {
  LookupEventsQuery query;
  query.start_time = kT0 + 2000;
  query.end_time = kT0 + 1000;
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult result, Lookup(query));
  EXPECT_TRUE(result.events.empty());
}

// Values too long for an LMDB key are indexed by hash; lookups still match
// exactly.
TEST(LookupEventsLongValueTest, LongResourceNamesMatchExactly) {
  TempDir dir;
  FakeClock clock(kT0);
  KMS_ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuditLog> log,
                           AuditLog::Open(TestOptions(dir.path(), &clock)));
  const std::string long_a = KeyArn(std::string(1500, 'a'));
  const std::string long_b = KeyArn(std::string(1499, 'a') + "b");
  ASSERT_THAT(AppendAndWait(*log, Entry({.name = "A", .time = kT0, .keys = {long_a}})), IsOk());
  ASSERT_THAT(AppendAndWait(*log, Entry({.name = "B", .time = kT0, .keys = {long_b}})), IsOk());
  LookupEventsQuery query;
  query.attribute = LookupAttribute{LookupAttributeKey::kResourceName, long_a};
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult result, log->LookupEvents(TestScope(), query, kT0));
  EXPECT_EQ(Names(result), Strings{"A"});
  KMS_ASSERT_OK_AND_ASSIGN(VerifyReport report, log->Verify());
  EXPECT_TRUE(report.ok) << report.ToString();
}

TEST(LookupEventsWindowTest, ShowsOnlyTheLookupWindow) {
  TempDir dir;
  FakeClock clock(kT0);
  AuditOptions options = TestOptions(dir.path(), &clock);
  options.lookup_window_days = 90;
  KMS_ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuditLog> log, AuditLog::Open(options));
  ASSERT_THAT(AppendAndWait(*log, Entry({.name = "Old", .time = kT0 - 91 * kDay})), IsOk());
  ASSERT_THAT(AppendAndWait(*log, Entry({.name = "Recent", .time = kT0 - 89 * kDay})), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult result,
                           log->LookupEvents(TestScope(), LookupEventsQuery(), kT0));
  EXPECT_EQ(Names(result), Strings{"Recent"});
}

// Records of the same second come back in reverse append order.
TEST(LookupEventsOrderTest, SameSecondIsNewestAppendFirst) {
  TempDir dir;
  FakeClock clock(kT0);
  KMS_ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuditLog> log,
                           AuditLog::Open(TestOptions(dir.path(), &clock)));
  for (std::string name : {"First", "Second", "Third"}) {
    ASSERT_THAT(AppendAndWait(*log, Entry({.name = name, .time = kT0 + 10})), IsOk());
  }
  ASSERT_THAT(AppendAndWait(*log, Entry({.name = "Earlier", .time = kT0 - 5000})), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult result,
                           log->LookupEvents(TestScope(), LookupEventsQuery(), kT0));
  EXPECT_EQ(Names(result), (Strings{"Third", "Second", "First", "Earlier"}));
}

}  // namespace
}  // namespace kms::audit
