#include "edgereplay/batch.hpp"

#include <cstring>

#include "edgereplay/event.hpp"
#include "edgereplay/r2key.hpp"
#include "edgereplay/time.hpp"

namespace edgereplay {
namespace {

// Members kept per event; an event with more is dropped as bad_field. Bounds
// the duplicate-key check, which is quadratic in this number.
constexpr size_t kMaxMembers = 64;

struct FieldRule {
  std::string_view name;
  json::Kind kind;
  bool required;
};

// The fields each event type must (or may) carry, with their JSON kinds.
// Optional fields may also be null. Any other field passes through unchecked.
struct TypeRules {
  EventType type;
  FieldRule fields[3];
  size_t count;
};
const TypeRules kRules[] = {
    {EventType::page_view,
     {{"url", json::Kind::string, true}, {"referrer", json::Kind::string, false},
      {"title", json::Kind::string, false}},
     3},
    {EventType::click,
     {{"x", json::Kind::number, true}, {"y", json::Kind::number, true},
      {"selector", json::Kind::string, true}},
     3},
    {EventType::scroll, {{"scroll_percent", json::Kind::number, true}}, 1},
    {EventType::visibility, {{"state", json::Kind::string, true}}, 1},
    {EventType::custom,
     {{"name", json::Kind::string, true}, {"props", json::Kind::object, false}},
     2},
    {EventType::error,
     {{"message", json::Kind::string, true}, {"source", json::Kind::string, false}},
     2},
    {EventType::rrweb, {{"data", json::Kind::object, true}}, 1},
};

// Writes the decimal digits of v so that they end just before `end`; returns
// where they start.
char* format_uint(uint64_t v, char* end) {
  do {
    *--end = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  return end;
}

char* format_int(int64_t v, char* end) {
  if (v >= 0) return format_uint(static_cast<uint64_t>(v), end);
  char* first = format_uint(static_cast<uint64_t>(-(v + 1)) + 1, end);
  *--first = '-';
  return first;
}

char* copy(std::string_view text, char* out) {
  std::memcpy(out, text.data(), text.size());
  return out + text.size();
}

// Copies a raw JSON value to `out` and returns the end, dropping whitespace
// outside strings when the value spans lines: a pretty-printed nested object
// would otherwise carry newlines into an NDJSON line. Never writes more than
// raw.size() bytes.
char* copy_compact(std::string_view raw, char* out) {
  bool multiline = false;
  for (char c : raw) multiline |= c == '\n' || c == '\r';
  if (!multiline) return copy(raw, out);
  bool in_string = false;
  for (size_t k = 0; k < raw.size(); ++k) {
    char c = raw[k];
    if (in_string) {
      *out++ = c;
      if (c == '\\') {
        *out++ = raw[++k];
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
      *out++ = c;
    } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
      *out++ = c;
    }
  }
  return out;
}

std::string_view unquote(std::string_view raw) { return raw.substr(1, raw.size() - 2); }

}  // namespace

std::string_view reject_name(Reject reason) noexcept {
  switch (reason) {
    case Reject::not_object: return "not_object";
    case Reject::unknown_type: return "unknown_type";
    case Reject::missing_field: return "missing_field";
    case Reject::bad_field: return "bad_field";
    case Reject::bad_ts: return "bad_ts";
    case Reject::ts_out_of_window: return "ts_out_of_window";
    case Reject::too_large: return "too_large";
    case Reject::bad_utf8: return "bad_utf8";
    case Reject::reserved_field: return "reserved_field";
    case Reject::duplicate_field: return "duplicate_field";
    case Reject::replay_off: return "replay_off";
  }
  return "unknown";
}

void IngestResult::clear() {
  session_id.clear();
  session_started_at.clear();
  started_at_ms = 0;
  seq = 0;
  ended_at_ms = -1;
  token.clear();
  site_id.clear();
  r2_key.clear();
  ndjson.clear();
  delta = Delta{};
  accepted = rejected = 0;
  reasons.fill(0);
}

bool Ingestor::scan_event(json::Scanner* s, int depth) {
  Element e{};
  bool envelope_bad_text = s->bad_text;
  s->bad_text = false;
  s->skip_ws();
  const char* start = s->p;
  e.member_begin = e.member_end = static_cast<uint32_t>(members_.size());
  if (s->peek_kind() != json::Kind::object) {
    std::string_view raw;
    json::Kind kind;
    if (!s->scan_value(&raw, &kind, depth)) return false;
  } else {
    e.is_object = true;
    ++s->p;
    if (!s->eat('}')) {
      do {
        Member m{};
        if (!s->scan_string(&m.key, &m.key_escaped) || !s->eat(':') ||
            !s->scan_value(&m.value, &m.kind, depth + 1))
          return false;
        if (members_.size() - e.member_begin < kMaxMembers) {
          members_.push_back(m);
        } else {
          e.too_many_members = true;
        }
      } while (s->eat(','));
      if (!s->eat('}')) return s->fail();
    }
    e.member_end = static_cast<uint32_t>(members_.size());
  }
  e.raw = std::string_view(start, static_cast<size_t>(s->p - start));
  e.bad_text = s->bad_text;
  s->bad_text = envelope_bad_text;
  elements_.push_back(e);
  return true;
}

void Ingestor::emit(const Element& e, uint32_t index, const Limits& limits, int64_t now_ms,
                    IngestResult* out) {
  auto reject = [&](Reject r) {
    ++out->rejected;
    ++out->reasons[static_cast<size_t>(r)];
  };
  if (!e.is_object) return reject(Reject::not_object);
  if (e.raw.size() > limits.max_event_bytes) return reject(Reject::too_large);
  if (e.bad_text) return reject(Reject::bad_utf8);
  if (e.too_many_members) return reject(Reject::bad_field);

  const Member* first = members_.data() + e.member_begin;
  const Member* last = members_.data() + e.member_end;
  const Member* type = nullptr;
  const Member* ts = nullptr;
  for (const Member* m = first; m < last; ++m) {
    if (m->key_escaped) return reject(Reject::bad_field);
    for (const Member* n = first; n < m; ++n)
      if (n->key == m->key) return reject(Reject::duplicate_field);
    if (m->key == "session_id" || m->key == "seq" || m->key == "i")
      return reject(Reject::reserved_field);
    if (m->key == "type") type = m;
    if (m->key == "ts") ts = m;
  }
  auto find = [&](std::string_view name) -> const Member* {
    for (const Member* m = first; m < last; ++m)
      if (m->key == name) return m;
    return nullptr;
  };

  if (!type || type->kind != json::Kind::string) return reject(Reject::unknown_type);
  EventFacts facts;
  facts.type = event_type_from(unquote(type->value));
  if (facts.type == EventType::unknown) return reject(Reject::unknown_type);
  if (!ts || ts->kind != json::Kind::number || !json::parse_int_part(ts->value, &facts.key.ts))
    return reject(Reject::bad_ts);

  for (const TypeRules& rules : kRules) {
    if (rules.type != facts.type) continue;
    for (size_t k = 0; k < rules.count; ++k) {
      const FieldRule& rule = rules.fields[k];
      const Member* m = find(rule.name);
      if (!m) {
        if (rule.required) return reject(Reject::missing_field);
        continue;
      }
      bool null_ok = !rule.required && m->kind == json::Kind::null;
      if (m->kind != rule.kind && !null_ok) return reject(Reject::bad_field);
    }
  }

  const int64_t earliest = out->started_at_ms - limits.max_skew_ms;
  const int64_t latest_now = now_ms + limits.max_skew_ms;
  const int64_t latest_session = out->started_at_ms + limits.max_session_age_ms + limits.max_skew_ms;
  if (facts.key.ts < earliest || facts.key.ts > latest_now || facts.key.ts > latest_session)
    return reject(Reject::ts_out_of_window);

  // Last, so a malformed rrweb event keeps the reason that describes it.
  if (facts.type == EventType::rrweb && !limits.allow_rrweb) return reject(Reject::replay_off);

  facts.key.seq = out->seq;
  facts.key.i = index;
  if (facts.type == EventType::page_view) {
    facts.url = unquote(find("url")->value);
    facts.url_escaped = facts.url.find('\\') != std::string_view::npos;
  } else if (facts.type == EventType::scroll) {
    json::parse_double(find("scroll_percent")->value, &facts.scroll_percent);
  }

  // The canonical prefix puts the sort key first, so replay merge reads it
  // without a general parse. The line is written in place into room sized
  // for it, then trimmed: a string append per piece (four per member) took
  // about a quarter of ingest time.
  std::string& line = out->ndjson;
  // Punctuation and keys of the prefix and "}\n" take 36 bytes, its three numbers at most 20 each.
  size_t room = 96 + out->session_id.size();
  for (const Member* m = first; m < last; ++m) room += m->key.size() + m->value.size() + 4;
  const size_t at = line.size();
  line.resize(at + room);
  char* const start = &line[at];
  char* p = start;
  char digits[20];
  char* const digits_end = digits + sizeof digits;
  auto put_digits = [&](const char* first_digit) {
    p = copy(std::string_view(first_digit, static_cast<size_t>(digits_end - first_digit)), p);
  };
  p = copy("{\"ts\":", p);
  put_digits(format_int(facts.key.ts, digits_end));
  p = copy(",\"seq\":", p);
  put_digits(format_int(out->seq, digits_end));
  p = copy(",\"i\":", p);
  put_digits(format_uint(index, digits_end));
  p = copy(",\"session_id\":\"", p);
  p = copy(out->session_id, p);
  *p++ = '"';
  for (const Member* m = first; m < last; ++m) {
    if (m == ts) continue;
    *p++ = ',';
    *p++ = '"';
    p = copy(m->key, p);
    *p++ = '"';
    *p++ = ':';
    p = copy_compact(m->value, p);
  }
  *p++ = '}';
  *p++ = '\n';
  line.resize(at + static_cast<size_t>(p - start));
  ++out->accepted;
  add_event(&out->delta, facts);
}

Error Ingestor::ingest(std::string_view body, int64_t now_ms, const Limits& limits,
                       IngestResult* out) noexcept {
  out->clear();
  members_.clear();
  elements_.clear();
  if (body.size() > limits.max_batch_bytes) return Error::payload_too_large;

  json::Scanner s(body.data(), body.data() + body.size());
  auto structural = [&]() { return s.error.too_deep ? Error::too_deep : Error::bad_json; };
  if (!s.eat('{')) return Error::bad_json;

  enum Field { kSessionId, kStartedAt, kSeq, kEvents, kToken, kSiteId, kEndedAt, kFieldCount };
  static constexpr std::string_view kNames[kFieldCount] = {
      "session_id", "session_started_at", "seq", "events", "token", "site_id", "ended_at"};
  std::string_view raw[kFieldCount];
  json::Kind kind[kFieldCount] = {};
  bool seen[kFieldCount] = {};
  bool events_is_list = false;
  bool key_escaped = false;

  if (!s.eat('}')) {
    do {
      std::string_view key;
      bool escaped = false;
      if (!s.scan_string(&key, &escaped) || !s.eat(':')) return structural();
      key_escaped |= escaped;
      int field = -1;
      for (int f = 0; f < kFieldCount; ++f)
        if (key == kNames[f]) field = f;
      // `event` is a batch of one (POST /track/event).
      if (key == "event") field = kEvents;
      if (field >= 0 && seen[field]) return Error::bad_json;  // duplicate key: parsers disagree on which wins
      if (field == kEvents) {
        seen[kEvents] = true;
        json::Kind k = s.peek_kind();
        kind[kEvents] = k;
        if (key == "events" && k == json::Kind::array) {
          events_is_list = true;
          ++s.p;
          if (!s.eat(']')) {
            do {
              if (!scan_event(&s, 2)) return structural();
            } while (s.eat(','));
            if (!s.eat(']')) return Error::bad_json;
          }
        } else if (key == "event" && k == json::Kind::object) {
          events_is_list = true;
          if (!scan_event(&s, 1)) return structural();
        } else {
          std::string_view ignored;
          if (!s.scan_value(&ignored, &k, 1)) return structural();
        }
        continue;
      }
      std::string_view value;
      json::Kind k;
      if (!s.scan_value(&value, &k, 1)) return structural();
      if (field >= 0) {
        seen[field] = true;
        raw[field] = value;
        kind[field] = k;
      }
    } while (s.eat(','));
    if (!s.eat('}')) return structural();
  }
  if (!s.at_end()) return Error::bad_json;
  // An escaped envelope key ("session\u005fid") could alias a field other
  // parsers read differently; refuse it like a duplicate.
  if (key_escaped) return Error::bad_json;
  if (s.bad_text) return Error::bad_utf8;

  // session_id: validated before it goes anywhere near a key.
  if (!seen[kSessionId] || kind[kSessionId] != json::Kind::string ||
      !valid_session_id(unquote(raw[kSessionId])))
    return Error::bad_session_id;
  out->session_id.assign(unquote(raw[kSessionId]));

  if (!seen[kStartedAt]) return Error::bad_session_started_at;
  std::string_view started = kind[kStartedAt] == json::Kind::string ? unquote(raw[kStartedAt])
                             : kind[kStartedAt] == json::Kind::number ? raw[kStartedAt]
                                                                      : std::string_view();
  Result<int64_t> started_ms = parse_timestamp(started);
  if (!started_ms.ok()) return Error::bad_session_started_at;
  out->session_started_at.assign(started);
  out->started_at_ms = started_ms.value();
  if (out->started_at_ms > now_ms + limits.max_skew_ms) return Error::session_in_future;
  if (out->started_at_ms < now_ms - limits.max_session_age_ms) return Error::session_expired;

  int64_t seq = -1;
  if (!seen[kSeq] || kind[kSeq] != json::Kind::number || !json::parse_int64(raw[kSeq], &seq) ||
      seq < 0 || seq > kMaxSeq)
    return Error::bad_seq;
  if (seq > limits.max_session_seq) return Error::session_too_large;
  out->seq = seq;

  if (seen[kToken] && kind[kToken] == json::Kind::string) out->token.assign(unquote(raw[kToken]));
  if (seen[kSiteId] && kind[kSiteId] == json::Kind::string)
    out->site_id.assign(unquote(raw[kSiteId]));
  if (seen[kEndedAt]) {
    std::string_view ended = kind[kEndedAt] == json::Kind::string ? unquote(raw[kEndedAt])
                             : kind[kEndedAt] == json::Kind::number ? raw[kEndedAt]
                                                                    : std::string_view();
    Result<int64_t> ended_ms = parse_timestamp(ended);
    if (!ended_ms.ok()) return Error::bad_ended_at;
    // Compaction and idle expiry order by it: a client may not put a session
    // before its own start or after now.
    if (ended_ms.value() < out->started_at_ms - limits.max_skew_ms ||
        ended_ms.value() > now_ms + limits.max_skew_ms)
      return Error::bad_ended_at;
    out->ended_at_ms = ended_ms.value();
  }

  if (seen[kEvents] && !events_is_list) return Error::bad_events;
  if (elements_.size() > limits.max_events) return Error::too_many_events;
  if (elements_.size() < limits.min_events) return Error::bad_events;

  Result<std::string> key = derive_r2_key(out->session_id, out->started_at_ms, out->seq);
  if (!key.ok()) return key.error();
  out->r2_key = std::move(key).value();

  out->ndjson.reserve(body.size() + elements_.size() * (48 + out->session_id.size()));
  for (uint32_t k = 0; k < elements_.size(); ++k) emit(elements_[k], k, limits, now_ms, out);
  return Error::ok;
}

Result<IngestResult> ingest_batch(std::string_view body, int64_t now_ms, const Limits& limits) {
  Ingestor ingestor;
  IngestResult result;
  Error e = ingestor.ingest(body, now_ms, limits, &result);
  if (e != Error::ok) return e;
  return result;
}

}  // namespace edgereplay
