#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edgereplay/batch.hpp"
#include "edgereplay/delta.hpp"
#include "edgereplay/json_scan.hpp"
#include "edgereplay/r2key.hpp"
#include "factories.hpp"

using namespace edgereplay;
using namespace edgereplay::test;

namespace {

const std::string kPrefix = "sessions/2026/11/22/" + std::string(kSessionId) + "/";

Error error_of(std::string_view body, const Limits& limits = Limits{}, int64_t now = kNowMs) {
  return ingest_batch(body, now, limits).error();
}

IngestResult accepted(std::string_view body, const Limits& limits = Limits{}, int64_t now = kNowMs) {
  Result<IngestResult> r = ingest_batch(body, now, limits);
  REQUIRE(r.error() == Error::ok);
  return std::move(r).value();
}

std::string canonical_prefix(int64_t ts, int64_t seq, int64_t i, std::string_view session_id = kSessionId) {
  return "{\"ts\":" + std::to_string(ts) + ",\"seq\":" + std::to_string(seq) + ",\"i\":" + std::to_string(i) +
         ",\"session_id\":\"" + std::string(session_id) + "\"";
}

// The line ingest must write for an event given as members: the canonical
// prefix, then every member but `ts`, bytes unchanged and in order.
std::string expected_line(const Members& event, int64_t ts, int64_t seq, int64_t i) {
  std::string line = canonical_prefix(ts, seq, i);
  for (const auto& [key, value] : event)
    if (key != "ts") line += ",\"" + key + "\":" + value;
  return line + "}";
}

std::string nested_value(int depth) {
  std::string open, close;
  for (int k = 0; k < depth; ++k) {
    open += "{\"n\":";
    close += "}";
  }
  return open + "0" + close;
}

uint32_t total(const std::array<uint32_t, kRejectCount>& reasons) {
  uint32_t n = 0;
  for (uint32_t r : reasons) n += r;
  return n;
}

void check_same(const IngestResult& a, const IngestResult& b) {
  CHECK(a.session_id == b.session_id);
  CHECK(a.session_started_at == b.session_started_at);
  CHECK(a.started_at_ms == b.started_at_ms);
  CHECK(a.seq == b.seq);
  CHECK(a.ended_at_ms == b.ended_at_ms);
  CHECK(a.token == b.token);
  CHECK(a.site_id == b.site_id);
  CHECK(a.r2_key == b.r2_key);
  CHECK(a.ndjson == b.ndjson);
  CHECK(a.delta == b.delta);
  CHECK(a.accepted == b.accepted);
  CHECK(a.rejected == b.rejected);
  CHECK(a.reasons == b.reasons);
}

const int64_t t0 = kStartMs + kSecond;

}  // namespace

TEST_CASE("a well-formed batch is accepted whole", "[batch]") {
  std::vector<std::string> events;
  for (EventType type : kEventTypes) events.push_back(event_of(type, t0 + static_cast<int64_t>(events.size())));
  IngestResult r = accepted(batch_body(kSessionId, kStartedAt, 4, events));
  CHECK(r.accepted == 7);
  CHECK(r.rejected == 0);
  CHECK(total(r.reasons) == 0);
  CHECK(r.session_id == kSessionId);
  CHECK(r.session_started_at == kStartedAt);
  CHECK(r.started_at_ms == kStartMs);
  CHECK(r.seq == 4);
  CHECK(r.ended_at_ms == -1);
  CHECK(r.token == "hmac-token");
  CHECK(r.site_id == "site_1");
  CHECK(r.r2_key == kPrefix + "events/0000000004.ndjson");
  CHECK(split_lines(r.ndjson).size() == 7);
  SECTION("session_started_at may be epoch milliseconds, string or number") {
    CHECK(accepted(envelope(events).set("session_started_at", quote(std::to_string(kStartMs))).body())
              .started_at_ms == kStartMs);
    CHECK(accepted(envelope(events).set("session_started_at", number(kStartMs)).body()).started_at_ms == kStartMs);
  }
  SECTION("session_started_at is kept verbatim, as the token signs it") {
    IngestResult local = accepted(envelope(events).set("session_started_at", quote("2026-11-22T12:00:00+02:00")).body());
    CHECK(local.session_started_at == "2026-11-22T12:00:00+02:00");
    CHECK(local.started_at_ms == kStartMs);
  }
  SECTION("unknown envelope members are ignored") {
    CHECK(accepted(envelope(events).add("tracker_version", quote("1.2.3")).add("extra", "{\"a\":[1]}").body())
              .accepted == 7);
  }
}

