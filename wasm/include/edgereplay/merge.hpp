// Replay merge: the NDJSON chunks of one session (in any order, overlapping,
// retried) become one stream sorted by (ts, seq, i) with exact repeats dropped.
// Compaction writes the same stream back as one object.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "edgereplay/event.hpp"

namespace edgereplay {

struct MergeStats {
  uint64_t lines = 0;       // lines written
  uint64_t duplicates = 0;  // exact repeats dropped
  uint64_t skipped = 0;     // complete lines that were not events
  uint64_t truncated = 0;   // chunks whose unterminated last line was incomplete
};

class Merger {
 public:
  // Appends the merged stream to `out` (each line ends in '\n').
  void merge(const std::string_view* chunks, size_t count, std::string* out, MergeStats* stats);

 private:
  struct Entry {
    EventKey key;
    const char* line;
    uint32_t length;
    bool followed_by_lf;  // line[length] is the '\n' that ended it
  };
  struct Run {
    uint32_t begin, end;
  };
  void collect(std::string_view chunk, MergeStats* stats);

  std::vector<Entry> entries_;
  std::vector<Run> runs_;
  std::vector<Run> heap_;
};

std::string merge_replay(const std::vector<std::string_view>& chunks, MergeStats* stats = nullptr);

}  // namespace edgereplay
