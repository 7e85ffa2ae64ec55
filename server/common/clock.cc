#include "kms/clock.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace kms {
namespace {

constexpr EpochMillis kMillisPerDay = EpochMillis{86400} * 1000;
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr const char* kWeekdays[] = {"Thu", "Fri", "Sat", "Sun",
                                     "Mon", "Tue", "Wed"};  // from 1970-01-01

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Parses exactly `width` digits at `text[*pos]`.
bool ReadDigits(std::string_view text, size_t* pos, size_t width, int* out) {
  if (*pos + width > text.size()) return false;
  int value = 0;
  for (size_t i = 0; i < width; ++i) {
    const char c = text[*pos + i];
    if (!IsDigit(c)) return false;
    value = value * 10 + (c - '0');
  }
  *pos += width;
  *out = value;
  return true;
}

bool ReadChar(std::string_view text, size_t* pos, char expected) {
  if (*pos >= text.size() || text[*pos] != expected) return false;
  ++*pos;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};

// The inverse of DaysFromCivil.
Civil CivilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return Civil{yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

bool ValidDate(int y, int m, int d) {
  return m >= 1 && m <= 12 && d >= 1 && d <= DaysInMonth(y, m);
}

EpochMillis ToMillis(int y, int m, int d, int64_t millis_of_day) {
  return DaysFromCivil(y, m, d) * kMillisPerDay + millis_of_day;
}

// Parses "Z", "+hh:mm" or "-hh:mm" (or nothing: UTC) into an offset.
bool ReadTimeZone(std::string_view text, size_t* pos, int64_t* offset_millis) {
  *offset_millis = 0;
  if (*pos == text.size()) return true;
  if (text[*pos] == 'Z' || text[*pos] == 'z') {
    ++*pos;
    return true;
  }
  const char sign = text[*pos];
  if (sign != '+' && sign != '-') return false;
  ++*pos;
  int hours = 0;
  int minutes = 0;
  if (!ReadDigits(text, pos, 2, &hours) || !ReadChar(text, pos, ':') ||
      !ReadDigits(text, pos, 2, &minutes) || hours > 23 || minutes > 59) {
    return false;
  }
  *offset_millis = (hours * 3600 + minutes * 60) * int64_t{1000} * (sign == '+' ? 1 : -1);
  return true;
}

// Parses "hh:mm[:ss[.s+]]" (fractions beyond milliseconds dropped).
bool ReadTime(std::string_view text, size_t* pos, int64_t* millis_of_day) {
  int hours = 0;
  int minutes = 0;
  if (!ReadDigits(text, pos, 2, &hours) || !ReadChar(text, pos, ':') ||
      !ReadDigits(text, pos, 2, &minutes) || hours > 23 || minutes > 59) {
    return false;
  }
  int seconds = 0;
  int millis = 0;
  if (*pos < text.size() && text[*pos] == ':') {
    ++*pos;
    if (!ReadDigits(text, pos, 2, &seconds) || seconds > 60) return false;
    if (*pos < text.size() && text[*pos] == '.') {
      ++*pos;
      const size_t start = *pos;
      int scale = 100;
      while (*pos < text.size() && IsDigit(text[*pos])) {
        millis += (text[*pos] - '0') * scale;
        scale /= 10;
        ++*pos;
      }
      if (*pos == start) return false;
    }
  }
  *millis_of_day = ((hours * 60 + minutes) * 60 + seconds) * int64_t{1000} + millis;
  return true;
}

struct Fields {
  Civil date;
  int hour, minute, second, weekday;  // weekday: index into kWeekdays
};

Fields FieldsOf(EpochMillis time) {
  int64_t days = time / kMillisPerDay;
  int64_t millis_of_day = time % kMillisPerDay;
  if (millis_of_day < 0) {
    millis_of_day += kMillisPerDay;
    --days;
  }
  const int64_t seconds = millis_of_day / 1000;
  return Fields{CivilFromDays(days), static_cast<int>(seconds / 3600),
                static_cast<int>(seconds / 60 % 60), static_cast<int>(seconds % 60),
                static_cast<int>(((days % 7) + 7) % 7)};
}

// The text of a date format for one second, kept per thread: a busy server
// formats the same second many times (a response's Date, aws:CurrentTime).
struct SecondCache {
  int64_t second = INT64_MIN;
  std::string text;
};
template <class Format>
std::string CachedBySecond(SecondCache& cache, EpochMillis time, Format format) {
  // Rounded down, without overflowing at the ends of the range.
  const int64_t second = time / 1000 - (time % 1000 < 0 ? 1 : 0);
  if (second != cache.second) {
    cache.text = format(FieldsOf(time));
    cache.second = second;
  }
  return cache.text;
}

}  // namespace

EpochMillis SystemClock::NowMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const SystemClock& SystemClock::Get() {
  static const SystemClock kClock;
  return kClock;
}

std::string FormatIso8601(EpochMillis time) {
  thread_local SecondCache cache;
  return CachedBySecond(cache, time, [](const Fields& f) {
    char buf[80];
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02dZ",
                  static_cast<long long>(f.date.year), f.date.month, f.date.day, f.hour, f.minute,
                  f.second);
    return std::string(buf);
  });
}

