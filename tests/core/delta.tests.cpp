#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edgereplay/delta.hpp"
#include "edgereplay/json_scan.hpp"
#include "factories.hpp"

using namespace edgereplay;
using namespace edgereplay::test;

namespace {

// `url` is a raw JSON string span, as ingest hands it over.
EventFacts fact(EventType type, int64_t ts, int64_t seq = 0, int64_t i = 0, std::string_view url = {}) {
  EventFacts f;
  f.type = type;
  f.key = EventKey{ts, seq, i};
  f.url = url;
  f.url_escaped = url.find('\\') != std::string_view::npos;
  return f;
}

EventFacts page(int64_t ts, std::string_view url, int64_t seq = 0, int64_t i = 0) {
  return fact(EventType::page_view, ts, seq, i, url);
}

EventFacts scrolled(int64_t ts, double percent) {
  EventFacts f = fact(EventType::scroll, ts);
  f.scroll_percent = percent;
  return f;
}

Delta delta_of(const std::vector<EventFacts>& events) {
  Delta d;
  for (const EventFacts& e : events) add_event(&d, e);
  return d;
}

std::string json_of(const Delta& d) {
  std::string out;
  append_delta_json(d, &out);
  return out;
}

const int64_t kDayNumber = kNov22 / kDay;  // days since 1970 of 2026-11-22

// A delta with every part filled in, paths that need escaping included.
Delta rich_delta() {
  return delta_of({
      page(kStartMs, R"(https://example.com/caf\u00e9?ref=x)", 0, 0),
      page(kStartMs + kMinute, R"(/say \"hi\"\\now)", 0, 1),
      page(kStartMs + 2 * kMinute, R"(/ctl\u0001char)", 1, 0),
      page(kNov22 + kDay + kSecond, "/pricing", 2, 0),
      fact(EventType::click, kStartMs + 3 * kMinute, 1, 1),
      fact(EventType::custom, kStartMs + 4 * kMinute, 1, 2),
      fact(EventType::error, kStartMs + 5 * kMinute, 1, 3),
      fact(EventType::rrweb, kStartMs - kSecond, 0, 2),
      fact(EventType::visibility, kNov22 + kDay + 2 * kSecond, 2, 1),
      scrolled(kStartMs + 6 * kMinute, 33.33333),
  });
}

}  // namespace

TEST_CASE("a delta counts each event type", "[delta]") {
  Delta d = delta_of({page(1000, "/a", 0, 0), page(2000, "/b", 0, 1), fact(EventType::click, 1500),
                      fact(EventType::click, 1600), fact(EventType::click, 1700), fact(EventType::custom, 1800),
                      fact(EventType::error, 1900), fact(EventType::rrweb, 2100), fact(EventType::rrweb, 2200),
                      fact(EventType::visibility, 2300), scrolled(2400, 50)});
  CHECK(d.event_count == 11);
  CHECK(d.page_views == 2);
  CHECK(d.clicks == 3);
  CHECK(d.custom_events == 1);
  CHECK(d.errors == 1);
  CHECK(d.rrweb_events == 2);
  CHECK(d.max_scroll_percent == 50);
  SECTION("an empty delta counts nothing and lasts nothing") {
    Delta empty;
    CHECK(empty.event_count == 0);
    CHECK(empty.duration_ms() == 0);
    CHECK_FALSE(empty.has_entry);
    CHECK(empty.pages.empty());
  }
}

TEST_CASE("scroll percent is clamped to 0..100", "[delta][scroll]") {
  SECTION("negative is 0") { CHECK(delta_of({scrolled(1, -20)}).max_scroll_percent == 0); }
  SECTION("above 100 is 100") { CHECK(delta_of({scrolled(1, 150)}).max_scroll_percent == 100); }
  SECTION("infinity is 100") {
    CHECK(delta_of({scrolled(1, std::numeric_limits<double>::infinity())}).max_scroll_percent == 100);
  }
  SECTION("NaN is 0, never NaN") {
    double v = delta_of({scrolled(1, std::nan(""))}).max_scroll_percent;
    CHECK_FALSE(std::isnan(v));
    CHECK(v == 0);
  }
  SECTION("in range is kept, to a thousandth") {
    CHECK(delta_of({scrolled(1, 42.5)}).max_scroll_percent == 42.5);
    CHECK(delta_of({scrolled(1, 33.33333)}).max_scroll_percent == 33.333);
  }
  SECTION("the largest scroll wins") {
    CHECK(delta_of({scrolled(1, 10), scrolled(2, 75), scrolled(3, 40)}).max_scroll_percent == 75);
  }
}

