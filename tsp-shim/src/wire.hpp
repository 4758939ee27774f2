#pragma once
// The JSON-lines protocol of `telsim serve` (docs/protocol.md) over Winsock: connecting with a
// timeout, splitting the byte stream into frames, and a blocking session for one-shot queries
// (the TSP's device enumeration, the test host's monitor connection). The TSP's own connection
// is driven by its I/O thread (provider_io.cpp) with the same pieces. The names of ops, events,
// fields and values are the wire schema's (telsim/server/wire_schema.hpp), the server's own.
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <tapi.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "settings.hpp"
#include "telsim/server/wire_schema.hpp"

namespace telsim::tsp {

using json = nlohmann::json;
namespace schema = telsim::wire::schema;  // the wire's vocabulary: ops, events, fields, values
namespace field = schema::field;

/// LINECALLFEATURE_* bits this TSP passes on (the server's `features` are masked with it): those
/// of the catalogue's operations, all the server can report.
constexpr DWORD kKnownCallFeatures = schema::call_features();

/// Every LINEDISCONNECTMODE_* the simulator reports (the wire's `mode_name`s), and TEMPFAILURE
/// (the TSP's own, when the server goes away).
constexpr DWORD kAllDisconnectModes = [] {
  DWORD bits = LINEDISCONNECTMODE_TEMPFAILURE;
  for (std::string_view name : schema::kDisconnectModes) bits |= tapi_names::kDisconnectMode.value_of(name).value_or(0);
  return bits;
}();

/// dwParam2 of LINE_CALLSTATE (and LINECALLSTATUS.dwCallStateMode) for a state the server
/// reported with LINEDISCONNECTMODE `mode` (0 when none). The simulator only says how a call
/// ended; for the other states the TSP reports the mode its PBX always has (docs/tsp.md):
/// DIALTONE INTERNAL (a PBX extension), OFFERING and CONNECTED ACTIVE, BUSY STATION, SPECIALINFO
/// CUSTIRREG (the simulator's intercept is for a vacant number). CONFERENCED carries the
/// conference's TAPI handle instead, which only the TSP knows.
DWORD call_state_mode(DWORD state, DWORD mode);

/// WSAStartup/WSACleanup for the lifetime of the object.
class WinsockScope {
 public:
  WinsockScope();
  ~WinsockScope();
  WinsockScope(const WinsockScope&) = delete;
  WinsockScope& operator=(const WinsockScope&) = delete;
  bool ok() const { return ok_; }

 private:
  bool ok_ = false;
};

/// Connect to `to` within `timeout_ms`; `abort` (may be null) is an event that gives up early.
/// Returns a connected blocking socket with TCP_NODELAY, or INVALID_SOCKET with `error` set.
SOCKET connect_socket(const Endpoint& to, DWORD timeout_ms, HANDLE abort, std::string& error);

/// Splits a byte stream into lines ('\n', an optional '\r' before it dropped). A line longer
/// than `limit` bytes is an error: the stream cannot be trusted after it.
class LineSplitter {
 public:
  explicit LineSplitter(std::size_t limit = 4u << 20) : limit_(limit) {}
  /// Append bytes; complete lines go to `out`. False once a line exceeded the limit.
  bool feed(const char* data, std::size_t n, std::vector<std::string>& out);
  void clear() { partial_.clear(); }

 private:
  std::size_t limit_;
  std::string partial_;
};

/// Parse one frame; nullopt for anything but a JSON object.
std::optional<json> parse_frame(std::string_view line);

/// A blocking connection for simple request/reply use. Events that arrive while waiting for a
/// reply are kept (events()).
class BlockingSession {
 public:
  BlockingSession() = default;
  ~BlockingSession();
  BlockingSession(const BlockingSession&) = delete;
  BlockingSession& operator=(const BlockingSession&) = delete;

  bool connect(const Endpoint& to, DWORD timeout_ms, std::string& error);
  void close();
  bool connected() const { return sock_ != INVALID_SOCKET; }
  /// Send a frame (an "id" is added when missing); the id used.
  std::optional<long long> send(json frame, std::string& error);
  /// The next frame, waiting at most `timeout_ms`; nullopt on timeout, EOF or error (`error`).
  std::optional<json> next(DWORD timeout_ms, std::string& error);
  /// Send and wait for the reply with the same id; events meanwhile go to events().
  std::optional<json> request(json frame, DWORD timeout_ms, std::string& error);
  std::deque<json>& events() { return events_; }

 private:
  SOCKET sock_ = INVALID_SOCKET;
  LineSplitter splitter_;
  std::deque<json> ready_;
  std::deque<json> events_;
  long long next_id_ = 1;
};

}  // namespace telsim::tsp
