#include "server/policy/matching.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kms/server/policy/policy.h"
#include "server/policy/policy_test_util.h"
#include "server/policy/request_keys.h"
#include "server/policy/value_template.h"

namespace kms::policy::internal {
namespace {

TEST(GlobMatchTest, MatchesStarsAndQuestionMarks) {
  EXPECT_TRUE(GlobMatch("*", "", false));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXXbYYc", false));
  EXPECT_TRUE(GlobMatch("a*b*c", "abc", false));
  EXPECT_FALSE(GlobMatch("a*b*c", "abcd", false));
  EXPECT_TRUE(GlobMatch("a?c", "abc", false));
  EXPECT_FALSE(GlobMatch("a?c", "ac", false));
  EXPECT_TRUE(GlobMatch("**a**", "bab", false));
  EXPECT_FALSE(GlobMatch("abc", "ABC", false));
  EXPECT_TRUE(GlobMatch("abc", "ABC", true));
}

TEST(GlobMatchTest, LiteralMaskDisablesWildcards) {
  const std::vector<uint8_t> mask = {0, 1, 0};
  EXPECT_TRUE(GlobMatch("a*b", "a*b", false, mask));
  EXPECT_FALSE(GlobMatch("a*b", "axxb", false, mask));
}

TEST(GlobMatchTest, PathologicalPatternsStayFast) {
  const std::string text(5000, 'a');
  const std::string pattern = std::string(2000, '*') + "b";
  EXPECT_FALSE(GlobMatch(pattern, text, false));
}

TEST(ArnMatchTest, MatchesPerComponent) {
  EXPECT_TRUE(
      ArnMatch("arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:us-east-1:111122223333:key/abc"));
  EXPECT_FALSE(
      ArnMatch("arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:us-east-1:444455556666:key/abc"));
  EXPECT_TRUE(ArnMatch("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b:c"));
  EXPECT_TRUE(ArnMatch("*", "anything"));
  EXPECT_FALSE(ArnMatch("arn:aws:kms:*", "arn:aws:kms:us-east-1:111122223333:key/abc"));
  EXPECT_FALSE(ArnMatch("arn:aws:kms:*:*:*", "arn:aws:kms:us-east-1"));
}

TEST(IpRangeTest, ParsesAndMatchesCidrs) {
  auto v4 = ParseIpRange("10.0.0.0/8");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(IpInRange(*v4, "10.255.0.1"));
  EXPECT_FALSE(IpInRange(*v4, "11.0.0.1"));
  auto odd = ParseIpRange("192.168.0.0/23");
  ASSERT_TRUE(odd);
  EXPECT_TRUE(IpInRange(*odd, "192.168.1.200"));
  EXPECT_FALSE(IpInRange(*odd, "192.168.2.1"));
  auto all = ParseIpRange("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(IpInRange(*all, "8.8.8.8"));
  EXPECT_FALSE(IpInRange(*all, "::1"));
  auto v6 = ParseIpRange("2001:db8::/32");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(IpInRange(*v6, "2001:DB8:ffff::1"));
  EXPECT_FALSE(IpInRange(*v6, "not-an-ip"));
  for (const char* bad :
       {"10.0.0.0/33", "10.0.0/8", "x", "", "10.0.0.0/", "::/129", "1.2.3.4/-1"}) {
    EXPECT_FALSE(ParseIpRange(bad)) << bad;
  }
}

TEST(ParseNumberTest, AcceptsDecimalsOnly) {
  EXPECT_EQ(ParseNumber("10"), 10.0);
  EXPECT_EQ(ParseNumber("+2.5"), 2.5);
  EXPECT_EQ(ParseNumber("-3"), -3.0);
  EXPECT_EQ(ParseNumber("1e3"), 1000.0);
  for (const char* bad : {"", "abc", "1x", "inf", "nan", " 1", "0x10"}) {
    EXPECT_FALSE(ParseNumber(bad)) << bad;
  }
}

TEST(ParseDateTest, AcceptsW3cIsoFormatsAndEpochSeconds) {
  EXPECT_EQ(ParseDate("1970-01-01T00:00:00Z"), 0.0);
  EXPECT_EQ(ParseDate("2024-01-01T00:00:00Z"), 1704067200.0);
  EXPECT_EQ(ParseDate("2024-01-01"), 1704067200.0);
  EXPECT_EQ(ParseDate("2024-01"), 1704067200.0);
  EXPECT_EQ(ParseDate("1704067200"), 1704067200.0);
  EXPECT_EQ(ParseDate("2024-01-01T01:00+01:00"), 1704067200.0);
  EXPECT_EQ(ParseDate("2024-01-01T00:00:00.5Z"), 1704067200.5);
  EXPECT_EQ(ParseDate("2024-02-29T00:00:00Z"), 1709164800.0);
  for (const char* bad : {"2023-02-29", "2024-13-01", "2024-01-01T25:00Z", "yesterday",
                          "2024-01-01T00:00:00+0100", "2024-01-01 00:00:00"}) {
    EXPECT_FALSE(ParseDate(bad)) << bad;
  }
}

TEST(ValueTemplateTest, ResolvesVariablesDefaultsAndEscapes) {
  RequestContext request = testing::MakeRequest(testing::Who::kAlice, "kms:Decrypt", "*");
  const RequestKeys keys(request);
  std::string text;
  std::vector<uint8_t> mask;
  ValueTemplate user("home/${aws:username}/*", true);
  ASSERT_TRUE(user.has_variables());
  ASSERT_TRUE(user.Resolve(keys, &text, &mask));
  EXPECT_EQ(text, "home/alice/*");
  EXPECT_EQ(mask[5], 1);
  EXPECT_EQ(mask[11], 0);

  ValueTemplate fallback("${aws:TokenIssueTime, 'it''s none'}", true);
  ASSERT_TRUE(fallback.Resolve(keys, &text, &mask));
  EXPECT_EQ(text, "it's none");

  ValueTemplate missing("${aws:TokenIssueTime}", true);
  EXPECT_FALSE(missing.Resolve(keys, &text, &mask));

  ValueTemplate escapes("${*}${?}${$}", true);
  EXPECT_FALSE(escapes.has_variables());
  EXPECT_EQ(escapes.text(), "*?$");
  EXPECT_EQ(std::vector<uint8_t>(escapes.literal_mask().begin(), escapes.literal_mask().end()),
            (std::vector<uint8_t>{1, 1, 1}));

  ValueTemplate unterminated("a${b", true);
  EXPECT_FALSE(unterminated.has_variables());
  EXPECT_EQ(unterminated.text(), "a${b");

  ValueTemplate old("${aws:username}", false);
  EXPECT_FALSE(old.has_variables());
  EXPECT_EQ(old.text(), "${aws:username}");
}

}  // namespace
}  // namespace kms::policy::internal