TEST_CASE("first, last, entry and exit follow (ts, seq, i) order", "[delta][order]") {
  // Added out of order on purpose: arrival order must not matter.
  Delta d = delta_of({
      page(100, "/a", 1, 0),
      fact(EventType::click, 300, 0, 1),
      page(100, "/b", 0, 5),
      page(200, "/c", 0, 0),
      fact(EventType::click, 50, 2, 0),
      page(100, "/d", 0, 3),
  });
  CHECK(d.first == EventKey{50, 2, 0});
  CHECK(d.last == EventKey{300, 0, 1});
  CHECK(d.duration_ms() == 250);
  REQUIRE(d.has_entry);
  // Same ts: the lower seq wins, then the lower i.
  CHECK(d.entry_key == EventKey{100, 0, 3});
  CHECK(d.entry_page == "/d");
  CHECK(d.exit_key == EventKey{200, 0, 0});
  CHECK(d.exit_page == "/c");
  SECTION("a single event starts and ends the session") {
    Delta one = delta_of({page(700, "/only", 4, 2)});
    CHECK(one.first == one.last);
    CHECK(one.duration_ms() == 0);
    CHECK(one.entry_page == "/only");
    CHECK(one.exit_page == "/only");
  }
  SECTION("without page views there is no entry or exit") {
    CHECK_FALSE(delta_of({fact(EventType::click, 1)}).has_entry);
  }
}

TEST_CASE("page_path keeps only the path of a URL", "[delta][page_path]") {
  struct Case {
    const char* url;
    const char* path;
  };
  for (const Case& c : std::vector<Case>{
           {"https://x.com/a/b?q#f", "/a/b"},
           {"", "/"},
           {"https://x.com", "/"},
           {"https://x.com?q=1", "/"},
           {"http://x.com/#top", "/"},
           {"https://user@x.com:8443/deep/path/", "/deep/path/"},
           {"HTTPS://X.COM/Path", "/Path"},
           {"/a/b?x=1", "/a/b"},
           {"a/b", "/a/b"},
           {"page.html#s", "/page.html"},
           {"//cdn.x.com/p/q?v=2", "/p/q"},
           {"//cdn.x.com", "/"},
           {"?q", "/"},
           {"#f", "/"},
           {"/redirect?to=https://evil.com/x", "/redirect"},
           {"/a://b", "/a://b"},
       }) {
    CAPTURE(c.url);
    CHECK(page_path(c.url) == c.path);
  }
}

TEST_CASE("page_path cuts long paths to 512 bytes at a UTF-8 boundary", "[delta][page_path]") {
  CHECK(page_path("/" + std::string(511, 'a')).size() == 512);
  CHECK(page_path("/" + std::string(600, 'a')) == "/" + std::string(511, 'a'));
  SECTION("a two-byte character across the cut is left out whole") {
    std::string cut = page_path("/" + std::string(510, 'a') + "\xC3\xA9" + "zz");
    CHECK(cut == "/" + std::string(510, 'a'));
    CHECK(json::valid_utf8(cut));
  }
  SECTION("a character that ends exactly at the cut is kept") {
    std::string kept = page_path("/" + std::string(509, 'a') + "\xC3\xA9" + "zz");
    CHECK(kept == "/" + std::string(509, 'a') + "\xC3\xA9");
  }
  SECTION("a four-byte character across the cut is left out whole") {
    std::string cut = page_path("/" + std::string(509, 'a') + "\xF0\x9F\x98\x80");
    CHECK(cut == "/" + std::string(509, 'a'));
  }
}

TEST_CASE("pages are counted per UTC day of the page view and path", "[delta][pages]") {
  Delta d = delta_of({
      page(kNov22 + 10 * kHour, "https://x.com/a?x=1", 0, 0),
      page(kNov22 + kDay - 1, "/a?x=2", 0, 1),         // 23:59:59.999, same day
      page(kNov22 + kDay, "/a", 1, 0),                 // midnight: the next day
      page(kNov22 + 12 * kHour, "/b", 0, 2),
      page(kNov22 + 13 * kHour, R"(\/a)", 0, 3),       // escaped slash decodes to /a
  });
  std::vector<PageCount> expected = {
      {kDayNumber, "/a", 3},
      {kDayNumber, "/b", 1},
      {kDayNumber + 1, "/a", 1},
  };
  CHECK(d.pages == expected);
  CHECK(d.page_views == 5);
}

