// Runs one core operation on the benchmark's own bytes (bench/out/data, written
// by bench/core.bench.ts) so valgrind --tool=callgrind can count its
// instructions. Instruction counts barely move with machine load, which makes
// them the figure to watch for regressions; wall-clock figures come from the
// wasm benchmark.
//
//   driver ingest <body.json> <now_ms>
//   driver merge  <chunks.ndjson> <lengths.txt>
//
// Each operation runs once unmeasured (buffers grow to size, as in a warm
// Worker isolate) and once inside CALLGRIND_TOGGLE_COLLECT, so with
// --collect-atstart=no the totals are exactly one warm call.
#include <valgrind/callgrind.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "edgereplay/batch.hpp"
#include "edgereplay/merge.hpp"

namespace {

std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "driver: cannot read %s\n", path);
    std::exit(2);
  }
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int ingest(const char* body_path, const char* now_text) {
  const std::string body = read_file(body_path);
  const int64_t now = std::strtoll(now_text, nullptr, 10);
  edgereplay::Ingestor ingestor;
  edgereplay::IngestResult result;
  edgereplay::Limits limits;
  if (ingestor.ingest(body, now, limits, &result) != edgereplay::Error::ok) return 1;
  CALLGRIND_TOGGLE_COLLECT;
  edgereplay::Error e = ingestor.ingest(body, now, limits, &result);
  CALLGRIND_TOGGLE_COLLECT;
  std::printf("ingest: %u accepted, %u rejected, %zu NDJSON bytes\n", result.accepted, result.rejected,
              result.ndjson.size());
  return e == edgereplay::Error::ok ? 0 : 1;
}

int merge(const char* chunks_path, const char* lengths_path) {
  const std::string bytes = read_file(chunks_path);
  std::istringstream lengths(read_file(lengths_path));
  std::vector<std::string_view> chunks;
  size_t offset = 0;
  for (size_t n; lengths >> n; offset += n) {
    if (offset + n > bytes.size()) return 2;
    chunks.emplace_back(bytes.data() + offset, n);
  }
  edgereplay::Merger merger;
  edgereplay::MergeStats stats;
  std::string out;
  merger.merge(chunks.data(), chunks.size(), &out, &stats);
  out.clear();
  stats = {};
  CALLGRIND_TOGGLE_COLLECT;
  merger.merge(chunks.data(), chunks.size(), &out, &stats);
  CALLGRIND_TOGGLE_COLLECT;
  std::printf("merge: %zu chunks, %llu lines, %zu bytes\n", chunks.size(),
              static_cast<unsigned long long>(stats.lines), out.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc > 1 ? argv[1] : "";
  if (argc == 4 && mode == "ingest") return ingest(argv[2], argv[3]);
  if (argc == 4 && mode == "merge") return merge(argv[2], argv[3]);
  std::fprintf(stderr, "usage: driver ingest <body.json> <now_ms> | merge <chunks.ndjson> <lengths.txt>\n");
  return 2;
}
