// FormatTime / ParseTime (declared in codec.h): RFC 3339 timestamps for the wire records.
// Hand-written rather than strftime/strptime: those are locale- and TZ-dependent, have no
// nanoseconds, and formatting sits on the encode path of every record.
#include <cstdint>
#include <string>
#include <string_view>

#include "schema/codec.h"

namespace edgewatch::schema {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kSecondsPerDay = 86'400;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) {
    --q;
  }
  return q;
}

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms,
// https://howardhinnant.github.io/date_algorithms.html).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = FloorDiv(y, 400);
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146'097 + static_cast<int64_t>(doe) - 719'468;
}

struct CivilDate {
  int64_t year;
  unsigned month;
  unsigned day;
};

CivilDate CivilFromDays(int64_t z) {
  z += 719'468;
  const int64_t era = FloorDiv(z, 146'097);
  const auto doe = static_cast<unsigned>(z - era * 146'097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Writes `v` as exactly `width` decimal digits ending just before `end`.
void PutDigits(char* end, uint64_t v, int width) {
  for (int i = 0; i < width; ++i) {
    *--end = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at s[pos]; false if any is not a digit.
bool Digits(std::string_view s, size_t pos, size_t n, unsigned& out) {
  if (pos + n > s.size()) return false;
  unsigned v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!IsDigit(s[i])) return false;
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
  }
  out = v;
  return true;
}

Error Invalid(std::string_view s, std::string_view why) {
  constexpr size_t kMaxQuoted = 64;  // error messages quote the input, but not without bound
  std::string quoted(s.substr(0, kMaxQuoted));
  if (s.size() > kMaxQuoted) {
    quoted += "...";
  }
  return Err("invalid RFC 3339 time \"" + quoted + "\": " + std::string(why));
}

}  // namespace

std::string FormatTime(int64_t unix_ns) {
  // Quotient and remainder rather than secs * 1e9, which overflows near the int64 minimum.
  int64_t secs = unix_ns / kNanosPerSecond;
  int64_t nanos = unix_ns % kNanosPerSecond;
  if (nanos < 0) {
    nanos += kNanosPerSecond;
    secs -= 1;
  }
  const int64_t days = FloorDiv(secs, kSecondsPerDay);
  const int64_t sod = secs - days * kSecondsPerDay;
  const CivilDate date = CivilFromDays(days);

  // The int64 ns range is years 1677..2262, so four year digits always suffice.
  std::string out = "0000-00-00T00:00:00.000000000Z";
  char* p = out.data();
  PutDigits(p + 4, static_cast<uint64_t>(date.year), 4);
  PutDigits(p + 7, date.month, 2);
  PutDigits(p + 10, date.day, 2);
  PutDigits(p + 13, static_cast<uint64_t>(sod / 3600), 2);
  PutDigits(p + 16, static_cast<uint64_t>(sod / 60 % 60), 2);
  PutDigits(p + 19, static_cast<uint64_t>(sod % 60), 2);
  PutDigits(p + 29, static_cast<uint64_t>(nanos), 9);
  return out;
}

namespace {

struct TimeFields {
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int64_t nanos = 0;
  int64_t offset_s = 0;  // east of UTC
};

// Fast lane for exactly what FormatTime writes, "YYYY-MM-DDTHH:MM:SS.fffffffffZ": every wire
// record carries two or three of these. Anything else takes the general path below.
bool ParseCanonical(std::string_view s, TimeFields& t) {
  if (s.size() != 30 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s[19] != '.' || s[29] != 'Z') {
    return false;
  }
  // Digits are accumulated without a branch per digit; one check at the end catches any
  // non-digit (its value would exceed 9).
  unsigned bad = 0;
  auto digits = [&](size_t pos, size_t n) {
    uint64_t v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      const auto d = static_cast<unsigned>(static_cast<unsigned char>(s[i]) - '0');
      bad |= d > 9 ? 1u : 0u;
      v = v * 10 + d;
    }
    return v;
  };
  t.year = static_cast<unsigned>(digits(0, 4));
  t.month = static_cast<unsigned>(digits(5, 2));
  t.day = static_cast<unsigned>(digits(8, 2));
  t.hour = static_cast<unsigned>(digits(11, 2));
  t.minute = static_cast<unsigned>(digits(14, 2));
  t.second = static_cast<unsigned>(digits(17, 2));
  t.nanos = static_cast<int64_t>(digits(20, 9));
  return bad == 0;
}

// RFC 3339 section 5.6: date-time = full-date "T" full-time; "T" and "Z" may be lower case.
Result<TimeFields> ParseGeneral(std::string_view s) {
  TimeFields t;
  if (!Digits(s, 0, 4, t.year) || s.size() < 5 || s[4] != '-' || !Digits(s, 5, 2, t.month) ||
      s.size() < 8 || s[7] != '-' || !Digits(s, 8, 2, t.day)) {
    return Invalid(s, "expected a date YYYY-MM-DD");
  }
  if (s.size() < 11 || (s[10] != 'T' && s[10] != 't')) {
    return Invalid(s, "expected 'T' after the date");
  }
  if (!Digits(s, 11, 2, t.hour) || s.size() < 14 || s[13] != ':' || !Digits(s, 14, 2, t.minute) ||
      s.size() < 17 || s[16] != ':' || !Digits(s, 17, 2, t.second)) {
    return Invalid(s, "expected a time hh:mm:ss");
  }
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t n = 0;
    while (pos < s.size() && IsDigit(s[pos])) {
      if (++n > 9) return Invalid(s, "more than 9 fractional digits");
      t.nanos = t.nanos * 10 + (s[pos++] - '0');
    }
    if (n == 0) return Invalid(s, "expected digits after '.'");
    for (; n < 9; ++n) {
      t.nanos *= 10;
    }
  }
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    unsigned oh = 0, om = 0;
    if (!Digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, om)) {
      return Invalid(s, "expected an offset ±hh:mm");
    }
    if (oh > 23 || om > 59) return Invalid(s, "offset out of range");
    t.offset_s = (s[pos] == '+' ? 1 : -1) * static_cast<int64_t>(oh * 3600 + om * 60);
    pos += 6;
  } else {
    return Invalid(s, "expected 'Z' or an offset ±hh:mm");
  }
  if (pos != s.size()) return Invalid(s, "trailing characters");
  return t;
}

}  // namespace

