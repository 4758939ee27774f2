#include "wire.hpp"

#include <mswsock.h>

namespace telsim::tsp {

WinsockScope::WinsockScope() {
  WSADATA data;
  ok_ = WSAStartup(MAKEWORD(2, 2), &data) == 0;
}

WinsockScope::~WinsockScope() {
  if (ok_) WSACleanup();
}

namespace {

std::string wsa_message(int code) {
  wchar_t* text = nullptr;
  FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                 nullptr, static_cast<DWORD>(code), 0, reinterpret_cast<wchar_t*>(&text), 0, nullptr);
  std::wstring w = text ? text : L"";
  if (text) LocalFree(text);
  while (!w.empty() && (w.back() == L'\n' || w.back() == L'\r' || w.back() == L' ' || w.back() == L'.')) w.pop_back();
  std::string out;
  for (wchar_t c : w) out += c < 128 ? static_cast<char>(c) : '?';
  return (out.empty() ? "error" : out) + " (" + std::to_string(code) + ")";
}

/// Connect one resolved address: non-blocking connect, then wait for FD_CONNECT.
SOCKET connect_one(const addrinfo* ai, DWORD timeout_ms, HANDLE abort, std::string& error) {
  SOCKET s = WSASocketW(ai->ai_family, ai->ai_socktype, ai->ai_protocol, nullptr, 0, WSA_FLAG_OVERLAPPED);
  if (s == INVALID_SOCKET) {
    error = "socket: " + wsa_message(WSAGetLastError());
    return INVALID_SOCKET;
  }
  WSAEVENT ev = WSACreateEvent();
  WSAEventSelect(s, ev, FD_CONNECT);
  bool ok = false;
  if (::connect(s, ai->ai_addr, static_cast<int>(ai->ai_addrlen)) == 0) {
    ok = true;
  } else if (WSAGetLastError() != WSAEWOULDBLOCK) {
    error = wsa_message(WSAGetLastError());
  } else {
    HANDLE handles[2] = {ev, abort};
    const DWORD r = WaitForMultipleObjects(abort ? 2 : 1, handles, FALSE, timeout_ms);
    if (r == WAIT_OBJECT_0) {
      WSANETWORKEVENTS ne{};
      WSAEnumNetworkEvents(s, ev, &ne);
      if ((ne.lNetworkEvents & FD_CONNECT) && ne.iErrorCode[FD_CONNECT_BIT] == 0) ok = true;
      else error = wsa_message(ne.iErrorCode[FD_CONNECT_BIT]);
    } else if (r == WAIT_OBJECT_0 + 1) {
      error = "cancelled";
    } else {
      error = "timed out after " + std::to_string(timeout_ms) + " ms";
    }
  }
  WSAEventSelect(s, nullptr, 0);
  WSACloseEvent(ev);
  if (!ok) {
    closesocket(s);
    return INVALID_SOCKET;
  }
  u_long blocking = 0;
  ioctlsocket(s, FIONBIO, &blocking);
  BOOL one = TRUE;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&one), sizeof one);
  return s;
}

}  // namespace

SOCKET connect_socket(const Endpoint& to, DWORD timeout_ms, HANDLE abort, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  addrinfo* list = nullptr;
  const std::string port = std::to_string(to.port);
  if (const int rc = getaddrinfo(to.host.c_str(), port.c_str(), &hints, &list); rc != 0) {
    error = "cannot resolve '" + to.host + "': " + wsa_message(rc);
    return INVALID_SOCKET;
  }
  SOCKET s = INVALID_SOCKET;
  for (const addrinfo* ai = list; ai && s == INVALID_SOCKET; ai = ai->ai_next) {
    s = connect_one(ai, timeout_ms, abort, error);
    if (error == "cancelled") break;
  }
  freeaddrinfo(list);
  if (s == INVALID_SOCKET) error = "cannot connect to " + to.text() + ": " + error;
  return s;
}

bool LineSplitter::feed(const char* data, std::size_t n, std::vector<std::string>& out) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (data[i] != '\n') continue;
    partial_.append(data + start, i - start);
    if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
    if (partial_.size() > limit_) return false;
    if (!partial_.empty()) out.push_back(std::move(partial_));
    partial_.clear();
    start = i + 1;
  }
  partial_.append(data + start, n - start);
  return partial_.size() <= limit_;
}

