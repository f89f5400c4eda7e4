#include "edgereplay/merge.hpp"

#include <algorithm>
#include <cstring>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

#include "edgereplay/json_scan.hpp"

namespace edgereplay {
namespace {

// The next '\n' in [p, end), or nullptr. wasi-libc's memchr reads 4 bytes a
// step on wasm32; with SIMD this reads 16, and finding line ends is a large
// part of a merge.
const char* find_newline(const char* p, const char* end) {
#if defined(__wasm_simd128__)
  const v128_t newline = wasm_i8x16_splat('\n');
  for (; end - p >= 16; p += 16) {
    uint32_t hits = wasm_i8x16_bitmask(wasm_i8x16_eq(wasm_v128_load(p), newline));
    if (hits) return p + __builtin_ctz(hits);
  }
#endif
  return static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
}

bool is_digit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// Reads `"name":<digits>` at p; advances p past it. The name's length is a
// constant, so the comparison compiles to a few loads instead of a memcmp call:
// this runs three times per line and dominated merge's instruction count.
template <size_t N>
bool read_number(const char*& p, const char* end, const char (&name)[N], int64_t* value) {
  constexpr size_t name_len = N - 1;
  if (static_cast<size_t>(end - p) < name_len || std::memcmp(p, name, name_len) != 0) return false;
  p += name_len;
  bool negative = p < end && *p == '-';
  if (negative) ++p;
  const char* digits = p;
  const char* limit = end - p > 18 ? p + 18 : end;  // 18 digits always fit an int64_t
  int64_t v = 0;
  while (p < limit && is_digit(*p)) v = v * 10 + (*p++ - '0');
  if (p == digits || (p < end && is_digit(*p))) return false;
  *value = negative ? -v : v;
  return true;
}

// Lines written by ingest start `{"ts":T,"seq":S,"i":I,` — read that without a
// general parse. Anything else goes through the full event-line parser.
bool read_key(std::string_view line, EventKey* key) {
  const char* p = line.data();
  const char* end = p + line.size();
  if (read_number(p, end, "{\"ts\":", &key->ts) && read_number(p, end, ",\"seq\":", &key->seq) &&
      read_number(p, end, ",\"i\":", &key->i) && p < end && (*p == ',' || *p == '}'))
    return true;
  EventFacts facts;
  if (!parse_event_line(line, &facts)) return false;
  *key = facts.key;
  return true;
}

bool complete_object(std::string_view line) {
  json::Scanner s(line.data(), line.data() + line.size());
  std::string_view raw;
  json::Kind kind;
  return s.scan_value(&raw, &kind) && kind == json::Kind::object && s.at_end();
}

}  // namespace

void Merger::collect(std::string_view chunk, MergeStats* stats) {
  Run run{static_cast<uint32_t>(entries_.size()), 0};
  const char* p = chunk.data();
  const char* end = p + chunk.size();
  while (p < end) {
    const char* nl = find_newline(p, end);
    bool terminated = nl != nullptr;
    const char* stop = terminated ? nl : end;
    std::string_view line(p, static_cast<size_t>(stop - p));
    // CRLF writers: drop every trailing CR, so merging the output again is a no-op.
    while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    p = terminated ? nl + 1 : end;
    if (line.empty()) continue;
    EventKey key;
    // A line without its newline may have been cut mid-write: keep it only
    // when it is a whole object.
    if (!terminated && !complete_object(line)) {
      ++stats->truncated;
      continue;
    }
    if (!read_key(line, &key)) {
      ++stats->skipped;
      continue;
    }
    // `followed_by_lf`: the input already holds this line's output bytes,
    // newline included, so neighbouring lines can be copied as one span.
    bool followed_by_lf = terminated && line.data() + line.size() == nl;
    entries_.push_back(Entry{key, line.data(), static_cast<uint32_t>(line.size()), followed_by_lf});
  }
  run.end = static_cast<uint32_t>(entries_.size());
  if (run.end > run.begin) runs_.push_back(run);
}

namespace {

bool entry_less(const EventKey& ka, std::string_view a, const EventKey& kb, std::string_view b) {
  if (ka < kb) return true;
  if (kb < ka) return false;
  return a < b;  // bytes break ties, so exact repeats end up side by side
}

}  // namespace

void Merger::merge(const std::string_view* chunks, size_t count, std::string* out,
                   MergeStats* stats) {
  MergeStats local;
  if (!stats) stats = &local;
  entries_.clear();
  runs_.clear();
  size_t total = 0;
  for (size_t c = 0; c < count; ++c) {
    collect(chunks[c], stats);
    total += chunks[c].size();
  }
  auto less = [](const Entry& a, const Entry& b) {
    return entry_less(a.key, std::string_view(a.line, a.length), b.key,
                      std::string_view(b.line, b.length));
  };
  // Each chunk becomes a sorted run (usually it already is).
  for (const Run& r : runs_) {
    auto first = entries_.begin() + r.begin, last = entries_.begin() + r.end;
    if (!std::is_sorted(first, last, less)) std::sort(first, last, less);
  }
  out->reserve(out->size() + total + 1);
  const Entry* previous = nullptr;
  // Output bytes not yet appended: lines that lie back to back in the input
  // (the usual case: a chunk in order) are copied with one append per span.
  const char* span_begin = nullptr;
  const char* span_end = nullptr;
  auto flush = [&] {
    if (span_begin != span_end) out->append(span_begin, static_cast<size_t>(span_end - span_begin));
    span_begin = span_end = nullptr;
  };
  auto write = [&](const Entry& e) {
    if (previous && previous->key == e.key && previous->length == e.length &&
        std::memcmp(previous->line, e.line, e.length) == 0) {
      ++stats->duplicates;
      return;
    }
    if (e.followed_by_lf) {
      if (e.line != span_end) {
        flush();
        span_begin = e.line;
      }
      span_end = e.line + e.length + 1;
    } else {
      flush();
      out->append(e.line, e.length);
      out->push_back('\n');
    }
    ++stats->lines;
    previous = &e;
  };

  // Fast path: runs that follow each other (chunks listed in seq order)
  // need no heap at all.
  bool ordered = true;
  for (size_t r = 1; r < runs_.size() && ordered; ++r)
    ordered = !less(entries_[runs_[r].begin], entries_[runs_[r - 1].end - 1]);
  if (ordered) {
    for (const Entry& e : entries_) write(e);
    flush();
    return;
  }

  // k-way merge: a min-heap of run cursors keyed by each run's next entry.
  heap_ = runs_;
  auto heap_greater = [&](const Run& a, const Run& b) {
    return less(entries_[b.begin], entries_[a.begin]);
  };
  std::make_heap(heap_.begin(), heap_.end(), heap_greater);
  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), heap_greater);
    Run& top = heap_.back();
    write(entries_[top.begin]);
    if (++top.begin == top.end) {
      heap_.pop_back();
    } else {
      std::push_heap(heap_.begin(), heap_.end(), heap_greater);
    }
  }
  flush();
}

std::string merge_replay(const std::vector<std::string_view>& chunks, MergeStats* stats) {
  Merger merger;
  std::string out;
  merger.merge(chunks.data(), chunks.size(), &out, stats);
  return out;
}

}  // namespace edgereplay
