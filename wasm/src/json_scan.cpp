#include "edgereplay/json_scan.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>

namespace edgereplay::json {
namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Length of the UTF-8 sequence at p (1..4), or 0 when it is malformed
// (overlong, surrogate, above U+10FFFF or truncated).
size_t utf8_sequence(const unsigned char* p, const unsigned char* end) noexcept {
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  auto cont = [&](size_t k) { return p + k < end && (p[k] & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;   // overlong
    if (c == 0xED && p[1] > 0x9F) return 0;   // UTF-16 surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && p[1] < 0x90) return 0;   // overlong
    if (c == 0xF4 && p[1] > 0x8F) return 0;   // above U+10FFFF
    return 4;
  }
  return 0;
}

void append_utf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

Kind Scanner::peek_kind() noexcept {
  skip_ws();
  if (p >= end) return Kind::invalid;
  switch (*p) {
    case '{': return Kind::object;
    case '[': return Kind::array;
    case '"': return Kind::string;
    case 't': case 'f': return Kind::boolean;
    case 'n': return Kind::null;
    default: return (*p == '-' || is_digit(*p)) ? Kind::number : Kind::invalid;
  }
}

bool Scanner::scan_string(std::string_view* raw, bool* has_escape) noexcept {
  skip_ws();
  if (p >= end || *p != '"') return fail();
  const char* start = ++p;
  bool escaped = false;
  while (true) {
    // Fast path: plain printable ASCII, the overwhelming majority of bytes.
    while (p < end) {
      auto c = static_cast<unsigned char>(*p);
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
      ++p;
    }
    if (p >= end) return fail();
    auto c = static_cast<unsigned char>(*p);
    if (c == '"') break;
    if (c == '\\') {
      escaped = true;
      if (p + 1 >= end) return fail();
      char e = p[1];
      if (e == 'u') {
        if (p + 6 > end) return fail();
        uint32_t cp = 0;
        for (int k = 2; k < 6; ++k) {
          int h = hex_value(p[k]);
          if (h < 0) return fail();
          cp = cp * 16 + static_cast<uint32_t>(h);
        }
        p += 6;
        // Well-formed JSON, but text PostgreSQL (and most consumers) cannot
        // store: U+0000, and a UTF-16 surrogate not part of a pair.
        if (cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) {
          bad_text = true;
        } else if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t lo = 0;
          bool paired = p + 6 <= end && p[0] == '\\' && p[1] == 'u';
          for (int k = 2; paired && k < 6; ++k) {
            int h = hex_value(p[k]);
            if (h < 0) paired = false;
            lo = lo * 16 + static_cast<uint32_t>(h < 0 ? 0 : h);
          }
          if (paired && lo >= 0xDC00 && lo <= 0xDFFF) {
            p += 6;
          } else {
            bad_text = true;
          }
        }
      } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
                 e == 'r' || e == 't') {
        p += 2;
      } else {
        return fail();
      }
    } else if (c < 0x20) {
      // A raw control character (NUL included) is not JSON; it is a text
      // fault of this string, not of the structure around it.
      bad_text = true;
      ++p;
    } else {
      size_t n = utf8_sequence(reinterpret_cast<const unsigned char*>(p),
                               reinterpret_cast<const unsigned char*>(end));
      if (n == 0) {
        bad_text = true;
        ++p;
      } else {
        p += n;
      }
    }
  }
  *raw = std::string_view(start, static_cast<size_t>(p - start));
  if (has_escape) *has_escape = escaped;
  ++p;  // closing quote
  return true;
}

bool Scanner::scan_number(std::string_view* raw, bool* integer) noexcept {
  skip_ws();
  const char* start = p;
  bool is_int = true;
  if (p < end && *p == '-') ++p;
  if (p >= end) return fail();
  if (*p == '0') {
    ++p;
  } else if (is_digit(*p)) {
    while (p < end && is_digit(*p)) ++p;
  } else {
    return fail();
  }
  if (p < end && *p == '.') {
    is_int = false;
    ++p;
    if (p >= end || !is_digit(*p)) return fail();
    while (p < end && is_digit(*p)) ++p;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    is_int = false;
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    if (p >= end || !is_digit(*p)) return fail();
    while (p < end && is_digit(*p)) ++p;
  }
  *raw = std::string_view(start, static_cast<size_t>(p - start));
  if (integer) *integer = is_int;
  return true;
}

