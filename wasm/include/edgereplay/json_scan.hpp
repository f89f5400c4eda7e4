// A validating, allocation-free JSON scanner. It checks RFC 8259 grammar and
// UTF-8 in one pass and reports byte spans, so valid event bytes can be copied
// through unchanged instead of being parsed into a DOM and dumped again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace edgereplay::json {

enum class Kind : uint8_t { invalid, object, array, string, number, boolean, null };

// Deepest nesting accepted anywhere in a body; deeper input is refused
// instead of recursing without bound. rrweb snapshots nest two levels per DOM
// level (node, childNodes), and real pages reach 30+ DOM levels, so the bound
// is generous; each level costs one small stack frame.
constexpr int kMaxDepth = 128;

struct ScanError {
  bool failed = false;    // grammar error: the scan stopped
  bool too_deep = false;  // grammar was fine so far but nesting exceeded kMaxDepth
};

struct Scanner {
  const char* p;
  const char* end;
  // Set when a string held invalid UTF-8, a raw control character, or an
  // escape no store can keep (\u0000, a lone surrogate). The
  // grammar stays intact, so the scanner carries on and the caller decides
  // whether to drop the enclosing event or the whole body.
  bool bad_text = false;
  ScanError error;

  Scanner(const char* first, const char* last) noexcept : p(first), end(last) {}

  void skip_ws() noexcept {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
  }
  bool at_end() noexcept {
    skip_ws();
    return p >= end;
  }
  // Consumes `c` (after whitespace) if it is next.
  bool eat(char c) noexcept {
    skip_ws();
    if (p < end && *p == c) {
      ++p;
      return true;
    }
    return false;
  }
  Kind peek_kind() noexcept;
  // Scans one string starting at the opening quote; returns the raw span
  // between the quotes (escapes not decoded). Sets `has_escape` when the
  // string contains a backslash.
  bool scan_string(std::string_view* raw, bool* has_escape) noexcept;
  // Scans one number; `integer` is set when it has no fraction or exponent.
  bool scan_number(std::string_view* raw, bool* integer) noexcept;
  // Scans any value and returns its raw span and kind.
  bool scan_value(std::string_view* raw, Kind* kind, int depth = 0) noexcept;

  bool fail() noexcept {
    error.failed = true;
    return false;
  }
};

// Decodes the JSON escapes of a raw string span into `out` (UTF-8).
// Input must have been accepted by Scanner::scan_string.
void unescape(std::string_view raw, std::string* out);

// Appends `text` to `out` as a JSON string literal, quotes included.
void append_quoted(std::string_view text, std::string* out);

// Parses a JSON integer span (digits with optional '-'); false on overflow.
bool parse_int64(std::string_view raw, int64_t* value) noexcept;

// Parses the integer part of a JSON number, ignoring a fraction (towards zero);
// false when it has an exponent or overflows.
bool parse_int_part(std::string_view raw, int64_t* value) noexcept;

// Parses a JSON number as a double (exponents allowed); false on overflow.
bool parse_double(std::string_view raw, double* value) noexcept;

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF).
bool valid_utf8(std::string_view text) noexcept;

}  // namespace edgereplay::json
