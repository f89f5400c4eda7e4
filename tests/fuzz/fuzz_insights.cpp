// libFuzzer: any bytes as stored NDJSON. Page insights stay inside their
// bounds (cells on the grid, depths 0..10, at most the per-batch counts of
// issues and error groups), carry no NUL, and print as valid JSON.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "edgereplay/insights.hpp"

using namespace edgereplay;

static void check(bool ok) {
  if (!ok) std::abort();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Insights in = insights_from_ndjson(input);
  for (const HeatCell& c : in.cells) {
    check(c.x >= 0 && c.x < kHeatColumns && c.y >= 0 && c.y < kHeatRows && c.clicks > 0);
    check(c.path.find('\0') == std::string::npos);
  }
  for (size_t k = 1; k < in.cells.size(); ++k) {
    const HeatCell& a = in.cells[k - 1];
    const HeatCell& b = in.cells[k];
    check(a.day != b.day || a.path != b.path || a.width != b.width || a.y != b.y || a.x != b.x);
  }
  for (const ScrollReach& r : in.scroll) check(r.to >= 0 && r.to < kScrollBuckets && r.from < r.to && r.from >= ScrollReach::kFromSession);
  check(in.issues.size() <= kMaxIssuesPerBatch && in.errors.size() <= kMaxErrorGroupsPerBatch);
  for (const ErrorGroup& g : in.errors) check(g.fingerprint.size() == 16 && g.count > 0 && g.first_ts <= g.last_ts);
  std::string text;
  append_insights_json(in, &text);
  check(text.find(std::string_view("\\u0000")) == std::string::npos);
  auto j = nlohmann::json::parse(text, nullptr, false);
  check(!j.is_discarded() && j.is_object());
  return 0;
}
