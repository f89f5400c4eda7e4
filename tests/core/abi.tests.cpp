// The C ABI as the shim uses it: bytes copied into er_alloc'd memory, results
// read through er_result_ptr/er_result_len.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edgereplay/batch.hpp"
#include "edgereplay/delta.hpp"
#include "edgereplay/merge.hpp"
#include "edgereplay/r2key.hpp"
#include "factories.hpp"

extern "C" {
uint32_t er_abi_version();
uint8_t* er_alloc(uint32_t len);
void er_free(uint8_t* ptr);
const uint8_t* er_result_ptr(uint32_t part);
uint32_t er_result_len(uint32_t part);
int32_t er_set_limits(double max_skew_ms, double max_session_age_ms, uint32_t max_events,
                      uint32_t max_event_bytes, uint32_t max_batch_bytes);
int32_t er_ingest_batch(const uint8_t* body, uint32_t len, double now_ms, uint32_t min_events,
                        uint32_t allow_rrweb);
int32_t er_derive_r2_key(const uint8_t* sid, uint32_t sid_len, const uint8_t* started,
                         uint32_t started_len, double seq);
int32_t er_session_prefix(const uint8_t* sid, uint32_t sid_len, const uint8_t* started,
                          uint32_t started_len);
int32_t er_compacted_key(const uint8_t* sid, uint32_t sid_len, const uint8_t* started,
                         uint32_t started_len);
int32_t er_segment_key(const uint8_t* sid, uint32_t sid_len, const uint8_t* started,
                       uint32_t started_len, double segment);
int32_t er_aggregate_delta(const uint8_t* ndjson, uint32_t len);
int32_t er_merge_delta(const uint8_t* a, uint32_t a_len, const uint8_t* b, uint32_t b_len);
int32_t er_merge_replay(const uint8_t* bytes, uint32_t len, const uint32_t* lengths, uint32_t count);
}

using namespace edgereplay;
using namespace edgereplay::test;

