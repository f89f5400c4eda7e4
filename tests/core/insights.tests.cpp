#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edgereplay/insights.hpp"
#include "factories.hpp"

using namespace edgereplay;
using namespace edgereplay::test;

namespace {

// Stored lines of one batch (seq 3), in batch order.
struct Chunk {
  std::string ndjson;
  int64_t i = 0;
  Chunk& add(int64_t ts, std::string_view type, const Members& fields = {}) {
    ndjson += stored_line(ts, 3, i++, type, fields) + "\n";
    return *this;
  }
  Chunk& page(int64_t ts, std::string_view url) { return add(ts, "page_view", {{"url", quote(url)}}); }
  Chunk& click(int64_t ts, int x, int y, int w, std::string_view selector = "div.card") {
    return add(ts, "click", {{"x", number(x)}, {"y", number(y)}, {"w", number(w)}, {"selector", quote(selector)}});
  }
  Chunk& scroll(int64_t ts, int percent) { return add(ts, "scroll", {{"scroll_percent", number(percent)}}); }
  Chunk& error(int64_t ts, std::string_view message, std::string_view source = "https://shop.example/app.js") {
    return add(ts, "error", {{"message", quote(message)}, {"source", quote(source)}});
  }
  Chunk& rrweb(int64_t ts, std::string_view data) { return add(ts, "rrweb", {{"data", std::string(data)}}); }
  Chunk& mutation(int64_t ts) { return rrweb(ts, R"({"type":3,"data":{"source":0,"adds":[],"removes":[]}})"); }
  Chunk& mouse(int64_t ts) { return rrweb(ts, R"({"type":3,"data":{"source":1,"positions":[]}})"); }
};

const int64_t t0 = kStartMs + kSecond;

}  // namespace

TEST_CASE("width buckets split phones, tablets and desktops", "[insights]") {
  CHECK(width_bucket(375) == WidthBucket::phone);
  CHECK(width_bucket(767) == WidthBucket::phone);
  CHECK(width_bucket(768) == WidthBucket::tablet);
  CHECK(width_bucket(1023) == WidthBucket::tablet);
  CHECK(width_bucket(1024) == WidthBucket::desktop);
  CHECK(width_bucket(2560) == WidthBucket::desktop);
}

