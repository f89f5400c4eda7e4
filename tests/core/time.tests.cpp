#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

#include "edgereplay/time.hpp"
#include "factories.hpp"

using namespace edgereplay;
using namespace edgereplay::test;

namespace {

int64_t parsed(std::string_view text) {
  Result<int64_t> r = parse_timestamp(text);
  REQUIRE(r.ok());
  return r.value();
}

bool refused(std::string_view text) {
  Result<int64_t> r = parse_timestamp(text);
  return !r.ok() && r.error() == Error::bad_session_started_at;
}

// std::chrono's calendar is an independent oracle for the core's arithmetic.
CivilDate chrono_date(int64_t days) {
  using namespace std::chrono;
  year_month_day ymd{sys_days{std::chrono::days{days}}};
  return CivilDate{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                   static_cast<unsigned>(ymd.day())};
}

bool same(CivilDate a, CivilDate b) { return a.year == b.year && a.month == b.month && a.day == b.day; }

constexpr int64_t kJan1st2000 = INT64_C(946684800000);
constexpr int64_t kFeb29th2000 = INT64_C(951782400000);
constexpr int64_t kFeb29th2024 = INT64_C(1709164800000);
constexpr int64_t kNov22At2330Utc = kNov22 + 23 * kHour + 30 * kMinute;
constexpr int64_t kNewYear2027 = kNov22 + 40 * kDay;  // 2027-01-01T00:00:00Z

}  // namespace

TEST_CASE("a UTC timestamp parses to its epoch millisecond", "[time]") {
  CHECK(parsed("1970-01-01T00:00:00Z") == 0);
  CHECK(parsed("2000-01-01T00:00:00Z") == kJan1st2000);
  CHECK(parsed("2026-11-22T10:00:00.000Z") == kStartMs);
  CHECK(parsed("2026-11-22T23:59:50.123Z") == kNov22 + 23 * kHour + 59 * kMinute + 50 * kSecond + 123);
  CHECK(parsed("2026-11-22T23:30:00+00:00") == kNov22At2330Utc);
}

TEST_CASE("a zone offset moves the instant to UTC", "[time]") {
  SECTION("+HH:MM and +HHMM") {
    CHECK(parsed("2026-11-23T01:30:00+02:00") == kNov22At2330Utc);
    CHECK(parsed("2026-11-23T01:30:00+0200") == kNov22At2330Utc);
  }
  SECTION("-HH:MM and -HHMM with minutes") {
    CHECK(parsed("2026-11-22T18:00:00-05:30") == kNov22At2330Utc);
    CHECK(parsed("2026-11-22T18:00:00-0530") == kNov22At2330Utc);
  }
  SECTION("an offset can carry the instant back across midnight and the year end") {
    CHECK(parsed("2027-01-01T01:00:00+02:00") == kNewYear2027 - kHour);
    CHECK(parsed("2027-01-01T00:00:00+00:01") == kNewYear2027 - kMinute);
  }
  SECTION("or forward across them") {
    CHECK(parsed("2026-12-31T22:00:00-03:00") == kNewYear2027 + kHour);
    CHECK(parsed("2026-11-22T23:59:59.999-00:01") == kNov22 + kDay + 59 * kSecond + 999);
  }
}

TEST_CASE("fractions of one to nine digits give milliseconds", "[time]") {
  const int64_t base = kStartMs;
  CHECK(parsed("2026-11-22T10:00:00.1Z") == base + 100);
  CHECK(parsed("2026-11-22T10:00:00.12Z") == base + 120);
  CHECK(parsed("2026-11-22T10:00:00.123Z") == base + 123);
  CHECK(parsed("2026-11-22T10:00:00.1234Z") == base + 123);
  CHECK(parsed("2026-11-22T10:00:00.123456789Z") == base + 123);
  // Sub-millisecond digits are dropped, never rounded into the next second.
  CHECK(parsed("2026-11-22T10:00:00.999999999Z") == base + 999);
  CHECK(parsed("2026-11-22T10:00:00.5+02:00") == base - 2 * kHour + 500);
  CHECK(refused("2026-11-22T10:00:00.1234567890Z"));
  CHECK(refused("2026-11-22T10:00:00.Z"));
  CHECK(refused("2026-11-22T10:00:00,5Z"));
}

