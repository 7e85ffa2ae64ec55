#include "kms/server/keys/alias_service.h"

#include <ostream>
#include <string>
#include <vector>

#include "tests/server/keys/service_test_util.h"

namespace kms::keys {

// Failure messages show a StatusOr's status rather than its bytes (found by
// GoogleTest through argument-dependent lookup, so it lives in kms::keys).
template <class T>
void PrintTo(const StatusOr<T>& value, std::ostream* os) {
  *os << (value ? std::string("OK") : value.error().ToString());
}

namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::kAccount;
using testing::kOtherAccount;
using testing::kRegion;
using testing::ServiceTest;

constexpr EpochMillis kHour = 3600LL * 1000;
constexpr char kBob[] = "arn:aws:iam::111122223333:user/bob";

std::string AccessDenied(const std::string& who_arn, const std::string& action,
                         const std::string& resource) {
  return "User: " + who_arn + " is not authorized to perform: " + action +
         " on resource: " + resource + " because no identity-based policy allows the " + action +
         " action";
}

// The default key policy plus a statement that names bob directly for `actions` (a JSON value).
std::string PolicyAllowingBob(const std::string& actions) {
  return R"({"Version":"2012-10-17","Statement":[)"
         R"({"Sid":"Enable IAM User Permissions","Effect":"Allow",)"
         R"("Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},)"
         R"({"Sid":"Bob","Effect":"Allow",)"
         R"("Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},)"
         R"("Action":)" +
         actions + R"(,"Resource":"*"}]})";
}

class AliasServiceTest : public ServiceTest {
 protected:
  Status Create(const std::string& who, const std::string& name, const std::string& target) {
    CallContext call = Context(who);
    return services_->aliases.CreateAlias(call, {name, target});
  }
  Status Update(const std::string& who, const std::string& name, const std::string& target) {
    CallContext call = Context(who);
    return services_->aliases.UpdateAlias(call, {name, target});
  }
  Status Delete(const std::string& who, const std::string& name) {
    CallContext call = Context(who);
    return services_->aliases.DeleteAlias(call, {name});
  }
  StatusOr<ListPage<AliasRecord>> List(const std::string& who,
                                       std::optional<std::string> key_id = std::nullopt,
                                       PageRequest page = {}) {
    CallContext call = Context(who);
    return services_->aliases.ListAliases(call, {std::move(key_id), std::move(page)});
  }

  // The alias as stored in alice's account and region, or null.
  std::shared_ptr<const AliasRecord> Stored(const std::string& name) {
    auto alias = store_->GetAlias(kAccount, kRegion, name);
    return alias ? *alias : nullptr;
  }

  Key NewKeyWithPolicy(const std::string& policy) {
    CallContext call = Context("alice");
    CreateKeyRequest request;
    request.policy = policy;
    StatusOr<Key> key = services_->lifecycle.CreateKey(call, request);
    EXPECT_TRUE(key.has_value()) << key.error().ToString();
    return key.value_or(nullptr);
  }

  Key CarolsKey() {
    CallContext call = Context("carol");
    StatusOr<Key> key = services_->lifecycle.CreateKey(call, CreateKeyRequest{});
    EXPECT_TRUE(key.has_value()) << key.error().ToString();
    return key.value_or(nullptr);
  }

  // alias/aws/rds's key, created on first use.
  void AddAliases(const Key& key, int count, const std::string& prefix = "alias/many-") {
    for (int i = 0; i < count; ++i) {
      char name[64];
      std::snprintf(name, sizeof name, "%s%03d", prefix.c_str(), i);
      ASSERT_THAT(Create("alice", name, key->key_id), IsOk()) << name;
    }
  }

  static std::vector<std::string> Names(const ListPage<AliasRecord>& page) {
    std::vector<std::string> names;
    for (const AliasRecord& alias : page.items) names.push_back(alias.alias_name);
    return names;
  }
};

// ---- CreateAlias ----

TEST_F(AliasServiceTest, CreateAlias_PointsANewAliasAtTheTargetKey) {
  const Key key = NewKey();
  clock_.Advance(kHour);
  ASSERT_THAT(Create("alice", "alias/orders", key->key_id), IsOk());
  const auto alias = Stored("alias/orders");
  ASSERT_NE(alias, nullptr);
  EXPECT_EQ(alias->account, kAccount);
  EXPECT_EQ(alias->region, kRegion);
  EXPECT_EQ(alias->target_key_id, key->key_id);
  EXPECT_EQ(alias->creation_date, clock_.NowMillis());
  EXPECT_EQ(alias->last_updated_date, clock_.NowMillis());
}

