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

}  // namespace edgereplay
