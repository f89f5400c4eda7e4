#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edgereplay/merge.hpp"
#include "factories.hpp"

using namespace edgereplay;
using namespace edgereplay::test;

namespace {

std::string merged(const std::vector<std::string>& chunks, MergeStats* stats = nullptr) {
  std::vector<std::string_view> views(chunks.begin(), chunks.end());
  return merge_replay(views, stats);
}

// The expected stream, built without the merger: unique lines sorted by key.
std::string sorted_unique(std::vector<std::string> lines) {
  std::sort(lines.begin(), lines.end(), [](const std::string& a, const std::string& b) {
    EventKey ka = key_of(a), kb = key_of(b);
    return ka < kb || (ka == kb && a < b);
  });
  lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
  return join_lines(lines);
}

bool keys_ascending(const std::string& ndjson) {
  std::vector<EventKey> keys;
  for (const std::string& line : split_lines(ndjson)) keys.push_back(key_of(line));
  return std::is_sorted(keys.begin(), keys.end());
}

// Three chunks of one session whose times interleave, as batches sent by a
// tracker with a drifting clock do.
const std::vector<std::string> kChunk0 = {stored_line(100, 0, 0), stored_line(300, 0, 1), stored_line(500, 0, 2)};
const std::vector<std::string> kChunk1 = {stored_line(200, 1, 0), stored_line(300, 1, 1), stored_line(600, 1, 2)};
const std::vector<std::string> kChunk2 = {stored_line(50, 2, 0), stored_line(300, 2, 1), stored_line(700, 2, 2)};

std::vector<std::string> all_lines() {
  std::vector<std::string> lines = kChunk0;
  lines.insert(lines.end(), kChunk1.begin(), kChunk1.end());
  lines.insert(lines.end(), kChunk2.begin(), kChunk2.end());
  return lines;
}

}  // namespace

TEST_CASE("chunks in any order merge into the same sorted stream", "[merge]") {
  const std::string expected = sorted_unique(all_lines());
  std::vector<std::string> chunks = {join_lines(kChunk0), join_lines(kChunk1), join_lines(kChunk2)};
  std::sort(chunks.begin(), chunks.end());
  int orders = 0;
  do {
    MergeStats stats;
    std::string out = merged(chunks, &stats);
    CHECK(out == expected);
    CHECK(stats.lines == 9);
    CHECK(stats.duplicates == 0);
    ++orders;
  } while (std::next_permutation(chunks.begin(), chunks.end()));
  CHECK(orders == 6);
  CHECK(keys_ascending(expected));
}

TEST_CASE("equal times are ordered by seq, then by i", "[merge]") {
  std::string out = merged({join_lines({stored_line(300, 2, 1), stored_line(300, 2, 0)}),
                            join_lines({stored_line(300, 1, 5)})});
  CHECK(out == join_lines({stored_line(300, 1, 5), stored_line(300, 2, 0), stored_line(300, 2, 1)}));
}

TEST_CASE("a chunk whose lines are out of order is sorted too", "[merge]") {
  std::vector<std::string> shuffled = {kChunk1[2], kChunk0[0], kChunk2[1], kChunk0[1]};
  CHECK(merged({join_lines(shuffled)}) == sorted_unique(shuffled));
}

TEST_CASE("exact repeats are dropped and counted", "[merge][duplicates]") {
  SECTION("a retried chunk") {
    MergeStats stats;
    std::string out = merged({join_lines(kChunk0), join_lines(kChunk1), join_lines(kChunk0)}, &stats);
    std::vector<std::string> both = kChunk0;
    both.insert(both.end(), kChunk1.begin(), kChunk1.end());
    CHECK(out == sorted_unique(both));
    CHECK(stats.duplicates == kChunk0.size());
    CHECK(stats.lines == 6);
  }
  SECTION("a chunk retried right after itself") {
    MergeStats stats;
    std::string out = merged({join_lines(kChunk0), join_lines(kChunk0)}, &stats);
    CHECK(out == join_lines(kChunk0));
    CHECK(stats.duplicates == 3);
  }
  SECTION("a compacted object next to the chunks it was made from") {
    std::string compacted = merged({join_lines(kChunk0), join_lines(kChunk1), join_lines(kChunk2)});
    MergeStats stats;
    std::string out = merged({join_lines(kChunk2), compacted, join_lines(kChunk0), join_lines(kChunk1)}, &stats);
    CHECK(out == compacted);
    CHECK(stats.duplicates == 9);
    CHECK(stats.lines == 9);
  }
  SECTION("chunks that overlap by one line") {
    MergeStats stats;
    std::string out = merged({join_lines({kChunk0[0], kChunk0[1]}), join_lines({kChunk0[1], kChunk0[2]})}, &stats);
    CHECK(out == join_lines(kChunk0));
    CHECK(stats.duplicates == 1);
  }
  SECTION("lines that share a key but differ are both kept") {
    std::string a = stored_line(100, 0, 0, "click");
    std::string b = stored_line(100, 0, 0, "scroll", {{"scroll_percent", "5"}});
    MergeStats stats;
    std::string out = merged({join_lines({b}), join_lines({a})}, &stats);
    CHECK(out == join_lines({std::min(a, b), std::max(a, b)}));
    CHECK(stats.duplicates == 0);
  }
}

