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

void DialPlan::add_prefix(std::string prefix, std::uint32_t length) {
  prefixes_.emplace_back(std::move(prefix), length);
}

DialPlan::Match DialPlan::classify(std::string_view digits) const {
  sort_if_needed();
  for (const auto& [prefix, length] : prefixes_) {
    if (digits.size() <= prefix.size() || !digits.starts_with(prefix)) continue;
    const std::size_t rest = digits.size() - prefix.size();
    if (length == 0) return Match::Ambiguous;  // complete once nothing more is dialled
    return rest >= length ? Match::Complete : Match::Incomplete;
  }
  // In sorted order, the numbers that start with `digits` form one run beginning at
  // lower_bound(digits); an exact match, if any, is its first element.
  const bool access_code_so_far = std::any_of(prefixes_.begin(), prefixes_.end(), [&](const auto& p) {
    return std::string_view(p.first).starts_with(digits);
  });
  auto it = std::lower_bound(numbers_.begin(), numbers_.end(), digits);
  if (it == numbers_.end() || !std::string_view(*it).starts_with(digits))
    return access_code_so_far ? Match::Incomplete : Match::Invalid;
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
