#include "kms/clock.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace kms {
namespace {

bool ReadDigits(std::string_view text, size_t pos, size_t count, int* value) {
  if (pos + count > text.size()) return false;
  int v = 0;
  for (size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *value = v;
  return true;
}

bool ToEpochMillis(int year, int month, int day, int hour, int minute, int second, EpochMillis* out) {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return false;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const time_t t = timegm(&tm);
  // timegm normalises out-of-range days (Feb 30); such dates are malformed.
  if (tm.tm_mday != day || tm.tm_mon != month - 1) return false;
  *out = static_cast<EpochMillis>(t) * 1000;
  return true;
}

std::tm ToTm(EpochMillis time) {
  time_t seconds = static_cast<time_t>(time / 1000);
  if (time < 0 && time % 1000 != 0) --seconds;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return tm;
}

}  // namespace

EpochMillis SystemClock::NowMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const SystemClock& SystemClock::Get() {
  static const SystemClock clock;
  return clock;
}

std::string FormatIso8601(EpochMillis time) {
  const std::tm tm = ToTm(time);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string FormatAmzDate(EpochMillis time) {
  const std::tm tm = ToTm(time);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

bool ParseAmzDate(std::string_view text, EpochMillis* time) {
  int y, mo, d, h, mi, s;
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return false;
  if (!ReadDigits(text, 0, 4, &y) || !ReadDigits(text, 4, 2, &mo) || !ReadDigits(text, 6, 2, &d) ||
      !ReadDigits(text, 9, 2, &h) || !ReadDigits(text, 11, 2, &mi) || !ReadDigits(text, 13, 2, &s)) {
    return false;
  }
  return ToEpochMillis(y, mo, d, h, mi, s, time);
}

bool ParseIso8601(std::string_view text, EpochMillis* time) {
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return false;
  if (!ReadDigits(text, 0, 4, &y) || !ReadDigits(text, 5, 2, &mo) || !ReadDigits(text, 8, 2, &d)) return false;
  size_t pos = 10;
  int millis = 0;
  int offset_minutes = 0;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != 't') return false;
    ++pos;
    if (!ReadDigits(text, pos, 2, &h) || pos + 2 >= text.size() || text[pos + 2] != ':' ||
        !ReadDigits(text, pos + 3, 2, &mi)) {
      return false;
    }
    pos += 5;
    if (pos < text.size() && text[pos] == ':') {
      if (!ReadDigits(text, pos + 1, 2, &s)) return false;
      pos += 3;
    }
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      int digits = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (digits < 3) millis = millis * 10 + (text[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return false;
      for (int i = digits; i < 3; ++i) millis *= 10;
    }
    if (pos < text.size()) {
      const char sign = text[pos];
      if (sign == 'Z' || sign == 'z') {
        ++pos;
      } else if (sign == '+' || sign == '-') {
        int oh, om;
        if (!ReadDigits(text, pos + 1, 2, &oh)) return false;
        size_t next = pos + 3;
        if (next < text.size() && text[next] == ':') ++next;
        if (!ReadDigits(text, next, 2, &om)) return false;
        offset_minutes = (oh * 60 + om) * (sign == '+' ? 1 : -1);
        pos = next + 2;
      } else {
        return false;
      }
    }
    if (pos != text.size()) return false;
  }
  EpochMillis base;
  if (!ToEpochMillis(y, mo, d, h, mi, s, &base)) return false;
  *time = base + millis - EpochMillis{offset_minutes} * 60000;
  return true;
}

}  // namespace kms
