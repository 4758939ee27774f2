// The TSPI-facing half of the provider: everything the telephony service calls, done under
// lock_ and without waiting for the network (see provider.hpp).
#include "provider.hpp"

#include <algorithm>
#include <cstring>
#include <cwctype>

#include "log.hpp"
#include "telsim_ext.h"
#include "text.hpp"

namespace telsim::tsp {

HINSTANCE Provider::module_ = nullptr;

namespace {

constexpr LONG err(DWORD e) { return static_cast<LONG>(e); }

std::wstring text_of(LPCWSTR s) { return s ? std::wstring(s) : std::wstring(); }

}  // namespace

Provider& Provider::get() {
  static Provider* p = new Provider();  // never destroyed: the I/O thread may outlive statics
  return *p;
}

Provider::Provider() { InitializeCriticalSection(&callback_lock_); }

// --- lookups (under lock_) ------------------------------------------------------------------

Line* Provider::line_by_device(DWORD device_id) {
  for (auto& l : lines_)
    if (l->has_device_id && l->device_id == device_id) return l.get();
  return nullptr;
}

Line* Provider::open_line(HDRVLINE hd) {
  const auto v = reinterpret_cast<std::uintptr_t>(hd);
  if (v == 0 || v > lines_.size()) return nullptr;
  Line* l = lines_[v - 1].get();
  return l->open ? l : nullptr;
}

Line* Provider::line_by_number(const std::string& number) {
  for (auto& l : lines_)
    if (l->number == number) return l.get();
  return nullptr;
}

Call* Provider::call_by_handle(HDRVCALL hd) {
  auto it = calls_.find(reinterpret_cast<std::uintptr_t>(hd));
  return it == calls_.end() ? nullptr : it->second.get();
}

Call* Provider::call_by_server(const std::string& name) {
  auto it = by_server_.find(name);
  if (it == by_server_.end()) return nullptr;
  auto c = calls_.find(it->second);
  return c == calls_.end() ? nullptr : c->second.get();
}

bool Provider::in_service(const Line& line) const {
  return connected_ && line.present &&
         (line.server_open == Line::ServerOpen::Open || line.server_open == Line::ServerOpen::Opening);
}

LONG Provider::usable_line(HDRVLINE hd, Line*& line) {
  line = open_line(hd);
  if (!line) return err(LINEERR_INVALLINEHANDLE);
  if (!in_service(*line)) return err(LINEERR_INVALLINESTATE);
  return 0;
}

LONG Provider::usable_call(HDRVCALL hd, Call*& call, LONG bad_handle) {
  call = call_by_handle(hd);
  if (!call || !call->valid) return bad_handle;
  Line& line = *lines_[call->line];
  if (!line.open) return bad_handle;
  if (!in_service(line)) return err(LINEERR_INVALLINESTATE);
  if (call->server.empty()) return err(LINEERR_INVALCALLSTATE);  // the server forgot it (an outage)
  return 0;
}

LONG Provider::unoffered(Op op) {
  Guard g(lock_);
  if (caps_.usable(op)) return 0;
  log::info(std::string(to_string(op)) + " refused: LINEERR_OPERATIONUNAVAIL: " +
            (caps_.supports(op) ? "the switch has no park orbits" : "the switch does not offer it (hello's operations)"));
  return err(LINEERR_OPERATIONUNAVAIL);
}

// --- requests (under lock_) -----------------------------------------------------------------

long long Provider::send_locked(json frame, Pending p) {
  const long long id = next_wire_id_++;
  frame[field::kId] = id;
  outbuf_ += frame.dump(-1, ' ', false, json::error_handler_t::replace);
  outbuf_ += '\n';
  p.deadline = GetTickCount64() + settings_.request_timeout_ms;
  pending_.emplace(id, std::move(p));
  if (wake_) SetEvent(wake_);
  return id;
}

void Provider::post(Callback cb) {
  outq_.push_back(std::move(cb));
  if (wake_) SetEvent(wake_);
}

template <typename Match>
std::vector<Callback> Provider::take_completions(Match match) {
  std::vector<Callback> out;
  for (auto it = outq_.begin(); it != outq_.end();) {
    if (it->kind == Callback::Kind::Completion && match(*it)) {
      out.push_back(std::move(*it));
      it = outq_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

void Provider::abandon_requests(const std::function<bool(const Pending&)>& match, LONG error,
                                std::vector<Callback>& out) {
  for (auto& [id, p] : pending_) {
    (void)id;
    if (p.kind != Pending::Kind::Tapi || p.aborted || !match(p)) continue;
    p.aborted = true;
    Callback cb;
    cb.kind = Callback::Kind::Completion;
    cb.request = p.tapi_id;
    cb.result = error;
    cb.line = p.line;
    cb.call = p.call;
    for (const auto& k : p.creates) cb.created.push_back(k.call);
    out.push_back(std::move(cb));
  }
}

void Provider::send_cleanup(Op op, const std::string& call) {
  Pending p;
  p.kind = Pending::Kind::Cleanup;
  p.op = to_string(op);
  send_locked(json{{field::kOp, to_string(op)}, {field::kCall, call}}, std::move(p));
}

void Provider::release_on_server(const std::string& call, bool idle) {
  if (share_ && !idle) {
    // Shared with other processes, one of which may own the call too: then only this process's
    // handle goes. The server refuses the deallocate of the last owner of a call in progress
    // (INVALCALLSTATE), which is then dropped first (LINEDEVCAPFLAGS_CLOSEDROP).
    Pending p;
    p.kind = Pending::Kind::Cleanup;
    p.op = to_string(Op::Deallocate);
    p.on_refused = [call](Provider& self, const json& f) {
      if (line_error_value(f.value(field::kError, "")) != static_cast<LONG>(LINEERR_INVALCALLSTATE)) return;
      self.send_cleanup(Op::Drop, call);
      self.send_cleanup(Op::Deallocate, call);
    };
    send_locked(json{{field::kOp, to_string(Op::Deallocate)}, {field::kCall, call}}, std::move(p));
    return;
  }
  if (!idle) send_cleanup(Op::Drop, call);
  send_cleanup(Op::Deallocate, call);
}

LONG Provider::submit(DRV_REQUESTID req, Request r) {
  if (!completion_) return err(LINEERR_OPERATIONFAILED);  // not initialised
  Pending p;
  p.kind = Pending::Kind::Tapi;
  p.op = r.session_op ? std::string(r.session_op) : std::string(to_string(r.op));
  p.tapi_id = req;
  p.line = r.line;
  p.call = r.call;
  p.completion_out = r.completion_out;
  p.address_out = r.address_out;
  p.on_ok = std::move(r.on_ok);
  p.after_completion = std::move(r.after_completion);
  for (const NewCallOut& n : r.creates) {
    auto c = std::make_unique<Call>();
    c->handle = next_call_++;
    c->line = r.line;
    c->ht = n.ht;
    c->privilege = LINECALLPRIVILEGE_OWNER;  // the creator owns what it creates
    c->conference_call = n.conference;
    *n.out = reinterpret_cast<HDRVCALL>(static_cast<std::uintptr_t>(c->handle));
    p.creates.push_back({c->handle, n.key});
    calls_.emplace(c->handle, std::move(c));
  }
  json frame = std::move(r.params);
  frame[field::kOp] = r.session_op ? std::string(r.session_op) : std::string(to_string(r.op));
  send_locked(std::move(frame), std::move(p));
  return static_cast<LONG>(req);
}

void Provider::send_open(Line& line, bool again) {
  if (!again) line.server_open = Line::ServerOpen::Opening;
  const char* op = schema::op::kOpen;
  Pending p;
  p.kind = Pending::Kind::Open;
  p.op = op;
  p.line = line.index;
  p.line_generation = line.open_generation;
  json frame{{field::kOp, op}, {field::kLine, line.number}};
  if (share_) {
    // Shared with other processes: an owner of the media modes TAPI's owners asked for (and a
    // monitor of the rest, for this process's monitors), or only a monitor.
    json modes = json::array();
    for (const auto& m : schema::kMediaModes)
      if (line.media_modes & m.value) modes.push_back(m.name);
    frame[field::kPrivilege] = modes.empty() ? schema::value::kPrivilegeMonitor : schema::value::kPrivilegeOwnerMonitor;
    if (!modes.empty()) frame[field::kMediaModes] = std::move(modes);
  }
  send_locked(std::move(frame), std::move(p));
}

void Provider::send_register_app() {
  if (!share_ || application_.empty() || !connected_) return;
  Pending p;
  p.kind = Pending::Kind::Cleanup;
  p.op = schema::op::kRegisterApp;
  send_locked(json{{field::kOp, schema::op::kRegisterApp}, {field::kName, application_}}, std::move(p));
}

void Provider::send_modem_config(Line& line, const json& set) {
  if (!connected_ || !line.is_modem()) return;
  Pending p;
  p.kind = Pending::Kind::ModemConfig;
  p.op = schema::op::kModemConfig;
  p.line = line.index;
  p.line_generation = ++line.modem_config_sent;
  json frame{{field::kOp, schema::op::kModemConfig}, {field::kLine, line.number}};
  if (!set.is_null()) frame[field::kSet] = set;
  send_locked(std::move(frame), std::move(p));
}

void Provider::reconcile_service() {
  for (auto& l : lines_) {
    if (!l->open || l->server_open == Line::ServerOpen::Opening) continue;
    const bool now = in_service(*l);
    if (now == l->reported_in_service) continue;
    l->reported_in_service = now;
    Callback cb;
    cb.line = l->index;
    cb.msg = LINE_LINEDEVSTATE;
    cb.p1 = now ? LINEDEVSTATE_INSERVICE : LINEDEVSTATE_OUTOFSERVICE;
    post(std::move(cb));
    log::info("line " + l->number + (now ? " in service" : " out of service"));
  }
}

std::string Provider::line_name(const Line& line) const {
  const std::string what = "telsim " + line.kind + " " + line.number;
  return line.name.empty() ? what : line.name + " (" + what + ")";
}

std::string Provider::connection_name() {
  wchar_t host[MAX_COMPUTERNAME_LENGTH + 1] = L"";
  DWORD n = MAX_COMPUTERNAME_LENGTH + 1;
  GetComputerNameW(host, &n);
  std::string name = "tsp-";
  for (const char ch : narrow(host)) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                    ch == '-' || ch == '_' || ch == '.';
    if (ok && name.size() < 28) name += ch;  // at most 24 of it: a client name is 1-64 characters
  }
  name += "-" + std::to_string(GetCurrentProcessId()) + "-" + std::to_string(++connections_);
  return name;
}

// --- provider lifetime ----------------------------------------------------------------------

LONG Provider::negotiate_tspi_version(DWORD device_id, DWORD low, DWORD high, LPDWORD version) {
  if (!version) return err(LINEERR_INVALPOINTER);
  if (device_id != INITIALIZE_NEGOTIATION) {
    Guard g(lock_);
    if (!line_by_device(device_id)) return err(LINEERR_BADDEVICEID);
  }
  if (high < kLowestTspiVersion || low > kHighestTspiVersion) return err(LINEERR_INCOMPATIBLEAPIVERSION);
  *version = std::min(high, kHighestTspiVersion);
  return 0;
}

LONG Provider::enum_devices(DWORD provider_id, LPDWORD num_lines, LPDWORD num_phones, HPROVIDER provider,
                            LINEEVENT line_create) {
  Settings settings;
  std::string problem;
  const bool settings_ok = load_settings(settings, problem);
  log::set_file(settings.log_file);
  if (!settings_ok) {
    log::error("cannot start: " + problem);
    return err(LINEERR_OPERATIONFAILED);
  }
  log::info(std::string("telsim.tsp ") + TELSIM_TSP_VERSION + ": provider " + std::to_string(provider_id) +
            ", server " + settings.server.text() + " (" + settings.server_from + ")");

  // One query on a connection of its own: the I/O thread does not exist before providerInit.
  std::vector<std::unique_ptr<Line>> lines;
  SwitchCaps caps;
  bool reached = false;
  {
    WinsockScope winsock;
    BlockingSession s;
    std::string why;
    json hello{{field::kOp, schema::op::kHello},
               {field::kVersions, json::array({schema::kProtocolVersion})},
               {field::kName, "tsp-enum-" + std::to_string(GetCurrentProcessId())}};
    if (!settings.token.empty()) hello[field::kToken] = settings.token;
    if (s.connect(settings.server, settings.connect_timeout_ms, why)) {
      const auto h = s.request(hello, settings.request_timeout_ms, why);
      const auto l = h && h->value(field::kOk, false)
                         ? s.request({{field::kOp, schema::op::kListLines}}, settings.request_timeout_ms, why)
                         : std::nullopt;
      if (h && !h->value(field::kOk, false)) why = "hello refused: " + h->value(field::kMessage, std::string("?"));
      if (l && l->value(field::kOk, false) && l->contains(field::kLines) && (*l)[field::kLines].is_array()) {
        reached = true;
        caps = switch_caps(*h);
        for (const json& e : (*l)[field::kLines]) {
          if (!e.is_object() || !e.contains(field::kLine) || !e[field::kLine].is_string()) continue;
          auto line = std::make_unique<Line>();
          line->index = lines.size();
          line->number = e[field::kLine].get<std::string>();
          if (e.contains(field::kName) && e[field::kName].is_string()) line->name = e[field::kName].get<std::string>();
          if (e.contains(field::kKind) && e[field::kKind].is_string()) line->kind = e[field::kKind].get<std::string>();
          if (const auto m = e.find(field::kModem); m != e.end() && m->is_object()) {
            line->pty = m->value(field::kPty, std::string());
            line->modem_speed = m->value(field::kSpeed, DWORD{0});
          }
          lines.push_back(std::move(line));
        }
      } else if (l) {
        why = "list_lines failed: " + l->value(field::kMessage, std::string("?"));
      }
    }
    if (!reached)
      log::warn("the server is not reachable (" + why +
                "): no lines for now; they are announced with LINE_CREATE once it is");
  }

  Guard g(lock_);
  if (initialized_) return err(LINEERR_OPERATIONFAILED);
  settings_ = settings;
  caps_ = caps;
  lines_ = std::move(lines);
  calls_.clear();
  by_server_.clear();
  provider_id_ = provider_id;
  hprovider_ = provider;
  line_create_ = line_create;
  enumerated_ = true;
  if (num_lines) *num_lines = static_cast<DWORD>(lines_.size());
  if (num_phones) *num_phones = 0;
  log::info(std::to_string(lines_.size()) + " line devices");
  return 0;
}

LONG Provider::init(DWORD version, DWORD provider_id, DWORD line_base, DWORD_PTR num_lines,
                    ASYNC_COMPLETION completion, LPDWORD options) {
  Endpoint server;
  DWORD connect_timeout = 0;
  bool any_lines = false;
  {
    Guard g(lock_);
    if (initialized_ || thread_) return err(LINEERR_OPERATIONFAILED);
    if (!enumerated_) {
      log::error("TSPI_providerInit before TSPI_providerEnumDevices");
      return err(LINEERR_OPERATIONFAILED);
    }
    if (version < kLowestTspiVersion || !completion) return err(LINEERR_INCOMPATIBLEAPIVERSION);
    if (num_lines != lines_.size())
      log::warn("TAPI initialises " + std::to_string(num_lines) + " lines, the provider enumerated " +
                std::to_string(lines_.size()));
    provider_id_ = provider_id;
    line_base_ = line_base;
    completion_ = completion;
    for (auto& l : lines_) {
      if (l->index < num_lines) {
        l->has_device_id = true;
        l->device_id = line_base + static_cast<DWORD>(l->index);
      }
    }
    if (options) *options = 0;  // re-entrant: every TSPI function may be called on any thread at any time
    stop_ = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    wake_ = CreateEventW(nullptr, FALSE, FALSE, nullptr);
    server = settings_.server;
    connect_timeout = settings_.connect_timeout_ms;
    any_lines = !lines_.empty();
  }
  WSADATA wsa;
  WSAStartup(MAKEWORD(2, 2), &wsa);
  sock_event_ = WSACreateEvent();
  next_connect_at_ = 0;
  backoff_ms_ = 250;
  // The first connection is made here, so that TAPI, which opens lines at once, finds them in
  // service; from here on only the I/O thread (re)connects.
  if (any_lines) {
    std::string why;
    const SOCKET s = connect_socket(server, connect_timeout, nullptr, why);
    if (s != INVALID_SOCKET) io_adopt(s);  // the thread does not run yet: its state is ours to set
    else log::warn(why + "; retrying");
  }
  // The thread keeps the DLL loaded until it has returned (FreeLibraryAndExitThread).
  HMODULE self = nullptr;
  GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, reinterpret_cast<LPCWSTR>(&Provider::io_main), &self);
  Guard g(lock_);
  thread_ = CreateThread(nullptr, 0, &Provider::io_main, this, 0, &io_thread_id_);
  if (!thread_) {
    if (self) FreeLibrary(self);
    if (sock_ != INVALID_SOCKET) closesocket(sock_);
    sock_ = INVALID_SOCKET;
    connected_ = false;
    pending_.clear();
    outbuf_.clear();
    WSACloseEvent(sock_event_);
    sock_event_ = WSA_INVALID_EVENT;
    WSACleanup();
    CloseHandle(stop_);
    CloseHandle(wake_);
    stop_ = wake_ = nullptr;
    completion_ = nullptr;
    return err(LINEERR_NOMEM);
  }
  initialized_ = true;
  log::info("initialised: line device ids from " + std::to_string(line_base));
  return 0;
}

LONG Provider::shutdown(DWORD, DWORD) {
  HANDLE thread = nullptr;
  {
    Guard g(lock_);
    if (!initialized_) return 0;
    thread = thread_;
    SetEvent(stop_);
  }
  if (WaitForSingleObject(thread, 10'000) != WAIT_OBJECT_0) {
    // Stuck in a call into TAPI: leave it everything it uses (it holds a reference on the DLL
    // and stops once that call returns) rather than free what it may still touch.
    log::error("the I/O thread did not stop within 10 s (stuck in a call into TAPI?)");
    return err(LINEERR_OPERATIONFAILED);
  }
  CloseHandle(thread);
  // Whatever TAPI left open (it closes lines and calls first) is reported and forgotten.
  std::vector<Callback> left;
  ASYNC_COMPLETION completion = nullptr;
  EnterCriticalSection(&callback_lock_);
  {
    Guard g(lock_);
    left = take_completions([](const Callback&) { return true; });
    abandon_requests([](const Pending&) { return true; }, err(LINEERR_OPERATIONFAILED), left);
    for (auto& [id, p] : pending_) {
      (void)id;
      if (p.sync) {
        p.sync->done = true;
        p.sync->result = err(LINEERR_OPERATIONFAILED);
      }
    }
    WakeAllConditionVariable(&sync_cv_);
    pending_.clear();
    completion = completion_;
    outq_.clear();
    calls_.clear();
    by_server_.clear();
    for (auto& l : lines_) {
      l->open = false;
      l->server_open = Line::ServerOpen::Closed;
    }
    CloseHandle(stop_);
    CloseHandle(wake_);
    stop_ = wake_ = thread_ = nullptr;
    WSACloseEvent(sock_event_);
    sock_event_ = WSA_INVALID_EVENT;
    WSACleanup();
    completion_ = nullptr;
    connected_ = false;
    outbuf_.clear();
    initialized_ = false;
    enumerated_ = false;
  }
  for (const Callback& cb : left)
    if (completion) completion(cb.request, cb.result);
  LeaveCriticalSection(&callback_lock_);
  log::info("shut down");
  return 0;
}

LONG Provider::create_line_device(DWORD_PTR temp_id, DWORD device_id) {
  Guard g(lock_);
  for (auto& l : lines_) {
    if (!l->has_device_id && l->temp_id == temp_id) {
      l->has_device_id = true;
      l->device_id = device_id;
      log::info("line " + l->number + " is device " + std::to_string(device_id));
      return 0;
    }
  }
  return err(LINEERR_BADDEVICEID);
}

// --- lines ----------------------------------------------------------------------------------

LONG Provider::open(DWORD device_id, HTAPILINE ht, LPHDRVLINE hd, DWORD version, LINEEVENT event_proc) {
  if (!hd || !event_proc) return err(LINEERR_INVALPOINTER);
  Guard g(lock_);
  Line* l = line_by_device(device_id);
  if (!l) return err(LINEERR_BADDEVICEID);
  if (l->open) return err(LINEERR_ALLOCATED);
  if (version < kLowestTspiVersion || version > kHighestTspiVersion) return err(LINEERR_INCOMPATIBLEAPIVERSION);
  l->open = true;
  l->ht = ht;
  l->event_proc = event_proc;
  l->version = version;
  l->media_modes = 0;
  l->open_generation = next_open_generation_++;
  l->reported_in_service = true;
  l->forwarding.clear();
  l->messages_waiting = 0;
  *hd = reinterpret_cast<HDRVLINE>(static_cast<std::uintptr_t>(l->index + 1));
  // lineOpen is cheap and never waits: the server learns of it now or on the next connection;
  // a refusal (another client controls the line) shows as OUTOFSERVICE.
  if (connected_ && l->present) {
    send_open(*l);
  } else {
    l->server_open = Line::ServerOpen::Closed;
    reconcile_service();
  }
  log::info("line " + l->number + " opened by TAPI (TSPI version " + std::to_string(version >> 16) + "." +
            std::to_string(version & 0xFFFF) + ")");
  return 0;
}

LONG Provider::close(HDRVLINE hd) {
  std::vector<Callback> aborted;
  ASYNC_COMPLETION completion = nullptr;
  EnterCriticalSection(&callback_lock_);
  {
    Guard g(lock_);
    Line* l = open_line(hd);
    if (!l) {
      LeaveCriticalSection(&callback_lock_);
      return err(LINEERR_INVALLINEHANDLE);
    }
    l->open = false;
    l->event_proc = nullptr;
    l->passthrough = false;  // the server's close gives the modem back to its terminal
    // Requests still out on this line are reported now, those answered already first: nothing
    // may reach TAPI about this line after this.
    aborted = take_completions([&](const Callback& cb) { return cb.line == l->index; });
    abandon_requests([&](const Pending& p) { return p.line == l->index; }, err(LINEERR_INVALLINEHANDLE), aborted);
    for (auto it = calls_.begin(); it != calls_.end();) {
      if (it->second->line == l->index) {
        by_server_.erase(it->second->server);
        it = calls_.erase(it);
      } else {
        ++it;
      }
    }
    if (connected_ && l->server_open != Line::ServerOpen::Closed && l->server_open != Line::ServerOpen::Refused) {
      const char* op = schema::op::kClose;  // close drops its calls there
      Pending p;
      p.kind = Pending::Kind::Cleanup;
      p.op = op;
      send_locked(json{{field::kOp, op}, {field::kLine, l->number}}, std::move(p));
    }
    l->server_open = Line::ServerOpen::Closed;
    completion = completion_;
    log::info("line " + l->number + " closed by TAPI");
  }
  for (const Callback& cb : aborted)
    if (completion) completion(cb.request, cb.result);
  LeaveCriticalSection(&callback_lock_);
  return 0;
}

LONG Provider::close_call(HDRVCALL hd) {
  std::vector<Callback> aborted;
  ASYNC_COMPLETION completion = nullptr;
  EnterCriticalSection(&callback_lock_);
  {
    Guard g(lock_);
    auto it = calls_.find(reinterpret_cast<std::uintptr_t>(hd));
    if (it == calls_.end()) {
      LeaveCriticalSection(&callback_lock_);
      return err(LINEERR_INVALCALLHANDLE);
    }
    Call& c = *it->second;
    aborted = take_completions([&](const Callback& cb) {
      return cb.call == c.handle || std::find(cb.created.begin(), cb.created.end(), c.handle) != cb.created.end();
    });
    abandon_requests(
        [&](const Pending& p) {
          return p.call == c.handle || std::any_of(p.creates.begin(), p.creates.end(),
                                                   [&](const Pending::Creates& k) { return k.call == c.handle; });
        },
        err(LINEERR_INVALCALLHANDLE), aborted);
    // LINEDEVCAPFLAGS_CLOSEDROP: a call TAPI lets go of is dropped, and the server's handle freed
    // (a call this process only monitors is not its to drop).
    if (!c.server.empty() && connected_)
      release_on_server(c.server, c.state == LINECALLSTATE_IDLE || c.privilege == LINECALLPRIVILEGE_MONITOR);
    if (c.passthrough && c.valid && c.state != LINECALLSTATE_IDLE && lines_[c.line]->passthrough) {
      // Closed without lineDrop: the modem is taken back all the same.
      Line& l = *lines_[c.line];
      l.passthrough = false;
      if (connected_ && l.open) {
        Pending p;
        p.kind = Pending::Kind::Cleanup;
        p.op = schema::op::kModemPassthrough;
        send_locked(json{{field::kOp, schema::op::kModemPassthrough}, {field::kLine, l.number}, {field::kOn, false}},
                    std::move(p));
      }
    }
    if (!c.server.empty()) by_server_.erase(c.server);
    calls_.erase(it);
    completion = completion_;
  }
  for (const Callback& cb : aborted)
    if (completion) completion(cb.request, cb.result);
  LeaveCriticalSection(&callback_lock_);
  return 0;
}

LONG Provider::set_default_media_detection(HDRVLINE hd, DWORD media_modes) {
  Guard g(lock_);
  Line* l = open_line(hd);
  if (!l) return err(LINEERR_INVALLINEHANDLE);
  // The line's own, and those the switch detects (hello's pbx.media: LINEDEVCAPS dwMediaModes).
  const DWORD supported = LINEMEDIAMODE_INTERACTIVEVOICE | LINEMEDIAMODE_UNKNOWN |
                          (l->is_modem() ? LINEMEDIAMODE_DATAMODEM : 0) | caps_.media.media_modes;
  if (media_modes & ~supported) return err(LINEERR_INVALMEDIAMODE);
  // Every call is reported whatever TAPI detects (monitors see them too). Shared with other
  // processes, the owners' media modes are this process's privilege at the server.
  const bool changed = l->media_modes != media_modes;
  l->media_modes = media_modes;
  if (share_ && changed && connected_ && l->present && l->server_open != Line::ServerOpen::Closed &&
      l->server_open != Line::ServerOpen::Refused)
    send_open(*l, true);
  return 0;
}

LONG Provider::conditional_media_detection(HDRVLINE hd, DWORD media_modes, const LINECALLPARAMS* params) {
  Guard g(lock_);
  Line* l = open_line(hd);
  if (!l) return err(LINEERR_INVALLINEHANDLE);
  const DWORD supported = LINEMEDIAMODE_INTERACTIVEVOICE | LINEMEDIAMODE_UNKNOWN |
                          (l->is_modem() ? LINEMEDIAMODE_DATAMODEM : 0) | caps_.media.media_modes;
  if (media_modes & ~supported) return err(LINEERR_INVALMEDIAMODE);
  if (params && params->dwAddressMode == LINEADDRESSMODE_ADDRESSID && params->dwAddressID != 0)
    return err(LINEERR_INVALADDRESSID);
  return 0;
}

LONG Provider::set_app_specific(HDRVCALL hd, DWORD value) {
  Guard g(lock_);
  Call* c = call_by_handle(hd);
  if (!c || !c->valid) return err(LINEERR_INVALCALLHANDLE);
  c->app_specific = value;
  Callback cb;
  cb.line = c->line;
  cb.call = c->handle;
  cb.msg = LINE_CALLINFO;
  cb.p1 = LINECALLINFOSTATE_APPSPECIFIC;
  post(std::move(cb));
  return 0;
}

// --- asynchronous operations ------------------------------------------------------------------

LONG Provider::make_call(DRV_REQUESTID req, HDRVLINE hd, HTAPICALL ht, LPHDRVCALL out, LPCWSTR dest,
                         const LINECALLPARAMS* params) {
  if (LONG e = unoffered(Op::MakeCall)) return e;
  if (!out) return err(LINEERR_INVALPOINTER);
  if (params && params->dwAddressMode == LINEADDRESSMODE_ADDRESSID && params->dwAddressID != 0)
    return err(LINEERR_INVALADDRESSID);
  json call_params;
  if (LONG e = decode_call_params(params, call_params)) return err(e);
  Guard g(lock_);
  Line* l = nullptr;
  if (LONG e = usable_line(hd, l)) return e;
  if (params && params->dwBearerMode == LINEBEARERMODE_PASSTHROUGH) {
    // Unimodem's passthrough: a modem's line only (dwBearerModes says so).
    if (!l->is_modem()) return err(LINEERR_INVALBEARERMODE);
    return make_passthrough_call(req, *l, ht, out, call_params);
  }
  Request r;
  r.op = Op::MakeCall;
  if (!call_params.empty()) r.params[field::kParams] = call_params;
  r.line = l->index;
  r.params[field::kLine] = l->number;
  // The dial string goes as TAPI gave it (a trailing ';' included): the switch honours it or
  // names the LINEERR that refuses it (DIALDIALTONE, DIALQUIET, DIALBILLING, DIALPROMPT,
  // INVALADDRESS), which becomes the request's completion. No number (NULL or ""): DIALTONE.
  if (dest && *dest) r.params[field::kTo] = narrow(dest);
  r.creates.push_back({ht, out, field::kCall, false});
  if (!call_params.empty()) {
    // The caller's own LINECALLINFO shows what it asked for (secure, modes, user-user info).
    const bool secure = (params->dwCallParamFlags & LINECALLPARAMFLAGS_SECURE) != 0;
    r.on_ok = [carried = carried_params_sent(call_params), secure](Provider& self, const json& reply) {
      if (Call* c = self.call_by_server(reply.value(field::kCall, std::string()))) {
        c->carried = carried;
        c->secure = c->secure || secure;  // LINECALLPARAMFLAGS_SECURE: secure from the start
      }
    };
  }
  return submit(req, std::move(r));
}

LONG Provider::dial(DRV_REQUESTID req, HDRVCALL hd, LPCWSTR dest) {
  if (LONG e = unoffered(Op::Dial)) return e;
  if (!dest) return err(LINEERR_INVALPOINTER);
  Guard g(lock_);
  Call* c = nullptr;
  if (LONG e = usable_call(hd, c)) return e;
  Request r;
  r.op = Op::Dial;
  r.line = c->line;
  r.call = c->handle;
  // As given: "" ends a partial number (one that ended with ';'), or is refused by the switch.
  r.params = json{{field::kCall, c->server}, {field::kDigits, narrow(dest)}};
  return submit(req, std::move(r));
}

LONG Provider::simple(DRV_REQUESTID req, HDRVCALL hd, Op op) {
  if (LONG e = unoffered(op)) return e;
  Guard g(lock_);
  if (Call* pt = call_by_handle(hd); pt && pt->valid && pt->passthrough) {
    // A passthrough call can only be dropped (the others: usable_call's INVALCALLSTATE).
    if (op == Op::Drop) return drop_passthrough_call(req, *pt);
    return err(LINEERR_INVALCALLSTATE);
  }
  Call* c = nullptr;
  if (LONG e = usable_call(hd, c)) return e;
  Request r;
  r.op = op;
  r.line = c->line;
  r.call = c->handle;
  r.params[field::kCall] = c->server;
  if (r.op == Op::SecureCall) {
    const std::uint64_t h = c->handle;
    r.on_ok = [h](Provider& self, const json&) {
      if (auto it = self.calls_.find(h); it != self.calls_.end()) it->second->secure = true;
    };
  }
  return submit(req, std::move(r));
}

LONG Provider::swap_hold(DRV_REQUESTID req, HDRVCALL active, HDRVCALL held) {
  if (LONG e = unoffered(Op::SwapHold)) return e;
  Guard g(lock_);
  Call* a = nullptr;
  Call* h = nullptr;
  if (LONG e = usable_call(active, a)) return e;
  if (LONG e = usable_call(held, h)) return e;
  if (a->line != h->line) return err(LINEERR_INVALCALLHANDLE);
  Request r;
  r.op = Op::SwapHold;
  r.line = a->line;
  r.call = a->handle;
  r.params = json{{field::kCall, a->server}, {field::kHeld, h->server}};
  return submit(req, std::move(r));
}

LONG Provider::setup_transfer(DRV_REQUESTID req, HDRVCALL hd, HTAPICALL ht_consult, LPHDRVCALL hd_consult,
                              const LINECALLPARAMS* params) {
  if (LONG e = unoffered(Op::SetupTransfer)) return e;
  if (!hd_consult) return err(LINEERR_INVALPOINTER);
  json call_params;
  if (LONG e = decode_call_params(params, call_params)) return err(e);
  Guard g(lock_);
  Call* c = nullptr;
  if (LONG e = usable_call(hd, c)) return e;
  Request r;
  r.op = Op::SetupTransfer;
  r.line = c->line;
  r.call = c->handle;
  r.params[field::kCall] = c->server;
  if (!call_params.empty()) r.params[field::kParams] = call_params;
  r.creates.push_back({ht_consult, hd_consult, field::kConsult, false});
  return submit(req, std::move(r));
}

LONG Provider::complete_transfer(DRV_REQUESTID req, HDRVCALL hd, HDRVCALL consult, HTAPICALL ht_conf,
                                 LPHDRVCALL hd_conf, DWORD mode) {
  if (LONG e = unoffered(Op::CompleteTransfer)) return e;
  const std::string_view mode_value = schema::mode_value(Op::CompleteTransfer, field::kMode, mode);
  if (mode_value.empty()) return err(LINEERR_INVALTRANSFERMODE);
  if (mode == LINETRANSFERMODE_CONFERENCE && !hd_conf) return err(LINEERR_INVALPOINTER);
  Guard g(lock_);
  Call* c = nullptr;
  Call* k = nullptr;
  if (LONG e = usable_call(hd, c)) return e;
  if (LONG e = usable_call(consult, k, err(LINEERR_INVALCONSULTCALLHANDLE))) return e;
  Request r;
  r.op = Op::CompleteTransfer;
  r.line = c->line;
  r.call = c->handle;
  r.params = json{{field::kCall, c->server}, {field::kConsult, k->server},
                  {field::kMode, schema::mode_as_sent(mode_value)}};
  if (mode == LINETRANSFERMODE_CONFERENCE) r.creates.push_back({ht_conf, hd_conf, field::kCall, true});
  return submit(req, std::move(r));
}

LONG Provider::to_address(DRV_REQUESTID req, HDRVCALL hd, Op op, LPCWSTR dest) {
  if (LONG e = unoffered(op)) return e;
  if (!dest) return err(LINEERR_INVALPOINTER);
  Guard g(lock_);
  Call* c = nullptr;
  if (LONG e = usable_call(hd, c)) return e;
  Request r;
  r.op = op;
  r.line = c->line;
  r.call = c->handle;
  r.params = json{{field::kCall, c->server}, {field::kTo, narrow(dest)}};  // the switch checks it (D10)
  return submit(req, std::move(r));
}

LONG Provider::setup_conference(DRV_REQUESTID req, HDRVCALL hd, HTAPICALL ht_conf, LPHDRVCALL hd_conf,
                                HTAPICALL ht_consult, LPHDRVCALL hd_consult, const LINECALLPARAMS* params) {
  if (LONG e = unoffered(Op::SetupConference)) return e;
  json call_params;
  if (LONG e = decode_call_params(params, call_params)) return err(e);
  // A conference starts from a connected call here (no LINEADDRCAPFLAGS_SETUPCONFNULL).
  if (!hd) return err(LINEERR_OPERATIONUNAVAIL);
  if (!hd_conf || !hd_consult) return err(LINEERR_INVALPOINTER);
  Guard g(lock_);
  Call* c = nullptr;
  if (LONG e = usable_call(hd, c)) return e;
  Request r;
  r.op = Op::SetupConference;
  r.line = c->line;
  r.call = c->handle;
  r.params[field::kCall] = c->server;
  if (!call_params.empty()) r.params[field::kParams] = call_params;
  r.creates.push_back({ht_conf, hd_conf, field::kCall, true});
  r.creates.push_back({ht_consult, hd_consult, field::kConsult, false});
  return submit(req, std::move(r));
}

LONG Provider::prepare_add_to_conference(DRV_REQUESTID req, HDRVCALL conf, HTAPICALL ht_consult,
                                         LPHDRVCALL hd_consult, const LINECALLPARAMS* params) {
  if (LONG e = unoffered(Op::PrepareAddToConference)) return e;
  json call_params;
  if (LONG e = decode_call_params(params, call_params)) return err(e);
  if (!hd_consult) return err(LINEERR_INVALPOINTER);
  Guard g(lock_);
  Call* c = nullptr;
  if (LONG e = usable_call(conf, c, err(LINEERR_INVALCONFCALLHANDLE))) return e;
  Request r;
  r.op = Op::PrepareAddToConference;
  r.line = c->line;
  r.call = c->handle;
  r.params[field::kConference] = c->server;
  if (!call_params.empty()) r.params[field::kParams] = call_params;
  r.creates.push_back({ht_consult, hd_consult, field::kConsult, false});
  return submit(req, std::move(r));
}

LONG Provider::add_to_conference(DRV_REQUESTID req, HDRVCALL conf, HDRVCALL consult) {
  if (LONG e = unoffered(Op::AddToConference)) return e;
  Guard g(lock_);
  Call* c = nullptr;
  Call* k = nullptr;
  if (LONG e = usable_call(conf, c, err(LINEERR_INVALCONFCALLHANDLE))) return e;
  if (LONG e = usable_call(consult, k, err(LINEERR_INVALCONSULTCALLHANDLE))) return e;
  Request r;
  r.op = Op::AddToConference;
  r.line = c->line;
  r.call = c->handle;
  r.params = json{{field::kConference, c->server}, {field::kConsult, k->server}};
  return submit(req, std::move(r));
}

LONG Provider::park(DRV_REQUESTID req, HDRVCALL hd, DWORD mode, LPCWSTR orbit, LPVARSTRING non_dir) {
  if (LONG e = unoffered(Op::Park)) return e;
  const std::string_view mode_value = schema::mode_value(Op::Park, field::kMode, mode);
  if (mode_value.empty()) return err(LINEERR_INVALPARKMODE);
  const std::string where = narrow(text_of(orbit));
  if (mode == LINEPARKMODE_DIRECTED && where.empty()) return err(LINEERR_INVALADDRESS);
  if (mode == LINEPARKMODE_NONDIRECTED && (!non_dir || non_dir->dwTotalSize < sizeof(VARSTRING)))
    return err(non_dir ? LINEERR_STRUCTURETOOSMALL : LINEERR_INVALPOINTER);
  Guard g(lock_);
  Call* c = nullptr;
  if (LONG e = usable_call(hd, c)) return e;
  Request r;
  r.op = Op::Park;
  r.line = c->line;
  r.call = c->handle;
  r.params[field::kCall] = c->server;
  r.params[field::kMode] = schema::mode_as_sent(mode_value);
  if (mode == LINEPARKMODE_DIRECTED) r.params[field::kOrbit] = where;
  else r.address_out = non_dir;
  return submit(req, std::move(r));
}

LONG Provider::unpark(DRV_REQUESTID req, HDRVLINE hd, DWORD address_id, HTAPICALL ht, LPHDRVCALL out,
                      LPCWSTR orbit) {
  if (LONG e = unoffered(Op::Unpark)) return e;
  if (!out) return err(LINEERR_INVALPOINTER);
  if (address_id != 0) return err(LINEERR_INVALADDRESSID);
  const std::string where = narrow(text_of(orbit));
  if (where.empty()) return err(LINEERR_INVALADDRESS);
  Guard g(lock_);
  Line* l = nullptr;
  if (LONG e = usable_line(hd, l)) return e;
  Request r;
  r.op = Op::Unpark;
  r.line = l->index;
  r.params = json{{field::kLine, l->number}, {field::kOrbit, where}};
  r.creates.push_back({ht, out, field::kCall, false});
  return submit(req, std::move(r));
}

LONG Provider::pickup(DRV_REQUESTID req, HDRVLINE hd, DWORD address_id, HTAPICALL ht, LPHDRVCALL out,
                      LPCWSTR dest, LPCWSTR group) {
  if (LONG e = unoffered(Op::Pickup)) return e;
  if (!out) return err(LINEERR_INVALPOINTER);
  if (address_id != 0) return err(LINEERR_INVALADDRESSID);
  Guard g(lock_);
  Line* l = nullptr;
  if (LONG e = usable_line(hd, l)) return e;
  Request r;
  r.op = Op::Pickup;
  r.line = l->index;
  r.params[field::kLine] = l->number;
  if (const std::string to = narrow(text_of(dest)); !to.empty()) r.params[field::kTo] = to;
  if (const std::string grp = narrow(text_of(group)); !grp.empty()) r.params[field::kGroup] = grp;
  r.creates.push_back({ht, out, field::kCall, false});
  return submit(req, std::move(r));
}

LONG Provider::forward(DRV_REQUESTID req, HDRVLINE hd, DWORD all_addresses, DWORD address_id,
                       const LINEFORWARDLIST* list, DWORD rings, LPHDRVCALL hd_consult,
                       const LINECALLPARAMS* params) {
  if (LONG e = unoffered(Op::Forward)) return e;
  json call_params;
  if (LONG e = decode_call_params(params, call_params)) return err(e);
  if (hd_consult) *hd_consult = nullptr;  // forwarding never needs a consultation call here
  if (!all_addresses && address_id != 0) return err(LINEERR_INVALADDRESSID);
  Guard g(lock_);
  Line* l = nullptr;
  if (LONG e = usable_line(hd, l)) return e;
  json rules = json::array();
  if (list) {
    // LINEFORWARD grew two members in TAPI 3.0: entries are as long as the line's version says.
    const std::size_t entry = l->version >= 0x00030000 ? sizeof(LINEFORWARD) : 6 * sizeof(DWORD);
    const std::size_t head = offsetof(LINEFORWARDLIST, ForwardList);
    if (list->dwTotalSize < head || list->dwNumEntries > (list->dwTotalSize - head) / entry)
      return err(LINEERR_INVALPARAM);
    const BYTE* base = reinterpret_cast<const BYTE*>(list);
    auto text_at = [&](DWORD size, DWORD offset, std::string& out) -> bool {
      if (size == 0) return true;
      if (offset > list->dwTotalSize || size > list->dwTotalSize - offset || size % sizeof(wchar_t)) return false;
      std::wstring w(reinterpret_cast<const wchar_t*>(base + offset), size / sizeof(wchar_t));
      while (!w.empty() && w.back() == L'\0') w.pop_back();
      out = narrow(w);
      return true;
    };
    for (DWORD i = 0; i < list->dwNumEntries; ++i) {
      LINEFORWARD f{};
      std::memcpy(&f, base + head + i * entry, entry);
      std::string to;
      if (!text_at(f.dwDestAddressSize, f.dwDestAddressOffset, to)) return err(LINEERR_INVALPARAM);
      const DWORD m = f.dwForwardMode;
      namespace v = schema::value;
      schema::ForwardingRule rule;
      auto is = [m](DWORD all, DWORD internal, DWORD external) {
        return m == all || m == internal || m == external;
      };
      if (is(LINEFORWARDMODE_UNCOND, LINEFORWARDMODE_UNCONDINTERNAL, LINEFORWARDMODE_UNCONDEXTERNAL)) rule.when = v::kUnconditional;
      else if (is(LINEFORWARDMODE_BUSY, LINEFORWARDMODE_BUSYINTERNAL, LINEFORWARDMODE_BUSYEXTERNAL)) rule.when = v::kBusy;
      else if (is(LINEFORWARDMODE_NOANSW, LINEFORWARDMODE_NOANSWINTERNAL, LINEFORWARDMODE_NOANSWEXTERNAL)) rule.when = v::kNoAnswer;
      else if (is(LINEFORWARDMODE_BUSYNA, LINEFORWARDMODE_BUSYNAINTERNAL, LINEFORWARDMODE_BUSYNAEXTERNAL)) rule.when = v::kBusyNoAnswer;
      else return err(LINEERR_OPERATIONUNAVAIL);  // *SPECIFIC (per caller), UNKNOWN, UNAVAIL
      if (m & (LINEFORWARDMODE_UNCONDINTERNAL | LINEFORWARDMODE_BUSYINTERNAL | LINEFORWARDMODE_NOANSWINTERNAL |
               LINEFORWARDMODE_BUSYNAINTERNAL))
        rule.callers = v::kInternal;
      if (m & (LINEFORWARDMODE_UNCONDEXTERNAL | LINEFORWARDMODE_BUSYEXTERNAL | LINEFORWARDMODE_NOANSWEXTERNAL |
               LINEFORWARDMODE_BUSYNAEXTERNAL))
        rule.callers = v::kExternal;
      const bool no_answer = rule.when == v::kNoAnswer || rule.when == v::kBusyNoAnswer;
      if (to.empty()) {
        if (rule.when != v::kUnconditional) return err(LINEERR_INVALADDRESS);
        rule.when = v::kDoNotDisturb;  // unconditional forwarding to nowhere: do not disturb
      }
      rule.to = to;
      if (no_answer && rings > 0) rule.rings = std::min<DWORD>(rings, 100);
      rules.push_back(schema::forwarding_rule_json(rule));
    }
  }
  Request r;
  r.op = Op::Forward;
  r.line = l->index;
  r.params = json{{field::kLine, l->number}, {field::kForwarding, rules}};
  if (!call_params.empty()) r.params[field::kParams] = call_params;
  return submit(req, std::move(r));
}

LONG Provider::complete_call(DRV_REQUESTID req, HDRVCALL hd, LPDWORD completion_id, DWORD mode) {
  if (LONG e = unoffered(Op::CompleteCall)) return e;
  const std::string_view mode_value = schema::mode_value(Op::CompleteCall, field::kMode, mode);
  if (mode_value.empty()) return err(LINEERR_INVALCALLCOMPLMODE);
  if (!completion_id) return err(LINEERR_INVALPOINTER);
  Guard g(lock_);
  Call* c = nullptr;
  if (LONG e = usable_call(hd, c)) return e;
  Request r;
  r.op = Op::CompleteCall;
  r.line = c->line;
  r.call = c->handle;
  r.params = json{{field::kCall, c->server}, {field::kMode, schema::mode_as_sent(mode_value)}};
  r.completion_out = completion_id;
  return submit(req, std::move(r));
}

LONG Provider::uncomplete_call(DRV_REQUESTID req, HDRVLINE hd, DWORD completion_id) {
  if (LONG e = unoffered(Op::UncompleteCall)) return e;
  Guard g(lock_);
  Line* l = nullptr;
  if (LONG e = usable_line(hd, l)) return e;
  Request r;
  r.op = Op::UncompleteCall;
  r.line = l->index;
  r.params = json{{field::kLine, l->number}, {field::kCompletion, completion_id}};
  return submit(req, std::move(r));
}

// --- lines shared between processes (telsim_ext.h) -------------------------------------------

LONG Provider::share_lines(DWORD version, LPCWSTR application) {
  if (version != TELSIM_EXT_VERSION) return err(LINEERR_INCOMPATIBLEAPIVERSION);
  Guard g(lock_);
  share_ = true;
  application_ = application ? narrow(application) : std::string();
  send_register_app();
  log::info("lines shared with other processes (application " + application_ + ")");
  return 0;
}

LONG Provider::get_call_privilege(HDRVCALL hd, LPDWORD privilege, LPDWORD handoff_media) {
  if (!privilege || !handoff_media) return err(LINEERR_INVALPOINTER);
  Guard g(lock_);
  const Call* c = call_by_handle(hd);
  if (!c) return err(LINEERR_INVALCALLHANDLE);
  *privilege = c->privilege;
  *handoff_media = c->handoff_media;
  return 0;
}

LONG Provider::handoff(DRV_REQUESTID req, HDRVCALL hd, LPCWSTR file_name, DWORD media_mode) {
  if (LONG e = unoffered(Op::Handoff)) return e;
  Guard g(lock_);
  Call* c = nullptr;
  if (LONG e = usable_call(hd, c)) return e;
  Request r;
  r.op = Op::Handoff;
  r.line = c->line;
  r.call = c->handle;
  r.params[field::kCall] = c->server;
  if (file_name) {
    r.params[field::kApp] = narrow(file_name);
  } else {
    const std::string_view name = schema::media_mode_name(media_mode);
    if (name.empty()) return err(LINEERR_INVALMEDIAMODE);
    r.params[field::kMediaMode] = std::string(name);
  }
  return submit(req, std::move(r));
}

LONG Provider::set_call_privilege(DRV_REQUESTID req, HDRVCALL hd, DWORD privilege) {
  Guard g(lock_);
  Call* c = nullptr;
  if (LONG e = usable_call(hd, c)) return e;
  if (privilege != LINECALLPRIVILEGE_OWNER && privilege != LINECALLPRIVILEGE_MONITOR) return err(LINEERR_INVALCALLPRIVILEGE);
  Request r;
  r.op = Op::Handoff;  // for the log; the frame's op is the session op
  r.session_op = schema::op::kSetPrivilege;
  r.line = c->line;
  r.call = c->handle;
  r.params = json{{field::kCall, c->server},
                  {field::kPrivilege, privilege == LINECALLPRIVILEGE_OWNER ? schema::value::kPrivilegeOwner
                                                                             : schema::value::kPrivilegeMonitor}};
  const std::uint64_t h = c->handle;
  r.on_ok = [h, privilege](Provider& self, const json&) {
    if (auto it = self.calls_.find(h); it != self.calls_.end()) it->second->privilege = privilege;
  };
  return submit(req, std::move(r));
}

}  // namespace telsim::tsp
