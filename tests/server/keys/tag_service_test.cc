#include "kms/server/keys/tag_service.h"

#include <string>
#include <vector>

#include "tests/server/keys/service_test_util.h"

namespace kms {
// Readable failure messages (found by argument-dependent lookup).
static void PrintTo(const Tag& tag, std::ostream* os) { *os << tag.key << "=" << tag.value; }
}  // namespace kms

namespace kms::keys {
namespace {

using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::kAccount;
using testing::kAccountDelegates;
using testing::kAliceAdmin;
using testing::kCarolsAccountMayDoAnything;
using testing::kOtherRegion;
using testing::kRegion;
using testing::kUnknownKeyId;
using testing::PolicyWith;
using testing::ServiceTest;

std::vector<Tag> NumberedTags(int from, int count) {
  std::vector<Tag> tags;
  for (int i = from; i < from + count; ++i)
    tags.push_back({"tag" + std::to_string(i), "v" + std::to_string(i)});
  return tags;
}

std::string BobDenied(std::string_view action, std::string_view resource) {
  return "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: " +
         std::string(action) + " on resource: " + std::string(resource) +
         " because no identity-based policy allows the " + std::string(action) + " action";
}

class TagServiceTest : public ServiceTest {
 protected:
  TagService& tags() { return services_->tags; }

  std::vector<Tag> StoredTags(const Key& key) {
    auto stored = store_->GetKey(key->key_id);
    EXPECT_TRUE(stored.has_value()) << stored.error().ToString();
    return stored ? (*stored)->tags : std::vector<Tag>{};
  }

  Status TagAs(const std::string& who, const Key& key, std::vector<Tag> tags_to_add) {
    CallContext call = Context(who);
    return tags().TagResource(call, {key->key_id, std::move(tags_to_add)});
  }

  Status UntagAs(const std::string& who, const Key& key, std::vector<std::string> tag_keys) {
    CallContext call = Context(who);
    return tags().UntagResource(call, {key->key_id, std::move(tag_keys)});
  }

  // Alice's key with `initial` tags.
  Key TaggedKey(std::vector<Tag> initial) {
    Key key = NewKey();
    EXPECT_THAT(TagAs("alice", key, std::move(initial)), IsOk());
    return key;
  }