TEST_F(AliasServiceTest, CreateAlias_AcceptsTheTargetAsAKeyArn) {
  const Key key = NewKey();
  ASSERT_THAT(Create("alice", "alias/by-arn", key->Arn()), IsOk());
  ASSERT_NE(Stored("alias/by-arn"), nullptr);
  EXPECT_EQ(Stored("alias/by-arn")->target_key_id, key->key_id);
}

TEST_F(AliasServiceTest, CreateAlias_RefusesANameWithoutTheAliasPrefix) {
  // Checked before the target (which does not exist either).
  EXPECT_THAT(Create("alice", "orders", "00000000-0000-0000-0000-000000000000"),
              StatusIs(Code::kValidation,
                       "Alias must start with the prefix \"alias/\". Please see "
                       "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html"));
  // "aws/..." lacks the prefix too: the prefix check comes before the reserved-name check.
  EXPECT_THAT(Create("alice", "aws/orders", NewKey()->key_id), StatusIs(Code::kValidation));
}

TEST_F(AliasServiceTest, CreateAlias_RefusesAwsReservedNamesAsNotAuthorized) {
  const Key key = NewKey();
  EXPECT_THAT(Create("alice", "alias/aws/orders", key->key_id), StatusIs(Code::kNotAuthorized, ""));
  EXPECT_EQ(Stored("alias/aws/orders"), nullptr);
  // Before the target's resolution.
  EXPECT_THAT(Create("alice", "alias/aws/orders", "00000000-0000-0000-0000-000000000000"),
              StatusIs(Code::kNotAuthorized));
}

TEST_F(AliasServiceTest, CreateAlias_RefusesAnEmptyNameAfterThePrefix) {
  EXPECT_THAT(Create("alice", "alias/", "00000000-0000-0000-0000-000000000000"),
              StatusIs(Code::kInvalidAliasName, "Alias name must not be empty after \"alias/\"."));
}

TEST_F(AliasServiceTest, CreateAlias_RefusesAnAliasAsTarget) {
  const Key key = NewKey();
  ASSERT_THAT(Create("alice", "alias/first", key->key_id), IsOk());
  EXPECT_THAT(Create("alice", "alias/second", "alias/first"),
              StatusIs(Code::kNotFound, "Invalid keyId 'alias/first'"));
  EXPECT_EQ(Stored("alias/second"), nullptr);
}

TEST_F(AliasServiceTest, CreateAlias_RefusesAnUnknownTargetKey) {
  const std::string missing = "1234abcd-12ab-34cd-56ef-1234567890ab";
  EXPECT_THAT(Create("alice", "alias/orders", missing),
              StatusIs(Code::kNotFound, "Key 'arn:aws:kms:us-east-1:111122223333:key/" + missing +
                                            "' does not exist"));
}

TEST_F(AliasServiceTest, CreateAlias_RefusesAnotherAccountsKeyAsNotFound) {
  const Key carols = CarolsKey();
  // NotFound, not AccessDenied: the check comes before authorization.
  EXPECT_THAT(Create("alice", "alias/borrowed", carols->Arn()),
              StatusIs(Code::kNotFound, "Key '" + carols->Arn() + "' does not exist"));
  EXPECT_EQ(Stored("alias/borrowed"), nullptr);
}

TEST_F(AliasServiceTest, CreateAlias_RefusesAnAwsManagedKeyAsNotAuthorized) {
  const Key managed = RdsManagedKey();
  ASSERT_EQ(managed->key_manager, KeyManager::kAws);
  EXPECT_THAT(Create("alice", "alias/my-rds", managed->key_id), StatusIs(Code::kNotAuthorized));
  // Before authorization: bob gets the same answer.
  EXPECT_THAT(Create("bob", "alias/my-rds", managed->key_id), StatusIs(Code::kNotAuthorized));
  EXPECT_EQ(Stored("alias/my-rds"), nullptr);
}

TEST_F(AliasServiceTest, CreateAlias_RefusesACallerTheKeyPolicyDoesNotAllow) {
  const Key key = NewKey();
  EXPECT_THAT(Create("bob", "alias/bobs", key->key_id),
              StatusIs(Code::kAccessDenied, AccessDenied(kBob, "kms:CreateAlias", key->Arn())));
  EXPECT_EQ(Stored("alias/bobs"), nullptr);
}

