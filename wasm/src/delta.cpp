#include "edgereplay/delta.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "edgereplay/json_scan.hpp"
#include "edgereplay/time.hpp"

namespace edgereplay {
namespace {

bool page_less(const PageCount& a, int64_t day, std::string_view path) {
  return a.day != day ? a.day < day : std::string_view(a.path) < path;
}

void add_page(std::vector<PageCount>* pages, int64_t day, std::string_view path, int64_t views) {
  auto it = std::lower_bound(pages->begin(), pages->end(), 0,
                             [&](const PageCount& p, int) { return page_less(p, day, path); });
  if (it != pages->end() && it->day == day && it->path == path) {
    it->views += views;
  } else {
    pages->insert(it, PageCount{day, std::string(path), views});
  }
}

// Clamped to 0..100 and kept to 1/1000, so a delta survives its JSON form exactly.
// Order of page views for entry/exit. Two views with the same key (possible
// only in tampered data) are ordered by path, so merge stays commutative.
bool page_before(const EventKey& ka, const std::string& pa, const EventKey& kb, const std::string& pb) {
  if (ka < kb) return true;
  if (kb < ka) return false;
  return pa < pb;
}

double clamp_percent(double v) {
  if (!(v > 0)) return 0;  // also NaN
  return v >= 100 ? 100 : std::round(v * 1000) / 1000;
}

int64_t floor_day(int64_t ts) { return ts / 86400000 - (ts % 86400000 < 0 ? 1 : 0); }

void append_int(int64_t v, std::string* out) { out->append(std::to_string(v)); }

void append_key(const char* name, const EventKey& k, std::string* out) {
  out->append(",\"");
  out->append(name);
  out->append("\":[");
  append_int(k.ts, out);
  out->push_back(',');
  append_int(k.seq, out);
  out->push_back(',');
  append_int(k.i, out);
  out->push_back(']');
}

std::string day_text(int64_t day) {
  // format_iso8601 gives YYYY-MM-DDT...; the date is its first ten characters.
  return format_iso8601(day * 86400000).substr(0, 10);
}

bool read_key(const nlohmann::json& j, const char* name, EventKey* k) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_array() || it->size() != 3) return false;
  for (const auto& v : *it)
    if (!v.is_number_integer()) return false;
  k->ts = (*it)[0].get<int64_t>();
  k->seq = (*it)[1].get<int64_t>();
  k->i = (*it)[2].get<int64_t>();
  return true;
}

// "YYYY-MM-DD" (any four-digit year, 1969 included) to days since 1970-01-01.
bool parse_day(const std::string& text, int64_t* days) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  int32_t y = 0;
  uint32_t m = 0, dd = 0;
  for (size_t k : {0, 1, 2, 3, 5, 6, 8, 9})
    if (text[k] < '0' || text[k] > '9') return false;
  y = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
  m = static_cast<uint32_t>((text[5] - '0') * 10 + (text[6] - '0'));
  dd = static_cast<uint32_t>((text[8] - '0') * 10 + (text[9] - '0'));
  if (m < 1 || m > 12 || dd < 1 || dd > days_in_month(y, m)) return false;
  *days = days_from_civil(CivilDate{y, m, dd});
  return true;
}

bool read_int(const nlohmann::json& j, const char* name, int64_t* v) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number_integer()) return false;
  *v = it->get<int64_t>();
  return *v >= 0;
}

}  // namespace

bool operator==(const Delta& a, const Delta& b) {
  if (a.event_count != b.event_count || a.page_views != b.page_views || a.clicks != b.clicks ||
      a.custom_events != b.custom_events || a.errors != b.errors ||
      a.rrweb_events != b.rrweb_events || a.max_scroll_percent != b.max_scroll_percent ||
      a.has_entry != b.has_entry || a.pages != b.pages)
    return false;
  if (a.event_count && !(a.first == b.first && a.last == b.last)) return false;
  if (a.has_entry && !(a.entry_key == b.entry_key && a.entry_page == b.entry_page &&
                       a.exit_key == b.exit_key && a.exit_page == b.exit_page))
    return false;
  return true;
}

