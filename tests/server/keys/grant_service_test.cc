#include "kms/server/keys/grant_service.h"

#include <algorithm>
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
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::kAccount;
using testing::kRegion;
using testing::ServiceTest;
using ::testing::SizeIs;

constexpr char kAlice[] = "arn:aws:iam::111122223333:user/alice";
constexpr char kBob[] = "arn:aws:iam::111122223333:user/bob";
constexpr char kCarol[] = "arn:aws:iam::444455556666:user/carol";
constexpr char kRoot[] = "arn:aws:iam::111122223333:root";
constexpr char kDbAdminRole[] = "arn:aws:iam::111122223333:role/DbAdmin";
constexpr char kDbAdminSession[] = "arn:aws:sts::111122223333:assumed-role/DbAdmin/dbadmin";
constexpr char kRds[] = "rds.amazonaws.com";
constexpr char kMissingGrantId[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

std::string NoIdentityPolicyAllows(const std::string& who_arn, const std::string& action,
                                   const std::string& resource) {
  return "User: " + who_arn + " is not authorized to perform: " + action +
         " on resource: " + resource + " because no identity-based policy allows the " + action +
         " action";
}

// The default key policy plus a statement that allows bob `actions` (a JSON
// value) directly, under `condition` (a JSON object) when given.
std::string PolicyAllowingBob(const std::string& actions, const std::string& condition = "") {
  return R"({"Version":"2012-10-17","Statement":[)"
         R"({"Sid":"Enable IAM User Permissions","Effect":"Allow",)"
         R"("Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},)"
         R"({"Sid":"Bob","Effect":"Allow",)"
         R"("Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},)"
         R"("Action":)" +
         actions + R"(,"Resource":"*")" +
         (condition.empty() ? "" : R"(,"Condition":)" + condition) + "}]}";
}

class GrantServiceTest : public ServiceTest {
 protected:
  static CreateGrantRequest GrantRequest(const Key& key, const std::string& grantee,
                                         std::vector<std::string> operations) {
    CreateGrantRequest request;
    request.key_id = key->key_id;
    request.grantee_principal = grantee;
    request.operations = std::move(operations);
    return request;
  }

  StatusOr<CreateGrantResult> Grant(const std::string& who, const CreateGrantRequest& request) {
    CallContext call = Context(who);
    return services_->grants.CreateGrant(call, request);
  }

  // A grant alice creates; fails the test when she cannot.
  CreateGrantResult AliceGrants(const CreateGrantRequest& request) {
    StatusOr<CreateGrantResult> result = Grant("alice", request);
    EXPECT_TRUE(result.has_value()) << result.error().ToString();
    return result.value_or(CreateGrantResult{});
  }

  std::vector<GrantRecord> StoredGrants(const Key& key) {
    auto grants = store_->GetGrantsForKey(key->key_id);
    EXPECT_TRUE(grants.has_value());
    return grants ? **grants : std::vector<GrantRecord>{};
  }

  std::vector<std::string> StoredGrantIds(const Key& key) {
    std::vector<std::string> ids;
    for (const GrantRecord& grant : StoredGrants(key)) ids.push_back(grant.grant_id);
    return ids;
  }

  StatusOr<ListPage<ListedGrant>> List(const std::string& who, const Key& key,
                                       PageRequest page = {}) {
    CallContext call = Context(who);
    return services_->grants.ListGrants(call,
                                        {key->key_id, std::nullopt, std::nullopt, std::move(page)});
  }

  StatusOr<ListPage<ListedGrant>> Retirable(const std::string& who, const std::string& principal,
                                            PageRequest page = {},
                                            const std::string& region = kRegion) {
    CallContext call = Context(who, region);
    return services_->grants.ListRetirableGrants(call, {principal, std::move(page)});
  }

  Status Retire(const std::string& who, RetireGrantRequest request) {
    CallContext call = Context(who);
    return services_->grants.RetireGrant(call, request);
  }
  static RetireGrantRequest ByToken(const std::string& token) {
    RetireGrantRequest request;
    request.grant_token = token;
    return request;
  }
  static RetireGrantRequest ById(const std::string& key_id, const std::string& grant_id) {
    RetireGrantRequest request;
    request.key_id = key_id;
    request.grant_id = grant_id;
    return request;
  }

  Status Revoke(const std::string& who, const Key& key, const std::string& grant_id,
                bool dry_run = false) {
    CallContext call = Context(who);
    return services_->grants.RevokeGrant(call, {key->key_id, grant_id, dry_run});
  }

  StatusOr<EncryptResult> EncryptAs(const std::string& who, const Key& key,
                                    EncryptionContext context = {}) {
    CallContext call = Context(who);
    EncryptRequest request;
    request.key_id = key->key_id;
    request.plaintext = SecretBytes(AsBytes("secret"));
    request.encryption_context = std::move(context);
    return services_->crypto.Encrypt(call, request);
  }

  Key NewKeyWithPolicy(const std::string& policy) {
    CallContext call = Context("alice");
    CreateKeyRequest request;
    request.policy = policy;
    StatusOr<Key> key = services_->lifecycle.CreateKey(call, request);
    EXPECT_TRUE(key.has_value()) << key.error().ToString();
    return key.value_or(nullptr);
  }

  Key NewKeyOf(const std::string& who, const std::string& region = kRegion) {
    CallContext call = Context(who, region);
    StatusOr<Key> key = services_->lifecycle.CreateKey(call, CreateKeyRequest{});
    EXPECT_TRUE(key.has_value()) << key.error().ToString();
    return key.value_or(nullptr);
  }

  // Fills the key's grants up to `count` directly in the store.
  void FillGrants(const Key& key, size_t count) {
    const size_t existing = StoredGrants(key).size();
    ASSERT_THAT(store_->Update([&](KeyStoreTxn& txn) -> Status {
      for (size_t i = existing; i < count; ++i) {
        GrantRecord grant;
        grant.grant_id = grants::NewGrantId();
        grant.key_id = key->key_id;
        grant.grantee_principal = kBob;
        grant.issuing_account = kRoot;
        grant.operations = {"Decrypt"};
        KMS_RETURN_IF_ERROR(txn.PutGrant(grant));
      }
      return OkStatus();
    }),
                IsOk());
  }

  static std::vector<std::string> Ids(const ListPage<ListedGrant>& page) {
    std::vector<std::string> ids;
    for (const ListedGrant& listed : page.items) ids.push_back(listed.grant.grant_id);
    return ids;
  }
};

// ---- CreateGrant: what it makes ----

