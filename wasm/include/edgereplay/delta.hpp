// Per-session aggregates as deltas. A batch yields a Delta; Postgres adds it to
// the session row in one statement. merge() is associative and commutative, so
// delta(a ∪ b) == merge(delta(a), delta(b)) for any split of a session, and a
// recount from R2 equals whatever order the batches arrived in.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "edgereplay/error.hpp"
#include "edgereplay/event.hpp"

namespace edgereplay {

// Page views of one path on one UTC day (of the page_view's own ts): the
// daily page rollup's increment.
struct PageCount {
  int64_t day = 0;  // days since 1970-01-01
  std::string path;
  int64_t views = 0;

  friend bool operator==(const PageCount& a, const PageCount& b) {
    return a.day == b.day && a.path == b.path && a.views == b.views;
  }
};

struct Delta {
  int64_t event_count = 0;
  int64_t page_views = 0;
  int64_t clicks = 0;
  int64_t custom_events = 0;
  int64_t errors = 0;
  int64_t rrweb_events = 0;
  double max_scroll_percent = 0;  // 0..100, clamped
  EventKey first;                 // meaningful when event_count > 0
  EventKey last;
  bool has_entry = false;         // entry/exit: the earliest/latest page_view
  EventKey entry_key;
  std::string entry_page;
  EventKey exit_key;
  std::string exit_page;
  std::vector<PageCount> pages;   // sorted by (day, path), one entry each

  int64_t duration_ms() const noexcept { return event_count ? last.ts - first.ts : 0; }

  friend bool operator==(const Delta& a, const Delta& b);
};

// Longest path kept for page rollups; longer ones are cut (at a UTF-8 boundary).
constexpr size_t kMaxPathBytes = 512;

// The path of a page URL: scheme and host dropped, query and fragment dropped,
// "/" when empty. `url` is decoded text.
std::string page_path(std::string_view url);

void add_event(Delta* delta, const EventFacts& event);
Delta merge(const Delta& a, const Delta& b);

// {"event_count":..,"page_views":..,...,"pages":[{"day":"YYYY-MM-DD","path":..,"views":..}]}
void append_delta_json(const Delta& delta, std::string* out);
Result<Delta> delta_from_json(std::string_view json);

// Recounts a delta from normalised NDJSON lines (what R2 holds). Lines that
// are not events (a truncated tail, say) are skipped.
Delta delta_from_ndjson(std::string_view ndjson);

}  // namespace edgereplay
