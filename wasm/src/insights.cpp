#include "edgereplay/insights.hpp"

#include <algorithm>
#include <cmath>

#include "edgereplay/delta.hpp"
#include "edgereplay/json_scan.hpp"
#include "edgereplay/time.hpp"

namespace edgereplay {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

int64_t floor_day(int64_t ts) { return ts / 86400000 - (ts % 86400000 < 0 ? 1 : 0); }
bool printable_day(int64_t day) {
  const CivilDate date = civil_from_days(day);
  return date.year >= 0 && date.year <= 9999;
}
std::string day_text(int64_t day) { return format_iso8601(day * 86400000).substr(0, 10); }

void cut_utf8(std::string* s, size_t max) {
  if (s->size() <= max) return;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>((*s)[cut]) & 0xC0) == 0x80) --cut;
  s->resize(cut);
}

// Calls f(key, value, kind) for each member of a JSON object span; string
// values keep their quotes. False when the span is not a well-formed object
// of valid UTF-8 (`f` may have been called for some members by then).
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
  // Invalid UTF-8 never comes out of ingest; a line holding it is corrupt (as
  // parse_event_line judges it), and none of its text may reach Postgres.
  return s.eat('}') && s.at_end() && !s.bad_text && !s.error.failed;
}

std::string text_of(std::string_view value, json::Kind kind) {
  std::string out;
  if (kind != json::Kind::string) return out;
  std::string_view raw = value.substr(1, value.size() - 2);
  if (raw.find('\\') == std::string_view::npos) {
    out.assign(raw);
  } else {
    json::unescape(raw, &out);
    // Postgres text cannot hold U+0000 (an escaped \u0000 is valid JSON).
    std::erase(out, '\0');
  }
  return out;
}

bool number_of(std::string_view value, json::Kind kind, double* out) {
  return kind == json::Kind::number && json::parse_double(value, out) && std::isfinite(*out);
}

// A stored line's coordinates and sizes are whatever number the client sent,
// and its rrweb codes too: each is clamped before it is converted (a double
// outside an integer type's range is undefined behaviour, not a large value)
// and before it reaches Postgres, whose integer columns (click_issues_daily
// last_x/last_y, page_snapshots viewport_*) refuse more than 2^31 - 1, which
// would fail the whole batch's statement. No screen is a billion pixels.
constexpr double kMaxStoredNumber = 1e9;
double bounded(double v) { return std::clamp(v, -kMaxStoredNumber, kMaxStoredNumber); }
int code_of(double v) { return static_cast<int>(std::clamp(v, -1.0, 1e6)); }

// What one stored line says, for insights.
struct Line {
  EventType type = EventType::unknown;
  int64_t ts = 0, seq = 0, i = 0;
  std::string url, selector, message, source;
  double x = -1, y = -1, w = 0, scroll = 0;
  bool has_xy = false;
  int rrweb_type = -1, rrweb_source = -1;
  double rrweb_width = 0, rrweb_height = 0;
  std::string rrweb_href;
};

