// libFuzzer target for the scenario loader: parse_scenario must turn any text into a Scenario
// or a ScenarioError that names a place in the file. Any other exception, or a crash, is a bug.
// Seeds: the bundled scenarios (scenarios/). How to run it for longer: docs/design.md, "Fuzzing".
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <typeinfo>

#include "telsim/sim/scenario.hpp"

namespace {

[[noreturn]] void violated(const char* what, const std::string& detail) {
  std::fprintf(stderr, "scenario_fuzz: %s: %s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const telsim::Scenario scenario = telsim::parse_scenario(text, "fuzz.yaml");
    if (scenario.file != "fuzz.yaml") violated("the scenario forgot its file name", scenario.file);
    if (scenario.pbx.lines.empty()) violated("a scenario loaded without extensions", scenario.name);
  } catch (const telsim::ScenarioError& e) {
    if (e.file() != "fuzz.yaml" || e.line() < 1 || e.column() < 1 ||
        e.message().rfind("fuzz.yaml:", 0) != 0)
      violated("a ScenarioError without a FILE:LINE:COL place", e.message());
  } catch (const std::exception& e) {
    violated((std::string("parse_scenario let an exception other than ScenarioError escape: ") +
              typeid(e).name()).c_str(), e.what());
  }
  return 0;
}
