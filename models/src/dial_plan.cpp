#include "telsim/models/dial_plan.hpp"

#include <algorithm>
#include <array>

namespace telsim {

namespace {

/// The sixteen dial digits in character order: # * 0-9 A-D, coded 0 to 15.
constexpr std::string_view kDigits = "#*0123456789ABCD";

constexpr std::array<std::int8_t, 256> kCode = [] {
  std::array<std::int8_t, 256> code{};
  code.fill(-1);
  for (std::size_t i = 0; i < kDigits.size(); ++i) code[static_cast<unsigned char>(kDigits[i])] = static_cast<std::int8_t>(i);
  return code;
}();

constexpr std::size_t kMaxPacked = 15;

/// `s` four bits a digit from the top, its length in the lowest four bits. Words compare as the
/// strings do: where the digits differ, at the first difference (a string that ended there reads
/// '#', the lowest code, 0); where one is the other followed by '#'s, by the length. And a word at
/// least that of `d` starts with `d` exactly when its top 4 * d.size() bits are `d`'s. Nothing
/// when `s` is longer than 15 or holds a character that is not a dial digit.
std::optional<std::uint64_t> pack(std::string_view s) {
  if (s.size() > kMaxPacked) return std::nullopt;
  std::uint64_t word = s.size();
  for (std::size_t i = 0; i < s.size(); ++i) {
    const int code = kCode[static_cast<unsigned char>(s[i])];
    if (code < 0) return std::nullopt;
    word |= static_cast<std::uint64_t>(code) << (60 - 4 * i);
  }
  return word;
}

std::string unpack(std::uint64_t word) {
  std::string s(static_cast<std::size_t>(word & 0xF), '#');
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = kDigits[static_cast<std::size_t>(word >> (60 - 4 * i) & 0xF)];
  return s;
}

/// The top 4 * digits bits.
std::uint64_t prefix_mask(std::size_t digits) { return digits == 0 ? 0 : ~std::uint64_t{0} << (64 - 4 * digits); }

}  // namespace

void DialPlan::add(std::string number) {
  sorted_ = false;
  if (packed_) {
    if (const auto word = pack(number)) return kept_.push_back(*word);
    packed_ = false;
    for (std::uint64_t w : kept_) numbers_.push_back(unpack(w));
    std::vector<std::uint64_t>().swap(kept_);
  }
  numbers_.push_back(std::move(number));
}

void DialPlan::sort_if_needed() const {
  if (sorted_) return;
  std::sort(kept_.begin(), kept_.end());
  kept_.erase(std::unique(kept_.begin(), kept_.end()), kept_.end());
  std::sort(numbers_.begin(), numbers_.end());
  numbers_.erase(std::unique(numbers_.begin(), numbers_.end()), numbers_.end());
  sorted_ = true;
}

bool DialPlan::contains(std::string_view number) const {
  sort_if_needed();
  if (packed_) {
    const auto word = pack(number);
    return word && std::binary_search(kept_.begin(), kept_.end(), *word);
  }
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
  if (packed_) {
    // Digits that do not pack are in no number (every number packs).
    const auto word = pack(digits);
    if (!word) return access_code_so_far ? Match::Incomplete : Match::Invalid;
    const auto it = std::lower_bound(kept_.begin(), kept_.end(), *word);
    const std::uint64_t mask = prefix_mask(digits.size());  // digits.size() <= 15 here
    if (it == kept_.end() || (*it & mask) != (*word & mask))
      return access_code_so_far ? Match::Incomplete : Match::Invalid;
    if (*it != *word) return Match::Incomplete;
    const auto next = std::next(it);
    return next != kept_.end() && (*next & mask) == (*word & mask) ? Match::Ambiguous : Match::Complete;
  }
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
