#include "json/iso8601.h"

#include <gtest/gtest.h>

namespace sb::json {

TEST(Iso8601, FormatsWithMillisecondsInUtc) {
  EXPECT_EQ(iso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601(1705314600123), "2024-01-15T10:30:00.123Z");
}

TEST(Iso8601, ParsesTheSeedsTimestampsAndRoundTrips) {
  EXPECT_EQ(parse_iso8601("2024-01-15T10:30:00Z"), 1705314600000u);
  EXPECT_EQ(parse_iso8601("2024-01-15T10:30:00.123Z"), 1705314600123u);
  EXPECT_EQ(parse_iso8601("2024-01-15T10:30:00.5Z"), 1705314600500u);
  EXPECT_EQ(parse_iso8601("2024-01-15T12:30:00+02:00"), 1705314600000u);
  EXPECT_EQ(parse_iso8601("2024-01-15t10:30:00z"), 1705314600000u);
  EXPECT_EQ(parse_iso8601("2024-02-29T00:00:00Z"), 1709164800000u);  // a leap day
  EXPECT_EQ(parse_iso8601(iso8601(1763812345678)), 1763812345678u);
}

TEST(Iso8601, RefusesAnythingElse) {
  for (const char* bad : {"", "2024-01-15", "2024-01-15T10:30:00", "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
                          "2024-01-15T24:00:00Z", "2024-01-15T10:30:00.Z", "2024-01-15T10:30:00Zjunk",
                          "1969-12-31T23:59:59Z", "tomorrow", "2024-01-15T10:30:00+0200"}) {
    EXPECT_FALSE(parse_iso8601(bad)) << bad;
  }
}

}  // namespace sb::json