  // A page request that continues after `position` (the marker text is
  // what the API layer would have decoded it from).
  static PageRequest After(const std::string& position,
                           std::optional<int64_t> limit = std::nullopt) {
    PageRequest page;
    page.limit = limit;
    page.marker = "marker:" + position;
    page.after = position;
    return page;
  }
};

// ---------------------------------------------------------------- CheckTags

TEST(CheckTagsTest, AcceptsOrdinaryTagsAndEmptyValues) {
  EXPECT_THAT(CheckTags({{"Project", "Alpha"}, {"Empty", ""}}, {}), IsOk());
}

TEST(CheckTagsTest, RefusesTheAwsPrefixInAnyCase) {
  for (const char* key : {"aws:owner", "AWS:owner", "Aws:owner", "aws:"}) {
    EXPECT_THAT(CheckTags({{key, "x"}}, {}),
                StatusIs(Code::kTag, "Tags beginning with aws: are reserved"))
        << key;
  }
}

TEST(CheckTagsTest, AcceptsKeysThatMerelyStartWithAws) {
  EXPECT_THAT(CheckTags({{"awsome", "x"}, {"aws", "y"}, {"my-aws:tag", "z"}}, {}), IsOk());
}

TEST(CheckTagsTest, RefusesTheSameKeyTwiceInOneRequest) {
  EXPECT_THAT(CheckTags({{"Project", "Alpha"}, {"Owner", "x"}, {"Project", "Beta"}}, {}),
              StatusIs(Code::kTag, "Duplicate tag keys"));
}

TEST(CheckTagsTest, TreatsKeysThatDifferInCaseAsDifferentKeys) {
  EXPECT_THAT(CheckTags({{"Project", "Alpha"}, {"project", "Beta"}}, {}), IsOk());
}

TEST(CheckTagsTest, AllowsAtMost50TagsInAll) {
  EXPECT_THAT(CheckTags(NumberedTags(0, 50), {}), IsOk());
  EXPECT_THAT(CheckTags(NumberedTags(0, 51), {}), StatusIs(Code::kTag, "Too many tags"));
  EXPECT_THAT(CheckTags(NumberedTags(49, 2), NumberedTags(0, 49)),
              StatusIs(Code::kTag, "Too many tags"));
  EXPECT_THAT(CheckTags(NumberedTags(49, 1), NumberedTags(0, 49)), IsOk());
}

TEST(CheckTagsTest, CountsATagThatReplacesAnExistingOneOnce) {
  EXPECT_THAT(CheckTags({{"tag0", "new"}, {"tag49", "v"}}, NumberedTags(0, 49)), IsOk());
  EXPECT_THAT(CheckTags(NumberedTags(0, 50), NumberedTags(0, 50)), IsOk());
}

// ---------------------------------------------------------------- TagResource

TEST_F(TagServiceTest, TagResource_AddsTagsInOrder) {
  const Key key = NewKey();
  ASSERT_THAT(TagAs("alice", key, {{"Project", "Alpha"}, {"Owner", "alice"}}), IsOk());
  ASSERT_THAT(TagAs("alice", key, {{"CostCenter", "42"}}), IsOk());
  EXPECT_THAT(StoredTags(key),
              ElementsAre(Tag{"Project", "Alpha"}, Tag{"Owner", "alice"}, Tag{"CostCenter", "42"}));
}

TEST_F(TagServiceTest, TagResource_ReplacesTheValueOfAnExistingKeyInPlace) {
  const Key key = TaggedKey({{"Project", "Alpha"}, {"Owner", "alice"}});
  ASSERT_THAT(TagAs("alice", key, {{"Project", "Beta"}}), IsOk());
  EXPECT_THAT(StoredTags(key), ElementsAre(Tag{"Project", "Beta"}, Tag{"Owner", "alice"}));
}

TEST_F(TagServiceTest, TagResource_AcceptsTheKeyArn) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  ASSERT_THAT(tags().TagResource(call, {key->Arn(), {{"Project", "Alpha"}}}), IsOk());
  EXPECT_THAT(StoredTags(key), ElementsAre(Tag{"Project", "Alpha"}));
}

TEST_F(TagServiceTest, TagResource_TagsADisabledKey) {
  const Key key = NewKey();
  Disable(key);
  ASSERT_THAT(TagAs("alice", key, {{"Project", "Alpha"}}), IsOk());
  EXPECT_THAT(StoredTags(key), ElementsAre(Tag{"Project", "Alpha"}));
}

TEST_F(TagServiceTest, TagResource_RefusesAKeyPendingDeletion) {
  const Key key = NewKey();
  ScheduleDeletion(key);
  EXPECT_THAT(TagAs("alice", key, {{"Project", "Alpha"}}),
              StatusIs(Code::kInvalidState, key->Arn() + " is pending deletion."));
  EXPECT_THAT(StoredTags(key), IsEmpty());
}

TEST_F(TagServiceTest, TagResource_RefusesReservedAwsTagKeys) {
  const Key key = TaggedKey({{"Project", "Alpha"}});
  EXPECT_THAT(TagAs("alice", key, {{"Owner", "alice"}, {"aws:createdBy", "me"}}),
              StatusIs(Code::kTag, "Tags beginning with aws: are reserved"));
  EXPECT_THAT(StoredTags(key), ElementsAre(Tag{"Project", "Alpha"}));
}

TEST_F(TagServiceTest, TagResource_RefusesDuplicateKeysInOneRequest) {
  const Key key = NewKey();
  EXPECT_THAT(TagAs("alice", key, {{"Project", "Alpha"}, {"Project", "Beta"}}),
              StatusIs(Code::kTag, "Duplicate tag keys"));
  EXPECT_THAT(StoredTags(key), IsEmpty());
}

TEST_F(TagServiceTest, TagResource_RefusesToGoPast50Tags) {
  const Key key = TaggedKey(NumberedTags(0, 49));
  EXPECT_THAT(TagAs("alice", key, NumberedTags(49, 2)), StatusIs(Code::kTag, "Too many tags"));
  EXPECT_EQ(StoredTags(key).size(), 49u);
  ASSERT_THAT(TagAs("alice", key, NumberedTags(49, 1)), IsOk());
  EXPECT_EQ(StoredTags(key).size(), 50u);
  EXPECT_THAT(TagAs("alice", key, {{"one-more", "x"}}), StatusIs(Code::kTag, "Too many tags"));
}

TEST_F(TagServiceTest, TagResource_ReplacingTagsOfAFullKeyIsAllowed) {
  const Key key = TaggedKey(NumberedTags(0, 50));
  ASSERT_THAT(TagAs("alice", key, {{"tag7", "replaced"}}), IsOk());
  const std::vector<Tag> stored = StoredTags(key);
  ASSERT_EQ(stored.size(), 50u);
  EXPECT_EQ(stored[7], (Tag{"tag7", "replaced"}));
}

TEST_F(TagServiceTest, TagResource_DeniesBob) {
  const Key key = NewKey();
  EXPECT_THAT(TagAs("bob", key, {{"Project", "Alpha"}}),
              StatusIs(Code::kAccessDenied, BobDenied("kms:TagResource", key->Arn())));
  EXPECT_THAT(StoredTags(key), IsEmpty());
}

TEST_F(TagServiceTest, TagResource_ChecksAuthorizationBeforeTheTags) {
  const Key key = NewKey();
  EXPECT_THAT(TagAs("bob", key, {{"aws:reserved", "x"}}), StatusIs(Code::kAccessDenied));
}

TEST_F(TagServiceTest, TagResource_RefusesAnAlias) {
  const Key key = NewKey();
  CallContext create = Context("alice");
  ASSERT_THAT(services_->aliases.CreateAlias(create, {"alias/tagged", key->key_id}), IsOk());
  CallContext call = Context("alice");
  EXPECT_THAT(tags().TagResource(call, {"alias/tagged", {{"Project", "Alpha"}}}),
              StatusIs(Code::kNotFound, "Invalid keyId 'alias/tagged'"));
  EXPECT_THAT(StoredTags(key), IsEmpty());
}

TEST_F(TagServiceTest, TagResource_RefusesAnUnknownKey) {
  CallContext call = Context("alice");
  EXPECT_THAT(tags().TagResource(call, {kUnknownKeyId, {{"Project", "Alpha"}}}),
              StatusIs(Code::kNotFound,
                       "Key '" + KeyArn(kRegion, kAccount, kUnknownKeyId) + "' does not exist"));
}

TEST_F(TagServiceTest, TagResource_RefusesAnArnOfAnotherRegion) {
  const Key key = NewKey();
  CallContext call = Context("alice", kOtherRegion);
  EXPECT_THAT(tags().TagResource(call, {key->Arn(), {{"Project", "Alpha"}}}),
              StatusIs(Code::kNotFound, "Invalid arn us-east-1"));
  EXPECT_THAT(StoredTags(key), IsEmpty());
}

TEST_F(TagServiceTest, TagResource_RefusesTheAwsManagedKey) {
  const Key key = RdsManagedKey();
  EXPECT_THAT(TagAs("alice", key, {{"Project", "Alpha"}}),
              StatusIs(Code::kAccessDenied,
                       HasSubstr("because no resource-based policy allows the kms:TagResource")));
  EXPECT_THAT(StoredTags(key), IsEmpty());
}

TEST_F(TagServiceTest, TagResource_IsNotACrossAccountOperation) {
  const Key key = KeySharedWithCarol();
  CallContext call = Context("carol");
  EXPECT_THAT(tags().TagResource(call, {key->Arn(), {{"Owner", "carol"}}}),
              AnyOf(StatusIs(Code::kNotFound), StatusIs(Code::kAccessDenied)));
  EXPECT_THAT(StoredTags(key), IsEmpty());
}

TEST_F(TagServiceTest, TagResource_PassesEachTagAsAwsRequestTag) {
  const Key key = NewKey();
  SetPolicy(key, PolicyWith(std::string(kAliceAdmin) +
                            R"(,{"Sid":"BobTagsAlpha","Effect":"Allow",)"
                            R"("Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},)"
                            R"("Action":"kms:TagResource","Resource":"*",)"
                            R"("Condition":{"StringEquals":{"aws:RequestTag/Project":"Alpha"}}})"));
  EXPECT_THAT(TagAs("bob", key, {{"Project", "Alpha"}}), IsOk());
  CallContext denied = Context("bob");
  EXPECT_THAT(tags().TagResource(denied, {key->key_id, {{"Project", "Beta"}}}),
              StatusIs(Code::kAccessDenied,
                       HasSubstr("because no resource-based policy allows the kms:TagResource")));
  ASSERT_TRUE(denied.trace.decision.has_value());
  EXPECT_EQ(denied.trace.decision->deciding_statement, "BobTagsAlpha");
  EXPECT_THAT(denied.trace.decision->failed_condition, HasSubstr("aws:RequestTag/Project"));
  EXPECT_THAT(StoredTags(key), ElementsAre(Tag{"Project", "Alpha"}));
}

