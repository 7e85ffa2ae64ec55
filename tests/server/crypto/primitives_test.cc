#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <set>
#include <span>
#include <string>

#include <gtest/gtest.h>

#include "kms/crypto.h"
#include "kms/encoding.h"
#include "kms/encryption_context.h"
#include "testing/status_matchers.h"

namespace kms::crypto {
namespace {

Bytes Hex(std::string_view hex) { return *HexDecode(hex); }

TEST(Sha256Test, MatchesFipsVectors) {
  EXPECT_EQ(HexEncode(Sha256(AsBytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha256(AsBytes(""))),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(HmacSha256Test, MatchesRfc4231Case2) {
  EXPECT_EQ(HexEncode(HmacSha256(AsBytes("Jefe"), AsBytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HkdfSha256Test, MatchesRfc5869Case1) {
  Bytes ikm = Hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
  Bytes salt = Hex("000102030405060708090a0b0c");
  Bytes info = Hex("f0f1f2f3f4f5f6f7f8f9");
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes okm, HkdfSha256(ikm, salt, info, 42));
  EXPECT_EQ(HexEncode(okm.view()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

// What the per-thread pools hand out never repeats: not across the 4 KiB
// refill, not beyond the pool's size, not in a forked child.
TEST(RandomTest, PooledBytesNeverRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 300; ++i) {  // 300 * 32 bytes: two refills
    EXPECT_TRUE(seen.insert(std::string(AsString(RandomSecret(32).view()))).second);
    Bytes id(16);
    RandomPublicBytes(id);
    EXPECT_TRUE(seen.insert(std::string(AsString(id))).second);
  }
  EXPECT_TRUE(seen.insert(std::string(AsString(RandomSecret(5000).view()))).second);

  RandomSecret(1);  // the pools are filled
  Bytes one(1);
  RandomPublicBytes(one);
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  Bytes drawn(32 + 16);
  std::memcpy(drawn.data(), RandomSecret(32).data(), 32);
  RandomPublicBytes(std::span<uint8_t>(drawn.data() + 32, 16));
  if (child == 0) {
    _exit(write(pipe_fds[1], drawn.data(), drawn.size()) == static_cast<ssize_t>(drawn.size()) ? 0
                                                                                               : 1);
  }
  Bytes childs(drawn.size());
  ASSERT_EQ(read(pipe_fds[0], childs.data(), childs.size()), static_cast<ssize_t>(childs.size()));
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_EQ(status, 0);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  EXPECT_NE(HexEncode(ByteView(drawn).first(32)), HexEncode(ByteView(childs).first(32)));
  EXPECT_NE(HexEncode(ByteView(drawn).last(16)), HexEncode(ByteView(childs).last(16)));
}

TEST(Aes256GcmTest, RoundTripsWithAssociatedData) {
  SecretBytes key = RandomSecret(32);
  KMS_ASSERT_OK_AND_ASSIGN(auto aead, NewAes256Gcm(key));
  KMS_ASSERT_OK_AND_ASSIGN(Bytes ct, aead->Encrypt(AsBytes("hello"), AsBytes("aad")));
  EXPECT_EQ(ct.size(), 12u + 5u + 16u);
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes pt, aead->Decrypt(ct, AsBytes("aad")));
  EXPECT_EQ(AsString(pt.view()), "hello");
}

TEST(Aes256GcmTest, DecryptFailsWhenAssociatedDataDiffers) {
  KMS_ASSERT_OK_AND_ASSIGN(auto aead, NewAes256Gcm(RandomSecret(32)));
  KMS_ASSERT_OK_AND_ASSIGN(Bytes ct, aead->Encrypt(AsBytes("hello"), AsBytes("aad")));
  EXPECT_THAT(aead->Decrypt(ct, AsBytes("aae")), StatusIs(Code::kInvalidCiphertext));
  ct[14] ^= 1;
  EXPECT_THAT(aead->Decrypt(ct, AsBytes("aad")), StatusIs(Code::kInvalidCiphertext));
  EXPECT_THAT(aead->Decrypt(ByteView(ct.data(), 10), AsBytes("aad")),
              StatusIs(Code::kInvalidCiphertext));
}

TEST(Aes256GcmTest, RejectsWrongKeySize) {
  EXPECT_THAT(NewAes256Gcm(RandomSecret(16)), StatusIs(Code::kValidation));
}

TEST(XtsAes256Test, RoundTripsAndDependsOnSector) {
  SecretBytes key = RandomSecret(64);
  Bytes sector(4096, 0x5a);
  Bytes ct0(4096), ct1(4096), back(4096);
  ASSERT_THAT(XtsAes256(true, key, 0, sector, ct0), IsOk());
  ASSERT_THAT(XtsAes256(true, key, 1, sector, ct1), IsOk());
  EXPECT_NE(ct0, ct1);
  EXPECT_NE(ct0, sector);
  ASSERT_THAT(XtsAes256(false, key, 1, ct1, back), IsOk());
  EXPECT_EQ(back, sector);
}

TEST(XtsAes256Test, MatchesIeee1619Vector10) {
  // IEEE 1619-2007 XTS-AES-256 vector 10, data unit sequence number 0xff.
  SecretBytes key(
      Hex("2718281828459045235360287471352662497757247093699959574966967627"
          "3141592653589793238462643383279502884197169399375105820974944592"));
  Bytes pt(512);
  for (size_t i = 0; i < pt.size(); ++i) pt[i] = static_cast<uint8_t>(i);
  Bytes ct(512);
  ASSERT_THAT(XtsAes256(true, key, 0xff, pt, ct), IsOk());
  EXPECT_EQ(HexEncode(ByteView(ct.data(), 16)), "1c3b3a102f770386e4836c99e370cf9b");
}

TEST(EncryptionContextTest, CanonicalFormIgnoresInsertionOrder) {
  EncryptionContext a;
  a["b"] = "2";
  a["a"] = "1";
  EncryptionContext b;
  b["a"] = "1";
  b["b"] = "2";
  EXPECT_EQ(CanonicalEncryptionContext(a), CanonicalEncryptionContext(b));
}

TEST(EncryptionContextTest, LengthPrefixesPreventAmbiguity) {
  EncryptionContext a{{"ab", "c"}};
  EncryptionContext b{{"a", "bc"}};
  EXPECT_NE(CanonicalEncryptionContext(a), CanonicalEncryptionContext(b));
  EXPECT_NE(CanonicalEncryptionContext({}), CanonicalEncryptionContext({{"", ""}}));
}

}  // namespace
}  // namespace kms::crypto
