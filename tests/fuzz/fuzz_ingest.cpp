// libFuzzer: any bytes as a batch body. Ingest must never crash, and what it
// accepts must hold its promises: one valid JSON line per accepted event, under
// the session's own prefix, counted in the delta.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "edgereplay/batch.hpp"
#include "edgereplay/json_scan.hpp"
#include "edgereplay/r2key.hpp"

using namespace edgereplay;

static void check(bool ok) {
  if (!ok) std::abort();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Ingestor ingestor;
  static IngestResult result;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  const int64_t now = INT64_C(1795440000000);
  Error e = ingestor.ingest(body, now, Limits{}, &result);
  if (e != Error::ok) return 0;
  Result<std::string> prefix = session_prefix(result.session_id, result.started_at_ms);
  check(prefix.ok());
  check(result.r2_key.rfind(prefix.value() + "events/", 0) == 0);
  check(result.delta.event_count == result.accepted);
  uint32_t lines = 0;
  std::string_view rest = result.ndjson;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    check(nl != std::string_view::npos);
    std::string_view line = rest.substr(0, nl);
    json::Scanner s(line.data(), line.data() + line.size());
    std::string_view raw;
    json::Kind kind;
    check(s.scan_value(&raw, &kind) && kind == json::Kind::object && s.at_end() && !s.bad_text);
    rest.remove_prefix(nl + 1);
    ++lines;
  }
  check(lines == result.accepted);
  return 0;
}