// Leap seconds (":60") are refused: unix time cannot represent them.
Result<int64_t> ParseTime(std::string_view s) {
  TimeFields t;
  if (!ParseCanonical(s, t)) {
    Result<TimeFields> general = ParseGeneral(s);
    if (!general.ok()) return Err(general.error());
    t = *general;
  }
  if (t.month < 1 || t.month > 12) return Invalid(s, "month out of range");
  if (t.day < 1 || t.day > DaysInMonth(t.year, t.month)) return Invalid(s, "day out of range");
  if (t.hour > 23 || t.minute > 59 || t.second > 59) return Invalid(s, "time of day out of range");

  const int64_t time_of_day = int64_t{t.hour} * 3600 + int64_t{t.minute} * 60 + t.second;
  int64_t secs = DaysFromCivil(t.year, t.month, t.day) * kSecondsPerDay + time_of_day - t.offset_s;
  int64_t nanos = t.nanos;
  // Borrow a second so that times just after the int64 minimum do not overflow in secs * 1e9.
  if (secs < 0 && nanos > 0) {
    secs += 1;
    nanos -= kNanosPerSecond;
  }
  int64_t ns = 0;
  if (__builtin_mul_overflow(secs, kNanosPerSecond, &ns) ||
      __builtin_add_overflow(ns, nanos, &ns)) {
    return Invalid(s, "outside the representable range (years 1677..2262)");
  }
  return ns;
}

}  // namespace edgewatch::schema
