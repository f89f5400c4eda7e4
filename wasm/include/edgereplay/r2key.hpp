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

// `sessions/YYYY/MM/DD/{session_id}/compacted.ndjson`: the merged replay of an
// ended session, which replay prefers over the chunks.
Result<std::string> compacted_key(std::string_view session_id, int64_t started_at_ms);

}  // namespace edgereplay
