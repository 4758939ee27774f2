#include "telsim/results/run_result.hpp"

#include <algorithm>

namespace telsim {

std::size_t RunResult::passed() const {
  return static_cast<std::size_t>(std::count_if(expectations.begin(), expectations.end(),
                                                [](const ExpectationResult& e) { return e.ok; }));
}
std::size_t RunResult::failed() const { return expectations.size() - passed(); }

}  // namespace telsim
