#include "kms/sigv4.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace kms::sigv4 {
namespace {

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

TEST(SigV4Test, SignsGetVanilla) {
  // aws-sig-v4-test-suite get-vanilla.
  const Header headers[] = {{"Host", "example.amazonaws.com"}};
  RequestView request{"GET", "/", headers, ""};
  EpochMillis t = 0;
  ASSERT_TRUE(ParseAmzDate("20150830T123600Z", &t));
  auto added = Sign(
      request, SigningParams{"AKIDEXAMPLE", std::string(kSecret), "", "us-east-1", "service", t});
  ASSERT_EQ(added.size(), 2u);
  EXPECT_EQ(added[1].second,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Test, ParsesAuthorizationHeader) {
  KMS_ASSERT_OK_AND_ASSIGN(
      Authorization auth,
      ParseAuthorization("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/kms/aws4_request, "
                         "SignedHeaders=host;x-amz-date;x-amz-target, Signature=abc123"));
  EXPECT_EQ(auth.access_key_id, "AKID");
  EXPECT_EQ(auth.scope.date, "20150830");
  EXPECT_EQ(auth.scope.region, "us-east-1");
  EXPECT_EQ(auth.scope.service, "kms");
  EXPECT_EQ(auth.signed_headers, (std::vector<std::string>{"host", "x-amz-date", "x-amz-target"}));
  EXPECT_EQ(auth.signature, "abc123");
}

TEST(SigV4Test, IncompleteAuthorizationHeaderIsRefused) {
  EXPECT_THAT(
      ParseAuthorization("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/kms/aws4_request"),
      StatusIs(Code::kIncompleteSignature));
  EXPECT_THAT(ParseAuthorization("Basic dXNlcjpwYXNz"), StatusIs(Code::kIncompleteSignature));
  EXPECT_THAT(ParseAuthorization(""), StatusIs(Code::kIncompleteSignature));
}

TEST(SigV4Test, CanonicalHeadersTrimAndFoldWhitespace) {
  const Header headers[] = {{"My-Header1", "  value1  "}, {"my-header1", "a   b   c"}};
  const std::string names[] = {"my-header1"};
  const std::string canonical = CanonicalRequest(RequestView{"GET", "/", headers, ""}, names, "h");
  EXPECT_EQ(canonical, "GET\n/\n\nmy-header1:value1,a b c\n\nmy-header1\nh");
}

TEST(SigV4Test, CanonicalQuerySortsAndEncodes) {
  const std::string names[] = {"host"};
  const Header headers[] = {{"Host", "h"}};
  const std::string canonical =
      CanonicalRequest(RequestView{"GET", "/?b=2&a=1&a=0&c", headers, ""}, names, "p");
  EXPECT_EQ(canonical, "GET\n/\na=0&a=1&b=2&c=\nhost:h\n\nhost\np");
}

TEST(SigV4Test, UriEncodeKeepsUnreserved) {
  EXPECT_EQ(UriEncode("a-b_c.d~e/f g", false), "a-b_c.d~e/f%20g");
  EXPECT_EQ(UriEncode("a/b", true), "a%2Fb");
}

}  // namespace
}  // namespace kms::sigv4
