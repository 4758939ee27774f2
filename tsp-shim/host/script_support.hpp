#pragma once
// What the host's scripts share (scripts.cpp, scripts_features.cpp): reporting, buffers with
// guard bytes, the call-state sequence check against docs/tapi-conformance.md and the server, call info.
#include <windows.h>
#include <tapi.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "scripts.hpp"
#include "tapi_sim.hpp"

namespace telsim::tsp::host {

class Monitor;

constexpr LONG err(DWORD e) { return static_cast<LONG>(e); }

/// "== what" on stdout: the test log says how far a script got.
void step(const std::string& what);
/// A Failure with `what` unless `ok`.
void expect(bool ok, const std::string& what);
/// Ask the test driver (tsp_shim_test.cpp) to do something to the server, and wait until it has.
void ask_driver(const std::string& what);

/// A variable-size TAPI structure in a buffer with guard bytes after dwTotalSize.
template <typename T>
struct Buffer {
  explicit Buffer(DWORD total_size, DWORD room = 0)
      : bytes(std::max<DWORD>(total_size, room) + kGuard, 0xCD), total(total_size) {
    std::memset(bytes.data(), 0, sizeof(DWORD));
    get()->dwTotalSize = total_size;
  }
  T* get() { return reinterpret_cast<T*>(bytes.data()); }
  T* operator->() { return get(); }
  std::wstring text(DWORD size, DWORD offset) const {
    if (size < sizeof(wchar_t)) return L"";
    return std::wstring(reinterpret_cast<const wchar_t*>(bytes.data() + offset), size / sizeof(wchar_t) - 1);
  }
  /// A "a\0b\0\0" list.
  std::vector<std::wstring> texts(DWORD size, DWORD offset) const {
    std::vector<std::wstring> out;
    const wchar_t* p = reinterpret_cast<const wchar_t*>(bytes.data() + offset);
    const wchar_t* end = p + size / sizeof(wchar_t);
    while (p < end && *p) {
      out.emplace_back(p);
      p += out.back().size() + 1;
    }
    return out;
  }
  /// Nothing written past dwTotalSize.
  bool guard_intact() const {
    return std::all_of(bytes.begin() + total, bytes.end(), [](BYTE b) { return b == 0xCD; });
  }
  static constexpr DWORD kGuard = 64;
  std::vector<BYTE> bytes;
  DWORD total;
};

/// The server's name of a call ("c17"), from LINECALLINFO.dwCallID and lineGetID(telsim/call).
std::string server_call(Tsp& t, TapiCall& c);

/// The call went through exactly `expected` (docs/tapi-conformance.md), and so did the server's call: same
/// states in the same order, each LINE_CALLSTATE's dwParam2 the mode the server reported, and
/// LINECALLSTATUS (read inside each callback) agreeing with the message.
void check_sequence(Tsp& t, Monitor& mon, TapiCall& c, const std::string& server, const std::vector<DWORD>& expected,
                    TapiCall* conference = nullptr);

/// check_sequence for each call, printed; the server's names of the calls, in order.
std::vector<std::string> check_sequences(Tsp& t, Monitor& mon,
                                         const std::vector<std::pair<TapiCall*, std::vector<DWORD>>>& all,
                                         TapiCall* conference = nullptr);

/// The server no longer knows the call (TSPI_lineCloseCall deallocated it). Asked again until
/// it says so: the TSP sends the deallocation on its own thread.
void wait_deallocated(Monitor& mon, const std::string& server);

/// dwCallFeatures of `of`, as read inside `in`'s LINE_CALLSTATE `state`.
DWORD features_seen(const TapiCall& in, DWORD state, const TapiCall& of);

/// A LINE_CALLINFO with any of `bits` came for the call.
bool info_changed(const TapiCall& c, DWORD bits);

/// dwParam2 of the call's last LINE_CALLSTATE `state` (a Failure if it never had it).
DWORD_PTR mode_of(const TapiCall& c, DWORD state);

struct CallInfo {
  DWORD origin, reason, call_id, related, param_flags, completion_id, connected_flags;
  std::wstring caller, caller_name, called, called_name, redirecting, redirection, connected;
};

/// LINECALLINFO of a call, its sizes checked.
CallInfo call_info(Tsp& t, TapiCall& c);

LINEDEVSTATUS dev_status(Tsp& t, TapiLine& l);

void close_all(FakeTapi& tapi, const std::vector<TapiCall*>& calls, const std::vector<TapiLine*>& lines);

/// lineMakeCall from `from` to `to`, which must succeed; returns the new call.
TapiCall& make_call(FakeTapi& tapi, TapiLine& from, const std::wstring& to, const std::string& label);
/// lineAnswer, which must succeed, then the call is CONNECTED.
void answer(FakeTapi& tapi, TapiCall& c);
/// lineDrop, which must succeed, then the call is IDLE.
void drop(FakeTapi& tapi, TapiCall& c);

/// Refused with OPERATIONUNAVAIL: at once (the switch does not offer it), or by the server.
void expect_unavail(FakeTapi& tapi, LONG returned, DRV_REQUESTID r, const std::string& what);

/// What a line's LINEDEVCAPS and LINEADDRESSCAPS (TAPI 3.0) advertise.
struct Advertised {
  DWORD dev_flags, line_features, answer_mode, dial_pause;
  DWORD addr_flags, call_features, call_features2, address_features, transfer_modes, park_modes, forward_modes,
      completion_modes, remove_caps, max_conference;
  bool call(DWORD f) const { return (call_features & f) == f; }
  bool address(DWORD f) const { return (address_features & f) == f; }
  bool flag(DWORD f) const { return (addr_flags & f) == f; }
};

/// The line's capabilities, read and printed (the dial pauses checked alike).
Advertised advertised(Tsp& t, TapiLine& l);

/// A LINEFORWARDLIST of one entry (`dest` may be empty: do not disturb with UNCOND).
std::vector<BYTE> forward_list(DWORD mode, const std::wstring& dest);

// The scripts of scripts_features.cpp.
void answering(const Context& cx);
void no_groups(const Context& cx);
void transfers(const Context& cx);
void completion(const Context& cx);
void redirection_ids(const Context& cx);
void held_transfer(const Context& cx);
void trunks(const Context& cx);
void caps_full(const Context& cx);
void caps_restricted(const Context& cx);
void dialing_paths(const Context& cx);
// scripts_params.cpp
void call_params(const Context& cx);
// scripts_media.cpp (media.yaml)
void media(const Context& cx);
void media_absent(const Context& cx);
// scripts_agents.cpp (agents.yaml)
void agents(const Context& cx);
// scripts_personality.cpp: `preset` is a switch personality (strict, minimal, key_system, large_pbx)
void personality(const Context& cx, const std::string& preset);

}  // namespace telsim::tsp::host
