// Property tests: seeded random inputs, so every run checks the same few
// hundred cases and a failure reproduces.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edgereplay/batch.hpp"
#include "edgereplay/delta.hpp"
#include "edgereplay/merge.hpp"
#include "edgereplay/r2key.hpp"
#include "edgereplay/time.hpp"
#include "factories.hpp"

using namespace edgereplay;
using namespace edgereplay::test;

namespace {

// Page URLs as raw JSON string literals, escapes included.
const std::vector<std::string> kUrlLiterals = {
    R"("https://example.com/")",          R"("https://example.com/pricing?plan=pro#faq")",
    R"("https://example.com/caf\u00e9")", R"("\/docs\/intro")",
    R"("/p\"q")",                         R"("//cdn.example.com/a/b")",
    R"("relative/page")",                 "\"/caf\xC3\xA9/men\xC3\xBC\"",
};

std::string random_event(std::mt19937& rng, int64_t ts) {
  switch (rng() % 7) {
    case 0: return object(event_members("page_view", ts, {{"url", kUrlLiterals[rng() % kUrlLiterals.size()]}}));
    case 1: return click(ts, static_cast<int>(rng() % 1920), static_cast<int>(rng() % 1080));
    case 2: {
      char percent[32];
      std::snprintf(percent, sizeof percent, "%.4f", random_between(rng, -20.0, 130.0));
      return scroll(ts, percent);
    }
    case 3: return visibility(ts, rng() % 2 ? "hidden" : "visible");
    case 4: return custom(ts, "evt", "{\n  \"n\": " + std::to_string(rng() % 100) + ",\n  \"tags\": [\"a\", \"b\"]\n}");
    case 5: return error_event(ts);
    default: return rrweb(ts);
  }
}

struct Session {
  std::vector<std::string> chunks;  // one stored NDJSON chunk per batch
  std::vector<Delta> deltas;        // the delta each batch produced at ingest
  std::vector<std::string> lines;   // every stored line
};

Session random_session(std::mt19937& rng) {
  Session s;
  Ingestor ingestor;
  IngestResult r;
  const int batches = 1 + static_cast<int>(rng() % 6);
  for (int seq = 0; seq < batches; ++seq) {
    std::vector<std::string> events(1 + rng() % 12);
    // Client clocks drift: times overlap across batches and repeat within one.
    for (std::string& e : events) e = random_event(rng, kStartMs + static_cast<int64_t>(rng() % (5 * kMinute)));
    Error e = ingestor.ingest(batch_body(kSessionId, kStartedAt, seq, events), kNowMs, Limits{}, &r);
    REQUIRE(e == Error::ok);
    REQUIRE(r.rejected == 0);
    s.chunks.push_back(r.ndjson);
    s.deltas.push_back(r.delta);
    for (std::string& line : split_lines(r.ndjson)) s.lines.push_back(std::move(line));
  }
  return s;
}

// The session in replay order, sorted here rather than by the merger.
std::string sorted_session(const std::vector<std::string>& lines) {
  std::vector<std::pair<EventKey, const std::string*>> keyed;
  for (const std::string& line : lines) keyed.emplace_back(key_of(line), &line);
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [key, line] : keyed) out += *line + '\n';
  return out;
}

std::string merged(const std::vector<std::string>& chunks, MergeStats* stats = nullptr) {
  std::vector<std::string_view> views(chunks.begin(), chunks.end());
  return merge_replay(views, stats);
}

}  // namespace

TEST_CASE("any split of a session into chunks merges back into the sorted session", "[properties][merge]") {
  std::mt19937 rng(1);
  for (int iteration = 0; iteration < 300; ++iteration) {
    Session session = random_session(rng);
    const std::string expected = sorted_session(session.lines);

    std::vector<std::string> lines = session.lines;
    if (rng() % 2) shuffle(&lines, rng);  // else keep arrival order
    std::vector<size_t> cuts = {0, lines.size()};
    for (size_t n = rng() % 6; n > 0; --n) cuts.push_back(rng() % (lines.size() + 1));
    std::sort(cuts.begin(), cuts.end());

    std::vector<std::string> chunks;
    uint64_t duplicated = 0;
    for (size_t c = 0; c + 1 < cuts.size(); ++c) {
      std::string chunk =
          join_lines(std::vector<std::string>(lines.begin() + static_cast<std::ptrdiff_t>(cuts[c]),
                                              lines.begin() + static_cast<std::ptrdiff_t>(cuts[c + 1])));
      if (!chunk.empty() && rng() % 4 == 0) chunk.pop_back();  // a whole last line without its newline
      chunks.push_back(chunk);
      if (rng() % 3 == 0) {  // a retry stored the same chunk again
        chunks.push_back(chunk);
        duplicated += cuts[c + 1] - cuts[c];
      }
    }
    shuffle(&chunks, rng);

    MergeStats stats;
    std::string out = merged(chunks, &stats);
    CAPTURE(iteration, chunks.size());
    CHECK(out == expected);
    CHECK(stats.duplicates == duplicated);
    CHECK(stats.lines == lines.size());
    CHECK(stats.truncated + stats.skipped == 0);
  }
}