TEST_F(GrantServiceTest, CreateGrant_StoresTheGrantAndReturnsItsIdAndAToken) {
  const Key key = NewKey();
  clock_.Advance(1000);
  CreateGrantRequest request = GrantRequest(key, kBob, {"Decrypt", "Encrypt"});
  request.retiring_principal = kAlice;
  request.encryption_context_subset = EncryptionContext{{"dept", "IT"}};
  request.name = "orders";
  KMS_ASSERT_OK_AND_ASSIGN(CreateGrantResult result, Grant("alice", request));

  EXPECT_EQ(result.grant_id.size(), 64u);
  EXPECT_TRUE(std::all_of(result.grant_id.begin(), result.grant_id.end(),
                          [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }));
  KMS_ASSERT_OK_AND_ASSIGN(grants::TokenClaims claims, tokens_->Parse(result.grant_token));
  EXPECT_EQ(claims.key_id, key->key_id);
  EXPECT_EQ(claims.grant_id, result.grant_id);

  const std::vector<GrantRecord> stored = StoredGrants(key);
  ASSERT_THAT(stored, SizeIs(1));
  const GrantRecord& grant = stored[0];
  EXPECT_EQ(grant.grant_id, result.grant_id);
  EXPECT_EQ(grant.key_id, key->key_id);
  EXPECT_EQ(grant.name, "orders");
  EXPECT_EQ(grant.creation_date, clock_.NowMillis());
  EXPECT_EQ(grant.grantee_principal, kBob);
  EXPECT_EQ(grant.retiring_principal, kAlice);
  EXPECT_EQ(grant.issuing_account, kRoot);
  EXPECT_THAT(grant.operations, ElementsAre("Decrypt", "Encrypt"));
  EXPECT_EQ(grant.encryption_context_subset, (EncryptionContext{{"dept", "IT"}}));
  EXPECT_EQ(grant.encryption_context_equals, std::nullopt);
  EXPECT_FALSE(grant.for_aws_resource);
}

TEST_F(GrantServiceTest, CreateGrant_NamesTheKeyInTheTrace) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  ASSERT_THAT(services_->grants.CreateGrant(call, GrantRequest(key, kBob, {"Decrypt"})), IsOk());
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
}

// ---- CreateGrant: validation, in order ----

TEST_F(GrantServiceTest, CreateGrant_RefusesAnEmptyOperationList) {
  // First of all: the grantee is not valid either.
  EXPECT_THAT(
      Grant("alice", GrantRequest(NewKey(), "bob", {})),
      StatusIs(
          Code::kValidation,
          "1 validation error detected: Value '[]' at 'operations' failed to satisfy constraint: "
          "Member must have length greater than or equal to 1"));
}

TEST_F(GrantServiceTest, CreateGrant_RefusesAGranteeThatIsNotAPrincipalArn) {
  const Key key = NewKey();
  EXPECT_THAT(Grant("alice", GrantRequest(key, "bob", {"Decrypt"})),
              StatusIs(Code::kInvalidArn, "GranteePrincipal bob is not a valid principal ARN"));
  for (const char* bad :
       {"arn:aws:iam::1111:user/bob", "arn:aws:iam::111122223333:user/",
        "arn:aws:iam::111122223333:group/admins",
        "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws:sts::111122223333:assumed-role/DbAdmin", "amazonaws.com:rds"}) {
    EXPECT_THAT(Grant("alice", GrantRequest(key, bad, {"Decrypt"})), StatusIs(Code::kInvalidArn))
        << bad;
  }
  EXPECT_THAT(StoredGrantIds(key), IsEmpty());
}

TEST_F(GrantServiceTest, CreateGrant_RefusesARetiringPrincipalThatIsNotAPrincipalArn) {
  CreateGrantRequest request = GrantRequest(NewKey(), kBob, {"Decrypt"});
  request.retiring_principal = "alice";
  EXPECT_THAT(Grant("alice", request),
              StatusIs(Code::kInvalidArn, "RetiringPrincipal alice is not a valid principal ARN"));
}

TEST_F(GrantServiceTest, CreateGrant_AcceptsAccountUserRoleSessionAndServicePrincipals) {
  const Key key = NewKey();
  for (const char* principal : {kRoot, kBob, "arn:aws:iam::111122223333:user/division/team/bob",
                                kDbAdminRole, kDbAdminSession, kCarol, kRds}) {
    CreateGrantRequest request = GrantRequest(key, principal, {"Decrypt"});
    request.retiring_principal = principal;
    EXPECT_THAT(Grant("alice", request), IsOk()) << principal;
  }
}

TEST_F(GrantServiceTest, CreateGrant_AcceptsAFederatedUserPrincipal) {
  // "Valid principals include Amazon Web Services accounts, IAM users, IAM
  // roles, federated users, and assumed role users" (CreateGrant API reference).
  CreateGrantRequest request =
      GrantRequest(NewKey(), "arn:aws:sts::111122223333:federated-user/carlos", {"Decrypt"});
  request.retiring_principal = "arn:aws:sts::111122223333:federated-user/carlos";
  EXPECT_THAT(Grant("alice", request), IsOk());
}

TEST_F(GrantServiceTest, CreateGrant_RefusesAnAssumedRoleArnWithoutASessionName) {
  const Key key = NewKey();
  for (const char* bad : {"arn:aws:sts::111122223333:assumed-role/DbAdmin",
                          "arn:aws:sts::111122223333:assumed-role/DbAdmin/"}) {
    EXPECT_THAT(Grant("alice", GrantRequest(key, bad, {"Decrypt"})),
                StatusIs(Code::kInvalidArn,
                         "GranteePrincipal " + std::string(bad) + " is not a valid principal ARN"))
        << bad;
  }
  EXPECT_THAT(StoredGrantIds(key), IsEmpty());
}

TEST_F(GrantServiceTest, CreateGrant_RefusesMoreThan8ConstraintPairs) {
  const Key key = NewKey();
  EncryptionContext eight, nine;
  for (int i = 0; i < 8; ++i) eight["k" + std::to_string(i)] = "v";
  nine = eight;
  nine["k8"] = "v";
  CreateGrantRequest request = GrantRequest(key, kBob, {"Decrypt"});
  request.encryption_context_subset = eight;
  EXPECT_THAT(Grant("alice", request), IsOk());
  request.encryption_context_subset = nine;
  EXPECT_THAT(Grant("alice", request),
              StatusIs(Code::kValidation, "EncryptionContextSubset can contain at most 8 pairs"));
  request.encryption_context_subset.reset();
  request.encryption_context_equals = nine;
  EXPECT_THAT(Grant("alice", request),
              StatusIs(Code::kValidation, "EncryptionContextEquals can contain at most 8 pairs"));
}

TEST_F(GrantServiceTest, CreateGrant_RefusesConstraintValuesLongerThan384Characters) {
  CreateGrantRequest request = GrantRequest(NewKey(), kBob, {"Decrypt"});
  request.encryption_context_equals = EncryptionContext{{"k", std::string(384, 'v')}};
  EXPECT_THAT(Grant("alice", request), IsOk());
  request.encryption_context_equals = EncryptionContext{{"k", std::string(385, 'v')}};
  EXPECT_THAT(Grant("alice", request),
              StatusIs(Code::kValidation,
                       "EncryptionContextEquals values can be at most 384 characters long"));
  request.encryption_context_equals.reset();
  request.encryption_context_subset = EncryptionContext{{"k", std::string(385, 'v')}};
  EXPECT_THAT(Grant("alice", request),
              StatusIs(Code::kValidation,
                       "EncryptionContextSubset values can be at most 384 characters long"));
}

TEST_F(GrantServiceTest, CreateGrant_ChecksPrincipalsAndConstraintsBeforeTheKey) {
  const std::string missing = "1234abcd-12ab-34cd-56ef-1234567890ab";
  CreateGrantRequest request;
  request.key_id = missing;
  request.grantee_principal = "bob";
  request.operations = {"Decrypt"};
  EXPECT_THAT(Grant("alice", request), StatusIs(Code::kInvalidArn));
  request.grantee_principal = kBob;
  EncryptionContext nine;
  for (int i = 0; i < 9; ++i) nine["k" + std::to_string(i)] = "v";
  request.encryption_context_subset = nine;
  EXPECT_THAT(Grant("alice", request), StatusIs(Code::kValidation));
  // The principal before the constraints.
  request.grantee_principal = "bob";
  EXPECT_THAT(Grant("alice", request), StatusIs(Code::kInvalidArn));
}

