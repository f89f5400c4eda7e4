// Builders for test data: events, batch bodies and stored NDJSON lines, so a
// test says which field it varies instead of carrying a copied JSON blob.
#pragma once

#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "edgereplay/batch.hpp"
#include "edgereplay/delta.hpp"
#include "edgereplay/error.hpp"
#include "edgereplay/event.hpp"

namespace edgereplay {

// Catch prints values through these when an assertion fails.
inline std::ostream& operator<<(std::ostream& os, Error e) { return os << error_code(e); }
inline std::ostream& operator<<(std::ostream& os, Reject r) { return os << reject_name(r); }
inline std::ostream& operator<<(std::ostream& os, const EventKey& k) {
  return os << '(' << k.ts << ',' << k.seq << ',' << k.i << ')';
}
inline std::ostream& operator<<(std::ostream& os, const Delta& d) {
  std::string text;
  append_delta_json(d, &text);
  return os << text;
}

}  // namespace edgereplay

namespace edgereplay::test {

inline constexpr int64_t kSecond = 1000;
inline constexpr int64_t kMinute = 60 * kSecond;
inline constexpr int64_t kHour = 60 * kMinute;
inline constexpr int64_t kDay = 24 * kHour;

inline constexpr std::string_view kSessionId = "s3ss10n_ABCdef-09";
inline constexpr std::string_view kStartedAt = "2026-11-22T10:00:00.000Z";
inline constexpr int64_t kNov22 = INT64_C(1795305600000);  // 2026-11-22T00:00:00Z
inline constexpr int64_t kStartMs = kNov22 + 10 * kHour;   // kStartedAt
inline constexpr int64_t kNowMs = kStartMs + 30 * kMinute;

// A JSON string literal for valid UTF-8 text.
inline std::string quote(std::string_view text) { return nlohmann::json(std::string(text)).dump(); }
inline std::string number(int64_t v) { return std::to_string(v); }

// Object members as (key, raw JSON value). Keys are written between quotes
// as given, so a test can spell a key with escapes.
using Members = std::vector<std::pair<std::string, std::string>>;

inline std::string object(const Members& members) {
  std::string out = "{";
  for (const auto& [key, value] : members) {
    if (out.size() > 1) out += ',';
    out += '"' + key + "\":" + value;
  }
  return out + '}';
}

inline std::string array(const std::vector<std::string>& values) {
  std::string out = "[";
  for (const std::string& v : values) {
    if (out.size() > 1) out += ',';
    out += v;
  }
  return out + ']';
}

// ---- random values ---------------------------------------------------------
// std::mt19937 sequences are fixed by the standard but the std distributions
// are not, so these keep seeded tests identical on libstdc++ and libc++.

inline int64_t random_between(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
}
inline double random_between(std::mt19937& rng, double lo, double hi) {
  return lo + (hi - lo) * (static_cast<double>(rng()) / 4294967296.0);
}
// Fisher-Yates, for the same reason as above (std::shuffle is not specified).
template <typename T>
void shuffle(std::vector<T>* v, std::mt19937& rng) {
  for (size_t k = v->size(); k > 1; --k) std::swap((*v)[k - 1], (*v)[rng() % k]);
}

// ---- events (as the tracker sends them) ----------------------------------

inline Members event_members(std::string_view type, int64_t ts, Members fields = {}) {
  Members m = {{"type", quote(type)}, {"ts", number(ts)}};
  m.insert(m.end(), fields.begin(), fields.end());
  return m;
}

inline std::string page_view(int64_t ts, std::string_view url = "https://example.com/pricing") {
  return object(event_members("page_view", ts, {{"url", quote(url)}}));
}
inline std::string click(int64_t ts, int x = 120, int y = 48, std::string_view selector = "#buy") {
  return object(event_members("click", ts,
                              {{"x", number(x)}, {"y", number(y)}, {"selector", quote(selector)}}));
}
inline std::string scroll(int64_t ts, std::string_view percent_json) {
  return object(event_members("scroll", ts, {{"scroll_percent", std::string(percent_json)}}));
}
inline std::string visibility(int64_t ts, std::string_view state = "hidden") {
  return object(event_members("visibility", ts, {{"state", quote(state)}}));
}
inline std::string custom(int64_t ts, std::string_view name = "signup",
                          std::string_view props_json = R"({"plan":"pro"})") {
  return object(event_members("custom", ts, {{"name", quote(name)}, {"props", std::string(props_json)}}));
}
inline std::string error_event(int64_t ts, std::string_view message = "TypeError: x is undefined") {
  return object(event_members("error", ts, {{"message", quote(message)}, {"source", quote("app.js")}}));
}
inline std::string rrweb(int64_t ts, std::string_view data_json = R"({"type":3,"data":{"source":1,"positions":[{"x":1,"y":2}]}})") {
  return object(event_members("rrweb", ts, {{"data", std::string(data_json)}}));
}

// One valid event of the given type.
inline std::string event_of(EventType type, int64_t ts) {
  switch (type) {
    case EventType::page_view: return page_view(ts);
    case EventType::click: return click(ts);
    case EventType::scroll: return scroll(ts, "42.5");
    case EventType::visibility: return visibility(ts);
    case EventType::custom: return custom(ts);
    case EventType::error: return error_event(ts);
    case EventType::rrweb: return rrweb(ts);
    case EventType::unknown: break;
  }
  return object(event_members("unknown", ts));
}

inline constexpr EventType kEventTypes[] = {EventType::page_view, EventType::click,
                                            EventType::scroll,    EventType::visibility,
                                            EventType::custom,    EventType::error,
                                            EventType::rrweb};

// ---- batch bodies ---------------------------------------------------------

// A batch envelope whose members a test can replace, drop or repeat.
struct Envelope {
  Members members;