TEST_F(AliasServiceTest, CreateAlias_AllowsACallerTheKeyPolicyNamesDirectly) {
  const Key key = NewKeyWithPolicy(PolicyAllowingBob(R"("kms:CreateAlias")"));
  EXPECT_THAT(Create("bob", "alias/bobs", key->key_id), IsOk());
  EXPECT_NE(Stored("alias/bobs"), nullptr);
}

TEST_F(AliasServiceTest, CreateAlias_RefusesAKeyPendingDeletion) {
  const Key key = NewKey();
  ScheduleDeletion(key);
  EXPECT_THAT(Create("alice", "alias/doomed", key->key_id),
              StatusIs(Code::kInvalidState, key->Arn() + " is pending deletion."));
  // Authorization comes before the key state.
  EXPECT_THAT(Create("bob", "alias/doomed", key->key_id), StatusIs(Code::kAccessDenied));
  EXPECT_EQ(Stored("alias/doomed"), nullptr);
}

TEST_F(AliasServiceTest, CreateAlias_AllowsADisabledKey) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  ASSERT_THAT(services_->lifecycle.DisableKey(call, {key->key_id}), IsOk());
  EXPECT_THAT(Create("alice", "alias/sleeping", key->key_id), IsOk());
}

TEST_F(AliasServiceTest, CreateAlias_RefusesANameAlreadyInUse) {
  const Key first = NewKey(), second = NewKey();
  ASSERT_THAT(Create("alice", "alias/taken", first->key_id), IsOk());
  EXPECT_THAT(
      Create("alice", "alias/taken", second->key_id),
      StatusIs(
          Code::kAlreadyExists,
          "An alias with the name arn:aws:kms:us-east-1:111122223333:alias/taken already exists"));
  EXPECT_EQ(Stored("alias/taken")->target_key_id, first->key_id);
}

TEST_F(AliasServiceTest, CreateAlias_ChecksTheKeyStateBeforeTheName) {
  const Key first = NewKey(), doomed = NewKey();
  ASSERT_THAT(Create("alice", "alias/taken", first->key_id), IsOk());
  ScheduleDeletion(doomed);
  EXPECT_THAT(Create("alice", "alias/taken", doomed->key_id), StatusIs(Code::kInvalidState));
}

TEST_F(AliasServiceTest, CreateAlias_RefusesMoreThan50AliasesPerKey) {
  const Key key = NewKey();
  AddAliases(key, 50);
  EXPECT_THAT(Create("alice", "alias/one-too-many", key->key_id),
              StatusIs(Code::kLimitExceeded,
                       "The number of aliases for " + key->Arn() + " exceeds the limit of 50."));
  EXPECT_EQ(Stored("alias/one-too-many"), nullptr);
  // The quota is per key.
  EXPECT_THAT(Create("alice", "alias/one-too-many", NewKey()->key_id), IsOk());
}

TEST_F(AliasServiceTest, CreateAlias_KeepsNamesApartPerRegion) {
  const Key east = NewKey();
  CallContext west_call = Context("alice", "eu-west-1");
  KMS_ASSERT_OK_AND_ASSIGN(Key west, services_->lifecycle.CreateKey(west_call, CreateKeyRequest{}));
  ASSERT_THAT(Create("alice", "alias/shared", east->key_id), IsOk());
  CallContext call = Context("alice", "eu-west-1");
  EXPECT_THAT(services_->aliases.CreateAlias(call, {"alias/shared", west->key_id}), IsOk());
  EXPECT_EQ(Stored("alias/shared")->target_key_id, east->key_id);
  KMS_ASSERT_OK_AND_ASSIGN(auto west_alias,
                           store_->GetAlias(kAccount, "eu-west-1", "alias/shared"));
  EXPECT_EQ(west_alias->target_key_id, west->key_id);
}

TEST_F(AliasServiceTest, CreateAlias_NamesTheKeyThenTheAliasInTheTrace) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  ASSERT_THAT(services_->aliases.CreateAlias(call, {"alias/traced", key->key_id}), IsOk());
  EXPECT_THAT(call.trace.resources,
              ElementsAre(key->Arn(), "arn:aws:kms:us-east-1:111122223333:alias/traced"));
}

