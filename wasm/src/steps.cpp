#include "edgereplay/steps.hpp"

#include <algorithm>
#include <tuple>

#include "edgereplay/delta.hpp"
#include "edgereplay/event.hpp"
#include "edgereplay/json_scan.hpp"
#include "edgereplay/time.hpp"

namespace edgereplay {
namespace {

int64_t floor_day(int64_t ts) { return ts / 86400000 - (ts % 86400000 < 0 ? 1 : 0); }

// Calls f(key, value, kind) per member of a JSON object span (string values
// keep their quotes); false when the span is not a well-formed object.
template <class F>
bool for_members(std::string_view object, F&& f) {
  json::Scanner s(object.data(), object.data() + object.size());
  if (!s.eat('{')) return false;
  if (s.eat('}')) return true;
  do {
    std::string_view key, value;
    bool escaped = false;
    json::Kind kind;
    if (!s.scan_string(&key, &escaped) || !s.eat(':') || !s.scan_value(&value, &kind, 1)) return false;
    f(key, value, kind);
  } while (s.eat(','));
  return s.eat('}') && s.at_end() && !s.bad_text && !s.error.failed;
}

// Decoded text of a raw string span (between its quotes).
std::string decoded(std::string_view raw) {
  std::string out;
  if (raw.find('\\') != std::string_view::npos) json::unescape(raw, &out);
  else out.assign(raw);
  return out;
}

struct Line {
  EventType type = EventType::unknown;
  int64_t ts = 0, i = 0;
  std::string url, name;
  std::vector<std::pair<std::string, std::string>> props;
};

bool read_line(std::string_view text, Line* l) {
  *l = Line{};
  bool has_ts = false;
  std::string_view props;
  bool ok = for_members(text, [&](std::string_view key, std::string_view value, json::Kind kind) {
    if (key == "ts" && kind == json::Kind::number) {
      has_ts = json::parse_int64(value, &l->ts);
    } else if (key == "i" && kind == json::Kind::number) {
      json::parse_int64(value, &l->i);
    } else if (key == "type" && kind == json::Kind::string) {
      l->type = event_type_from(value.substr(1, value.size() - 2));
    } else if ((key == "url" || key == "name") && kind == json::Kind::string) {
      std::string s = decoded(value.substr(1, value.size() - 2));
      (key == "url" ? l->url : l->name) = std::move(s);
    } else if (key == "props" && kind == json::Kind::object) {
      props = value;
    }
  });
  if (!ok || !has_ts) return false;
  if (l->type == EventType::custom && !props.empty()) {
    for_members(props, [&](std::string_view key, std::string_view value, json::Kind kind) {
      std::string v;
      if (kind == json::Kind::string) v = decoded(value.substr(1, value.size() - 2));
      else if (kind == json::Kind::number || kind == json::Kind::boolean) v.assign(value);
      else return;
      l->props.emplace_back(step_text_clean(decoded(key), kMaxPropKeyBytes),
                            step_text_clean(v, kMaxPropValueBytes));
    });
    std::stable_sort(l->props.begin(), l->props.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    // One value per key (the first), then the first kMaxPropsPerEvent keys.
    l->props.erase(std::unique(l->props.begin(), l->props.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
                   l->props.end());
    if (l->props.size() > kMaxPropsPerEvent) l->props.resize(kMaxPropsPerEvent);
  }
  return true;
}

void add_prop(std::vector<PropCount>* props, int64_t day, const std::string& event, const std::string& key,
              const std::string& value) {
  auto less = [](const PropCount& p, const std::tuple<int64_t, const std::string&, const std::string&, const std::string&>& k) {
    return std::tie(p.day, p.event, p.key, p.value) < k;
  };
  auto k = std::tie(day, event, key, value);
  auto it = std::lower_bound(props->begin(), props->end(), k, less);
  if (it != props->end() && std::tie(it->day, it->event, it->key, it->value) == k) {
    ++it->count;
    return;
  }
  props->insert(it, PropCount{day, event, key, value, 1});
}

void append_number(std::string_view name, int64_t v, std::string* out) {
  out->append(",\"");
  out->append(name);
  out->append("\":");
  out->append(std::to_string(v));
}

void append_field(std::string_view name, std::string_view text, std::string* out) {
  out->append(",\"");
  out->append(name);
  out->append("\":");
  json::append_quoted(text, out);
}

}  // namespace

std::string step_text_clean(std::string_view text, size_t max_bytes) {
  std::string out(text);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  if (out.size() > max_bytes) {
    size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

Steps steps_from_ndjson(std::string_view ndjson) {
  struct Raw {
    int64_t ts, i;
    std::string text;
  };
  Steps out;
  std::vector<Raw> raw;
  Line l;
  while (!ndjson.empty()) {
    size_t nl = ndjson.find('\n');
    std::string_view text = ndjson.substr(0, nl);
    ndjson.remove_prefix(nl == std::string_view::npos ? ndjson.size() : nl + 1);
    if (text.empty() || !read_line(text, &l)) continue;
    if (l.type == EventType::page_view) {
      raw.push_back(Raw{l.ts, l.i, kPageStep + step_text_clean(page_path(l.url), kMaxStepNameBytes)});
    } else if (l.type == EventType::custom && !l.name.empty()) {
      std::string name = step_text_clean(l.name, kMaxStepNameBytes);
      std::string step = kEventStep + name;
      const int64_t day = floor_day(l.ts);
      const CivilDate date = civil_from_days(day);
      for (const auto& [key, value] : l.props) {
        step.push_back(kPropSep);
        step.append(key);
        step.push_back(kValueSep);
        step.append(value);
        if (date.year >= 0 && date.year <= 9999) add_prop(&out.props, day, name, key, value);
      }
      raw.push_back(Raw{l.ts, l.i, std::move(step)});
    }
  }
  std::stable_sort(raw.begin(), raw.end(), [](const Raw& a, const Raw& b) { return a.ts != b.ts ? a.ts < b.ts : a.i < b.i; });
  for (Raw& r : raw) {
    if (!out.steps.empty() && out.steps.back().text == r.text) continue;  // a repeat
    if (out.steps.size() == kMaxSessionSteps) {
      ++out.dropped;
      continue;
    }
    out.steps.push_back(Step{r.ts, std::move(r.text)});
  }
  return out;
}

void append_steps_json(const Steps& in, std::string* out) {
  out->append("{\"steps\":[");
  for (size_t k = 0; k < in.steps.size(); ++k) {
    if (k) out->push_back(',');
    out->append("{\"ts\":");
    out->append(std::to_string(in.steps[k].ts));
    append_field("step", in.steps[k].text, out);
    out->push_back('}');
  }
  out->push_back(']');
  append_number("dropped", static_cast<int64_t>(in.dropped), out);
  out->append(",\"props\":[");
  for (size_t k = 0; k < in.props.size(); ++k) {
    const PropCount& p = in.props[k];
    if (k) out->push_back(',');
    out->append("{\"day\":\"");
    out->append(format_iso8601(p.day * 86400000).substr(0, 10));
    out->push_back('"');
    append_field("event", p.event, out);
    append_field("key", p.key, out);
    append_field("value", p.value, out);
    append_number("count", p.count, out);
    out->push_back('}');
  }
  out->append("]}");
}

}  // namespace edgereplay
