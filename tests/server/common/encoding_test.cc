#include "kms/encoding.h"

#include <gtest/gtest.h>

namespace kms {
namespace {

TEST(Base64Test, EncodesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(AsBytes("")), "");
  EXPECT_EQ(Base64Encode(AsBytes("f")), "Zg==");
  EXPECT_EQ(Base64Encode(AsBytes("fo")), "Zm8=");
  EXPECT_EQ(Base64Encode(AsBytes("foo")), "Zm9v");
  EXPECT_EQ(Base64Encode(AsBytes("foob")), "Zm9vYg==");
  EXPECT_EQ(Base64Encode(AsBytes("fooba")), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode(AsBytes("foobar")), "Zm9vYmFy");
}

TEST(Base64Test, RoundTripsAllByteValues) {
  Bytes all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
  for (size_t n = 0; n <= all.size(); ++n) {
    ByteView prefix(all.data(), n);
    auto decoded = Base64Decode(Base64Encode(prefix));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, Bytes(prefix.begin(), prefix.end()));
  }
}

TEST(Base64Test, RejectsMalformedInput) {
  EXPECT_FALSE(Base64Decode("Zg=").has_value());       // length not a multiple of 4
  EXPECT_FALSE(Base64Decode("Z===").has_value());      // too much padding
  EXPECT_FALSE(Base64Decode("Zg==Zg==").has_value());  // padding in the middle
  EXPECT_FALSE(Base64Decode("Zm9v!A==").has_value());  // bad character
  EXPECT_FALSE(Base64Decode("Zh==").has_value());      // stray bits under the padding
  EXPECT_FALSE(Base64Decode("Zm9-").has_value());      // URL alphabet is not accepted
}

TEST(Base64Test, DecodesIntoSecretBytes) {
  auto secret = Base64DecodeSecret("Zm9vYmE=");
  ASSERT_TRUE(secret.has_value());
  EXPECT_EQ(AsString(secret->view()), "fooba");
}

TEST(HexTest, RoundTrips) {
  EXPECT_EQ(HexEncode(AsBytes("\x01\xab\xff")), "01abff");
  auto decoded = HexDecode("01ABff");
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, (Bytes{0x01, 0xab, 0xff}));
  EXPECT_FALSE(HexDecode("0").has_value());
  EXPECT_FALSE(HexDecode("zz").has_value());
}

TEST(SecretBytesTest, ComparesByValue) {
  SecretBytes a(AsBytes("secret"));
  SecretBytes b = a.Clone();
  EXPECT_TRUE(a == b);
  SecretBytes c(AsBytes("secreT"));
  EXPECT_FALSE(a == c);
}

TEST(SecretBytesTest, MovedFromIsEmpty) {
  SecretBytes a(AsBytes("secret"));
  SecretBytes b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): checking the contract
  EXPECT_EQ(b.size(), 6u);
}

}  // namespace
}  // namespace kms