bool read_line(std::string_view text, Line* l) {
  *l = Line{};
  bool has_ts = false, has_x = false, has_y = false;
  std::string_view data;
  bool ok = for_members(text, [&](std::string_view key, std::string_view value, json::Kind kind) {
    double v = 0;
    if (key == "ts" && kind == json::Kind::number) {
      has_ts = json::parse_int64(value, &l->ts);
    } else if (key == "seq" && kind == json::Kind::number) {
      json::parse_int64(value, &l->seq);
    } else if (key == "i" && kind == json::Kind::number) {
      json::parse_int64(value, &l->i);
    } else if (key == "type" && kind == json::Kind::string) {
      l->type = event_type_from(value.substr(1, value.size() - 2));
    } else if (key == "url") {
      l->url = text_of(value, kind);
    } else if (key == "selector") {
      l->selector = text_of(value, kind);
    } else if (key == "message") {
      l->message = text_of(value, kind);
    } else if (key == "source") {
      l->source = text_of(value, kind);
    } else if (key == "x" && number_of(value, kind, &v)) {
      l->x = bounded(v);
      has_x = true;
    } else if (key == "y" && number_of(value, kind, &v)) {
      l->y = bounded(v);
      has_y = true;
    } else if (key == "w" && number_of(value, kind, &v)) {
      l->w = bounded(v);
    } else if (key == "scroll_percent" && number_of(value, kind, &v)) {
      l->scroll = v;
    } else if (key == "data" && kind == json::Kind::object) {
      data = value;
    }
  });
  if (!ok || !has_ts) return false;
  l->has_xy = has_x && has_y && l->x >= 0 && l->y >= 0;
  if (l->type == EventType::rrweb && !data.empty()) {
    std::string_view inner;
    for_members(data, [&](std::string_view key, std::string_view value, json::Kind kind) {
      double v = 0;
      if (key == "type" && number_of(value, kind, &v)) l->rrweb_type = code_of(v);
      if (key == "data" && kind == json::Kind::object) inner = value;
    });
    // Only incremental (3) and meta (4) events need their inner data read;
    // a full snapshot's (2) is the whole page and is skipped.
    if ((l->rrweb_type == 3 || l->rrweb_type == 4) && !inner.empty()) {
      for_members(inner, [&](std::string_view key, std::string_view value, json::Kind kind) {
        double v = 0;
        if (key == "source" && number_of(value, kind, &v)) l->rrweb_source = code_of(v);
        if (key == "width" && number_of(value, kind, &v)) l->rrweb_width = bounded(v);
        if (key == "height" && number_of(value, kind, &v)) l->rrweb_height = bounded(v);
        if (key == "href") l->rrweb_href = text_of(value, kind);
      });
    }
  }
  return true;
}

int scroll_bucket(double percent) {
  if (!(percent > 0)) return 0;
  if (percent >= 100) return kScrollBuckets - 1;
  return static_cast<int>(percent / 10);
}

struct Click {
  int64_t ts, x, y, w, day, segment;
  std::string path, selector;
};

void add_issue(std::vector<ClickIssue>* issues, ClickIssueKind kind, const Click& c) {
  for (ClickIssue& is : *issues) {
    if (is.kind == kind && is.day == c.day && is.path == c.path && is.selector == c.selector) {
      ++is.count;
      if (c.ts >= is.ts) {
        is.ts = c.ts;
        is.x = c.x;
        is.y = c.y;
        is.width = width_bucket(c.w);
      }
      return;
    }
  }
  if (issues->size() >= kMaxIssuesPerBatch) return;
  issues->push_back(ClickIssue{kind, c.day, c.path, c.selector, width_bucket(c.w), c.x, c.y, c.ts, 1});
}

void add_cell(std::vector<HeatCell>* cells, const Click& c) {
  if (c.w <= 0) return;  // without the viewport width the position cannot be placed
  HeatCell cell;
  cell.day = c.day;
  cell.path = c.path;
  cell.width = width_bucket(c.w);
  cell.x = static_cast<int>(std::min<int64_t>(kHeatColumns - 1, c.x * kHeatColumns / c.w));
  cell.y = static_cast<int>(std::min<int64_t>(kHeatRows - 1, c.y / kHeatRowPx));
  auto less = [](const HeatCell& a, const HeatCell& b) {
    if (a.day != b.day) return a.day < b.day;
    if (a.path != b.path) return a.path < b.path;
    if (a.width != b.width) return a.width < b.width;
    if (a.y != b.y) return a.y < b.y;
    return a.x < b.x;
  };
  auto it = std::lower_bound(cells->begin(), cells->end(), cell, less);
  if (it != cells->end() && !less(cell, *it)) {
    ++it->clicks;
  } else {
    cell.clicks = 1;
    cells->insert(it, std::move(cell));
  }
}