TEST_CASE("an envelope that is not one JSON object is bad_json", "[batch][errors]") {
  const std::string good = envelope().body();
  REQUIRE(error_of(good) == Error::ok);
  for (const std::string& body : std::vector<std::string>{
           "", "hello", "[]", "null", good.substr(0, good.size() - 1), good.substr(0, 20), good + " x",
           good + good, good + ",", "{\"session_id\" \"x\"}", "{\"session_id\":}"}) {
    CAPTURE(body);
    CHECK(error_of(body) == Error::bad_json);
  }
  SECTION("whitespace around the object is fine") { CHECK(error_of(" \n" + good + "\r\n ") == Error::ok); }
}

TEST_CASE("a repeated or escaped envelope key is bad_json", "[batch][errors][security]") {
  SECTION("a known field twice") {
    for (const auto& [key, value] : Members{{"session_id", quote("another_session")},
                                            {"session_started_at", quote(kStartedAt)},
                                            {"seq", "1"},
                                            {"events", array({page_view(t0)})},
                                            {"token", quote("t")},
                                            {"site_id", quote("s")}}) {
      CAPTURE(key);
      CHECK(error_of(envelope().add(key, value).body()) == Error::bad_json);
    }
  }
  SECTION("both event and events") {
    CHECK(error_of(envelope().add("event", page_view(t0)).body()) == Error::bad_json);
  }
  SECTION("a key spelt with escapes") {
    CHECK(error_of(envelope().drop("session_id").add("session\\u005fid", quote(kSessionId)).body()) ==
          Error::bad_json);
    CHECK(error_of(envelope().add("x\\n", "1").body()) == Error::bad_json);
  }
}

TEST_CASE("a body larger than max_batch_bytes is payload_too_large", "[batch][errors]") {
  const std::string body = envelope().body();
  Limits limits;
  limits.max_batch_bytes = static_cast<uint32_t>(body.size());
  CHECK(error_of(body, limits) == Error::ok);
  limits.max_batch_bytes = static_cast<uint32_t>(body.size() - 1);
  CHECK(error_of(body, limits) == Error::payload_too_large);
  SECTION("before it is parsed at all") {
    CHECK(error_of(std::string(limits.max_batch_bytes + 1, 'x'), limits) == Error::payload_too_large);
  }
}

TEST_CASE("a missing or malformed session_id is bad_session_id", "[batch][errors][security]") {
  CHECK(error_of(envelope().drop("session_id").body()) == Error::bad_session_id);
  for (const std::string& raw : std::vector<std::string>{
           "12345678", "null", "[\"abcdefgh\"]", quote("short"), quote("../../../x/y"), quote("abcd/efgh"),
           quote("abcd efgh"), quote(std::string(65, 'a')), R"("abcdefg\u0068")", R"("abcdefgh\/")"}) {
    CAPTURE(raw);
    CHECK(error_of(envelope().set("session_id", raw).body()) == Error::bad_session_id);
  }
}

TEST_CASE("a missing or impossible session_started_at is bad_session_started_at", "[batch][errors]") {
  CHECK(error_of(envelope().drop("session_started_at").body()) == Error::bad_session_started_at);
  for (const std::string& raw : std::vector<std::string>{
           quote("2026-02-30T10:00:00Z"), quote("2026-11-22T10:00:00"), quote("yesterday"), quote(""),
           "true", "null", "{}", "1795341600000.5", "-1", "1.7953416e12"}) {
    CAPTURE(raw);
    CHECK(error_of(envelope().set("session_started_at", raw).body()) == Error::bad_session_started_at);
  }
}

TEST_CASE("a session start outside now - max age .. now + skew is refused", "[batch][errors]") {
  const Limits limits;
  auto with_start = [](int64_t start_ms) {
    return envelope({page_view(start_ms)}).set("session_started_at", quote(std::to_string(start_ms))).body();
  };
  SECTION("session_in_future") {
    CHECK(error_of(with_start(kNowMs + limits.max_skew_ms)) == Error::ok);
    CHECK(error_of(with_start(kNowMs + limits.max_skew_ms + 1)) == Error::session_in_future);
  }
  SECTION("session_expired") {
    CHECK(error_of(with_start(kNowMs - limits.max_session_age_ms)) == Error::ok);
    CHECK(error_of(with_start(kNowMs - limits.max_session_age_ms - 1)) == Error::session_expired);
  }
}

TEST_CASE("a missing, negative, fractional or too large seq is bad_seq", "[batch][errors]") {
  CHECK(error_of(envelope().drop("seq").body()) == Error::bad_seq);
  for (const std::string& raw : std::vector<std::string>{"-1", "1.5", "1.0", "1e3", "\"3\"", "null", "2147483648",
                                                         "99999999999999999999"}) {
    CAPTURE(raw);
    CHECK(error_of(envelope().set("seq", raw).body()) == Error::bad_seq);
  }
  CHECK(accepted(envelope().set("seq", "0").body()).seq == 0);
  Limits unbounded;
  unbounded.max_session_seq = kMaxSeq;
  CHECK(accepted(envelope().set("seq", "2147483647").body(), unbounded).r2_key == kPrefix + "events/2147483647.ndjson");
}

