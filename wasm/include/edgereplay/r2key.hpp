// Where a session's bytes live in R2. Every object of one session shares the
// prefix `sessions/YYYY/MM/DD/{session_id}/`, dated by the UTC day of the
// session's START (never of an event), so a session that crosses midnight
// stays under one prefix and a retried batch overwrites its own chunk.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "edgereplay/error.hpp"

namespace edgereplay {

// Highest accepted batch sequence number; keys print it in ten digits.
constexpr int64_t kMaxSeq = INT64_C(2147483647);

// session_id matches [A-Za-z0-9_-]{8,64}: no '/', '.', or anything that
// could climb out of the session prefix.
bool valid_session_id(std::string_view session_id) noexcept;

// `sessions/YYYY/MM/DD/{session_id}/`
Result<std::string> session_prefix(std::string_view session_id, int64_t started_at_ms);

// `sessions/YYYY/MM/DD/{session_id}/events/{seq:010}.ndjson`
Result<std::string> derive_r2_key(std::string_view session_id, int64_t started_at_ms,
                                  int64_t seq);
// Same, with session_started_at as the client sends it back (ISO 8601 or epoch ms).
Result<std::string> derive_r2_key(std::string_view session_id, std::string_view started_at,
                                  int64_t seq);

// `sessions/YYYY/MM/DD/{session_id}/compacted.ndjson`: the single merged object
// earlier versions wrote; still read by replay, never written any more.
Result<std::string> compacted_key(std::string_view session_id, int64_t started_at_ms);

// Highest segment number; keys print it in ten digits.
constexpr int64_t kMaxSegment = INT64_C(2147483647);

// `sessions/YYYY/MM/DD/{session_id}/segments/{n:010}.ndjson`: compaction's
// output, a merge of a bounded group of chunks. Segments are written once
// (conditional put) and never rewritten, so memory per compaction step is
// bounded by one segment whatever the session's size.
Result<std::string> segment_key(std::string_view session_id, int64_t started_at_ms, int64_t segment);

// `sessions/YYYY/MM/DD/`: every session that started on that UTC day
// (retention and storage stats walk these).
Result<std::string> day_prefix(int64_t epoch_ms);

// Bookkeeping objects outside the session prefixes, one per (session, seq):
// `pending/{session_id}/{seq:010}` a stored chunk whose aggregates wait for
// reconcile; `quarantine/{session_id}/{seq:010}` one reconcile gave up on.
enum class MarkerKind : uint8_t { pending = 0, quarantine = 1 };
constexpr std::string_view kPendingPrefix = "pending/";
constexpr std::string_view kQuarantinePrefix = "quarantine/";
constexpr std::string_view kSessionsPrefix = "sessions/";
// seq -1 gives the session's marker folder (`pending/{session_id}/`), for listing.
Result<std::string> marker_key(MarkerKind kind, std::string_view session_id, int64_t seq);

// The top-level folders: 0 `sessions/`, 1 `pending/`, 2 `quarantine/`.
Result<std::string> root_prefix(uint32_t which);

// What a key names, read back from the key alone.
enum class KeyKind : uint8_t { chunk, compacted, segment, pending, quarantine };
std::string_view key_kind_name(KeyKind kind) noexcept;
struct ParsedKey {
  KeyKind kind = KeyKind::chunk;
  std::string session_id;
  int64_t seq = -1;  // chunks and markers: the seq; segments: the segment number; -1 for compacted
  std::string day;   // YYYY-MM-DD for objects under sessions/; empty for markers
};
// bad_argument when the key is not one the layout above produces.
Result<ParsedKey> parse_key(std::string_view key);

}  // namespace edgereplay
