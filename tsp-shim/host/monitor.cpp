#include "monitor.hpp"

#include "tapi_sim.hpp"

namespace telsim::tsp::host {

Monitor::Monitor(const Endpoint& server, const std::string& token) {
  std::string why;
  if (!session_.connect(server, 5000, why)) throw Failure("monitor: " + why);
  json hello{{field::kOp, schema::op::kHello},
             {field::kVersions, json::array({schema::kProtocolVersion})},
             {field::kName, "tsp-host-monitor"}};
  if (!token.empty()) hello[field::kToken] = token;
  auto h = session_.request(hello, FakeTapi::kTimeoutMs, why);
  if (!h || !h->value(field::kOk, false)) throw Failure("monitor: hello failed: " + (h ? h->dump() : why));
  auto m = session_.request({{field::kOp, schema::op::kMonitor}, {field::kLine, schema::value::kAllLines}},
                            FakeTapi::kTimeoutMs, why);
  if (!m || !m->value(field::kOk, false)) throw Failure("monitor: monitor * failed: " + (m ? m->dump() : why));
  for (auto& e : session_.events()) frames_.push_back(std::move(e));
  session_.events().clear();
  thread_ = CreateThread(nullptr, 0, &Monitor::thread_main, this, 0, nullptr);
}

Monitor::~Monitor() {
  InterlockedExchange(&stop_, 1);
  if (thread_) {
    WaitForSingleObject(thread_, 5000);
    CloseHandle(thread_);
  }
}

DWORD WINAPI Monitor::thread_main(void* self) {
  static_cast<Monitor*>(self)->run();
  return 0;
}

void Monitor::run() {
  while (!InterlockedCompareExchange(&stop_, 0, 0)) {
    std::string why;
    auto f = session_.next(200, why);
    AcquireSRWLockExclusive(&lock_);
    if (f) frames_.push_back(std::move(*f));
    else if (!session_.connected()) error_ = why;
    WakeAllConditionVariable(&changed_);
    ReleaseSRWLockExclusive(&lock_);
    if (!f && !session_.connected()) break;
  }
}

std::vector<Monitor::State> Monitor::states(const std::string& call) {
  std::vector<State> out;
  AcquireSRWLockExclusive(&lock_);
  for (const json& f : frames_) {
    if (f.value(field::kEvent, "") != schema::event::kCallState || f.value(field::kCall, "") != call) continue;
    // BUSY's mode is its `busy_mode` (LINEBUSYMODE: a busy station, or every trunk channel taken).
    const std::string state = f.value(field::kState, "");
    const DWORD mode = state == "BUSY" ? (f.value(field::kBusyMode, "") == "TRUNK" ? DWORD{LINEBUSYMODE_TRUNK}
                                                                                   : DWORD{LINEBUSYMODE_STATION})
                                       : f.value(field::kMode, 0u);
    out.push_back({state, mode});
  }
  ReleaseSRWLockExclusive(&lock_);
  return out;
}

double Monitor::time_of(const std::string& call, const std::string& state) {
  wait_state(call, state);
  AcquireSRWLockExclusive(&lock_);
  double t = -1;
  for (const json& f : frames_)
    if (f.value(field::kEvent, "") == schema::event::kCallState && f.value(field::kCall, "") == call &&
        f.value(field::kState, "") == state) {
      t = f.value(field::kTime, -1.0);
      break;
    }
  ReleaseSRWLockExclusive(&lock_);
  if (t < 0) throw Failure("the server's " + call + " " + state + " has no time ('t')");
  return t;
}

void Monitor::wait_state(const std::string& call, const std::string& state) {
  const ULONGLONG deadline = GetTickCount64() + FakeTapi::kTimeoutMs;
  AcquireSRWLockExclusive(&lock_);
  for (;;) {
    for (const json& f : frames_)
      if (f.value(field::kEvent, "") == schema::event::kCallState && f.value(field::kCall, "") == call &&
          f.value(field::kState, "") == state) {
        ReleaseSRWLockExclusive(&lock_);
        return;
      }
    const ULONGLONG now = GetTickCount64();
    if (now >= deadline || !error_.empty()) {
      const std::string why = error_;
      ReleaseSRWLockExclusive(&lock_);
      throw Failure("the server never reported " + call + " " + state + (why.empty() ? "" : " (" + why + ")"));
    }
    SleepConditionVariableSRW(&changed_, &lock_, static_cast<DWORD>(deadline - now), 0);
  }
}

json Monitor::request(json frame) {
  std::string why;
  AcquireSRWLockExclusive(&lock_);
  const long long id = next_id_++;
  ReleaseSRWLockExclusive(&lock_);
  frame[field::kId] = id;
  if (!session_.send(frame, why)) throw Failure("monitor: " + why);
  const ULONGLONG deadline = GetTickCount64() + FakeTapi::kTimeoutMs;
  AcquireSRWLockExclusive(&lock_);
  for (;;) {
    for (const json& f : frames_)
      if (!f.contains(field::kEvent) && f.value(field::kId, json()) == json(id)) {
        json reply = f;
        ReleaseSRWLockExclusive(&lock_);
        return reply;
      }
    const ULONGLONG now = GetTickCount64();
    if (now >= deadline || !error_.empty()) {
      ReleaseSRWLockExclusive(&lock_);
      throw Failure("monitor: no reply to " + frame.dump());
    }
    SleepConditionVariableSRW(&changed_, &lock_, static_cast<DWORD>(deadline - now), 0);
  }
}

}  // namespace telsim::tsp::host
