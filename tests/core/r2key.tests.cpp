#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "edgereplay/r2key.hpp"
#include "edgereplay/time.hpp"
#include "factories.hpp"

using namespace edgereplay;
using namespace edgereplay::test;

namespace {

const std::string kPrefix = "sessions/2026/11/22/" + std::string(kSessionId) + "/";

std::string key(std::string_view session_id, std::string_view started_at, int64_t seq) {
  Result<std::string> r = derive_r2_key(session_id, started_at, seq);
  REQUIRE(r.ok());
  return r.value();
}

std::string key(std::string_view session_id, int64_t started_at_ms, int64_t seq) {
  Result<std::string> r = derive_r2_key(session_id, started_at_ms, seq);
  REQUIRE(r.ok());
  return r.value();
}

template <typename T>
Error error_of(const Result<T>& r) {
  return r.error();
}

}  // namespace

TEST_CASE("a chunk key has the documented form", "[r2key]") {
  CHECK(key(kSessionId, kStartMs, 7) == kPrefix + "events/0000000007.ndjson");
  CHECK(key(kSessionId, kStartMs, 0) == kPrefix + "events/0000000000.ndjson");
  CHECK(key(kSessionId, kStartMs, 1234567) == kPrefix + "events/0001234567.ndjson");
  CHECK(key(kSessionId, kStartMs, kMaxSeq) == kPrefix + "events/2147483647.ndjson");
  SECTION("months and days are zero padded") {
    CHECK(key("abcdefgh", "2026-01-05T00:00:00Z", 1) == "sessions/2026/01/05/abcdefgh/events/0000000001.ndjson");
  }
}

TEST_CASE("a key is dated by the UTC day of the session start", "[r2key]") {
  SECTION("an offset that puts the local date a day later") {
    CHECK(key(kSessionId, "2026-11-23T01:30:00+02:00", 3) == kPrefix + "events/0000000003.ndjson");
  }
  SECTION("an offset that puts the local date a day earlier") {
    CHECK(key(kSessionId, "2026-11-21T20:00:00-05:00", 3) == kPrefix + "events/0000000003.ndjson");
  }
  SECTION("the last second of the day") {
    CHECK(key(kSessionId, "2026-11-22T23:59:59.999Z", 3) == kPrefix + "events/0000000003.ndjson");
  }
  SECTION("epoch milliseconds as a string") {
    CHECK(key(kSessionId, std::to_string(kStartMs), 3) == kPrefix + "events/0000000003.ndjson");
  }
  SECTION("a start one millisecond later is the next day") {
    CHECK(key(kSessionId, kNov22 + kDay, 3) ==
          "sessions/2026/11/23/" + std::string(kSessionId) + "/events/0000000003.ndjson");
  }
}

TEST_CASE("session ids that could leave the prefix are refused", "[r2key][security]") {
  const std::vector<std::string> bad = {
      "../../../etc/passwd", "abc/defgh", "abcd/../efgh", "..", ".", "abcdefg.", "........",
      "abc defgh", "abcdefgh\n", std::string("abcd\0efgh", 9), "abcd\\efgh", "%2e%2e%2fabcd",
      "s\xC3\xA9ssion-id", "abcdefg", std::string(65, 'a'), "", "abcdefgh?x=1", "abcdefgh#x",
      "abcd:efgh", "ABCDEFGH*"};
  for (const std::string& id : bad) {
    CAPTURE(id);
    CHECK_FALSE(valid_session_id(id));
    CHECK(error_of(derive_r2_key(id, kStartMs, 1)) == Error::bad_session_id);
    CHECK(error_of(derive_r2_key(id, kStartedAt, 1)) == Error::bad_session_id);
    CHECK(error_of(session_prefix(id, kStartMs)) == Error::bad_session_id);
    CHECK(error_of(compacted_key(id, kStartMs)) == Error::bad_session_id);
  }
  SECTION("8 and 64 characters of [A-Za-z0-9_-] are fine") {
    for (const std::string& id : {std::string("abcdefgh"), std::string(64, 'Z'),
                                  std::string("AZaz09_-"), std::string("--------")}) {
      CAPTURE(id);
      CHECK(valid_session_id(id));
      CHECK(key(id, kStartMs, 1) == "sessions/2026/11/22/" + id + "/events/0000000001.ndjson");
    }
  }
}

