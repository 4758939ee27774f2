#pragma once
/// A Pbx on a ManualScheduler with a recorder that keeps everything it publishes, so PBX tests
/// can drive virtual time and assert on call-state events, replies and call records.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/printers.hpp"
#include "telsim/models/pbx.hpp"

namespace telsim::test {

using namespace std::chrono_literals;

/// Observer that stores every event, reply and record in arrival order.
class PbxRecorder final : public PbxObserver {
 public:
  void on_call_state(const CallStateEvent& event) override { events.push_back(event); }
  void on_reply(const OpResult& reply) override {
    // Every refusal says why (OpResult::detail, what the runner and the server show); a
    // success has nothing to explain.
    if (!reply.ok() && reply.detail.empty()) ADD_FAILURE() << "a refusal without its reason: " << reply;
    if (reply.ok() && !reply.detail.empty()) ADD_FAILURE() << "a success with a refusal reason: " << reply.detail;
    replies.push_back(reply);
  }
  void on_call_record(const CallRecord& record) override { records.push_back(record); }

  std::vector<CallStateEvent> events_of(CallId id) const {
    std::vector<CallStateEvent> out;
    for (const auto& e : events) {
      if (e.call == id) out.push_back(e);
    }
    return out;
  }
  /// The states a call went through, in order (the `to` of each of its events).
  std::vector<CallState> states_of(CallId id) const {
    std::vector<CallState> out;
    for (const auto& e : events) {
      if (e.call == id) out.push_back(e.to);
    }
    return out;
  }
  std::vector<StateStamp> stamps_of(CallId id) const {
    std::vector<StateStamp> out;
    for (const auto& e : events) {
      if (e.call == id) out.push_back(StateStamp{e.to, e.at});
    }
    return out;
  }
  std::vector<CallRecord> records_of(CallId id) const {
    std::vector<CallRecord> out;
    for (const auto& r : records) {
      if (r.serial == id.serial) out.push_back(r);
    }
    return out;
  }
  /// The one record of a call; fails the test (and returns an empty record) otherwise.
  CallRecord record_of(CallId id) const {
    const auto found = records_of(id);
    if (found.size() != 1) {
      ADD_FAILURE() << "expected exactly one record for " << to_string(id) << ", found "
                    << found.size();
      return {};
    }
    return found.front();
  }
  /// The last event of a call, if any.
  std::optional<CallStateEvent> last_event_of(CallId id) const {
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (it->call == id) return *it;
    }
    return std::nullopt;
  }

  std::vector<CallStateEvent> events;
  std::vector<OpResult> replies;
  std::vector<CallRecord> records;
};

inline LineConfig station(std::string number, Behavior behavior) {
  LineConfig c;
  c.name = "ext " + number;
  c.number = std::move(number);
  c.behavior = behavior;
  return c;
}
inline LineConfig manual(std::string number) { return station(std::move(number), Behavior{}); }
inline Behavior behavior(Behavior::Kind kind) {
  Behavior b;
  b.kind = kind;
  return b;
}
inline Behavior auto_station(std::optional<Duration> answer_after,
                             std::optional<Duration> hangup_after = std::nullopt) {
  Behavior b;
  b.kind = Behavior::Kind::Auto;
  b.answer_after = answer_after;
  b.hangup_after = hangup_after;
  return b;
}

inline PbxConfig config_of(std::vector<LineConfig> lines) {
  PbxConfig c;
  c.lines = std::move(lines);
  return c;
}

/// One simulated PBX: scheduler, recorder and the Pbx observed by it.
class World {
 public:
  explicit World(PbxConfig config) : pbx(sched, std::move(config)) { pbx.add_observer(&rec); }
  explicit World(std::vector<LineConfig> lines) : World(config_of(std::move(lines))) {}

  LineId line(std::string_view number) const {
    const auto id = pbx.find_line(number);
    if (!id) ADD_FAILURE() << "no line " << number;
    return id.value_or(0);
  }
  /// make_call that must succeed; returns the new handle.
  CallId call(std::string_view from, std::string_view number) {
    const OpResult r = pbx.make_call(line(from), number);
    EXPECT_TRUE(r.ok()) << "make_call from " << from << " to " << number << ": " << r;
    EXPECT_TRUE(static_cast<bool>(r.call));
    return r.call;
  }
  /// The newest handle on a line (an incoming call just offered, say).
  CallId newest_on(std::string_view number) const {
    const auto& calls = pbx.line(line(number)).calls;
    if (calls.empty()) {
      ADD_FAILURE() << "no call on line " << number;
      return {};
    }
    return calls.back();
  }
  /// Current state of a handle, nullopt once it is deallocated.
  std::optional<CallState> state(CallId id) const {
    const Call* c = pbx.find_call(id);
    if (!c) return std::nullopt;
    return c->state;
  }
  /// The call-control features the call allows now (LINECALLSTATUS dwCallFeatures without the
  /// media operations', which pbx_media_test.cpp holds by state).
  std::uint32_t features(CallId id) const {
    if (!pbx.find_call(id)) ADD_FAILURE() << "no call " << to_string(id);
    return pbx.call_features(id) & ~media_features();
  }
  void run_until(SimTime t) { sched.run_until(t); }

  ManualScheduler sched;
  PbxRecorder rec;
  Pbx pbx;
};

/// Performs a basic call operation by its Op name; Dial sends "1".
inline OpResult perform(Pbx& pbx, Op op, CallId id) {
  switch (op) {
    case Op::Dial: return pbx.dial(id, "1");
    case Op::Accept: return pbx.accept(id);
    case Op::Answer: return pbx.answer(id);
    case Op::Drop: return pbx.drop(id);
    case Op::Deallocate: return pbx.deallocate(id);
    case Op::Hold: return pbx.hold(id);
    case Op::Unhold: return pbx.unhold(id);
    default: break;  // operations that need more than a call handle
  }
  ADD_FAILURE() << "perform() only does operations on one call, not " << to_string(op);
  return {};
}

/// The basic TAPI call operations, each taking only a call handle.
inline constexpr Op kCallOps[] = {Op::Dial,       Op::Accept, Op::Answer, Op::Drop,
                                  Op::Deallocate, Op::Hold,   Op::Unhold};

}  // namespace telsim::test