TEST_F(GrantServiceTest, CreateGrant_RefusesAKeyThatCannotBeResolved) {
  const std::string missing = "1234abcd-12ab-34cd-56ef-1234567890ab";
  CreateGrantRequest request;
  request.key_id = missing;
  request.grantee_principal = kBob;
  request.operations = {"Sign"};  // the key's resolution comes before the operations' check
  EXPECT_THAT(Grant("alice", request),
              StatusIs(Code::kNotFound, "Key 'arn:aws:kms:us-east-1:111122223333:key/" + missing +
                                            "' does not exist"));
  // Key ids and ARNs only: an alias, by name or ARN, is AWS's InvalidArnException.
  const Key key = NewKey();
  CallContext alias_call = Context("alice");
  ASSERT_THAT(services_->aliases.CreateAlias(alias_call, {"alias/granted", key->key_id}), IsOk());
  request.operations = {"Decrypt"};
  for (const std::string alias :
       {"alias/granted", "arn:aws:kms:us-east-1:111122223333:alias/granted"}) {
    request.key_id = alias;
    EXPECT_THAT(Grant("alice", request),
                StatusIs(Code::kInvalidArn, "Key Aliases are not supported for this operation."));
  }
}

TEST_F(GrantServiceTest, CreateGrant_RefusesOperationsASymmetricKeyCannotHave) {
  const Key key = NewKey();
  EXPECT_THAT(Grant("alice", GrantRequest(key, kBob, {"Decrypt", "Sign", "Verify"})),
              StatusIs(Code::kValidation,
                       "Grant operations Sign, Verify are not valid for a KMS key with KeySpec "
                       "SYMMETRIC_DEFAULT "
                       "and KeyUsage ENCRYPT_DECRYPT."));
  for (const char* op : {"GetPublicKey", "GenerateMac", "VerifyMac", "DeriveSharedSecret"}) {
    EXPECT_THAT(Grant("alice", GrantRequest(key, kBob, {op})), StatusIs(Code::kValidation)) << op;
  }
  // After authorization: the message names the key's type, which bob (who
  // may not create grants) must not learn.
  EXPECT_THAT(Grant("bob", GrantRequest(key, kBob, {"Sign"})), StatusIs(Code::kAccessDenied));
  EXPECT_THAT(StoredGrantIds(key), IsEmpty());
}

TEST_F(GrantServiceTest, CreateGrant_AcceptsEveryOperationOfASymmetricKey) {
  EXPECT_THAT(
      Grant("alice", GrantRequest(NewKey(), kBob,
                                  {"Decrypt", "Encrypt", "GenerateDataKey",
                                   "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom",
                                   "ReEncryptTo", "CreateGrant", "RetireGrant", "DescribeKey",
                                   "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"})),
      IsOk());
}

TEST_F(GrantServiceTest, CreateGrant_RefusesACallerTheKeyPolicyDoesNotAllow) {
  const Key key = NewKey();
  EXPECT_THAT(
      Grant("bob", GrantRequest(key, kBob, {"Decrypt"})),
      StatusIs(Code::kAccessDenied, NoIdentityPolicyAllows(kBob, "kms:CreateGrant", key->Arn())));
  EXPECT_THAT(StoredGrantIds(key), IsEmpty());
}

TEST_F(GrantServiceTest, CreateGrant_RefusesAGrantTokenThisServerDidNotIssue) {
  CreateGrantRequest request = GrantRequest(NewKey(), kBob, {"Decrypt"});
  request.grant_tokens = {"bm90IGEgdG9rZW4="};
  EXPECT_THAT(Grant("alice", request), StatusIs(Code::kInvalidGrantToken, "Invalid grant token."));
}

TEST_F(GrantServiceTest, CreateGrant_RefusesADisabledKey) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  ASSERT_THAT(services_->lifecycle.DisableKey(call, {key->key_id}), IsOk());
  EXPECT_THAT(Grant("alice", GrantRequest(key, kBob, {"Decrypt"})),
              StatusIs(Code::kDisabled, key->Arn() + " is disabled."));
  // Authorization comes first.
  EXPECT_THAT(Grant("bob", GrantRequest(key, kBob, {"Decrypt"})), StatusIs(Code::kAccessDenied));
}

TEST_F(GrantServiceTest, CreateGrant_RefusesAKeyPendingDeletion) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  ASSERT_THAT(services_->lifecycle.ScheduleKeyDeletion(call, {key->key_id, 7}), IsOk());
  EXPECT_THAT(Grant("alice", GrantRequest(key, kBob, {"Decrypt"})),
              StatusIs(Code::kInvalidState, key->Arn() + " is pending deletion."));
}

TEST_F(GrantServiceTest, CreateGrant_DryRunCreatesNothing) {
  const Key key = NewKey();
  CreateGrantRequest request = GrantRequest(key, kBob, {"Decrypt"});
  request.dry_run = true;
  EXPECT_THAT(
      Grant("alice", request),
      StatusIs(Code::kDryRun, "The request would have succeeded, but the DryRun option is set."));
  EXPECT_THAT(StoredGrantIds(key), IsEmpty());
}

TEST_F(GrantServiceTest, CreateGrant_DryRunStillReportsAuthorizationAndKeyState) {
  const Key key = NewKey();
  CreateGrantRequest request = GrantRequest(key, kBob, {"Decrypt"});
  request.dry_run = true;
  EXPECT_THAT(Grant("bob", request), StatusIs(Code::kAccessDenied));
  CallContext call = Context("alice");
  ASSERT_THAT(services_->lifecycle.DisableKey(call, {key->key_id}), IsOk());
  EXPECT_THAT(Grant("alice", request), StatusIs(Code::kDisabled));
}

TEST_F(GrantServiceTest, CreateGrant_RefusesMoreThan50000GrantsPerKey) {
  const Key key = NewKey();
  FillGrants(key, kMaxGrantsPerKey);
  EXPECT_THAT(Grant("alice", GrantRequest(key, kDbAdminRole, {"Encrypt"})),
              StatusIs(Code::kLimitExceeded,
                       "The number of grants for " + key->Arn() + " exceeds the limit of 50000."));
  EXPECT_EQ(StoredGrants(key).size(), kMaxGrantsPerKey);
}

// ---- CreateGrant: Name ----

TEST_F(GrantServiceTest,
       CreateGrant_RetryWithTheSameNameAndParametersReturnsTheSameGrantWithANewToken) {
  const Key key = NewKey();
  CreateGrantRequest request = GrantRequest(key, kBob, {"Decrypt", "Encrypt"});
  request.name = "retry-safe";
  request.encryption_context_subset = EncryptionContext{{"dept", "IT"}};
  const CreateGrantResult first = AliceGrants(request);
  clock_.Advance(1000);
  request.operations = {"Encrypt", "Decrypt"};  // the same set
  const CreateGrantResult second = AliceGrants(request);
  EXPECT_EQ(second.grant_id, first.grant_id);
  EXPECT_NE(second.grant_token, first.grant_token);
  KMS_ASSERT_OK_AND_ASSIGN(grants::TokenClaims claims, tokens_->Parse(second.grant_token));
  EXPECT_EQ(claims.grant_id, first.grant_id);
  EXPECT_THAT(StoredGrantIds(key), ElementsAre(first.grant_id));
}

