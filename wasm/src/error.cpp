#include "edgereplay/error.hpp"

namespace edgereplay {

std::string_view error_code(Error e) noexcept {
  switch (e) {
    case Error::ok: return "ok";
    case Error::bad_json: return "bad_json";
    case Error::payload_too_large: return "payload_too_large";
    case Error::bad_session_id: return "bad_session_id";
    case Error::bad_session_started_at: return "bad_session_started_at";
    case Error::session_in_future: return "session_in_future";
    case Error::session_expired: return "session_expired";
    case Error::bad_seq: return "bad_seq";
    case Error::bad_events: return "bad_events";
    case Error::too_many_events: return "too_many_events";
    case Error::bad_utf8: return "bad_utf8";
    case Error::too_deep: return "too_deep";
    case Error::bad_argument: return "bad_argument";
    case Error::bad_delta: return "bad_delta";
    case Error::out_of_memory: return "out_of_memory";
    case Error::bad_ended_at: return "bad_ended_at";
    case Error::session_too_large: return "session_too_large";
  }
  return "unknown_error";
}

std::string_view error_message(Error e) noexcept {
  switch (e) {
    case Error::ok: return "No error.";
    case Error::bad_json: return "The body is not well-formed JSON, or repeats a field.";
    case Error::payload_too_large: return "The body is larger than the batch limit.";
    case Error::bad_session_id: return "session_id must match [A-Za-z0-9_-]{8,64}.";
    case Error::bad_session_started_at:
      return "session_started_at must be an ISO 8601 time with a zone, or epoch milliseconds.";
    case Error::session_in_future: return "session_started_at lies in the future.";
    case Error::session_expired: return "The session started too long ago; start a new one.";
    case Error::bad_seq: return "seq must be an integer from 0 to 2147483647.";
    case Error::bad_events: return "events must be a non-empty array of event objects.";
    case Error::too_many_events: return "A batch carries at most the configured number of events.";
    case Error::bad_utf8: return "The body contains invalid UTF-8 or a raw control character.";
    case Error::too_deep: return "The body nests objects or arrays too deeply.";
    case Error::bad_argument: return "An argument to the core was out of range.";
    case Error::bad_delta: return "The aggregate delta could not be read.";
    case Error::out_of_memory: return "The core ran out of memory.";
    case Error::bad_ended_at:
      return "ended_at must be an ISO 8601 time with a zone, or epoch milliseconds, between the session start and now.";
    case Error::session_too_large:
      return "The session has used its budget of batches (seq 0 to 49999); start a new session.";
  }
  return "Unknown error.";
}

}  // namespace edgereplay
