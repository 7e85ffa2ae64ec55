#include "kms/clock.h"

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

TEST(FakeClockTest, AdvancesOnlyWhenTold) {
  FakeClock clock(1000);
  EXPECT_EQ(clock.NowMillis(), 1000);
  clock.Advance(500);
  EXPECT_EQ(clock.NowMillis(), 1500);
}

}  // namespace
}  // namespace kms