TEST_F(GrantServiceTest, CreateGrant_SameNameWithOtherParametersMakesAnotherGrant) {
  const Key key = NewKey();
  CreateGrantRequest request = GrantRequest(key, kBob, {"Decrypt"});
  request.name = "named";
  const CreateGrantResult first = AliceGrants(request);
  request.operations = {"Decrypt", "Encrypt"};
  const CreateGrantResult second = AliceGrants(request);
  EXPECT_NE(second.grant_id, first.grant_id);
  EXPECT_THAT(StoredGrantIds(key), SizeIs(2));
}

TEST_F(GrantServiceTest, CreateGrant_WithoutANameAlwaysMakesANewGrant) {
  const Key key = NewKey();
  const CreateGrantRequest request = GrantRequest(key, kBob, {"Decrypt"});
  EXPECT_NE(AliceGrants(request).grant_id, AliceGrants(request).grant_id);
  EXPECT_THAT(StoredGrantIds(key), SizeIs(2));
}

TEST_F(GrantServiceTest, CreateGrant_NamedRetryAtTheGrantLimitReturnsTheExistingGrant) {
  const Key key = NewKey();
  CreateGrantRequest request = GrantRequest(key, kDbAdminRole, {"Encrypt"});
  request.name = "retry-safe";
  const CreateGrantResult first = AliceGrants(request);
  FillGrants(key, kMaxGrantsPerKey);
  KMS_ASSERT_OK_AND_ASSIGN(CreateGrantResult retry, Grant("alice", request));
  EXPECT_EQ(retry.grant_id, first.grant_id);
}

// ---- Grants authorizing calls ----

TEST_F(GrantServiceTest, Grant_AllowsTheGranteeTheListedOperation) {
  const Key key = NewKey();
  ASSERT_THAT(EncryptAs("bob", key), StatusIs(Code::kAccessDenied));
  const CreateGrantResult grant = AliceGrants(GrantRequest(key, kBob, {"Encrypt"}));
  CallContext call = Context("bob");
  EncryptRequest request;
  request.key_id = key->key_id;
  request.plaintext = SecretBytes(AsBytes("secret"));
  EXPECT_THAT(services_->crypto.Encrypt(call, request), IsOk());
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_EQ(call.trace.decision->reason, policy::Decision::Reason::kAllowedByGrant);
  EXPECT_EQ(call.trace.decision->deciding_policy, "grant " + grant.grant_id);
}

TEST_F(GrantServiceTest, Grant_AllowsOnlyTheListedOperations) {
  const Key key = NewKey();
  AliceGrants(GrantRequest(key, kBob, {"Decrypt"}));
  EXPECT_THAT(
      EncryptAs("bob", key),
      StatusIs(Code::kAccessDenied, NoIdentityPolicyAllows(kBob, "kms:Encrypt", key->Arn())));
}

TEST_F(GrantServiceTest, Grant_AllowsOnlyTheGrantee) {
  const Key key = NewKey();
  AliceGrants(GrantRequest(key, kDbAdminRole, {"Encrypt"}));
  EXPECT_THAT(EncryptAs("bob", key), StatusIs(Code::kAccessDenied));
}

TEST_F(GrantServiceTest, Grant_ConstraintsLimitTheRequestsItAllows) {
  const Key key = NewKey();
  CreateGrantRequest subset = GrantRequest(key, kBob, {"Encrypt"});
  subset.encryption_context_subset = EncryptionContext{{"dept", "IT"}};
  AliceGrants(subset);
  EXPECT_THAT(EncryptAs("bob", key, {{"dept", "IT"}, {"extra", "x"}}), IsOk());
  EXPECT_THAT(EncryptAs("bob", key, {{"dept", "it"}}), StatusIs(Code::kAccessDenied));
  EXPECT_THAT(EncryptAs("bob", key), StatusIs(Code::kAccessDenied));

  const Key exact = NewKey();
  CreateGrantRequest equals = GrantRequest(exact, kBob, {"Encrypt"});
  equals.encryption_context_equals = EncryptionContext{{"dept", "IT"}};
  AliceGrants(equals);
  EXPECT_THAT(EncryptAs("bob", exact, {{"dept", "IT"}}), IsOk());
  EXPECT_THAT(EncryptAs("bob", exact, {{"dept", "IT"}, {"extra", "x"}}),
              StatusIs(Code::kAccessDenied));
}

TEST_F(GrantServiceTest, Grant_DoesNotOutliveItsKeysDisabling) {
  const Key key = NewKey();
  AliceGrants(GrantRequest(key, kBob, {"Encrypt"}));
  CallContext call = Context("alice");
  ASSERT_THAT(services_->lifecycle.DisableKey(call, {key->key_id}), IsOk());
  EXPECT_THAT(EncryptAs("bob", key), StatusIs(Code::kDisabled));
}

// ---- CreateGrant allowed by a grant ----

TEST_F(GrantServiceTest, CreateGrant_AGrantForCreateGrantAllowsNarrowerGrants) {
  const Key key = NewKey();
  AliceGrants(GrantRequest(key, kBob, {"CreateGrant", "Decrypt", "Encrypt"}));
  CallContext call = Context("bob");
  KMS_ASSERT_OK_AND_ASSIGN(
      CreateGrantResult child,
      services_->grants.CreateGrant(call, GrantRequest(key, kDbAdminRole, {"Decrypt"})));
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_EQ(call.trace.decision->reason, policy::Decision::Reason::kAllowedByGrant);
  EXPECT_THAT(Grant("bob", GrantRequest(key, kDbAdminRole, {"CreateGrant", "Encrypt", "Decrypt"})),
              IsOk());
  EXPECT_THAT(StoredGrantIds(key), SizeIs(3));
}

TEST_F(GrantServiceTest, CreateGrant_RefusesWiderOperationsThanTheGrantingGrant) {
  const Key key = NewKey();
  AliceGrants(GrantRequest(key, kBob, {"CreateGrant", "Decrypt"}));
  EXPECT_THAT(
      Grant("bob", GrantRequest(key, kDbAdminRole, {"Decrypt", "ReEncryptFrom"})),
      StatusIs(Code::kAccessDenied, NoIdentityPolicyAllows(kBob, "kms:CreateGrant", key->Arn())));
  EXPECT_THAT(StoredGrantIds(key), SizeIs(1));
}

TEST_F(GrantServiceTest, CreateGrant_RefusesLooserConstraintsThanTheGrantingGrant) {
  const Key key = NewKey();
  CreateGrantRequest parent = GrantRequest(key, kBob, {"CreateGrant", "Decrypt"});
  parent.encryption_context_subset = EncryptionContext{{"dept", "IT"}};
  AliceGrants(parent);

  CreateGrantRequest child = GrantRequest(key, kDbAdminRole, {"Decrypt"});
  EXPECT_THAT(Grant("bob", child), StatusIs(Code::kAccessDenied));  // no constraint at all
  child.encryption_context_subset = EncryptionContext{{"dept", "HR"}};
  EXPECT_THAT(Grant("bob", child), StatusIs(Code::kAccessDenied));  // another pair
  child.encryption_context_subset = EncryptionContext{{"dept", "IT"}, {"team", "db"}};
  EXPECT_THAT(Grant("bob", child), IsOk());  // more pairs
  child.encryption_context_subset.reset();
  child.encryption_context_equals = EncryptionContext{{"dept", "IT"}};
  EXPECT_THAT(Grant("bob", child), IsOk());  // Subset to Equals narrows

  const Key exact = NewKey();
  CreateGrantRequest equals_parent = GrantRequest(exact, kBob, {"CreateGrant", "Decrypt"});
  equals_parent.encryption_context_equals = EncryptionContext{{"dept", "IT"}};
  AliceGrants(equals_parent);
  CreateGrantRequest equals_child = GrantRequest(exact, kDbAdminRole, {"Decrypt"});
  equals_child.encryption_context_subset = EncryptionContext{{"dept", "IT"}};
  EXPECT_THAT(Grant("bob", equals_child),
              StatusIs(Code::kAccessDenied));  // Equals to Subset widens
  equals_child.encryption_context_subset.reset();
  equals_child.encryption_context_equals = EncryptionContext{{"dept", "IT"}};
  EXPECT_THAT(Grant("bob", equals_child), IsOk());
}