TEST_CASE("a seq past the session's budget of batches is session_too_large", "[batch][errors]") {
  const Limits limits;
  CHECK(accepted(envelope().set("seq", std::to_string(limits.max_session_seq)).body()).seq == limits.max_session_seq);
  CHECK(error_of(envelope().set("seq", std::to_string(limits.max_session_seq + 1)).body()) == Error::session_too_large);
  CHECK(error_of(envelope().set("seq", "2147483647").body()) == Error::session_too_large);
  SECTION("the budget is a limit like the others") {
    Limits tight;
    tight.max_session_seq = 3;
    CHECK(accepted(envelope().set("seq", "3").body(), tight).seq == 3);
    CHECK(error_of(envelope().set("seq", "4").body(), tight) == Error::session_too_large);
  }
}

TEST_CASE("events that are missing, not a list or empty are bad_events", "[batch][errors]") {
  CHECK(error_of(envelope().drop("events").body()) == Error::bad_events);
  for (const std::string& raw : std::vector<std::string>{"[]", "{}", "\"x\"", "null", "3", page_view(t0)}) {
    CAPTURE(raw);
    CHECK(error_of(envelope().set("events", raw).body()) == Error::bad_events);
  }
  SECTION("`event` must be a single object") {
    CHECK(error_of(envelope().drop("events").add("event", array({page_view(t0)})).body()) == Error::bad_events);
    CHECK(error_of(envelope().drop("events").add("event", "null").body()) == Error::bad_events);
  }
}

TEST_CASE("more than max_events events is too_many_events", "[batch][errors]") {
  auto batch_of = [](size_t n) {
    std::vector<std::string> events;
    for (size_t k = 0; k < n; ++k) events.push_back(click(t0 + static_cast<int64_t>(k)));
    return envelope(events).body();
  };
  CHECK(accepted(batch_of(200)).accepted == 200);
  CHECK(error_of(batch_of(201)) == Error::too_many_events);
  SECTION("the limit is configurable") {
    Limits limits;
    limits.max_events = 3;
    CHECK(error_of(batch_of(3), limits) == Error::ok);
    CHECK(error_of(batch_of(4), limits) == Error::too_many_events);
  }
  SECTION("events the batch would reject still count towards the limit") {
    std::vector<std::string> events(201, "42");
    CHECK(error_of(envelope(events).body()) == Error::too_many_events);
  }
}

TEST_CASE("invalid text outside any event is bad_utf8 for the whole batch", "[batch][errors][utf8]") {
  SECTION("invalid UTF-8 in the token") {
    CHECK(error_of(envelope().set("token", "\"tok\xC3(\"").body()) == Error::bad_utf8);
  }
  SECTION("a raw NUL in the site id") {
    CHECK(error_of(envelope().set("site_id", std::string("\"si\0te\"", 7)).body()) == Error::bad_utf8);
  }
  SECTION("a surrogate in an unknown member's key") {
    CHECK(error_of(envelope().add("x\xED\xA0\x80", "1").body()) == Error::bad_utf8);
  }
  SECTION("inside an event it only drops that event") {
    IngestResult r = accepted(envelope({page_view(t0), "{\"type\":\"click\",\"ts\":1,\"selector\":\"\xFF\"}"}).body());
    CHECK(r.accepted == 1);
    CHECK(r.reasons[static_cast<size_t>(Reject::bad_utf8)] == 1);
  }
}

TEST_CASE("nesting deeper than kMaxDepth anywhere in the body is too_deep", "[batch][errors][depth]") {
  // The envelope is depth 1; each case puts the deepest container at exactly
  // kMaxDepth (accepted) or one deeper (refused).
  SECTION("in an unknown envelope member") {
    CHECK(error_of(envelope().add("extra", nested_value(json::kMaxDepth - 1)).body()) == Error::ok);
    CHECK(error_of(envelope().add("extra", nested_value(json::kMaxDepth)).body()) == Error::too_deep);
  }
  SECTION("in the props of an event in `events` (envelope, array, event)") {
    auto body = [](int depth) {
      return envelope({custom(t0, "deep", nested_value(depth))}).body();
    };
    CHECK(error_of(body(json::kMaxDepth - 3)) == Error::ok);
    CHECK(error_of(body(json::kMaxDepth - 2)) == Error::too_deep);
  }
  SECTION("in the props of a single `event` (envelope, event)") {
    auto body = [](int depth) {
      return envelope().drop("events").add("event", custom(t0, "deep", nested_value(depth))).body();
    };
    CHECK(error_of(body(json::kMaxDepth - 2)) == Error::ok);
    CHECK(error_of(body(json::kMaxDepth - 1)) == Error::too_deep);
  }
  SECTION("in an element of `events` that is not an object") {
    auto body = [](int depth) {
      return envelope({page_view(t0), std::string(depth, '[') + std::string(depth, ']')}).body();
    };
    CHECK(error_of(body(json::kMaxDepth - 2)) == Error::ok);
    CHECK(error_of(body(json::kMaxDepth - 1)) == Error::too_deep);
  }
}

