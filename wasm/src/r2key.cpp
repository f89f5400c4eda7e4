#include "edgereplay/r2key.hpp"

#include "edgereplay/time.hpp"

namespace edgereplay {
namespace {

void put_digits(uint64_t value, int width, std::string* out) {
  char buf[20];
  for (int k = width - 1; k >= 0; --k) {
    buf[k] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out->append(buf, static_cast<size_t>(width));
}

}  // namespace

bool valid_session_id(std::string_view id) noexcept {
  if (id.size() < 8 || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<std::string> session_prefix(std::string_view session_id, int64_t started_at_ms) {
  if (!valid_session_id(session_id)) return Error::bad_session_id;
  if (started_at_ms < 0 || started_at_ms > kMaxEpochMs) return Error::bad_session_started_at;
  CivilDate d = utc_date(started_at_ms);
  std::string key;
  key.reserve(32 + session_id.size() + 30);
  key.append("sessions/");
  put_digits(static_cast<uint64_t>(d.year), 4, &key);
  key.push_back('/');
  put_digits(d.month, 2, &key);
  key.push_back('/');
  put_digits(d.day, 2, &key);
  key.push_back('/');
  key.append(session_id);
  key.push_back('/');
  return key;
}

Result<std::string> derive_r2_key(std::string_view session_id, int64_t started_at_ms,
                                  int64_t seq) {
  if (seq < 0 || seq > kMaxSeq) return Error::bad_seq;
  Result<std::string> prefix = session_prefix(session_id, started_at_ms);
  if (!prefix.ok()) return prefix;
  std::string key = std::move(prefix).value();
  key.append("events/");
  put_digits(static_cast<uint64_t>(seq), 10, &key);
  key.append(".ndjson");
  return key;
}

Result<std::string> derive_r2_key(std::string_view session_id, std::string_view started_at,
                                  int64_t seq) {
  Result<int64_t> ms = parse_timestamp(started_at);
  if (!ms.ok()) return ms.error();
  return derive_r2_key(session_id, ms.value(), seq);
}

Result<std::string> compacted_key(std::string_view session_id, int64_t started_at_ms) {
  Result<std::string> prefix = session_prefix(session_id, started_at_ms);
  if (!prefix.ok()) return prefix;
  std::string key = std::move(prefix).value();
  key.append("compacted.ndjson");
  return key;
}

Result<std::string> segment_key(std::string_view session_id, int64_t started_at_ms, int64_t segment) {
  if (segment < 0 || segment > kMaxSegment) return Error::bad_argument;
  Result<std::string> prefix = session_prefix(session_id, started_at_ms);
  if (!prefix.ok()) return prefix;
  std::string key = std::move(prefix).value();
  key.append("segments/");
  put_digits(static_cast<uint64_t>(segment), 10, &key);
  key.append(".ndjson");
  return key;
}

Result<std::string> day_prefix(int64_t epoch_ms) {
  if (epoch_ms < 0 || epoch_ms > kMaxEpochMs) return Error::bad_session_started_at;
  CivilDate d = utc_date(epoch_ms);
  std::string key(kSessionsPrefix);
  put_digits(static_cast<uint64_t>(d.year), 4, &key);
  key.push_back('/');
  put_digits(d.month, 2, &key);
  key.push_back('/');
  put_digits(d.day, 2, &key);
  key.push_back('/');
  return key;
}

Result<std::string> marker_key(MarkerKind kind, std::string_view session_id, int64_t seq) {
  if (!valid_session_id(session_id)) return Error::bad_session_id;
  if (seq < -1 || seq > kMaxSeq) return Error::bad_seq;
  std::string key(kind == MarkerKind::pending ? kPendingPrefix : kQuarantinePrefix);
  key.append(session_id);
  key.push_back('/');
  if (seq >= 0) put_digits(static_cast<uint64_t>(seq), 10, &key);
  return key;
}

Result<std::string> root_prefix(uint32_t which) {
  switch (which) {
    case 0: return std::string(kSessionsPrefix);
    case 1: return std::string(kPendingPrefix);
    case 2: return std::string(kQuarantinePrefix);
  }
  return Error::bad_argument;
}

std::string_view key_kind_name(KeyKind kind) noexcept {
  switch (kind) {
    case KeyKind::chunk: return "chunk";
    case KeyKind::compacted: return "compacted";
    case KeyKind::segment: return "segment";
    case KeyKind::pending: return "pending";
    case KeyKind::quarantine: return "quarantine";
  }
  return "unknown";
}

namespace {

bool digits(std::string_view text, size_t width, int64_t* value) {
  if (text.size() != width) return false;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *value = v;
  return true;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

Result<ParsedKey> parse_key(std::string_view key) {
  ParsedKey out;
  for (MarkerKind kind : {MarkerKind::pending, MarkerKind::quarantine}) {
    std::string_view prefix = kind == MarkerKind::pending ? kPendingPrefix : kQuarantinePrefix;
    if (!starts_with(key, prefix)) continue;
    std::string_view rest = key.substr(prefix.size());
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos || !valid_session_id(rest.substr(0, slash)) ||
        !digits(rest.substr(slash + 1), 10, &out.seq) || out.seq > kMaxSeq)
      return Error::bad_argument;
    out.kind = kind == MarkerKind::pending ? KeyKind::pending : KeyKind::quarantine;
    out.session_id.assign(rest.substr(0, slash));
    return out;
  }
  // sessions/YYYY/MM/DD/{session_id}/(events/{seq:010}.ndjson|segments/{n:010}.ndjson|compacted.ndjson)
  if (!starts_with(key, kSessionsPrefix)) return Error::bad_argument;
  std::string_view rest = key.substr(kSessionsPrefix.size());
  int64_t y = 0, m = 0, d = 0;
  if (rest.size() < 11 || !digits(rest.substr(0, 4), 4, &y) || rest[4] != '/' ||
      !digits(rest.substr(5, 2), 2, &m) || rest[7] != '/' || !digits(rest.substr(8, 2), 2, &d) ||
      rest[10] != '/' || m < 1 || m > 12 || d < 1 ||
      d > static_cast<int64_t>(days_in_month(static_cast<int32_t>(y), static_cast<uint32_t>(m))))
    return Error::bad_argument;
  out.day.assign(rest.substr(0, 4));
  out.day.push_back('-');
  out.day.append(rest.substr(5, 2));
  out.day.push_back('-');
  out.day.append(rest.substr(8, 2));
  rest = rest.substr(11);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos || !valid_session_id(rest.substr(0, slash)))
    return Error::bad_argument;
  out.session_id.assign(rest.substr(0, slash));
  std::string_view object = rest.substr(slash + 1);
  constexpr std::string_view kEvents = "events/";
  constexpr std::string_view kSegments = "segments/";
  constexpr std::string_view kNdjson = ".ndjson";
  if (object == "compacted.ndjson") {
    out.kind = KeyKind::compacted;
    return out;
  }
  if (object.size() == kEvents.size() + 10 + kNdjson.size() && starts_with(object, kEvents) &&
      object.substr(kEvents.size() + 10) == kNdjson &&
      digits(object.substr(kEvents.size(), 10), 10, &out.seq) && out.seq <= kMaxSeq) {
    out.kind = KeyKind::chunk;
    return out;
  }
  if (object.size() == kSegments.size() + 10 + kNdjson.size() && starts_with(object, kSegments) &&
      object.substr(kSegments.size() + 10) == kNdjson &&
      digits(object.substr(kSegments.size(), 10), 10, &out.seq) && out.seq <= kMaxSegment) {
    out.kind = KeyKind::segment;
    return out;
  }
  return Error::bad_argument;
}

}  // namespace edgereplay