// ---- CreateGrant: kms:Grant* condition keys in a key policy ----

TEST_F(GrantServiceTest, CreateGrant_KeyPolicyCanLimitGrantOperations) {
  const Key key = NewKeyWithPolicy(PolicyAllowingBob(
      R"("kms:CreateGrant")",
      R"({"ForAllValues:StringEquals":{"kms:GrantOperations":["Decrypt","Encrypt"]}})"));
  EXPECT_THAT(Grant("bob", GrantRequest(key, kDbAdminRole, {"Decrypt", "Encrypt"})), IsOk());
  EXPECT_THAT(Grant("bob", GrantRequest(key, kDbAdminRole, {"Decrypt", "ReEncryptFrom"})),
              StatusIs(Code::kAccessDenied));
}

TEST_F(GrantServiceTest, CreateGrant_KeyPolicyCanLimitTheGranteePrincipal) {
  const Key key = NewKeyWithPolicy(PolicyAllowingBob(
      R"("kms:CreateGrant")",
      R"({"StringEquals":{"kms:GranteePrincipal":")" + std::string(kDbAdminRole) + R"("}})"));
  EXPECT_THAT(Grant("bob", GrantRequest(key, kDbAdminRole, {"Decrypt"})), IsOk());
  EXPECT_THAT(Grant("bob", GrantRequest(key, kBob, {"Decrypt"})), StatusIs(Code::kAccessDenied));
}

TEST_F(GrantServiceTest, CreateGrant_KeyPolicyCanLimitTheRetiringPrincipal) {
  const Key key = NewKeyWithPolicy(PolicyAllowingBob(
      R"("kms:CreateGrant")",
      R"({"StringEquals":{"kms:RetiringPrincipal":")" + std::string(kAlice) + R"("}})"));
  CreateGrantRequest request = GrantRequest(key, kDbAdminRole, {"Decrypt"});
  EXPECT_THAT(Grant("bob", request), StatusIs(Code::kAccessDenied));
  request.retiring_principal = kBob;
  EXPECT_THAT(Grant("bob", request), StatusIs(Code::kAccessDenied));
  request.retiring_principal = kAlice;
  EXPECT_THAT(Grant("bob", request), IsOk());
}

TEST_F(GrantServiceTest, CreateGrant_KeyPolicyCanRequireAConstraintType) {
  const Key key = NewKeyWithPolicy(PolicyAllowingBob(
      R"("kms:CreateGrant")",
      R"({"StringEquals":{"kms:GrantConstraintType":"EncryptionContextEquals"}})"));
  CreateGrantRequest request = GrantRequest(key, kDbAdminRole, {"Decrypt"});
  EXPECT_THAT(Grant("bob", request), StatusIs(Code::kAccessDenied));
  request.encryption_context_subset = EncryptionContext{{"dept", "IT"}};
  EXPECT_THAT(Grant("bob", request), StatusIs(Code::kAccessDenied));
  request.encryption_context_subset.reset();
  request.encryption_context_equals = EncryptionContext{{"dept", "IT"}};
  EXPECT_THAT(Grant("bob", request), IsOk());
}

TEST_F(GrantServiceTest, CreateGrant_KeyPolicyCanRequireAConstraintsEncryptionContext) {
  const Key key = NewKeyWithPolicy(PolicyAllowingBob(
      R"("kms:CreateGrant")", R"({"StringEquals":{"kms:EncryptionContext:dept":"IT"}})"));
  CreateGrantRequest request = GrantRequest(key, kDbAdminRole, {"Decrypt"});
  EXPECT_THAT(Grant("bob", request), StatusIs(Code::kAccessDenied));
  request.encryption_context_subset = EncryptionContext{{"dept", "HR"}};
  EXPECT_THAT(Grant("bob", request), StatusIs(Code::kAccessDenied));
  request.encryption_context_subset = EncryptionContext{{"dept", "IT"}};
  EXPECT_THAT(Grant("bob", request), IsOk());
}

TEST_F(GrantServiceTest, CreateGrant_KeyPolicyCanRequireAGrantForAnAwsResource) {
  const Key key = NewKeyWithPolicy(PolicyAllowingBob(
      R"("kms:CreateGrant")", R"({"Bool":{"kms:GrantIsForAWSResource":"true"}})"));
  const CreateGrantRequest request = GrantRequest(key, kRds, {"Decrypt"});
  EXPECT_THAT(Grant("bob", request), StatusIs(Code::kAccessDenied));

  auth::Caller via_rds = Caller("bob");
  via_rds.via_service = "rds.us-east-1.amazonaws.com";
  via_rds.invoked_by = kRds;
  CallContext call{via_rds, Scope{kAccount, kRegion}, clock_.NowMillis(), {}};
  EXPECT_THAT(services_->grants.CreateGrant(call, request), IsOk());
  const std::vector<GrantRecord> stored = StoredGrants(key);
  ASSERT_THAT(stored, SizeIs(1));
  EXPECT_TRUE(stored[0].for_aws_resource);
}

// ---- ListGrants ----

TEST_F(GrantServiceTest, ListGrants_ListsTheKeysGrantsByIdWithTheKeyArn) {
  const Key key = NewKey(), other = NewKey();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(AliceGrants(GrantRequest(key, kBob, {"Decrypt"})).grant_id);
  AliceGrants(GrantRequest(other, kBob, {"Decrypt"}));
  std::sort(ids.begin(), ids.end());
  KMS_ASSERT_OK_AND_ASSIGN(auto page, List("alice", key));
  EXPECT_EQ(Ids(page), ids);
  for (const ListedGrant& listed : page.items) EXPECT_EQ(listed.key_arn, key->Arn());
  EXPECT_EQ(page.next, "");
}

TEST_F(GrantServiceTest, ListGrants_FiltersByGrantId) {
  const Key key = NewKey();
  AliceGrants(GrantRequest(key, kBob, {"Decrypt"}));
  const std::string wanted = AliceGrants(GrantRequest(key, kBob, {"Encrypt"})).grant_id;
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(
      auto page, services_->grants.ListGrants(call, {key->key_id, wanted, std::nullopt, {}}));
  EXPECT_THAT(Ids(page), ElementsAre(wanted));
}

TEST_F(GrantServiceTest, ListGrants_RefusesAnUnknownGrantId) {
  const Key key = NewKey();
  AliceGrants(GrantRequest(key, kBob, {"Decrypt"}));
  CallContext call = Context("alice");
  EXPECT_THAT(services_->grants.ListGrants(
                  call, {key->key_id, std::string(kMissingGrantId), std::nullopt, {}}),
              StatusIs(Code::kInvalidGrantId));
}

