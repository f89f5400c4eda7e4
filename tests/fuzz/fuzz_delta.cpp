// libFuzzer: any bytes as stored NDJSON. Deltas survive their JSON form, and
// merging the deltas of any split equals the delta of the whole.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "edgereplay/delta.hpp"

using namespace edgereplay;

static void check(bool ok) {
  if (!ok) std::abort();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Delta whole = delta_from_ndjson(input);
  std::string text;
  append_delta_json(whole, &text);
  Result<Delta> back = delta_from_json(text);
  check(back.ok() && back.value() == whole);
  // Split at a line boundary (a split inside a line changes which lines exist).
  size_t cut = input.size() ? input.find('\n', static_cast<size_t>(data[0]) * input.size() / 256) : std::string_view::npos;
  if (cut == std::string_view::npos) return 0;
  Delta a = delta_from_ndjson(input.substr(0, cut + 1));
  Delta b = delta_from_ndjson(input.substr(cut + 1));
  check(merge(a, b) == whole);
  check(merge(b, a) == whole);
  return 0;
}
