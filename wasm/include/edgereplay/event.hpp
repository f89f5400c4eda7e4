// The event vocabulary shared by ingest, aggregation and replay.
#pragma once

#include <cstdint>
#include <string_view>

namespace edgereplay {

enum class EventType : uint8_t { page_view, click, scroll, visibility, custom, error, rrweb, unknown };

EventType event_type_from(std::string_view name) noexcept;
std::string_view event_type_name(EventType type) noexcept;

// Total order of events in a session: by time, then batch, then position in
// the batch. Replay sorts by it; entry and exit pages are its extremes.
struct EventKey {
  int64_t ts = 0;
  int64_t seq = 0;
  int64_t i = 0;

  friend bool operator<(const EventKey& a, const EventKey& b) noexcept {
    if (a.ts != b.ts) return a.ts < b.ts;
    if (a.seq != b.seq) return a.seq < b.seq;
    return a.i < b.i;
  }
  friend bool operator==(const EventKey& a, const EventKey& b) noexcept {
    return a.ts == b.ts && a.seq == b.seq && a.i == b.i;
  }
};

// What aggregation needs to know of one event; string fields are raw JSON
// spans (escapes not yet decoded) pointing into the caller's buffer.
struct EventFacts {
  EventType type = EventType::unknown;
  EventKey key;
  std::string_view url;  // page_view only
  bool url_escaped = false;
  double scroll_percent = 0;  // scroll only
};

}  // namespace edgereplay

namespace edgereplay {

// Reads one stored NDJSON line (an object with integer `ts`, `seq`, `i` and a
// string `type`) into `facts`; false when the line is not such an object.
bool parse_event_line(std::string_view line, EventFacts* facts) noexcept;

}  // namespace edgereplay