TEST_F(GrantServiceTest, ListGrants_FiltersByGranteePrincipal) {
  const Key key = NewKey();
  const std::string bobs = AliceGrants(GrantRequest(key, kBob, {"Decrypt"})).grant_id;
  AliceGrants(GrantRequest(key, kDbAdminRole, {"Decrypt"}));
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(
      auto page,
      services_->grants.ListGrants(call, {key->key_id, std::nullopt, std::string(kBob), {}}));
  EXPECT_THAT(Ids(page), ElementsAre(bobs));
  CallContext none = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(
      auto empty,
      services_->grants.ListGrants(none, {key->key_id, std::nullopt, std::string(kCarol), {}}));
  EXPECT_THAT(empty.items, IsEmpty());
}

TEST_F(GrantServiceTest, ListGrants_PagesByLimitAndResumesAfterTheMarker) {
  const Key key = NewKey();
  for (int i = 0; i < 5; ++i) AliceGrants(GrantRequest(key, kBob, {"Decrypt"}));
  const std::vector<std::string> ids = StoredGrantIds(key);
  ASSERT_THAT(ids, SizeIs(5));
  KMS_ASSERT_OK_AND_ASSIGN(auto first, List("alice", key, PageRequest{2, std::nullopt, ""}));
  EXPECT_THAT(Ids(first), ElementsAre(ids[0], ids[1]));
  EXPECT_EQ(first.next, ids[1]);
  KMS_ASSERT_OK_AND_ASSIGN(auto second, List("alice", key, PageRequest{2, "m1", first.next}));
  EXPECT_THAT(Ids(second), ElementsAre(ids[2], ids[3]));
  EXPECT_EQ(second.next, ids[3]);
  KMS_ASSERT_OK_AND_ASSIGN(auto last, List("alice", key, PageRequest{2, "m2", second.next}));
  EXPECT_THAT(Ids(last), ElementsAre(ids[4]));
  EXPECT_EQ(last.next, "");
}

TEST_F(GrantServiceTest, ListGrants_Returns50APageByDefault) {
  const Key key = NewKey();
  FillGrants(key, 51);
  KMS_ASSERT_OK_AND_ASSIGN(auto page, List("alice", key));
  EXPECT_THAT(page.items, SizeIs(50));
  EXPECT_EQ(page.next, page.items.back().grant.grant_id);
}

TEST_F(GrantServiceTest, ListGrants_RefusesAMarkerThatIsNoListedGrant) {
  const Key key = NewKey();
  AliceGrants(GrantRequest(key, kBob, {"Decrypt"}));
  EXPECT_THAT(List("alice", key, PageRequest{std::nullopt, "bm9wZQ==", kMissingGrantId}),
              StatusIs(Code::kInvalidMarker, "Invalid marker: bm9wZQ=="));
}

TEST_F(GrantServiceTest, ListGrants_RefusesACallerTheKeyPolicyDoesNotAllow) {
  const Key key = NewKey();
  // Grants do not allow ListGrants, not even to their grantee.
  AliceGrants(GrantRequest(key, kBob, {"Decrypt", "CreateGrant", "RetireGrant", "DescribeKey"}));
  EXPECT_THAT(
      List("bob", key),
      StatusIs(Code::kAccessDenied, NoIdentityPolicyAllows(kBob, "kms:ListGrants", key->Arn())));
}

// ---- ListRetirableGrants ----

TEST_F(GrantServiceTest, ListRetirableGrants_ListsTheGrantsThePrincipalMayRetire) {
  const Key first = NewKey(), second = NewKey();
  CreateGrantRequest request = GrantRequest(first, kBob, {"Decrypt"});
  request.retiring_principal = kAlice;
  const std::string a = AliceGrants(request).grant_id;
  request.key_id = second->key_id;
  const std::string b = AliceGrants(request).grant_id;
  request.retiring_principal = kDbAdminRole;
  AliceGrants(request);
  AliceGrants(GrantRequest(first, kAlice, {"Decrypt"}));  // alice as grantee only

  KMS_ASSERT_OK_AND_ASSIGN(auto page, Retirable("alice", kAlice));
  std::vector<std::string> ids = Ids(page);
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> want = {a, b};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(ids, want);
  for (const ListedGrant& listed : page.items) {
    EXPECT_EQ(listed.key_arn, listed.grant.grant_id == a ? first->Arn() : second->Arn());
  }
}

TEST_F(GrantServiceTest, ListRetirableGrants_RefusesAPrincipalOfAnotherAccount) {
  const Key key = NewKey();
  CreateGrantRequest request = GrantRequest(key, kCarol, {"Decrypt"});
  request.retiring_principal = kCarol;
  AliceGrants(request);
  EXPECT_THAT(Retirable("alice", kCarol),
              StatusIs(Code::kAccessDenied,
                       "User: arn:aws:iam::111122223333:user/alice is not authorized to "
                       "perform: kms:ListRetirableGrants on resource: "
                       "arn:aws:iam::444455556666:user/carol because it is not a principal in "
                       "your account"));
  EXPECT_THAT(Retirable("carol", kAlice), StatusIs(Code::kAccessDenied));
}

TEST_F(GrantServiceTest, ListRetirableGrants_AcceptsAServicePrincipal) {
  const Key key = NewKey();
  CreateGrantRequest request = GrantRequest(key, kRds, {"Decrypt"});
  request.retiring_principal = kRds;
  const std::string id = AliceGrants(request).grant_id;
  KMS_ASSERT_OK_AND_ASSIGN(auto page, Retirable("alice", kRds));
  EXPECT_THAT(Ids(page), ElementsAre(id));
}

TEST_F(GrantServiceTest,
       ListRetirableGrants_IsAuthorizedByIamPoliciesWhichAServicePrincipalHasNone) {
  const Key key = NewKey();
  CreateGrantRequest request = GrantRequest(key, kRds, {"Decrypt"});
  request.retiring_principal = kRds;
  AliceGrants(request);
  EXPECT_THAT(Retirable(kRds, kRds),
              StatusIs(Code::kAccessDenied, HasSubstr("on resource: rds.amazonaws.com")));
}

TEST_F(GrantServiceTest, ListRetirableGrants_IncludesGrantsOnOtherAccountsKeys) {
  // "can include grants on KMS keys owned by other AWS accounts" (KMS API
  // reference): a grant on carol's key that alice may retire, and one on
  // alice's key that carol may retire.
  const Key carols = NewKeyOf("carol");
  CreateGrantRequest on_carols = GrantRequest(carols, kAlice, {"Decrypt"});
  on_carols.retiring_principal = kAlice;
  KMS_ASSERT_OK_AND_ASSIGN(CreateGrantResult carols_grant, Grant("carol", on_carols));
  const Key alices = NewKey();
  CreateGrantRequest on_alices = GrantRequest(alices, kCarol, {"Decrypt"});
  on_alices.retiring_principal = kCarol;
  const std::string alices_grant = AliceGrants(on_alices).grant_id;

  KMS_ASSERT_OK_AND_ASSIGN(auto alice_page, Retirable("alice", kAlice));
  EXPECT_THAT(Ids(alice_page), ElementsAre(carols_grant.grant_id));
  EXPECT_EQ(alice_page.items.front().key_arn, carols->Arn());
  KMS_ASSERT_OK_AND_ASSIGN(auto carol_page, Retirable("carol", kCarol));
  EXPECT_THAT(Ids(carol_page), ElementsAre(alices_grant));
}

