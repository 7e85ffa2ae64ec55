#include "kms/server/crypto/ciphertext_blob.h"

#include <gtest/gtest.h>

#include "kms/crypto.h"
#include "testing/status_matchers.h"

namespace kms {
namespace {

class CiphertextBlobTest : public ::testing::Test {
 protected:
  CiphertextBlobTest() : key_(crypto::RandomSecret(32)) {
    EXPECT_TRUE(ParseUuid(kKeyId, &key_id_));
  }
  static constexpr std::string_view kKeyId = "1234abcd-12ab-34cd-56ef-1234567890ab";
  SecretBytes key_;
  KeyIdBytes key_id_{};
  EncryptionContext context_{{"aws:rds:db-id", "db-ABC"}, {"aws:ebs:id", "vol-1"}};
};

TEST_F(CiphertextBlobTest, SealThenOpenRoundTrips) {
  KMS_ASSERT_OK_AND_ASSIGN(Bytes blob,
                           SealCiphertextBlob(key_, kKeyId, 3, AsBytes("data key"), context_));
  EXPECT_EQ(blob.size(), CiphertextBlob::kHeaderSize + 8 + CiphertextBlob::kTagSize);
  KMS_ASSERT_OK_AND_ASSIGN(CiphertextBlob parsed, ParseCiphertextBlob(blob));
  EXPECT_EQ(parsed.key_id, key_id_);
  EXPECT_EQ(parsed.key_version, 3u);
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes pt, OpenCiphertextBlob(key_, parsed, context_));
  EXPECT_EQ(AsString(pt.view()), "data key");
}

TEST_F(CiphertextBlobTest, SerializeInvertsParse) {
  KMS_ASSERT_OK_AND_ASSIGN(Bytes blob, SealCiphertextBlob(key_, kKeyId, 1, AsBytes("x"), {}));
  KMS_ASSERT_OK_AND_ASSIGN(CiphertextBlob parsed, ParseCiphertextBlob(blob));
  EXPECT_EQ(SerializeCiphertextBlob(parsed), blob);
}

TEST_F(CiphertextBlobTest, OpenFailsWhenContextDiffers) {
  KMS_ASSERT_OK_AND_ASSIGN(Bytes blob,
                           SealCiphertextBlob(key_, kKeyId, 1, AsBytes("pt"), context_));
  KMS_ASSERT_OK_AND_ASSIGN(CiphertextBlob parsed, ParseCiphertextBlob(blob));
  EncryptionContext missing{{"aws:rds:db-id", "db-ABC"}};
  EncryptionContext extra = context_;
  extra["x"] = "y";
  EncryptionContext changed = context_;
  changed["aws:ebs:id"] = "vol-2";
  EncryptionContext recased{{"aws:rds:db-id", "db-abc"}, {"aws:ebs:id", "vol-1"}};
  for (const auto& ec : {missing, extra, changed, recased, EncryptionContext{}}) {
    EXPECT_THAT(OpenCiphertextBlob(key_, parsed, ec), StatusIs(Code::kInvalidCiphertext));
  }
}

TEST_F(CiphertextBlobTest, AnyFlippedBitFailsAuthentication) {
  KMS_ASSERT_OK_AND_ASSIGN(Bytes blob,
                           SealCiphertextBlob(key_, kKeyId, 1, AsBytes("plaintext"), context_));
  for (size_t i = 0; i < blob.size(); ++i) {
    Bytes tampered = blob;
    tampered[i] ^= 0x01;
    auto parsed = ParseCiphertextBlob(tampered);
    if (!parsed) continue;  // header damage is caught by the parser
    if (parsed->key_id != key_id_ || parsed->key_version != 1) continue;  // names another key
    EXPECT_THAT(OpenCiphertextBlob(key_, *parsed, context_), StatusIs(Code::kInvalidCiphertext))
        << i;
  }
}

TEST_F(CiphertextBlobTest, ParserRejectsGarbage) {
  EXPECT_THAT(ParseCiphertextBlob({}), StatusIs(Code::kInvalidCiphertext, ""));
  Bytes short_blob(CiphertextBlob::kHeaderSize + CiphertextBlob::kTagSize - 1, 0);
  short_blob[0] = 'k';
  short_blob[1] = 1;
  EXPECT_THAT(ParseCiphertextBlob(short_blob), StatusIs(Code::kInvalidCiphertext));
  Bytes bad_format(100, 0);
  bad_format[0] = 'k';
  bad_format[1] = 3;
  EXPECT_THAT(ParseCiphertextBlob(bad_format), StatusIs(Code::kInvalidCiphertext));
}

TEST_F(CiphertextBlobTest, AMultiRegionKeyIdRoundTripsAndIsAuthenticated) {
  const std::string mrk = NewMultiRegionKeyId();
  ASSERT_EQ(mrk.size(), 36u);
  ASSERT_TRUE(mrk.starts_with("mrk-"));
  KMS_ASSERT_OK_AND_ASSIGN(Bytes blob, SealCiphertextBlob(key_, mrk, 2, AsBytes("pt"), context_));
  EXPECT_EQ(blob[1], CiphertextBlob::kFormatV1MultiRegion);
  KMS_ASSERT_OK_AND_ASSIGN(CiphertextBlob parsed, ParseCiphertextBlob(blob));
  EXPECT_TRUE(parsed.multi_region_key);
  EXPECT_EQ(BlobKeyId(parsed), mrk);
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes pt, OpenCiphertextBlob(key_, parsed, context_));
  EXPECT_EQ(AsString(pt.view()), "pt");
  // The same 16 bytes read as a UUID name another key, and fail to open.
  blob[1] = CiphertextBlob::kFormatV1;
  KMS_ASSERT_OK_AND_ASSIGN(CiphertextBlob as_uuid, ParseCiphertextBlob(blob));
  EXPECT_THAT(OpenCiphertextBlob(key_, as_uuid, context_), StatusIs(Code::kInvalidCiphertext));
}