// ---- UpdateAlias ----

TEST_F(AliasServiceTest, UpdateAlias_PointsTheAliasAtTheNewKey) {
  const Key first = NewKey(), second = NewKey();
  ASSERT_THAT(Create("alice", "alias/moving", first->key_id), IsOk());
  const EpochMillis created = clock_.NowMillis();
  clock_.Advance(kHour);
  ASSERT_THAT(Update("alice", "alias/moving", second->Arn()), IsOk());
  const auto alias = Stored("alias/moving");
  EXPECT_EQ(alias->target_key_id, second->key_id);
  EXPECT_EQ(alias->creation_date, created);
  EXPECT_EQ(alias->last_updated_date, created + kHour);
}

TEST_F(AliasServiceTest, UpdateAlias_RefusesANameWithoutTheAliasPrefix) {
  EXPECT_THAT(Update("alice", "moving", NewKey()->key_id), StatusIs(Code::kValidation));
}

TEST_F(AliasServiceTest, UpdateAlias_RefusesAwsReservedNamesAsNotAuthorized) {
  RdsManagedKey();
  EXPECT_THAT(Update("alice", "alias/aws/rds", NewKey()->key_id), StatusIs(Code::kNotAuthorized));
  EXPECT_EQ(Stored("alias/aws/rds")->target_key_id, RdsManagedKey()->key_id);
}

TEST_F(AliasServiceTest, UpdateAlias_RefusesAnEmptyNameAfterThePrefix) {
  EXPECT_THAT(Update("alice", "alias/", NewKey()->key_id), StatusIs(Code::kInvalidAliasName));
}

TEST_F(AliasServiceTest, UpdateAlias_RefusesAnUnknownAlias) {
  EXPECT_THAT(Update("alice", "alias/missing", NewKey()->key_id),
              StatusIs(Code::kNotFound,
                       "Alias arn:aws:kms:us-east-1:111122223333:alias/missing is not found."));
}

TEST_F(AliasServiceTest, UpdateAlias_RefusesAnotherAccountsKeyAsNotFound) {
  const Key key = NewKey(), carols = CarolsKey();
  ASSERT_THAT(Create("alice", "alias/moving", key->key_id), IsOk());
  EXPECT_THAT(Update("alice", "alias/moving", carols->Arn()),
              StatusIs(Code::kNotFound, "Key '" + carols->Arn() + "' does not exist"));
  EXPECT_EQ(Stored("alias/moving")->target_key_id, key->key_id);
}

TEST_F(AliasServiceTest, UpdateAlias_RefusesAnAwsManagedKeyAsNotAuthorized) {
  const Key key = NewKey();
  ASSERT_THAT(Create("alice", "alias/moving", key->key_id), IsOk());
  EXPECT_THAT(Update("alice", "alias/moving", RdsManagedKey()->key_id),
              StatusIs(Code::kNotAuthorized));
  EXPECT_EQ(Stored("alias/moving")->target_key_id, key->key_id);
}

TEST_F(AliasServiceTest, UpdateAlias_NeedsPermissionOnTheCurrentKey) {
  const Key current = NewKey();  // default policy: bob may not
  const Key next = NewKeyWithPolicy(PolicyAllowingBob(R"("kms:UpdateAlias")"));
  ASSERT_THAT(Create("alice", "alias/moving", current->key_id), IsOk());
  EXPECT_THAT(Update("bob", "alias/moving", next->key_id),
              StatusIs(Code::kAccessDenied, AccessDenied(kBob, "kms:UpdateAlias", current->Arn())));
  EXPECT_EQ(Stored("alias/moving")->target_key_id, current->key_id);
}

TEST_F(AliasServiceTest, UpdateAlias_NeedsPermissionOnTheNewKey) {
  const Key current = NewKeyWithPolicy(PolicyAllowingBob(R"("kms:UpdateAlias")"));
  const Key next = NewKey();
  ASSERT_THAT(Create("alice", "alias/moving", current->key_id), IsOk());
  EXPECT_THAT(Update("bob", "alias/moving", next->key_id),
              StatusIs(Code::kAccessDenied, AccessDenied(kBob, "kms:UpdateAlias", next->Arn())));
  EXPECT_EQ(Stored("alias/moving")->target_key_id, current->key_id);
}

