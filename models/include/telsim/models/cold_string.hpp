#pragma once
/// A string field most objects never set: one pointer while empty, a heap string once set.
///
/// A call handle has some twenty strings (a park orbit, the user-user information, the display
/// text, the ACD queue …) that an ordinary call never touches. As std::string each costs 32 bytes
/// to hold, construct, move and destroy on every call; as ColdString, 8 bytes and a null test.
/// Reads see a `const std::string&` (the empty string while unset); assigning an empty string
/// frees it again.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace telsim {

class ColdString {
 public:
  ColdString() = default;
  ColdString(std::string s) { assign(std::move(s)); }  // NOLINT: implicit, as std::string converts
  ColdString(std::string_view s) { assign(std::string(s)); }
  ColdString(const char* s) { assign(std::string(s)); }
  ColdString(const ColdString& o) {
    if (!o.empty()) p_ = std::make_unique<std::string>(*o.p_);
  }
  ColdString(ColdString&&) noexcept = default;
  ColdString& operator=(const ColdString& o) {
    if (this != &o) *this = o.str();  // the std::string assignment below: no copy while unset
    return *this;
  }
  ColdString& operator=(ColdString&&) noexcept = default;
  ColdString& operator=(const std::string& s) {
    if (s.empty()) p_.reset();  // the usual case on a call's way: no copy made, nothing held
    else if (p_) *p_ = s;
    else p_ = std::make_unique<std::string>(s);
    return *this;
  }
  ColdString& operator=(std::string&& s) {
    assign(std::move(s));
    return *this;
  }
  ColdString& operator=(std::string_view s) {
    assign(std::string(s));
    return *this;
  }
  ColdString& operator=(const char* s) {
    assign(std::string(s));
    return *this;
  }

  const std::string& str() const { return p_ ? *p_ : empty_string(); }
  operator const std::string&() const { return str(); }  // NOLINT: reads as a std::string
  operator std::string_view() const { return str(); }    // NOLINT
  bool empty() const { return !p_ || p_->empty(); }
  std::size_t size() const { return p_ ? p_->size() : 0; }
  const char* c_str() const { return str().c_str(); }
  void clear() { p_.reset(); }
  /// The string to change in place (made empty if it was unset).
  std::string& mut() {
    if (!p_) p_ = std::make_unique<std::string>();
    return *p_;
  }
  ColdString& operator+=(std::string_view s) {
    if (!s.empty()) mut() += s;
    return *this;
  }
  ColdString& operator+=(char c) {
    mut() += c;
    return *this;
  }

  friend bool operator==(const ColdString& a, const ColdString& b) { return a.str() == b.str(); }
  friend bool operator==(const ColdString& a, std::string_view b) { return a.str() == b; }
  friend bool operator==(const ColdString& a, const std::string& b) { return a.str() == b; }
  friend bool operator==(const ColdString& a, const char* b) { return a.str() == b; }

 private:
  static const std::string& empty_string() {
    static const std::string empty;
    return empty;
  }
  void assign(std::string s) {
    if (s.empty()) p_.reset();
    else if (p_) *p_ = std::move(s);
    else p_ = std::make_unique<std::string>(std::move(s));
  }

  std::unique_ptr<std::string> p_;
};

}  // namespace telsim

template <>
struct fmt::formatter<telsim::ColdString> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(const telsim::ColdString& s, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(std::string_view(s.str()), ctx);
  }
};