namespace {

// Input bytes in module memory, freed the way the host frees them.
class Buffer {
 public:
  explicit Buffer(std::string_view bytes) : len_(static_cast<uint32_t>(bytes.size())), ptr_(er_alloc(len_)) {
    REQUIRE(ptr_ != nullptr);
    if (len_) std::memcpy(ptr_, bytes.data(), len_);
  }
  ~Buffer() { er_free(ptr_); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  const uint8_t* ptr() const { return ptr_; }
  uint32_t len() const { return len_; }

 private:
  uint32_t len_;
  uint8_t* ptr_;
};

std::string part(uint32_t k) {
  const uint8_t* p = er_result_ptr(k);
  uint32_t n = er_result_len(k);
  return p ? std::string(reinterpret_cast<const char*>(p), n) : std::string();
}

nlohmann::json meta() {
  std::string text = part(0);
  REQUIRE(nlohmann::json::accept(text));
  return nlohmann::json::parse(text);
}

int32_t status(Error e) { return static_cast<int32_t>(e); }

void check_error_meta(Error e) {
  nlohmann::json m = meta();
  CHECK(m.at("code") == std::string(error_code(e)));
  CHECK(m.at("message") == std::string(error_message(e)));
  CHECK(m.size() == 2);
  CHECK(er_result_len(1) == 0);
}

// The instance's limits are global state: put the defaults back afterwards.
struct DefaultLimitsAfterwards {
  ~DefaultLimitsAfterwards() {
    const Limits d;
    er_set_limits(static_cast<double>(d.max_skew_ms), static_cast<double>(d.max_session_age_ms), d.max_events,
                  d.max_event_bytes, d.max_batch_bytes);
  }
};

int32_t ingest(std::string_view body, double now = static_cast<double>(kNowMs), uint32_t min_events = 1,
               uint32_t allow_rrweb = 1) {
  Buffer b(body);
  return er_ingest_batch(b.ptr(), b.len(), now, min_events, allow_rrweb);
}

int32_t derive(std::string_view sid, std::string_view started, double seq) {
  Buffer s(sid), t(started);
  return er_derive_r2_key(s.ptr(), s.len(), t.ptr(), t.len(), seq);
}

std::string delta_json(const Delta& d) {
  std::string out;
  append_delta_json(d, &out);
  return out;
}

const int64_t t0 = kStartMs + kSecond;
const std::string kPrefix = "sessions/2026/11/22/" + std::string(kSessionId) + "/";

}  // namespace

TEST_CASE("the ABI reports its version", "[abi]") { CHECK(er_abi_version() == 1); }

TEST_CASE("er_alloc hands out writable memory that er_free takes back", "[abi]") {
  for (uint32_t len : {0u, 1u, 64u, 1u << 20}) {
    CAPTURE(len);
    uint8_t* p = er_alloc(len);
    REQUIRE(p != nullptr);
    std::memset(p, 0xAB, len);
    if (len) CHECK(p[len - 1] == 0xAB);
    er_free(p);
  }
  er_free(nullptr);
}

TEST_CASE("er_set_limits refuses impossible limits with bad_argument", "[abi][limits]") {
  DefaultLimitsAfterwards restore;
  const double nan = std::nan("");
  const double inf = std::numeric_limits<double>::infinity();
  struct Args {
    double skew, age;
    uint32_t events, event_bytes, batch_bytes;
  };
  for (const Args& a : std::vector<Args>{{nan, 1000, 10, 10, 10},
                                         {-1, 1000, 10, 10, 10},
                                         {1.5, 1000, 10, 10, 10},
                                         {inf, 1000, 10, 10, 10},
                                         {0, 0, 10, 10, 10},
                                         {0, -5, 10, 10, 10},
                                         {0, nan, 10, 10, 10},
                                         {0, 1e300, 10, 10, 10},
                                         {0, 1000, 0, 10, 10},
                                         {0, 1000, 10, 0, 10},
                                         {0, 1000, 10, 10, 0}}) {
    CAPTURE(a.skew, a.age, a.events, a.event_bytes, a.batch_bytes);
    CHECK(er_set_limits(a.skew, a.age, a.events, a.event_bytes, a.batch_bytes) == 12);
    check_error_meta(Error::bad_argument);
  }
  SECTION("valid limits apply to later batches") {
    REQUIRE(er_set_limits(0, static_cast<double>(kDay), 2, 64 * 1024, 1 << 20) == 0);
    CHECK(ingest(envelope({click(t0), click(t0 + 1), click(t0 + 2)}).body()) == status(Error::too_many_events));
    REQUIRE(ingest(envelope({click(kStartMs - 1), click(t0)}).body()) == 0);
    CHECK(meta().at("reasons") == nlohmann::json({{"ts_out_of_window", 1}}));  // no skew allowed now
  }
  SECTION("a refused call leaves the previous limits in place") {
    REQUIRE(er_set_limits(0, static_cast<double>(kDay), 2, 64 * 1024, 1 << 20) == 0);
    REQUIRE(er_set_limits(-1, 1, 1, 1, 1) == 12);
    CHECK(ingest(envelope({click(t0), click(t0 + 1)}).body()) == 0);
    CHECK(ingest(envelope({click(t0), click(t0 + 1), click(t0 + 2)}).body()) == status(Error::too_many_events));
  }
}

TEST_CASE("er_ingest_batch returns the metadata and the chunk of ingest_batch", "[abi][ingest]") {
  const std::string body = envelope({page_view(t0, "https://example.com/a?x"), click(t0 + 5), "42",
                                     scroll(t0 + 9, "61.5"), click(kStartMs - kHour)})
                               .set("seq", "6")
                               .add("ended_at", quote("2026-11-22T10:29:00Z"))
                               .body();
  Result<IngestResult> direct = ingest_batch(body, kNowMs);
  REQUIRE(direct.ok());
  const IngestResult& r = direct.value();

  REQUIRE(ingest(body) == 0);
  nlohmann::json m = meta();
  CHECK(m.at("r2_key") == kPrefix + "events/0000000006.ndjson");
  CHECK(m.at("r2_key") == r.r2_key);
  CHECK(m.at("session_id") == kSessionId);
  CHECK(m.at("session_started_at") == kStartedAt);
  CHECK(m.at("started_at_ms") == kStartMs);
  CHECK(m.at("seq") == 6);
  CHECK(m.at("ended_at_ms") == kStartMs + 29 * kMinute);
  CHECK(m.at("token") == "hmac-token");
  CHECK(m.at("site_id") == "site_1");
  CHECK(m.at("accepted") == 3);
  CHECK(m.at("rejected") == 2);
  CHECK(m.at("reasons") == nlohmann::json({{"not_object", 1}, {"ts_out_of_window", 1}}));
  Result<Delta> delta = delta_from_json(m.at("delta").dump());
  REQUIRE(delta.ok());
  CHECK(delta.value() == r.delta);
  CHECK(part(1) == r.ndjson);
  CHECK(er_result_ptr(2) == nullptr);
  CHECK(er_result_len(2) == 0);

  SECTION("ended_at_ms is left out when the batch has none") {
    REQUIRE(ingest(envelope().body()) == 0);
    CHECK_FALSE(meta().contains("ended_at_ms"));
    CHECK(meta().at("reasons") == nlohmann::json::object());
  }
  SECTION("min_events 0 accepts an empty final batch") {
    CHECK(ingest(envelope({}).body(), static_cast<double>(kNowMs), 1) == status(Error::bad_events));
    REQUIRE(ingest(envelope({}).body(), static_cast<double>(kNowMs), 0) == 0);
    CHECK(meta().at("accepted") == 0);
    CHECK(part(1).empty());
  }
}

TEST_CASE("er_ingest_batch returns the Error and its code and message", "[abi][ingest]") {
  SECTION("a bad session id") {
    CHECK(ingest(envelope().set("session_id", quote("../../x")).body()) == status(Error::bad_session_id));
    CHECK(status(Error::bad_session_id) == 3);
    check_error_meta(Error::bad_session_id);
  }
  SECTION("not JSON") {
    CHECK(ingest("{") == status(Error::bad_json));
    check_error_meta(Error::bad_json);
  }
  SECTION("an empty body, passed as a null pointer") {
    CHECK(er_ingest_batch(nullptr, 0, static_cast<double>(kNowMs), 1, 1) == status(Error::bad_json));
    check_error_meta(Error::bad_json);
  }
  SECTION("a now that is not an integral millisecond") {
    for (double now : {std::nan(""), 1.5, std::numeric_limits<double>::infinity(), 1e300}) {
      CAPTURE(now);
      CHECK(ingest(envelope().body(), now) == status(Error::bad_argument));
      check_error_meta(Error::bad_argument);
    }
  }
  SECTION("a failure replaces the previous result") {
    REQUIRE(ingest(envelope().body()) == 0);
    REQUIRE(er_result_len(1) > 0);
    CHECK(ingest(envelope().set("seq", "-1").body()) == status(Error::bad_seq));
    check_error_meta(Error::bad_seq);
  }
}

TEST_CASE("er_derive_r2_key, er_session_prefix and er_compacted_key return keys in part 1", "[abi][r2key]") {
  SECTION("a chunk key") {
    REQUIRE(derive(kSessionId, "2026-11-23T01:30:00+02:00", 42) == 0);
    CHECK(part(1) == kPrefix + "events/0000000042.ndjson");
    CHECK(meta() == nlohmann::json::object());
  }
  SECTION("the prefix and the compacted key") {
    Buffer s(kSessionId), t(kStartedAt);
    REQUIRE(er_session_prefix(s.ptr(), s.len(), t.ptr(), t.len()) == 0);
    CHECK(part(1) == kPrefix);
    REQUIRE(er_compacted_key(s.ptr(), s.len(), t.ptr(), t.len()) == 0);
    CHECK(part(1) == kPrefix + "compacted.ndjson");
  }
  SECTION("a compaction segment key") {
    Buffer s(kSessionId), t(kStartedAt);
    REQUIRE(er_segment_key(s.ptr(), s.len(), t.ptr(), t.len(), 3) == 0);
    CHECK(part(1) == kPrefix + "segments/0000000003.ndjson");
    for (double n : {-1.0, 0.5, std::nan("")}) {
      CAPTURE(n);
      CHECK(er_segment_key(s.ptr(), s.len(), t.ptr(), t.len(), n) == status(Error::bad_argument));
    }
  }
  SECTION("a seq that is not an integer from 0 to 2^31-1 is bad_seq") {
    for (double seq : {-1.0, 1.5, std::nan(""), 2147483648.0, 1e300}) {
      CAPTURE(seq);
      CHECK(derive(kSessionId, kStartedAt, seq) == status(Error::bad_seq));
      check_error_meta(Error::bad_seq);
    }
  }
  SECTION("a session id that could leave the prefix is bad_session_id") {
    Buffer s("../../../etc"), t(kStartedAt);
    CHECK(er_derive_r2_key(s.ptr(), s.len(), t.ptr(), t.len(), 1) == status(Error::bad_session_id));
    CHECK(er_session_prefix(s.ptr(), s.len(), t.ptr(), t.len()) == status(Error::bad_session_id));
    CHECK(er_compacted_key(s.ptr(), s.len(), t.ptr(), t.len()) == status(Error::bad_session_id));
    check_error_meta(Error::bad_session_id);
  }
  SECTION("a start that is no instant is bad_session_started_at") {
    Buffer s(kSessionId), t("2026-11-22T10:00:00");
    CHECK(derive(kSessionId, "2026-11-22T10:00:00", 1) == status(Error::bad_session_started_at));
    CHECK(er_session_prefix(s.ptr(), s.len(), t.ptr(), t.len()) == status(Error::bad_session_started_at));
    CHECK(er_compacted_key(s.ptr(), s.len(), t.ptr(), t.len()) == status(Error::bad_session_started_at));
    check_error_meta(Error::bad_session_started_at);
  }
}

TEST_CASE("er_aggregate_delta and er_merge_delta work on deltas as JSON", "[abi][delta]") {
  const std::string chunk_a = join_lines({stored_line(t0, 0, 0, "page_view", {{"url", quote("/a")}}),
                                          stored_line(t0 + 1, 0, 1, "click")});
  const std::string chunk_b = join_lines({stored_line(t0 + 2, 1, 0, "scroll", {{"scroll_percent", "70"}}),
                                          stored_line(t0 + 3, 1, 1, "page_view", {{"url", quote("/b")}})});
  SECTION("er_aggregate_delta recounts stored lines") {
    Buffer b(chunk_a + chunk_b);
    REQUIRE(er_aggregate_delta(b.ptr(), b.len()) == 0);
    CHECK(part(0) == delta_json(delta_from_ndjson(chunk_a + chunk_b)));
    nlohmann::json m = meta();
    CHECK(m.at("event_count") == 4);
    CHECK(m.at("entry_page") == "/a");
    CHECK(m.at("exit_page") == "/b");
    CHECK(er_result_len(1) == 0);
  }
  SECTION("er_merge_delta merges two deltas") {
    const Delta a = delta_from_ndjson(chunk_a), b = delta_from_ndjson(chunk_b);
    Buffer ja(delta_json(a)), jb(delta_json(b));
    REQUIRE(er_merge_delta(ja.ptr(), ja.len(), jb.ptr(), jb.len()) == 0);
    CHECK(part(0) == delta_json(merge(a, b)));
    CHECK(part(0) == delta_json(delta_from_ndjson(chunk_a + chunk_b)));
  }
  SECTION("a malformed delta on either side is bad_delta") {
    Buffer good(delta_json(delta_from_ndjson(chunk_a))), bad(R"({"event_count":-1})");
    CHECK(er_merge_delta(good.ptr(), good.len(), bad.ptr(), bad.len()) == status(Error::bad_delta));
    check_error_meta(Error::bad_delta);
    CHECK(er_merge_delta(bad.ptr(), bad.len(), good.ptr(), good.len()) == status(Error::bad_delta));
  }
}

TEST_CASE("er_merge_replay merges concatenated chunks described by their lengths", "[abi][merge]") {
  const std::vector<std::string> chunks = {
      join_lines({stored_line(300, 1, 0), stored_line(500, 1, 1)}),
      join_lines({stored_line(100, 0, 0), stored_line(300, 0, 1)}),
      join_lines({stored_line(300, 1, 0)}) + stored_line(900, 2, 0).substr(0, 9),
  };
  std::string bytes;
  std::vector<uint32_t> lengths;
  for (const std::string& c : chunks) {
    bytes += c;
    lengths.push_back(static_cast<uint32_t>(c.size()));
  }
  std::vector<std::string_view> views(chunks.begin(), chunks.end());
  MergeStats expected_stats;
  const std::string expected = merge_replay(views, &expected_stats);

  Buffer b(bytes);
  REQUIRE(er_merge_replay(b.ptr(), b.len(), lengths.data(), static_cast<uint32_t>(lengths.size())) == 0);
  CHECK(part(1) == expected);
  CHECK(meta() == nlohmann::json({{"lines", 4}, {"duplicates", 1}, {"skipped", 0}, {"truncated", 1}}));
  CHECK(expected_stats.lines == 4);

  SECTION("the chunk boundaries come from the lengths, not from newlines") {
    // A chunk cut mid-line, followed by another chunk.
    const std::string cut = join_lines({stored_line(100, 0, 0)}) + stored_line(900, 0, 1).substr(0, 9);
    const std::string next = join_lines({stored_line(200, 1, 0)});
    Buffer both(cut + next);
    std::vector<uint32_t> two = {static_cast<uint32_t>(cut.size()), static_cast<uint32_t>(next.size())};
    REQUIRE(er_merge_replay(both.ptr(), both.len(), two.data(), 2) == 0);
    CHECK(part(1) == join_lines({stored_line(100, 0, 0), stored_line(200, 1, 0)}));
    CHECK(meta() == nlohmann::json({{"lines", 2}, {"duplicates", 0}, {"skipped", 0}, {"truncated", 1}}));
    // Read as one chunk, the cut line runs into the next one and both are lost.
    std::vector<uint32_t> one = {both.len()};
    REQUIRE(er_merge_replay(both.ptr(), both.len(), one.data(), 1) == 0);
    CHECK(part(1) == join_lines({stored_line(100, 0, 0)}));
    CHECK(meta().at("skipped") == 1);
  }
  SECTION("no chunks at all") {
    REQUIRE(er_merge_replay(nullptr, 0, nullptr, 0) == 0);
    CHECK(part(1).empty());
    CHECK(meta().at("lines") == 0);
  }
  SECTION("a length beyond the buffer is bad_argument") {
    std::vector<uint32_t> too_long = lengths;
    too_long.back() += 1;
    CHECK(er_merge_replay(b.ptr(), b.len(), too_long.data(), static_cast<uint32_t>(too_long.size())) ==
          status(Error::bad_argument));
    check_error_meta(Error::bad_argument);
    std::vector<uint32_t> wrapping = {0xFFFFFFFFu, 2};
    CHECK(er_merge_replay(b.ptr(), b.len(), wrapping.data(), 2) == status(Error::bad_argument));
  }
  SECTION("part 2 does not exist") {
    CHECK(er_result_ptr(2) == nullptr);
    CHECK(er_result_len(2) == 0);
    CHECK(er_result_ptr(0xFFFFFFFFu) == nullptr);
  }
}