TEST_F(AliasServiceTest, UpdateAlias_SucceedsWithPermissionOnBothKeys) {
  const Key current = NewKeyWithPolicy(PolicyAllowingBob(R"("kms:UpdateAlias")"));
  const Key next = NewKeyWithPolicy(PolicyAllowingBob(R"("kms:UpdateAlias")"));
  ASSERT_THAT(Create("alice", "alias/moving", current->key_id), IsOk());
  EXPECT_THAT(Update("bob", "alias/moving", next->key_id), IsOk());
  EXPECT_EQ(Stored("alias/moving")->target_key_id, next->key_id);
}

TEST_F(AliasServiceTest, UpdateAlias_RefusesANewKeyPendingDeletion) {
  const Key current = NewKey(), doomed = NewKey();
  ASSERT_THAT(Create("alice", "alias/moving", current->key_id), IsOk());
  ScheduleDeletion(doomed);
  EXPECT_THAT(Update("alice", "alias/moving", doomed->key_id),
              StatusIs(Code::kInvalidState, doomed->Arn() + " is pending deletion."));
  EXPECT_EQ(Stored("alias/moving")->target_key_id, current->key_id);
}

TEST_F(AliasServiceTest, UpdateAlias_RefusesANewKeyThatHas50Aliases) {
  const Key current = NewKey(), full = NewKey();
  AddAliases(full, 50);
  ASSERT_THAT(Create("alice", "alias/moving", current->key_id), IsOk());
  EXPECT_THAT(Update("alice", "alias/moving", full->key_id),
              StatusIs(Code::kLimitExceeded,
                       "The number of aliases for " + full->Arn() + " exceeds the limit of 50."));
  EXPECT_EQ(Stored("alias/moving")->target_key_id, current->key_id);
}

TEST_F(AliasServiceTest, UpdateAlias_ToTheSameKeyDoesNotCountAgainstTheLimit) {
  const Key full = NewKey();
  AddAliases(full, 50);
  EXPECT_THAT(Update("alice", "alias/many-000", full->key_id), IsOk());
}

TEST_F(AliasServiceTest, UpdateAlias_NamesTheAliasAndItsNewTargetInTheTrace) {
  // As CloudTrail's UpdateAlias records do: the alias, then the new target.
  const Key current = NewKey(), next = NewKey();
  ASSERT_THAT(Create("alice", "alias/moving", current->key_id), IsOk());
  CallContext call = Context("alice");
  ASSERT_THAT(services_->aliases.UpdateAlias(call, {"alias/moving", next->key_id}), IsOk());
  EXPECT_THAT(call.trace.resources,
              ElementsAre("arn:aws:kms:us-east-1:111122223333:alias/moving", next->Arn()));
}

// ---- DeleteAlias ----

TEST_F(AliasServiceTest, DeleteAlias_RemovesTheAlias) {
  const Key key = NewKey();
  ASSERT_THAT(Create("alice", "alias/gone", key->key_id), IsOk());
  ASSERT_THAT(Delete("alice", "alias/gone"), IsOk());
  EXPECT_EQ(Stored("alias/gone"), nullptr);
  // The key stays, and the name is free again.
  EXPECT_THAT(Create("alice", "alias/gone", key->key_id), IsOk());
}

TEST_F(AliasServiceTest, DeleteAlias_RefusesANameWithoutTheAliasPrefix) {
  EXPECT_THAT(Delete("alice", "gone"), StatusIs(Code::kValidation));
}

TEST_F(AliasServiceTest, DeleteAlias_RefusesAwsReservedNamesAsNotAuthorized) {
  RdsManagedKey();
  EXPECT_THAT(Delete("alice", "alias/aws/rds"), StatusIs(Code::kNotAuthorized));
  EXPECT_NE(Stored("alias/aws/rds"), nullptr);
}

TEST_F(AliasServiceTest, DeleteAlias_RefusesAnEmptyNameAfterThePrefix) {
  EXPECT_THAT(Delete("alice", "alias/"), StatusIs(Code::kInvalidAliasName));
}

TEST_F(AliasServiceTest, DeleteAlias_RefusesAnUnknownAlias) {
  EXPECT_THAT(Delete("alice", "alias/missing"),
              StatusIs(Code::kNotFound,
                       "Alias arn:aws:kms:us-east-1:111122223333:alias/missing is not found."));
}

