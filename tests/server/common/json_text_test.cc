#include "kms/json_text.h"

#include <string>

#include <gtest/gtest.h>

#include "kms/text.h"

namespace kms {
namespace {

constexpr JsonTextLimits kLimits{.max_depth = 4, .max_members = 3};

JsonTextProblem Check(const std::string& text) { return CheckJsonText(text, kLimits); }

TEST(JsonTextTest, CountsDepthOutsideStringsOnly) {
  EXPECT_EQ(Check(R"({"a":[{"b":[1]}]})"), JsonTextProblem::kNone);
  EXPECT_EQ(Check(R"({"a":[{"b":[[1]]}]})"), JsonTextProblem::kTooDeep);
  EXPECT_EQ(Check(R"({"a":"[[[[[[{{{{"})"), JsonTextProblem::kNone);
  EXPECT_EQ(Check(R"({"a":"\"[[[[[["})"), JsonTextProblem::kNone);
  // Deep, unterminated input fails at the limit without reading on.
  EXPECT_EQ(Check(std::string(100000, '[')), JsonTextProblem::kTooDeep);
  EXPECT_EQ(Check("{\"KeyId\":" + std::string(100000, '{')), JsonTextProblem::kTooDeep);
}

TEST(JsonTextTest, CountsMembersPerContainer) {
  EXPECT_EQ(Check(R"({"a":1,"b":2,"c":[1,2,3]})"), JsonTextProblem::kNone);
  EXPECT_EQ(Check(R"({"a":1,"b":2,"c":3,"d":4})"), JsonTextProblem::kTooManyMembers);
  EXPECT_EQ(Check(R"([1,2,3,4])"), JsonTextProblem::kTooManyMembers);
  EXPECT_EQ(Check(R"({"a":"1,2,3,4,5"})"), JsonTextProblem::kNone);
  // Each container counts its own.
  EXPECT_EQ(Check(R"([[1,2,3],[1,2,3],[1,2,3]])"), JsonTextProblem::kNone);
}

TEST(JsonTextTest, RefusesMalformedUtf8AndLoneSurrogates) {
  EXPECT_EQ(Check("{\"a\":\"caf\xC3\xA9 \xF0\x9F\x94\x91\"}"), JsonTextProblem::kNone);
  for (const char* bad :
       {"\xFF", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xC3", "\x80"}) {
    EXPECT_EQ(Check(std::string("{\"a\":\"") + bad + "\"}"), JsonTextProblem::kInvalidUtf8) << bad;
  }
  EXPECT_EQ(Check(R"({"a":"\ud83d\udd11"})"), JsonTextProblem::kNone);
  EXPECT_EQ(Check(R"({"a":"\uD83D\uDD11"})"), JsonTextProblem::kNone);
  for (const char* bad :
       {R"("\udc00")", R"("\ud800")", R"("\ud800x")", R"("\ud800\u0041")", R"("\ud800\ud800")"}) {
    EXPECT_EQ(Check(std::string("{\"a\":") + bad + "}"), JsonTextProblem::kInvalidUtf8) << bad;
  }
  // An escaped backslash is not the start of an escape.
  EXPECT_EQ(Check(R"({"a":"\\udc00"})"), JsonTextProblem::kNone);
}

// Long strings are skipped 8 bytes at a time: whatever ends a string or
// needs checking is found at every offset within a block.
TEST(JsonTextTest, FindsQuotesEscapesAndUtf8AtEveryOffsetOfALongString) {
  for (size_t offset = 0; offset < 20; ++offset) {
    const std::string before(offset, 'x');
    const std::string after(20, 'y');
    // A quote ends the string: the brackets after it count.
    EXPECT_EQ(Check("[\"" + before + "\"," + "[[[[1]]]]" + "]"), JsonTextProblem::kTooDeep)
        << offset;
    // An escaped quote does not: the brackets stay inside the string.
    EXPECT_EQ(Check("[\"" + before + "\\\"[[[[[" + after + "\"]"), JsonTextProblem::kNone)
        << offset;
    EXPECT_EQ(Check("[\"" + before + "\xC3\xA9" + after + "\"]"), JsonTextProblem::kNone) << offset;
    EXPECT_EQ(Check("[\"" + before + "\xFF" + after + "\"]"), JsonTextProblem::kInvalidUtf8)
        << offset;
    EXPECT_EQ(Check("[\"" + before + "\\udc00" + after + "\"]"), JsonTextProblem::kInvalidUtf8)
        << offset;
    // IsValidUtf8 skips ASCII a word at a time too.
    EXPECT_TRUE(IsValidUtf8(before + "\xC3\xA9" + after)) << offset;
    EXPECT_FALSE(IsValidUtf8(before + "\xFF" + after)) << offset;
    EXPECT_FALSE(IsValidUtf8(before + "\xC3")) << offset;
  }
}

TEST(Utf8Test, ValidatesSanitizesAndTruncatesAtSequenceBoundaries) {
  EXPECT_TRUE(IsValidUtf8("plain \xC3\xA9"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));
  EXPECT_EQ(SanitizeUtf8("a\xFF"
                         "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(TruncateUtf8("abc", 3), "abc");
  EXPECT_EQ(TruncateUtf8("abcd", 3), "abc...");
  EXPECT_EQ(TruncateUtf8("ab\xC3\xA9", 3), "ab...");
}

TEST(TextTest, DigitsAndAccountIds) {
  EXPECT_TRUE(IsAsciiDigits("0123456789"));
  for (std::string_view not_digits : {"", " 1", "+1", "-1", "1a", "\xD9\xA1"})
    EXPECT_FALSE(IsAsciiDigits(not_digits)) << not_digits;
  EXPECT_TRUE(IsAccountId("111122223333"));
  for (std::string_view not_account : {"11112222333", "1111222233334", "11112222333x", ""})
    EXPECT_FALSE(IsAccountId(not_account)) << not_account;
}

TEST(TextTest, EscapeMarkupEscapesWhatEndsTextOrAnAttribute) {
  EXPECT_EQ(EscapeMarkup("<a href=\"x\">R&D's</a>"),
            "&lt;a href=&quot;x&quot;&gt;R&amp;D&#39;s&lt;/a&gt;");
  EXPECT_EQ(EscapeMarkup("plain \xC3\xA9"), "plain \xC3\xA9");
}

}  // namespace
}  // namespace kms