TEST_F(TagServiceTest, TagResource_RequestTagConditionCannotBeDodgedByAKeyThatDiffersInCase) {
  const Key key = NewKey();
  SetPolicy(
      key,
      PolicyWith(std::string(kAliceAdmin) +
                 R"(,{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},)"
                 R"("Action":"kms:TagResource","Resource":"*",)"
                 R"("Condition":{"StringEquals":{"aws:RequestTag/Project":"Alpha"}}})"));
  EXPECT_THAT(TagAs("bob", key, {{"Project", "Alpha"}, {"project", "Beta"}}),
              StatusIs(Code::kAccessDenied));
  EXPECT_THAT(StoredTags(key), IsEmpty());
}

TEST_F(TagServiceTest, TagResource_PassesTheTagKeysAsAwsTagKeys) {
  const Key key = NewKey();
  SetPolicy(
      key,
      PolicyWith(
          std::string(kAliceAdmin) +
          R"(,{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},)"
          R"("Action":"kms:TagResource","Resource":"*",)"
          R"("Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["Project","Owner"]}}})"));
  EXPECT_THAT(TagAs("bob", key, {{"Project", "Alpha"}, {"Owner", "bob"}}), IsOk());
  EXPECT_THAT(TagAs("bob", key, {{"Owner", "bob"}, {"Secret", "x"}}),
              StatusIs(Code::kAccessDenied));
  EXPECT_THAT(StoredTags(key), ElementsAre(Tag{"Project", "Alpha"}, Tag{"Owner", "bob"}));
}