TEST_CASE("rrweb events are refused as replay_off when the site records no replays", "[batch][reject]") {
  Limits off;
  off.allow_rrweb = false;
  Result<IngestResult> r = ingest_batch(envelope({rrweb(kStartMs + 1), click(kStartMs + 2)}).body(), kNowMs, off);
  REQUIRE(r.ok());
  CHECK(r.value().accepted == 1);
  CHECK(r.value().reasons[static_cast<size_t>(Reject::replay_off)] == 1);
  CHECK(r.value().delta.rrweb_events == 0);
  CHECK(accepted(envelope({rrweb(kStartMs + 1)}).body()).accepted == 1);
}

TEST_CASE("a surrogate pair escape and other escapes are kept", "[batch][utf8]") {
  IngestResult r = accepted(envelope({page_view(kStartMs + 1, "/x"),
                                      object(event_members("custom", kStartMs + 2, {{"name", "\"\\ud83d\\ude00 \\u00e9\\u0001\""}}))})
                                .body());
  CHECK(r.accepted == 2);
  CHECK(r.rejected == 0);
}

TEST_CASE("an ended_at outside the session's window is bad_ended_at", "[batch][errors]") {
  // Compaction and idle expiry order sessions by it, so a client may not move it.
  CHECK(error_of(envelope().add("ended_at", "0").body()) == Error::bad_ended_at);
  CHECK(error_of(envelope().add("ended_at", number(kStartMs - Limits{}.max_skew_ms - 1)).body()) == Error::bad_ended_at);
  CHECK(error_of(envelope().add("ended_at", number(kNowMs + Limits{}.max_skew_ms + 1)).body()) == Error::bad_ended_at);
  CHECK(accepted(envelope().add("ended_at", number(kNowMs + Limits{}.max_skew_ms)).body()).ended_at_ms ==
        kNowMs + Limits{}.max_skew_ms);
}

TEST_CASE("an ended_at that is not a timestamp is bad_ended_at", "[batch][errors]") {
  for (const std::string& raw : std::vector<std::string>{quote("later"), quote("2026-11-22T10:30:00"), "true",
                                                         "null", "-5"}) {
    CAPTURE(raw);
    CHECK(error_of(envelope().add("ended_at", raw).body()) == Error::bad_ended_at);
  }
  SECTION("a valid ended_at is read") {
    CHECK(accepted(envelope().add("ended_at", quote("2026-11-22T10:20:00Z")).body()).ended_at_ms ==
          kStartMs + 20 * kMinute);
    CHECK(accepted(envelope().add("ended_at", number(kStartMs + 5)).body()).ended_at_ms == kStartMs + 5);
  }
}

