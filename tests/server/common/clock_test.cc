#include "kms/clock.h"

#include <cstdint>

#include <gtest/gtest.h>

namespace kms {
namespace {

TEST(ClockTest, FormatsCloudTrailAndSigV4Times) {
  EXPECT_EQ(FormatIso8601(1440938160000), "2015-08-30T12:36:00Z");
  EXPECT_EQ(FormatAmzDate(1440938160000), "20150830T123600Z");
}

TEST(ClockTest, ParsesAmzDate) {
  EpochMillis t = 0;
  ASSERT_TRUE(ParseAmzDate("20150830T123600Z", &t));
  EXPECT_EQ(t, 1440938160000);
  EXPECT_FALSE(ParseAmzDate("20150830T123600", &t));
  EXPECT_FALSE(ParseAmzDate("20150230T123600Z", &t));  // February 30th
  EXPECT_FALSE(ParseAmzDate("2015083OT123600Z", &t));
}

TEST(ClockTest, ParsesIso8601Forms) {
  EpochMillis t = 0;
  ASSERT_TRUE(ParseIso8601("2015-08-30T12:36:00Z", &t));
  EXPECT_EQ(t, 1440938160000);
  ASSERT_TRUE(ParseIso8601("2015-08-30", &t));
  EXPECT_EQ(t, 1440892800000);
  ASSERT_TRUE(ParseIso8601("2015-08-30T14:36:00+02:00", &t));
  EXPECT_EQ(t, 1440938160000);
  ASSERT_TRUE(ParseIso8601("2015-08-30T12:36:00.250Z", &t));
  EXPECT_EQ(t, 1440938160250);
  EXPECT_FALSE(ParseIso8601("2015-8-30", &t));
  EXPECT_FALSE(ParseIso8601("2015-08-30T12:36:00Zjunk", &t));
}

TEST(ClockTest, FormatsHttpAndCloudTrailElementDates) {
  EXPECT_EQ(FormatHttpDate(1440938160000), "Sun, 30 Aug 2015 12:36:00 GMT");
  EXPECT_EQ(FormatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(FormatCloudTrailDate(1440938160000), "Aug 30, 2015 12:36:00 PM");
  EXPECT_EQ(FormatCloudTrailDate(1440892800000), "Aug 30, 2015 12:00:00 AM");
  EXPECT_EQ(FormatCloudTrailDate(1440935807000), "Aug 30, 2015 11:56:47 AM");
  // Before the epoch, and a leap day.
  EXPECT_EQ(FormatIso8601(-1000), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatIso8601(951782400000), "2000-02-29T00:00:00Z");
  // The ends of the range (a stored record's time is read back as any
  // 64-bit value): a far date, no overflow (UBSan checks).
  EXPECT_EQ(FormatIso8601(-1), "1969-12-31T23:59:59Z");
  EXPECT_TRUE(FormatIso8601(INT64_MIN).ends_with(":04Z")) << FormatIso8601(INT64_MIN);
  EXPECT_TRUE(FormatIso8601(INT64_MAX).ends_with(":55Z")) << FormatIso8601(INT64_MAX);
}

TEST(ClockTest, ParsesHttpDates) {
  EpochMillis t = 0;
  ASSERT_TRUE(ParseHttpDate("Sun, 30 Aug 2015 12:36:00 GMT", &t));
  EXPECT_EQ(t, 1440938160000);
  EXPECT_EQ(FormatHttpDate(t), "Sun, 30 Aug 2015 12:36:00 GMT");
  EXPECT_FALSE(ParseHttpDate("Sun, 30 Aug 2015 12:36:00 UTC", &t));
  EXPECT_FALSE(ParseHttpDate("Sun, 31 Feb 2015 12:36:00 GMT", &t));
  EXPECT_FALSE(ParseHttpDate("Sun, 30 Aug 2015 12:36:00 GMTX", &t));
  EXPECT_FALSE(ParseHttpDate("2015-08-30", &t));
}

TEST(ClockTest, ParsesTheIso8601FormsIamAccepts) {
  EpochMillis t = 0;
  ASSERT_TRUE(ParseIso8601("2015", &t));
  EXPECT_EQ(t, 1420070400000);
  ASSERT_TRUE(ParseIso8601("2015-08", &t));
  EXPECT_EQ(t, 1438387200000);
  ASSERT_TRUE(ParseIso8601("2015-08-30T12:36Z", &t));
  EXPECT_EQ(t, 1440938160000);
  ASSERT_TRUE(ParseIso8601("2015-08-30T12:36:00", &t));  // no zone: UTC
  EXPECT_EQ(t, 1440938160000);
  ASSERT_TRUE(ParseIso8601("2016-02-29", &t));
  EXPECT_FALSE(ParseIso8601("2015-02-29", &t));
  EXPECT_FALSE(ParseIso8601("2015-13", &t));
  EXPECT_FALSE(ParseIso8601("2015-08-30T25:00Z", &t));
  EXPECT_FALSE(ParseIso8601("2015-08-30T12:36:00.Z", &t));
}

TEST(FakeClockTest, AdvancesOnlyWhenTold) {
  FakeClock clock(1000);
  EXPECT_EQ(clock.NowMillis(), 1000);
  clock.Advance(500);
  EXPECT_EQ(clock.NowMillis(), 1500);
}

}  // namespace
}  // namespace kms