TEST_F(TagServiceTest, TagResource_FollowsADenyOnARequestTag) {
  const Key key = NewKey();
  SetPolicy(
      key,
      PolicyWith(std::string(kAliceAdmin) +
                 R"(,{"Sid":"NoProdTags","Effect":"Deny","Principal":{"AWS":"*"},)"
                 R"("Action":"kms:TagResource",)"
                 R"("Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/Env":"prod"}}})"));
  EXPECT_THAT(TagAs("alice", key, {{"Env", "dev"}}), IsOk());
  CallContext denied = Context("alice");
  EXPECT_THAT(
      tags().TagResource(denied, {key->key_id, {{"Env", "prod"}}}),
      StatusIs(Code::kAccessDenied, HasSubstr("with an explicit deny in a resource-based policy")));
  ASSERT_TRUE(denied.trace.decision.has_value());
  EXPECT_EQ(denied.trace.decision->reason, policy::Decision::Reason::kExplicitDenyInKeyPolicy);
  EXPECT_EQ(denied.trace.decision->deciding_statement, "NoProdTags");
  EXPECT_THAT(StoredTags(key), ElementsAre(Tag{"Env", "dev"}));
}

TEST_F(TagServiceTest, TagResource_ResourceTagConditionsSeeTheTagsBeforeTheCall) {
  // Bob may tag only keys already tagged Team=Bob.
  const Key key = NewKey();
  SetPolicy(
      key,
      PolicyWith(std::string(kAliceAdmin) +
                 R"(,{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},)"
                 R"("Action":"kms:TagResource","Resource":"*",)"
                 R"("Condition":{"StringEquals":{"aws:ResourceTag/Team":"Bob"}}})"));
  EXPECT_THAT(TagAs("bob", key, {{"Team", "Bob"}}), StatusIs(Code::kAccessDenied));
  ASSERT_THAT(TagAs("alice", key, {{"Team", "Bob"}}), IsOk());
  EXPECT_THAT(TagAs("bob", key, {{"Project", "Alpha"}}), IsOk());
}

