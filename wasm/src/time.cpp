#include "edgereplay/time.hpp"

namespace edgereplay {
namespace {

int64_t floor_div(int64_t a, int64_t b) noexcept {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

bool digits(std::string_view s, size_t at, size_t n, uint32_t* out) noexcept {
  if (at + n > s.size()) return false;
  uint32_t v = 0;
  for (size_t k = at; k < at + n; ++k) {
    if (s[k] < '0' || s[k] > '9') return false;
    v = v * 10 + static_cast<uint32_t>(s[k] - '0');
  }
  *out = v;
  return true;
}

void put_digits(uint32_t value, int width, std::string* out) {
  char buf[10];
  for (int k = width - 1; k >= 0; --k) {
    buf[k] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out->append(buf, static_cast<size_t>(width));
}

}  // namespace

int64_t days_from_civil(CivilDate date) noexcept {
  const int64_t y = static_cast<int64_t>(date.year) - (date.month <= 2 ? 1 : 0);
  const int64_t era = floor_div(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t m = date.month;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + date.day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate civil_from_days(int64_t days) noexcept {
  const int64_t z = days + 719468;
  const int64_t era = floor_div(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return CivilDate{static_cast<int32_t>(y), static_cast<uint32_t>(m), static_cast<uint32_t>(d)};
}

uint32_t days_in_month(int32_t year, uint32_t month) noexcept {
  static const uint8_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2) {
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return leap ? 29 : 28;
  }
  return kDays[month - 1];
}

CivilDate utc_date(int64_t epoch_ms) noexcept {
  return civil_from_days(floor_div(epoch_ms, 86400000));
}

Result<int64_t> parse_timestamp(std::string_view s) noexcept {
  if (s.empty()) return Error::bad_session_started_at;
  // Epoch milliseconds written as a decimal string.
  if (s.find_first_not_of("0123456789") == std::string_view::npos) {
    if (s.size() > 15) return Error::bad_session_started_at;
    int64_t v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    if (v > kMaxEpochMs) return Error::bad_session_started_at;
    return v;
  }
  uint32_t year, month, day, hour, minute, second;
  if (!digits(s, 0, 4, &year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, &month) ||
      s[7] != '-' || !digits(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !digits(s, 11, 2, &hour) || s[13] != ':' || !digits(s, 14, 2, &minute) || s[16] != ':' ||
      !digits(s, 17, 2, &second))
    return Error::bad_session_started_at;
  if (year < 1970 || month < 1 || month > 12 || day < 1 ||
      day > days_in_month(static_cast<int32_t>(year), month) || hour > 23 || minute > 59 ||
      second > 59)
    return Error::bad_session_started_at;
  size_t at = 19;
  int64_t millis = 0;
  if (at < s.size() && s[at] == '.') {
    ++at;
    size_t first = at;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
      if (at - first < 3) millis = millis * 10 + (s[at] - '0');
      ++at;
    }
    size_t n = at - first;
    if (n == 0 || n > 9) return Error::bad_session_started_at;
    for (size_t k = n; k < 3; ++k) millis *= 10;
  }
  int64_t offset_minutes = 0;
  if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    ++at;
  } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
    int sign = s[at] == '-' ? -1 : 1;
    uint32_t oh, om;
    if (!digits(s, at + 1, 2, &oh)) return Error::bad_session_started_at;
    size_t mm = at + 3;
    if (mm < s.size() && s[mm] == ':') ++mm;
    if (!digits(s, mm, 2, &om) || oh > 23 || om > 59) return Error::bad_session_started_at;
    at = mm + 2;
    offset_minutes = sign * static_cast<int64_t>(oh * 60 + om);
  } else {
    return Error::bad_session_started_at;
  }
  if (at != s.size()) return Error::bad_session_started_at;
  int64_t days = days_from_civil(CivilDate{static_cast<int32_t>(year), month, day});
  int64_t ms = ((days * 24 + hour) * 60 + minute - offset_minutes) * 60000 +
               static_cast<int64_t>(second) * 1000 + millis;
  if (ms < 0 || ms > kMaxEpochMs) return Error::bad_session_started_at;
  return ms;
}

std::string format_iso8601(int64_t epoch_ms) {
  int64_t days = floor_div(epoch_ms, 86400000);
  int64_t in_day = epoch_ms - days * 86400000;
  CivilDate d = civil_from_days(days);
  std::string out;
  out.reserve(24);
  put_digits(static_cast<uint32_t>(d.year), 4, &out);
  out.push_back('-');
  put_digits(d.month, 2, &out);
  out.push_back('-');
  put_digits(d.day, 2, &out);
  out.push_back('T');
  put_digits(static_cast<uint32_t>(in_day / 3600000), 2, &out);
  out.push_back(':');
  put_digits(static_cast<uint32_t>(in_day / 60000 % 60), 2, &out);
  out.push_back(':');
  put_digits(static_cast<uint32_t>(in_day / 1000 % 60), 2, &out);
  out.push_back('.');
  put_digits(static_cast<uint32_t>(in_day % 1000), 3, &out);
  out.push_back('Z');
  return out;
}

}  // namespace edgereplay
