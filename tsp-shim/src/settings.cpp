#include "settings.hpp"

#include <windows.h>

#include <cstdlib>
#include <cwchar>

#include "text.hpp"

namespace telsim::tsp {

std::string Endpoint::text() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<Endpoint> parse_endpoint(std::string_view text, std::string& error) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      error = "'" + std::string(text) + "' is not [address]:port";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      error = "'" + std::string(text) + "' is not host:port (e.g. 127.0.0.1:5070)";
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty()) {
    error = "'" + std::string(text) + "' has no host";
    return std::nullopt;
  }
  unsigned long value = 0;
  bool digits = !port.empty() && port.size() <= 5;
  for (char c : port) {
    if (c < '0' || c > '9') digits = false;
    else value = value * 10 + static_cast<unsigned long>(c - '0');
  }
  if (!digits || value == 0 || value > 65535) {
    error = "'" + std::string(text) + "': the port must be a number 1..65535";
    return std::nullopt;
  }
  return Endpoint{std::string(host), static_cast<std::uint16_t>(value)};
}

namespace {

constexpr const wchar_t* kRegistryKey = L"SOFTWARE\\telsim";

std::optional<std::wstring> env(const wchar_t* name) {
  const DWORD n = GetEnvironmentVariableW(name, nullptr, 0);
  if (n == 0) return std::nullopt;
  std::wstring value(n, L'\0');
  const DWORD got = GetEnvironmentVariableW(name, value.data(), n);
  value.resize(got);
  return value;
}

// RRF_RT_REG_SZ alone: a REG_EXPAND_SZ value is expanded and matches it too, while asking for
// RRF_RT_REG_EXPAND_SZ without RRF_NOEXPAND is ERROR_INVALID_PARAMETER (no value was ever read).
std::optional<std::wstring> registry_text(const wchar_t* name) {
  DWORD type = 0, size = 0;
  if (RegGetValueW(HKEY_LOCAL_MACHINE, kRegistryKey, name, RRF_RT_REG_SZ, &type, nullptr,
                   &size) != ERROR_SUCCESS)
    return std::nullopt;
  std::wstring value(size / sizeof(wchar_t) + 1, L'\0');
  if (RegGetValueW(HKEY_LOCAL_MACHINE, kRegistryKey, name, RRF_RT_REG_SZ, &type,
                   value.data(), &size) != ERROR_SUCCESS)
    return std::nullopt;
  value.resize(wcsnlen(value.c_str(), value.size()));
  return value;
}

std::optional<DWORD> registry_dword(const wchar_t* name) {
  DWORD value = 0, size = sizeof value;
  if (RegGetValueW(HKEY_LOCAL_MACHINE, kRegistryKey, name, RRF_RT_REG_DWORD, nullptr, &value, &size) !=
      ERROR_SUCCESS)
    return std::nullopt;
  return value;
}

/// The environment variable, else the registry value: the text and where it came from.
std::optional<std::wstring> lookup(const wchar_t* env_name, const wchar_t* reg_name, std::string& from) {
  if (auto v = env(env_name)) {
    from = narrow(env_name);
    return v;
  }
  if (auto v = registry_text(reg_name)) {
    from = "HKLM\\SOFTWARE\\telsim\\" + narrow(reg_name);
    return v;
  }
  return std::nullopt;
}

}  // namespace

bool load_settings(Settings& out, std::string& error) {
  Settings& s = out;
  s = Settings{};
  std::string from;
  // The log file first: a bad value further on is reported there.
  if (auto v = lookup(L"TELSIM_TSP_LOG", L"LogFile", from)) s.log_file = *v;
  if (auto v = lookup(L"TELSIM_SERVER", L"Server", from)) {
    std::string why;
    const auto ep = parse_endpoint(narrow(*v), why);
    if (!ep) {
      error = from + ": " + why;
      return false;
    }
    s.server = *ep;
    s.server_from = from;
  }
  if (auto v = lookup(L"TELSIM_TOKEN", L"Token", from)) s.token = narrow(*v);
  std::optional<unsigned long> timeout;
  if (auto v = env(L"TELSIM_TSP_TIMEOUT")) {
    from = "TELSIM_TSP_TIMEOUT";
    wchar_t* end = nullptr;
    const unsigned long n = std::wcstoul(v->c_str(), &end, 10);
    if (v->empty() || *end != L'\0') {
      error = from + ": '" + narrow(*v) + "' is not a whole number of seconds";
      return false;
    }
    timeout = n;
  } else if (auto d = registry_dword(L"RequestTimeout")) {
    from = "HKLM\\SOFTWARE\\telsim\\RequestTimeout";
    timeout = *d;
  }
  if (timeout) {
    if (*timeout < 1 || *timeout > 3600) {
      error = from + ": " + std::to_string(*timeout) + " s is outside 1..3600";
      return false;
    }
    s.request_timeout_ms = static_cast<std::uint32_t>(*timeout * 1000);
  }
  return true;
}

}  // namespace telsim::tsp