TEST_F(TagServiceTest, TagResource_TraceNamesTheKeyAndTheDecision) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  ASSERT_THAT(tags().TagResource(call, {key->key_id, {{"Project", "Alpha"}}}), IsOk());
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_TRUE(call.trace.decision->allowed);
  EXPECT_EQ(call.trace.decision->reason, policy::Decision::Reason::kAllowedByIdentityPolicy);
  EXPECT_EQ(call.trace.decision->deciding_policy, "admin");
}

// ---------------------------------------------------------------- UntagResource

TEST_F(TagServiceTest, UntagResource_RemovesTheNamedTags) {
  const Key key = TaggedKey({{"Project", "Alpha"}, {"Owner", "alice"}, {"Temp", "1"}});
  ASSERT_THAT(UntagAs("alice", key, {"Project", "Temp"}), IsOk());
  EXPECT_THAT(StoredTags(key), ElementsAre(Tag{"Owner", "alice"}));
}

TEST_F(TagServiceTest, UntagResource_IgnoresAbsentKeys) {
  const Key key = TaggedKey({{"Project", "Alpha"}});
  ASSERT_THAT(UntagAs("alice", key, {"Missing", "project"}), IsOk());
  EXPECT_THAT(StoredTags(key), ElementsAre(Tag{"Project", "Alpha"}));
}

TEST_F(TagServiceTest, UntagResource_UntagsADisabledKey) {
  const Key key = TaggedKey({{"Project", "Alpha"}});
  Disable(key);
  ASSERT_THAT(UntagAs("alice", key, {"Project"}), IsOk());
  EXPECT_THAT(StoredTags(key), IsEmpty());
}

TEST_F(TagServiceTest, UntagResource_RefusesAKeyPendingDeletion) {
  const Key key = TaggedKey({{"Project", "Alpha"}});
  ScheduleDeletion(key);
  EXPECT_THAT(UntagAs("alice", key, {"Project"}),
              StatusIs(Code::kInvalidState, key->Arn() + " is pending deletion."));
  EXPECT_THAT(StoredTags(key), ElementsAre(Tag{"Project", "Alpha"}));
}

TEST_F(TagServiceTest, UntagResource_DeniesBob) {
  const Key key = TaggedKey({{"Project", "Alpha"}});
  EXPECT_THAT(UntagAs("bob", key, {"Project"}),
              StatusIs(Code::kAccessDenied, BobDenied("kms:UntagResource", key->Arn())));
  EXPECT_THAT(StoredTags(key), ElementsAre(Tag{"Project", "Alpha"}));
}

TEST_F(TagServiceTest, UntagResource_PassesTheTagKeysAsAwsTagKeys) {
  const Key key = TaggedKey({{"Temp", "1"}, {"Owner", "alice"}});
  SetPolicy(
      key,
      PolicyWith(std::string(kAliceAdmin) +
                 R"(,{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},)"
                 R"("Action":"kms:UntagResource","Resource":"*",)"
                 R"("Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["Temp"]}}})"));
  EXPECT_THAT(UntagAs("bob", key, {"Owner"}), StatusIs(Code::kAccessDenied));
  EXPECT_THAT(UntagAs("bob", key, {"Temp", "Owner"}), StatusIs(Code::kAccessDenied));
  EXPECT_THAT(StoredTags(key), ElementsAre(Tag{"Temp", "1"}, Tag{"Owner", "alice"}));
  EXPECT_THAT(UntagAs("bob", key, {"Temp"}), IsOk());
  EXPECT_THAT(StoredTags(key), ElementsAre(Tag{"Owner", "alice"}));
}

