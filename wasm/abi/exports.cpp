// The C ABI of core.wasm: thin extern "C" wrappers over the C++ API, nothing else.
//
// Conventions
// - Buffers: the host allocates input with er_alloc(len), writes bytes, passes
//   (ptr, len), and frees with er_free(ptr). Lengths are always explicit; no
//   input is NUL-terminated.
// - Status: every operation returns an int32: 0 for success, otherwise an
//   edgereplay::Error value (error.hpp; js-shim/src/core.ts mirrors the list).
// - Results: an operation leaves up to two result parts in module-owned
//   memory, valid until the next operation:
//     part 0  JSON metadata (on failure: {"code":"…","message":"…"})
//     part 1  bytes (an NDJSON chunk, a merged stream, an R2 key)
//   er_result_ptr(part) / er_result_len(part) locate them, so the host reads
//   a view of wasm memory instead of a copy.
// - Times and sequence numbers travel as f64 (exact up to 2^53), so the host
//   passes plain numbers, not BigInts.
// - Nothing here throws, prints or aborts; the core is built -fno-exceptions.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "edgereplay/batch.hpp"
#include "edgereplay/delta.hpp"
#include "edgereplay/error.hpp"
#include "edgereplay/insights.hpp"
#include "edgereplay/json_scan.hpp"
#include "edgereplay/merge.hpp"
#include "edgereplay/r2key.hpp"
#include "edgereplay/time.hpp"

#if defined(__wasm__) && !defined(__EMSCRIPTEN__)
#define ER_EXPORT(name) extern "C" __attribute__((export_name(#name), visibility("default")))
#else
#define ER_EXPORT(name) extern "C"
#endif

namespace {

using namespace edgereplay;

constexpr uint32_t kAbiVersion = 1;

// One set of buffers per module instance: a Worker isolate runs one request's
// wasm call at a time, and the host consumes results before the next call.
struct State {
  Ingestor ingestor;
  IngestResult ingest;
  Merger merger;
  Limits limits;
  std::string meta;
  std::string bytes;
  std::string_view parts[2];
};
State& state() {
  static State s;
  return s;
}

std::string_view view(const uint8_t* ptr, uint32_t len) {
  return std::string_view(reinterpret_cast<const char*>(ptr), ptr ? len : 0);
}

bool to_int(double v, int64_t* out) {
  if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9007199254740992.0) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

void set_parts(std::string_view meta, std::string_view bytes) {
  state().parts[0] = meta;
  state().parts[1] = bytes;
}

int32_t fail(Error e) {
  State& s = state();
  s.meta.assign("{\"code\":\"");
  s.meta.append(error_code(e));
  s.meta.append("\",\"message\":");
  json::append_quoted(error_message(e), &s.meta);
  s.meta.push_back('}');
  set_parts(s.meta, {});
  return static_cast<int32_t>(e);
}

int32_t bytes_result(std::string value) {
  State& s = state();
  s.bytes = std::move(value);
  s.meta.assign("{}");
  set_parts(s.meta, s.bytes);
  return 0;
}

void append_field(std::string* out, const char* name, std::string_view text) {
  out->append(",\"");
  out->append(name);
  out->append("\":");
  json::append_quoted(text, out);
}

void append_number(std::string* out, const char* name, int64_t v) {
  out->append(",\"");
  out->append(name);
  out->append("\":");
  out->append(std::to_string(v));
}

}  // namespace

ER_EXPORT(er_abi_version) uint32_t er_abi_version() { return kAbiVersion; }

ER_EXPORT(er_alloc) uint8_t* er_alloc(uint32_t len) {
  return static_cast<uint8_t*>(std::malloc(len ? len : 1));
}

ER_EXPORT(er_free) void er_free(uint8_t* ptr) { std::free(ptr); }

ER_EXPORT(er_result_ptr) const uint8_t* er_result_ptr(uint32_t part) {
  if (part > 1) return nullptr;
  return reinterpret_cast<const uint8_t*>(state().parts[part].data());
}

ER_EXPORT(er_result_len) uint32_t er_result_len(uint32_t part) {
  if (part > 1) return 0;
  return static_cast<uint32_t>(state().parts[part].size());
}

// Limits apply to every later er_ingest_batch of this instance.
ER_EXPORT(er_set_limits)
int32_t er_set_limits(double max_skew_ms, double max_session_age_ms, uint32_t max_events,
                      uint32_t max_event_bytes, uint32_t max_batch_bytes) {
  Limits l;
  if (!to_int(max_skew_ms, &l.max_skew_ms) || !to_int(max_session_age_ms, &l.max_session_age_ms) ||
      l.max_skew_ms < 0 || l.max_session_age_ms <= 0 || max_events == 0 || max_event_bytes == 0 ||
      max_batch_bytes == 0)
    return fail(Error::bad_argument);
  l.max_events = max_events;
  l.max_event_bytes = max_event_bytes;
  l.max_batch_bytes = max_batch_bytes;
  state().limits = l;
  set_parts({}, {});
  return 0;
}

