// libFuzzer: session ids, start times and seqs from any bytes. A derived key
// is either refused or lies inside its session's prefix, in the fixed format.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "edgereplay/r2key.hpp"

using namespace edgereplay;

static void check(bool ok) {
  if (!ok) std::abort();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 9) return 0;
  int64_t seq;
  std::memcpy(&seq, data, 8);
  seq = seq % (kMaxSeq + 2);  // mostly in range, sometimes one past it or negative
  std::string_view rest(reinterpret_cast<const char*>(data + 8), size - 8);
  size_t cut = rest.find('|');
  std::string_view sid = rest.substr(0, cut);
  std::string_view started = cut == std::string_view::npos ? std::string_view() : rest.substr(cut + 1);
  Result<std::string> key = derive_r2_key(sid, started, seq);
  if (!key.ok()) return 0;
  check(valid_session_id(sid));
  const std::string& k = key.value();
  // sessions/YYYY/MM/DD/{sid}/events/{seq:010}.ndjson
  check(k.size() == 9 + 11 + sid.size() + 8 + 10 + 7);
  check(k.compare(0, 9, "sessions/") == 0);
  check(k.compare(20, sid.size(), sid) == 0);
  check(k.compare(20 + sid.size(), 8, "/events/") == 0);
  check(k.find("..") == std::string::npos && k.find("//") == std::string::npos);
  return 0;
}
