// Page insights of one batch: click heatmap cells, scroll-depth reach, rage and
// dead clicks, error groups and the full DOM snapshot to draw them over. Read
// from the normalised NDJSON chunk (what R2 holds), so ingest and a recount
// from R2 (reconcile) produce the same rollup rows. Postgres adds them in the
// batch's one statement; nothing here is stored per event.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edgereplay {

// Viewport width classes; the heatmap of a page is drawn per class.
enum class WidthBucket : uint8_t { phone, tablet, desktop };
std::string_view width_bucket_name(WidthBucket bucket) noexcept;
// phone < 768 CSS px <= tablet < 1024 <= desktop.
WidthBucket width_bucket(int64_t viewport_width) noexcept;

// A click's cell: x as a share of the viewport width in kHeatColumns columns
// (so windows of different widths line up), y in rows of kHeatRowPx page
// pixels; deeper clicks land in the last row. Bounds the rollup to
// kHeatColumns * kHeatRows cells per page, day and width bucket.
constexpr int kHeatColumns = 24;
constexpr int kHeatRowPx = 50;
constexpr int kHeatRows = 200;
// Scroll depth in steps of 10%: bucket b means "reached b*10 %", 0..10.
constexpr int kScrollBuckets = 11;
// Rage: this many clicks on one spot (within kRageRadiusPx of the first)
// inside kRageWindowMs. Dead: a click on no link, button or field after which
// the recorded DOM does not change, nor the page, within kDeadWindowMs.
constexpr int kRageClicks = 3;
constexpr int64_t kRageWindowMs = 1000;
constexpr int64_t kRageRadiusPx = 30;
constexpr int64_t kDeadWindowMs = 1000;
// Per batch, at most this many distinct click issues and error groups (a
// batch is at most 200 events, so cells and reach ranges are bounded by it).
constexpr size_t kMaxIssuesPerBatch = 20;
constexpr size_t kMaxErrorGroupsPerBatch = 20;
constexpr size_t kMaxErrorMessageBytes = 200;
constexpr size_t kMaxSelectorBytes = 200;

// Page paths: "" stands for "the page open when the batch began" (events
// before the batch's first page_view); the shim resolves it to the session's
// current page in the same SQL statement.

struct HeatCell {
  int64_t day = 0;  // days since 1970-01-01, of the click's ts
  std::string path;
  WidthBucket width = WidthBucket::desktop;
  int x = 0, y = 0;  // column, row
  int64_t clicks = 0;
};

// One page view reached scroll buckets from+1 .. to. from == kFromSession:
// the view began before this batch; the session row knows how deep it was.
struct ScrollReach {
  static constexpr int kFromSession = -2;
  int64_t day = 0;
  std::string path;
  int from = -1, to = -1;
};

enum class ClickIssueKind : uint8_t { rage, dead };
struct ClickIssue {
  ClickIssueKind kind = ClickIssueKind::rage;
  int64_t day = 0;
  std::string path;
  std::string selector;
  WidthBucket width = WidthBucket::desktop;
  int64_t x = 0, y = 0, ts = 0;  // the latest occurrence: a replay moment
  int64_t count = 0;
};

struct ErrorGroup {
  std::string fingerprint;  // 16 hex digits of the normalised message and source
  std::string message;      // normalised
  std::string sample;       // the first raw message, cut
  std::string source;       // normalised
  std::string path;
  int64_t count = 0, first_ts = 0, last_ts = 0;
};

// The batch's last full DOM snapshot (rrweb type 2) and the page it shows.
struct PageSnapshot {
  bool present = false;
  std::string path;
  WidthBucket width = WidthBucket::desktop;
  int64_t viewport_width = 0, viewport_height = 0;
  int64_t ts = 0, seq = 0, i = 0;  // the snapshot line's sort key
};

struct Insights {
  std::vector<HeatCell> cells;  // sorted by (day, path, width, y, x), one each
  std::vector<ScrollReach> scroll;
  std::vector<ClickIssue> issues;
  std::vector<ErrorGroup> errors;
  PageSnapshot snapshot;
  // For the session row: whether the batch held a page_view, the scroll
  // bucket its last page view reached (-1: none yet), and the deepest bucket
  // of the page that was open when the batch began (-1: none).
  bool page_view = false;
  int scroll_tail = -1;
  int scroll_lead = -1;
};

// The rules, exposed for tests.
// Numbers, hex, uuids and long ids become <n>, <hex>, <uuid>, <id>; a
// leading "Uncaught " (Chromium's prefix) is dropped; cut at
// kMaxErrorMessageBytes on a UTF-8 boundary.
std::string normalise_error_message(std::string_view message);
// Query and fragment dropped; content hashes and numbers in the path replaced.
std::string normalise_error_source(std::string_view source);
std::string error_fingerprint(std::string_view normalised_message, std::string_view normalised_source);
// True when a tracker selector ("div.card>a#buy") ends on a link, button or field.
bool selector_is_interactive(std::string_view selector) noexcept;

Insights insights_from_ndjson(std::string_view ndjson);
void append_insights_json(const Insights& insights, std::string* out);

}  // namespace edgereplay