TEST_CASE("epoch milliseconds written as digits are accepted", "[time]") {
  CHECK(parsed("0") == 0);
  CHECK(parsed("1795341600000") == kStartMs);
  CHECK(parsed("253402300799999") == kMaxEpochMs);
  CHECK(refused("253402300800000"));
  CHECK(refused("1234567890123456"));
  CHECK(refused("-1"));
  CHECK(refused("1795341600000.5"));
  CHECK(refused("1.7e12"));
  CHECK(refused(" 1795341600000"));
  CHECK(refused(""));
}

TEST_CASE("leap days exist only in leap years", "[time][calendar]") {
  CHECK(parsed("2024-02-29T00:00:00Z") == kFeb29th2024);
  CHECK(parsed("2000-02-29T00:00:00Z") == kFeb29th2000);  // divisible by 400
  CHECK(refused("2023-02-29T00:00:00Z"));
  CHECK(refused("2100-02-29T00:00:00Z"));  // divisible by 100, not 400
  CHECK(refused("2024-02-30T00:00:00Z"));
  CHECK(parsed("2024-03-01T00:00:00Z") == kFeb29th2024 + kDay);
  CHECK(parsed("2023-03-01T00:00:00Z") == kFeb29th2024 - 365 * kDay);
}

TEST_CASE("month and year ends are where the calendar puts them", "[time][calendar]") {
  for (const char* ok : {"2026-01-31T00:00:00Z", "2026-04-30T00:00:00Z", "2026-06-30T00:00:00Z",
                         "2026-09-30T00:00:00Z", "2026-11-30T00:00:00Z", "2026-12-31T00:00:00Z"}) {
    CAPTURE(ok);
    CHECK(parse_timestamp(ok).ok());
  }
  for (const char* bad : {"2026-04-31T00:00:00Z", "2026-06-31T00:00:00Z", "2026-09-31T00:00:00Z",
                          "2026-11-31T00:00:00Z", "2026-01-32T00:00:00Z", "2026-13-01T00:00:00Z",
                          "2026-00-10T00:00:00Z", "2026-05-00T00:00:00Z"}) {
    CAPTURE(bad);
    CHECK(refused(bad));
  }
  CHECK(parsed("2026-12-31T23:59:59.999Z") + 1 == parsed("2027-01-01T00:00:00Z"));
  CHECK(parsed("2027-01-01T00:00:00Z") == kNewYear2027);
}

TEST_CASE("clock fields past their range are refused", "[time]") {
  CHECK(parse_timestamp("2026-11-22T23:59:59Z").ok());
  CHECK(refused("2026-11-22T24:00:00Z"));
  CHECK(refused("2026-11-22T23:60:00Z"));
  CHECK(refused("2026-11-22T23:59:60Z"));  // leap seconds name no epoch millisecond
  CHECK(refused("2026-11-22T10:00:00+24:00"));
  CHECK(refused("2026-11-22T10:00:00+02:60"));
}

TEST_CASE("a timestamp without a zone names no instant and is refused", "[time]") {
  for (const char* bad : {"2026-11-22T10:00:00", "2026-11-22T10:00:00.123", "2026-11-22",
                          "2026-11-22T10:00Z", "2026-11-22T10:00:00+2", "2026-11-22T10:00:00+02:0",
                          "2026-11-22T10:00:00+02:", "2026-11-22T10:00:00 Z", "2026-11-22T10:00:00Z ",
                          "2026-11-22T10:00:00Zjunk", "2026-11-22T10:00:00+02:00:00",
                          "2026-11-22X10:00:00Z", "2026/11/22T10:00:00Z", " 2026-11-22T10:00:00Z",
                          "26-11-22T10:00:00Z", "2026-11-22T10:00:00UTC"}) {
    CAPTURE(bad);
    CHECK(refused(bad));
  }
}

TEST_CASE("instants outside 1970..9999 are refused", "[time]") {
  CHECK(refused("1969-12-31T23:59:59Z"));
  CHECK(refused("1970-01-01T00:30:00+01:00"));  // 1969 in UTC
  CHECK(parsed("1970-01-01T01:00:00+01:00") == 0);
  CHECK(parsed("9999-12-31T23:59:59.999Z") == kMaxEpochMs);
  CHECK(refused("9999-12-31T23:59:59.999-00:01"));
}