std::string FormatAmzDate(EpochMillis time) {
  const Fields f = FieldsOf(time);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04lld%02d%02dT%02d%02d%02dZ",
                static_cast<long long>(f.date.year), f.date.month, f.date.day, f.hour, f.minute,
                f.second);
  return buf;
}

std::string FormatHttpDate(EpochMillis time) {
  thread_local SecondCache cache;
  return CachedBySecond(cache, time, [](const Fields& f) {
    char buf[80];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04lld %02d:%02d:%02d GMT", kWeekdays[f.weekday],
                  f.date.day, kMonths[f.date.month - 1], static_cast<long long>(f.date.year),
                  f.hour, f.minute, f.second);
    return std::string(buf);
  });
}

std::string FormatCloudTrailDate(EpochMillis time) {
  const Fields f = FieldsOf(time);
  const int hour12 = f.hour % 12 == 0 ? 12 : f.hour % 12;
  char buf[80];
  std::snprintf(buf, sizeof buf, "%s %d, %lld %d:%02d:%02d %s", kMonths[f.date.month - 1],
                f.date.day, static_cast<long long>(f.date.year), hour12, f.minute, f.second,
                f.hour < 12 ? "AM" : "PM");
  return buf;
}

bool ParseAmzDate(std::string_view text, EpochMillis* time) {
  size_t pos = 0;
  int y, mo, d, h, mi, s;
  if (text.size() != 16 || !ReadDigits(text, &pos, 4, &y) || !ReadDigits(text, &pos, 2, &mo) ||
      !ReadDigits(text, &pos, 2, &d) || !ReadChar(text, &pos, 'T') ||
      !ReadDigits(text, &pos, 2, &h) || !ReadDigits(text, &pos, 2, &mi) ||
      !ReadDigits(text, &pos, 2, &s) || !ReadChar(text, &pos, 'Z')) {
    return false;
  }
  if (!ValidDate(y, mo, d) || h > 23 || mi > 59 || s > 60) return false;
  *time = ToMillis(y, mo, d, ((h * 60 + mi) * 60 + s) * int64_t{1000});
  return true;
}

bool ParseHttpDate(std::string_view text, EpochMillis* time) {
  // "Tue, 19 Mar 2024 13:01:21 GMT"
  size_t pos = 5;
  int d, y, h, mi, s;
  if (text.size() != 29 || text[3] != ',' || text[4] != ' ' || !ReadDigits(text, &pos, 2, &d) ||
      !ReadChar(text, &pos, ' ')) {
    return false;
  }
  int month = 0;
  for (int m = 0; m < 12; ++m) {
    if (text.substr(pos, 3) == kMonths[m]) month = m + 1;
  }
  pos += 3;
  if (month == 0 || !ReadChar(text, &pos, ' ') || !ReadDigits(text, &pos, 4, &y) ||
      !ReadChar(text, &pos, ' ') || !ReadDigits(text, &pos, 2, &h) || !ReadChar(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &mi) || !ReadChar(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &s) || text.substr(pos) != " GMT") {
    return false;
  }
  if (!ValidDate(y, month, d) || h > 23 || mi > 59 || s > 60) return false;
  *time = ToMillis(y, month, d, ((h * 60 + mi) * 60 + s) * int64_t{1000});
  return true;
}

bool ParseIso8601(std::string_view text, EpochMillis* time) {
  size_t pos = 0;
  int year = 0;
  int month = 1;
  int day = 1;
  if (!ReadDigits(text, &pos, 4, &year)) return false;
  if (pos < text.size() && ReadChar(text, &pos, '-')) {
    if (!ReadDigits(text, &pos, 2, &month) || month < 1 || month > 12) return false;
    if (pos < text.size() && ReadChar(text, &pos, '-')) {
      if (!ReadDigits(text, &pos, 2, &day) || !ValidDate(year, month, day)) return false;
    }
  }
  int64_t millis_of_day = 0;
  int64_t offset = 0;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == 't')) {
    ++pos;
    if (!ReadTime(text, &pos, &millis_of_day) || !ReadTimeZone(text, &pos, &offset)) return false;
  }
  if (pos != text.size()) return false;
  *time = ToMillis(year, month, day, millis_of_day) - offset;
  return true;
}

}  // namespace kms