namespace {

const std::string_view kPaths[] = {R"(https://x.com/a?q=1)", R"(/a)", R"(/b#top)", R"(\/c)", R"(//cdn.x.com/a)", ""};

std::vector<EventFacts> random_facts(std::mt19937& rng) {
  std::vector<EventFacts> facts(rng() % 40);
  for (size_t k = 0; k < facts.size(); ++k) {
    EventFacts& f = facts[k];
    f.type = kEventTypes[rng() % std::size(kEventTypes)];
    // A narrow range of times spread over two UTC days, so ties and day
    // boundaries both happen.
    f.key = EventKey{kNov22 + kDay - 50 + static_cast<int64_t>(rng() % 100), static_cast<int64_t>(rng() % 4),
                     static_cast<int64_t>(k)};
    f.url = kPaths[rng() % std::size(kPaths)];
    f.url_escaped = f.url.find('\\') != std::string_view::npos;
    f.scroll_percent = rng() % 10 == 0 ? std::nan("") : random_between(rng, -50.0, 150.0);
  }
  return facts;
}

Delta delta_of(const std::vector<EventFacts>& facts) {
  Delta d;
  for (const EventFacts& f : facts) add_event(&d, f);
  return d;
}

}  // namespace

TEST_CASE("the delta of a union is the merge of the deltas, in any grouping and order",
          "[properties][delta]") {
  std::mt19937 rng(2);
  for (int iteration = 0; iteration < 400; ++iteration) {
    std::vector<EventFacts> all = random_facts(rng);
    std::vector<EventFacts> parts[3];
    for (const EventFacts& f : all) parts[rng() % 3].push_back(f);
    const Delta whole = delta_of(all);
    const Delta a = delta_of(parts[0]), b = delta_of(parts[1]), c = delta_of(parts[2]);
    CAPTURE(iteration);
    CHECK(merge(merge(a, b), c) == whole);
    CHECK(merge(a, merge(b, c)) == whole);
    CHECK(merge(a, b) == merge(b, a));
    CHECK(merge(c, merge(b, a)) == whole);
    // Arrival order inside one delta does not matter either.
    shuffle(&all, rng);
    CHECK(delta_of(all) == whole);
    // And what Postgres receives reads back as the same delta.
    std::string text;
    append_delta_json(merge(a, merge(b, c)), &text);
    Result<Delta> back = delta_from_json(text);
    REQUIRE(back.ok());
    CHECK(back.value() == whole);
  }
}

TEST_CASE("a recount of the merged replay equals the deltas applied at ingest", "[properties][delta][merge]") {
  std::mt19937 rng(3);
  for (int iteration = 0; iteration < 300; ++iteration) {
    Session session = random_session(rng);
    // Postgres adds each batch's delta once, in whatever order they arrive.
    std::vector<Delta> deltas = session.deltas;
    shuffle(&deltas, rng);
    Delta applied;
    for (const Delta& d : deltas) applied = merge(applied, d);

    // R2 may hold retried chunks; the replay drops the repeats.
    std::vector<std::string> stored = session.chunks;
    for (const std::string& chunk : session.chunks)
      if (rng() % 3 == 0) stored.push_back(chunk);
    shuffle(&stored, rng);

    CAPTURE(iteration);
    CHECK(delta_from_ndjson(merged(stored)) == applied);
    std::string all;
    for (const std::string& chunk : session.chunks) all += chunk;
    CHECK(delta_from_ndjson(all) == applied);
  }
}

