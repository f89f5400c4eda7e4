// Calendar arithmetic for session start times. Pure integer maths on the
// proleptic Gregorian calendar in UTC (after Howard Hinnant's date algorithms),
// so the result never depends on a host time zone database.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "edgereplay/error.hpp"

namespace edgereplay {

struct CivilDate {
  int32_t year;
  uint32_t month;  // 1..12
  uint32_t day;    // 1..31
};

// Largest epoch millisecond whose UTC year still has four digits (9999-12-31T23:59:59.999Z).
constexpr int64_t kMaxEpochMs = INT64_C(253402300799999);

int64_t days_from_civil(CivilDate date) noexcept;
CivilDate civil_from_days(int64_t days) noexcept;
uint32_t days_in_month(int32_t year, uint32_t month) noexcept;

// UTC calendar date of an epoch millisecond (floor division, so negative values work).
CivilDate utc_date(int64_t epoch_ms) noexcept;

// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM|±HHMM)` or a decimal epoch
// millisecond string into epoch ms. The zone designator is required: a time
// without one names no instant. Impossible dates (2026-02-30, hour 24) fail.
Result<int64_t> parse_timestamp(std::string_view text) noexcept;

// Formats epoch ms as `YYYY-MM-DDTHH:MM:SS.mmmZ`, the form session/start answers with.
std::string format_iso8601(int64_t epoch_ms);

}  // namespace edgereplay