TEST_F(AliasServiceTest, DeleteAlias_IsAuthorizedOnTheKeyTheAliasPointsAt) {
  const Key key = NewKey();
  ASSERT_THAT(Create("alice", "alias/kept", key->key_id), IsOk());
  EXPECT_THAT(Delete("bob", "alias/kept"),
              StatusIs(Code::kAccessDenied, AccessDenied(kBob, "kms:DeleteAlias", key->Arn())));
  EXPECT_NE(Stored("alias/kept"), nullptr);

  const Key bobs = NewKeyWithPolicy(PolicyAllowingBob(R"("kms:DeleteAlias")"));
  ASSERT_THAT(Create("alice", "alias/bobs", bobs->key_id), IsOk());
  EXPECT_THAT(Delete("bob", "alias/bobs"), IsOk());
  EXPECT_EQ(Stored("alias/bobs"), nullptr);
}

TEST_F(AliasServiceTest, DeleteAlias_WorksOnAKeyPendingDeletion) {
  const Key key = NewKey();
  ASSERT_THAT(Create("alice", "alias/doomed", key->key_id), IsOk());
  ScheduleDeletion(key);
  EXPECT_THAT(Delete("alice", "alias/doomed"), IsOk());
  EXPECT_EQ(Stored("alias/doomed"), nullptr);
}

TEST_F(AliasServiceTest, DeleteAlias_NamesTheAliasThenTheKeyInTheTrace) {
  const Key key = NewKey();
  ASSERT_THAT(Create("alice", "alias/traced", key->key_id), IsOk());
  CallContext call = Context("alice");
  ASSERT_THAT(services_->aliases.DeleteAlias(call, {"alias/traced"}), IsOk());
  EXPECT_THAT(call.trace.resources,
              ElementsAre("arn:aws:kms:us-east-1:111122223333:alias/traced", key->Arn()));
}

// ---- ListAliases ----

