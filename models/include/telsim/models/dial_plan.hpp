#pragma once
/// Decides when a dialled digit string is a complete number. Numbers of different lengths may
/// coexist ("20" and "201"): a string that is complete but also the prefix of a longer number
/// waits for the inter-digit timeout before it is taken as final.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

namespace telsim {

class DialPlan {
 public:
  enum class Match {
    Complete,    ///< a number, and no longer number starts with it
    Ambiguous,   ///< a number, but also the prefix of a longer one
    Incomplete,  ///< the prefix of at least one number
    Invalid,     ///< no number starts with it
  };
  void add(std::string number);
  /// Numbers that start with `prefix` (an outside-line access code) and have `length` more
  /// digits; with length 0 they are complete only after the inter-digit timeout.
  void add_prefix(std::string prefix, std::uint32_t length);
  Match classify(std::string_view digits) const;
  bool contains(std::string_view number) const;

 private:
  void sort_if_needed() const;
  // While every number is at most 15 dial digits (0-9 * # A-D), as nearly every plan's are, the
  // numbers are kept packed four bits a digit in one 64-bit word that sorts as the string does
  // (kept_ holds them), and classify, called as each call's digits arrive, binary-searches words
  // instead of strings: a tenth of the work and a quarter of the memory for a large switch. A
  // number that does not pack turns the plan to strings (numbers_) for good.
  bool packed_ = true;
  mutable std::vector<std::uint64_t> kept_;
  mutable std::vector<std::string> numbers_;
  std::vector<std::pair<std::string, std::uint32_t>> prefixes_;
  mutable bool sorted_ = true;
};

/// True if every character is a dialable digit for this PBX: 0-9 * # A-D.
bool is_dialable(std::string_view digits);

}  // namespace telsim
