// RdsService over an in-memory fake of KMS: which identity makes which call,
// and when an instance goes to (and stays in) the terminal state.
#include "kms/client/rds_service.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "kms/crypto.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace kms::rds {
namespace {

using client::CallAs;
using client::CallTarget;

// Wraps data keys in a table; "blobs" are their indexes. Records every call
// as "<Operation> <as> <region>".
class FakeKms final : public client::KmsApi {
 public:
  StatusOr<client::KeyDescription> DescribeKey(const CallTarget& target,
                                               std::string_view key_id) override {
    Record("DescribeKey", target);
    const std::string arn = "arn:aws:kms:" + target.region + ":111122223333:key/" +
                            std::string(key_id == "alias/aws/rds" ? "managed" : key_id);
    return client::KeyDescription{std::string(key_id),
                                  arn,
                                  "111122223333",
                                  "Enabled",
                                  key_id == "alias/aws/rds" ? "AWS" : "CUSTOMER",
                                  "ENCRYPT_DECRYPT",
                                  "SYMMETRIC_DEFAULT"};
  }
  StatusOr<client::DataKey> GenerateDataKey(const CallTarget& target, std::string_view key_id,
                                            size_t size,
                                            const EncryptionContext& context) override {
    Record("GenerateDataKey", target);
    SecretBytes key = crypto::RandomSecret(size);
    Bytes blob = Wrap(key, context);
    return client::DataKey{std::move(key), std::move(blob), std::string(key_id)};
  }
  StatusOr<SecretBytes> Decrypt(const CallTarget& target, ByteView blob,
                                const EncryptionContext& context) override {
    Record("Decrypt", target);
    if (target.as == CallAs::kService && !service_decrypt_error.ok()) {
      return std::unexpected(service_decrypt_error);
    }
    return Unwrap(blob, context);
  }
  StatusOr<Bytes> Encrypt(const CallTarget& target, std::string_view, const SecretBytes& plaintext,
                          const EncryptionContext& context) override {
    Record("Encrypt", target);
    return Wrap(plaintext, context);
  }
  StatusOr<Bytes> ReEncrypt(const CallTarget& target, ByteView blob, const EncryptionContext& from,
                            std::string_view, const EncryptionContext& to) override {
    Record("ReEncrypt", target);
    KMS_ASSIGN_OR_RETURN(SecretBytes key, Unwrap(blob, from));
    return Wrap(key, to);
  }
  StatusOr<client::Grant> CreateGrant(const CallTarget& target,
                                      const client::GrantRequest& request) override {
    Record("CreateGrant", target);
    grants.push_back(request);
    return client::Grant{"grant-" + std::to_string(grants.size()), "token"};
  }
  Status RetireGrant(const CallTarget& target, const client::Grant&, std::string_view) override {
    Record("RetireGrant", target);
    return OkStatus();
  }

  Status service_decrypt_error;
  std::vector<std::string> calls;
  std::vector<client::GrantRequest> grants;

 private:
  void Record(std::string_view operation, const CallTarget& target) {
    const char* as = target.as == CallAs::kService          ? "service"
                     : target.as == CallAs::kUserViaService ? "via-rds"
                                                            : "user";
    calls.push_back(std::string(operation) + " " + as + " " + target.region);
  }
  Bytes Wrap(const SecretBytes& key, const EncryptionContext& context) {
    wrapped_.push_back({key.Clone(), context});
    return Bytes{static_cast<uint8_t>(wrapped_.size() - 1), 0xEE};
  }
  StatusOr<SecretBytes> Unwrap(ByteView blob, const EncryptionContext& context) {
    if (blob.size() != 2 || blob[0] >= wrapped_.size() || wrapped_[blob[0]].second != context) {
      return Error(Code::kInvalidCiphertext);
    }
    return wrapped_[blob[0]].first.Clone();
  }
  std::vector<std::pair<SecretBytes, EncryptionContext>> wrapped_;
};

class RdsServiceTest : public ::testing::Test {
 protected:
  RdsServiceTest() : store_(*StateStore::Open(dir_.Sub("state"))) {}

  RdsService Service(std::string region = "us-east-1", CredentialsPresent present = {true, true}) {
    return RdsService(std::move(region), kms_, store_, clock_, present);
  }
  Database Create(RdsService& service, std::string name, std::optional<std::string> key = "k1") {
    CreateDatabaseRequest request;
    request.identifier = std::move(name);
    request.kms_key_id = std::move(key);
    request.storage_encrypted = request.kms_key_id.has_value();
    request.allocated_storage_gib = 1;
    auto created = service.CreateDatabase(request);
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    return *created;
  }
  DbStatus StatusOf(RdsService& service, const std::string& name) {
    return service.DescribeDatabases(ResourceKind::kInstance, name)->front().status;
  }