TEST_F(GrantServiceTest, ListRetirableGrants_ShowsOnlyGrantsOnKeysOfTheCallersRegion) {
  const Key west = NewKeyOf("alice", "eu-west-1");
  CreateGrantRequest request = GrantRequest(west, kBob, {"Decrypt"});
  request.retiring_principal = kAlice;
  CallContext west_call = Context("alice", "eu-west-1");
  KMS_ASSERT_OK_AND_ASSIGN(CreateGrantResult grant,
                           services_->grants.CreateGrant(west_call, request));
  KMS_ASSERT_OK_AND_ASSIGN(auto east_page, Retirable("alice", kAlice));
  EXPECT_THAT(east_page.items, IsEmpty());
  KMS_ASSERT_OK_AND_ASSIGN(auto west_page, Retirable("alice", kAlice, {}, "eu-west-1"));
  EXPECT_THAT(Ids(west_page), ElementsAre(grant.grant_id));
}

TEST_F(GrantServiceTest, ListRetirableGrants_PagesByLimit) {
  const Key key = NewKey();
  CreateGrantRequest request = GrantRequest(key, kBob, {"Decrypt"});
  request.retiring_principal = kAlice;
  for (int i = 0; i < 3; ++i) AliceGrants(request);
  KMS_ASSERT_OK_AND_ASSIGN(auto first,
                           Retirable("alice", kAlice, PageRequest{2, std::nullopt, ""}));
  EXPECT_THAT(first.items, SizeIs(2));
  ASSERT_NE(first.next, "");
  KMS_ASSERT_OK_AND_ASSIGN(auto rest, Retirable("alice", kAlice, PageRequest{2, "m", first.next}));
  EXPECT_THAT(rest.items, SizeIs(1));
  EXPECT_EQ(rest.next, "");
  std::vector<std::string> seen = Ids(first);
  seen.push_back(rest.items[0].grant.grant_id);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, StoredGrantIds(key));
}

TEST_F(GrantServiceTest, ListRetirableGrants_AuthorizesOnTheRetiringPrincipal) {
  // "The authorized resource in ListRetirableGrants calls is the retiring
  // principal specified in the request." (ListRetirableGrants API reference)
  EXPECT_THAT(
      Retirable("bob", kBob),
      StatusIs(Code::kAccessDenied,
               HasSubstr("not authorized to perform: kms:ListRetirableGrants on resource: " +
                         std::string(kBob))));
}

// ---- RetireGrant ----

TEST_F(GrantServiceTest, RetireGrant_ByTokenDeletesTheGrant) {
  const Key key = NewKey();
  CreateGrantRequest request = GrantRequest(key, kDbAdminRole, {"Decrypt"});
  request.retiring_principal = kBob;
  const CreateGrantResult grant = AliceGrants(request);
  const std::string kept = AliceGrants(GrantRequest(key, kDbAdminRole, {"Encrypt"})).grant_id;
  ASSERT_THAT(Retire("bob", ByToken(grant.grant_token)), IsOk());
  EXPECT_THAT(StoredGrantIds(key), ElementsAre(kept));
}

TEST_F(GrantServiceTest, RetireGrant_ByKeyAndGrantIdDeletesTheGrant) {
  const Key key = NewKey();
  CreateGrantRequest request = GrantRequest(key, kDbAdminRole, {"Decrypt"});
  request.retiring_principal = kBob;
  const CreateGrantResult grant = AliceGrants(request);
  ASSERT_THAT(Retire("bob", ById(key->Arn(), grant.grant_id)), IsOk());
  EXPECT_THAT(StoredGrantIds(key), IsEmpty());
}

TEST_F(GrantServiceTest, RetireGrant_TakesEffectAtOnce) {
  const Key key = NewKey();
  CreateGrantRequest request = GrantRequest(key, kBob, {"Encrypt"});
  request.retiring_principal = kBob;
  const CreateGrantResult grant = AliceGrants(request);
  ASSERT_THAT(EncryptAs("bob", key), IsOk());
  ASSERT_THAT(Retire("bob", ByToken(grant.grant_token)), IsOk());
  EXPECT_THAT(EncryptAs("bob", key), StatusIs(Code::kAccessDenied));
}

TEST_F(GrantServiceTest, RetireGrant_RefusesARequestWithoutATokenOrAKeyAndGrantId) {
  const Key key = NewKey();
  const CreateGrantResult grant = AliceGrants(GrantRequest(key, kBob, {"Decrypt"}));
  const std::string message = "Grant token OR (grant ID, key ID) must be specified";
  EXPECT_THAT(Retire("alice", RetireGrantRequest{}), StatusIs(Code::kValidation, message));
  RetireGrantRequest key_only;
  key_only.key_id = key->key_id;
  EXPECT_THAT(Retire("alice", key_only), StatusIs(Code::kValidation, message));
  RetireGrantRequest id_only;
  id_only.grant_id = grant.grant_id;
  EXPECT_THAT(Retire("alice", id_only), StatusIs(Code::kValidation, message));
  EXPECT_THAT(StoredGrantIds(key), SizeIs(1));
}

TEST_F(GrantServiceTest, RetireGrant_RefusesAnInvalidToken) {
  const Key key = NewKey();
  const CreateGrantResult grant = AliceGrants(GrantRequest(key, kBob, {"Decrypt"}));
  EXPECT_THAT(Retire("alice", ByToken("not-a-token")),
              StatusIs(Code::kInvalidGrantToken, "Invalid grant token."));
  std::string tampered = grant.grant_token;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_THAT(Retire("alice", ByToken(tampered)),
              StatusIs(Code::kInvalidGrantToken, "Invalid grant token."));
  EXPECT_THAT(StoredGrantIds(key), SizeIs(1));
}

TEST_F(GrantServiceTest, RetireGrant_RefusesAnUnknownGrant) {
  const Key key = NewKey();
  EXPECT_THAT(Retire("alice", ById(key->key_id, kMissingGrantId)), StatusIs(Code::kInvalidGrantId));
  const CreateGrantResult grant = AliceGrants(GrantRequest(key, kBob, {"Decrypt"}));
  ASSERT_THAT(Retire("alice", ByToken(grant.grant_token)), IsOk());
  EXPECT_THAT(Retire("alice", ByToken(grant.grant_token)), StatusIs(Code::kInvalidGrantId));
}

TEST_F(GrantServiceTest, RetireGrant_AllowsTheRetiringPrincipal) {
  const Key key = NewKey();
  CreateGrantRequest request = GrantRequest(key, kDbAdminRole, {"Decrypt"});
  request.retiring_principal = kCarol;  // of another account, with no say over the key
  const CreateGrantResult grant = AliceGrants(request);
  EXPECT_THAT(Retire("carol", ByToken(grant.grant_token)), IsOk());
  EXPECT_THAT(StoredGrantIds(key), IsEmpty());
}