std::optional<json> parse_frame(std::string_view line) {
  json j = json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

BlockingSession::~BlockingSession() { close(); }

bool BlockingSession::connect(const Endpoint& to, DWORD timeout_ms, std::string& error) {
  close();
  sock_ = connect_socket(to, timeout_ms, nullptr, error);
  return sock_ != INVALID_SOCKET;
}

void BlockingSession::close() {
  if (sock_ != INVALID_SOCKET) {
    shutdown(sock_, SD_BOTH);
    closesocket(sock_);
  }
  sock_ = INVALID_SOCKET;
  splitter_.clear();
  ready_.clear();
}

std::optional<long long> BlockingSession::send(json frame, std::string& error) {
  if (sock_ == INVALID_SOCKET) {
    error = "not connected";
    return std::nullopt;
  }
  if (!frame.contains(field::kId)) frame[field::kId] = next_id_++;
  const long long id = frame[field::kId].is_number_integer() ? frame[field::kId].get<long long>() : 0;
  const std::string text = frame.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    const int n = ::send(sock_, text.data() + done, static_cast<int>(text.size() - done), 0);
    if (n <= 0) {
      error = "send: " + wsa_message(WSAGetLastError());
      return std::nullopt;
    }
    done += static_cast<std::size_t>(n);
  }
  return id;
}

std::optional<json> BlockingSession::next(DWORD timeout_ms, std::string& error) {
  const ULONGLONG deadline = GetTickCount64() + timeout_ms;
  while (ready_.empty()) {
    if (sock_ == INVALID_SOCKET) {
      error = "not connected";
      return std::nullopt;
    }
    const ULONGLONG now = GetTickCount64();
    if (now >= deadline) {
      error = "no frame within " + std::to_string(timeout_ms) + " ms";
      return std::nullopt;
    }
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(sock_, &readable);
    const ULONGLONG left = deadline - now;
    timeval tv{static_cast<long>(left / 1000), static_cast<long>((left % 1000) * 1000)};
    const int r = select(0, &readable, nullptr, nullptr, &tv);
    if (r < 0) {
      error = "select: " + wsa_message(WSAGetLastError());
      return std::nullopt;
    }
    if (r == 0) continue;
    char buf[16384];
    const int n = recv(sock_, buf, sizeof buf, 0);
    if (n <= 0) {
      error = n == 0 ? "the server closed the connection" : "recv: " + wsa_message(WSAGetLastError());
      close();
      return std::nullopt;
    }
    std::vector<std::string> lines;
    if (!splitter_.feed(buf, static_cast<std::size_t>(n), lines)) {
      error = "a frame from the server exceeds the size limit";
      close();
      return std::nullopt;
    }
    for (const std::string& line : lines) {
      if (auto f = parse_frame(line)) ready_.push_back(std::move(*f));
    }
  }
  json f = std::move(ready_.front());
  ready_.pop_front();
  return f;
}

std::optional<json> BlockingSession::request(json frame, DWORD timeout_ms, std::string& error) {
  const auto id = send(std::move(frame), error);
  if (!id) return std::nullopt;
  const ULONGLONG deadline = GetTickCount64() + timeout_ms;
  for (;;) {
    const ULONGLONG now = GetTickCount64();
    if (now >= deadline) {
      error = "no reply within " + std::to_string(timeout_ms) + " ms";
      return std::nullopt;
    }
    auto f = next(static_cast<DWORD>(deadline - now), error);
    if (!f) return std::nullopt;
    if (f->contains(field::kEvent)) {
      events_.push_back(std::move(*f));
      continue;
    }
    if (f->value(field::kId, json()) == json(*id)) return f;
  }
}

DWORD call_state_mode(DWORD state, DWORD mode) {
  switch (state) {
    case LINECALLSTATE_DIALTONE: return LINEDIALTONEMODE_INTERNAL;
    case LINECALLSTATE_OFFERING: return LINEOFFERINGMODE_ACTIVE;
    case LINECALLSTATE_CONNECTED: return LINECONNECTEDMODE_ACTIVE;
    case LINECALLSTATE_BUSY: return mode == LINEBUSYMODE_TRUNK ? DWORD{LINEBUSYMODE_TRUNK} : DWORD{LINEBUSYMODE_STATION};
    case LINECALLSTATE_SPECIALINFO: return LINESPECIALINFO_CUSTIRREG;
    case LINECALLSTATE_DISCONNECTED: {
      // One bit, one the TSP knows (LINEDISCONNECTMODE_* are single bits).
      const DWORD known = mode & kAllDisconnectModes;
      return known != 0 && (known & (known - 1)) == 0 ? known : static_cast<DWORD>(LINEDISCONNECTMODE_UNKNOWN);
    }
    default: return 0;
  }
}

}  // namespace telsim::tsp