  testing::TempDir dir_;
  StateStore store_;
  FakeClock clock_;
  FakeKms kms_;
};

TEST_F(RdsServiceTest, CreationGoesViaRdsAndAttachingIsDoneByTheService) {
  RdsService service = Service();
  const Database db = Create(service, "orders");
  EXPECT_EQ(db.kms_key_arn, "arn:aws:kms:us-east-1:111122223333:key/k1");
  EXPECT_EQ(kms_.calls, (std::vector<std::string>{
                            "DescribeKey via-rds us-east-1", "GenerateDataKey via-rds us-east-1",
                            "CreateGrant via-rds us-east-1", "Decrypt service us-east-1"}));
  ASSERT_EQ(kms_.grants.size(), 1u);
  EXPECT_EQ(kms_.grants[0].grantee_principal, "rds.amazonaws.com");
  EXPECT_EQ(kms_.grants[0].retiring_principal, "rds.amazonaws.com");
  EXPECT_EQ(kms_.grants[0].operations, (std::vector<std::string>{"Decrypt"}));
  EXPECT_EQ(kms_.grants[0].encryption_context_subset,
            (EncryptionContext{{"aws:ebs:id", db.volume_id}}));
  kms_.calls.clear();
  ASSERT_TRUE(service.Write(ResourceKind::kInstance, "orders", 10, AsBytes("data")).has_value());
  auto read = service.Read(ResourceKind::kInstance, "orders", 10, 4);
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  EXPECT_EQ(AsString(read->view()), "data");
  EXPECT_EQ(kms_.calls,
            (std::vector<std::string>{"Decrypt service us-east-1", "Decrypt service us-east-1"}));
}

TEST_F(RdsServiceTest, KeyLossIsPersistedAndTerminal) {
  RdsService service = Service();
  Create(service, "orders");
  kms_.service_decrypt_error = Status(Code::kDisabled, "key is disabled.");
  auto read = service.Read(ResourceKind::kInstance, "orders", 0, 1);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code(), RdsErrorCode::kKmsKeyNotAccessible);
  EXPECT_EQ(StatusOf(service, "orders"), DbStatus::kInaccessibleEncryptionCredentials);
  kms_.service_decrypt_error = OkStatus();
  read = service.Read(ResourceKind::kInstance, "orders", 0, 1);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code(), RdsErrorCode::kInvalidDbInstanceState);
  EXPECT_EQ(StatusOf(service, "orders"), DbStatus::kInaccessibleEncryptionCredentials);
}

TEST_F(RdsServiceTest, TransientFailuresAreNotKeyLoss) {
  RdsService service = Service();
  Create(service, "orders");
  kms_.service_decrypt_error = Status(Code::kDependencyTimeout, "Could not connect");
  auto read = service.Read(ResourceKind::kInstance, "orders", 0, 1);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code(), RdsErrorCode::kEndpointUnreachable);
  kms_.service_decrypt_error = Status(Code::kUnrecognizedClient, "bad service key");
  EXPECT_EQ(service.Read(ResourceKind::kInstance, "orders", 0, 1).error().code(),
            RdsErrorCode::kKmsKeyNotAccessible);
  EXPECT_EQ(StatusOf(service, "orders"), DbStatus::kAvailable);
  RdsService without_service = Service("us-east-1", {true, false});
  EXPECT_EQ(without_service.Read(ResourceKind::kInstance, "orders", 0, 1).error().code(),
            RdsErrorCode::kMissingCredentials);
  EXPECT_EQ(StatusOf(service, "orders"), DbStatus::kAvailable);
}

TEST_F(RdsServiceTest, AFailedAttachCheckUndoesTheCreation) {
  RdsService service = Service();
  kms_.service_decrypt_error = Status(Code::kAccessDenied, "no grant");
  CreateDatabaseRequest request{ResourceKind::kInstance, "orders", true, std::nullopt, 1};
  auto created = service.CreateDatabase(request);
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code(), RdsErrorCode::kKmsKeyNotAccessible);
  EXPECT_EQ(kms_.calls.back(), "RetireGrant service us-east-1");
  EXPECT_EQ(service.DescribeDatabases(ResourceKind::kInstance, std::nullopt)->size(), 0u);
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("state/us-east-1/volumes")) &&
               !std::filesystem::is_empty(dir_.Sub("state/us-east-1/volumes")));
}

TEST_F(RdsServiceTest, CrossRegionCopiesUnwrapAtTheSourceAndWrapAtTheDestination) {
  RdsService east = Service("us-east-1");
  Create(east, "orders");
  ASSERT_TRUE(east.CreateSnapshot({ResourceKind::kInstance, "snap", "orders"}).has_value());
  RdsService west = Service("eu-west-1");
  kms_.calls.clear();
  CopySnapshotRequest copy{ResourceKind::kInstance, "snap", "us-east-1", "copy", "k2"};
  ASSERT_TRUE(west.CopySnapshot(copy).has_value());
  EXPECT_EQ(kms_.calls,
            (std::vector<std::string>{"DescribeKey via-rds eu-west-1", "Decrypt via-rds us-east-1",
                                      "Encrypt via-rds eu-west-1"}));
}

TEST_F(RdsServiceTest, UnencryptedDatabasesNeedNoCredentials) {
  RdsService service = Service("us-east-1", {false, false});
  const Database db = Create(service, "plain", std::nullopt);
  EXPECT_FALSE(db.storage_encrypted);
  ASSERT_TRUE(service.Write(ResourceKind::kInstance, "plain", 0, AsBytes("x")).has_value());
  EXPECT_TRUE(kms_.calls.empty());
  CreateDatabaseRequest encrypted{ResourceKind::kInstance, "enc", true, std::nullopt, 1};
  EXPECT_EQ(service.CreateDatabase(encrypted).error().code(), RdsErrorCode::kMissingCredentials);
}

}  // namespace
}  // namespace kms::rds
