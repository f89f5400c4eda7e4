// libFuzzer: any bytes split into chunks (at 0xFF bytes) and merged. The
// output is sorted by (ts, seq, i), free of exact repeats, and a fixed point:
// merging it again changes nothing.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "edgereplay/event.hpp"
#include "edgereplay/merge.hpp"

using namespace edgereplay;

static void check(bool ok) {
  if (!ok) std::abort();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> chunks;
  size_t start = 0;
  for (size_t k = 0; k <= input.size(); ++k) {
    if (k == input.size() || input[k] == '\xFF') {
      chunks.push_back(input.substr(start, k - start));
      start = k + 1;
    }
  }
  MergeStats stats;
  std::string merged = merge_replay(chunks, &stats);
  check(merged.empty() || merged.back() == '\n');
  std::string again = merge_replay({merged});
  check(again == merged);
  uint64_t lines = 0;
  for (char c : merged) lines += c == '\n';
  check(lines == stats.lines);
  return 0;
}