TEST_F(TagServiceTest, UntagResource_RefusesTheAwsManagedKey) {
  const Key key = RdsManagedKey();
  EXPECT_THAT(UntagAs("alice", key, {"Project"}), StatusIs(Code::kAccessDenied));
}

TEST_F(TagServiceTest, UntagResource_RefusesAnAlias) {
  const Key key = TaggedKey({{"Project", "Alpha"}});
  CallContext create = Context("alice");
  ASSERT_THAT(services_->aliases.CreateAlias(create, {"alias/untagged", key->key_id}), IsOk());
  CallContext call = Context("alice");
  EXPECT_THAT(tags().UntagResource(call, {"alias/untagged", {"Project"}}),
              StatusIs(Code::kNotFound, "Invalid keyId 'alias/untagged'"));
  EXPECT_THAT(StoredTags(key), ElementsAre(Tag{"Project", "Alpha"}));
}

TEST_F(TagServiceTest, UntagResource_IsNotACrossAccountOperation) {
  const Key key = KeySharedWithCarol();
  ASSERT_THAT(TagAs("alice", key, {{"Project", "Alpha"}}), IsOk());
  CallContext call = Context("carol");
  EXPECT_THAT(tags().UntagResource(call, {key->Arn(), {"Project"}}),
              AnyOf(StatusIs(Code::kNotFound), StatusIs(Code::kAccessDenied)));
  EXPECT_THAT(StoredTags(key), ElementsAre(Tag{"Project", "Alpha"}));
}

TEST_F(TagServiceTest, UntagResource_TraceNamesTheKeyAndTheDecision) {
  const Key key = TaggedKey({{"Project", "Alpha"}});
  CallContext call = Context("alice");
  ASSERT_THAT(tags().UntagResource(call, {key->Arn(), {"Project"}}), IsOk());
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_TRUE(call.trace.decision->allowed);
  EXPECT_EQ(call.trace.decision->deciding_policy, "admin");
}

// ---------------------------------------------------------------- ListResourceTags

TEST_F(TagServiceTest, ListResourceTags_ListsNothingForAnUntaggedKey) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(ListPage<Tag> page, tags().ListResourceTags(call, {key->key_id, {}}));
  EXPECT_THAT(page.items, IsEmpty());
  EXPECT_EQ(page.next, "");
}

TEST_F(TagServiceTest, ListResourceTags_ListsTagsInTheOrderTheyWereAdded) {
  const Key key = TaggedKey({{"b", "1"}, {"a", "2"}});
  ASSERT_THAT(TagAs("alice", key, {{"c", "3"}, {"b", "replaced"}}), IsOk());
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(ListPage<Tag> page, tags().ListResourceTags(call, {key->Arn(), {}}));
  EXPECT_THAT(page.items, ElementsAre(Tag{"b", "replaced"}, Tag{"a", "2"}, Tag{"c", "3"}));
  EXPECT_EQ(page.next, "");
}

TEST_F(TagServiceTest, ListResourceTags_PagesByLimit) {
  const Key key = TaggedKey(NumberedTags(0, 5));
  std::vector<Tag> seen;
  PageRequest page_request;
  page_request.limit = 2;
  std::vector<std::string> positions;
  for (int pages = 0; pages < 3; ++pages) {
    CallContext call = Context("alice");
    KMS_ASSERT_OK_AND_ASSIGN(ListPage<Tag> page,
                             tags().ListResourceTags(call, {key->key_id, page_request}));
    seen.insert(seen.end(), page.items.begin(), page.items.end());
    positions.push_back(page.next);
    page_request = After(page.next, 2);
  }
  EXPECT_EQ(seen, NumberedTags(0, 5));
  EXPECT_THAT(positions, ElementsAre("2", "4", ""));
}