// Replaces each maximal [A-Za-z0-9] word in [begin, end) of `in` per the
// normalisation rules, appending to `out`.
void normalise_words(std::string_view in, std::string* out) {
  size_t k = 0;
  while (k < in.size()) {
    const char c = in[k];
    const bool boundary = k == 0 || !is_alnum(in[k - 1]);
    if (boundary && k + 36 <= in.size()) {
      bool uuid = true;
      for (size_t j = 0; j < 36 && uuid; ++j) {
        const char u = in[k + j];
        uuid = (j == 8 || j == 13 || j == 18 || j == 23) ? u == '-' : is_hex(u);
      }
      if (uuid && (k + 36 == in.size() || !is_alnum(in[k + 36]))) {
        out->append("<uuid>");
        k += 36;
        continue;
      }
    }
    if (boundary && c == '0' && k + 2 < in.size() && (in[k + 1] == 'x' || in[k + 1] == 'X') && is_hex(in[k + 2])) {
      size_t j = k + 2;
      while (j < in.size() && is_hex(in[j])) ++j;
      if (j == in.size() || !is_alnum(in[j])) {
        out->append("<hex>");
        k = j;
        continue;
      }
    }
    if (!is_alnum(c)) {
      out->push_back(c);
      ++k;
      continue;
    }
    size_t j = k;
    bool digits = true, hex = true, has_digit = false;
    while (j < in.size() && is_alnum(in[j])) {
      digits = digits && is_digit(in[j]);
      hex = hex && is_hex(in[j]);
      has_digit = has_digit || is_digit(in[j]);
      ++j;
    }
    const size_t len = j - k;
    if (digits) {
      // A decimal fraction belongs to the number.
      if (j + 1 < in.size() && in[j] == '.' && is_digit(in[j + 1])) {
        ++j;
        while (j < in.size() && is_digit(in[j])) ++j;
      }
      out->append("<n>");
    } else if (hex && has_digit && len >= 8) {
      out->append("<hex>");
    } else if (has_digit && len >= 16) {
      out->append("<id>");
    } else {
      out->append(in.substr(k, len));
    }
    k = j;
  }
}

uint64_t fnv1a(std::string_view text, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

void append_int(int64_t v, std::string* out) { out->append(std::to_string(v)); }

void append_field(const char* name, std::string_view text, std::string* out) {
  out->append(",\"");
  out->append(name);
  out->append("\":");
  json::append_quoted(text, out);
}

void append_number(const char* name, int64_t v, std::string* out) {
  out->append(",\"");
  out->append(name);
  out->append("\":");
  append_int(v, out);
}

}  // namespace

std::string_view width_bucket_name(WidthBucket bucket) noexcept {
  switch (bucket) {
    case WidthBucket::phone: return "phone";
    case WidthBucket::tablet: return "tablet";
    case WidthBucket::desktop: break;
  }
  return "desktop";
}

WidthBucket width_bucket(int64_t w) noexcept {
  if (w < 768) return WidthBucket::phone;
  if (w < 1024) return WidthBucket::tablet;
  return WidthBucket::desktop;
}

std::string normalise_error_message(std::string_view message) {
  constexpr std::string_view kUncaught = "Uncaught ";
  if (message.substr(0, kUncaught.size()) == kUncaught) message.remove_prefix(kUncaught.size());
  std::string out;
  normalise_words(message, &out);
  cut_utf8(&out, kMaxErrorMessageBytes);
  return out;
}

std::string normalise_error_source(std::string_view source) {
  source = source.substr(0, source.find_first_of("?#"));
  // Keep scheme and host as they are; normalise the path only.
  size_t path_at = 0;
  size_t scheme = source.find("://");
  if (scheme != std::string_view::npos) {
    path_at = source.find('/', scheme + 3);
    if (path_at == std::string_view::npos) path_at = source.size();
  }
  std::string out(source.substr(0, path_at));
  normalise_words(source.substr(path_at), &out);
  cut_utf8(&out, kMaxPathBytes);
  return out;
}

std::string error_fingerprint(std::string_view message, std::string_view source) {
  uint64_t h = fnv1a(message);
  h = fnv1a(std::string_view("\x1f", 1), h);
  h = fnv1a(source, h);
  static const char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int k = 15; k >= 0; --k, h >>= 4) out[static_cast<size_t>(k)] = kHex[h & 15];
  return out;
}

bool selector_is_interactive(std::string_view selector) noexcept {
  size_t last = selector.rfind('>');
  std::string_view part = last == std::string_view::npos ? selector : selector.substr(last + 1);
  part = part.substr(0, part.find_first_of("#."));
  for (std::string_view tag : {"a", "button", "input", "select", "textarea", "label", "option", "summary"})
    if (part == tag) return true;
  return false;
}