bool Scanner::scan_value(std::string_view* raw, Kind* kind, int depth) noexcept {
  Kind k = peek_kind();
  const char* start = p;
  switch (k) {
    case Kind::string: {
      std::string_view s;
      if (!scan_string(&s, nullptr)) return false;
      break;
    }
    case Kind::number: {
      std::string_view s;
      if (!scan_number(&s, nullptr)) return false;
      break;
    }
    case Kind::boolean:
    case Kind::null: {
      const char* word = (*p == 't') ? "true" : (*p == 'f') ? "false" : "null";
      size_t n = std::strlen(word);
      if (static_cast<size_t>(end - p) < n || std::memcmp(p, word, n) != 0) return fail();
      p += n;
      break;
    }
    case Kind::object:
    case Kind::array: {
      if (depth + 1 > kMaxDepth) {
        error.too_deep = true;
        return fail();
      }
      const char close = (k == Kind::object) ? '}' : ']';
      ++p;
      if (!eat(close)) {
        do {
          std::string_view item;
          Kind item_kind;
          if (k == Kind::object) {
            if (!scan_string(&item, nullptr)) return false;
            if (!eat(':')) return fail();
          }
          if (!scan_value(&item, &item_kind, depth + 1)) return false;
        } while (eat(','));
        if (!eat(close)) return fail();
      }
      break;
    }
    case Kind::invalid:
      return fail();
  }
  *raw = std::string_view(start, static_cast<size_t>(p - start));
  *kind = k;
  return true;
}

void unescape(std::string_view raw, std::string* out) {
  out->clear();
  out->reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    char e = raw[++i];
    switch (e) {
      case 'b': out->push_back('\b'); break;
      case 'f': out->push_back('\f'); break;
      case 'n': out->push_back('\n'); break;
      case 'r': out->push_back('\r'); break;
      case 't': out->push_back('\t'); break;
      case 'u': {
        uint32_t cp = 0;
        for (int k = 1; k <= 4; ++k) cp = cp * 16 + static_cast<uint32_t>(hex_value(raw[i + k]));
        i += 4;
        // A surrogate pair joins into one code point; a lone surrogate becomes U+FFFD.
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < raw.size() && raw[i + 1] == '\\' &&
            raw[i + 2] == 'u') {
          uint32_t lo = 0;
          bool ok = true;
          for (int k = 3; k <= 6; ++k) {
            int h = hex_value(raw[i + k]);
            if (h < 0) ok = false;
            lo = lo * 16 + static_cast<uint32_t>(h < 0 ? 0 : h);
          }
          if (ok && lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
          cp = 0xFFFD;
        }
        append_utf8(cp, out);
        break;
      }
      default: out->push_back(e); break;  // '"', '\\', '/'
    }
  }
}

void append_quoted(std::string_view text, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (c < 0x20) {
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

bool parse_int64(std::string_view raw, int64_t* value) noexcept {
  size_t i = 0;
  bool negative = false;
  if (i < raw.size() && raw[i] == '-') {
    negative = true;
    ++i;
  }
  if (i >= raw.size()) return false;
  // The negative range reaches one further than the positive one.
  const uint64_t limit = UINT64_C(9223372036854775807) + (negative ? 1 : 0);
  uint64_t v = 0;
  for (; i < raw.size(); ++i) {
    if (!is_digit(raw[i])) return false;
    const auto digit = static_cast<uint64_t>(raw[i] - '0');
    if (v > (limit - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *value = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

bool parse_int_part(std::string_view raw, int64_t* value) noexcept {
  size_t cut = raw.find_first_of(".eE");
  if (cut != std::string_view::npos && raw[cut] != '.') return false;
  if (cut != std::string_view::npos && raw.find_first_of("eE", cut) != std::string_view::npos)
    return false;
  return parse_int64(raw.substr(0, cut), value);
}

bool parse_double(std::string_view raw, double* value) noexcept {
  char buf[64];
  if (raw.empty() || raw.size() >= sizeof buf) return false;
  std::memcpy(buf, raw.data(), raw.size());
  buf[raw.size()] = '\0';
  char* stop = nullptr;
  double v = std::strtod(buf, &stop);
  if (stop != buf + raw.size() || !std::isfinite(v)) return false;
  *value = v;
  return true;
}

bool valid_utf8(std::string_view text) noexcept {
  auto p = reinterpret_cast<const unsigned char*>(text.data());
  auto end = p + text.size();
  while (p < end) {
    size_t n = utf8_sequence(p, end);
    if (n == 0) return false;
    p += n;
  }
  return true;
}

}  // namespace edgereplay::json
