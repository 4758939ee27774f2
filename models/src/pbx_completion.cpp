// Pbx: call completion (camp-on, callback, intrude, message) and handoff.
#include "telsim/models/pbx.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace telsim {

// --- call completion, handoff --------------------------------------------------------------

std::string_view to_string(CompletionMode m) {
  switch (m) {
    case CompletionMode::CampOn: return "CAMPON";
    case CompletionMode::Callback: return "CALLBACK";
    case CompletionMode::Intrude: return "INTRUDE";
    case CompletionMode::Message: return "MESSAGE";
  }
  return "?";
}

OpResult Pbx::complete_call(CallId id, CompletionMode mode, std::string_view owner) {
  Call* call = get(id);
  if (!call) return refuse(Op::CompleteCall, LineErr::InvalCallHandle, {}, no_call(id));
  if (!next_state(call->state, CallInput::CompleteCall))
    return refuse(Op::CompleteCall, LineErr::InvalCallState, id,
                  state_rule(*call, CallInput::CompleteCall, Op::CompleteCall));
  if (call->direction != Direction::Outgoing)
    return refuse(Op::CompleteCall, LineErr::InvalCallState, id,
                  fmt::format("{} is an incoming call; complete_call is for calls placed", to_string(id)));
  const auto target = find_line(call->to);
  if (!target)
    return refuse(Op::CompleteCall, LineErr::OperationFailed, id,
                  fmt::format("{} called '{}', which is not an extension", to_string(id), call->to));
  if (*target == call->line)
    return refuse(Op::CompleteCall, LineErr::OperationFailed, id,
                  fmt::format("{} called its own line {}", to_string(id), call->to));
  // A secure call admits no intrusion and no camp-on.
  Call* victim = nullptr;
  for (CallId cid : lines_[*target].calls) {
    Call* c = get(cid);
    if (!c || c->state == CallState::Idle) continue;
    // Either party may have secured the conversation.
    const Call* far = get(c->peer);
    const bool secured = c->secure || (far && far->secure);
    if (secured && (mode == CompletionMode::Intrude || mode == CompletionMode::CampOn))
      return refuse(Op::CompleteCall, LineErr::OperationFailed, id,
                    fmt::format("{}'s call {} is secure: no {}", lines_[*target].number, to_string(cid),
                                mode == CompletionMode::Intrude ? "intrusion" : "camp-on"));
    if (!victim && c->state == CallState::Connected && !c->is_conference) victim = c;
  }
  if (mode == CompletionMode::Intrude && !victim)
    return refuse(Op::CompleteCall, LineErr::OperationFailed, id,
                  fmt::format("{} has no CONNECTED call to intrude on", lines_[*target].number));
  const std::uint32_t completion = next_completion_++;
  const OpResult result = reply(Op::CompleteCall, LineErr::Success, id, {}, {}, completion);
  ++stats_.completions_requested;
  const LineId caller = call->line;
  const CallId leg_id = call->peer;
  const CallId victim_id = victim ? victim->id : CallId{};
  unlink(*call);
  cancel_timers(*call);
  transition(*call, CallInput::CompleteCall);  // IDLE for the caller
  if (Call* leg = get(leg_id)) far_disconnect(*leg, DisconnectMode::Normal);
  switch (mode) {
    case CompletionMode::Message:
      ++lines_[*target].messages_waiting;
      ++stats_.messages_left;
      ++stats_.completions_done;
      break;
    case CompletionMode::Intrude: {
      Call& intruder = create_call(caller, Direction::Outgoing, CallReason::Intrude);
      intruder.from = lines_[caller].number;
      intruder.to = lines_[*target].number;
      intruder.intruding_on = victim_id;
      intruder.owner = std::string(owner);
      get(victim_id)->intruders.push_back(intruder.id);
      transition(intruder, CallInput::Join);
      intruder.answered = now();
      ++stats_.intrusions;
      ++stats_.completions_done;
      break;
    }
    case CompletionMode::CampOn:
    case CompletionMode::Callback:
      completions_.push_back(Completion{completion, mode, caller, *target});
      if (!completion_check_scheduled_) {
        completion_check_scheduled_ = true;
        scheduler_.schedule(Duration::zero(), [this] {
          completion_check_scheduled_ = false;
          try_completions();
        });
      }
      break;
  }
  return result;
}

void Pbx::try_completions() {
  for (std::size_t i = 0; i < completions_.size();) {
    const Completion c = completions_[i];
    const bool target_free = !busy_for_incoming(lines_[c.target]) && idle(c.target);
    const bool caller_free = !engaged(lines_[c.caller]);
    if (!target_free || !caller_free) {
      ++i;
      continue;
    }
    completions_.erase(completions_.begin() + static_cast<std::ptrdiff_t>(i));
    run_completion(c);
  }
}

void Pbx::run_completion(const Completion& c) {
  ++stats_.completions_done;
  if (c.mode == CompletionMode::CampOn) {
    // The PBX places the call for the caller: it rings back at once and the target is
    // offered the call, reason CAMPEDON.
    Call& call = create_call(c.caller, Direction::Outgoing, CallReason::CallCompletion);
    call.from = lines_[c.caller].number;
    call.to = lines_[c.target].number;
    call.completion = c.id;
    transition(call, CallInput::Placed);
    offer_to(call, call.to, CallReason::CampedOn, 0);
    return;
  }
  // CALLBACK: ring the caller first; answering it calls the target (see answer()).
  Call& back = create_call(c.caller, Direction::Incoming, CallReason::CallCompletion);
  back.from = lines_[c.target].number;
  back.to = lines_[c.caller].number;
  back.callback_to = lines_[c.target].number;
  back.completion = c.id;
  transition(back, CallInput::Offer);
  back.ring_timer = scheduler_.schedule(config_.profile.timing.no_answer_timeout, [this, id = back.id] {
    Call* b = get(id);
    if (b && is_alerting(b->state)) {
      b->ring_timer = {};
      far_disconnect(*b, DisconnectMode::NoAnswer);
    }
  });
  station_offered(back);
}

OpResult Pbx::uncomplete_call(LineId line, std::uint32_t completion) {
  if (line >= lines_.size())
    return refuse(Op::UncompleteCall, LineErr::BadDeviceId, {}, fmt::format("no line #{}", line));
  auto it = std::find_if(completions_.begin(), completions_.end(), [&](const Completion& c) {
    return c.id == completion && c.caller == line;
  });
  if (it == completions_.end())
    return refuse(Op::UncompleteCall, LineErr::InvalCompletionId, {},
                  fmt::format("{} has no pending completion {}", lines_[line].number, completion));
  completions_.erase(it);
  ++stats_.completions_cancelled;
  return reply(Op::UncompleteCall, LineErr::Success, {}, {}, {}, completion);
}

OpResult Pbx::handoff(CallId id, std::string controller) {
  Call* call = get(id);
  if (!call) return refuse(Op::Handoff, LineErr::InvalCallHandle, {}, no_call(id));
  if (controller == call->owner)
    return refuse(Op::Handoff, LineErr::TargetSelf, id,
                  controller.empty() ? fmt::format("{} already belongs to the default controller", to_string(id))
                                     : fmt::format("{} already belongs to '{}'", to_string(id), controller));
  const OpResult result = reply(Op::Handoff, LineErr::Success, id, controller);
  call->owner = std::move(controller);
  return result;
}

}  // namespace telsim
