#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edgereplay/steps.hpp"
#include "factories.hpp"

using namespace edgereplay;
using namespace edgereplay::test;

namespace {

// Stored lines of one batch (seq 2), in batch order.
struct Chunk {
  std::string ndjson;
  int64_t i = 0;
  Chunk& add(int64_t ts, std::string_view type, const Members& fields = {}) {
    ndjson += stored_line(ts, 2, i++, type, fields) + "\n";
    return *this;
  }
  Chunk& page(int64_t ts, std::string_view url) { return add(ts, "page_view", {{"url", quote(url)}}); }
  Chunk& custom(int64_t ts, std::string_view name, std::string_view props = "") {
    Members m{{"name", quote(name)}};
    if (!props.empty()) m.emplace_back("props", std::string(props));
    return add(ts, "custom", m);
  }
};

std::vector<std::string> texts(const Steps& s) {
  std::vector<std::string> out;
  for (const Step& step : s.steps) out.push_back(step.text);
  return out;
}

const int64_t t0 = kStartMs + kSecond;

}  // namespace

TEST_CASE("a batch's steps are its page paths and custom events in time order", "[steps]") {
  Chunk c;
  c.page(t0 + 30, "https://shop.example/cart?x=1").page(t0, "https://shop.example/").custom(t0 + 10, "signup");
  c.add(t0 + 20, "click", {{"x", number(1)}, {"y", number(1)}, {"selector", quote("a")}});
  Steps s = steps_from_ndjson(c.ndjson);
  CHECK(texts(s) == std::vector<std::string>{"p/", "esignup", "p/cart"});
  CHECK(s.steps[0].ts == t0);
  CHECK(s.steps[2].ts == t0 + 30);
  CHECK(s.dropped == 0);
}

TEST_CASE("consecutive repeats collapse into the first of their run", "[steps]") {
  Chunk c;
  c.page(t0, "/a").page(t0 + 1, "/a?reload").page(t0 + 2, "/b").page(t0 + 3, "/a");
  c.custom(t0 + 4, "play").custom(t0 + 5, "play");
  Steps s = steps_from_ndjson(c.ndjson);
  CHECK(texts(s) == std::vector<std::string>{"p/a", "p/b", "p/a", "eplay"});
  CHECK(s.steps[3].ts == t0 + 4);

  SECTION("events of one name with different properties are different steps") {
    Chunk d;
    d.custom(t0, "plan", R"({"tier":"pro"})").custom(t0 + 1, "plan", R"({"tier":"free"})");
    CHECK(steps_from_ndjson(d.ndjson).steps.size() == 2);
  }
}

TEST_CASE("a batch reports at most the session cap of steps and counts the rest", "[steps]") {
  Chunk c;
  for (int k = 0; k < 40; ++k) c.page(t0 + k, "/p" + std::to_string(k));
  Steps s = steps_from_ndjson(c.ndjson);
  CHECK(s.steps.size() == kMaxSessionSteps);
  CHECK(s.dropped == 40 - kMaxSessionSteps);
  CHECK(s.steps.back().text == "p/p31");
}

TEST_CASE("custom-event properties go into the step sorted by key and into the rollup", "[steps]") {
  Chunk c;
  c.custom(t0, "checkout", R"({"plan":"pro","amount":49,"trial":true,"skip":null,"nested":{"a":1}})");
  c.custom(t0 + kDay, "checkout", R"({"plan":"pro"})");
  c.custom(t0 + kDay + 1, "checkout", R"({"plan":"pro"})");
  Steps s = steps_from_ndjson(c.ndjson);
  REQUIRE(s.steps.size() == 2);
  CHECK(s.steps[0].text == "echeckout\x1d" "amount\x1e" "49\x1d" "plan\x1e" "pro\x1d" "trial\x1e" "true");
  REQUIRE(s.props.size() == 4);
  CHECK(s.props[0].key == "amount");
  CHECK(s.props[0].value == "49");
  CHECK(s.props[1].key == "plan");
  CHECK(s.props[1].count == 1);
  CHECK(s.props[3].key == "plan");
  CHECK(s.props[3].count == 2);
  CHECK(s.props[3].day == s.props[0].day + 1);

  SECTION("at most kMaxPropsPerEvent properties are kept per event") {
    std::string props = "{";
    for (int k = 0; k < 12; ++k) props += (k ? ",\"k" : "\"k") + std::to_string(10 + k) + "\":1";
    Chunk d;
    d.custom(t0, "many", props + "}");
    CHECK(steps_from_ndjson(d.ndjson).props.size() == kMaxPropsPerEvent);
  }
}

TEST_CASE("separators and control characters never reach a step's text", "[steps]") {
  Chunk c;
  c.custom(t0, "a\x1f" "b", R"({"k\u001e":"v\n1"})");
  Steps s = steps_from_ndjson(c.ndjson);
  REQUIRE(s.steps.size() == 1);
  CHECK(s.steps[0].text == "ea b\x1d" "k \x1e" "v 1");
  CHECK(step_text_clean(std::string(300, 'x'), kMaxStepNameBytes).size() == kMaxStepNameBytes);
  CHECK(step_text_clean("\xC3\xA9\xC3\xA9", 3) == "\xC3\xA9");
}

TEST_CASE("the steps' JSON form names every field", "[steps]") {
  Chunk c;
  c.page(t0, "/a").custom(t0 + 1, "buy", R"({"sku":"x1"})");
  std::string text;
  append_steps_json(steps_from_ndjson(c.ndjson), &text);
  auto j = nlohmann::json::parse(text);
  CHECK(j["steps"][0]["step"] == "p/a");
  CHECK(j["steps"][1]["ts"] == t0 + 1);
  CHECK(j["dropped"] == 0);
  CHECK(j["props"][0]["event"] == "buy");
  CHECK(j["props"][0]["key"] == "sku");
  CHECK(j["props"][0]["value"] == "x1");
  CHECK(j["props"][0]["count"] == 1);
}