  Envelope& set(const std::string& key, std::string raw) {
    for (auto& m : members)
      if (m.first == key) {
        m.second = std::move(raw);
        return *this;
      }
    members.emplace_back(key, std::move(raw));
    return *this;
  }
  Envelope& add(const std::string& key, std::string raw) {
    members.emplace_back(key, std::move(raw));
    return *this;
  }
  Envelope& drop(const std::string& key) {
    std::erase_if(members, [&](const auto& m) { return m.first == key; });
    return *this;
  }
  std::string body() const { return object(members); }
};

inline Envelope envelope(std::string_view session_id, std::string_view started_at, int64_t seq,
                         const std::vector<std::string>& events) {
  return Envelope{{{"session_id", quote(session_id)},
                   {"session_started_at", quote(started_at)},
                   {"token", quote("hmac-token")},
                   {"site_id", quote("site_1")},
                   {"seq", number(seq)},
                   {"events", array(events)}}};
}
inline Envelope envelope(const std::vector<std::string>& events = {page_view(kStartMs + kSecond)}) {
  return envelope(kSessionId, kStartedAt, 0, events);
}

inline std::string batch_body(std::string_view session_id, std::string_view started_at, int64_t seq,
                              const std::vector<std::string>& events) {
  return envelope(session_id, started_at, seq, events).body();
}

// ---- stored lines ---------------------------------------------------------

// A line in the form ingest writes: the sort key first, then the event's fields.
inline std::string stored_line(int64_t ts, int64_t seq, int64_t i, std::string_view type = "click",
                               const Members& fields = {}) {
  Members m = {{"ts", number(ts)},
               {"seq", number(seq)},
               {"i", number(i)},
               {"session_id", quote(kSessionId)},
               {"type", quote(type)}};
  m.insert(m.end(), fields.begin(), fields.end());
  return object(m);
}

inline std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + '\n';
  return out;
}

// The lines of an NDJSON text, without their newlines.
inline std::vector<std::string> split_lines(std::string_view ndjson) {
  std::vector<std::string> lines;
  while (!ndjson.empty()) {
    size_t nl = ndjson.find('\n');
    lines.emplace_back(ndjson.substr(0, nl));
    ndjson.remove_prefix(nl == std::string_view::npos ? ndjson.size() : nl + 1);
  }
  return lines;
}

// The (ts, seq, i) of a stored line, read with nlohmann rather than the core.
inline EventKey key_of(std::string_view line) {
  auto j = nlohmann::json::parse(line);
  return EventKey{j.at("ts").get<int64_t>(), j.at("seq").get<int64_t>(), j.at("i").get<int64_t>()};
}

}  // namespace edgereplay::test
