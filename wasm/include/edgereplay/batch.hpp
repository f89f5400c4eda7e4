// Batch ingest: one validating pass over the bytes a tracker POSTs, producing
// the NDJSON chunk for R2, the aggregate delta for Postgres and the R2 key.
// Valid event bytes are copied through unchanged (behind a canonical prefix),
// never parsed into a DOM and dumped again.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "edgereplay/delta.hpp"
#include "edgereplay/error.hpp"
#include "edgereplay/json_scan.hpp"

namespace edgereplay {

struct Limits {
  int64_t max_skew_ms = 5 * 60 * 1000;             // client clocks drift; ts may lead now by this much
  int64_t max_session_age_ms = 24 * 3600 * 1000;   // a batch for an older session start is refused
  uint32_t min_events = 1;                         // session/end passes 0: its final batch may be empty
  bool allow_rrweb = true;                         // false when the site records no replays: rrweb events are refused
  uint32_t max_events = 200;
  uint32_t max_event_bytes = 64 * 1024;
  uint32_t max_batch_bytes = 1024 * 1024;
  // A session's budget of batches (seq 0 to this), checked without any read:
  // with max_batch_bytes it bounds the bytes, chunks and listing of one
  // session. A tracker sends one batch per 20 s at most for 24 h (4,320).
  int64_t max_session_seq = 49999;
};

// Why a single event was dropped; the batch carries on. Values cross the ABI
// as indexes into IngestResult::reasons, so append, never renumber.
enum class Reject : uint8_t {
  not_object,        // the element is not a JSON object
  unknown_type,      // `type` missing or not one of the known event types
  missing_field,     // a field its type requires is absent
  bad_field,         // a field has the wrong JSON type, or a key uses escapes
  bad_ts,            // `ts` missing, not a number, or has an exponent
  ts_out_of_window,  // `ts` before the session start or after now (± skew)
  too_large,         // the event's bytes exceed Limits::max_event_bytes
  bad_utf8,          // a string in the event: invalid UTF-8, a control character, \u0000 or a lone surrogate
  reserved_field,    // the event sets session_id, seq or i, which the server assigns
  duplicate_field,   // the same key twice in one event
  replay_off,        // an rrweb event for a site that records no replays
};
constexpr size_t kRejectCount = 11;
std::string_view reject_name(Reject reason) noexcept;

struct IngestResult {
  std::string session_id;
  std::string session_started_at;  // verbatim as sent: the token signs these exact bytes
  int64_t started_at_ms = 0;
  int64_t seq = 0;
  int64_t ended_at_ms = -1;        // optional `ended_at`; -1 when absent
  std::string token;               // opaque to the core; the shim verifies it
  std::string site_id;             // optional; the token binds it
  std::string r2_key;
  std::string ndjson;              // one normalised line per accepted event
  Delta delta;
  uint32_t accepted = 0;
  uint32_t rejected = 0;
  std::array<uint32_t, kRejectCount> reasons{};

  void clear();
};

// Reuses its buffers across calls: one instance per isolate keeps ingest free
// of per-call allocation once warm.
class Ingestor {
 public:
  // Fills `out` (cleared first). On error `out` holds whatever was parsed.
  Error ingest(std::string_view body, int64_t now_ms, const Limits& limits,
               IngestResult* out) noexcept;

 private:
  struct Member {
    std::string_view key;    // raw, between the quotes
    std::string_view value;  // raw JSON value
    json::Kind kind;
    bool key_escaped;
  };
  struct Element {
    std::string_view raw;
    uint32_t member_begin, member_end;
    bool is_object, bad_text, too_many_members;
  };
  // `depth`: the containers around the element (the envelope, and the
  // events array when there is one); its members nest one deeper.
  bool scan_event(json::Scanner* s, int depth);
  void emit(const Element& e, uint32_t index, const Limits& limits, int64_t now_ms,
            IngestResult* out);

  std::vector<Member> members_;
  std::vector<Element> elements_;
};

// Convenience for tests and tools: a fresh Ingestor per call.
Result<IngestResult> ingest_batch(std::string_view body, int64_t now_ms,
                                  const Limits& limits = Limits{});

}  // namespace edgereplay