TEST(KeyIdPackingTest, PacksUuidsAndMultiRegionIdsOnly) {
  KeyIdBytes bytes{};
  bool multi_region = true;
  ASSERT_TRUE(PackKeyId("1234abcd-12ab-34cd-56ef-1234567890ab", &bytes, &multi_region));
  EXPECT_FALSE(multi_region);
  EXPECT_EQ(UnpackKeyId(bytes, multi_region), "1234abcd-12ab-34cd-56ef-1234567890ab");
  ASSERT_TRUE(PackKeyId("mrk-1234abcd12ab34cd56ef1234567890ab", &bytes, &multi_region));
  EXPECT_TRUE(multi_region);
  EXPECT_EQ(UnpackKeyId(bytes, multi_region), "mrk-1234abcd12ab34cd56ef1234567890ab");
  EXPECT_FALSE(PackKeyId("mrk-1234", &bytes, &multi_region));
  EXPECT_FALSE(PackKeyId("mrk-1234abcd12ab34cd56ef1234567890ag", &bytes, &multi_region));
  EXPECT_FALSE(PackKeyId("", &bytes, &multi_region));
  EXPECT_THAT(SealCiphertextBlob(crypto::RandomSecret(32), "mrk-x", 1, AsBytes("pt"), {}),
              StatusIs(Code::kInternal));
}

TEST(UuidTest, ParsesAndFormats) {
  KeyIdBytes id{};
  ASSERT_TRUE(ParseUuid("1234ABCD-12ab-34cd-56ef-1234567890ab", &id));
  EXPECT_EQ(FormatUuid(id), "1234abcd-12ab-34cd-56ef-1234567890ab");
  EXPECT_FALSE(ParseUuid("1234abcd12ab34cd56ef1234567890ab", &id));
  EXPECT_FALSE(ParseUuid("fake-key-id", &id));
  EXPECT_FALSE(ParseUuid("1234abcd-12ab-34cd-56ef-1234567890ag", &id));
  const std::string fresh = NewUuid();
  ASSERT_TRUE(ParseUuid(fresh, &id));
  EXPECT_EQ(fresh[14], '4');
  EXPECT_NE(NewUuid(), fresh);
}

TEST(UuidTest, TimeOrderedUuidsSortByTime) {
  const std::string early = NewTimeOrderedUuid(1700000000000);
  const std::string later = NewTimeOrderedUuid(1700000000001);
  KeyIdBytes id{};
  ASSERT_TRUE(ParseUuid(early, &id));
  EXPECT_EQ(early[14], '7');
  EXPECT_LT(early, later);
  EXPECT_NE(NewTimeOrderedUuid(1700000000000), early);
}

}  // namespace
}  // namespace kms