std::string page_path(std::string_view url) {
  std::string_view rest = url;
  size_t scheme = rest.find("://");
  if (scheme != std::string_view::npos && scheme > 0 && scheme < 16 &&
      rest.find_first_of("/?#") > scheme) {
    rest.remove_prefix(scheme + 3);
    size_t path_at = rest.find_first_of("/?#");
    rest = path_at == std::string_view::npos ? std::string_view() : rest.substr(path_at);
  } else if (rest.substr(0, 2) == "//") {
    rest.remove_prefix(2);
    size_t path_at = rest.find_first_of("/?#");
    rest = path_at == std::string_view::npos ? std::string_view() : rest.substr(path_at);
  }
  rest = rest.substr(0, rest.find_first_of("?#"));
  std::string path;
  if (rest.empty() || rest[0] != '/') path.push_back('/');
  path.append(rest);
  if (path.size() > kMaxPathBytes) {
    size_t cut = kMaxPathBytes;
    while (cut > 0 && (static_cast<unsigned char>(path[cut]) & 0xC0) == 0x80) --cut;
    path.resize(cut);
  }
  return path;
}

void add_event(Delta* d, const EventFacts& e) {
  if (d->event_count == 0) {
    d->first = d->last = e.key;
  } else {
    if (e.key < d->first) d->first = e.key;
    if (d->last < e.key) d->last = e.key;
  }
  ++d->event_count;
  switch (e.type) {
    case EventType::click: ++d->clicks; break;
    case EventType::custom: ++d->custom_events; break;
    case EventType::error: ++d->errors; break;
    case EventType::rrweb: ++d->rrweb_events; break;
    case EventType::scroll:
      d->max_scroll_percent = std::max(d->max_scroll_percent, clamp_percent(e.scroll_percent));
      break;
    case EventType::page_view: {
      ++d->page_views;
      std::string decoded;
      std::string_view url = e.url;
      if (e.url_escaped) {
        json::unescape(e.url, &decoded);
        url = decoded;
      }
      std::string path = page_path(url);
      // Days print as YYYY-MM-DD: a ts outside years 0000..9999 (corrupt
      // data only; ingest bounds ts by the session) counts but has no day.
      const int64_t day = floor_day(e.key.ts);
      const CivilDate date = civil_from_days(day);
      if (date.year >= 0 && date.year <= 9999) add_page(&d->pages, day, path, 1);
      if (!d->has_entry || page_before(e.key, path, d->entry_key, d->entry_page)) {
        d->entry_key = e.key;
        d->entry_page = path;
      }
      if (!d->has_entry || page_before(d->exit_key, d->exit_page, e.key, path)) {
        d->exit_key = e.key;
        d->exit_page = path;
      }
      d->has_entry = true;
      break;
    }
    case EventType::visibility:
    case EventType::unknown:
      break;
  }
}

Delta merge(const Delta& a, const Delta& b) {
  if (a.event_count == 0 && !a.has_entry && a.pages.empty()) return b;
  if (b.event_count == 0 && !b.has_entry && b.pages.empty()) return a;
  Delta m;
  m.event_count = a.event_count + b.event_count;
  m.page_views = a.page_views + b.page_views;
  m.clicks = a.clicks + b.clicks;
  m.custom_events = a.custom_events + b.custom_events;
  m.errors = a.errors + b.errors;
  m.rrweb_events = a.rrweb_events + b.rrweb_events;
  m.max_scroll_percent = std::max(a.max_scroll_percent, b.max_scroll_percent);
  if (a.event_count && b.event_count) {
    m.first = b.first < a.first ? b.first : a.first;
    m.last = a.last < b.last ? b.last : a.last;
  } else {
    const Delta& only = a.event_count ? a : b;
    m.first = only.first;
    m.last = only.last;
  }
  if (a.has_entry && b.has_entry) {
    const Delta& entry = page_before(b.entry_key, b.entry_page, a.entry_key, a.entry_page) ? b : a;
    const Delta& exit = page_before(a.exit_key, a.exit_page, b.exit_key, b.exit_page) ? b : a;
    m.entry_key = entry.entry_key;
    m.entry_page = entry.entry_page;
    m.exit_key = exit.exit_key;
    m.exit_page = exit.exit_page;
    m.has_entry = true;
  } else if (a.has_entry || b.has_entry) {
    const Delta& only = a.has_entry ? a : b;
    m.entry_key = only.entry_key;
    m.entry_page = only.entry_page;
    m.exit_key = only.exit_key;
    m.exit_page = only.exit_page;
    m.has_entry = true;
  }
  m.pages = a.pages;
  for (const PageCount& p : b.pages) add_page(&m.pages, p.day, p.path, p.views);
  return m;
}