Insights insights_from_ndjson(std::string_view ndjson) {
  Insights out;
  std::string path;  // "" until the batch's first page_view
  int page_scroll = -1;
  bool in_lead = true;
  int64_t page_day = 0;
  std::vector<Click> clicks;
  int64_t segment = 0;              // page views seen so far: rage bursts stay on one page
  int64_t lead_day = 0;
  std::vector<int64_t> changes;     // ts of every DOM or page change
  bool recording = false;
  int64_t max_ts = INT64_MIN;
  int64_t rrweb_width = 0, rrweb_height = 0;
  std::string rrweb_path;
  Line l;

  while (!ndjson.empty()) {
    size_t nl = ndjson.find('\n');
    std::string_view text = ndjson.substr(0, nl);
    ndjson.remove_prefix(nl == std::string_view::npos ? ndjson.size() : nl + 1);
    if (text.empty() || !read_line(text, &l)) continue;
    max_ts = std::max(max_ts, l.ts);
    const int64_t day = floor_day(l.ts);
    switch (l.type) {
      case EventType::page_view: {
        ++segment;
        path = page_path(l.url);
        in_lead = false;
        page_scroll = -1;
        page_day = day;
        out.page_view = true;
        changes.push_back(l.ts);
        break;
      }
      case EventType::scroll: {
        const int b = scroll_bucket(l.scroll);
        if (in_lead) {
          if (out.scroll_lead < 0) lead_day = day;
          out.scroll_lead = std::max(out.scroll_lead, b);
        } else if (b > page_scroll && printable_day(page_day)) {
          out.scroll.push_back(ScrollReach{page_day, path, page_scroll, b});
          page_scroll = b;
        }
        break;
      }
      case EventType::click: {
        if (!l.has_xy || !printable_day(day)) break;
        std::string selector = l.selector;
        cut_utf8(&selector, kMaxSelectorBytes);
        clicks.push_back(Click{l.ts, static_cast<int64_t>(l.x), static_cast<int64_t>(l.y),
                               static_cast<int64_t>(l.w), day, segment, path, std::move(selector)});
        add_cell(&out.cells, clicks.back());
        break;
      }
      case EventType::error: {
        if (!printable_day(day)) break;
        std::string message = normalise_error_message(l.message);
        std::string source = normalise_error_source(l.source);
        std::string fp = error_fingerprint(message, source);
        auto it = std::find_if(out.errors.begin(), out.errors.end(), [&](const ErrorGroup& g) { return g.fingerprint == fp; });
        if (it != out.errors.end()) {
          ++it->count;
          it->first_ts = std::min(it->first_ts, l.ts);
          it->last_ts = std::max(it->last_ts, l.ts);
        } else if (out.errors.size() < kMaxErrorGroupsPerBatch) {
          std::string sample = l.message;
          cut_utf8(&sample, kMaxErrorMessageBytes);
          out.errors.push_back(ErrorGroup{std::move(fp), std::move(message), std::move(sample), std::move(source), path, 1, l.ts, l.ts});
        }
        break;
      }
      case EventType::rrweb: {
        recording = true;
        if (l.rrweb_type == 4) {
          rrweb_width = static_cast<int64_t>(l.rrweb_width);
          rrweb_height = static_cast<int64_t>(l.rrweb_height);
          rrweb_path = l.rrweb_href.empty() ? path : page_path(l.rrweb_href);
          changes.push_back(l.ts);
        } else if (l.rrweb_type == 2) {
          changes.push_back(l.ts);
          const std::string& shown = rrweb_width > 0 ? rrweb_path : path;
          if (rrweb_width > 0 && !shown.empty()) {
            out.snapshot = PageSnapshot{true, shown, width_bucket(rrweb_width), rrweb_width, rrweb_height, l.ts, l.seq, l.i};
          }
        } else if (l.rrweb_type == 3 && l.rrweb_source == 0) {
          changes.push_back(l.ts);  // a DOM mutation
        } else if (l.rrweb_type == 3 && l.rrweb_source == 4 && l.rrweb_width > 0) {
          rrweb_width = static_cast<int64_t>(l.rrweb_width);  // viewport resize
          rrweb_height = static_cast<int64_t>(l.rrweb_height);
        }
        break;
      }
      default:
        break;
    }
  }
  out.scroll_tail = out.page_view ? page_scroll : -1;
  if (out.scroll_lead >= 0) {
    // The page open when the batch began: dated by its first scroll here.
    if (printable_day(lead_day))
      out.scroll.insert(out.scroll.begin(), ScrollReach{lead_day, "", ScrollReach::kFromSession, out.scroll_lead});
  }

  // Rage: bursts of clicks on one spot, within one page segment.
  size_t burst = 0, burst_len = 0;
  for (size_t k = 0; k < clicks.size(); ++k) {
    const Click& c = clicks[k];
    const Click& first = clicks[burst];
    if (k > 0 && c.segment == first.segment && c.ts - first.ts <= kRageWindowMs && c.ts >= first.ts &&
        std::llabs(c.x - first.x) <= kRageRadiusPx && std::llabs(c.y - first.y) <= kRageRadiusPx) {
      if (++burst_len == kRageClicks) add_issue(&out.issues, ClickIssueKind::rage, c);
    } else {
      burst = k;
      burst_len = 1;
    }
  }

  // Dead: only where the DOM is recorded (otherwise "nothing changed" cannot
  // be seen), and only when the batch covers the whole window after the click.
  if (recording) {
    std::sort(changes.begin(), changes.end());
    for (const Click& c : clicks) {
      if (selector_is_interactive(c.selector) || max_ts < c.ts + kDeadWindowMs) continue;
      auto next = std::upper_bound(changes.begin(), changes.end(), c.ts);
      if (next != changes.end() && *next <= c.ts + kDeadWindowMs) continue;
      add_issue(&out.issues, ClickIssueKind::dead, c);
    }
  }
  return out;
}