// Part 0: {"session_id","session_started_at","started_at_ms","seq","ended_at_ms"?,
//          "token","site_id","r2_key","accepted","rejected","reasons":{…},"delta":{…},
//          "insights":{…}}
// Part 1: the NDJSON chunk to store at r2_key.
ER_EXPORT(er_ingest_batch)
int32_t er_ingest_batch(const uint8_t* body, uint32_t len, double now_ms, uint32_t min_events,
                        uint32_t allow_rrweb) {
  State& s = state();
  int64_t now = 0;
  if (!to_int(now_ms, &now)) return fail(Error::bad_argument);
  Limits limits = s.limits;
  limits.min_events = min_events;
  limits.allow_rrweb = allow_rrweb != 0;
  Error e = s.ingestor.ingest(view(body, len), now, limits, &s.ingest);
  if (e != Error::ok) return fail(e);
  const IngestResult& r = s.ingest;
  s.meta.assign("{\"r2_key\":");
  json::append_quoted(r.r2_key, &s.meta);
  append_field(&s.meta, "session_id", r.session_id);
  append_field(&s.meta, "session_started_at", r.session_started_at);
  append_number(&s.meta, "started_at_ms", r.started_at_ms);
  append_number(&s.meta, "seq", r.seq);
  if (r.ended_at_ms >= 0) append_number(&s.meta, "ended_at_ms", r.ended_at_ms);
  append_field(&s.meta, "token", r.token);
  append_field(&s.meta, "site_id", r.site_id);
  append_number(&s.meta, "accepted", r.accepted);
  append_number(&s.meta, "rejected", r.rejected);
  s.meta.append(",\"reasons\":{");
  bool first = true;
  for (size_t k = 0; k < kRejectCount; ++k) {
    if (!r.reasons[k]) continue;
    if (!first) s.meta.push_back(',');
    first = false;
    json::append_quoted(reject_name(static_cast<Reject>(k)), &s.meta);
    s.meta.push_back(':');
    s.meta.append(std::to_string(r.reasons[k]));
  }
  s.meta.append("},\"delta\":");
  append_delta_json(r.delta, &s.meta);
  s.meta.append(",\"insights\":");
  append_insights_json(insights_from_ndjson(r.ndjson), &s.meta);
  s.meta.push_back('}');
  set_parts(s.meta, r.ndjson);
  return 0;
}

// Part 1: sessions/YYYY/MM/DD/{session_id}/events/{seq:010}.ndjson
ER_EXPORT(er_derive_r2_key)
int32_t er_derive_r2_key(const uint8_t* sid, uint32_t sid_len, const uint8_t* started,
                         uint32_t started_len, double seq) {
  int64_t n = 0;
  if (!to_int(seq, &n)) return fail(Error::bad_seq);
  Result<std::string> key = derive_r2_key(view(sid, sid_len), view(started, started_len), n);
  return key.ok() ? bytes_result(std::move(key).value()) : fail(key.error());
}

// Part 1: sessions/YYYY/MM/DD/{session_id}/
ER_EXPORT(er_session_prefix)
int32_t er_session_prefix(const uint8_t* sid, uint32_t sid_len, const uint8_t* started,
                          uint32_t started_len) {
  Result<int64_t> ms = parse_timestamp(view(started, started_len));
  if (!ms.ok()) return fail(ms.error());
  Result<std::string> prefix = session_prefix(view(sid, sid_len), ms.value());
  return prefix.ok() ? bytes_result(std::move(prefix).value()) : fail(prefix.error());
}

// Part 1: sessions/YYYY/MM/DD/{session_id}/compacted.ndjson
ER_EXPORT(er_compacted_key)
int32_t er_compacted_key(const uint8_t* sid, uint32_t sid_len, const uint8_t* started,
                         uint32_t started_len) {
  Result<int64_t> ms = parse_timestamp(view(started, started_len));
  if (!ms.ok()) return fail(ms.error());
  Result<std::string> key = compacted_key(view(sid, sid_len), ms.value());
  return key.ok() ? bytes_result(std::move(key).value()) : fail(key.error());
}

// Part 1: sessions/YYYY/MM/DD/{session_id}/segments/{n:010}.ndjson
ER_EXPORT(er_segment_key)
int32_t er_segment_key(const uint8_t* sid, uint32_t sid_len, const uint8_t* started,
                       uint32_t started_len, double segment) {
  int64_t n = 0;
  if (!to_int(segment, &n)) return fail(Error::bad_argument);
  Result<int64_t> ms = parse_timestamp(view(started, started_len));
  if (!ms.ok()) return fail(ms.error());
  Result<std::string> key = segment_key(view(sid, sid_len), ms.value(), n);
  return key.ok() ? bytes_result(std::move(key).value()) : fail(key.error());
}