TEST_CASE("merge adds counts, keeps the larger scroll and the outer events", "[delta][merge]") {
  Delta a = delta_of({page(200, "/a", 0, 0), fact(EventType::click, 250, 0, 1), scrolled(260, 80)});
  Delta b = delta_of({page(100, "/b", 1, 0), page(400, "/c", 1, 1), fact(EventType::error, 500, 1, 2),
                      scrolled(450, 30)});
  Delta m = merge(a, b);
  CHECK(m.event_count == 7);
  CHECK(m.page_views == 3);
  CHECK(m.clicks == 1);
  CHECK(m.errors == 1);
  CHECK(m.max_scroll_percent == 80);
  CHECK(m.first == EventKey{100, 1, 0});
  CHECK(m.last == EventKey{500, 1, 2});
  CHECK(m.duration_ms() == 400);
  CHECK(m.entry_page == "/b");
  CHECK(m.exit_page == "/c");
  CHECK(m.pages.size() == 3);
  SECTION("an empty delta changes nothing") {
    CHECK(merge(a, Delta{}) == a);
    CHECK(merge(Delta{}, a) == a);
    CHECK(merge(Delta{}, Delta{}) == Delta{});
  }
  SECTION("views of the same page on the same day add up") {
    Delta twice = merge(a, a);
    REQUIRE(twice.pages.size() == 1);
    CHECK(twice.pages[0].views == 2);
    CHECK(twice.event_count == 6);
  }
}

TEST_CASE("a delta survives its JSON form", "[delta][json]") {
  for (const Delta& d : {Delta{}, rich_delta(), delta_of({fact(EventType::click, 5, 1, 2)}),
                         delta_of({scrolled(1, 100)}), delta_of({scrolled(1, 0.001)}),
                         delta_of({scrolled(1, 99.999), scrolled(2, 12.3456)})}) {
    std::string text = json_of(d);
    CAPTURE(text);
    REQUIRE(nlohmann::json::accept(text));
    Result<Delta> back = delta_from_json(text);
    REQUIRE(back.ok());
    CHECK(back.value() == d);
    CHECK(json_of(back.value()) == text);
  }
  SECTION("the JSON names the fields the shim reads") {
    Delta d = rich_delta();
    auto j = nlohmann::json::parse(json_of(d));
    CHECK(j.at("event_count") == 10);
    CHECK(j.at("page_views") == 4);
    CHECK(j.at("clicks") == 1);
    CHECK(j.at("custom_events") == 1);
    CHECK(j.at("errors") == 1);
    CHECK(j.at("rrweb_events") == 1);
    CHECK(j.at("max_scroll_percent") == 33.333);
    CHECK(j.at("first_ts") == kStartMs - kSecond);
    CHECK(j.at("last_ts") == kNov22 + kDay + 2 * kSecond);
    CHECK(j.at("duration_ms") == kNov22 + kDay + 2 * kSecond - (kStartMs - kSecond));
    CHECK(j.at("entry_page") == "/caf\xC3\xA9");
    CHECK(j.at("exit_page") == "/pricing");
    CHECK(j.at("pages").at(0).at("day") == "2026-11-22");
    CHECK(j.at("pages").back() == nlohmann::json({{"day", "2026-11-23"}, {"path", "/pricing"}, {"views", 1}}));
    // Paths are stored decoded: the quote, backslash and control character are text.
    std::vector<std::string> paths;
    for (const auto& p : j.at("pages")) paths.push_back(p.at("path").get<std::string>());
    CHECK(std::find(paths.begin(), paths.end(), "/say \"hi\"\\now") != paths.end());
    CHECK(std::find(paths.begin(), paths.end(), "/ctl\x01" "char") != paths.end());
  }
}

