// The I/O thread: the connection to `telsim serve`, the frames it sends, and every call into
// TAPI (see provider.hpp for the rules this keeps).
#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <optional>

#include "log.hpp"
#include "provider.hpp"
#include "telsim_ext.h"
#include "text.hpp"

namespace telsim::tsp {
namespace {

constexpr LONG err(DWORD e) { return static_cast<LONG>(e); }
constexpr int kNewCallAttempts = 5;
constexpr DWORD kMaxBackoffMs = 5'000;
constexpr std::size_t kMaxEarlyFrames = 10'000;  ///< events kept for replies still out, at most

std::string text(const json& j, const char* key, std::string fallback = {}) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

bool flag(const json& j, const char* key, bool fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

DWORD number(const json& j, const char* key, DWORD fallback = 0) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return fallback;
  const long long v = it->get<long long>();
  return v < 0 || v > 0xFFFFFFFFLL ? fallback : static_cast<DWORD>(v);
}

std::string error_text(const json& reply) {
  const std::string error = text(reply, field::kError, "?"), message = text(reply, field::kMessage);
  if (message.empty() || message == error) return error;
  return message.rfind(error, 0) == 0 ? message : error + ": " + message;
}

Callback line_event(std::size_t line, std::uint64_t call, DWORD msg, DWORD_PTR p1 = 0, DWORD_PTR p2 = 0,
                    DWORD_PTR p3 = 0) {
  Callback cb;
  cb.line = line;
  cb.call = call;
  cb.msg = msg;
  cb.p1 = p1;
  cb.p2 = p2;
  cb.p3 = p3;
  return cb;
}

/// LINECALLPRIVILEGE_ of the wire's `privilege` ("OWNER", "MONITOR"); 0 when it says nothing.
DWORD privilege_value(const std::string& p) {
  if (p == schema::value::kPrivilegeOwner) return LINECALLPRIVILEGE_OWNER;
  if (p == schema::value::kPrivilegeMonitor) return LINECALLPRIVILEGE_MONITOR;
  return 0;
}

DWORD media_mode(const Line& line) {
  return line.is_modem() ? LINEMEDIAMODE_DATAMODEM : LINEMEDIAMODE_INTERACTIVEVOICE;
}

/// call_info's `changed` names of issue 19 (media.hpp), LINECALLINFOSTATE names too.
constexpr std::string_view kMediaInfoChanges[] = {"MEDIAMODE", "USERUSERINFO", "CALLDATA",  "TREATMENT",   "QOS",
                                                  "BEARERMODE", "RATE",        "DIALPARAMS", "MONITORMODES"};

/// LINECALLINFOSTATE_* of call_info's `changed` names, one for one; a name this TSP does not know
/// is OTHER. (REDIRECTIONID, REDIRECTINGID and COMPLETIONID are then set by what LINECALLINFO
/// shows: see the call_info event.)
DWORD call_info_states(const json& changed) {
  DWORD bits = 0;
  if (!changed.is_array()) return bits;
  for (const json& name : changed) {
    const std::string n = name.is_string() ? name.get<std::string>() : "";
    const bool known = std::find(schema::kCallInfoChanges.begin(), schema::kCallInfoChanges.end(), n) !=
                           schema::kCallInfoChanges.end() ||
                       std::find(std::begin(kMediaInfoChanges), std::end(kMediaInfoChanges), n) !=
                           std::end(kMediaInfoChanges);
    const DWORD bit = known ? tapi_names::kCallInfoState.value_of(n).value_or(0) : 0;
    bits |= bit == 0 ? DWORD{LINECALLINFOSTATE_OTHER} : bit;
  }
  return bits;
}

}  // namespace

namespace {

// hello's `pbx`: the switch profile's settings by their names (models' profile_settings(), which
// the cross build cannot see; wire_schema.hpp names the first few), and the operations offered.
namespace pbx_key {
constexpr char kTransferRecall[] = "transfer_recall";
constexpr char kRedirectFromAccepted[] = "redirect_from_accepted";
constexpr char kForwardHopLimit[] = "forward_hop_limit";
constexpr char kDialPause[] = "dial_pause";
constexpr char kDialDialtone[] = "dial_dialtone";
constexpr char kDialQuiet[] = "dial_quiet";
constexpr char kDialBilling[] = "dial_billing";
constexpr char kPartialDial[] = "partial_dial";
constexpr char kTransferHeld[] = "transfer_held";
constexpr char kTransferMake[] = "transfer_make";
constexpr char kConferenceHeld[] = "conference_held";
constexpr char kConferenceMake[] = "conference_make";
constexpr char kOperations[] = "operations";
constexpr char kRemoveFromConference[] = "remove_from_conference";  // any, last, none
constexpr char kPersonality[] = "personality";
}  // namespace pbx_key

/// Milliseconds of a duration as the server writes one ("2s", "500ms", "1min", "1h", "1.5s");
/// nullopt for anything else.
std::optional<DWORD> duration_ms(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  const std::string t = it->get<std::string>();
  std::size_t digits = 0;
  while (digits < t.size() && ((t[digits] >= '0' && t[digits] <= '9') || t[digits] == '.')) ++digits;
  if (digits == 0 || digits > 15) return std::nullopt;
  const double v = std::strtod(t.substr(0, digits).c_str(), nullptr);
  const std::string unit = t.substr(digits);
  double ms = 0;
  if (unit == "ms") ms = v;
  else if (unit == "s") ms = v * 1000;
  else if (unit == "min") ms = v * 60'000;
  else if (unit == "h") ms = v * 3'600'000;
  else return std::nullopt;
  if (ms < 0 || ms > 4'000'000'000.0) return std::nullopt;
  return static_cast<DWORD>(ms + 0.5);
}

}  // namespace

SwitchCaps switch_caps(const json& hello) {
  SwitchCaps c;
  c.server = text(hello, field::kServer, c.server);
  c.scenario = text(hello, field::kScenario);
  auto it = hello.find(field::kPbx);
  if (it == hello.end() || !it->is_object()) return c;
  const json& pbx = *it;
  c.acd = pbx.contains(field::kAcd) && pbx.at(field::kAcd).is_object();
  c.autoreconnect = flag(pbx, field::kAutoreconnect, c.autoreconnect);
  c.confdrop = flag(pbx, field::kConfdrop, c.confdrop);
  c.conference_max = number(pbx, field::kConferenceMax, c.conference_max);
  c.max_calls_per_line = number(pbx, field::kMaxCallsPerLine, c.max_calls_per_line);
  c.transfer_recall = flag(pbx, pbx_key::kTransferRecall, c.transfer_recall);
  c.redirect_from_accepted = flag(pbx, pbx_key::kRedirectFromAccepted, c.redirect_from_accepted);
  c.forward_hop_limit = number(pbx, pbx_key::kForwardHopLimit, c.forward_hop_limit);
  c.dial_pause_ms = duration_ms(pbx, pbx_key::kDialPause).value_or(c.dial_pause_ms);
  c.dial_dialtone = flag(pbx, pbx_key::kDialDialtone, c.dial_dialtone);
  c.dial_quiet = flag(pbx, pbx_key::kDialQuiet, c.dial_quiet);
  c.dial_billing = flag(pbx, pbx_key::kDialBilling, c.dial_billing);
  c.partial_dial = flag(pbx, pbx_key::kPartialDial, c.partial_dial);
  c.transfer_held = flag(pbx, pbx_key::kTransferHeld, c.transfer_held);
  c.transfer_make = flag(pbx, pbx_key::kTransferMake, c.transfer_make);
  c.conference_held = flag(pbx, pbx_key::kConferenceHeld, c.conference_held);
  c.conference_make = flag(pbx, pbx_key::kConferenceMake, c.conference_make);
  c.park = flag(pbx, field::kPark, c.park);
  c.pickup = flag(pbx, field::kPickup, c.pickup);
  c.personality = text(pbx, pbx_key::kPersonality);
  const std::string remove = text(pbx, pbx_key::kRemoveFromConference);
  if (remove == "any") c.remove_from_conf = LINEREMOVEFROMCONF_ANY;
  else if (remove == "last") c.remove_from_conf = LINEREMOVEFROMCONF_LAST;
  else if (remove == "none") c.remove_from_conf = LINEREMOVEFROMCONF_NONE;
  const std::string answer = text(pbx, field::kAnswerMode);
  if (answer == schema::value::kAnswerNone) c.answer_mode = LINEANSWERMODE_NONE;
  else if (answer == schema::value::kAnswerDrop) c.answer_mode = LINEANSWERMODE_DROP;
  else if (answer == schema::value::kAnswerHold) c.answer_mode = LINEANSWERMODE_HOLD;
  if (auto ops = pbx.find(pbx_key::kOperations); ops != pbx.end() && ops->is_array()) {
    // The list names what the switch offers: anything it leaves out is not there. A name this
    // TSP does not know is an operation of a newer server: ignored.
    c.offered.fill(false);
    for (const json& name : *ops)
      if (name.is_string())
        if (const OpInfo* o = find_operation(name.get<std::string>())) c.offered[static_cast<std::size_t>(o->op)] = true;
  }
  // A switch that lets no party be taken out refuses the operation (the server leaves it out of
  // `operations` too).
  if (c.remove_from_conf == LINEREMOVEFROMCONF_NONE) c.offered[static_cast<std::size_t>(Op::RemoveFromConference)] = false;
  c.media = media::caps_of(pbx);
  return c;
}

DWORD SwitchCaps::call_features() const {
  DWORD bits = 0;
  for (const OpInfo& o : telsim::operations())
    if (supports(o.op)) bits |= o.feature;
  if (!park) bits &= ~static_cast<DWORD>(LINECALLFEATURE_PARK);  // no orbits: the switch refuses a park
  // Media operations by what hello's `pbx.media` offers (a catalogue that lists them too agrees).
  bits &= ~media::all_call_features();
  bits |= media.call_features();
  return bits;
}

DWORD WINAPI Provider::io_main(void* self) {
  static_cast<Provider*>(self)->io_loop();
  // Drop the reference providerInit took for this thread, and only then stop running its code.
  if (module_) FreeLibraryAndExitThread(module_, 0);
  return 0;
}

void Provider::io_loop() {
  for (;;) {
    pump();
    if (WaitForSingleObject(stop_, 0) == WAIT_OBJECT_0) break;
    if (sock_ == INVALID_SOCKET && GetTickCount64() >= next_connect_at_) {
      if (!io_connect()) {
        next_connect_at_ = GetTickCount64() + backoff_ms_;
        backoff_ms_ = std::min(backoff_ms_ * 2, kMaxBackoffMs);
      }
      continue;
    }
    if (sock_ != INVALID_SOCKET) io_flush();
    HANDLE handles[3] = {stop_, wake_, sock_event_};
    const DWORD r = WaitForMultipleObjects(sock_ != INVALID_SOCKET ? 3 : 2, handles, FALSE, io_wait_ms());
    if (r == WAIT_OBJECT_0) break;
    if (sock_ != INVALID_SOCKET) {
      WSANETWORKEVENTS ne{};
      if (WSAEnumNetworkEvents(sock_, sock_event_, &ne) == 0) {
        if (ne.lNetworkEvents & (FD_READ | FD_CLOSE)) io_read();
        if (sock_ != INVALID_SOCKET && (ne.lNetworkEvents & FD_WRITE)) io_flush();
      }
    }
    if (sock_ != INVALID_SOCKET) io_check_deadlines();
  }
  if (sock_ != INVALID_SOCKET) {
    closesocket(sock_);  // the server drops this connection's calls
    sock_ = INVALID_SOCKET;
  }
}

DWORD Provider::io_wait_ms() {
  const ULONGLONG now = GetTickCount64();
  ULONGLONG until = now + 1000;  // at least once a second: deadlines are checked then
  Guard g(lock_);
  if (!outq_.empty() && barrier_ == 0) until = std::min(until, std::max(stall_until_, now));
  if (sock_ == INVALID_SOCKET) until = std::min(until, std::max(next_connect_at_, now));
  for (const auto& [id, p] : pending_) {
    (void)id;
    until = std::min(until, std::max(p.deadline, now));
  }
  return static_cast<DWORD>(until - now);
}

bool Provider::io_connect() {
  Endpoint to;
  DWORD timeout = 0;
  {
    Guard g(lock_);
    to = settings_.server;
    timeout = settings_.connect_timeout_ms;
  }
  static std::string last_error;
  std::string why;
  SOCKET s = connect_socket(to, timeout, stop_, why);
  if (s == INVALID_SOCKET) {
    if (why != last_error) log::warn(why + "; retrying");
    last_error = why;
    return false;
  }
  last_error.clear();
  io_adopt(s);
  return true;
}

void Provider::io_adopt(SOCKET s) {
  WSAEventSelect(s, sock_event_, FD_READ | FD_WRITE | FD_CLOSE);  // also makes it non-blocking
  sock_ = s;
  splitter_.clear();
  sending_.clear();
  inbox_.clear();
  barrier_ = 0;
  stall_until_ = 0;
  last_rx_ = GetTickCount64();
  ping_outstanding_ = false;
  Guard g(lock_);
  connected_ = true;
  outbuf_.clear();
  json hello{{field::kOp, schema::op::kHello},
             {field::kVersions, json::array({schema::kProtocolVersion})},
             {field::kName, connection_name()}};
  if (!settings_.token.empty()) hello[field::kToken] = settings_.token;
  Pending h;
  h.kind = Pending::Kind::Hello;
  h.op = schema::op::kHello;
  send_locked(std::move(hello), std::move(h));
  Pending l;
  l.kind = Pending::Kind::ListLines;
  l.op = schema::op::kListLines;
  send_locked(json{{field::kOp, schema::op::kListLines}}, std::move(l));
  send_register_app();
  // Lines TAPI has open are opened again; their replies bring them (back) into service.
  for (auto& line : lines_)
    if (line->open && line->present) send_open(*line);
  log::info("connected to " + settings_.server.text());
}

void Provider::io_flush() {
  {
    Guard g(lock_);
    sending_ += outbuf_;
    outbuf_.clear();
  }
  while (!sending_.empty()) {
    const int n = send(sock_, sending_.data(), static_cast<int>(std::min<std::size_t>(sending_.size(), 1 << 20)), 0);
    if (n > 0) {
      sending_.erase(0, static_cast<std::size_t>(n));
      continue;
    }
    if (WSAGetLastError() == WSAEWOULDBLOCK) return;  // FD_WRITE says when to go on
    io_lost("send failed (" + std::to_string(WSAGetLastError()) + ")", 250);
    return;
  }
}

void Provider::io_read() {
  char buf[16384];
  for (;;) {
    const int n = recv(sock_, buf, sizeof buf, 0);
    if (n == 0) {
      io_lost("the server closed the connection", 250);
      return;
    }
    if (n < 0) {
      const int e = WSAGetLastError();
      if (e != WSAEWOULDBLOCK) io_lost("the connection failed (" + std::to_string(e) + ")", 250);
      return;
    }
    last_rx_ = GetTickCount64();
    std::vector<std::string> lines;
    if (!splitter_.feed(buf, static_cast<std::size_t>(n), lines)) {
      io_lost("a frame from the server exceeds 4 MiB", 250);
      return;
    }
    for (const std::string& line : lines) {
      auto frame = parse_frame(line);
      if (!frame) {
        log::warn("ignoring a frame that is not a JSON object: " + line.substr(0, 200));
        continue;
      }
      // Feature refreshes and a new call's parties are applied as they come, past the frames
      // they hold back.
      if (!frame->contains(field::kEvent) && (*frame)[field::kId].is_number_integer()) {
        Guard g(lock_);
        auto it = pending_.find((*frame)[field::kId].get<long long>());
        if (it != pending_.end() &&
            (it->second.kind == Pending::Kind::Refresh || it->second.kind == Pending::Kind::Info)) {
          if (it->second.kind == Pending::Kind::Refresh) apply_refresh(*frame, it->second);
          else apply_info(*frame, it->second);
          pending_.erase(it);
          if (barrier_ > 0) --barrier_;
          continue;
        }
      }
      inbox_.push_back(std::move(*frame));
    }
  }
}

void Provider::io_check_deadlines() {
  const ULONGLONG now = GetTickCount64();
  std::string late;
  {
    Guard g(lock_);
    for (const auto& [id, p] : pending_) {
      (void)id;
      if (p.deadline <= now) {
        late = p.op;
        break;
      }
    }
    if (late.empty() && connected_ && !ping_outstanding_ && now - last_rx_ >= settings_.keepalive_ms) {
      Pending p;
      p.kind = Pending::Kind::Ping;
      p.op = schema::op::kPing;
      send_locked(json{{field::kOp, schema::op::kPing}}, std::move(p));
      ping_outstanding_ = true;
    }
  }
  if (!late.empty())
    io_lost("the server did not answer '" + late + "' within " +
                std::to_string(settings_.request_timeout_ms / 1000) + " s",
            250);
}

void Provider::io_lost(const std::string& why, DWORD retry_ms) {
  if (sock_ == INVALID_SOCKET) return;
  log::warn("connection to the server lost: " + why);
  closesocket(sock_);
  sock_ = INVALID_SOCKET;
  sending_.clear();
  splitter_.clear();
  // What arrived before the end still happened.
  barrier_ = 0;
  while (!inbox_.empty()) {
    json f = std::move(inbox_.front());
    inbox_.pop_front();
    process(f);
  }
  // Queries those frames sent will never be answered (pending_ is cleared below): nothing may
  // wait for them, or the callbacks below would wait for the next connection.
  barrier_ = 0;
  Guard g(lock_);
  lost_reason_.clear();
  connected_ = false;
  outbuf_.clear();
  std::vector<Callback> failed;
  abandon_requests([](const Pending&) { return true; }, err(LINEERR_OPERATIONFAILED), failed);
  // Synchronous TSPI functions waiting for a reply fail; what they started is over.
  for (auto& [id, p] : pending_) {
    (void)id;
    if (p.kind != Pending::Kind::Sync) continue;
    if (p.on_refused) p.on_refused(*this, json{{field::kOk, false}, {field::kError, "LINEERR_OPERATIONFAILED"}});
    if (p.sync) {
      p.sync->done = true;
      p.sync->result = err(LINEERR_OPERATIONFAILED);
    }
  }
  WakeAllConditionVariable(&sync_cv_);
  for (Callback& cb : failed) {
    for (const auto created : cb.created)
      if (auto it = calls_.find(created); it != calls_.end()) it->second->failed = true;
    post(std::move(cb));
  }
  pending_.clear();
  early_.clear();  // no reply will name their calls now
  // The server dropped this connection's calls: TAPI hears so, and the handles live on, idle,
  // until TAPI closes them. Calls TAPI never heard of are forgotten.
  for (auto it = calls_.begin(); it != calls_.end();) {
    Call& c = *it->second;
    if (!c.valid && !c.failed && !c.server.empty()) {
      it = calls_.erase(it);
      continue;
    }
    if (c.valid && c.state != 0 && c.state != LINECALLSTATE_IDLE) {
      const DWORD mm = media_mode(*lines_[c.line]);
      post(line_event(c.line, c.handle, LINE_CALLSTATE, LINECALLSTATE_DISCONNECTED, LINEDISCONNECTMODE_TEMPFAILURE, mm));
      post(line_event(c.line, c.handle, LINE_CALLSTATE, LINECALLSTATE_IDLE, 0, mm));
      c.state = LINECALLSTATE_IDLE;
      c.disconnect_mode = LINEDISCONNECTMODE_TEMPFAILURE;
      GetSystemTime(&c.state_entry);
    }
    c.features = 0;
    c.server.clear();
    ++it;
  }
  by_server_.clear();
  for (auto& l : lines_) {
    l->server_open = Line::ServerOpen::Closed;
    l->passthrough = false;
  }
  reconcile_service();
  stall_until_ = 0;
  next_connect_at_ = GetTickCount64() + retry_ms;
}

// --- frames -----------------------------------------------------------------------------------

void Provider::pump() {
  for (;;) {
    if (barrier_ > 0) break;
    bool have_out = false;
    {
      Guard g(lock_);
      have_out = !outq_.empty();
    }
    if (have_out) {
      if (GetTickCount64() < stall_until_) break;
      Callback cb;
      {
        Guard g(lock_);
        cb = std::move(outq_.front());
        outq_.pop_front();
      }
      deliver(std::move(cb));
      continue;
    }
    if (inbox_.empty() || sock_ == INVALID_SOCKET) break;
    json f = std::move(inbox_.front());
    inbox_.pop_front();
    process(f);
    std::string why;
    DWORD retry = 250;
    {
      Guard g(lock_);
      why = lost_reason_;
      retry = lost_retry_ms_;
    }
    if (!why.empty()) io_lost(why, retry);
  }
}

void Provider::process(const json& f) {
  if (f.contains(field::kEvent)) return process_event(f);
  Pending p;
  bool found = false;
  if (auto id = f.find(field::kId); id != f.end() && id->is_number_integer()) {
    Guard g(lock_);
    if (auto it = pending_.find(id->get<long long>()); it != pending_.end()) {
      p = std::move(it->second);
      pending_.erase(it);
      found = true;
    }
  }
  if (!found) {
    if (!flag(f, field::kOk, true)) log::warn("error from the server: " + error_text(f));
    return;
  }
  process_reply(f, std::move(p));
  // The events a slow switch sent before this reply that can be applied now (the calls they
  // name are known) are next: ahead of anything that came after the reply, each applied and
  // reported in turn as if it came now, a call's in the order they came.
  std::vector<json> replay;
  {
    Guard g(lock_);
    if (early_.empty()) return;
    const bool last = !creating_pending();
    std::vector<std::string> blocked;  // calls with an earlier event still kept
    std::size_t dropped = 0;
    for (auto it = early_.begin(); it != early_.end();) {
      const bool known = by_server_.count(it->call) > 0;
      const std::string conf = text(it->frame, field::kConference);
      const bool ready = known && (conf.empty() || by_server_.count(conf) || last) &&
                         std::find(blocked.begin(), blocked.end(), it->call) == blocked.end();
      if (ready) {
        replay.push_back(std::move(it->frame));
        it = early_.erase(it);
      } else if (last) {
        ++dropped;  // no reply will name the call: an unknown call's event, as ever ignored
        it = early_.erase(it);
      } else {
        blocked.push_back(it->call);
        ++it;
      }
    }
    if (dropped) log::info("ignoring " + std::to_string(dropped) + " event(s) of calls no request created");
  }
  inbox_.insert(inbox_.begin(), std::make_move_iterator(replay.begin()), std::make_move_iterator(replay.end()));
}

bool Provider::creating_pending() const {
  // A call the reply will name by a server handle (not the TSP's own passthrough call).
  return std::any_of(pending_.begin(), pending_.end(), [](const auto& e) {
    return e.second.kind == Pending::Kind::Tapi &&
           std::any_of(e.second.creates.begin(), e.second.creates.end(), [](const auto& k) { return k.key != nullptr; });
  });
}

void Provider::process_reply(const json& f, Pending p) {
  const bool ok = flag(f, field::kOk, false);
  Guard g(lock_);
  switch (p.kind) {
    case Pending::Kind::Hello:
      if (ok) {
        caps_ = switch_caps(f);
        backoff_ms_ = 250;
        if (caps_.acd) send_queue_list();
        log::info("server " + caps_.server + ", scenario '" + caps_.scenario + "'" +
                  (caps_.personality.empty() ? "" : ", personality " + caps_.personality));
      } else {
        log::error("the server refused hello: " + error_text(f));
        lost_reason_ = "hello refused";
        lost_retry_ms_ = kMaxBackoffMs;
      }
      return;
    case Pending::Kind::ListLines: {
      if (!ok || !f.contains(field::kLines) || !f[field::kLines].is_array()) return;
      for (auto& l : lines_) l->present = false;
      for (const json& e : f[field::kLines]) {
        if (!e.is_object()) continue;
        const std::string num = text(e, field::kLine);
        if (num.empty()) continue;
        Line* l = line_by_number(num);
        if (!l) {
          // A line the server did not have at start-up: TAPI learns of it through LINE_CREATE.
          auto fresh = std::make_unique<Line>();
          fresh->index = lines_.size();
          fresh->number = num;
          fresh->temp_id = next_temp_id_++;
          l = fresh.get();
          lines_.push_back(std::move(fresh));
          if (line_create_) {
            Callback cb;
            cb.kind = Callback::Kind::LineCreate;
            cb.msg = LINE_CREATE;
            cb.p1 = reinterpret_cast<DWORD_PTR>(hprovider_);
            cb.p2 = l->temp_id;
            post(std::move(cb));
          }
          log::info("new line " + num + ": LINE_CREATE");
        }
        l->present = true;
        l->name = text(e, field::kName, l->name);
        l->kind = text(e, field::kKind, l->kind);
        if (const auto m = e.find(field::kModem); m != e.end() && m->is_object()) {
          l->pty = text(*m, field::kPty);
          l->modem_speed = number(*m, field::kSpeed);
          // What the modem has, for lineGetDevConfig; a DEVCFG set before an outage is set again.
          send_modem_config(*l, l->devconfig.empty() ? json(nullptr) : modem_settings_of(l->devconfig));
        }
      }
      reconcile_service();
      return;
    }
    case Pending::Kind::Open: {
      if (p.line >= lines_.size()) return;
      Line& l = *lines_[p.line];
      if (!l.open || l.open_generation != p.line_generation) return;  // closed meanwhile
      if (ok) {
        l.server_open = Line::ServerOpen::Open;
        if (f.contains(field::kForwarding)) apply_forwarding(l, f[field::kForwarding]);
        if (caps_.acd) send_agent_caps(l);  // its agent's id, for lineSetAgentStateEx
      } else {
        l.server_open = Line::ServerOpen::Refused;
        log::warn("the server refused to open line " + l.number + ": " + error_text(f));
      }
      reconcile_service();
      return;
    }
    case Pending::Kind::Refresh:  // applied on arrival (io_read)
    case Pending::Kind::Info:
      return;
    case Pending::Kind::Ping:
      ping_outstanding_ = false;
      return;
    case Pending::Kind::ModemConfig: {
      if (p.line >= lines_.size()) return;
      Line& l = *lines_[p.line];
      if (p.line_generation != l.modem_config_sent) return;  // a later one is out: its reply says
      if (!ok) {
        // Refused (another process owns the modem): lineGetDevConfig says what it has.
        log::warn("modem_config on line " + l.number + " refused: " + error_text(f));
        send_modem_config(l);
        return;
      }
      Line::ModemOptions& o = l.modem_options;
      o.known = true;
      o.dte_rate = number(f, field::kDteRate);
      o.speaker = number(f, field::kSpeaker, 1);
      o.volume = number(f, field::kVolume, 1);
      o.flow_control = number(f, field::kFlowControl, 3);
      o.call_setup_timeout = number(f, field::kCallSetupTimeout, 50);
      o.blind_dial = flag(f, field::kBlindDial, false);
      return;
    }
    case Pending::Kind::Sync: {
      // A synchronous TSPI function's request (provider_media.cpp): its result is the reply's.
      const LONG result = ok ? 0 : line_error_value(text(f, field::kError));
      if (ok && p.on_ok) p.on_ok(*this, f);
      if (!ok) {
        log::info(p.op + " refused: " + error_text(f) + (p.sync && p.sync->abandoned ? " (after the TSPI function returned)" : ""));
        if (p.on_refused) p.on_refused(*this, f);
      }
      if (p.sync) {
        p.sync->done = true;
        p.sync->result = result;
        WakeAllConditionVariable(&sync_cv_);
      }
      return;
    }
    case Pending::Kind::Acd:
      if (ok && p.on_ok) p.on_ok(*this, f);
      if (!ok) log::info(p.op + " refused: " + error_text(f));
      return;
    case Pending::Kind::Cleanup:
      if (!ok) log::info(p.op + " (clean-up) refused: " + error_text(f));
      if (!ok && p.on_refused) p.on_refused(*this, f);
      return;
    case Pending::Kind::Tapi:
      break;
  }

  if (p.aborted) {
    // TAPI let go first: a call the request made anyway is dropped and freed.
    for (const auto& k : p.creates) {
      if (!k.key) {
        // A passthrough call TAPI gave up: the modem is taken back.
        if (ok && p.line < lines_.size() && lines_[p.line]->open) {
          lines_[p.line]->passthrough = false;
          Pending q;
          q.kind = Pending::Kind::Cleanup;
          q.op = schema::op::kModemPassthrough;
          send_locked(json{{field::kOp, q.op}, {field::kLine, lines_[p.line]->number}, {field::kOn, false}}, std::move(q));
        }
        continue;
      }
      const std::string name = text(f, k.key);
      if (!ok || name.empty()) continue;
      release_on_server(name);  // what was kept of it is dropped: it never becomes known
    }
    return;
  }
  Callback cb;
  cb.kind = Callback::Kind::Completion;
  cb.request = p.tapi_id;
  cb.line = p.line;
  cb.call = p.call;
  for (const auto& k : p.creates) cb.created.push_back(k.call);
  if (ok) {
    for (const auto& k : p.creates) {
      auto it = calls_.find(k.call);
      if (it == calls_.end()) continue;
      if (!k.key) {  // the TSP's own call (passthrough): no server handle to learn
        cb.valid_after.push_back(k.call);
        continue;
      }
      const std::string name = text(f, k.key);
      if (name.empty()) {
        log::error(p.op + ": the reply names no '" + k.key + "'");
        it->second->failed = true;
        cb.result = err(LINEERR_OPERATIONFAILED);
        continue;
      }
      it->second->server = name;
      by_server_[name] = k.call;
      cb.valid_after.push_back(k.call);  // its events kept in early_ follow this completion (process)
      // The server tells its creator nothing of the call's parties: ask, and let TAPI hear of
      // the call (this completion) only once the answer is in.
      if (sock_ != INVALID_SOCKET) {
        Pending q;
        q.kind = Pending::Kind::Info;
        q.op = schema::op::kCallInfo;
        q.call = k.call;
        send_locked(json{{field::kOp, schema::op::kCallInfo}, {field::kCall, name}}, std::move(q));
        ++barrier_;
      }
    }
    if (p.completion_out) *p.completion_out = number(f, field::kCompletion);
    if (p.address_out) fill_varstring(p.address_out, widen(text(f, field::kAddress)));
    if (p.on_ok) p.on_ok(*this, f);
    // A camp-on keeps its call, which now has a completion id and no COMPLETECALL; cancelling it
    // takes both back. The server reports neither with an event (the call's state stays): read
    // the calls again before TAPI hears of the completion (apply_info reports COMPLETIONID).
    if ((p.op == to_string(Op::CompleteCall) || p.op == to_string(Op::UncompleteCall)) && sock_ != INVALID_SOCKET) {
      for (auto& [h, c] : calls_) {
        const bool affected = p.op == to_string(Op::CompleteCall) ? h == p.call : c->line == p.line && c->completion;
        if (!affected || !c->valid || c->server.empty() || c->state == LINECALLSTATE_IDLE) continue;
        for (const Pending::Kind kind : {Pending::Kind::Info, Pending::Kind::Refresh}) {
          Pending q;
          q.kind = kind;
          q.op = kind == Pending::Kind::Info ? schema::op::kCallInfo : schema::op::kCallStatus;
          q.call = h;
          const std::string op = q.op;
          send_locked(json{{field::kOp, op}, {field::kCall, c->server}}, std::move(q));
          ++barrier_;
        }
      }
    }
  } else {
    cb.result = line_error_value(text(f, field::kError));
    for (const auto& k : p.creates)
      if (auto it = calls_.find(k.call); it != calls_.end()) it->second->failed = true;
    log::info(p.op + " refused: " + error_text(f));
  }
  post(std::move(cb));
  if (ok && p.after_completion) p.after_completion(*this);
}

void Provider::apply_refresh(const json& f, const Pending& p) {
  auto it = calls_.find(p.call);
  if (it == calls_.end() || !flag(f, field::kOk, false)) return;
  Call& c = *it->second;
  // Only a snapshot of the state this call is known to be in: a newer one comes with its event.
  if (text(f, field::kState) == call_state_name(c.state)) c.features = number(f, field::kFeatures) & caps_.call_features();
}

void Provider::apply_info(const json& f, const Pending& p) {
  auto it = calls_.find(p.call);
  if (it == calls_.end() || !flag(f, field::kOk, false)) return;
  Call& c = *it->second;
  const std::string redirection = c.redirection_id(), redirecting = c.redirecting_id();
  const DWORD completion = c.completion;
  // The call as it is now; events held behind this answer are older, and each carries the whole
  // of what it changes, so they leave the latest values in place.
  c.inbound = text(f, field::kDirection) == schema::value::kIn;
  c.from = text(f, field::kFrom, c.from);
  c.to = text(f, field::kTo, c.to);
  c.original_to = text(f, field::kOriginalTo);
  c.redirection = text(f, field::kRedirection);
  c.redirecting = text(f, field::kRedirecting);
  c.connected = text(f, field::kConnected);
  c.completion = number(f, field::kCompletion);
  if (f.contains(field::kReason)) c.reason = call_reason_value(text(f, field::kReason));
  // A call TAPI knows already (read again after a request that changed it without an event):
  // what LINECALLINFO shows differently is a LINE_CALLINFO, after the request's completion.
  const DWORD media_bits = apply_media_values(c, f);
  if (!c.valid) return;
  DWORD bits = media_bits;
  if (c.redirection_id() != redirection) bits |= LINECALLINFOSTATE_REDIRECTIONID;
  if (c.redirecting_id() != redirecting) bits |= LINECALLINFOSTATE_REDIRECTINGID;
  if (c.completion != completion) bits |= LINECALLINFOSTATE_COMPLETIONID;
  if (bits) post(line_event(c.line, c.handle, LINE_CALLINFO, bits));
}

void Provider::apply_forwarding(Line& line, const json& list) {
  line.forwarding.clear();
  line.no_answer_rings = 0;
  if (!list.is_array()) return;
  for (const json& r : list) {
    if (!r.is_object()) continue;
    namespace v = schema::value;
    const std::string when = text(r, field::kWhen);
    DWORD base = 0;
    if (when == v::kUnconditional || when == v::kDoNotDisturb) base = LINEFORWARDMODE_UNCOND;
    else if (when == v::kBusy) base = LINEFORWARDMODE_BUSY;
    else if (when == v::kNoAnswer) base = LINEFORWARDMODE_NOANSW;
    else if (when == v::kBusyNoAnswer) base = LINEFORWARDMODE_BUSYNA;
    else continue;
    const std::string callers = text(r, field::kCallers, v::kAll);
    // Each mode's INTERNAL and EXTERNAL variants are its next two bits.
    const DWORD mode = callers == v::kInternal ? base << 1 : callers == v::kExternal ? base << 2 : base;
    line.forwarding.push_back({mode, when == v::kDoNotDisturb ? std::string() : text(r, field::kTo)});
    if (const DWORD rings = number(r, field::kRings)) line.no_answer_rings = rings;
  }
}

void Provider::process_event(const json& f) {
  const std::string ev = text(f, field::kEvent);
  Guard g(lock_);
  if (ev == schema::event::kCallState || ev == schema::event::kCallInfo || ev == schema::event::kCallPrivilege) {
    // A slow switch (reply_order after_events) reports a call a request creates before the reply
    // that names it: while such a request is out, an event of a handle not known yet, or naming
    // a conference call not known yet (CONFERENCED, before lineSetupConference completed), is
    // kept for the reply (process), which TAPI must hear of first (the start lifetime rule); so
    // is every later event of a call that has one kept, to keep its order.
    const std::string name = text(f, field::kCall);
    const std::string conf = text(f, field::kConference);
    const bool waits = !name.empty() && (!by_server_.count(name) || (!conf.empty() && !by_server_.count(conf)) ||
                                         std::any_of(early_.begin(), early_.end(),
                                                     [&](const Early& e) { return e.call == name; }));
    if (waits && creating_pending()) {
      if (early_.size() < kMaxEarlyFrames) early_.push_back({f, name});
      else log::warn("too many events kept for replies still out: ignoring one of " + name);
      return;
    }
  }
  if (ev == schema::event::kNewCall) {
    Line* l = line_by_number(text(f, field::kLine));
    const std::string name = text(f, field::kCall);
    if (!l || !l->open || name.empty() || by_server_.count(name)) return;
    if (l->passthrough) return;  // the program's own AT commands made it: the terminal's, not TAPI's
    auto c = std::make_unique<Call>();
    c->handle = next_call_++;
    c->line = l->index;
    c->server = name;
    c->inbound = text(f, field::kDirection) == schema::value::kIn;
    c->from = text(f, field::kFrom);
    c->to = text(f, field::kTo);
    c->original_to = text(f, field::kOriginalTo);
    c->queue = text(f, field::kQueue);  // an ACD queue offered it to this agent
    c->redirection = text(f, field::kRedirection);
    c->redirecting = text(f, field::kRedirecting);
    c->connected = text(f, field::kConnected);
    c->completion = number(f, field::kCompletion);
    const std::string reason = text(f, field::kReason);
    c->reason = reason.empty() ? LINECALLREASON_DIRECT : call_reason_value(reason);
    c->privilege = privilege_value(text(f, field::kPrivilege));
    c->handoff_media = schema::media_mode_value(text(f, field::kMediaMode));
    c->carried = carried_params(f);  // LINECALLPARAMS its caller gave (call_params.hpp)
    by_server_[name] = c->handle;
    Callback cb;
    cb.kind = Callback::Kind::NewCall;
    cb.line = l->index;
    cb.call = c->handle;
    calls_.emplace(c->handle, std::move(c));
    post(std::move(cb));
    return;
  }
  if (ev == schema::event::kCallState) {
    Call* c = call_by_server(text(f, field::kCall));
    if (!c || !lines_[c->line]->open) return;
    DWORD state = call_state_value(text(f, field::kState));
    if (state == 0) state = LINECALLSTATE_UNKNOWN;
    if (lines_[c->line]->is_modem() && state == LINECALLSTATE_CONNECTED && !lines_[c->line]->modem_online) {
      // As Unimodem: a data call is CONNECTED once the carriers are up (modem_state online);
      // until then TAPI keeps the state it has. A modem that hears no carrier hangs up.
      c->awaiting_carrier = true;
      c->features = number(f, field::kFeatures) & caps_.call_features();
      return;
    }
    c->awaiting_carrier = false;
    const bool repeated = c->state_repeated && c->state == state;
    c->state_repeated = false;
    c->state = state;
    // The state's mode: LINEDISCONNECTMODE for DISCONNECTED, LINEBUSYMODE for BUSY.
    c->disconnect_mode = state == LINECALLSTATE_BUSY
                             ? (text(f, field::kBusyMode) == "TRUNK" ? DWORD{LINEBUSYMODE_TRUNK}
                                                                     : DWORD{LINEBUSYMODE_STATION})
                             : number(f, field::kMode);
    c->features = state == LINECALLSTATE_IDLE ? 0 : number(f, field::kFeatures) & caps_.call_features();
    if (f.contains(field::kReason)) c->reason = call_reason_value(text(f, field::kReason));
    if (Call* conf = call_by_server(text(f, field::kConference))) c->conference = conf->handle;
    GetSystemTime(&c->state_entry);
    Callback cb = line_event(c->line, c->handle, LINE_CALLSTATE, state, call_state_mode(state, c->disconnect_mode),
                             media_mode(*lines_[c->line]));
    if (state == LINECALLSTATE_CONFERENCED) cb.p2_call = c->conference;
    if (!repeated) post(std::move(cb));
    // The other calls on the line may allow other things now: re-read them before TAPI hears
    // (not on a watched line: its calls allow TAPI nothing anyway).
    for (auto& [h, other] : calls_) {
      if (h == c->handle || other->line != c->line || other->server.empty() || !other->valid ||
          other->state == LINECALLSTATE_IDLE)
        continue;
      Pending p;
      p.kind = Pending::Kind::Refresh;
      p.op = schema::op::kCallStatus;
      p.call = h;
      send_locked(json{{field::kOp, schema::op::kCallStatus}, {field::kCall, other->server}}, std::move(p));
      ++barrier_;
    }
    return;
  }
  if (ev == schema::event::kCallInfo) {
    Call* c = call_by_server(text(f, field::kCall));
    if (!c || !lines_[c->line]->open) return;
    DWORD bits = f.contains(field::kChanged) ? call_info_states(f[field::kChanged]) : 0;
    // The event carries every value; one left out is empty (0). RedirectionID, RedirectingID and
    // dwCompletionID are reported changed exactly when what LINECALLINFO shows changes: the
    // server's REDIRECTIONID also covers `original_to`, and one that sends neither `redirection`
    // nor `redirecting` (RedirectingID is then `original_to`) names no REDIRECTINGID.
    const std::string redirection = c->redirection_id(), redirecting = c->redirecting_id();
    const DWORD completion = c->completion;
    c->from = text(f, field::kFrom, c->from);
    c->to = text(f, field::kTo, c->to);
    c->original_to = text(f, field::kOriginalTo);
    c->redirection = text(f, field::kRedirection);
    c->redirecting = text(f, field::kRedirecting);
    c->completion = number(f, field::kCompletion);
    constexpr DWORD kDerived = LINECALLINFOSTATE_REDIRECTIONID | LINECALLINFOSTATE_REDIRECTINGID | LINECALLINFOSTATE_COMPLETIONID;
    bits &= ~kDerived;
    if (c->redirection_id() != redirection) bits |= LINECALLINFOSTATE_REDIRECTIONID;
    if (c->redirecting_id() != redirecting) bits |= LINECALLINFOSTATE_REDIRECTINGID;
    if (c->completion != completion) bits |= LINECALLINFOSTATE_COMPLETIONID;
    if (f.contains(field::kConnected)) c->connected = text(f, field::kConnected);
    if (f.contains(field::kReason)) c->reason = call_reason_value(text(f, field::kReason));
    const Call* conf = call_by_server(text(f, field::kConference));
    c->conference = conf ? conf->handle : 0;
    // Media, user-user information, call data... (issue 19): the values given, and what the
    // server names changed (or LINECALLINFO shows changed).
    bits |= apply_media_values(*c, f);
    if (bits) post(line_event(c->line, c->handle, LINE_CALLINFO, bits));
    return;
  }
  if (ev == schema::event::kCallPrivilege) {
    // Another process handed this one the call (lines shared: telsim_ext.h).
    Call* c = call_by_server(text(f, field::kCall));
    if (!c || !lines_[c->line]->open) return;
    c->privilege = privilege_value(text(f, field::kPrivilege));
    c->handoff_media = schema::media_mode_value(text(f, field::kMediaMode));
    c->state_repeated = true;  // TAPI tells the new owner the call's state itself
    if (share_) post(line_event(c->line, c->handle, TELSIM_LINE_CALLPRIVILEGE, c->privilege, c->handoff_media));
    return;
  }
  if (ev == schema::event::kAddressState) {
    Line* l = line_by_number(text(f, field::kLine));
    if (!l || !l->open) return;
    apply_forwarding(*l, f.contains(field::kForwarding) ? f[field::kForwarding] : json::array());
    post(line_event(l->index, 0, LINE_ADDRESSSTATE, 0, LINEADDRESSSTATE_FORWARD));
    return;
  }
  if (ev == schema::event::kLineState) {
    Line* l = line_by_number(text(f, field::kLine));
    const std::string state = text(f, field::kState);
    if (!l || !l->open || (state != schema::value::kMsgWaitOn && state != schema::value::kMsgWaitOff)) return;
    l->messages_waiting = static_cast<int>(number(f, field::kMessagesWaiting));
    post(line_event(l->index, 0, LINE_LINEDEVSTATE,
                    state == schema::value::kMsgWaitOn ? LINEDEVSTATE_MSGWAITON : LINEDEVSTATE_MSGWAITOFF));
    return;
  }
  if (ev == schema::event::kModemState) {
    Line* l = line_by_number(text(f, field::kLine));
    if (!l) return;
    l->modem_online = text(f, field::kState) == schema::value::kModemOnline;
    if (!l->open || !l->modem_online) return;
    for (auto& entry : calls_) {
      Call* c = entry.second.get();
      if (c->line != l->index || !c->awaiting_carrier) continue;
      c->awaiting_carrier = false;
      c->state = LINECALLSTATE_CONNECTED;
      GetSystemTime(&c->state_entry);
      post(line_event(c->line, c->handle, LINE_CALLSTATE, LINECALLSTATE_CONNECTED, call_state_mode(LINECALLSTATE_CONNECTED, 0),
                      media_mode(*l)));
    }
    return;
  }
  if (ev == schema::event::kShutdown) {
    log::info("the server is stopping (" + text(f, field::kReason, "?") + ")");
    return;
  }
  if (process_media_event(ev, f)) return;
  if (process_agent_event(ev, f)) return;
  // Anything else is news from a newer server: ignored.
}

// --- calls into TAPI ----------------------------------------------------------------------

void Provider::deliver(Callback cb) {
  EnterCriticalSection(&callback_lock_);
  LINEEVENT proc = nullptr;
  ASYNC_COMPLETION completion = nullptr;
  HTAPILINE ht_line = nullptr;
  HTAPICALL ht_call = nullptr;
  bool go = false;
  {
    Guard g(lock_);
    switch (cb.kind) {
      case Callback::Kind::Completion:
        completion = completion_;
        go = completion != nullptr;
        // The new calls are TAPI's from here (ops on them are accepted at once); no event of
        // theirs can come before this completion, as this thread makes every call into TAPI.
        for (std::uint64_t h : cb.valid_after)
          if (auto it = calls_.find(h); it != calls_.end()) it->second->valid = true;
        break;
      case Callback::Kind::LineCreate:
        proc = line_create_;
        go = proc != nullptr;
        break;
      case Callback::Kind::LineEvent:
      case Callback::Kind::NewCall: {
        if (cb.line >= lines_.size()) break;
        const Line& l = *lines_[cb.line];
        if (!l.open || !l.event_proc) break;
        proc = l.event_proc;
        ht_line = l.ht;
        if (cb.call) {
          Call* c = call_by_handle(reinterpret_cast<HDRVCALL>(static_cast<std::uintptr_t>(cb.call)));
          if (!c) break;
          if (cb.kind == Callback::Kind::NewCall) {
            if (c->valid || c->server.empty()) break;
            cb.p1 = static_cast<DWORD_PTR>(c->handle);
          } else {
            if (!c->valid) break;
            ht_call = c->ht;
          }
        }
        if (cb.p2_call) {
          Call* k = call_by_handle(reinterpret_cast<HDRVCALL>(static_cast<std::uintptr_t>(cb.p2_call)));
          cb.p2 = k && k->valid ? reinterpret_cast<DWORD_PTR>(k->ht) : 0;
        }
        go = true;
        break;
      }
    }
  }
  if (go) {
    {
      Guard g(lock_);
      in_tapi_since_ = GetTickCount64();  // a synchronous TSPI function waiting sees TAPI busy
    }
    switch (cb.kind) {
      case Callback::Kind::Completion:
        completion(cb.request, cb.result);
        break;
      case Callback::Kind::LineCreate:
        proc(nullptr, nullptr, LINE_CREATE, cb.p1, cb.p2, 0);
        break;
      case Callback::Kind::LineEvent:
        proc(ht_line, ht_call, cb.msg, cb.p1, cb.p2, cb.p3);
        break;
      case Callback::Kind::NewCall: {
        HTAPICALL ht = nullptr;
        proc(ht_line, nullptr, LINE_NEWCALL, cb.p1, reinterpret_cast<DWORD_PTR>(&ht), 0);
        Guard g(lock_);
        in_tapi_since_ = 0;
        auto it = calls_.find(cb.call);
        if (it == calls_.end()) break;
        Call& c = *it->second;
        if (ht) {
          c.ht = ht;
          c.valid = true;
        } else if (++c.newcall_attempts < kNewCallAttempts) {
          // TAPI is backlogged: offer it again shortly; the call's later events wait behind it.
          outq_.push_front(std::move(cb));
          stall_until_ = GetTickCount64() + 50ULL * static_cast<ULONGLONG>(c.newcall_attempts);
        } else {
          log::warn("TAPI refused call " + c.server + " " + std::to_string(kNewCallAttempts) + " times: dropping it");
          if (connected_) release_on_server(c.server);
          by_server_.erase(c.server);
          calls_.erase(it);
        }
        break;
      }
    }
    Guard g(lock_);
    in_tapi_since_ = 0;
  }
  LeaveCriticalSection(&callback_lock_);
}

// --- passthrough (the TSPI side of lineMakeCall and lineDrop, here for line_event) ---------------

LONG Provider::make_passthrough_call(DRV_REQUESTID req, Line& line, HTAPICALL ht, LPHDRVCALL out,
                                     const json& call_params) {
  // One passthrough call at a time, and none beside another call of the line: the modem is
  // handed over from idle (the server refuses a busy modem: CALLUNAVAIL).
  for (const auto& [h, c] : calls_) {
    (void)h;
    if (c->line == line.index && !c->failed && c->state != LINECALLSTATE_IDLE && (c->valid || c->passthrough))
      return err(LINEERR_CALLUNAVAIL);
  }
  Request r;
  r.session_op = schema::op::kModemPassthrough;
  r.line = line.index;
  r.params = json{{field::kLine, line.number}, {field::kOn, true}};
  r.creates.push_back({ht, out, nullptr, false});
  // The number, if any, is not dialled: the program dials with its own AT commands.
  r.on_ok = [](Provider& self, const json& reply) {
    if (const auto l = self.line_by_number(reply.value(field::kLine, std::string()))) l->passthrough = true;
  };
  const std::size_t index = line.index;
  r.after_completion = [index, carried = carried_params_sent(call_params)](Provider& self) {
    // The call TAPI just got: CONNECTED at once, with nothing to do but drop it.
    for (auto& [h, c] : self.calls_) {
      (void)h;
      if (c->line != index || !c->passthrough || c->state != 0) continue;
      c->carried = carried;
      c->carried.bearer_mode = LINEBEARERMODE_PASSTHROUGH;
      c->state = LINECALLSTATE_CONNECTED;
      c->features = LINECALLFEATURE_DROP & self.caps_.call_features();
      GetSystemTime(&c->state_entry);
      self.post(line_event(index, c->handle, LINE_CALLSTATE, LINECALLSTATE_CONNECTED,
                           call_state_mode(LINECALLSTATE_CONNECTED, 0), media_mode(*self.lines_[index])));
    }
  };
  const LONG rc = submit(req, std::move(r));
  if (auto it = calls_.find(reinterpret_cast<std::uintptr_t>(*out)); rc > 0 && it != calls_.end())
    it->second->passthrough = true;
  return rc;
}

LONG Provider::drop_passthrough_call(DRV_REQUESTID req, Call& call) {
  Line& line = *lines_[call.line];
  if (!line.open) return err(LINEERR_INVALCALLHANDLE);
  if (!in_service(line)) return err(LINEERR_INVALLINESTATE);
  if (call.state == LINECALLSTATE_IDLE) return err(LINEERR_INVALCALLSTATE);
  Request r;
  r.session_op = schema::op::kModemPassthrough;
  r.line = line.index;
  r.call = call.handle;
  r.params = json{{field::kLine, line.number}, {field::kOn, false}};
  r.on_ok = [](Provider& self, const json& reply) {
    if (const auto l = self.line_by_number(reply.value(field::kLine, std::string()))) l->passthrough = false;
  };
  const std::uint64_t handle = call.handle;
  r.after_completion = [handle](Provider& self) {
    // The modem is the TSP's again, on-hook: the call is over.
    auto it = self.calls_.find(handle);
    if (it == self.calls_.end()) return;
    Call& c = *it->second;
    c.state = LINECALLSTATE_IDLE;
    c.features = 0;
    GetSystemTime(&c.state_entry);
    self.post(line_event(c.line, c.handle, LINE_CALLSTATE, LINECALLSTATE_IDLE, 0, media_mode(*self.lines_[c.line])));
  };
  return submit(req, std::move(r));
}

}  // namespace telsim::tsp