// Part 1: sessions/YYYY/MM/DD/ for the UTC day of epoch_ms.
ER_EXPORT(er_day_prefix)
int32_t er_day_prefix(double epoch_ms) {
  int64_t ms = 0;
  if (!to_int(epoch_ms, &ms)) return fail(Error::bad_argument);
  Result<std::string> prefix = day_prefix(ms);
  return prefix.ok() ? bytes_result(std::move(prefix).value()) : fail(prefix.error());
}

// Part 1: the top-level folder `which` names: 0 sessions/, 1 pending/, 2 quarantine/.
ER_EXPORT(er_root_prefix)
int32_t er_root_prefix(uint32_t which) {
  Result<std::string> prefix = root_prefix(which);
  return prefix.ok() ? bytes_result(std::move(prefix).value()) : fail(prefix.error());
}

// Part 1: pending/{session_id}/{seq:010} (kind 0) or quarantine/… (kind 1);
// seq -1: the session's marker folder, pending/{session_id}/.
ER_EXPORT(er_marker_key)
int32_t er_marker_key(uint32_t kind, const uint8_t* sid, uint32_t sid_len, double seq) {
  int64_t n = 0;
  if (kind > 1) return fail(Error::bad_argument);
  if (!to_int(seq, &n)) return fail(Error::bad_seq);
  Result<std::string> key = marker_key(static_cast<MarkerKind>(kind), view(sid, sid_len), n);
  return key.ok() ? bytes_result(std::move(key).value()) : fail(key.error());
}

// Part 0: {"kind":"chunk|compacted|segment|pending|quarantine","session_id","seq"?,"day"?}.
ER_EXPORT(er_parse_key)
int32_t er_parse_key(const uint8_t* key, uint32_t len) {
  Result<ParsedKey> parsed = parse_key(view(key, len));
  if (!parsed.ok()) return fail(parsed.error());
  const ParsedKey& k = parsed.value();
  State& s = state();
  s.meta.assign("{\"kind\":");
  json::append_quoted(key_kind_name(k.kind), &s.meta);
  append_field(&s.meta, "session_id", k.session_id);
  if (k.seq >= 0) append_number(&s.meta, "seq", k.seq);
  if (!k.day.empty()) append_field(&s.meta, "day", k.day);
  s.meta.push_back('}');
  set_parts(s.meta, {});
  return 0;
}

// Part 0: the delta recounted from stored NDJSON lines.
ER_EXPORT(er_aggregate_delta)
int32_t er_aggregate_delta(const uint8_t* ndjson, uint32_t len) {
  State& s = state();
  s.meta.clear();
  append_delta_json(delta_from_ndjson(view(ndjson, len)), &s.meta);
  set_parts(s.meta, {});
  return 0;
}

// Part 0: the page insights (heatmap cells, scroll reach, click issues, error
// groups, snapshot) of stored NDJSON lines, as er_ingest_batch reports them.
ER_EXPORT(er_batch_insights)
int32_t er_batch_insights(const uint8_t* ndjson, uint32_t len) {
  State& s = state();
  s.meta.clear();
  append_insights_json(insights_from_ndjson(view(ndjson, len)), &s.meta);
  set_parts(s.meta, {});
  return 0;
}

// Part 0: merge(a, b) of two deltas in their JSON form.
ER_EXPORT(er_merge_delta)
int32_t er_merge_delta(const uint8_t* a, uint32_t a_len, const uint8_t* b, uint32_t b_len) {
  Result<Delta> da = delta_from_json(view(a, a_len));
  Result<Delta> db = delta_from_json(view(b, b_len));
  if (!da.ok() || !db.ok()) return fail(Error::bad_delta);
  State& s = state();
  s.meta.clear();
  append_delta_json(merge(da.value(), db.value()), &s.meta);
  set_parts(s.meta, {});
  return 0;
}

// Chunks arrive concatenated in `bytes`, with `count` u32 lengths at `lengths`.
// Part 0: {"lines","duplicates","skipped","truncated"}; part 1: the merged NDJSON.
ER_EXPORT(er_merge_replay)
int32_t er_merge_replay(const uint8_t* bytes, uint32_t len, const uint32_t* lengths,
                        uint32_t count) {
  State& s = state();
  std::vector<std::string_view> chunks;
  chunks.reserve(count);
  uint64_t offset = 0;
  for (uint32_t k = 0; k < count; ++k) {
    if (offset + lengths[k] > len) return fail(Error::bad_argument);
    chunks.push_back(view(bytes + offset, lengths[k]));
    offset += lengths[k];
  }
  MergeStats stats;
  s.bytes.clear();
  s.merger.merge(chunks.data(), chunks.size(), &s.bytes, &stats);
  s.meta.assign("{\"lines\":");
  s.meta.append(std::to_string(stats.lines));
  append_number(&s.meta, "duplicates", static_cast<int64_t>(stats.duplicates));
  append_number(&s.meta, "skipped", static_cast<int64_t>(stats.skipped));
  append_number(&s.meta, "truncated", static_cast<int64_t>(stats.truncated));
  s.meta.push_back('}');
  set_parts(s.meta, s.bytes);
  return 0;
}