TEST_CASE("sequence numbers outside 0..2147483647 are refused", "[r2key]") {
  for (int64_t seq : {int64_t{-1}, kMaxSeq + 1, INT64_MIN, INT64_MAX, INT64_C(10000000000)}) {
    CAPTURE(seq);
    CHECK(error_of(derive_r2_key(kSessionId, kStartMs, seq)) == Error::bad_seq);
    CHECK(error_of(derive_r2_key(kSessionId, kStartedAt, seq)) == Error::bad_seq);
  }
}

TEST_CASE("a start time that is no instant is refused", "[r2key]") {
  CHECK(error_of(derive_r2_key(kSessionId, "2026-02-30T00:00:00Z", 1)) == Error::bad_session_started_at);
  CHECK(error_of(derive_r2_key(kSessionId, "2026-11-22T10:00:00", 1)) == Error::bad_session_started_at);
  CHECK(error_of(derive_r2_key(kSessionId, int64_t{-1}, 1)) == Error::bad_session_started_at);
  CHECK(error_of(session_prefix(kSessionId, kMaxEpochMs + 1)) == Error::bad_session_started_at);
  CHECK(error_of(compacted_key(kSessionId, -1)) == Error::bad_session_started_at);
}

TEST_CASE("a retried batch keeps its key", "[r2key]") {
  CHECK(key(kSessionId, kStartedAt, 5) == key(kSessionId, kStartedAt, 5));
  SECTION("whichever way the same start instant is written") {
    const std::string expected = key(kSessionId, kStartMs, 5);
    CHECK(key(kSessionId, "2026-11-22T10:00:00Z", 5) == expected);
    CHECK(key(kSessionId, "2026-11-22T12:00:00.000+02:00", 5) == expected);
    CHECK(key(kSessionId, "1795341600000", 5) == expected);
  }
  SECTION("a different seq is a different chunk of the same session") {
    CHECK(key(kSessionId, kStartMs, 5) != key(kSessionId, kStartMs, 6));
  }
}

TEST_CASE("session_prefix and compacted_key share the session's prefix", "[r2key]") {
  Result<std::string> prefix = session_prefix(kSessionId, kStartMs);
  REQUIRE(prefix.ok());
  CHECK(prefix.value() == kPrefix);
  Result<std::string> compacted = compacted_key(kSessionId, kStartMs);
  REQUIRE(compacted.ok());
  CHECK(compacted.value() == kPrefix + "compacted.ndjson");
}

TEST_CASE("compaction segments are numbered objects under the session's prefix", "[r2key]") {
  Result<std::string> first = segment_key(kSessionId, kStartMs, 0);
  REQUIRE(first.ok());
  CHECK(first.value() == kPrefix + "segments/0000000000.ndjson");
  CHECK(segment_key(kSessionId, kStartMs, 12).value() == kPrefix + "segments/0000000012.ndjson");
  SECTION("they sort by number, so a listing returns them in order") {
    CHECK(segment_key(kSessionId, kStartMs, 9).value() < segment_key(kSessionId, kStartMs, 10).value());
  }
  SECTION("a negative or too large number, a bad id or start is refused") {
    CHECK(error_of(segment_key(kSessionId, kStartMs, -1)) == Error::bad_argument);
    CHECK(error_of(segment_key(kSessionId, kStartMs, kMaxSegment + 1)) == Error::bad_argument);
    CHECK(error_of(segment_key("../x", kStartMs, 0)) == Error::bad_session_id);
    CHECK(error_of(segment_key(kSessionId, -1, 0)) == Error::bad_session_started_at);
  }
  SECTION("a segment reads back with its number") {
    Result<ParsedKey> k = parse_key(segment_key(kSessionId, kStartMs, 7).value());
    REQUIRE(k.ok());
    CHECK(k.value().kind == KeyKind::segment);
    CHECK(k.value().seq == 7);
    CHECK(k.value().session_id == kSessionId);
    CHECK(k.value().day == "2026-11-22");
    CHECK_FALSE(parse_key(kPrefix + "segments/7.ndjson").ok());
    CHECK_FALSE(parse_key(kPrefix + "segments/0000000007.ndjson.tmp").ok());
  }
}