TEST_CASE("an unterminated last line is kept only when it is whole", "[merge][truncated]") {
  const std::string lines = join_lines({kChunk0[0], kChunk0[1]});
  SECTION("cut mid-write: dropped and counted") {
    const std::string last = kChunk0[2];
    for (size_t cut : {size_t{1}, size_t{10}, last.size() / 2, last.size() - 1}) {
      CAPTURE(cut);
      MergeStats stats;
      std::string out = merged({lines + last.substr(0, cut), join_lines(kChunk1)}, &stats);
      std::vector<std::string> expected = {kChunk0[0], kChunk0[1]};
      expected.insert(expected.end(), kChunk1.begin(), kChunk1.end());
      CHECK(out == sorted_unique(expected));
      CHECK(stats.truncated == 1);
      CHECK(stats.skipped == 0);
    }
  }
  SECTION("complete but without its newline: kept, and written with one") {
    MergeStats stats;
    std::string out = merged({lines + kChunk0[2]}, &stats);
    CHECK(out == join_lines(kChunk0));
    CHECK(stats.truncated == 0);
  }
  SECTION("a chunk that is only a cut line") {
    MergeStats stats;
    CHECK(merged({kChunk0[0].substr(0, 12)}, &stats).empty());
    CHECK(stats.truncated == 1);
  }
}

TEST_CASE("lines that are not events are skipped and counted", "[merge][skipped]") {
  const std::vector<std::string> garbage = {
      "not json", "{}", "[1,2]", "42", R"({"type":"click"})", R"({"ts":"5","seq":0,"i":0,"type":"click"})",
      R"({"ts":5,"seq":0,"type":"click"})", R"({"seq":0,"i":0,"ts":5})"};
  // Garbage interleaved with two event lines, each repeated several times.
  std::string chunk;
  for (size_t k = 0; k < garbage.size(); ++k) chunk += garbage[k] + "\n" + kChunk0[k < 3 ? 0 : 1] + "\n";
  MergeStats stats;
  std::string out = merged({chunk, join_lines(kChunk1)}, &stats);
  std::vector<std::string> expected = {kChunk0[0], kChunk0[1]};
  expected.insert(expected.end(), kChunk1.begin(), kChunk1.end());
  CHECK(out == sorted_unique(expected));
  CHECK(stats.skipped == garbage.size());
  CHECK(stats.duplicates == garbage.size() - 2);
  SECTION("blank lines and CRLF endings are neither events nor errors") {
    MergeStats crlf;
    std::string out2 = merged({"\n\r\n" + kChunk0[1] + "\r\n\n" + kChunk0[0] + "\r\n"}, &crlf);
    CHECK(out2 == join_lines({kChunk0[0], kChunk0[1]}));
    CHECK(crlf.skipped == 0);
    CHECK(crlf.lines == 2);
  }
}

TEST_CASE("nothing to merge gives nothing", "[merge]") {
  MergeStats stats;
  CHECK(merged({}, &stats).empty());
  CHECK(merged({""}, &stats).empty());
  CHECK(merged({"", "\n\n", "\r\n"}, &stats).empty());
  CHECK(stats.lines == 0);
  CHECK(stats.duplicates == 0);
  CHECK(stats.skipped == 0);
  CHECK(stats.truncated == 0);
}

TEST_CASE("lines in another key order still merge by their ts, seq and i", "[merge]") {
  const std::string reordered = object({{"type", quote("scroll")}, {"i", "4"}, {"scroll_percent", "20"},
                                        {"seq", "0"}, {"session_id", quote(kSessionId)}, {"ts", "250"}});
  const std::string spaced = R"({ "ts" : 450 , "seq" : 0 , "i" : 7 , "type" : "click" })";
  MergeStats stats;
  std::string out = merged({join_lines(kChunk0), join_lines({spaced, reordered})}, &stats);
  CHECK(out == join_lines({kChunk0[0], reordered, kChunk0[1], spaced, kChunk0[2]}));
  CHECK(stats.skipped == 0);
}

TEST_CASE("a Merger appends to its output and can be reused", "[merge]") {
  Merger merger;
  const std::vector<std::string> chunks = {join_lines(kChunk1), join_lines(kChunk0)};
  const std::vector<std::string_view> views(chunks.begin(), chunks.end());
  std::string out = "already here\n";
  MergeStats first;
  merger.merge(views.data(), views.size(), &out, &first);
  std::string expected = sorted_unique({kChunk0[0], kChunk0[1], kChunk0[2], kChunk1[0], kChunk1[1], kChunk1[2]});
  CHECK(out == "already here\n" + expected);
  std::string again;
  MergeStats second;
  merger.merge(views.data(), views.size(), &again, &second);
  CHECK(again == expected);
  CHECK(second.lines == first.lines);
  SECTION("stats are optional") {
    std::string third;
    merger.merge(views.data(), views.size(), &third, nullptr);
    CHECK(third == expected);
  }
}

TEST_CASE("every line end is found, wherever it falls in a 16-byte block", "[merge]") {
  // Lines of every length mod 16, so each newline sits at every offset of the
  // wide newline search, and the chunk ends inside a block as well as on one.
  std::vector<std::string> lines;
  for (int64_t i = 0; i < 40; ++i) {
    lines.push_back(stored_line(1000 + i, 0, i, "custom", {{"name", quote(std::string(static_cast<size_t>(i), 'x'))}}));
  }
  for (size_t cut = 0; cut <= 16; ++cut) {
    std::string chunk = join_lines(lines);
    chunk.append(cut, ' ');  // a blank, unterminated last line: dropped as truncated
    MergeStats stats;
    CHECK(merged({chunk}, &stats) == join_lines(lines));
    CHECK(stats.lines == lines.size());
  }
  SECTION("lines copied as spans keep their order across chunks") {
    std::vector<std::string> first(lines.begin(), lines.begin() + 20), second(lines.begin() + 20, lines.end());
    CHECK(merged({join_lines(first), join_lines(second)}) == join_lines(lines));
    CHECK(merged({join_lines(second), join_lines(first)}) == join_lines(lines));
  }
}