TEST_CASE("delta_from_json refuses what is not a delta", "[delta][json]") {
  const auto good = nlohmann::json::parse(json_of(rich_delta()));
  auto refused = [](const std::string& text) {
    Result<Delta> r = delta_from_json(text);
    return !r.ok() && r.error() == Error::bad_delta;
  };
  auto refused_json = [&](const nlohmann::json& j) { return refused(j.dump()); };
  REQUIRE(delta_from_json(good.dump()).ok());

  SECTION("text that is not a JSON object") {
    for (const std::string& text : std::vector<std::string>{"", "not json", "[]", "42", "null", "{\"event_count\":1", good.dump() + " x"}) {
      CAPTURE(text);
      CHECK(refused(text));
    }
  }
  SECTION("counts that are missing, negative, fractional or not numbers") {
    for (const char* name : {"event_count", "page_views", "clicks", "custom_events", "errors", "rrweb_events"}) {
      CAPTURE(name);
      for (const nlohmann::json& bad : {nlohmann::json(-1), nlohmann::json(1.5), nlohmann::json("1"),
                                        nlohmann::json(nullptr)}) {
        auto j = good;
        j[name] = bad;
        CHECK(refused_json(j));
      }
      auto j = good;
      j.erase(name);
      CHECK(refused_json(j));
    }
  }
  SECTION("a scroll percent that is missing or not a number") {
    auto j = good;
    j.erase("max_scroll_percent");
    CHECK(refused_json(j));
    j["max_scroll_percent"] = "50";
    CHECK(refused_json(j));
  }
  SECTION("event keys that are missing or not three integers") {
    for (const char* name : {"first", "last", "entry", "exit"}) {
      CAPTURE(name);
      for (const nlohmann::json& bad : {nlohmann::json::array({1, 2}), nlohmann::json::array({1, 2, 3, 4}),
                                        nlohmann::json::array({1, 2, "3"}), nlohmann::json::array({1, 2, 3.5}),
                                        nlohmann::json(5)}) {
        auto j = good;
        j[name] = bad;
        CHECK(refused_json(j));
      }
    }
    auto j = good;
    j.erase("first");
    CHECK(refused_json(j));
  }
  SECTION("an entry without its pages") {
    for (const char* name : {"entry_page", "exit_page", "exit"}) {
      auto j = good;
      j.erase(name);
      CHECK(refused_json(j));
    }
    auto j = good;
    j["entry_page"] = 7;
    CHECK(refused_json(j));
  }
  SECTION("pages that are missing or malformed") {
    auto j = good;
    j.erase("pages");
    CHECK(refused_json(j));
    j["pages"] = nlohmann::json::object();
    CHECK(refused_json(j));
    j["pages"] = nlohmann::json::array({5});
    CHECK(refused_json(j));
    const nlohmann::json page = {{"day", "2026-11-22"}, {"path", "/a"}, {"views", 2}};
    j["pages"] = nlohmann::json::array({page});
    CHECK_FALSE(refused_json(j));
    for (const auto& [field, bad] : std::vector<std::pair<std::string, nlohmann::json>>{
             {"day", "2026-02-30"}, {"day", "22/11/2026"}, {"day", 20779}, {"day", "2026-11-22T00:00:00Z"},
             {"path", 3}, {"views", -1}, {"views", 1.5}}) {
      CAPTURE(field, bad.dump());
      auto p = page;
      p[field] = bad;
      j["pages"] = nlohmann::json::array({p});
      CHECK(refused_json(j));
    }
    auto p = page;
    p.erase("views");
    j["pages"] = nlohmann::json::array({p});
    CHECK(refused_json(j));
  }
}

TEST_CASE("delta_from_ndjson recounts stored lines and skips what is not an event", "[delta][ndjson]") {
  std::vector<std::string> lines = {
      stored_line(kStartMs, 0, 0, "page_view", {{"url", quote("https://x.com/a?b")}}),
      stored_line(kStartMs + 5, 0, 1, "click", {{"x", "1"}, {"y", "2"}, {"selector", quote("#a")}}),
      stored_line(kStartMs + 9, 1, 0, "scroll", {{"scroll_percent", "64.25"}}),
      stored_line(kStartMs + 12, 1, 1, "page_view", {{"url", quote("/caf\xC3\xA9")}}),
  };
  Delta expected = delta_of({page(kStartMs, "https://x.com/a?b", 0, 0), fact(EventType::click, kStartMs + 5, 0, 1),
                             page(kStartMs + 12, "/caf\xC3\xA9", 1, 1)});
  EventFacts s = fact(EventType::scroll, kStartMs + 9, 1, 0);
  s.scroll_percent = 64.25;
  add_event(&expected, s);

  CHECK(delta_from_ndjson(join_lines(lines)) == expected);
  SECTION("garbage, blank and truncated lines are skipped") {
    std::string text = "not json\n\n{}\n" + join_lines(lines) + R"({"ts":1,"seq":0,"i":9,"type":"cli)";
    CHECK(delta_from_ndjson(text) == expected);
  }
  SECTION("a line without its final newline still counts") {
    std::string text = join_lines(lines);
    text.pop_back();
    CHECK(delta_from_ndjson(text) == expected);
  }
  SECTION("nothing gives an empty delta") { CHECK(delta_from_ndjson("") == Delta{}); }
}