TEST_CASE("clicks roll up into cells relative to the viewport width", "[insights]") {
  SECTION("the same spot at two widths of one bucket lands in one cell") {
    Chunk c;
    c.page(t0, "https://shop.example/pricing?x=1").click(t0 + 10, 640, 120, 1280).click(t0 + 20, 720, 130, 1440);
    Insights in = insights_from_ndjson(c.ndjson);
    REQUIRE(in.cells.size() == 1);
    CHECK(in.cells[0].path == "/pricing");
    CHECK(in.cells[0].width == WidthBucket::desktop);
    CHECK(in.cells[0].x == 12);
    CHECK(in.cells[0].y == 2);
    CHECK(in.cells[0].clicks == 2);
  }
  SECTION("positions past the bounds land in the last column and row") {
    Chunk c;
    c.page(t0, "/long").click(t0 + 1, 5000, 999999, 400);
    Insights in = insights_from_ndjson(c.ndjson);
    REQUIRE(in.cells.size() == 1);
    CHECK(in.cells[0].x == kHeatColumns - 1);
    CHECK(in.cells[0].y == kHeatRows - 1);
    CHECK(in.cells[0].width == WidthBucket::phone);
  }
  SECTION("coordinates and widths beyond any integer are clamped, not converted out of range") {
    // Found by fuzz_insights under UBSan: a double outside int64's range cast to int64.
    Chunk c;
    c.page(t0, "/far")
        .add(t0 + 1, "click", {{"x", "1e300"}, {"y", "1.2e183"}, {"w", "1e300"}, {"selector", quote("#a")}})
        .add(t0 + 2, "click", {{"x", "1e300"}, {"y", "1.2e183"}, {"w", "1e300"}, {"selector", quote("#a")}})
        .rrweb(t0 + 3, R"({"type":4,"data":{"href":"https://shop.example/far","width":1e300,"height":-1e300}})")
        .rrweb(t0 + 4, R"({"type":1e300,"data":{}})");
    Insights in = insights_from_ndjson(c.ndjson);
    REQUIRE(in.cells.size() == 1);
    CHECK(in.cells[0].x == kHeatColumns - 1);
    CHECK(in.cells[0].y == kHeatRows - 1);
    CHECK(in.cells[0].clicks == 2);
  }
  SECTION("a click without a viewport width is not placed") {
    Chunk c;
    c.page(t0, "/").add(t0 + 1, "click", {{"x", "10"}, {"y", "10"}, {"selector", quote("#a")}});
    CHECK(insights_from_ndjson(c.ndjson).cells.empty());
  }
  SECTION("clicks before the batch's first page view belong to the page already open") {
    Chunk c;
    c.click(t0, 10, 10, 1280).page(t0 + 5, "/next").click(t0 + 6, 10, 10, 1280);
    Insights in = insights_from_ndjson(c.ndjson);
    REQUIRE(in.cells.size() == 2);
    CHECK(in.cells[0].path.empty());
    CHECK(in.cells[1].path == "/next");
  }
  SECTION("cells of different days stay apart") {
    Chunk c;
    c.page(kNov22 + kDay - 10, "/").click(kNov22 + kDay - 5, 1, 1, 800).click(kNov22 + kDay + 5, 1, 1, 800);
    Insights in = insights_from_ndjson(c.ndjson);
    REQUIRE(in.cells.size() == 2);
    CHECK(in.cells[0].day + 1 == in.cells[1].day);
  }
}

TEST_CASE("scroll reach counts each page view once per depth", "[insights]") {
  SECTION("increasing depths of one page view add only the new buckets") {
    Chunk c;
    c.page(t0, "/a").scroll(t0 + 1, 35).scroll(t0 + 2, 72).page(t0 + 3, "/b").scroll(t0 + 4, 100);
    Insights in = insights_from_ndjson(c.ndjson);
    REQUIRE(in.scroll.size() == 3);
    CHECK((in.scroll[0].path == "/a" && in.scroll[0].from == -1 && in.scroll[0].to == 3));
    CHECK((in.scroll[1].path == "/a" && in.scroll[1].from == 3 && in.scroll[1].to == 7));
    CHECK((in.scroll[2].path == "/b" && in.scroll[2].from == -1 && in.scroll[2].to == 10));
    CHECK(in.page_view);
    CHECK(in.scroll_tail == 10);
    CHECK(in.scroll_lead == -1);
  }
  SECTION("depth before the first page view continues the session's open page") {
    Chunk c;
    c.scroll(t0, 40).scroll(t0 + 1, 60);
    Insights in = insights_from_ndjson(c.ndjson);
    REQUIRE(in.scroll.size() == 1);
    CHECK(in.scroll[0].path.empty());
    CHECK(in.scroll[0].from == ScrollReach::kFromSession);
    CHECK(in.scroll[0].to == 6);
    CHECK_FALSE(in.page_view);
    CHECK(in.scroll_lead == 6);
  }
  SECTION("a page view without scrolling leaves the tail at none") {
    Chunk c;
    c.page(t0, "/a");
    Insights in = insights_from_ndjson(c.ndjson);
    CHECK(in.scroll.empty());
    CHECK(in.page_view);
    CHECK(in.scroll_tail == -1);
  }
}

TEST_CASE("rage clicks are bursts on one spot within a second", "[insights]") {
  SECTION("three quick clicks on one spot are one rage click") {
    Chunk c;
    c.page(t0, "/p").click(t0 + 100, 200, 300, 1280, "button#buy").click(t0 + 300, 205, 298, 1280, "button#buy")
        .click(t0 + 500, 210, 310, 1280, "button#buy").click(t0 + 700, 200, 300, 1280, "button#buy");
    Insights in = insights_from_ndjson(c.ndjson);
    REQUIRE(in.issues.size() == 1);
    CHECK(in.issues[0].kind == ClickIssueKind::rage);
    CHECK(in.issues[0].count == 1);
    CHECK(in.issues[0].selector == "button#buy");
    CHECK(in.issues[0].ts == t0 + 500);
  }
  SECTION("slow or spread clicks are not") {
    Chunk c;
    c.page(t0, "/p").click(t0, 200, 300, 1280, "a").click(t0 + 600, 200, 300, 1280, "a").click(t0 + 1200, 200, 300, 1280, "a")
        .click(t0 + 1300, 10, 10, 1280, "a").click(t0 + 1400, 100, 10, 1280, "a").click(t0 + 1500, 200, 10, 1280, "a");
    CHECK(insights_from_ndjson(c.ndjson).issues.empty());
  }
  SECTION("a burst does not cross a page view") {
    Chunk c;
    c.page(t0, "/p").click(t0 + 1, 5, 5, 1280, "a").click(t0 + 2, 5, 5, 1280, "a").page(t0 + 3, "/q").click(t0 + 4, 5, 5, 1280, "a");
    CHECK(insights_from_ndjson(c.ndjson).issues.empty());
  }
}

TEST_CASE("dead clicks: no link or button, and the recorded page does not change", "[insights]") {
  SECTION("a click on text followed by a quiet second is dead") {
    Chunk c;
    c.page(t0, "/p").mouse(t0 + 1).click(t0 + 100, 50, 50, 1280, "div.hero>p").mouse(t0 + 1500);
    Insights in = insights_from_ndjson(c.ndjson);
    REQUIRE(in.issues.size() == 1);
    CHECK(in.issues[0].kind == ClickIssueKind::dead);
    CHECK(in.issues[0].selector == "div.hero>p");
    CHECK(in.issues[0].path == "/p");
  }
  SECTION("a DOM mutation within the second makes it live") {
    Chunk c;
    c.page(t0, "/p").click(t0 + 100, 50, 50, 1280, "div.tab").mutation(t0 + 300).mouse(t0 + 1500);
    CHECK(insights_from_ndjson(c.ndjson).issues.empty());
  }
  SECTION("links, buttons and fields are never dead") {
    Chunk c;
    c.page(t0, "/p").click(t0 + 100, 50, 50, 1280, "nav>a.home").click(t0 + 200, 90, 90, 1280, "form#f>button")
        .mouse(t0 + 1500);
    CHECK(insights_from_ndjson(c.ndjson).issues.empty());
  }
  SECTION("without a DOM recording, or before the second has passed, nothing is judged") {
    Chunk plain;
    plain.page(t0, "/p").click(t0 + 100, 50, 50, 1280, "div").scroll(t0 + 5000, 50);
    CHECK(insights_from_ndjson(plain.ndjson).issues.empty());
    Chunk cut;
    cut.page(t0, "/p").mouse(t0 + 1).click(t0 + 100, 50, 50, 1280, "div").mouse(t0 + 500);
    CHECK(insights_from_ndjson(cut.ndjson).issues.empty());
  }
  SECTION("selectors name their last element") {
    CHECK(selector_is_interactive("a"));
    CHECK(selector_is_interactive("div.x>button#go"));
    CHECK(selector_is_interactive("label.opt"));
    CHECK_FALSE(selector_is_interactive("a.card>div"));
    CHECK_FALSE(selector_is_interactive("abbr"));
    CHECK_FALSE(selector_is_interactive(""));
  }
}

TEST_CASE("error messages are normalised before grouping", "[insights]") {
  CHECK(normalise_error_message("Uncaught TypeError: Cannot read properties of undefined (reading 'x')") ==
        "TypeError: Cannot read properties of undefined (reading 'x')");
  CHECK(normalise_error_message("Item 42 not found at index 3.75") == "Item <n> not found at index <n>");
  CHECK(normalise_error_message("order 550e8400-e29b-41d4-a716-446655440000 failed") == "order <uuid> failed");
  CHECK(normalise_error_message("bad pointer 0xDEADbeef1 in h1") == "bad pointer <hex> in h1");
  CHECK(normalise_error_message("object 5f2b9c0ad1e3 gone") == "object <hex> gone");
  CHECK(normalise_error_message("user_123 token abcDEF1234567890xyz") == "user_<n> token <id>");
  CHECK(normalise_error_message("utf8 h264 ok") == "utf8 h264 ok");
  CHECK(normalise_error_message(std::string(300, 'e')).size() == kMaxErrorMessageBytes);
  CHECK(normalise_error_source("https://cdn.example:8443/js/app.3f9a2b1c.js?v=2#x") == "https://cdn.example:8443/js/app.<hex>.js");
  CHECK(normalise_error_source("app.js") == "app.js");
}

TEST_CASE("errors group by normalised message and source", "[insights]") {
  Chunk c;
  c.page(t0, "/checkout")
      .error(t0 + 1, "Uncaught Error: cart 17 missing")
      .error(t0 + 2, "Error: cart 981 missing")
      .error(t0 + 3, "Error: cart 5 missing", "https://shop.example/other.js")
      .error(t0 + 4, "TypeError: x is null");
  Insights in = insights_from_ndjson(c.ndjson);
  REQUIRE(in.errors.size() == 3);
  CHECK(in.errors[0].message == "Error: cart <n> missing");
  CHECK(in.errors[0].sample == "Uncaught Error: cart 17 missing");
  CHECK(in.errors[0].count == 2);
  CHECK(in.errors[0].first_ts == t0 + 1);
  CHECK(in.errors[0].last_ts == t0 + 2);
  CHECK(in.errors[0].path == "/checkout");
  CHECK(in.errors[1].fingerprint != in.errors[0].fingerprint);
  CHECK(in.errors[0].fingerprint == error_fingerprint("Error: cart <n> missing", "https://shop.example/app.js"));
  CHECK(in.errors[0].fingerprint.size() == 16);
}

TEST_CASE("a full snapshot names its page and viewport", "[insights]") {
  Chunk c;
  c.page(t0, "/p")
      .rrweb(t0 + 1, R"({"type":4,"data":{"href":"https://shop.example/pricing?plan=a","width":390,"height":844}})")
      .rrweb(t0 + 2, R"({"type":2,"data":{"node":{"type":0,"childNodes":[]},"initialOffset":{"left":0,"top":0}}})");
  Insights in = insights_from_ndjson(c.ndjson);
  REQUIRE(in.snapshot.present);
  CHECK(in.snapshot.path == "/pricing");
  CHECK(in.snapshot.width == WidthBucket::phone);
  CHECK(in.snapshot.viewport_width == 390);
  CHECK(in.snapshot.viewport_height == 844);
  CHECK(in.snapshot.ts == t0 + 2);
  CHECK(in.snapshot.seq == 3);
  CHECK(in.snapshot.i == 2);
}

TEST_CASE("insights JSON carries every part", "[insights]") {
  Chunk c;
  c.page(t0, "/a\"b").click(t0 + 1, 10, 10, 1280).scroll(t0 + 2, 50).error(t0 + 3, "boom");
  Insights in = insights_from_ndjson(c.ndjson);
  std::string text;
  append_insights_json(in, &text);
  auto j = nlohmann::json::parse(text);
  CHECK(j["cells"][0]["path"] == "/a\"b");
  CHECK(j["cells"][0]["day"] == "2026-11-22");
  CHECK(j["cells"][0]["width"] == "desktop");
  CHECK(j["scroll"][0]["to"] == 5);
  CHECK(j["errors"][0]["message"] == "boom");
  CHECK(j["page_view"] == true);
  CHECK(j["scroll_tail"] == 5);
  CHECK_FALSE(j.contains("snapshot"));
}

TEST_CASE("insights skip lines that are not events", "[insights]") {
  Chunk c;
  c.page(t0, "/a").click(t0 + 1, 10, 10, 1280);
  std::string ndjson = "not json\n{\"truncated\":\n" + c.ndjson + "{\"ts\":1,";
  Insights in = insights_from_ndjson(ndjson);
  CHECK(in.cells.size() == 1);
}

TEST_CASE("text fields never carry NUL, which Postgres text refuses", "[insights][regression]") {
  Chunk c;
  c.page(t0, "/a").add(t0 + 1, "click", {{"x", "1"}, {"y", "1"}, {"w", "800"}, {"selector", R"("div\u0000x")"}})
      .add(t0 + 2, "error", {{"message", R"("bad\u0000 thing")"}, {"source", R"("a\u0000.js")"}});
  Insights in = insights_from_ndjson(c.ndjson);
  std::string text;
  append_insights_json(in, &text);
  CHECK(text.find("\\u0000") == std::string::npos);
  // Such a line is corrupt to the scanner (ingest drops the event); were it
  // read, its NUL would be dropped from the text.
  for (const ErrorGroup& g : in.errors) CHECK(g.message.find('\0') == std::string::npos);
  for (const HeatCell& cell : in.cells) CHECK(cell.path.find('\0') == std::string::npos);
}

TEST_CASE("a line with invalid UTF-8 is skipped whole, so no such text reaches Postgres", "[insights][regression]") {
  Chunk c;
  c.page(t0, "/ok");
  std::string bad = stored_line(t0 + 1, 3, 1, "click", {{"x", "1"}, {"y", "1"}, {"w", "800"}, {"selector", "\"div\xC3\""}});
  std::string ndjson = c.ndjson + bad + "\n";
  Insights in = insights_from_ndjson(ndjson);
  CHECK(in.cells.empty());
  CHECK(in.page_view);
}