TEST_CASE("each faulty event is counted by its reason while the others are accepted", "[batch][reject]") {
  // As for a site that records no replays, so that replay_off is covered too.
  Limits limits;
  limits.allow_rrweb = false;
  struct Faulty {
    std::string what;
    std::string event;
    Reject reason;
  };
  Members many = event_members("page_view", t0, {{"url", quote("/")}});
  while (many.size() < 65) many.emplace_back("k" + std::to_string(many.size()), "1");

  const std::vector<Faulty> faulty = {
      {"a number", "42", Reject::not_object},
      {"a string", quote("page_view"), Reject::not_object},
      {"an array", "[1,2]", Reject::not_object},
      {"null", "null", Reject::not_object},
      {"no type", object({{"ts", number(t0)}, {"url", quote("/")}}), Reject::unknown_type},
      {"an unknown type", object(event_members("teleport", t0)), Reject::unknown_type},
      {"a type that is not a string", object({{"type", "7"}, {"ts", number(t0)}}), Reject::unknown_type},
      {"a page_view without url", object(event_members("page_view", t0)), Reject::missing_field},
      {"a click without selector", object(event_members("click", t0, {{"x", "1"}, {"y", "2"}})), Reject::missing_field},
      {"a scroll without scroll_percent", object(event_members("scroll", t0)), Reject::missing_field},
      {"a visibility without state", object(event_members("visibility", t0)), Reject::missing_field},
      {"a custom without name", object(event_members("custom", t0, {{"props", "{}"}})), Reject::missing_field},
      {"an error without message", object(event_members("error", t0)), Reject::missing_field},
      {"an rrweb without data", object(event_members("rrweb", t0)), Reject::missing_field},
      {"a url that is a number", object(event_members("page_view", t0, {{"url", "5"}})), Reject::bad_field},
      {"a required field that is null", object(event_members("page_view", t0, {{"url", "null"}})), Reject::bad_field},
      {"a click x that is a string", object(event_members("click", t0, {{"x", "\"1\""}, {"y", "2"}, {"selector", quote("a")}})), Reject::bad_field},
      {"a scroll_percent that is a string", object(event_members("scroll", t0, {{"scroll_percent", "\"50\""}})), Reject::bad_field},
      {"custom props that are an array", object(event_members("custom", t0, {{"name", quote("n")}, {"props", "[]"}})), Reject::bad_field},
      {"rrweb data that is a string", object(event_members("rrweb", t0, {{"data", quote("x")}})), Reject::bad_field},
      {"a referrer that is a number", object(event_members("page_view", t0, {{"url", quote("/")}, {"referrer", "1"}})), Reject::bad_field},
      {"a key spelt with escapes", object(event_members("page_view", t0, {{"ur\\u006c", quote("/")}})), Reject::bad_field},
      {"65 members", object(many), Reject::bad_field},
      {"no ts", object({{"type", quote("visibility")}, {"state", quote("hidden")}}), Reject::bad_ts},
      {"a ts string", object({{"type", quote("visibility")}, {"ts", quote(std::to_string(t0))}, {"state", quote("hidden")}}), Reject::bad_ts},
      {"a ts with an exponent", object({{"type", quote("visibility")}, {"ts", "1.795341601e12"}, {"state", quote("hidden")}}), Reject::bad_ts},
      {"a ts that is true", object({{"type", quote("visibility")}, {"ts", "true"}, {"state", quote("hidden")}}), Reject::bad_ts},
      {"a ts beyond int64", object({{"type", quote("visibility")}, {"ts", "99999999999999999999"}, {"state", quote("hidden")}}), Reject::bad_ts},
      {"a ts before the session start minus skew", visibility(kStartMs - Limits{}.max_skew_ms - 1), Reject::ts_out_of_window},
      {"a ts after now plus skew", visibility(kNowMs + Limits{}.max_skew_ms + 1), Reject::ts_out_of_window},
      {"a ts of zero", visibility(0), Reject::ts_out_of_window},
      {"invalid UTF-8 in a url", "{\"type\":\"page_view\",\"ts\":" + number(t0) + ",\"url\":\"/caf\xC3\"}", Reject::bad_utf8},
      {"a raw newline in a title", object(event_members("page_view", t0, {{"url", quote("/")}, {"title", "\"a\nb\""}})), Reject::bad_utf8},
      {"a surrogate in a nested prop", custom(t0, "n", "{\"deep\":[\"\xED\xB0\x80\"]}"), Reject::bad_utf8},
      {"invalid UTF-8 in a key", object(event_members("visibility", t0, {{"state", quote("x")}, {"\xF8", "1"}})), Reject::bad_utf8},
      {"an rrweb event on a site that records no replays", rrweb(t0), Reject::replay_off},
      // Well-formed JSON escapes PostgreSQL refuses to store (a NUL in a URL once jammed reconcile).
      {"a \\u0000 escape in a url", object(event_members("page_view", t0, {{"url", "\"/a\\u0000b\""}})), Reject::bad_utf8},
      {"a lone high surrogate escape", object(event_members("page_view", t0, {{"url", "\"/a\\ud800b\""}})), Reject::bad_utf8},
      {"a high surrogate escape at the end", custom(t0, "n", "{\"k\":\"x\\uD83D\"}"), Reject::bad_utf8},
      {"a lone low surrogate escape", object(event_members("custom", t0, {{"name", "\"n\\uDC00\""}})), Reject::bad_utf8},
      {"a high surrogate followed by another high one", object(event_members("visibility", t0, {{"state", "\"\\ud83d\\ud83d\""}})), Reject::bad_utf8},
      {"its own session_id", object(event_members("visibility", t0, {{"state", quote("x")}, {"session_id", quote("other_session")}})), Reject::reserved_field},
      {"its own seq", object(event_members("visibility", t0, {{"state", quote("x")}, {"seq", "9"}})), Reject::reserved_field},
      {"its own i", object(event_members("visibility", t0, {{"state", quote("x")}, {"i", "0"}})), Reject::reserved_field},
      {"url twice", object(event_members("page_view", t0, {{"url", quote("/a")}, {"url", quote("/b")}})), Reject::duplicate_field},
      {"an event over 64 KiB", page_view(t0, "/" + std::string(64 * 1024, 'a')), Reject::too_large},
      {"ts twice", object(event_members("visibility", t0, {{"state", quote("x")}, {"ts", number(t0 + 1)}})), Reject::duplicate_field},
  };

  for (const Faulty& f : faulty) {
    DYNAMIC_SECTION("dropped: " << f.what) {
      IngestResult r = accepted(envelope({click(t0), f.event, page_view(t0 + 1)}).body(), limits);
      CHECK(r.accepted == 2);
      CHECK(r.rejected == 1);
      CHECK(r.reasons[static_cast<size_t>(f.reason)] == 1);
      CHECK(total(r.reasons) == 1);
      std::vector<std::string> lines = split_lines(r.ndjson);
      REQUIRE(lines.size() == 2);
      // The survivors keep their position in the batch as `i`.
      CHECK(key_of(lines[0]) == EventKey{t0, 0, 0});
      CHECK(key_of(lines[1]) == EventKey{t0 + 1, 0, 2});
    }
  }

  SECTION("all of them in one batch") {
    std::vector<std::string> events;
    std::array<uint32_t, kRejectCount> expected{};
    for (const Faulty& f : faulty) {
      events.push_back(f.event);
      events.push_back(click(t0 + static_cast<int64_t>(events.size())));
      ++expected[static_cast<size_t>(f.reason)];
    }
    IngestResult r = accepted(envelope(events).body(), limits);
    CHECK(r.accepted == faulty.size());
    CHECK(r.rejected == faulty.size());
    CHECK(r.reasons == expected);
    for (size_t k = 0; k < kRejectCount; ++k) {
      CAPTURE(reject_name(static_cast<Reject>(k)));
      CHECK(r.reasons[k] > 0);  // the table covers every reason
    }
  }

  SECTION("optional fields may be null or absent") {
    IngestResult r = accepted(envelope({
        object(event_members("page_view", t0, {{"url", quote("/")}, {"referrer", "null"}, {"title", "null"}})),
        object(event_members("custom", t0, {{"name", quote("n")}, {"props", "null"}})),
        object(event_members("custom", t0, {{"name", quote("n")}})),
        object(event_members("error", t0, {{"message", quote("m")}})),
    }).body());
    CHECK(r.accepted == 4);
  }
  SECTION("64 members are fine") {
    Members sixty_four(many.begin(), many.begin() + 64);
    CHECK(accepted(envelope({object(sixty_four)}).body()).accepted == 1);
  }
}

