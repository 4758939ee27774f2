// Parameter lists of the statistical tests (erlang_b_test, erlang_c_test).
#pragma once

#include <gtest/gtest.h>

namespace telsim::test {

/// `::testing::Values` of every case, or of the first alone in a sanitized build (scripts/test's
/// second stage). Each case is a long run of the same code with other numbers: under the
/// sanitizers one of them checks that code's memory, and the others would add a minute to the
/// stage and nothing to that check. The normal build runs them all, and the one a sanitized
/// build runs gives the same figures as there (same scenario, same seed).
template <typename Case, typename... More>
auto stat_cases(Case first, More... more) {
#ifdef TELSIM_SANITIZED
  ((void)more, ...);
  return ::testing::Values(first);
#else
  return ::testing::Values(first, more...);
#endif
}

}  // namespace telsim::test