TEST_CASE("every derived key lies inside its session prefix", "[properties][r2key][security]") {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  static const std::regex kKeyForm(R"(sessions/\d{4}/\d{2}/\d{2}/[A-Za-z0-9_-]{8,64}/events/\d{10}\.ndjson)");
  std::mt19937 rng(4);
  std::mt19937_64 rng64(4);
  for (int iteration = 0; iteration < 400; ++iteration) {
    std::string id(8 + rng() % 57, ' ');
    for (char& c : id) c = kAlphabet[rng() % kAlphabet.size()];
    const int64_t start = random_between(rng64, 0, kMaxEpochMs);
    const int64_t seq = random_between(rng64, 0, kMaxSeq);

    using namespace std::chrono;
    year_month_day day{sys_days{std::chrono::days{start / kDay}}};
    char date[16];
    std::snprintf(date, sizeof date, "%04d/%02u/%02u", static_cast<int>(day.year()),
                  static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
    char seq_text[16];
    std::snprintf(seq_text, sizeof seq_text, "%010lld", static_cast<long long>(seq));
    const std::string prefix = "sessions/" + std::string(date) + "/" + id + "/";

    Result<std::string> p = session_prefix(id, start);
    Result<std::string> key = derive_r2_key(id, start, seq);
    Result<std::string> compacted = compacted_key(id, start);
    CAPTURE(id, start, seq);
    REQUIRE(p.ok());
    REQUIRE(key.ok());
    REQUIRE(compacted.ok());
    CHECK(p.value() == prefix);
    CHECK(key.value() == prefix + "events/" + seq_text + ".ndjson");
    CHECK(key.value().rfind(p.value(), 0) == 0);
    CHECK(compacted.value() == prefix + "compacted.ndjson");
    CHECK(std::regex_match(key.value(), kKeyForm));
    // The start as the client sends it back names the same key.
    CHECK(derive_r2_key(id, format_iso8601(start), seq).value() == key.value());

    // One character from outside the alphabet anywhere refuses the id.
    std::string bad = id;
    char intruder;
    do intruder = static_cast<char>(rng() % 256);
    while (kAlphabet.find(intruder) != std::string::npos);
    bad[rng() % bad.size()] = intruder;
    CHECK(derive_r2_key(bad, start, seq).error() == Error::bad_session_id);
  }
}

namespace {

// What an ingest result must look like whatever bytes went in.
bool well_formed(Error e, const IngestResult& r, std::string* why) {
  if (e != Error::ok) return true;
  if (!r.ndjson.empty() && r.ndjson.back() != '\n') return *why = "last line unterminated", false;
  std::vector<std::string> lines = split_lines(r.ndjson);
  if (lines.size() != r.accepted) return *why = "line count differs from accepted", false;
  uint32_t reasons = 0;
  for (uint32_t n : r.reasons) reasons += n;
  if (reasons != r.rejected) return *why = "reasons do not add up to rejected", false;
  for (const std::string& line : lines) {
    if (!nlohmann::json::accept(line)) return *why = "invalid JSON line: " + line, false;
    auto j = nlohmann::json::parse(line);
    if (!j.is_object() || j.at("session_id") != r.session_id) return *why = "wrong session: " + line, false;
    if (line.rfind("{\"ts\":", 0) != 0) return *why = "not canonical: " + line, false;
  }
  if (!valid_session_id(r.session_id)) return *why = "invalid session id accepted", false;
  Result<std::string> prefix = session_prefix(r.session_id, r.started_at_ms);
  if (!prefix.ok() || r.r2_key.rfind(prefix.value(), 0) != 0) return *why = "key outside prefix: " + r.r2_key, false;
  if (!(delta_from_ndjson(r.ndjson) == r.delta)) return *why = "delta differs from its recount", false;
  return true;
}

}  // namespace

TEST_CASE("random bytes never break ingest: an Error or well-formed NDJSON", "[properties][batch][fuzz]") {
  std::mt19937 rng(5);
  Ingestor ingestor;
  IngestResult result;
  int oks = 0, errors = 0, failures = 0;
  std::string why, first_failure;
  auto feed = [&](const std::string& body) {
    Error e = ingestor.ingest(body, kNowMs, Limits{}, &result);
    (e == Error::ok ? oks : errors) += 1;
    if (!well_formed(e, result, &why)) {
      if (!failures++) first_failure = why + "\nbody: " + body;
    }
  };

  SECTION("arbitrary bytes") {
    for (int n = 0; n < 500; ++n) {
      std::string body(rng() % 300, '\0');
      for (char& c : body) c = static_cast<char>(rng() % 256);
      if (n % 2) body = "{" + body;
      feed(body);
    }
    CHECK(errors > 0);
  }

  SECTION("valid batches with a few bytes changed") {
    const std::string alphabet = std::string("{}[],:\"\\ \n0123456789.-eEtrufalsn") + "\xC3\xA9\x80\xFF";
    for (int n = 0; n < 1500; ++n) {
      std::vector<std::string> events(1 + rng() % 5);
      for (std::string& e : events) e = random_event(rng, kStartMs + static_cast<int64_t>(rng() % kMinute));
      std::string body = batch_body(kSessionId, kStartedAt, static_cast<int64_t>(rng() % 10), events);
      for (int edits = 1 + static_cast<int>(rng() % 4); edits > 0; --edits) {
        size_t at = rng() % body.size();
        char c = rng() % 2 ? alphabet[rng() % alphabet.size()] : static_cast<char>(rng() % 256);
        switch (rng() % 3) {
          case 0: body[at] = c; break;
          case 1: body.insert(body.begin() + static_cast<std::ptrdiff_t>(at), c); break;
          default: body.erase(at, 1); break;
        }
      }
      feed(body);
    }
    // Both outcomes must occur for the property to say anything.
    CHECK(oks > 100);
    CHECK(errors > 100);
  }

  CAPTURE(first_failure);
  CHECK(failures == 0);
}