TEST_F(TagServiceTest, ListResourceTags_Returns50TagsAPageAtMost) {
  // More tags than TagResource allows, written directly, to show the page size.
  const Key key = NewKey();
  ASSERT_THAT(keys_->UpdateKey(key->key_id,
                               [](KeyRecord& record) {
                                 record.tags = NumberedTags(0, 60);
                                 return OkStatus();
                               }),
              IsOk());
  CallContext call = Context("alice");
  PageRequest big;
  big.limit = 1000;
  KMS_ASSERT_OK_AND_ASSIGN(ListPage<Tag> first, tags().ListResourceTags(call, {key->key_id, big}));
  EXPECT_EQ(first.items.size(), 50u);
  EXPECT_EQ(first.next, "50");
  KMS_ASSERT_OK_AND_ASSIGN(ListPage<Tag> second,
                           tags().ListResourceTags(call, {key->key_id, After("50", 1000)}));
  EXPECT_EQ(second.items, NumberedTags(50, 10));
  EXPECT_EQ(second.next, "");
  KMS_ASSERT_OK_AND_ASSIGN(ListPage<Tag> by_default,
                           tags().ListResourceTags(call, {key->key_id, {}}));
  EXPECT_EQ(by_default.items.size(), 50u);
}

TEST_F(TagServiceTest, ListResourceTags_RefusesAPositionThatIsNotATagIndex) {
  const Key key = TaggedKey(NumberedTags(0, 3));
  for (const char* position : {"abc", "", "-1", "1.5", " 1", "1234567", "tag1"}) {
    CallContext call = Context("alice");
    PageRequest page;
    page.marker = "sent-marker";
    page.after = position;
    EXPECT_THAT(tags().ListResourceTags(call, {key->key_id, page}),
                StatusIs(Code::kInvalidMarker, "Invalid marker: sent-marker"))
        << "position '" << position << "'";
  }
}

TEST_F(TagServiceTest, ListResourceTags_ListsTagsOfDisabledAndPendingDeletionKeys) {
  const Key disabled = TaggedKey({{"State", "disabled"}});
  Disable(disabled);
  const Key pending = TaggedKey({{"State", "pending"}});
  ScheduleDeletion(pending);
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(ListPage<Tag> disabled_page,
                           tags().ListResourceTags(call, {disabled->key_id, {}}));
  EXPECT_THAT(disabled_page.items, ElementsAre(Tag{"State", "disabled"}));
  KMS_ASSERT_OK_AND_ASSIGN(ListPage<Tag> pending_page,
                           tags().ListResourceTags(call, {pending->key_id, {}}));
  EXPECT_THAT(pending_page.items, ElementsAre(Tag{"State", "pending"}));
}

TEST_F(TagServiceTest, ListResourceTags_DeniesBob) {
  const Key key = TaggedKey({{"Project", "Alpha"}});
  CallContext call = Context("bob");
  EXPECT_THAT(tags().ListResourceTags(call, {key->key_id, {}}),
              StatusIs(Code::kAccessDenied, BobDenied("kms:ListResourceTags", key->Arn())));
}

TEST_F(TagServiceTest, ListResourceTags_RefusesAnAlias) {
  CallContext call = Context("alice");
  EXPECT_THAT(tags().ListResourceTags(call, {"alias/aws/rds", {}}),
              StatusIs(Code::kNotFound, "Invalid keyId 'alias/aws/rds'"));
}

TEST_F(TagServiceTest, ListResourceTags_RefusesAnArnOfAnotherRegion) {
  const Key key = NewKey();
  CallContext call = Context("alice", kOtherRegion);
  EXPECT_THAT(tags().ListResourceTags(call, {key->Arn(), {}}),
              StatusIs(Code::kNotFound, "Invalid arn us-east-1"));
}

TEST_F(TagServiceTest, ListResourceTags_IsNotACrossAccountOperation) {
  const Key key = KeySharedWithCarol();
  ASSERT_THAT(TagAs("alice", key, {{"Project", "Alpha"}}), IsOk());
  CallContext call = Context("carol");
  EXPECT_THAT(tags().ListResourceTags(call, {key->Arn(), {}}),
              AnyOf(StatusIs(Code::kNotFound), StatusIs(Code::kAccessDenied)));
}

TEST_F(TagServiceTest, ListResourceTags_TraceNamesTheKeyAndTheDecision) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  ASSERT_THAT(tags().ListResourceTags(call, {key->key_id, {}}), IsOk());
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_TRUE(call.trace.decision->allowed);
  EXPECT_EQ(call.trace.decision->deciding_policy, "admin");
}

}  // namespace
}  // namespace kms::keys