void append_delta_json(const Delta& d, std::string* out) {
  out->append("{\"event_count\":");
  append_int(d.event_count, out);
  out->append(",\"page_views\":");
  append_int(d.page_views, out);
  out->append(",\"clicks\":");
  append_int(d.clicks, out);
  out->append(",\"custom_events\":");
  append_int(d.custom_events, out);
  out->append(",\"errors\":");
  append_int(d.errors, out);
  out->append(",\"rrweb_events\":");
  append_int(d.rrweb_events, out);
  out->append(",\"max_scroll_percent\":");
  int64_t thousandths = std::llround(d.max_scroll_percent * 1000);
  append_int(thousandths / 1000, out);
  int64_t frac = thousandths % 1000;
  if (frac) {
    char buf[8];
    buf[0] = '.';
    buf[1] = static_cast<char>('0' + frac / 100);
    buf[2] = static_cast<char>('0' + frac / 10 % 10);
    buf[3] = static_cast<char>('0' + frac % 10);
    size_t n = 4;
    while (buf[n - 1] == '0') --n;
    out->append(buf, n);
  }
  if (d.event_count) {
    out->append(",\"first_ts\":");
    append_int(d.first.ts, out);
    out->append(",\"last_ts\":");
    append_int(d.last.ts, out);
    out->append(",\"duration_ms\":");
    append_int(d.duration_ms(), out);
    append_key("first", d.first, out);
    append_key("last", d.last, out);
  }
  if (d.has_entry) {
    out->append(",\"entry_page\":");
    json::append_quoted(d.entry_page, out);
    out->append(",\"exit_page\":");
    json::append_quoted(d.exit_page, out);
    append_key("entry", d.entry_key, out);
    append_key("exit", d.exit_key, out);
  }
  out->append(",\"pages\":[");
  for (size_t k = 0; k < d.pages.size(); ++k) {
    if (k) out->push_back(',');
    out->append("{\"day\":\"");
    out->append(day_text(d.pages[k].day));
    out->append("\",\"path\":");
    json::append_quoted(d.pages[k].path, out);
    out->append(",\"views\":");
    append_int(d.pages[k].views, out);
    out->push_back('}');
  }
  out->append("]}");
}

Result<Delta> delta_from_json(std::string_view text) {
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error::bad_delta;
  Delta d;
  if (!read_int(j, "event_count", &d.event_count) || !read_int(j, "page_views", &d.page_views) ||
      !read_int(j, "clicks", &d.clicks) || !read_int(j, "custom_events", &d.custom_events) ||
      !read_int(j, "errors", &d.errors) || !read_int(j, "rrweb_events", &d.rrweb_events))
    return Error::bad_delta;
  auto scroll = j.find("max_scroll_percent");
  if (scroll == j.end() || !scroll->is_number()) return Error::bad_delta;
  d.max_scroll_percent = clamp_percent(scroll->get<double>());
  if (d.event_count && (!read_key(j, "first", &d.first) || !read_key(j, "last", &d.last)))
    return Error::bad_delta;
  if (j.contains("entry")) {
    auto entry = j.find("entry_page");
    auto exit = j.find("exit_page");
    if (!read_key(j, "entry", &d.entry_key) || !read_key(j, "exit", &d.exit_key) ||
        entry == j.end() || !entry->is_string() || exit == j.end() || !exit->is_string())
      return Error::bad_delta;
    d.entry_page = entry->get<std::string>();
    d.exit_page = exit->get<std::string>();
    d.has_entry = true;
  }
  auto pages = j.find("pages");
  if (pages == j.end() || !pages->is_array()) return Error::bad_delta;
  for (const auto& p : *pages) {
    if (!p.is_object()) return Error::bad_delta;
    auto day = p.find("day");
    auto path = p.find("path");
    int64_t views = 0;
    if (day == p.end() || !day->is_string() || path == p.end() || !path->is_string() ||
        !read_int(p, "views", &views))
      return Error::bad_delta;
    int64_t days = 0;
    if (!parse_day(day->get<std::string>(), &days)) return Error::bad_delta;
    add_page(&d.pages, days, path->get<std::string>(), views);
  }
  return d;
}

Delta delta_from_ndjson(std::string_view ndjson) {
  Delta d;
  EventFacts facts;
  while (!ndjson.empty()) {
    size_t nl = ndjson.find('\n');
    std::string_view line = ndjson.substr(0, nl);
    ndjson.remove_prefix(nl == std::string_view::npos ? ndjson.size() : nl + 1);
    if (!line.empty() && parse_event_line(line, &facts)) add_event(&d, facts);
  }
  return d;
}

}  // namespace edgereplay