TEST_F(GrantServiceTest, RetireGrant_AcceptsTheKeyArnOfAnotherAccount) {
  const Key key = NewKey();
  CreateGrantRequest request = GrantRequest(key, kCarol, {"Decrypt"});
  request.retiring_principal = kCarol;
  const CreateGrantResult grant = AliceGrants(request);
  // Carol names alice's key by its ARN: a key id alone is looked up in her own account.
  EXPECT_THAT(Retire("carol", ById(key->key_id, grant.grant_id)), StatusIs(Code::kNotFound));
  EXPECT_THAT(Retire("carol", ById(key->Arn(), grant.grant_id)), IsOk());
  EXPECT_THAT(StoredGrantIds(key), IsEmpty());
}

TEST_F(GrantServiceTest, RetireGrant_AllowsTheGranteeWhenTheGrantListsRetireGrant) {
  const Key key = NewKey();
  const CreateGrantResult grant = AliceGrants(GrantRequest(key, kBob, {"Decrypt", "RetireGrant"}));
  EXPECT_THAT(Retire("bob", ById(key->key_id, grant.grant_id)), IsOk());
  EXPECT_THAT(StoredGrantIds(key), IsEmpty());
}

TEST_F(GrantServiceTest, RetireGrant_RefusesTheGranteeWhenTheGrantDoesNotListRetireGrant) {
  const Key key = NewKey();
  const CreateGrantResult grant = AliceGrants(GrantRequest(key, kBob, {"Decrypt"}));
  EXPECT_THAT(Retire("bob", ByToken(grant.grant_token)),
              StatusIs(Code::kAccessDenied,
                       "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: "
                       "kms:RetireGrant on resource: " +
                           key->Arn() +
                           " because no grant or identity-based policy allows the "
                           "kms:RetireGrant action"));
  EXPECT_THAT(StoredGrantIds(key), SizeIs(1));
}

TEST_F(GrantServiceTest, RetireGrant_AllowsTheIssuingAccountsRoot) {
  const Key key = NewKey();
  const CreateGrantResult grant = AliceGrants(GrantRequest(key, kBob, {"Decrypt"}));
  EXPECT_THAT(Retire("root", ByToken(grant.grant_token)), IsOk());
  EXPECT_THAT(StoredGrantIds(key), IsEmpty());
}

TEST_F(GrantServiceTest, RetireGrant_AllowsAnIssuingAccountPrincipalWhoseIamPolicyAllows) {
  const Key key = NewKey();
  const CreateGrantResult grant = AliceGrants(GrantRequest(key, kBob, {"Decrypt"}));
  EXPECT_THAT(Retire("dbadmin", ById(key->key_id, grant.grant_id)), IsOk());
  EXPECT_THAT(StoredGrantIds(key), IsEmpty());
}

TEST_F(GrantServiceTest, RetireGrant_RefusesAnotherAccountsPrincipal) {
  const Key key = NewKey();
  const CreateGrantResult grant = AliceGrants(GrantRequest(key, kBob, {"Decrypt"}));
  // Carol's IAM policy allows kms:*, but her account did not issue the grant.
  EXPECT_THAT(Retire("carol", ByToken(grant.grant_token)), StatusIs(Code::kAccessDenied));
  EXPECT_THAT(StoredGrantIds(key), SizeIs(1));
}

TEST_F(GrantServiceTest, RetireGrant_RecordsTheRetiredGrantAndTheKeyInTheTrace) {
  const Key key = NewKey();
  const CreateGrantResult grant = AliceGrants(GrantRequest(key, kBob, {"Decrypt"}));
  CallContext call = Context("alice");
  ASSERT_THAT(services_->grants.RetireGrant(call, ByToken(grant.grant_token)), IsOk());
  EXPECT_EQ(call.trace.retired_grant_id, grant.grant_id);
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
}

TEST_F(GrantServiceTest, RetireGrant_DryRunRetiresNothing) {
  const Key key = NewKey();
  const CreateGrantResult grant = AliceGrants(GrantRequest(key, kBob, {"Decrypt"}));
  RetireGrantRequest request = ByToken(grant.grant_token);
  request.dry_run = true;
  EXPECT_THAT(
      Retire("alice", request),
      StatusIs(Code::kDryRun, "The request would have succeeded, but the DryRun option is set."));
  // Who may retire is still checked.
  EXPECT_THAT(Retire("carol", request), StatusIs(Code::kAccessDenied));
  EXPECT_THAT(StoredGrantIds(key), ElementsAre(grant.grant_id));
}

// ---- RevokeGrant ----

TEST_F(GrantServiceTest, RevokeGrant_DeletesTheGrantAndWhatItAllowed) {
  const Key key = NewKey();
  const CreateGrantResult grant = AliceGrants(GrantRequest(key, kBob, {"Encrypt"}));
  ASSERT_THAT(EncryptAs("bob", key), IsOk());
  ASSERT_THAT(Revoke("alice", key, grant.grant_id), IsOk());
  EXPECT_THAT(StoredGrantIds(key), IsEmpty());
  EXPECT_THAT(EncryptAs("bob", key), StatusIs(Code::kAccessDenied));
}

TEST_F(GrantServiceTest, RevokeGrant_RefusesACallerTheKeyPolicyDoesNotAllow) {
  const Key key = NewKey();
  // Not even the grantee of a grant that lists RetireGrant.
  const CreateGrantResult grant = AliceGrants(GrantRequest(key, kBob, {"Decrypt", "RetireGrant"}));
  EXPECT_THAT(
      Revoke("bob", key, grant.grant_id),
      StatusIs(Code::kAccessDenied, NoIdentityPolicyAllows(kBob, "kms:RevokeGrant", key->Arn())));
  // Authorization comes before the grant's lookup.
  EXPECT_THAT(Revoke("bob", key, kMissingGrantId), StatusIs(Code::kAccessDenied));
  EXPECT_THAT(StoredGrantIds(key), SizeIs(1));
}

TEST_F(GrantServiceTest, RevokeGrant_RefusesAnUnknownGrantId) {
  const Key key = NewKey(), other = NewKey();
  const CreateGrantResult elsewhere = AliceGrants(GrantRequest(other, kBob, {"Decrypt"}));
  EXPECT_THAT(Revoke("alice", key, kMissingGrantId), StatusIs(Code::kInvalidGrantId));
  // A grant of another key is unknown on this one.
  EXPECT_THAT(Revoke("alice", key, elsewhere.grant_id), StatusIs(Code::kInvalidGrantId));
  EXPECT_THAT(StoredGrantIds(other), SizeIs(1));
}

TEST_F(GrantServiceTest, RevokeGrant_DryRunRevokesNothing) {
  const Key key = NewKey();
  const CreateGrantResult grant = AliceGrants(GrantRequest(key, kBob, {"Decrypt"}));
  EXPECT_THAT(
      Revoke("alice", key, grant.grant_id, /*dry_run=*/true),
      StatusIs(Code::kDryRun, "The request would have succeeded, but the DryRun option is set."));
  EXPECT_THAT(Revoke("alice", key, kMissingGrantId, /*dry_run=*/true),
              StatusIs(Code::kInvalidGrantId));
  EXPECT_THAT(StoredGrantIds(key), ElementsAre(grant.grant_id));
}

TEST_F(GrantServiceTest, RevokeGrant_NamesTheKeyInTheTrace) {
  const Key key = NewKey();
  const CreateGrantResult grant = AliceGrants(GrantRequest(key, kBob, {"Decrypt"}));
  CallContext call = Context("alice");
  ASSERT_THAT(services_->grants.RevokeGrant(call, {key->key_id, grant.grant_id, false}), IsOk());
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
}

}  // namespace
}  // namespace kms::keys