TEST_CASE("every key of a session that crosses midnight starts with its prefix", "[r2key]") {
  // Started 23:59:50 UTC: chunks sent after midnight still belong to the 22nd.
  const int64_t start = kNov22 + kDay - 10 * kSecond;
  Result<std::string> prefix = session_prefix(kSessionId, start);
  REQUIRE(prefix.ok());
  for (int64_t seq : {int64_t{0}, int64_t{1}, int64_t{99}, kMaxSeq}) {
    std::string k = key(kSessionId, start, seq);
    CHECK(k.rfind(prefix.value(), 0) == 0);
    CHECK(k.substr(prefix.value().size()).find('/') == std::string("events").size());
  }
  CHECK(compacted_key(kSessionId, start).value().rfind(prefix.value(), 0) == 0);
}

TEST_CASE("a day prefix holds every session that started that UTC day", "[r2key]") {
  Result<std::string> day = day_prefix(kStartMs);
  REQUIRE(day.ok());
  CHECK(day.value() == "sessions/2026/11/22/");
  CHECK(kPrefix.rfind(day.value(), 0) == 0);
  CHECK(error_of(day_prefix(-1)) == Error::bad_session_started_at);
}

TEST_CASE("markers live outside the session prefixes, one per session and seq", "[r2key]") {
  Result<std::string> pending = marker_key(MarkerKind::pending, kSessionId, 7);
  REQUIRE(pending.ok());
  CHECK(pending.value() == "pending/" + std::string(kSessionId) + "/0000000007");
  Result<std::string> quarantine = marker_key(MarkerKind::quarantine, kSessionId, kMaxSeq);
  REQUIRE(quarantine.ok());
  CHECK(quarantine.value() == "quarantine/" + std::string(kSessionId) + "/2147483647");
  CHECK(error_of(marker_key(MarkerKind::pending, "../x", 1)) == Error::bad_session_id);
  CHECK(error_of(marker_key(MarkerKind::pending, kSessionId, -2)) == Error::bad_seq);
  SECTION("seq -1 names the session's marker folder") {
    CHECK(marker_key(MarkerKind::pending, kSessionId, -1).value() == "pending/" + std::string(kSessionId) + "/");
    CHECK(pending.value().rfind(marker_key(MarkerKind::pending, kSessionId, -1).value(), 0) == 0);
  }
  SECTION("the top-level folders") {
    CHECK(root_prefix(0).value() == "sessions/");
    CHECK(root_prefix(1).value() == "pending/");
    CHECK(root_prefix(2).value() == "quarantine/");
    CHECK(error_of(root_prefix(3)) == Error::bad_argument);
  }
}

TEST_CASE("a key the layout produced reads back to what it names", "[r2key]") {
  SECTION("a chunk") {
    Result<ParsedKey> k = parse_key(key(kSessionId, kStartMs, 42));
    REQUIRE(k.ok());
    CHECK(k.value().kind == KeyKind::chunk);
    CHECK(k.value().session_id == kSessionId);
    CHECK(k.value().seq == 42);
    CHECK(k.value().day == "2026-11-22");
  }
  SECTION("the compacted object") {
    Result<std::string> compacted = compacted_key(kSessionId, kStartMs);
    REQUIRE(compacted.ok());
    Result<ParsedKey> k = parse_key(compacted.value());
    REQUIRE(k.ok());
    CHECK(k.value().kind == KeyKind::compacted);
    CHECK(k.value().seq == -1);
  }
  SECTION("markers") {
    Result<ParsedKey> k = parse_key(marker_key(MarkerKind::quarantine, kSessionId, 3).value());
    REQUIRE(k.ok());
    CHECK(k.value().kind == KeyKind::quarantine);
    CHECK(k.value().seq == 3);
    CHECK(k.value().day.empty());
  }
  SECTION("anything else is refused") {
    for (std::string bad : {"", "sessions/", "pending/x/1", "sessions/2026/13/01/abcdefgh/events/0000000001.ndjson",
                            "sessions/2026/02/30/abcdefgh/events/0000000001.ndjson",
                            "sessions/2026/11/22/abcdefgh/events/1.ndjson",
                            "sessions/2026/11/22/abcdefgh/events/0000000001.ndjsonx",
                            "sessions/2026/11/22/abc/compacted.ndjson", "other/2026/11/22/abcdefgh/compacted.ndjson"}) {
      CAPTURE(bad);
      CHECK(error_of(parse_key(bad)) == Error::bad_argument);
    }
  }
}