TEST_CASE("format_iso8601 writes what parse_timestamp reads back", "[time]") {
  CHECK(format_iso8601(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_iso8601(kStartMs) == "2026-11-22T10:00:00.000Z");
  CHECK(format_iso8601(kNov22 + 23 * kHour + 59 * kMinute + 50 * kSecond + 123) ==
        "2026-11-22T23:59:50.123Z");
  CHECK(format_iso8601(kFeb29th2000 + 7) == "2000-02-29T00:00:00.007Z");
  CHECK(format_iso8601(kMaxEpochMs) == "9999-12-31T23:59:59.999Z");

  std::mt19937_64 rng(7);
  for (int n = 0; n < 500; ++n) {
    int64_t ms = random_between(rng, 0, kMaxEpochMs);
    std::string text = format_iso8601(ms);
    CAPTURE(ms, text);
    REQUIRE(text.size() == 24);
    CHECK(parsed(text) == ms);
    CivilDate d = chrono_date(ms / kDay);
    char date[16];
    std::snprintf(date, sizeof date, "%04d-%02u-%02u", d.year, d.month, d.day);
    CHECK(text.substr(0, 10) == date);
  }
}

TEST_CASE("civil_from_days and days_from_civil agree with std::chrono over ten millennia",
          "[time][calendar]") {
  CHECK(days_from_civil({1970, 1, 1}) == 0);
  CHECK(days_from_civil({1969, 12, 31}) == -1);
  CHECK(days_from_civil({2000, 1, 1}) == kJan1st2000 / kDay);
  CHECK(days_from_civil({2026, 11, 22}) == kNov22 / kDay);

  // Every day from 0001-01-01 to 9999-12-31; counted, not asserted one by one.
  const int64_t first = days_from_civil({1, 1, 1});
  const int64_t last = days_from_civil({9999, 12, 31});
  REQUIRE(last - first + 1 == 3652059);  // 9999 years of 365.2425 days
  int64_t mismatches = 0, first_bad = 0;
  for (int64_t day = first; day <= last; ++day) {
    CivilDate c = civil_from_days(day);
    if (!same(c, chrono_date(day)) || days_from_civil(c) != day) {
      if (!mismatches) first_bad = day;
      ++mismatches;
    }
  }
  CAPTURE(first_bad);
  CHECK(mismatches == 0);
}

TEST_CASE("days_in_month follows the Gregorian leap rule", "[time][calendar]") {
  CHECK(days_in_month(2024, 2) == 29);
  CHECK(days_in_month(2023, 2) == 28);
  CHECK(days_in_month(2000, 2) == 29);
  CHECK(days_in_month(1900, 2) == 28);
  CHECK(days_in_month(2100, 2) == 28);
  CHECK(days_in_month(2026, 4) == 30);
  CHECK(days_in_month(2026, 12) == 31);
  for (int32_t year = 1896; year <= 2404; ++year)
    for (uint32_t month = 1; month <= 12; ++month) {
      using namespace std::chrono;
      unsigned expected = static_cast<unsigned>(
          year_month_day_last{std::chrono::year{year}, month_day_last{std::chrono::month{month}}}.day());
      if (days_in_month(year, month) != expected) {
        CAPTURE(year, month);
        FAIL_CHECK("days_in_month disagrees with std::chrono");
      }
    }
}

TEST_CASE("utc_date floors, so instants before 1970 land on the previous day", "[time][calendar]") {
  CHECK(same(utc_date(0), {1970, 1, 1}));
  CHECK(same(utc_date(kDay - 1), {1970, 1, 1}));
  CHECK(same(utc_date(kDay), {1970, 1, 2}));
  CHECK(same(utc_date(-1), {1969, 12, 31}));
  CHECK(same(utc_date(-kDay), {1969, 12, 31}));
  CHECK(same(utc_date(-kDay - 1), {1969, 12, 30}));
  CHECK(same(utc_date(kNov22At2330Utc), {2026, 11, 22}));
}