void append_insights_json(const Insights& in, std::string* out) {
  out->append("{\"cells\":[");
  for (size_t k = 0; k < in.cells.size(); ++k) {
    const HeatCell& c = in.cells[k];
    if (k) out->push_back(',');
    out->append("{\"day\":\"");
    out->append(day_text(c.day));
    out->push_back('"');
    append_field("path", c.path, out);
    append_field("width", width_bucket_name(c.width), out);
    append_number("x", c.x, out);
    append_number("y", c.y, out);
    append_number("clicks", c.clicks, out);
    out->push_back('}');
  }
  out->append("],\"scroll\":[");
  for (size_t k = 0; k < in.scroll.size(); ++k) {
    const ScrollReach& r = in.scroll[k];
    if (k) out->push_back(',');
    out->append("{\"day\":\"");
    out->append(day_text(r.day));
    out->push_back('"');
    append_field("path", r.path, out);
    append_number("from", r.from, out);
    append_number("to", r.to, out);
    out->push_back('}');
  }
  out->append("],\"issues\":[");
  for (size_t k = 0; k < in.issues.size(); ++k) {
    const ClickIssue& is = in.issues[k];
    if (k) out->push_back(',');
    out->append("{\"kind\":");
    out->append(is.kind == ClickIssueKind::rage ? "\"rage\"" : "\"dead\"");
    out->append(",\"day\":\"");
    out->append(day_text(is.day));
    out->push_back('"');
    append_field("path", is.path, out);
    append_field("selector", is.selector, out);
    append_field("width", width_bucket_name(is.width), out);
    append_number("x", is.x, out);
    append_number("y", is.y, out);
    append_number("ts", is.ts, out);
    append_number("count", is.count, out);
    out->push_back('}');
  }
  out->append("],\"errors\":[");
  for (size_t k = 0; k < in.errors.size(); ++k) {
    const ErrorGroup& g = in.errors[k];
    if (k) out->push_back(',');
    out->append("{\"fingerprint\":\"");
    out->append(g.fingerprint);
    out->push_back('"');
    append_field("message", g.message, out);
    append_field("sample", g.sample, out);
    append_field("source", g.source, out);
    append_field("path", g.path, out);
    append_number("count", g.count, out);
    append_number("first_ts", g.first_ts, out);
    append_number("last_ts", g.last_ts, out);
    out->push_back('}');
  }
  out->push_back(']');
  if (in.snapshot.present) {
    const PageSnapshot& s = in.snapshot;
    out->append(",\"snapshot\":{\"path\":");
    json::append_quoted(s.path, out);
    append_field("width", width_bucket_name(s.width), out);
    append_number("viewport_width", s.viewport_width, out);
    append_number("viewport_height", s.viewport_height, out);
    append_number("ts", s.ts, out);
    append_number("seq", s.seq, out);
    append_number("i", s.i, out);
    out->push_back('}');
  }
  out->append(",\"page_view\":");
  out->append(in.page_view ? "true" : "false");
  append_number("scroll_tail", in.scroll_tail, out);
  append_number("scroll_lead", in.scroll_lead, out);
  out->push_back('}');
}

}  // namespace edgereplay
