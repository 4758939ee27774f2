// The service half of tapi32: providers, devices, handles, requests and what the providers tell
// us (see service.hpp for the threads and the lock).
#include "service.hpp"

#include <algorithm>
#include <cstdio>

#include "registry.hpp"
#include "text.hpp"

namespace telsim::tapi32 {

HINSTANCE Service::module_ = nullptr;

void run_after(std::vector<std::function<void()>>& after) {
  for (auto& f : after) f();
  after.clear();
}

std::string error_name(LONG e) { return e == 0 ? "0" : telsim::tsp::line_error_name(e); }

void trace(const std::string& what) {
  static const bool on = [] {
    wchar_t v[8] = L"";
    return GetEnvironmentVariableW(L"TELSIM_TAPI32_TRACE", v, 8) > 0 && v[0] == L'1';
  }();
  if (!on) return;
  const std::string line = "tapi32: " + what + "\n";
  OutputDebugStringA(line.c_str());
  DWORD n = 0;
  WriteFile(GetStdHandle(STD_ERROR_HANDLE), line.data(), static_cast<DWORD>(line.size()), &n, nullptr);
}

Service& Service::get() {
  static Service* s = new Service();  // never destroyed: provider threads may outlive statics
  return *s;
}

Service::Service() { InitializeCriticalSection(&cs_); }

// --- handles ------------------------------------------------------------------------------------

DWORD Service::new_handle() {
  // One sequence for every kind of handle, so that one passed as another kind is refused.
  DWORD h = next_handle_++;
  if (next_handle_ >= 0x7FFF0000) next_handle_ = 0x10000;
  return h;
}

template <typename M>
static auto* find_in(M& map, DWORD key) {
  auto it = map.find(key);
  return it == map.end() ? nullptr : it->second.get();
}

App* Service::app(DWORD h) {
  App* a = find_in(apps_, h);
  return a && !a->closing ? a : nullptr;
}
LineOpen* Service::line(DWORD h) { return find_in(lines_, h); }
CallHandle* Service::call_handle(DWORD h) { return find_in(call_handles_, h); }
TapiCall* Service::call(DWORD id) { return find_in(calls_, id); }
Device* Service::device(DWORD id) { return id < devices_.size() ? devices_[id].get() : nullptr; }

// --- the providers ------------------------------------------------------------------------------

LONG Service::start() {
  AcquireSRWLockExclusive(&start_lock_);
  {
    Locked l;
    if (started_) {
      ReleaseSRWLockExclusive(&start_lock_);
      return 0;
    }
  }
  load_providers();
  {
    Locked l;
    started_ = true;
    if (!worker_) {
      work_ready_ = CreateEventW(nullptr, FALSE, FALSE, nullptr);
      worker_ = CreateThread(nullptr, 0, &Service::worker_main, this, 0, nullptr);
    }
  }
  ReleaseSRWLockExclusive(&start_lock_);
  return 0;
}

void Service::load_providers() {
  const std::vector<ProviderEntry> entries = provider_entries();
  trace(std::to_string(entries.size()) + " providers in the registry");
  for (std::size_t index = 0; index < entries.size(); ++index) {
    const ProviderEntry& e = entries[index];
    auto p = std::make_unique<Provider>();
    p->permanent_id = e.id;
    p->file = e.file;
    p->module = LoadLibraryW(e.file.c_str());
    if (!p->module) {
      trace("cannot load " + tsp::narrow(e.file) + " (error " + std::to_string(GetLastError()) + ")");
      continue;
    }
#define TELSIM_TSPI_RESOLVE(name) \
  p->name = reinterpret_cast<decltype(p->name)>(reinterpret_cast<void*>(GetProcAddress(p->module, #name)));
    TELSIM_TSPI_FUNCTIONS(TELSIM_TSPI_RESOLVE)
    // telsim.tsp's extensions (telsim_ext.h): this process's provider instance shares its lines
    // with the other processes' at the server, which keeps their privileges.
    TELSIM_TSPI_RESOLVE(TELSIM_providerShareLines)
    TELSIM_TSPI_RESOLVE(TELSIM_lineGetCallPrivilege)
    TELSIM_TSPI_RESOLVE(TELSIM_lineHandoff)
    TELSIM_TSPI_RESOLVE(TELSIM_lineSetCallPrivilege)
    TELSIM_TSPI_RESOLVE(TELSIM_lineProxyRequest)  // the agent handler (agents.cpp)
#undef TELSIM_TSPI_RESOLVE
    if (p->TELSIM_providerShareLines && p->TELSIM_lineGetCallPrivilege && p->TELSIM_lineHandoff &&
        p->TELSIM_lineSetCallPrivilege) {
      wchar_t path[MAX_PATH] = L"";
      GetModuleFileNameW(nullptr, path, MAX_PATH);
      const std::wstring exe(path);
      p->shared = p->TELSIM_providerShareLines(TELSIM_EXT_VERSION, exe.substr(exe.find_last_of(L"\\/") + 1).c_str()) == 0;
      trace("provider " + tsp::narrow(e.file) + (p->shared ? ": lines shared with other processes" : ": lines not shared"));
    }
    DWORD v = 0;
    if (!p->TSPI_lineNegotiateTSPIVersion || !p->TSPI_providerInit ||
        p->TSPI_lineNegotiateTSPIVersion(INITIALIZE_NEGOTIATION, kLowestTspi, kHighestTspi, &v) != 0) {
      trace("provider " + tsp::narrow(e.file) + ": no TSPI version in common");
      FreeLibrary(p->module);
      continue;
    }
    p->tspi_version = v;
    DWORD lines = 0, phones = 0;
    const HPROVIDER hp = reinterpret_cast<HPROVIDER>(static_cast<std::uintptr_t>(index + 1));
    if (p->TSPI_providerEnumDevices &&
        p->TSPI_providerEnumDevices(e.id, &lines, &phones, hp, &Service::on_line_create, &Service::on_phone_event) != 0) {
      trace("provider " + tsp::narrow(e.file) + ": TSPI_providerEnumDevices failed");
      FreeLibrary(p->module);
      continue;
    }
    DWORD base = 0;
    {
      Locked l;
      base = static_cast<DWORD>(devices_.size());
    }
    DWORD options = 0;
    if (LONG rc = p->TSPI_providerInit(v, e.id, base, 0, lines, phones, &Service::on_completion, &options); rc != 0) {
      trace("provider " + tsp::narrow(e.file) + ": TSPI_providerInit = " + error_name(rc));
      FreeLibrary(p->module);
      continue;
    }
    p->initialized = true;
    p->nonreentrant = (options & LINETSPIOPTION_NONREENTRANT) != 0;
    p->line_base = base;
    p->num_lines = lines;
    Locked l;
    for (DWORD i = 0; i < lines; ++i) {
      auto d = std::make_unique<Device>();
      d->id = base + i;
      d->provider = p.get();
      DWORD dv = 0;
      d->tspi_version =
          p->TSPI_lineNegotiateTSPIVersion(d->id, kLowestTspi, kHighestTspi, &dv) == 0 ? dv : p->tspi_version;
      if (p->TSPI_lineGetDevCaps) {
        std::vector<BYTE> buf(sizeof(LINEDEVCAPS) + 4096);
        auto* caps = reinterpret_cast<LINEDEVCAPS*>(buf.data());
        caps->dwTotalSize = static_cast<DWORD>(buf.size());
        if (p->TSPI_lineGetDevCaps(d->id, d->tspi_version, 0, caps) == 0 && caps->dwNumAddresses > 0)
          d->num_addresses = caps->dwNumAddresses;
      }
      devices_.push_back(std::move(d));
    }
    trace("provider " + tsp::narrow(e.file) + " (" + std::to_string(e.id) + "): " + std::to_string(lines) +
          " lines from device " + std::to_string(base));
    providers_.push_back(std::move(p));
  }
}

void Service::stop_if_unused() {
  AcquireSRWLockExclusive(&start_lock_);
  std::vector<std::unique_ptr<Provider>> providers;
  {
    Locked l;
    if (!started_ || !apps_.empty()) {
      ReleaseSRWLockExclusive(&start_lock_);
      return;
    }
    started_ = false;
    providers = std::move(providers_);
    providers_.clear();
    devices_.clear();
    calls_.clear();
    call_handles_.clear();
    lines_.clear();
  }
  // What the worker still has to do for these providers runs first.
  HANDLE done = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  defer({[done] { SetEvent(done); }});
  WaitForSingleObject(done, 30'000);
  CloseHandle(done);
  for (auto& p : providers) {
    if (p->initialized && p->TSPI_providerShutdown) p->TSPI_providerShutdown(p->tspi_version, p->permanent_id);
    FreeLibrary(p->module);
  }
  {
    Locked l;
    requests_.clear();  // the providers completed what was left; nobody waits for the replies
  }
  ReleaseSRWLockExclusive(&start_lock_);
}

// --- the worker: provider calls that must not be made under the lock ------------------------------

void Service::defer(std::vector<std::function<void()>> work) {
  if (work.empty()) return;
  Locked l;
  for (auto& w : work) work_.push_back(std::move(w));
  if (!worker_) {
    work_ready_ = CreateEventW(nullptr, FALSE, FALSE, nullptr);
    worker_ = CreateThread(nullptr, 0, &Service::worker_main, this, 0, nullptr);
  }
  SetEvent(work_ready_);
}

DWORD WINAPI Service::worker_main(void* self) {
  auto& s = *static_cast<Service*>(self);
  for (;;) {
    WaitForSingleObject(s.work_ready_, INFINITE);
    for (;;) {
      std::function<void()> f;
      {
        Locked l;
        if (s.work_.empty()) break;
        f = std::move(s.work_.front());
        s.work_.pop_front();
      }
      f();
    }
  }
}

// --- requests -----------------------------------------------------------------------------------

Request& Service::new_request(DWORD app, DWORD_PTR instance) {
  DWORD id = 0;
  do {
    id = next_request_++;
    if (next_request_ >= 0x7FFFFFF0) next_request_ = 1;
  } while (requests_.count(id));
  auto r = std::make_unique<Request>();
  r->id = id;
  r->app = app;
  r->instance = instance;
  Request& ref = *r;
  requests_.emplace(id, std::move(r));
  return ref;
}

Request* Service::request(DWORD id) { return find_in(requests_, id); }

LONG Service::finish_call(DWORD id, LONG result) {
  Request* r = request(id);
  if (!r) return result;
  if (result < 0) {
    // Refused at once: nothing of it is left, and no LINE_REPLY will come.
    std::vector<std::function<void()>> after;
    for (const Request::Out& o : r->outs)
      if (CallHandle* h = call_handle(o.handle)) {
        TapiCall* c = call(h->call);
        call_handles_.erase(o.handle);
        if (c) std::erase(c->handles, o.handle);
      }
    for (DWORD cid : r->created)
      if (TapiCall* c = call(cid)) {
        if (c->hd) close_call(*c, after);  // the provider made a handle after all
        else calls_.erase(cid);
      }
    requests_.erase(id);
    defer(std::move(after));
    return result;
  }
  r->returned = true;
  if (r->completed) {
    if (App* a = app(r->app)) {
      for (Message& m : a->queue)
        if (m.held_by == id) m.held_by = 0;
      release(*a);
    }
    requests_.erase(id);
  }
  return result;
}

void CALLBACK Service::on_completion(DRV_REQUESTID id, LONG result) { get().completion(id, result); }

void Service::completion(DRV_REQUESTID id, LONG result) {
  Locked l;
  Request* r = request(static_cast<DWORD>(id));
  if (!r || r->completed) {
    trace("ASYNC_COMPLETION for request " + std::to_string(id) + ", which is not outstanding");
    return;
  }
  r->completed = true;
  r->result = result;
  complete(*r);
}

void Service::complete(Request& r) {
  std::vector<std::function<void()>> after;
  if (r.result == 0) {
    for (const Request::Out& o : r.outs) {
      CallHandle* h = call_handle(o.handle);
      if (!h) continue;  // its line was closed meanwhile
      h->active = true;
      if (o.where) *o.where = o.handle;
    }
    for (DWORD cid : r.created)
      if (TapiCall* c = call(cid)) {
        c->valid = true;
        c->announced = true;
        // Monitors of the line see the new call too.
        DWORD creator_line = 0;
        for (DWORD hh : c->handles)
          if (CallHandle* h = call_handle(hh)) creator_line = h->line;
        hand_out(*c, creator_line);
      }
  } else {
    for (const Request::Out& o : r.outs)
      if (CallHandle* h = call_handle(o.handle)) {
        if (TapiCall* c = call(h->call)) std::erase(c->handles, o.handle);
        call_handles_.erase(o.handle);
      }
    for (DWORD cid : r.created)
      if (TapiCall* c = call(cid)) close_call(*c, after);
  }
  if (r.on_complete) r.on_complete(r.result);
  if (App* a = app(r.app)) {
    Message m;
    m.msg = LINE_REPLY;
    m.instance = r.instance;
    m.p1 = r.id;
    m.p2 = static_cast<DWORD_PTR>(static_cast<DWORD>(r.result));
    m.held_by = r.returned ? 0 : r.id;
    post(*a, m);
  }
  const DWORD id = r.id;
  if (r.returned) requests_.erase(id);  // r is gone from here on
  defer(std::move(after));
  WakeAllConditionVariable(&changed_);  // wait_request
}

LONG Service::wait_request(const std::function<LONG(Request&)>& send, DWORD timeout_ms) {
  Request& r = new_request(0, 0);
  const DWORD id = r.id;
  auto outcome = std::make_shared<std::pair<bool, LONG>>(false, 0);
  r.on_complete = [outcome](LONG rc) { *outcome = {true, rc}; };
  const LONG rc = send(r);
  if (finish_call(id, rc >= 0 ? static_cast<LONG>(id) : rc) < 0) return rc;
  const ULONGLONG deadline = GetTickCount64() + timeout_ms;
  while (!outcome->first) {
    const ULONGLONG now = GetTickCount64();
    if (now >= deadline) {
      trace("request " + std::to_string(id) + " of TAPI's own: no answer from the provider");
      return err(LINEERR_OPERATIONFAILED);
    }
    SleepConditionVariableCS(&changed_, &cs_, static_cast<DWORD>(deadline - now));
  }
  return outcome->second;
}

DWORD Service::process_privilege_of(const TapiCall& c) {
  Device* d = device(c.device);
  if (!d || !d->provider->shared || !c.hd) return 0;
  DWORD privilege = 0, media = 0;
  if (d->provider->TELSIM_lineGetCallPrivilege(c.hd, &privilege, &media) != 0) return 0;
  return privilege;
}

// --- devices, lines, handles --------------------------------------------------------------------

LONG Service::open_device(Device& d) {
  if (d.open) return 0;
  Provider& p = *d.provider;
  if (!p.TSPI_lineOpen) return err(LINEERR_OPERATIONUNAVAIL);
  HDRVLINE hd = nullptr;
  if (LONG rc = p.TSPI_lineOpen(d.id, d.ht(), &hd, d.tspi_version, &Service::on_line_event); rc != 0) return rc;
  d.hd = hd;
  d.open = true;
  d.detect_modes = 0;
  return 0;
}

void Service::update_detection(Device& d) {
  if (!d.open) return;
  DWORD modes = 0;
  for (DWORD h : d.opens)
    if (LineOpen* l = line(h); l && (l->privileges & LINECALLPRIVILEGE_OWNER)) modes |= l->media_modes;
  if (modes == d.detect_modes) return;
  if (d.provider->TSPI_lineSetDefaultMediaDetection &&
      d.provider->TSPI_lineSetDefaultMediaDetection(d.hd, modes) == 0)
    d.detect_modes = modes;
}

CallHandle& Service::add_handle(TapiCall& c, LineOpen& l, DWORD privilege, bool by_message) {
  auto h = std::make_unique<CallHandle>();
  h->handle = new_handle();
  h->call = c.id;
  h->line = l.handle;
  h->privilege = privilege;
  h->by_message = by_message;
  CallHandle& ref = *h;
  c.handles.push_back(h->handle);
  call_handles_.emplace(h->handle, std::move(h));
  return ref;
}

void Service::remove_handle(CallHandle& h, std::vector<std::function<void()>>& after) {
  const DWORD handle = h.handle;
  TapiCall* c = call(h.call);
  call_handles_.erase(handle);
  if (!c) return;
  std::erase(c->handles, handle);
  if (c->handles.empty() && (c->state == LINECALLSTATE_IDLE || !c->valid)) close_call(*c, after);
}

void Service::close_call(TapiCall& c, std::vector<std::function<void()>>& after) {
  if (c.closed) return;
  c.closed = true;
  for (DWORD h : c.handles) call_handles_.erase(h);
  c.handles.clear();
  Device* d = device(c.device);
  const HDRVCALL hd = c.hd;
  const DWORD id = c.id;
  Provider* p = d ? d->provider : nullptr;
  after.push_back([this, p, hd, id] {
    if (p && hd && p->TSPI_lineCloseCall) p->TSPI_lineCloseCall(hd);
    Locked l;
    calls_.erase(id);
  });
}

void Service::hand_out(TapiCall& c, DWORD except) {
  Device* d = device(c.device);
  if (!d) return;
  bool has_owner = false;
  std::vector<DWORD> have;
  for (DWORD hh : c.handles)
    if (CallHandle* h = call_handle(hh)) {
      have.push_back(h->line);
      if (h->privilege == LINECALLPRIVILEGE_OWNER) has_owner = true;
    }
  // The owner, when the call is this process's to give (lines shared between processes: the
  // server gave it to this process, not to another as owner).
  DWORD owner = 0;
  if (!has_owner && process_privilege_of(c) != LINECALLPRIVILEGE_MONITOR)
    if (LineOpen* best = best_owner(c, c.media_mode, except)) owner = best->handle;
  for (DWORD lh : d->opens) {
    LineOpen* l = line(lh);
    if (!l || lh == except || std::find(have.begin(), have.end(), lh) != have.end()) continue;
    DWORD privilege = 0;
    if (lh == owner) privilege = LINECALLPRIVILEGE_OWNER;
    else if (l->privileges & LINECALLPRIVILEGE_MONITOR) privilege = LINECALLPRIVILEGE_MONITOR;
    if (!privilege) continue;
    if (l->single_address && l->address_id != c.address_id) continue;
    CallHandle& h = add_handle(c, *l, privilege, true);
    h.active = true;
    trace("call " + std::to_string(c.id) + " on device " + std::to_string(d->id) + ": handle " + std::to_string(h.handle) +
          " for line " + std::to_string(lh) + (privilege == LINECALLPRIVILEGE_OWNER ? " (owner)" : " (monitor)"));
    if (l->api_version >= 0x00020000)
      if (App* a = app(l->app)) {
        Message m;
        m.device = l->handle;
        m.msg = LINE_APPNEWCALL;
        m.instance = l->instance;
        m.p1 = c.address_id;
        m.p2 = h.handle;
        m.p3 = privilege;
        post(*a, m);
      }
  }
}

LineOpen* Service::best_owner(TapiCall& c, DWORD media_mode, DWORD except) {
  Device* d = device(c.device);
  if (!d) return nullptr;
  // Among the opens with owner privilege for the media mode, the applications in the handoff
  // priority list first (in its order), then the earliest opener.
  const std::vector<std::wstring> prio = handoff_priorities(media_mode);
  LineOpen* best = nullptr;
  std::size_t best_rank = prio.size();
  for (DWORD lh : d->opens) {
    LineOpen* l = line(lh);
    if (!l || lh == except || !(l->privileges & LINECALLPRIVILEGE_OWNER) || !(l->media_modes & media_mode) ||
        (l->single_address && l->address_id != c.address_id))
      continue;
    App* a = app(l->app);
    std::size_t rank = prio.size();
    for (std::size_t i = 0; a && i < prio.size(); ++i)
      if (_wcsicmp(prio[i].c_str(), a->module.c_str()) == 0) rank = i;
    if (!best || rank < best_rank) {
      best = l;
      best_rank = rank;
    }
  }
  return best;
}

void Service::make_owner(TapiCall& c, LineOpen& target) {
  CallHandle* th = nullptr;
  for (DWORD hh : c.handles)
    if (CallHandle* x = call_handle(hh); x && x->line == target.handle) th = x;
  App* ta = app(target.app);
  if (!th) {
    th = &add_handle(c, target, LINECALLPRIVILEGE_OWNER, true);
    th->active = true;
    if (ta && target.api_version >= 0x00020000) {
      Message m;
      m.device = target.handle;
      m.msg = LINE_APPNEWCALL;
      m.instance = target.instance;
      m.p1 = c.address_id;
      m.p2 = th->handle;
      m.p3 = LINECALLPRIVILEGE_OWNER;
      post(*ta, m);
    }
  }
  th->privilege = LINECALLPRIVILEGE_OWNER;
  th->first_state_sent = true;
  trace("call " + std::to_string(c.id) + ": line " + std::to_string(target.handle) + " becomes an owner");
  if (ta) {
    Message m;
    m.device = th->handle;
    m.msg = LINE_CALLSTATE;
    m.instance = target.instance;
    m.p1 = c.state;
    m.p2 = c.mode;
    m.p3 = LINECALLPRIVILEGE_OWNER;
    post(*ta, m);
  }
}

bool Service::process_owns(const TapiCall& c, DWORD except) {
  for (DWORD hh : c.handles)
    if (CallHandle* h = call_handle(hh); h && hh != except && h->privilege == LINECALLPRIVILEGE_OWNER) return true;
  return false;
}

void Service::process_privilege(TapiCall& c, DWORD privilege, DWORD media_mode) {
  // Another process handed this one the call: one of its applications becomes its owner (by the
  // handoff's media mode, else the call's), unless one owns it already.
  if (privilege != LINECALLPRIVILEGE_OWNER || !c.announced || c.closed || process_owns(c)) return;
  LineOpen* target = best_owner(c, media_mode ? media_mode : c.media_mode);
  if (!target)
    if (Device* d = device(c.device))
      for (DWORD lh : d->opens)
        if (LineOpen* l = line(lh); l && (l->privileges & LINECALLPRIVILEGE_OWNER) && !target) target = l;
  if (!target) {
    trace("call " + std::to_string(c.id) + " handed to this process, which has no owner for it");
    return;
  }
  make_owner(c, *target);
}

void Service::line_state(Device& d, DWORD state, DWORD p2, DWORD p3, DWORD except) {
  for (DWORD lh : d.opens) {
    LineOpen* l = line(lh);
    if (!l || lh == except) continue;
    if (!(l->line_states & state) && state != LINEDEVSTATE_REINIT) continue;
    if (App* a = app(l->app)) {
      Message m;
      m.device = l->handle;
      m.msg = LINE_LINEDEVSTATE;
      m.instance = l->instance;
      m.p1 = state;
      m.p2 = p2;
      m.p3 = p3;
      post(*a, m);
    }
  }
}

void Service::close_line(LineOpen& l, std::vector<std::function<void()>>& after, bool tell_others) {
  const DWORD handle = l.handle;
  Device* d = device(l.device);
  // Its call handles go; a call it alone owned is dropped (lineClose's rule).
  std::vector<DWORD> mine;
  for (auto& [hh, h] : call_handles_)
    if (h->line == handle) mine.push_back(hh);
  for (DWORD hh : mine) {
    CallHandle* h = call_handle(hh);
    if (!h) continue;
    TapiCall* c = call(h->call);
    bool sole_owner = h->privilege == LINECALLPRIVILEGE_OWNER;
    if (c)
      for (DWORD other : c->handles)
        if (CallHandle* o = call_handle(other); o && other != hh && o->privilege == LINECALLPRIVILEGE_OWNER)
          sole_owner = false;
    if (c && sole_owner && c->valid && c->state != LINECALLSTATE_IDLE && !c->closed && d && d->provider->TSPI_lineDrop) {
      Provider* p = d->provider;
      const HDRVCALL hd = c->hd;
      auto drop = [this, p, hd] {
        Request& r = new_request(0, 0);
        r.returned = true;
        if (p->TSPI_lineDrop(r.id, hd, nullptr, 0) < 0) requests_.erase(r.id);
      };
      if (p->shared && process_privilege_of(*c) == LINECALLPRIVILEGE_OWNER) {
        // Another process may own it too: this one steps down to monitor, and drops the call
        // only when the server says it was the last owner.
        Request& r = new_request(0, 0);
        r.returned = true;
        const DWORD cid = c->id;
        r.on_complete = [this, cid, drop](LONG rc) {
          TapiCall* k = call(cid);
          if (rc == err(LINEERR_INVALCALLSTATE) && k && !k->closed) drop();
        };
        if (p->TELSIM_lineSetCallPrivilege(r.id, hd, LINECALLPRIVILEGE_MONITOR) < 0) {
          requests_.erase(r.id);
          drop();
        }
      } else {
        drop();
      }
    }
    remove_handle(*h, after);
  }
  if (d) {
    std::erase(d->opens, handle);
    if (d->opens.empty() && d->open) {
      // The last open: the device's calls are closed first, then the line.
      for (auto& [cid, c] : calls_)
        if (c->device == d->id && !c->closed) close_call(*c, after);
      d->open = false;
      Provider* p = d->provider;
      const HDRVLINE hd = d->hd;
      d->hd = nullptr;
      after.push_back([p, hd] {
        if (p->TSPI_lineClose) p->TSPI_lineClose(hd);
      });
    } else {
      update_detection(*d);
      if (tell_others) line_state(*d, LINEDEVSTATE_CLOSE);
    }
  }
  lines_.erase(handle);
}

void Service::remove_app(App& a, std::vector<std::function<void()>>& after) {
  a.closing = true;
  std::vector<DWORD> mine;
  for (auto& [lh, l] : lines_)
    if (l->app == a.handle) mine.push_back(lh);
  for (DWORD lh : mine)
    if (LineOpen* l = line(lh)) close_line(*l, after);
  a.queue.clear();
  a.released = 0;
  WakeAllConditionVariable(&changed_);
}

// --- what the providers say ---------------------------------------------------------------------

void CALLBACK Service::on_line_event(HTAPILINE htl, HTAPICALL htc, DWORD msg, DWORD_PTR p1, DWORD_PTR p2, DWORD_PTR p3) {
  get().line_event(htl, htc, msg, p1, p2, p3);
}

void CALLBACK Service::on_phone_event(HTAPIPHONE, DWORD msg, DWORD_PTR, DWORD_PTR, DWORD_PTR) {
  trace("phone event " + std::to_string(msg) + " ignored: this TAPI has no phone devices");
}

void CALLBACK Service::on_line_create(HTAPILINE, HTAPICALL, DWORD msg, DWORD_PTR p1, DWORD_PTR p2, DWORD_PTR) {
  if (msg != LINE_CREATE) return;
  Service& s = get();
  // A new device: numbered after the others; the provider learns its id on the worker.
  Locked l;
  const std::size_t index = reinterpret_cast<std::uintptr_t>(reinterpret_cast<HPROVIDER>(p1));
  if (index == 0 || index > s.providers_.size()) return;
  Provider* p = s.providers_[index - 1].get();
  auto d = std::make_unique<Device>();
  d->id = static_cast<DWORD>(s.devices_.size());
  d->provider = p;
  d->tspi_version = p->tspi_version;
  const DWORD id = d->id;
  s.devices_.push_back(std::move(d));
  const DWORD_PTR temp = p2;
  s.defer({[&s, p, temp, id] {
    if (p->TSPI_providerCreateLineDevice) p->TSPI_providerCreateLineDevice(temp, id);
    DWORD dv = 0;
    const bool ok = p->TSPI_lineNegotiateTSPIVersion(id, kLowestTspi, kHighestTspi, &dv) == 0;
    Locked l2;
    if (Device* dev = s.device(id); dev && ok) dev->tspi_version = dv;
    // Every application hears of it: LINE_CREATE (1.4 and later), else LINEDEVSTATE_REINIT.
    for (auto& [ah, a] : s.apps_) {
      if (a->closing || a->phone) continue;
      Message m;
      if (a->api_version >= 0x00010004) {
        m.msg = LINE_CREATE;
        m.p1 = id;
      } else {
        m.msg = LINE_LINEDEVSTATE;
        m.p1 = LINEDEVSTATE_REINIT;
      }
      s.post(*a, m);
    }
  }});
}

void Service::line_event(HTAPILINE htl, HTAPICALL htc, DWORD msg, DWORD_PTR p1, DWORD_PTR p2, DWORD_PTR p3) {
  Locked l;
  const std::uintptr_t dv = reinterpret_cast<std::uintptr_t>(htl);
  Device* d = dv ? device(static_cast<DWORD>(dv - 1)) : nullptr;
  if (!d || !d->open) {
    trace("event " + tsp::line_message_name(msg) + " for a device that is not open");
    return;
  }
  switch (msg) {
    case LINE_NEWCALL: {
      auto c = std::make_unique<TapiCall>();
      c->id = new_handle();
      c->device = d->id;
      c->hd = reinterpret_cast<HDRVCALL>(p1);
      c->valid = true;
      if (d->provider->TSPI_lineGetCallAddressID) {
        DWORD a = 0;
        if (d->provider->TSPI_lineGetCallAddressID(c->hd, &a) == 0) c->address_id = a;
      }
      *reinterpret_cast<HTAPICALL*>(p2) = c->ht();
      calls_.emplace(c->id, std::move(c));
      return;
    }
    case LINE_CALLSTATE: {
      TapiCall* c = call(static_cast<DWORD>(reinterpret_cast<std::uintptr_t>(htc)));
      if (!c || c->closed) return;
      call_state(*c, static_cast<DWORD>(p1), static_cast<DWORD>(p2), static_cast<DWORD>(p3));
      return;
    }
    case LINE_CALLINFO:
    case LINE_GENERATE:
    case LINE_MONITORDIGITS:
    case LINE_MONITORMEDIA:
    case LINE_MONITORTONE:
    case LINE_GATHERDIGITS:
    case LINE_CALLDEVSPECIFIC:
    case LINE_CALLDEVSPECIFICFEATURE: {
      TapiCall* c = call(static_cast<DWORD>(reinterpret_cast<std::uintptr_t>(htc)));
      if (!c || c->closed) return;
      if (msg == LINE_MONITORMEDIA && p1) c->media_mode = static_cast<DWORD>(p1);
      if (msg == LINE_GATHERDIGITS) {
        // An ANSI gather: what the provider wrote in UTF-16 goes into the application's buffer.
        const auto g = ansi_gathers_.find(static_cast<DWORD>(p2));
        if (g != ansi_gathers_.end()) {
          for (DWORD i = 0; i < g->second.size; ++i) g->second.target[i] = static_cast<char>(g->second.wide[i]);
          ansi_gathers_.erase(g);
        }
      }
      DWORD app_msg = msg;
      if (msg == LINE_CALLDEVSPECIFIC) app_msg = LINE_DEVSPECIFIC;
      if (msg == LINE_CALLDEVSPECIFICFEATURE) app_msg = LINE_DEVSPECIFICFEATURE;
      for (DWORD hh : c->handles) {
        CallHandle* h = call_handle(hh);
        LineOpen* lo = h && h->active ? line(h->line) : nullptr;
        App* a = lo ? app(lo->app) : nullptr;
        if (!a) continue;
        Message m;
        m.device = hh;
        m.msg = app_msg;
        m.instance = lo->instance;
        m.p1 = p1;
        m.p2 = p2;
        m.p3 = p3;
        post(*a, m);
      }
      return;
    }
    case LINE_LINEDEVSTATE:
      line_state(*d, static_cast<DWORD>(p1), static_cast<DWORD>(p2), static_cast<DWORD>(p3));
      return;
    case TELSIM_LINE_CALLPRIVILEGE: {
      TapiCall* c = call(static_cast<DWORD>(reinterpret_cast<std::uintptr_t>(htc)));
      if (c && d->provider->shared) process_privilege(*c, static_cast<DWORD>(p1), static_cast<DWORD>(p2));
      return;
    }
    case LINE_ADDRESSSTATE:
    case LINE_DEVSPECIFIC:
    case LINE_DEVSPECIFICFEATURE:
    case LINE_AGENTSTATUS:
    case LINE_QUEUESTATUS:
    case LINE_CLOSE: {
      std::vector<std::function<void()>> after;
      for (DWORD lh : std::vector<DWORD>(d->opens)) {
        LineOpen* lo = line(lh);
        App* a = lo ? app(lo->app) : nullptr;
        if (!a) continue;
        if (msg == LINE_ADDRESSSTATE && !(lo->address_states & p2)) continue;
        // The agent handler's messages, to every application with the line open that knows them
        // (LINE_AGENTSTATUS: TAPI 2.0; LINE_QUEUESTATUS: 2.2).
        if (msg == LINE_AGENTSTATUS && lo->api_version < 0x00020000) continue;
        if (msg == LINE_QUEUESTATUS && lo->api_version < 0x00020002) continue;
        Message m;
        m.device = lh;
        m.msg = msg;
        m.instance = lo->instance;
        if (msg != LINE_CLOSE) {
          m.p1 = p1;
          m.p2 = p2;
          m.p3 = p3;
        }
        post(*a, m);
      }
      if (msg == LINE_CLOSE) {
        // The provider closed the line: every open of it is gone (the provider has no line now).
        d->open = false;
        d->hd = nullptr;
        for (DWORD lh : std::vector<DWORD>(d->opens))
          if (LineOpen* lo = line(lh)) close_line(*lo, after, false);
        after.clear();  // nothing to close at the provider
      }
      return;
    }
    default:
      trace("event " + tsp::line_message_name(msg) + " not passed on");
      return;
  }
}

void Service::call_state(TapiCall& c, DWORD state, DWORD mode, DWORD media) {
  c.state = state;
  c.mode = mode;
  if (media) c.media_mode = media;
  // TAPI knows a conference's members by their CONFERENCED state (lineGetConfRelatedCalls).
  if (state == LINECALLSTATE_CONFERENCED) {
    c.conference = static_cast<DWORD>(reinterpret_cast<std::uintptr_t>(reinterpret_cast<HTAPICALL>(mode)));
    if (TapiCall* conf = call(c.conference)) conf->is_conference = true;
  } else {
    c.conference = 0;
  }
  if (!c.announced) {
    c.announced = true;
    hand_out(c);
  }
  for (DWORD hh : std::vector<DWORD>(c.handles)) {
    CallHandle* h = call_handle(hh);
    if (!h || !h->active) continue;
    LineOpen* lo = line(h->line);
    App* a = lo ? app(lo->app) : nullptr;
    if (!a) continue;
    Message m;
    m.device = hh;
    m.msg = LINE_CALLSTATE;
    m.instance = lo->instance;
    m.p1 = state;
    m.p2 = mode;
    if (state == LINECALLSTATE_CONFERENCED) {
      // dwParam2: the application's own handle of the conference call.
      m.p2 = 0;
      if (TapiCall* conf = call(static_cast<DWORD>(reinterpret_cast<std::uintptr_t>(reinterpret_cast<HTAPICALL>(mode)))))
        for (DWORD ch : conf->handles)
          if (CallHandle* x = call_handle(ch); x && x->line == h->line) m.p2 = ch;
    }
    if (!h->first_state_sent && h->by_message) m.p3 = h->privilege;
    h->first_state_sent = true;
    post(*a, m);
  }
  if (state == LINECALLSTATE_IDLE && c.handles.empty()) {
    std::vector<std::function<void()>> after;
    close_call(c, after);
    defer(std::move(after));
  }
}

}  // namespace telsim::tapi32
