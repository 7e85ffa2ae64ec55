// Time as the server sees it. Injected so that tests never read the real clock.
#ifndef KMS_CLOCK_H_
#define KMS_CLOCK_H_

#include <atomic>
#include <cstdint>
#include <string>

namespace kms {

// Milliseconds since the Unix epoch.
using EpochMillis = int64_t;
inline constexpr EpochMillis kDayMillis = 24LL * 3600 * 1000;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual EpochMillis NowMillis() const = 0;
};

// The system clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  EpochMillis NowMillis() const override;
  static const SystemClock& Get();
};

// A settable clock for tests. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(EpochMillis now = 1700000000000) : now_(now) {}
  EpochMillis NowMillis() const override { return now_.load(); }
  void Set(EpochMillis now) { now_.store(now); }
  void Advance(EpochMillis delta) { now_.fetch_add(delta); }

 private:
  std::atomic<EpochMillis> now_;
};

// Every time text kmsd reads or writes (UTC, proleptic Gregorian; pure
// arithmetic, no locale or time zone database). Parsers return false on
// malformed input, including dates that do not exist (Feb 30).

// "2024-05-20T20:46:16Z" (CloudTrail eventTime, aws:CurrentTime).
std::string FormatIso8601(EpochMillis time);
// "20240520T204616Z" (SigV4 X-Amz-Date).
std::string FormatAmzDate(EpochMillis time);
// "Mon, 20 May 2024 20:46:16 GMT" (the HTTP Date header, RFC 1123).
std::string FormatHttpDate(EpochMillis time);
// "May 20, 2024 8:46:16 PM" (dates inside CloudTrail responseElements).
std::string FormatCloudTrailDate(EpochMillis time);

bool ParseAmzDate(std::string_view text, EpochMillis* time);
bool ParseHttpDate(std::string_view text, EpochMillis* time);
// W3C ISO 8601 as IAM accepts it: "2024", "2024-05", "2024-05-20", each
// optionally with "Thh:mm[:ss[.fraction]]" and "Z" or "+hh:mm"/"-hh:mm" (UTC
// when absent); fractions beyond milliseconds are dropped.
bool ParseIso8601(std::string_view text, EpochMillis* time);

}  // namespace kms

#endif  // KMS_CLOCK_H_