TEST_CASE("an event larger than max_event_bytes is too_large", "[batch][reject]") {
  const std::string small = page_view(t0, "/a");
  const std::string large = page_view(t0, "/" + std::string(200, 'a'));
  Limits limits;
  limits.max_event_bytes = static_cast<uint32_t>(large.size() - 1);
  IngestResult r = accepted(envelope({small, large}).body(), limits);
  CHECK(r.accepted == 1);
  CHECK(r.reasons[static_cast<size_t>(Reject::too_large)] == 1);
  limits.max_event_bytes = static_cast<uint32_t>(large.size());
  CHECK(accepted(envelope({small, large}).body(), limits).accepted == 2);
}

TEST_CASE("a single `event` is a batch of one", "[batch]") {
  IngestResult r = accepted(envelope().drop("events").add("event", click(t0)).body());
  CHECK(r.accepted == 1);
  REQUIRE(split_lines(r.ndjson).size() == 1);
  CHECK(key_of(r.ndjson) == EventKey{t0, 0, 0});
  SECTION("a faulty single event is rejected, not the request") {
    IngestResult bad = accepted(envelope().drop("events").add("event", object(event_members("teleport", t0))).body());
    CHECK(bad.accepted == 0);
    CHECK(bad.reasons[static_cast<size_t>(Reject::unknown_type)] == 1);
    CHECK(bad.ndjson.empty());
  }
}

TEST_CASE("min_events 0 lets a final batch be empty", "[batch]") {
  Limits limits;
  limits.min_events = 0;
  IngestResult r = accepted(envelope({}).add("ended_at", quote("2026-11-22T10:25:00Z")).body(), limits);
  CHECK(r.accepted == 0);
  CHECK(r.ndjson.empty());
  CHECK(r.delta == Delta{});
  CHECK(r.r2_key == kPrefix + "events/0000000000.ndjson");
  CHECK(r.ended_at_ms == kStartMs + 25 * kMinute);
  CHECK(error_of(envelope({}).body()) == Error::bad_events);
}

TEST_CASE("event times must lie in the session window give or take the skew", "[batch][window]") {
  const Limits limits;
  auto accepted_ts = [&](int64_t ts) { return accepted(envelope({click(ts)}).body()).accepted == 1; };
  CHECK(accepted_ts(kStartMs - limits.max_skew_ms));
  CHECK_FALSE(accepted_ts(kStartMs - limits.max_skew_ms - 1));
  CHECK(accepted_ts(kNowMs + limits.max_skew_ms));
  CHECK_FALSE(accepted_ts(kNowMs + limits.max_skew_ms + 1));
  SECTION("a smaller skew narrows the window") {
    Limits tight;
    tight.max_skew_ms = 0;
    CHECK(accepted(envelope({click(kStartMs)}).body(), tight).accepted == 1);
    CHECK(accepted(envelope({click(kStartMs - 1)}).body(), tight).accepted == 0);
    CHECK(accepted(envelope({click(kNowMs + 1)}).body(), tight).accepted == 0);
  }
}

