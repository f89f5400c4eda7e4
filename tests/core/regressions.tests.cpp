// Inputs the fuzzers found (tests/fuzz/regressions/ keeps the raw files; the
// fuzz run replays them). Each case here states the rule that broke.
#include <catch2/catch.hpp>

#include <string>

#include "edgereplay/delta.hpp"
#include "edgereplay/merge.hpp"

using namespace edgereplay;

TEST_CASE("a stored line with invalid UTF-8 is not counted, so deltas survive their JSON form", "[regression][delta]") {
  std::string line = "{\"ts\":5,\"seq\":1,\"i\":0,\"type\":\"page_view\",\"url\":\"/\xff\xff\"}\n";
  Delta d = delta_from_ndjson(line);
  CHECK(d.event_count == 0);
  std::string text;
  append_delta_json(d, &text);
  Result<Delta> back = delta_from_json(text);
  REQUIRE(back.ok());
  CHECK(back.value() == d);
}

TEST_CASE("merging a merged stream again changes nothing, whatever CRs the lines carried", "[regression][merge]") {
  std::string chunk = "{\"ts\":9,\"seq\":1,\"i\":1,\"type\":\"click\"}\r\r\r\n{\"ts\":5,\"seq\":1,\"i\":0,\"type\":\"click\"}\r\n";
  std::string once = merge_replay({chunk});
  CHECK(once == "{\"ts\":5,\"seq\":1,\"i\":0,\"type\":\"click\"}\n{\"ts\":9,\"seq\":1,\"i\":1,\"type\":\"click\"}\n");
  CHECK(merge_replay({once}) == once);
}

TEST_CASE("a page view before 1970 keeps its day through the delta's JSON form", "[regression][delta]") {
  Delta d = delta_from_ndjson("{\"ts\":-5,\"seq\":1,\"i\":0,\"type\":\"page_view\",\"url\":\"/a\"}\n");
  REQUIRE(d.pages.size() == 1);
  CHECK(d.pages[0].day == -1);
  std::string text;
  append_delta_json(d, &text);
  CHECK(text.find("\"day\":\"1969-12-31\"") != std::string::npos);
  Result<Delta> back = delta_from_json(text);
  REQUIRE(back.ok());
  CHECK(back.value() == d);
}

TEST_CASE("page views with the same key but different paths merge in either order", "[regression][delta]") {
  Delta a = delta_from_ndjson("{\"ts\":1,\"seq\":0,\"i\":0,\"type\":\"page_view\",\"url\":\"/b\"}\n");
  Delta b = delta_from_ndjson("{\"ts\":1,\"seq\":0,\"i\":0,\"type\":\"page_view\",\"url\":\"/a\"}\n");
  CHECK(merge(a, b) == merge(b, a));
  CHECK(merge(a, b).entry_page == "/a");
  CHECK(merge(a, b).exit_page == "/b");
}

TEST_CASE("the smallest int64 timestamp is counted without overflow", "[regression][delta]") {
  Delta d = delta_from_ndjson("{\"ts\":-9223372036854775808,\"seq\":0,\"i\":0,\"type\":\"page_view\",\"url\":\"/\"}\n");
  CHECK(d.page_views == 1);
  CHECK(d.pages.empty());  // no printable day
}
