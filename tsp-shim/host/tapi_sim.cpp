#include "tapi_sim.hpp"

#include <algorithm>
#include <cstdio>

#include "text.hpp"

namespace telsim::tsp::host {

std::string hex(DWORD v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%lX", static_cast<unsigned long>(v));
  return buf;
}

std::string error_name(LONG e) { return e == 0 ? "0 (success)" : line_error_name(e); }

std::string state_list(const std::vector<TapiCall::State>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : " ") + std::string(call_state_name(x.state));
  return out.empty() ? "(none)" : out;
}

// --- the DLL ----------------------------------------------------------------------------------

Tsp::Tsp(const std::wstring& path) {
  module = LoadLibraryW(path.c_str());
  if (!module) throw Failure("cannot load " + narrow(path) + " (error " + std::to_string(GetLastError()) + ")");
  std::string missing;
#define TELSIM_TSP_RESOLVE(name)                                                                \
  name = reinterpret_cast<decltype(name)>(reinterpret_cast<void*>(GetProcAddress(module, #name))); \
  if (!name) missing += std::string(missing.empty() ? "" : ", ") + #name;
  TELSIM_TSP_EXPORTS(TELSIM_TSP_RESOLVE)
#undef TELSIM_TSP_RESOLVE
  if (!missing.empty()) throw Failure(narrow(path) + " does not export " + missing);
}

Tsp::~Tsp() {
  if (module) FreeLibrary(module);
}

// --- the telephony service --------------------------------------------------------------------

FakeTapi* FakeTapi::current_ = nullptr;

namespace {

class Lock {
 public:
  explicit Lock(SRWLOCK& l) : l_(l) { AcquireSRWLockExclusive(&l_); }
  ~Lock() { ReleaseSRWLockExclusive(&l_); }
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

 private:
  SRWLOCK& l_;
};

}  // namespace

FakeTapi::FakeTapi(Tsp& tsp) : tsp_(tsp) { current_ = this; }

FakeTapi::~FakeTapi() {
  if (started_ && !stopped_) {
    try {
      shutdown();
    } catch (...) {
    }
  }
  current_ = nullptr;
}

void FakeTapi::enter_callback() {
  if (InterlockedIncrement(&in_callback_) != 1) violation("two calls into TAPI at once");
}

void FakeTapi::leave_callback() { InterlockedDecrement(&in_callback_); }

void FakeTapi::violation(const std::string& what) {
  Lock l(lock_);
  violations_.push_back(what);
  log_.push_back("VIOLATION " + what);
  WakeAllConditionVariable(&changed_);
}

void FakeTapi::note(const std::string& what) {
  log_.push_back(what);
  if (log_.size() > 200) log_.pop_front();
}

std::string FakeTapi::event_log() const {
  Lock l(lock_);
  std::string s;
  for (const auto& e : log_) s += "    " + e + "\n";
  return s;
}

void FakeTapi::check_rules() {
  Lock l(lock_);
  if (violations_.empty()) return;
  std::string all;
  for (const auto& v : violations_) all += "\n  - " + v;
  throw Failure("the TSP broke TAPI's rules:" + all);
}

TapiCall* FakeTapi::known_call(HTAPICALL ht) {
  for (auto& c : calls_)
    if (c->ht() == ht) return c.get();
  return nullptr;
}

TapiLine* FakeTapi::known_line(HTAPILINE ht) {
  for (auto& l : lines_)
    if (l->ht() == ht) return l.get();
  return nullptr;
}

void CALLBACK FakeTapi::on_line_event(HTAPILINE l, HTAPICALL c, DWORD m, DWORD_PTR p1, DWORD_PTR p2, DWORD_PTR p3) {
  current_->enter_callback();
  current_->line_event(l, c, m, p1, p2, p3);
  current_->leave_callback();
}

void CALLBACK FakeTapi::on_line_create(HTAPILINE, HTAPICALL, DWORD m, DWORD_PTR p1, DWORD_PTR p2, DWORD_PTR) {
  FakeTapi& t = *current_;
  t.enter_callback();
  {
    Lock l(t.lock_);
    if (m != LINE_CREATE) t.violations_.push_back("the line-create callback got " + line_message_name(m));
    else if (reinterpret_cast<HPROVIDER>(p1) != kProvider) t.violations_.push_back("LINE_CREATE with a wrong hProvider");
    else t.line_creates_.push_back(p2);
    if (t.stopped_) t.violations_.push_back("LINE_CREATE after TSPI_providerShutdown");
    t.note("LINE_CREATE temp " + std::to_string(p2));
    WakeAllConditionVariable(&t.changed_);
  }
  t.leave_callback();
}

void CALLBACK FakeTapi::on_completion(DRV_REQUESTID id, LONG result) {
  FakeTapi& t = *current_;
  t.enter_callback();
  {
    Lock l(t.lock_);
    auto it = std::find(t.outstanding_.begin(), t.outstanding_.end(), id);
    if (it == t.outstanding_.end()) {
      t.violations_.push_back("ASYNC_COMPLETION for request " + std::to_string(id) +
                              ", which is not outstanding (unknown, or completed already)");
    } else {
      t.outstanding_.erase(it);
    }
    if (t.stopped_) t.violations_.push_back("ASYNC_COMPLETION after TSPI_providerShutdown");
    double after_ms = 0;
    for (const auto& [issued, at] : t.issued_)
      if (issued == id) {
        LARGE_INTEGER now{}, freq{};
        QueryPerformanceCounter(&now);
        QueryPerformanceFrequency(&freq);
        after_ms = static_cast<double>(now.QuadPart - at) * 1000.0 / static_cast<double>(freq.QuadPart);
      }
    t.completions_.push_back({id, result, ++t.seq_, after_ms});
    for (auto& c : t.calls_)
      if (c->created_by == id && result == 0) c->creation_completed = true;
    t.note("ASYNC_COMPLETION " + std::to_string(id) + " " + error_name(result));
    WakeAllConditionVariable(&t.changed_);
  }
  t.leave_callback();
}

void FakeTapi::line_event(HTAPILINE htl, HTAPICALL htc, DWORD msg, DWORD_PTR p1, DWORD_PTR p2, DWORD_PTR p3) {
  // Into the TSP from inside its callback, as TAPI may do, before anyone hears of the event: it
  // must not hold a lock of its own now, and what it says must already be current.
  DWORD status_state = 0, status_features = 0;
  std::vector<std::pair<const TapiCall*, DWORD>> others;
  if (msg == LINE_CALLSTATE && status_in_callbacks_) {
    std::vector<TapiCall*> line_calls;
    TapiCall* self = nullptr;
    {
      Lock l(lock_);
      self = known_call(htc);
      for (auto& c : calls_)
        if (self && c.get() != self && c->line == self->line && !c->closed &&
            (c->announced || c->creation_completed) && c->last_state() != LINECALLSTATE_IDLE)
          line_calls.push_back(c.get());
    }
    if (self) {
      LINECALLSTATUS st{};
      st.dwTotalSize = sizeof st;
      if (tsp_.TSPI_lineGetCallStatus(self->hd, &st) == 0) {
        status_state = st.dwCallState;
        status_features = st.dwCallFeatures;
      }
      for (TapiCall* o : line_calls) {
        LINECALLSTATUS os{};
        os.dwTotalSize = sizeof os;
        if (tsp_.TSPI_lineGetCallStatus(o->hd, &os) == 0) others.emplace_back(o, os.dwCallFeatures);
      }
    }
  }
  {
    Lock l(lock_);
    const std::uint64_t seq = ++seq_;
    TapiLine* line = known_line(htl);
    note(line_message_name(msg) + " line " + (line ? line->number : "?") + " p1=" + hex(static_cast<DWORD>(p1)) +
         " p2=" + hex(static_cast<DWORD>(p2)));
    if (stopped_) violations_.push_back(line_message_name(msg) + " after TSPI_providerShutdown");
    if (!line || !line->open) {
      violations_.push_back(line_message_name(msg) + " for a line TAPI has not open");
      WakeAllConditionVariable(&changed_);
      return;
    }
    switch (msg) {
      case LINE_NEWCALL: {
        if (htc) violations_.push_back("LINE_NEWCALL with an htCall");
        if (!p1 || !p2) {
          violations_.push_back("LINE_NEWCALL without hdCall or lphtCall");
          break;
        }
        auto* out = reinterpret_cast<HTAPICALL*>(p2);
        // An offer of a call refused before is the same hdCall again.
        TapiCall* again = nullptr;
        for (auto& c : calls_)
          if (c->hd == reinterpret_cast<HDRVCALL>(p1) && c->by_newcall && !c->closed) again = c.get();
        if (again && again->announced) {
          violations_.push_back("a second LINE_NEWCALL for a call TAPI took already (" + again->label + ")");
          break;
        }
        if (!again) {
          calls_.push_back(std::make_unique<TapiCall>());
          again = calls_.back().get();
          again->by_newcall = true;
          again->hd = reinterpret_cast<HDRVCALL>(p1);
          again->line = line;
          again->label = "new call on " + line->number;
        }
        ++again->newcall_offers;
        if (refuse_newcalls_ > 0) {
          --refuse_newcalls_;
          *out = nullptr;  // "backlogged": the TSP must offer it again or drop it, and say nothing else of it
          break;
        }
        again->announced = true;
        *out = again->ht();
        unclaimed_.push_back(again);
        break;
      }
      case LINE_CALLSTATE:
      case LINE_CALLINFO:
      case LINE_GENERATE:
      case LINE_MONITORDIGITS:
      case LINE_GATHERDIGITS:
      case LINE_MONITORTONE:
      case LINE_MONITORMEDIA: {
        TapiCall* c = known_call(htc);
        if (!c || c->line != line) {
          violations_.push_back(line_message_name(msg) + " for an htCall TAPI does not know on line " + line->number);
          break;
        }
        if (c->created_by && !c->creation_completed)
          violations_.push_back(line_message_name(msg) + " for " + c->label +
                                " before its creating request completed (start lifetime rule)");
        if (c->by_newcall && c->states.empty() && msg != LINE_CALLSTATE)
          violations_.push_back(c->label + ": " + line_message_name(msg) + " before its first LINE_CALLSTATE");
        if (c->closed) violations_.push_back(line_message_name(msg) + " for " + c->label + " after TSPI_lineCloseCall");
        if (!c->first_event_seq) c->first_event_seq = seq;
        if (msg == LINE_CALLSTATE) {
          if (p3 != LINEMEDIAMODE_INTERACTIVEVOICE && p3 != LINEMEDIAMODE_DATAMODEM)
            violations_.push_back(c->label + ": LINE_CALLSTATE media mode " + hex(static_cast<DWORD>(p3)));
          c->states.push_back({static_cast<DWORD>(p1), p2, status_state, status_features, std::move(others), seq});
        } else if (msg == LINE_CALLINFO) {
          c->info_changes.push_back(static_cast<DWORD>(p1));
        } else {
          // dwParam3: the tick count at which it happened (TSPI), never in the future.
          if (p3 == 0 || static_cast<DWORD>(GetTickCount() - static_cast<DWORD>(p3)) > 60'000)
            violations_.push_back(c->label + ": " + line_message_name(msg) + " with dwParam3 " +
                                  hex(static_cast<DWORD>(p3)) + ", not a recent tick count");
          c->media.push_back({msg, p1, p2, p3, seq});
        }
        break;
      }
      case LINE_LINEDEVSTATE:
        line->devstates.push_back(static_cast<DWORD>(p1));
        break;
      case LINE_ADDRESSSTATE:
        if (p1 != 0) violations_.push_back("LINE_ADDRESSSTATE for address " + std::to_string(p1));
        line->addrstates.push_back(p2);
        break;
      case LINE_AGENTSTATUS:
        // dwParam1 the address (0), dwParam2 LINEAGENTSTATUS_ bits, never none; no call.
        if (htc) violations_.push_back("LINE_AGENTSTATUS with an htCall");
        if (p1 != 0) violations_.push_back("LINE_AGENTSTATUS for address " + std::to_string(p1));
        if (p2 == 0 || (p2 & ~static_cast<DWORD_PTR>(0x1FF)))
          violations_.push_back("LINE_AGENTSTATUS with dwParam2 " + hex(static_cast<DWORD>(p2)));
        line->agentstates.push_back(p2);
        break;
      case LINE_QUEUESTATUS:
        // dwParam1 the queue's id, dwParam2 LINEQUEUESTATUS_ bits; no call.
        if (htc) violations_.push_back("LINE_QUEUESTATUS with an htCall");
        if (p1 == 0 || p2 == 0 || (p2 & ~static_cast<DWORD_PTR>(0x7)))
          violations_.push_back("LINE_QUEUESTATUS with dwParam1 " + hex(static_cast<DWORD>(p1)) + ", dwParam2 " +
                                hex(static_cast<DWORD>(p2)));
        line->queuestates.emplace_back(p1, p2);
        break;
      default:
        violations_.push_back("unexpected " + line_message_name(msg));
        break;
    }
    WakeAllConditionVariable(&changed_);
  }
}

DWORD FakeTapi::start() {
  DWORD v = 0;
  if (LONG rc = tsp_.TSPI_lineNegotiateTSPIVersion(INITIALIZE_NEGOTIATION, 0x00010003, 0x00030001, &v); rc != 0)
    throw Failure("TSPI_lineNegotiateTSPIVersion(INITIALIZE_NEGOTIATION) = " + error_name(rc));
  if (v != 0x00030000) throw Failure("negotiated TSPI version " + hex(v) + ", expected 0x30000");
  version_ = v;
  DWORD lines = 0xDEAD, phones = 0xDEAD;
  if (LONG rc = tsp_.TSPI_providerEnumDevices(kProviderId, &lines, &phones, kProvider, &on_line_create, nullptr); rc != 0)
    throw Failure("TSPI_providerEnumDevices = " + error_name(rc));
  if (phones != 0) throw Failure("the TSP enumerated " + std::to_string(phones) + " phones, expected none");
  num_lines_ = lines;
  DWORD options = 0xDEAD;
  if (LONG rc = tsp_.TSPI_providerInit(v, kProviderId, kLineBase, 0, lines, 0, &on_completion, &options); rc != 0)
    throw Failure("TSPI_providerInit = " + error_name(rc));
  if (options & ~static_cast<DWORD>(LINETSPIOPTION_NONREENTRANT))
    throw Failure("TSPI_providerInit set unknown options " + hex(options));
  started_ = true;
  for (DWORD i = 0; i < lines; ++i) {
    auto l = std::make_unique<TapiLine>();
    l->device_id = kLineBase + i;
    DWORD dv = 0;
    if (LONG rc = tsp_.TSPI_lineNegotiateTSPIVersion(l->device_id, 0x00020000, 0x00030001, &dv); rc != 0)
      throw Failure("TSPI_lineNegotiateTSPIVersion(" + std::to_string(l->device_id) + ") = " + error_name(rc));
    l->version = dv;
    Lock g(lock_);
    lines_.push_back(std::move(l));
  }
  return lines;
}

void FakeTapi::add_line(DWORD device_id) {
  auto l = std::make_unique<TapiLine>();
  l->device_id = device_id;
  DWORD dv = 0;
  if (LONG rc = tsp_.TSPI_lineNegotiateTSPIVersion(device_id, 0x00020000, 0x00030001, &dv); rc != 0)
    throw Failure("TSPI_lineNegotiateTSPIVersion(" + std::to_string(device_id) + ") = " + error_name(rc));
  l->version = dv;
  Lock g(lock_);
  lines_.push_back(std::move(l));
}

std::vector<TapiLine*> FakeTapi::lines() {
  std::vector<TapiLine*> out;
  Lock g(lock_);
  for (auto& l : lines_) out.push_back(l.get());
  return out;
}

TapiLine& FakeTapi::open(const std::string& number) {
  for (TapiLine* l : lines()) {
    if (l->number.empty()) {
      std::vector<BYTE> buf(4096);
      auto* caps = reinterpret_cast<LINEADDRESSCAPS*>(buf.data());
      caps->dwTotalSize = static_cast<DWORD>(buf.size());
      if (LONG rc = tsp_.TSPI_lineGetAddressCaps(l->device_id, 0, l->version, 0, caps); rc != 0)
        throw Failure("TSPI_lineGetAddressCaps(" + std::to_string(l->device_id) + ") = " + error_name(rc));
      if (caps->dwAddressSize >= sizeof(wchar_t))
        l->number = narrow(std::wstring(reinterpret_cast<const wchar_t*>(buf.data() + caps->dwAddressOffset),
                                        caps->dwAddressSize / sizeof(wchar_t) - 1));
    }
    if (l->number != number) continue;
    {
      Lock g(lock_);
      l->open = true;  // before TSPI_lineOpen returns, the TSP may already report on it
    }
    if (LONG rc = tsp_.TSPI_lineOpen(l->device_id, l->ht(), &l->hd, l->version, &on_line_event); rc != 0) {
      Lock g(lock_);
      l->open = false;
      throw Failure("TSPI_lineOpen(" + number + ") = " + error_name(rc));
    }
    if (LONG rc = tsp_.TSPI_lineSetDefaultMediaDetection(l->hd, LINEMEDIAMODE_INTERACTIVEVOICE); rc != 0)
      throw Failure("TSPI_lineSetDefaultMediaDetection(" + number + ") = " + error_name(rc));
    return *l;
  }
  throw Failure("no line device has the address " + number);
}

void FakeTapi::shutdown() {
  const LONG rc = tsp_.TSPI_providerShutdown(version_, kProviderId);
  Lock g(lock_);
  stopped_ = true;
  if (rc != 0) violations_.push_back("TSPI_providerShutdown = " + error_name(rc));
}

TapiCall& FakeTapi::outgoing(const std::string& label, TapiLine& line, DRV_REQUESTID id) {
  Lock g(lock_);
  calls_.push_back(std::make_unique<TapiCall>());
  TapiCall& c = *calls_.back();
  c.label = label;
  c.line = &line;
  c.created_by = id;
  return c;
}

DRV_REQUESTID FakeTapi::next_request() {
  Lock g(lock_);
  const DRV_REQUESTID id = next_request_++;
  outstanding_.push_back(id);
  LARGE_INTEGER now{};
  QueryPerformanceCounter(&now);
  issued_.emplace_back(id, now.QuadPart);
  return id;
}

void FakeTapi::expect_sync_error(LONG returned, DRV_REQUESTID id, LONG error, const std::string& what) {
  {
    Lock g(lock_);
    std::erase(outstanding_, id);
  }
  if (returned != error)
    throw Failure(what + " returned " + error_name(returned) + ", expected " + error_name(error) + " at once");
}

LONG FakeTapi::await_completion(LONG returned, DRV_REQUESTID id, const std::string& what) {
  if (returned != static_cast<LONG>(id)) {
    Lock g(lock_);
    std::erase(outstanding_, id);
    throw Failure(what + " returned " + error_name(returned) + " instead of its request id " + std::to_string(id));
  }
  LONG result = 0;
  wait(
      [&] {
        for (const Completion& c : completions_)
          if (c.id == id) {
            result = c.result;
            return true;
          }
        return false;
      },
      "the ASYNC_COMPLETION of " + what);
  return result;
}

void FakeTapi::expect_ok(LONG returned, DRV_REQUESTID id, const std::string& what) {
  if (LONG r = await_completion(returned, id, what); r != 0) throw Failure(what + " completed with " + error_name(r));
}

void FakeTapi::expect_error(LONG returned, DRV_REQUESTID id, LONG error, const std::string& what) {
  if (LONG r = await_completion(returned, id, what); r != error)
    throw Failure(what + " completed with " + error_name(r) + ", expected " + error_name(error));
}

void FakeTapi::wait(const std::function<bool()>& pred, const std::string& what) {
  const ULONGLONG deadline = GetTickCount64() + kTimeoutMs;
  AcquireSRWLockExclusive(&lock_);
  for (;;) {
    if (!violations_.empty()) break;
    if (pred()) {
      ReleaseSRWLockExclusive(&lock_);
      check_rules();
      return;
    }
    const ULONGLONG now = GetTickCount64();
    if (now >= deadline) {
      ReleaseSRWLockExclusive(&lock_);
      check_rules();
      throw Failure("waited " + std::to_string(kTimeoutMs / 1000) + " s for " + what + "; the last calls into TAPI:\n" +
                    event_log());
    }
    SleepConditionVariableSRW(&changed_, &lock_, static_cast<DWORD>(deadline - now), 0);
  }
  ReleaseSRWLockExclusive(&lock_);
  check_rules();
}

std::size_t FakeTapi::new_calls(const TapiLine& line) {
  Lock g(lock_);
  return static_cast<std::size_t>(std::count_if(calls_.begin(), calls_.end(), [&](const auto& c) {
    return c->by_newcall && c->announced && c->line == &line;
  }));
}

TapiCall& FakeTapi::wait_new_call(TapiLine& line, const std::string& label) {
  TapiCall* got = nullptr;
  wait(
      [&] {
        for (auto it = unclaimed_.begin(); it != unclaimed_.end(); ++it)
          if ((*it)->line == &line) {
            got = *it;
            unclaimed_.erase(it);
            return true;
          }
        return false;
      },
      "LINE_NEWCALL on line " + line.number + " (" + label + ")");
  Lock g(lock_);
  got->label = label;
  return *got;
}

void FakeTapi::wait_state(TapiCall& call, DWORD state) {
  wait([&] { return call.last_state() == state; },
       std::string("LINE_CALLSTATE ") + call_state_name(state) + " for " + call.label);
}

void FakeTapi::wait_devstate(TapiLine& line, DWORD state, std::size_t from) {
  wait(
      [&] {
        for (std::size_t i = from; i < line.devstates.size(); ++i)
          if (line.devstates[i] == state) return true;
        return false;
      },
      "LINE_LINEDEVSTATE " + hex(state) + " on line " + line.number);
}

void FakeTapi::wait_addrstate(TapiLine& line, DWORD_PTR state, std::size_t from) {
  wait(
      [&] {
        for (std::size_t i = from; i < line.addrstates.size(); ++i)
          if (line.addrstates[i] == state) return true;
        return false;
      },
      "LINE_ADDRESSSTATE " + hex(static_cast<DWORD>(state)) + " on line " + line.number);
}

void FakeTapi::wait_line_creates(std::size_t count) {
  wait([&] { return line_creates_.size() >= count; }, std::to_string(count) + " LINE_CREATE messages");
}

std::vector<DWORD_PTR> FakeTapi::line_create_ids() {
  Lock g(lock_);
  return line_creates_;
}

void FakeTapi::refuse_newcalls(int n) {
  Lock g(lock_);
  refuse_newcalls_ = n;
}

std::vector<Completion> FakeTapi::completions() {
  Lock g(lock_);
  return completions_;
}

LINECALLSTATUS FakeTapi::call_status(Tsp& tsp, TapiCall& call) {
  LINECALLSTATUS s{};
  s.dwTotalSize = sizeof s;
  if (LONG rc = tsp.TSPI_lineGetCallStatus(call.hd, &s); rc != 0)
    throw Failure("TSPI_lineGetCallStatus(" + call.label + ") = " + error_name(rc));
  return s;
}

}  // namespace telsim::tsp::host