TEST_CASE("a fractional ts is floored to the millisecond", "[batch][window]") {
  Members event = event_members("click", 0, {{"x", "1"}, {"y", "2"}, {"selector", quote("#a")}});
  event[1].second = std::to_string(t0) + ".999";
  IngestResult r = accepted(envelope({object(event)}).body());
  REQUIRE(r.accepted == 1);
  CHECK(key_of(r.ndjson).ts == t0);
  CHECK(r.ndjson.find("\"ts\":") == r.ndjson.rfind("\"ts\":"));  // written once, as an integer
  CHECK(r.ndjson == expected_line(event, t0, 0, 0) + "\n");
}

TEST_CASE("each accepted event becomes one canonical NDJSON line", "[batch][ndjson]") {
  std::vector<Members> events = {
      event_members("page_view", t0, {{"url", quote("https://example.com/a?b=1")}, {"title", R"("Caf\u00e9 \"menu\"")"}}),
      event_members("click", t0 + 1, {{"x", "10.5"}, {"y", "-3"}, {"selector", quote("div > a")}, {"text", quote("Buy")}}),
      event_members("scroll", t0 + 2, {{"scroll_percent", "150"}}),
      event_members("visibility", t0 + 3, {{"state", quote("visible")}}),
      event_members("custom", t0 + 4, {{"name", quote("signup")}, {"props", R"({"plan":"pro","seats":[1,2]})"}}),
      event_members("error", t0 + 5, {{"message", quote("boom")}, {"source", "null"}}),
      event_members("rrweb", t0 + 6, {{"data", R"({"type":2,"data":{"node":{"id":1}}})"}}),
      {{"ts", number(t0 + 7)}, {"extra", "true"}, {"type", quote("visibility")}, {"state", quote("hidden")}},
  };
  std::vector<std::string> texts;
  for (const Members& m : events) texts.push_back(object(m));
  IngestResult r = accepted(batch_body(kSessionId, kStartedAt, 12, texts));
  REQUIRE(r.accepted == events.size());
  REQUIRE(!r.ndjson.empty());
  CHECK(r.ndjson.back() == '\n');
  std::vector<std::string> lines = split_lines(r.ndjson);
  REQUIRE(lines.size() == events.size());

  for (size_t k = 0; k < events.size(); ++k) {
    CAPTURE(lines[k]);
    const auto i = static_cast<int64_t>(k);
    const int64_t ts = t0 + i;
    REQUIRE(nlohmann::json::accept(lines[k]));
    CHECK(lines[k].rfind(canonical_prefix(ts, 12, i), 0) == 0);
    // Every other field, bytes and order unchanged.
    CHECK(lines[k] == expected_line(events[k], ts, 12, i));
    // The same through a JSON parser: the original minus ts, plus the four keys.
    auto line = nlohmann::json::parse(lines[k]);
    auto original = nlohmann::json::parse(texts[k]);
    original.erase("ts");
    CHECK(line.at("session_id") == kSessionId);
    for (const char* added : {"ts", "seq", "i", "session_id"}) line.erase(added);
    CHECK(line == original);
  }
}

TEST_CASE("pretty-printed nested values stay on one NDJSON line", "[batch][ndjson]") {
  const std::string pretty =
      "{\n  \"type\": \"custom\",\n  \"ts\": " + number(t0) +
      ",\n  \"name\": \"n\",\n  \"props\": {\n    \"a\": [\r\n      1,\n      2\n    ],\n"
      "    \"s\": \"x y\\n z\",\t\"t\" : { }\n  }\n}";
  REQUIRE(nlohmann::json::accept(pretty));
  IngestResult r = accepted(envelope({pretty, click(t0 + 1)}).body());
  REQUIRE(r.accepted == 2);
  std::vector<std::string> lines = split_lines(r.ndjson);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find('\r') == std::string::npos);
  REQUIRE(nlohmann::json::accept(lines[0]));
  auto line = nlohmann::json::parse(lines[0]);
  auto original = nlohmann::json::parse(pretty);
  CHECK(line.at("props") == original.at("props"));
  // Spaces inside strings are text, not layout.
  CHECK(line.at("props").at("s") == "x y\n z");
}

TEST_CASE("the R2 key carries the date of the session start, not of the events", "[batch][r2key]") {
  // Started 23:30 UTC on the 22nd (01:30 on the 23rd at +02:00); events after midnight UTC.
  const int64_t start = kNov22 + 23 * kHour + 30 * kMinute;
  const int64_t after_midnight = kNov22 + kDay + 10 * kMinute;
  IngestResult r = accepted(batch_body(kSessionId, "2026-11-23T01:30:00+02:00", 2, {click(after_midnight)}),
                            Limits{}, start + kHour);
  CHECK(r.accepted == 1);
  CHECK(r.r2_key == kPrefix + "events/0000000002.ndjson");
  Result<std::string> prefix = session_prefix(kSessionId, start);
  REQUIRE(prefix.ok());
  CHECK(r.r2_key.rfind(prefix.value(), 0) == 0);
}

TEST_CASE("the batch delta counts exactly the accepted events", "[batch][delta]") {
  const std::vector<std::string> events = {
      page_view(t0, "https://example.com/a?x"), click(t0 + 10), scroll(t0 + 20, "55.5"),
      object(event_members("page_view", t0 + 30, {{"url", R"("\/caf\u00e9")"}})), "42",
      visibility(t0 + 40), custom(t0 + 50), error_event(t0 + 60), rrweb(t0 + 70),
      click(kStartMs - kHour), scroll(t0 + 80, "-4")};
  IngestResult r = accepted(batch_body(kSessionId, kStartedAt, 3, events));
  REQUIRE(r.accepted == 9);
  REQUIRE(r.rejected == 2);

  auto fact = [](EventType type, int64_t ts, int64_t i) {
    EventFacts f;
    f.type = type;
    f.key = EventKey{ts, 3, i};
    return f;
  };
  Delta expected;
  EventFacts pv1 = fact(EventType::page_view, t0, 0);
  pv1.url = "https://example.com/a?x";
  add_event(&expected, pv1);
  add_event(&expected, fact(EventType::click, t0 + 10, 1));
  EventFacts s1 = fact(EventType::scroll, t0 + 20, 2);
  s1.scroll_percent = 55.5;
  add_event(&expected, s1);
  EventFacts pv2 = fact(EventType::page_view, t0 + 30, 3);
  pv2.url = "/caf\xC3\xA9";
  add_event(&expected, pv2);
  add_event(&expected, fact(EventType::visibility, t0 + 40, 5));
  add_event(&expected, fact(EventType::custom, t0 + 50, 6));
  add_event(&expected, fact(EventType::error, t0 + 60, 7));
  add_event(&expected, fact(EventType::rrweb, t0 + 70, 8));
  add_event(&expected, fact(EventType::scroll, t0 + 80, 10));

  CHECK(r.delta == expected);
  CHECK(r.delta.event_count == 9);
  CHECK(r.delta.page_views == 2);
  CHECK(r.delta.max_scroll_percent == 55.5);
  CHECK(r.delta.entry_page == "/a");
  CHECK(r.delta.exit_page == "/caf\xC3\xA9");
  CHECK(r.delta.duration_ms() == 80);
  CHECK(delta_from_ndjson(r.ndjson) == r.delta);
}

TEST_CASE("an Ingestor reused across calls answers as a fresh one would", "[batch]") {
  std::vector<std::string> many;
  for (int k = 0; k < 150; ++k) many.push_back(k % 3 ? click(t0 + k) : page_view(t0 + k, "/p" + std::to_string(k % 7)));
  const std::vector<std::string> bodies = {
      envelope(many).body(),
      envelope({page_view(t0), "42", click(kStartMs - kHour)}).body(),
      "not json",
      envelope().set("seq", "-1").body(),
      batch_body("another_session_1", "2026-11-22T09:00:00Z", 8, {visibility(t0)}),
      envelope({custom(t0, "x", nested_value(40))}).body(),
      envelope().add("ended_at", quote("2026-11-22T10:20:00Z")).body(),
      envelope({click(t0)}).body(),
  };
  Ingestor ingestor;
  IngestResult reused;
  for (int round = 0; round < 2; ++round)
    for (const std::string& body : bodies) {
      CAPTURE(round, body.substr(0, 80));
      Error e = ingestor.ingest(body, kNowMs, Limits{}, &reused);
      Result<IngestResult> fresh = ingest_batch(body, kNowMs);
      REQUIRE(e == fresh.error());
      if (e == Error::ok) check_same(reused, fresh.value());
    }
}

TEST_CASE("every error and reject reason has a distinct name", "[batch][errors]") {
  std::vector<std::string_view> codes;
  for (int32_t v = 0; v <= static_cast<int32_t>(Error::session_too_large); ++v) {
    auto e = static_cast<Error>(v);
    CAPTURE(v);
    CHECK(error_code(e) != "unknown_error");
    CHECK_FALSE(error_message(e).empty());
    CHECK(error_code(e).find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string_view::npos);
    codes.push_back(error_code(e));
  }
  std::sort(codes.begin(), codes.end());
  CHECK(std::adjacent_find(codes.begin(), codes.end()) == codes.end());

  std::vector<std::string_view> reasons;
  for (size_t k = 0; k < kRejectCount; ++k) reasons.push_back(reject_name(static_cast<Reject>(k)));
  CHECK(std::find(reasons.begin(), reasons.end(), "unknown") == reasons.end());
  std::sort(reasons.begin(), reasons.end());
  CHECK(std::adjacent_find(reasons.begin(), reasons.end()) == reasons.end());
}
