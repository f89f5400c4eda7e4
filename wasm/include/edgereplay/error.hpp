// Errors are values: every fallible core function returns a Result<T>, and the
// ABI hands the code and message to the shim. The core is built with
// -fno-exceptions; nothing here throws.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

namespace edgereplay {

// A whole request is refused for one of these reasons. The numeric values cross
// the C ABI (js-shim/src/core.ts mirrors them), so append, never renumber.
enum class Error : int32_t {
  ok = 0,
  bad_json = 1,              // the body is not well-formed JSON (or has a duplicate envelope key)
  payload_too_large = 2,     // the body exceeds Limits::max_batch_bytes
  bad_session_id = 3,        // session_id missing or not [A-Za-z0-9_-]{8,64}
  bad_session_started_at = 4,// missing, malformed or an impossible date
  session_in_future = 5,     // session_started_at later than now + skew
  session_expired = 6,       // session_started_at older than Limits::max_session_age_ms
  bad_seq = 7,               // seq missing, negative, fractional or above 2^31
  bad_events = 8,            // events missing, not an array, or empty
  too_many_events = 9,       // more than Limits::max_events events
  bad_utf8 = 10,             // invalid UTF-8 outside any single event
  too_deep = 11,             // nesting deeper than the scanner's limit
  bad_argument = 12,         // an ABI caller passed an impossible argument
  bad_delta = 13,            // a serialised delta could not be read back
  out_of_memory = 14,        // an allocation failed
  bad_ended_at = 15,         // ended_at present but not a timestamp, or outside [start, now] (± skew)
  session_too_large = 16,    // seq above Limits::max_session_seq: the session has used its budget of batches
};

// snake_case name of an error, the `code` of the HTTP error body.
std::string_view error_code(Error e) noexcept;
// One human sentence describing the error.
std::string_view error_message(Error e) noexcept;

template <typename T>
class Result {
 public:
  Result(T value) noexcept : value_(std::move(value)), error_(Error::ok) {}  // NOLINT
  Result(Error error) noexcept : value_(), error_(error) {}                  // NOLINT

  bool ok() const noexcept { return error_ == Error::ok; }
  Error error() const noexcept { return error_; }
  const T& value() const& noexcept { return value_; }
  T& value() & noexcept { return value_; }
  T&& value() && noexcept { return std::move(value_); }

 private:
  T value_;
  Error error_;
};

}  // namespace edgereplay
