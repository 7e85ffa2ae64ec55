#include "kms/server/keys/import_service.h"

#include <string>

#include "tests/server/keys/service_test_util.h"

namespace kms::keys {
namespace {

using ::testing::HasSubstr;
using testing::ServiceTest;

class ImportServiceTest : public ServiceTest {
 protected:
  ImportService& imports() { return services_->imports; }

  Key NewExternalKey(const std::string& spec = "SYMMETRIC_DEFAULT") {
    CallContext call = Context("alice");
    CreateKeyRequest request;
    request.origin = "EXTERNAL";
    if (spec != "SYMMETRIC_DEFAULT") {
      request.key_spec = spec;
      request.key_usage = spec.starts_with("HMAC_") ? "GENERATE_VERIFY_MAC" : "SIGN_VERIFY";
    }
    StatusOr<Key> key = services_->lifecycle.CreateKey(call, request);
    EXPECT_TRUE(key.has_value()) << key.error().ToString();
    return *key;
  }

  ImportParameters Parameters(const Key& key) {
    CallContext call = Context("alice");
    StatusOr<ImportParameters> parameters =
        imports().GetParametersForImport(call, {key->key_id, "RSAES_OAEP_SHA_256", "RSA_2048"});
    EXPECT_TRUE(parameters.has_value()) << parameters.error().ToString();
    return *parameters;
  }

  ImportKeyMaterialRequest Request(const Key& key, const ImportParameters& parameters) {
    ImportKeyMaterialRequest request;
    request.key_id = key->key_id;
    request.import_token = parameters.import_token;
    request.encrypted_key_material = Bytes(256, 0x42);
    return request;
  }
};

TEST_F(ImportServiceTest, GetParametersForImport_RefusesAKeyWhoseMaterialKmsMakes) {
  Key key = NewKey();
  CallContext call = Context("alice");
  EXPECT_THAT(imports().GetParametersForImport(call, {key->key_id, "RSAES_OAEP_SHA_1", "RSA_2048"}),
              StatusIs(Code::kUnsupportedOperation,
                       key->Arn() + " origin is AWS_KMS which is not valid for this operation."));
}

TEST_F(ImportServiceTest, GetParametersForImport_GivesAPublicKeyAndATokenForADay) {
  Key key = NewExternalKey();
  ImportParameters parameters = Parameters(key);
  EXPECT_EQ(parameters.key->key_id, key->key_id);
  EXPECT_EQ(parameters.valid_to, clock_.NowMillis() + kDayMillis);
  EXPECT_FALSE(parameters.public_key.empty());
  EXPECT_FALSE(parameters.import_token.empty());
}

TEST_F(ImportServiceTest, ImportKeyMaterial_NeedsValidToExactlyWhenMaterialExpires) {
  Key key = NewExternalKey();
  ImportKeyMaterialRequest request = Request(key, Parameters(key));
  CallContext call = Context("alice");
  request.expiration_model = "KEY_MATERIAL_EXPIRES";
  EXPECT_THAT(imports().ImportKeyMaterial(call, request),
              StatusIs(Code::kValidation,
                       "A validTo date must be set if the ExpirationModel is "
                       "KEY_MATERIAL_EXPIRES"));
  request.expiration_model = "KEY_MATERIAL_DOES_NOT_EXPIRE";
  request.valid_to = clock_.NowMillis() + kDayMillis;
  EXPECT_THAT(imports().ImportKeyMaterial(call, request), StatusIs(Code::kValidation));
  request.expiration_model.reset();
  request.valid_to = clock_.NowMillis() - 1;
  EXPECT_THAT(imports().ImportKeyMaterial(call, request),
              StatusIs(Code::kValidation, HasSubstr("in the future")));
  request.valid_to = clock_.NowMillis() + 366 * kDayMillis;
  EXPECT_THAT(imports().ImportKeyMaterial(call, request),
              StatusIs(Code::kValidation, HasSubstr("365 days")));
}

TEST_F(ImportServiceTest, ImportKeyMaterial_RefusesATokenOfAnotherKeyOrNotIssuedHere) {
  Key first = NewExternalKey();
  Key second = NewExternalKey();
  ImportKeyMaterialRequest request = Request(second, Parameters(first));
  CallContext call = Context("alice");
  EXPECT_THAT(imports().ImportKeyMaterial(call, request), StatusIs(Code::kInvalidImportToken));
  request.import_token = Bytes(100, 0x01);
  EXPECT_THAT(imports().ImportKeyMaterial(call, request), StatusIs(Code::kInvalidImportToken));
}

TEST_F(ImportServiceTest, ImportKeyMaterial_RefusesATokenOlderThanADay) {
  Key key = NewExternalKey();
  ImportKeyMaterialRequest request = Request(key, Parameters(key));
  clock_.Advance(kDayMillis);
  CallContext call = Context("alice");
  EXPECT_THAT(imports().ImportKeyMaterial(call, request), StatusIs(Code::kExpiredImportToken));
}

TEST_F(ImportServiceTest, ImportKeyMaterial_RefusesMaterialThatDoesNotUnwrap) {
  Key key = NewExternalKey();
  CallContext call = Context("alice");
  EXPECT_THAT(imports().ImportKeyMaterial(call, Request(key, Parameters(key))),
              StatusIs(Code::kInvalidCiphertext, ""));
  // Nothing changed.
  EXPECT_EQ((*store_->GetKey(key->key_id))->state, KeyState::kPendingImport);
}

TEST_F(ImportServiceTest, ImportKeyMaterial_IsAllowedOnlyByItsPermission) {
  Key key = NewExternalKey();
  CallContext call = Context("bob");
  EXPECT_THAT(imports().ImportKeyMaterial(call, Request(key, Parameters(key))),
              StatusIs(Code::kAccessDenied, HasSubstr("kms:ImportKeyMaterial")));
}

TEST_F(ImportServiceTest, DeleteImportedKeyMaterial_RefusesAKeyWithoutMaterial) {
  Key key = NewExternalKey();
  CallContext call = Context("alice");
  EXPECT_THAT(imports().DeleteImportedKeyMaterial(call, key->key_id),
              StatusIs(Code::kInvalidState, key->Arn() + " is pending import."));
  Key own = NewKey();
  EXPECT_THAT(imports().DeleteImportedKeyMaterial(call, own->key_id),
              StatusIs(Code::kUnsupportedOperation, HasSubstr("origin is AWS_KMS")));
}

TEST_F(ImportServiceTest, AKeyPendingImportCannotRotate) {
  Key key = NewExternalKey();
  CallContext call = Context("alice");
  EXPECT_THAT(services_->lifecycle.RotateKeyOnDemand(call, {key->key_id}),
              StatusIs(Code::kInvalidState, key->Arn() + " is pending import."));
  EXPECT_THAT(services_->lifecycle.EnableKeyRotation(call, {key->key_id, std::nullopt}),
              StatusIs(Code::kUnsupportedOperation,
                       key->Arn() + " origin is EXTERNAL which is not valid for this operation."));
}

}  // namespace
}  // namespace kms::keys
