#include "telsim/models/dial_plan.hpp"

#include <algorithm>

namespace telsim {

void DialPlan::add(std::string number) {
  numbers_.push_back(std::move(number));
  sorted_ = false;
}

void DialPlan::sort_if_needed() const {
  if (sorted_) return;
  std::sort(numbers_.begin(), numbers_.end());
  numbers_.erase(std::unique(numbers_.begin(), numbers_.end()), numbers_.end());
  sorted_ = true;
}

bool DialPlan::contains(std::string_view number) const {
  sort_if_needed();
  return std::binary_search(numbers_.begin(), numbers_.end(), number);
}

DialPlan::Match DialPlan::classify(std::string_view digits) const {
  sort_if_needed();
  // In sorted order, the numbers that start with `digits` form one run beginning at
  // lower_bound(digits); an exact match, if any, is its first element.
  auto it = std::lower_bound(numbers_.begin(), numbers_.end(), digits);
  if (it == numbers_.end() || !std::string_view(*it).starts_with(digits)) return Match::Invalid;
  const bool exact = *it == digits;
  if (!exact) return Match::Incomplete;
  auto next = std::next(it);
  const bool longer = next != numbers_.end() && std::string_view(*next).starts_with(digits);
  return longer ? Match::Ambiguous : Match::Complete;
}

bool is_dialable(std::string_view digits) {
  return std::all_of(digits.begin(), digits.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D');
  });
}

}  // namespace telsim
