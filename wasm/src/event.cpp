#include "edgereplay/event.hpp"

#include "edgereplay/json_scan.hpp"

namespace edgereplay {

EventType event_type_from(std::string_view name) noexcept {
  if (name == "page_view") return EventType::page_view;
  if (name == "click") return EventType::click;
  if (name == "scroll") return EventType::scroll;
  if (name == "visibility") return EventType::visibility;
  if (name == "custom") return EventType::custom;
  if (name == "error") return EventType::error;
  if (name == "rrweb") return EventType::rrweb;
  return EventType::unknown;
}

std::string_view event_type_name(EventType type) noexcept {
  switch (type) {
    case EventType::page_view: return "page_view";
    case EventType::click: return "click";
    case EventType::scroll: return "scroll";
    case EventType::visibility: return "visibility";
    case EventType::custom: return "custom";
    case EventType::error: return "error";
    case EventType::rrweb: return "rrweb";
    case EventType::unknown: break;
  }
  return "unknown";
}

bool parse_event_line(std::string_view line, EventFacts* facts) noexcept {
  json::Scanner s(line.data(), line.data() + line.size());
  if (!s.eat('{')) return false;
  bool has_ts = false, has_seq = false, has_i = false, has_type = false;
  *facts = EventFacts{};
  if (!s.eat('}')) {
    do {
      std::string_view key, value;
      bool key_escaped = false;
      json::Kind kind;
      if (!s.scan_string(&key, &key_escaped) || !s.eat(':') || !s.scan_value(&value, &kind))
        return false;
      if (key == "ts" && kind == json::Kind::number) {
        has_ts = json::parse_int64(value, &facts->key.ts);
      } else if (key == "seq" && kind == json::Kind::number) {
        has_seq = json::parse_int64(value, &facts->key.seq);
      } else if (key == "i" && kind == json::Kind::number) {
        has_i = json::parse_int64(value, &facts->key.i);
      } else if (key == "type" && kind == json::Kind::string) {
        has_type = true;
        facts->type = event_type_from(value.substr(1, value.size() - 2));
      } else if (key == "url" && kind == json::Kind::string) {
        facts->url = value.substr(1, value.size() - 2);
        facts->url_escaped = facts->url.find('\\') != std::string_view::npos;
      } else if (key == "scroll_percent" && kind == json::Kind::number) {
        json::parse_double(value, &facts->scroll_percent);
      }
    } while (s.eat(','));
    if (!s.eat('}')) return false;
  }
  // Invalid UTF-8 never comes out of ingest; a line holding it is corrupt.
  return s.at_end() && !s.error.failed && !s.bad_text && has_ts && has_seq && has_i && has_type;
}

}  // namespace edgereplay
