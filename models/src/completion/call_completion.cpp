// Call completion (lineCompleteCall, lineUncompleteCall): camp-on, callback, intrude and
// message, as a feature module on the Pbx core's hooks (pbx_feature.hpp). Its state is its own:
// the pending completions, their ids, the intruders of each call are released by its hooks.
#include "completion/call_completion.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "telsim/models/pbx.hpp"

namespace telsim {

std::string_view to_string(CompletionMode m) {
  switch (m) {
    case CompletionMode::CampOn: return "CAMPON";
    case CompletionMode::Callback: return "CALLBACK";
    case CompletionMode::Intrude: return "INTRUDE";
    case CompletionMode::Message: return "MESSAGE";
  }
  return "?";
}

CallCompletion::CallCompletion(Pbx& pbx) : pbx_(pbx) {}

OpResult CallCompletion::complete_call(CallId id, CompletionMode mode, std::string_view owner) {
  Call* call = pbx_.get(id);
  if (!call) return pbx_.refuse(Op::CompleteCall, LineErr::InvalCallHandle, {}, pbx_.no_call(id));
  if (!next_state(call->state, CallInput::CompleteCall))
    return pbx_.refuse(Op::CompleteCall, LineErr::InvalCallState, id,
                  pbx_.state_rule(*call, CallInput::CompleteCall, Op::CompleteCall));
  if (call->camped)
    return pbx_.refuse(Op::CompleteCall, LineErr::InvalCallState, id,
                       fmt::format("{} is camped on already (completion {})", to_string(id), call->completion));
  if (call->direction != Direction::Outgoing)
    return pbx_.refuse(Op::CompleteCall, LineErr::InvalCallState, id,
                  fmt::format("{} is an incoming call; complete_call is for calls placed", to_string(id)));
  const auto target = pbx_.find_line(call->to);
  if (!target)
    return pbx_.refuse(Op::CompleteCall, LineErr::OperationFailed, id,
                  fmt::format("{} called '{}', which is not an extension", to_string(id), call->to));
  if (*target == call->line)
    return pbx_.refuse(Op::CompleteCall, LineErr::OperationFailed, id,
                  fmt::format("{} called its own line {}", to_string(id), call->to));
  // A secure call admits no intrusion and no camp-on.
  Call* victim = nullptr;
  for (CallId cid : pbx_.lines_[*target].calls) {
    Call* c = pbx_.get(cid);
    if (!c || c->state == CallState::Idle) continue;
    // Either party may have secured the conversation.
    const Call* far = pbx_.get(c->peer);
    const bool secured = c->secure || (far && far->secure);
    if (secured && (mode == CompletionMode::Intrude || mode == CompletionMode::CampOn))
      return pbx_.refuse(Op::CompleteCall, LineErr::OperationFailed, id,
                    fmt::format("{}'s call {} is secure: no {}", pbx_.lines_[*target].number, to_string(cid),
                                mode == CompletionMode::Intrude ? "intrusion" : "camp-on"));
    if (!victim && c->state == CallState::Connected && !c->is_conference) victim = c;
  }
  if (mode == CompletionMode::Intrude && !victim)
    return pbx_.refuse(Op::CompleteCall, LineErr::OperationFailed, id,
                  fmt::format("{} has no CONNECTED call to intrude on", pbx_.lines_[*target].number));
  const std::uint32_t completion = next_completion_++;
  const OpResult result = pbx_.reply(Op::CompleteCall, LineErr::Success, id, {}, {}, completion);
  ++pbx_.stats_.completions_requested;
  const LineId caller = call->line;
  const CallId leg_id = call->peer;
  const CallId victim_id = victim ? victim->id : CallId{};
  // A ringing leg at the target stops: the call is completed another way.
  pbx_.unlink(*call);
  pbx_.cancel_timers(*call);
  if (Call* leg = pbx_.get(leg_id)) pbx_.far_disconnect(*leg, DisconnectMode::Normal);
  if (mode == CompletionMode::CampOn) {
    // LINECALLCOMPLMODE_CAMPON "queues the call until the call can be completed": the call
    // itself waits, BUSY (or RINGBACK, the no-answer condition), and goes on when the target
    // is free (see run_completion).
    call = pbx_.get(id);
    call->camped = true;
    call->completion = completion;
    completions_.push_back(Completion{completion, mode, caller, *target, id});
    schedule_check();
    return result;
  }
  pbx_.transition(*pbx_.get(id), CallInput::CompleteCall);  // IDLE for the caller
  switch (mode) {
    case CompletionMode::Message:
      ++pbx_.lines_[*target].messages_waiting;
      ++pbx_.stats_.messages_left;
      ++pbx_.stats_.completions_done;
      break;
    case CompletionMode::Intrude: {
      Call& intruder = pbx_.create_call(caller, Direction::Outgoing, CallReason::Intrude);
      intruder.from = pbx_.lines_[caller].number;
      intruder.to = pbx_.lines_[*target].number;
      intruder.intruding_on = victim_id;
      intruder.owner = std::string(owner);
      intruder.completion = completion;
      const CallId intruder_id = intruder.id;
      pbx_.get(victim_id)->intruders.push_back(intruder_id);
      pbx_.transition(intruder, CallInput::Join);
      intruder.answered = pbx_.now();
      // The intruded line sees the intrusion (LINECALLREASON_INTRUDE: "the call intruded onto
      // the line ... may appear in the connected state"): a call of its own, CONNECTED,
      // reason INTRUDE, whose caller ID names the intruder.
      const Call& v = *pbx_.get(victim_id);
      Call& shown = pbx_.create_call(v.line, Direction::Incoming, CallReason::Intrude);
      shown.from = pbx_.lines_[caller].number;
      shown.to = pbx_.lines_[*target].number;
      shown.intruder = intruder_id;
      shown.owner = v.owner;
      shown_.emplace_back(intruder_id, shown.id);
      pbx_.transition(shown, CallInput::Join);
      if (Call* sc = pbx_.get(shown_.back().second)) sc->answered = pbx_.now();
      ++pbx_.stats_.intrusions;
      ++pbx_.stats_.completions_done;
      break;
    }
    case CompletionMode::Callback:
      completions_.push_back(Completion{completion, mode, caller, *target, {}});
      schedule_check();
      break;
    case CompletionMode::CampOn: break;
  }
  return result;
}

void CallCompletion::try_completions() {
  for (std::size_t i = 0; i < completions_.size();) {
    const Completion c = completions_[i];
    const bool target_free = !pbx_.busy_for_incoming(pbx_.lines_[c.target]) && pbx_.idle(c.target);
    // A camp-on's caller is busy with the camped call itself; a callback needs a free caller.
    const bool caller_free = c.mode == CompletionMode::CampOn || !pbx_.engaged(pbx_.lines_[c.caller]);
    if (!target_free || !caller_free) {
      ++i;
      continue;
    }
    completions_.erase(completions_.begin() + static_cast<std::ptrdiff_t>(i));
    run_completion(c);
  }
}

void CallCompletion::run_completion(const Completion& c) {
  ++pbx_.stats_.completions_done;
  if (c.mode == CompletionMode::CampOn) {
    // The camped call goes on: the target is offered it, reason CAMPEDON, and the caller's call
    // (the same hCall) now rings back, reason CALLCOMPLETION with the completion id.
    Call* call = pbx_.get(c.call);
    if (!call) return;
    call->camped = false;
    call->reason = CallReason::CallCompletion;
    if (call->state == CallState::Busy) pbx_.transition(*call, CallInput::Placed);
    call = pbx_.get(c.call);
    if (!call) return;
    pbx_.offer_to(*call, pbx_.lines_[c.target].number, CallReason::CampedOn, 0);
    return;
  }
  // CALLBACK: ring the caller first; answering it calls the target (see answers()).
  Call& back = pbx_.create_call(c.caller, Direction::Incoming, CallReason::CallCompletion);
  back.from = pbx_.lines_[c.target].number;
  back.to = pbx_.lines_[c.caller].number;
  back.callback_to = pbx_.lines_[c.target].number;
  back.completion = c.id;
  pbx_.transition(back, CallInput::Offer);
  // Not answered in time: the callback stops ringing and the completion is over.
  back.ring_timer = pbx_.scheduler_.schedule(pbx_.config_.profile.timing.no_answer_timeout, [this, id = back.id] {
    Call* b = pbx_.get(id);
    if (b && is_alerting(b->state)) {
      b->ring_timer = {};
      ++pbx_.stats_.completions_cancelled;
      pbx_.far_disconnect(*b, DisconnectMode::NoAnswer);
    }
  });
  pbx_.station_offered(back);
}

OpResult CallCompletion::uncomplete_call(LineId line, std::uint32_t completion) {
  if (line >= pbx_.lines_.size())
    return pbx_.refuse(Op::UncompleteCall, LineErr::BadDeviceId, {}, fmt::format("no line #{}", line));
  auto it = std::find_if(completions_.begin(), completions_.end(), [&](const Completion& c) {
    return c.id == completion && c.caller == line;
  });
  if (it == completions_.end())
    return pbx_.refuse(Op::UncompleteCall, LineErr::InvalCompletionId, {},
                  fmt::format("{} has no pending completion {}", pbx_.lines_[line].number, completion));
  const Completion cancelled = *it;
  completions_.erase(it);
  ++pbx_.stats_.completions_cancelled;
  const OpResult result = pbx_.reply(Op::UncompleteCall, LineErr::Success, {}, {}, {}, completion);
  if (Call* call = pbx_.get(cancelled.call); call && call->camped) {
    // The camped call stops waiting. A BUSY one is a busy call again (the caller hangs up or
    // asks anew); a RINGBACK one has nothing ringing any more: it ends, NOANSWER.
    call->camped = false;
    call->completion = 0;
    if (call->state == CallState::RingBack) pbx_.far_disconnect(*call, DisconnectMode::NoAnswer);
  }
  return result;
}

void CallCompletion::release_intruders(Call& call) {
  const std::vector<CallId> intruders = std::move(call.intruders);
  call.intruders.clear();
  for (CallId i : intruders) {
    Call* intruder = pbx_.get(i);
    if (intruder && intruder->state != CallState::Idle && intruder->state != CallState::Disconnected)
      pbx_.far_disconnect(*intruder, DisconnectMode::Normal);
  }
}

void CallCompletion::schedule_check() {
  if (check_scheduled_) return;
  // Once this instant's changes are done: a line that frees now may be taken again at once.
  check_scheduled_ = true;
  pbx_.scheduler_.schedule(Duration::zero(), [this] {
    check_scheduled_ = false;
    try_completions();
  });
}

// --- hooks -------------------------------------------------------------------------------------

void CallCompletion::on_disconnected(Call& call) {
  // The call an intruder joined has ended once it is disconnected, whoever hung up.
  if (!call.intruders.empty()) release_intruders(call);
  if (call.intruding_on) end_shown(call.id);
}

void CallCompletion::end_shown(CallId intruder) {
  const auto it = std::find_if(shown_.begin(), shown_.end(), [&](const auto& p) { return p.first == intruder; });
  if (it == shown_.end()) return;
  const CallId shown_id = it->second;
  shown_.erase(it);
  Call* shown = pbx_.get(shown_id);
  if (!shown || shown->state == CallState::Idle) return;
  // Nobody on the intruded line hangs this up: it ends with the intrusion.
  shown->intruder = {};
  pbx_.cancel_timers(*shown);
  if (shown->state != CallState::Disconnected) pbx_.transition(*shown, CallInput::FarDisconnect, DisconnectMode::Normal);
  if (Call* s = pbx_.get(shown_id); s && s->state == CallState::Disconnected) pbx_.transition(*s, CallInput::Clear);
}

bool CallCompletion::answers(Call& call) {
  if (call.callback_to.empty()) return false;
  // A call-completion callback answered: now the PBX calls the target for the caller, whose
  // call rings back (CONNECTED once the target answers). From here on it is the caller's
  // call to the target.
  const std::string number = std::move(call.callback_to);
  call.callback_to.clear();
  call.direction = Direction::Outgoing;
  call.from = pbx_.lines_[call.line].number;
  call.to = number;
  const CallId id = call.id;
  pbx_.transition(call, CallInput::Placed);
  if (Call* c = pbx_.get(id)) pbx_.offer_to(*c, number, CallReason::CallCompletion, 0);
  return true;
}

void CallCompletion::on_idle(Call& call) {
  release_intruders(call);
  if (call.camped) {
    // A camped call hung up: its camp-on is cancelled.
    call.camped = false;
    const auto it = std::find_if(completions_.begin(), completions_.end(),
                                 [&](const Completion& c) { return c.call == call.id; });
    if (it != completions_.end()) {
      completions_.erase(it);
      ++pbx_.stats_.completions_cancelled;
    }
  }
  if (call.intruding_on) end_shown(call.id);  // an intruder left: its view on the intruded line goes
  if (call.intruder) {
    // The intruded line dropped the intrusion: the intruder is thrown out.
    const CallId intruder_id = call.intruder;
    call.intruder = {};
    std::erase_if(shown_, [&](const auto& p) { return p.first == intruder_id; });
    if (Call* intruder = pbx_.get(intruder_id);
        intruder && intruder->state != CallState::Idle && intruder->state != CallState::Disconnected)
      pbx_.far_disconnect(*intruder, DisconnectMode::Normal);
  }
  // A line may have become free: pending camp-ons and callbacks look again.
  if (!completions_.empty()) schedule_check();
}

void CallCompletion::on_shutdown() {
  completions_.clear();
  shown_.clear();
}

}  // namespace telsim
