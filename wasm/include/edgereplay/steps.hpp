// A visit's path and its custom-event properties, per batch, without a row per
// event. Read from the normalised NDJSON chunk (what R2 holds), so ingest and
// a recount from R2 (reconcile) report the same. Postgres merges the steps into
// the session's path and the properties into their daily rollup in the batch's
// one statement.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edgereplay {

// A step is text: 'p' + page path, or 'e' + custom event name followed by its
// properties (sorted by key) as "\x1d" key "\x1e" value. Control characters
// (below U+0020) in names, keys and values become spaces, so the separators
// \x1c-\x1f only ever mean structure and a matcher can rely on them.
constexpr char kPageStep = 'p';
constexpr char kEventStep = 'e';
constexpr char kPropSep = '\x1d';
constexpr char kValueSep = '\x1e';

// A session keeps its first kMaxSessionSteps steps (consecutive repeats
// collapsed): funnels use up to 8 steps and journeys 5, and 32 keeps a typical
// path well under Postgres's 2 KB TOAST threshold, so a scan over a month of
// sessions reads no out-of-line values. A batch reports at most as many.
constexpr size_t kMaxSessionSteps = 32;
// Names, keys and values are cut (on a UTF-8 boundary) to these lengths.
constexpr size_t kMaxStepNameBytes = 200;
constexpr size_t kMaxPropKeyBytes = 40;
constexpr size_t kMaxPropValueBytes = 100;
// Properties kept per custom event (the first ones, by key order), in the
// path and in the rollup.
constexpr size_t kMaxPropsPerEvent = 8;

struct Step {
  int64_t ts = 0;     // the first event of the run of repeats
  std::string text;   // kPageStep/kEventStep + name (+ properties)
};

// Custom events of one name on one UTC day (of the event's ts) carrying one
// property key and value.
struct PropCount {
  int64_t day = 0;
  std::string event, key, value;
  int64_t count = 0;
};

struct Steps {
  std::vector<Step> steps;  // time order (ts, then batch order); repeats collapsed
  size_t dropped = 0;       // steps past kMaxSessionSteps in this batch
  std::vector<PropCount> props;  // sorted by (day, event, key, value), one each
};

// The text a property value becomes: strings as they are, numbers and
// booleans as written in the JSON; null, objects and arrays are skipped.
// Exposed for tests.
std::string step_text_clean(std::string_view text, size_t max_bytes);

Steps steps_from_ndjson(std::string_view ndjson);
// {"steps":[{"ts":…,"step":"…"}],"dropped":n,"props":[{"day","event","key","value","count"}]}
void append_steps_json(const Steps& steps, std::string* out);

}  // namespace edgereplay