TEST_F(AliasServiceTest, ListAliases_ListsTheCallersAliasesByName) {
  const Key first = NewKey(), second = NewKey();
  ASSERT_THAT(Create("alice", "alias/charlie", first->key_id), IsOk());
  ASSERT_THAT(Create("alice", "alias/alpha", second->key_id), IsOk());
  ASSERT_THAT(Create("alice", "alias/bravo", first->key_id), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(auto page, List("alice"));
  EXPECT_THAT(Names(page), ElementsAre("alias/alpha", "alias/bravo", "alias/charlie"));
  EXPECT_EQ(page.items[0].target_key_id, second->key_id);
  EXPECT_EQ(page.next, "");
}

TEST_F(AliasServiceTest, ListAliases_PagesByLimitAndResumesAfterThePosition) {
  const Key key = NewKey();
  AddAliases(key, 5, "alias/p");
  KMS_ASSERT_OK_AND_ASSIGN(auto first,
                           List("alice", std::nullopt, PageRequest{2, std::nullopt, ""}));
  EXPECT_THAT(Names(first), ElementsAre("alias/p000", "alias/p001"));
  EXPECT_EQ(first.next, "alias/p001");
  KMS_ASSERT_OK_AND_ASSIGN(auto second,
                           List("alice", std::nullopt, PageRequest{2, "opaque", first.next}));
  EXPECT_THAT(Names(second), ElementsAre("alias/p002", "alias/p003"));
  KMS_ASSERT_OK_AND_ASSIGN(auto last,
                           List("alice", std::nullopt, PageRequest{2, "opaque", second.next}));
  EXPECT_THAT(Names(last), ElementsAre("alias/p004"));
  EXPECT_EQ(last.next, "");
}

TEST_F(AliasServiceTest, ListAliases_Returns50APageByDefault) {
  AddAliases(NewKey(), 50, "alias/a");
  AddAliases(NewKey(), 1, "alias/b");
  KMS_ASSERT_OK_AND_ASSIGN(auto page, List("alice"));
  EXPECT_EQ(page.items.size(), 50u);
  EXPECT_EQ(page.next, "alias/a049");
  KMS_ASSERT_OK_AND_ASSIGN(auto rest,
                           List("alice", std::nullopt, PageRequest{std::nullopt, "m", page.next}));
  EXPECT_THAT(Names(rest), ElementsAre("alias/b000"));
}

TEST_F(AliasServiceTest, ListAliases_FiltersByKeyId) {
  const Key first = NewKey(), second = NewKey();
  ASSERT_THAT(Create("alice", "alias/one", first->key_id), IsOk());
  ASSERT_THAT(Create("alice", "alias/two", second->key_id), IsOk());
  ASSERT_THAT(Create("alice", "alias/three", first->key_id), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(auto by_id, List("alice", first->key_id));
  EXPECT_THAT(Names(by_id), ElementsAre("alias/one", "alias/three"));
  KMS_ASSERT_OK_AND_ASSIGN(auto by_arn, List("alice", second->Arn()));
  EXPECT_THAT(Names(by_arn), ElementsAre("alias/two"));
}

TEST_F(AliasServiceTest, ListAliases_PagesTheAliasesOfOneKey) {
  const Key key = NewKey();
  AddAliases(key, 3, "alias/k");
  ASSERT_THAT(Create("alice", "alias/k001x", NewKey()->key_id),
              IsOk());  // another key's, between them
  KMS_ASSERT_OK_AND_ASSIGN(auto first,
                           List("alice", key->key_id, PageRequest{2, std::nullopt, ""}));
  EXPECT_THAT(Names(first), ElementsAre("alias/k000", "alias/k001"));
  EXPECT_EQ(first.next, "alias/k001");
  KMS_ASSERT_OK_AND_ASSIGN(auto rest, List("alice", key->key_id, PageRequest{2, "m", first.next}));
  EXPECT_THAT(Names(rest), ElementsAre("alias/k002"));
  EXPECT_EQ(rest.next, "");
}

TEST_F(AliasServiceTest, ListAliases_RefusesAnotherAccountsKeyAsNotFound) {
  const Key carols = CarolsKey();
  CallContext carol = Context("carol");
  ASSERT_THAT(services_->aliases.CreateAlias(carol, {"alias/carols", carols->key_id}), IsOk());
  CallContext call = Context("alice");
  EXPECT_THAT(services_->aliases.ListAliases(call, {carols->Arn(), {}}),
              StatusIs(Code::kNotFound, "Key '" + carols->Arn() + "' does not exist"));
  EXPECT_THAT(call.trace.resources, IsEmpty());
}

TEST_F(AliasServiceTest, ListAliases_RefusesAnUnknownKeyId) {
  const std::string missing = "1234abcd-12ab-34cd-56ef-1234567890ab";
  EXPECT_THAT(List("alice", missing),
              StatusIs(Code::kNotFound, "Key 'arn:aws:kms:us-east-1:111122223333:key/" + missing +
                                            "' does not exist"));
  EXPECT_THAT(List("alice", "alias/some"), StatusIs(Code::kNotFound, "Invalid keyId 'alias/some'"));
}

TEST_F(AliasServiceTest, ListAliases_RefusesACallerNoIamPolicyAllows) {
  EXPECT_THAT(List("bob"),
              StatusIs(Code::kAccessDenied, AccessDenied(kBob, "kms:ListAliases", "*")));
}

TEST_F(AliasServiceTest, ListAliases_ShowsOnlyTheCallersAccountAndRegion) {
  ASSERT_THAT(Create("alice", "alias/east", NewKey()->key_id), IsOk());
  CallContext west = Context("alice", "eu-west-1");
  KMS_ASSERT_OK_AND_ASSIGN(Key west_key, services_->lifecycle.CreateKey(west, CreateKeyRequest{}));
  ASSERT_THAT(services_->aliases.CreateAlias(west, {"alias/west", west_key->key_id}), IsOk());
  CallContext carol = Context("carol");
  ASSERT_THAT(services_->aliases.CreateAlias(carol, {"alias/carols", CarolsKey()->key_id}), IsOk());

  KMS_ASSERT_OK_AND_ASSIGN(auto page, List("alice"));
  EXPECT_THAT(Names(page), ElementsAre("alias/east"));
  KMS_ASSERT_OK_AND_ASSIGN(auto carols, List("carol"));
  EXPECT_THAT(Names(carols), ElementsAre("alias/carols"));
  EXPECT_EQ(carols.items[0].account, kOtherAccount);
}

TEST_F(AliasServiceTest, ListAliases_NamesNoResourceInTheTrace) {
  const Key key = NewKey();
  ASSERT_THAT(Create("alice", "alias/listed", key->key_id), IsOk());
  CallContext call = Context("alice");
  ASSERT_THAT(services_->aliases.ListAliases(call, {key->key_id, {}}), IsOk());
  EXPECT_THAT(call.trace.resources, IsEmpty());
}

}  // namespace
}  // namespace kms::keys
