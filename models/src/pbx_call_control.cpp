// Pbx: swap hold, transfer, conference, redirect, secure call.
#include "telsim/models/pbx.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace telsim {

namespace {
// Why `call` cannot start a transfer or conference: it is a conference call, has a
// consultation call, is one, or (with `member_too`) is in a conference already. Empty if none.
std::string busy_with_consultation(const Pbx& pbx, const Call& call, bool member_too) {
  if (call.is_conference) return fmt::format("{} is a conference call", to_string(call.id));
  if (pbx.find_call(call.consult))
    return fmt::format("{} already has a consultation call {}", to_string(call.id), to_string(call.consult));
  if (pbx.find_call(call.consult_of))
    return fmt::format("{} is itself the consultation call of {}", to_string(call.id), to_string(call.consult_of));
  if (member_too && pbx.find_call(call.conference))
    return fmt::format("{} is already in conference {}", to_string(call.id), to_string(call.conference));
  return {};
}

// Why two calls of a line that are not a call and its consultation call cannot be transferred
// one to the other (TRANSFERHELD / TRANSFERMAKE): either has a consultation call of its own, is
// one, or is in a conference. Empty if none.
std::string independent_transfer_problem(const Pbx& pbx, const Call& a, const Call& b) {
  for (const Call* c : {&a, &b})
    if (std::string why = busy_with_consultation(pbx, *c, true); !why.empty())
      return fmt::format("{} and {} are not a call and its consultation call, and {}", to_string(a.id),
                         to_string(b.id), why);
  return {};
}

std::string conference_full(const Call& conference, std::size_t conference_max) {
  const std::size_t n = conference.members.size();
  return fmt::format("conference {} already has {} part{}, conference_max {}", to_string(conference.id), n,
                     n == 1 ? "y" : "ies", conference_max);
}

std::string not_complete(std::string_view number) {
  if (number.empty()) return "no number given";
  return fmt::format("'{}' is not a complete number of the dial plan", number);
}
}  // namespace

// --- call control: swap hold, transfer, conference, redirect, secure ---------------------

void Pbx::retire(Call& call) {
  // End a call of the controller's quietly: it leaves with a transfer or a collapsing
  // conference, so its far end (if any) is not disconnected.
  cancel_timers(call);
  call.peer = {};
  if (next_state(call.state, CallInput::TransferredAway)) {
    transition(call, CallInput::TransferredAway);
    return;
  }
  if (call.state != CallState::Disconnected) transition(call, CallInput::Drop, DisconnectMode::Normal);
  transition(call, CallInput::Clear);
}

OpResult Pbx::swap_hold(CallId active_id, CallId held_id) {
  Call* active = get(active_id);
  Call* held = get(held_id);
  if (!active) return refuse(Op::SwapHold, LineErr::InvalCallHandle, {}, no_call(active_id));
  if (!held) return refuse(Op::SwapHold, LineErr::InvalCallHandle, {}, no_call(held_id));
  if (active_id == held_id)
    return refuse(Op::SwapHold, LineErr::InvalCallHandle, active_id,
                  fmt::format("swap_hold needs two different calls, not {} twice", to_string(active_id)));
  if (active->line != held->line)
    return refuse(Op::SwapHold, LineErr::InvalCallHandle, active_id,
                  fmt::format("{} is on {} and {} on {}: swap_hold needs two calls of one line",
                              to_string(active_id), lines_[active->line].number, to_string(held_id),
                              lines_[held->line].number));
  if (!next_state(active->state, CallInput::SwapHold))
    return refuse(Op::SwapHold, LineErr::InvalCallState, active_id,
                  state_rule(*active, CallInput::SwapHold, "the active call of swap_hold"));
  if (!next_state(held->state, CallInput::Retrieve))
    return refuse(Op::SwapHold, LineErr::InvalCallState, active_id,
                  state_rule(*held, CallInput::Retrieve, "the held call of swap_hold"));
  const OpResult result = reply(Op::SwapHold, LineErr::Success, active_id);
  transition(*active, CallInput::SwapHold);
  start_hold_recall(*active);
  scheduler_.cancel(held->hold_timer);
  transition(*held, CallInput::Retrieve);
  return result;
}

Call& Pbx::new_consult_call(Call& about, Op op, CallId reply_call, OpResult& result, std::string_view owner,
                            const CallParams& params) {
  const CallId about_id = about.id;
  Call& consult = create_call(about.line, Direction::Outgoing, CallReason::Direct);
  Call& a = *get(about_id);
  consult.from = lines_[a.line].number;
  consult.owner = std::string(owner);
  consult.consult_of = about_id;
  consult.kind = CallKind::Consult;
  apply_params(consult, params);
  a.consult = consult.id;
  result = reply(op, LineErr::Success, reply_call, {}, consult.id);
  return consult;
}

OpResult Pbx::setup_transfer(CallId id, std::string_view number, std::string_view owner, const CallParams& params) {
  Call* call = get(id);
  if (!call) return refuse(Op::SetupTransfer, LineErr::InvalCallHandle, {}, no_call(id));
  if (!next_state(call->state, CallInput::SetupTransfer))
    return refuse(Op::SetupTransfer, LineErr::InvalCallState, id,
                  state_rule(*call, CallInput::SetupTransfer, Op::SetupTransfer));
  if (std::string why = busy_with_consultation(*this, *call, false); !why.empty())
    return refuse(Op::SetupTransfer, LineErr::InvalCallState, id, std::move(why));
  auto checked = dial_string(Op::SetupTransfer, id, number);
  if (auto* refused = std::get_if<OpResult>(&checked)) return *refused;
  const DialableAddress& address = std::get<DialableAddress>(checked);
  if (auto refused = refuse_params(Op::SetupTransfer, call->line, id, params, {id})) return *refused;
  if (lines_[call->line].calls.size() >= config_.profile.max_calls_per_line)
    return refuse(Op::SetupTransfer, config_.profile.error(Refusal::NoCallAppearance), id, appearances_reason(lines_[call->line]));
  OpResult result;
  Call& consult = new_consult_call(*call, Op::SetupTransfer, id, result, owner, params);
  Call& original = *get(id);
  transition(original, CallInput::SetupTransfer);
  transition(consult, CallInput::Seize);
  begin_dialing(consult, address);
  return result;
}

OpResult Pbx::complete_transfer(CallId id, CallId consult_id, TransferMode mode, std::string_view owner) {
  Call* first = get(id);
  if (!first) return refuse(Op::CompleteTransfer, LineErr::InvalCallHandle, {}, no_call(id));
  Call* second = get(consult_id);
  if (!second) return refuse(Op::CompleteTransfer, LineErr::InvalConsultCallHandle, id, no_call(consult_id));
  if (id == consult_id)
    return refuse(Op::CompleteTransfer, LineErr::InvalConsultCallHandle, id,
                  fmt::format("complete_transfer needs two different calls, not {} twice", to_string(id)));
  if (first->is_conference || second->is_conference)
    return refuse(Op::CompleteTransfer, LineErr::InvalConsultCallHandle, id,
                  fmt::format("{} is a conference call", to_string(first->is_conference ? id : consult_id)));
  if (first->line != second->line)
    return refuse(Op::CompleteTransfer, LineErr::InvalConsultCallHandle, id,
                  fmt::format("{} is on {} and {} on {}: complete_transfer needs two calls of one line",
                              to_string(id), lines_[first->line].number, to_string(consult_id),
                              lines_[second->line].number));
  // A call and its consultation call (in either order, as after swap_hold), or, where the switch
  // has TRANSFERHELD / TRANSFERMAKE, a held call and any other call of the line.
  const bool related = (first->consult == second->id && second->consult_of == first->id) ||
                       (second->consult == first->id && first->consult_of == second->id);
  if (!related) {
    if (std::string why = independent_transfer_problem(*this, *first, *second); !why.empty())
      return refuse(Op::CompleteTransfer, LineErr::InvalConsultCallHandle, id, std::move(why));
  }
  Call* held = is_held(first->state) ? first : second;
  Call* active = held == first ? second : first;
  if (!related) {
    if (held->state == CallState::OnHold && !config_.profile.transfer_held)
      return refuse(Op::CompleteTransfer, LineErr::InvalCallState, id,
                    fmt::format("{} is ONHOLD: this switch transfers only a call that setup_transfer put "
                                "ONHOLDPENDTRANSFER (transfer_held)",
                                to_string(held->id)));
    if (!config_.profile.transfer_make)
      return refuse(Op::CompleteTransfer, LineErr::InvalConsultCallHandle, id,
                    fmt::format("{} is not the consultation call of {} (nor the other way round), and this "
                                "switch transfers only to a consultation call (transfer_make)",
                                to_string(consult_id), to_string(id)));
  }
  if (is_held(active->state))
    return refuse(Op::CompleteTransfer, LineErr::InvalCallState, id,
                  fmt::format("{} and {} are both on hold: complete_transfer needs one of them active",
                              to_string(id), to_string(consult_id)));
  const CallInput held_input =
      mode == TransferMode::Transfer ? CallInput::CompleteTransfer : CallInput::CompleteTransferConf;
  const CallInput active_input =
      mode == TransferMode::Transfer ? CallInput::TransferredAway : CallInput::JoinConference;
  if (!next_state(held->state, held_input))
    return refuse(Op::CompleteTransfer, LineErr::InvalCallState, id,
                  state_rule(*held, held_input, "the held call of complete_transfer"));
  if (!next_state(active->state, active_input))
    return refuse(Op::CompleteTransfer, LineErr::InvalCallState, id,
                  state_rule(*active, active_input, "the active call of complete_transfer"));

  if (mode == TransferMode::Conference) {
    if (lines_[held->line].calls.size() >= config_.profile.max_calls_per_line)
      return refuse(Op::CompleteTransfer, config_.profile.error(Refusal::NoCallAppearance), id, appearances_reason(lines_[held->line]));
    const CallId held_id = held->id;
    const CallId active_id = active->id;
    Call& conf = create_call(held->line, Direction::Outgoing, CallReason::Direct);
    conf.is_conference = true;
    conf.kind = CallKind::Conference;
    conf.from = lines_[conf.line].number;
    conf.owner = std::string(owner);
    const OpResult result = reply(Op::CompleteTransfer, LineErr::Success, conf.id);
    ++stats_.conferences;
    Call& h = *get(held_id);
    Call& a = *get(active_id);
    h.consult = a.consult = h.consult_of = a.consult_of = {};
    h.conference = a.conference = conf.id;
    conf.members = {held_id, active_id};
    stats_.conference_max_size = std::max<std::uint64_t>(stats_.conference_max_size, 2);
    scheduler_.cancel(h.hold_timer);
    transition(conf, CallInput::Join);
    transition(h, CallInput::CompleteTransferConf);
    transition(a, CallInput::JoinConference);
    return result;
  }

  const OpResult result = reply(Op::CompleteTransfer, LineErr::Success, id);
  ++stats_.transfers;
  const CallId transferee_id = held->peer;
  const CallId target_id = active->peer;
  const CallState active_state = active->state;
  const std::string number = active->to;
  held->consult = held->consult_of = active->consult = active->consult_of = {};
  unlink(*held);
  unlink(*active);
  cancel_timers(*held);
  cancel_timers(*active);
  held->handed_on = active->handed_on = Call::HandedOn::Transfer;
  transition(*held, CallInput::CompleteTransfer);
  transition(*active, CallInput::TransferredAway);
  Call* transferee = get(transferee_id);
  Call* target = get(target_id);
  if (!transferee) {  // nobody left to transfer: release the target too
    if (target) far_disconnect(*target, DisconnectMode::Normal);
    return result;
  }
  if (target && (active_state == CallState::Connected || active_state == CallState::RingBack)) {
    link(*transferee, *target);
    if (is_alerting(target->state)) {
      // The transferee now waits for the ringing target, under no-answer supervision.
      scheduler_.cancel(transferee->ring_timer);
      transferee->ring_timer = scheduler_.schedule(config_.profile.timing.no_answer_timeout,
                                                   [this, transferee_id] { no_answer(transferee_id); });
    }
    return result;
  }
  // The consult was busy or still proceeding: the transferee goes on to its number.
  if (target) far_disconnect(*target, DisconnectMode::Normal);
  offer_to(*transferee, number, CallReason::Transfer, 0);
  return result;
}

OpResult Pbx::blind_transfer(CallId id, std::string_view number) {
  Call* call = get(id);
  if (!call) return refuse(Op::BlindTransfer, LineErr::InvalCallHandle, {}, no_call(id));
  if (!next_state(call->state, CallInput::BlindTransfer))
    return refuse(Op::BlindTransfer, LineErr::InvalCallState, id,
                  state_rule(*call, CallInput::BlindTransfer, Op::BlindTransfer));
  if (std::string why = busy_with_consultation(*this, *call, false); !why.empty())
    return refuse(Op::BlindTransfer, LineErr::InvalCallState, id, std::move(why));
  auto routed = destination(Op::BlindTransfer, id, number);  // nothing is dialled
  if (auto* refused = std::get_if<OpResult>(&routed)) return *refused;
  const std::string to = std::get<std::string>(std::move(routed));
  Call* transferee = get(call->peer);
  if (!transferee)
    return refuse(Op::BlindTransfer, LineErr::OperationFailed, id,
                  fmt::format("{} has no far party to transfer", to_string(id)));
  const OpResult result = reply(Op::BlindTransfer, LineErr::Success, id);
  ++stats_.transfers;
  const CallId transferee_id = transferee->id;
  const LineId transferer = call->line;
  unlink(*call);
  cancel_timers(*call);
  call->handed_on = Call::HandedOn::Transfer;
  transition(*call, CallInput::BlindTransfer);
  offer_to(*get(transferee_id), to, CallReason::Transfer, 0,
           config_.profile.transfer_recall ? std::optional<LineId>(transferer) : std::nullopt,
           lines_[transferer].number);  // the transferer moved it (RedirectingID)
  return result;
}

std::variant<OpResult, std::string> Pbx::destination(Op op, CallId id, std::string_view text) {
  // TAPI gives lineRedirect's and lineBlindTransfer's destination in the dialable address
  // format: a canonical number goes through the dialing rules, modifiers that only shape how
  // digits are outpulsed (P, T, `,`, W) are left out, since the switch routes the call itself
  // and dials nothing; what needs a call of one's own to wait on (`!`, `@`, `$`) or more
  // digits later (`;`) is refused. The digits must be a complete number of the dial plan.
  auto checked = dial_string(op, id, text);
  if (auto* refused = std::get_if<OpResult>(&checked)) return *refused;
  const DialableAddress& address = std::get<DialableAddress>(checked);
  if (address.partial)
    return refuse(op, LineErr::InvalAddress, id,
                  fmt::format("'{}' is partial (';'): {} needs the whole destination", text, to_string(op)));
  for (char c : address.number) {
    if (c == '!' || c == '@' || c == '$')
      return refuse(op, LineErr::InvalAddress, id,
                    fmt::format("'{}': '{}' needs a call of its own to wait on; {} only routes the call", text, c,
                                to_string(op)));
  }
  std::string digits = dial_digits(address.number);
  if (!complete_number(digits)) return refuse(op, LineErr::InvalAddress, id, not_complete(digits.empty() ? text : digits));
  return digits;
}

// Offer a connected party back to a line (a transfer recall); unanswered or busy, it ends.
void Pbx::recall_party(CallId party_id, LineId to, CallReason reason) {
  Call* party = get(party_id);
  if (!party) return;
  if (refuses_calls(lines_[to])) {
    far_disconnect(*party, DisconnectMode::Busy);
    return;
  }
  Call& recall = offer_recall(party_id, to, reason);
  recall.ring_timer = scheduler_.schedule(config_.profile.timing.no_answer_timeout, [this, rid = recall.id] {
    Call* r = get(rid);
    if (!r || !is_alerting(r->state)) return;
    r->ring_timer = {};
    const CallId far = r->peer;
    unlink(*r);
    far_disconnect(*r, DisconnectMode::NoAnswer);
    if (Call* f = get(far)) far_disconnect(*f, DisconnectMode::NoAnswer);
  });
  station_offered(recall);
}

OpResult Pbx::setup_conference(CallId id, std::string_view number, std::string_view owner, const CallParams& params) {
  Call* call = get(id);
  if (!call) return refuse(Op::SetupConference, LineErr::InvalCallHandle, {}, no_call(id));
  if (!next_state(call->state, CallInput::SetupConference))
    return refuse(Op::SetupConference, LineErr::InvalCallState, id,
                  state_rule(*call, CallInput::SetupConference, Op::SetupConference));
  if (std::string why = busy_with_consultation(*this, *call, true); !why.empty())
    return refuse(Op::SetupConference, LineErr::InvalCallState, id, std::move(why));
  auto checked = dial_string(Op::SetupConference, id, number);
  if (auto* refused = std::get_if<OpResult>(&checked)) return *refused;
  const DialableAddress& address = std::get<DialableAddress>(checked);
  if (auto refused = refuse_params(Op::SetupConference, call->line, id, params, {id})) return *refused;
  if (lines_[call->line].calls.size() + 2 > config_.profile.max_calls_per_line)
    return refuse(Op::SetupConference, config_.profile.error(Refusal::NoCallAppearance), id, appearances_reason(lines_[call->line], 2));
  Call& conf = create_call(call->line, Direction::Outgoing, CallReason::Direct);
  conf.is_conference = true;
  conf.kind = CallKind::Conference;
  conf.from = lines_[conf.line].number;
  conf.owner = std::string(owner);
  OpResult result;
  Call& consult = new_consult_call(conf, Op::SetupConference, conf.id, result, owner, params);
  Call& original = *get(id);
  original.conference = conf.id;
  conf.members = {id};
  ++stats_.conferences;
  stats_.conference_max_size = std::max<std::uint64_t>(stats_.conference_max_size, 1);
  transition(conf, CallInput::ConfCreate);
  transition(original, CallInput::SetupConference);
  transition(consult, CallInput::Seize);
  begin_dialing(consult, address);
  return result;
}

OpResult Pbx::prepare_add_to_conference(CallId conf_id, std::string_view number, std::string_view owner,
                                        const CallParams& params) {
  Call* conf = get(conf_id);
  if (!conf) return refuse(Op::PrepareAddToConference, LineErr::InvalConfCallHandle, {}, no_call(conf_id));
  if (!conf->is_conference)
    return refuse(Op::PrepareAddToConference, LineErr::InvalConfCallHandle, {},
                  fmt::format("{} is not a conference call", to_string(conf_id)));
  if (!next_state(conf->state, CallInput::PrepareAddConf))
    return refuse(Op::PrepareAddToConference, LineErr::InvalCallState, conf_id,
                  state_rule(*conf, CallInput::PrepareAddConf, Op::PrepareAddToConference));
  if (get(conf->consult))
    return refuse(Op::PrepareAddToConference, LineErr::InvalCallState, conf_id,
                  fmt::format("conference {} already has a consultation call {}", to_string(conf_id),
                              to_string(conf->consult)));
  if (conf->members.size() >= config_.profile.conference_max)
    return refuse(Op::PrepareAddToConference, config_.profile.error(Refusal::ConferenceFull), conf_id, conference_full(*conf, config_.profile.conference_max));
  auto checked = dial_string(Op::PrepareAddToConference, conf_id, number);
  if (auto* refused = std::get_if<OpResult>(&checked)) return *refused;
  const DialableAddress& address = std::get<DialableAddress>(checked);
  std::vector<CallId> involved = conf->members;
  involved.push_back(conf_id);
  if (auto refused = refuse_params(Op::PrepareAddToConference, conf->line, conf_id, params, involved)) return *refused;
  if (lines_[conf->line].calls.size() >= config_.profile.max_calls_per_line)
    return refuse(Op::PrepareAddToConference, config_.profile.error(Refusal::NoCallAppearance), conf_id, appearances_reason(lines_[conf->line]));
  OpResult result;
  Call& consult = new_consult_call(*conf, Op::PrepareAddToConference, conf_id, result, owner, params);
  transition(*get(conf_id), CallInput::PrepareAddConf);
  transition(consult, CallInput::Seize);
  begin_dialing(consult, address);
  return result;
}

OpResult Pbx::add_to_conference(CallId conf_id, CallId consult_id) {
  Call* conf = get(conf_id);
  if (!conf) return refuse(Op::AddToConference, LineErr::InvalConfCallHandle, {}, no_call(conf_id));
  if (!conf->is_conference)
    return refuse(Op::AddToConference, LineErr::InvalConfCallHandle, {},
                  fmt::format("{} is not a conference call", to_string(conf_id)));
  Call* consult = get(consult_id);
  // TAPI: LINEERR_INVALCALLHANDLE names hConsultCall here.
  if (!consult) return refuse(Op::AddToConference, LineErr::InvalCallHandle, conf_id, no_call(consult_id));
  if (consult->line != conf->line)
    return refuse(Op::AddToConference, LineErr::InvalCallHandle, conf_id,
                  fmt::format("{} is on {}, conference {} on {}", to_string(consult_id),
                              lines_[consult->line].number, to_string(conf_id), lines_[conf->line].number));
  if (consult->is_conference)
    return refuse(Op::AddToConference, LineErr::InvalCallHandle, conf_id,
                  fmt::format("{} is itself a conference call", to_string(consult_id)));
  if (get(consult->conference))
    return refuse(Op::AddToConference, LineErr::InvalCallHandle, conf_id,
                  fmt::format("{} is already in conference {}", to_string(consult_id), to_string(consult->conference)));
  if (conf->consult != consult_id) {
    // Any other call of the line (CONFERENCEMAKE), unless it has a consultation call of its own.
    if (!config_.profile.conference_make)
      return refuse(Op::AddToConference, LineErr::InvalCallHandle, conf_id,
                    fmt::format("{} is not the consultation call of conference {}, and this switch adds only "
                                "that (conference_make)",
                                to_string(consult_id), to_string(conf_id)));
    if (get(consult->consult))
      return refuse(Op::AddToConference, LineErr::InvalCallHandle, conf_id,
                    fmt::format("{} has a consultation call {} of its own", to_string(consult_id),
                                to_string(consult->consult)));
  }
  if (!next_state(conf->state, CallInput::AddToConference))
    return refuse(Op::AddToConference, LineErr::InvalCallState, conf_id,
                  state_rule(*conf, CallInput::AddToConference, Op::AddToConference));
  if (consult->state == CallState::OnHold && !config_.profile.conference_held)
    return refuse(Op::AddToConference, LineErr::InvalCallState, conf_id,
                  fmt::format("{} is ONHOLD, and this switch does not add held calls to a conference "
                              "(conference_held)",
                              to_string(consult_id)));
  if (!next_state(consult->state, CallInput::JoinConference))
    return refuse(Op::AddToConference, LineErr::InvalCallState, conf_id,
                  state_rule(*consult, CallInput::JoinConference, "the party add_to_conference adds"));
  if (conf->members.size() >= config_.profile.conference_max)
    return refuse(Op::AddToConference, config_.profile.error(Refusal::ConferenceFull), conf_id, conference_full(*conf, config_.profile.conference_max));
  const OpResult result = reply(Op::AddToConference, LineErr::Success, conf_id);
  if (Call* about = get(consult->consult_of)) about->consult = {};
  consult->consult_of = {};
  if (conf->consult == consult_id) conf->consult = {};
  consult->conference = conf_id;
  scheduler_.cancel(consult->hold_timer);
  consult->hold_timer = {};
  conf->members.push_back(consult_id);
  stats_.conference_max_size = std::max<std::uint64_t>(stats_.conference_max_size, conf->members.size());
  transition(*consult, CallInput::JoinConference);
  transition(*conf, CallInput::AddToConference);
  return result;
}

OpResult Pbx::remove_from_conference(CallId id) {
  Call* member = get(id);
  if (!member) return refuse(Op::RemoveFromConference, LineErr::InvalCallHandle, {}, no_call(id));
  if (!next_state(member->state, CallInput::RemoveFromConf))
    return refuse(Op::RemoveFromConference, LineErr::InvalCallState, id,
                  state_rule(*member, CallInput::RemoveFromConf, Op::RemoveFromConference));
  if (!get(member->conference))
    return refuse(Op::RemoveFromConference, LineErr::InvalCallState, id,
                  fmt::format("{} is in no conference", to_string(id)));
  if (!removable_from_conference(*member))
    return refuse(Op::RemoveFromConference, config_.profile.error(Refusal::Unsupported), id,
                  fmt::format("this switch removes only the last party added (remove_from_conference: last); "
                              "{} is not", to_string(id)));
  const OpResult result = reply(Op::RemoveFromConference, LineErr::Success, id);
  cancel_timers(*member);
  disconnect_far_end(*member, CallState::Conferenced);
  transition(*member, CallInput::RemoveFromConf);  // IDLE; on_idle leaves the conference
  return result;
}

bool Pbx::removable_from_conference(const Call& member) const {
  const Call* conf = get_const(member.conference);
  if (!conf) return false;
  switch (config_.profile.remove_from_conference) {
    case RemoveFromConf::Any: return true;
    case RemoveFromConf::Last: return !conf->members.empty() && conf->members.back() == member.id;
    case RemoveFromConf::None: return false;
  }
  return false;
}

void Pbx::leave_conference(Call& member) {
  Call* conf = get(member.conference);
  member.conference = {};
  if (!conf) return;
  auto& m = conf->members;
  m.erase(std::remove(m.begin(), m.end(), member.id), m.end());
  collapse_if_small(conf->id);
}

void Pbx::collapse_if_small(CallId conf_id) {
  if (shutting_down_) return;
  Call* conf = get(conf_id);
  if (!conf || conf->state == CallState::Idle || get(conf->consult)) return;
  if (conf->members.size() > 1) return;
  if (conf->headless) {
    // The PBX's bridge with one party left: nobody to talk to, so that party is released.
    const std::vector<CallId> left = std::move(conf->members);
    conf->members.clear();
    for (CallId id : left) {
      Call* leg = get(id);
      if (!leg) continue;
      leg->conference = {};
      const CallId party = leg->peer;
      unlink(*leg);
      if (Call* p = get(party); p && p->state != CallState::Idle && p->state != CallState::Disconnected)
        far_disconnect(*p, DisconnectMode::Normal);
      if (Call* l = get(id)) retire(*l);
    }
    retire(*get(conf_id));
    return;
  }
  // One party left: the conference collapses into a plain call with it, or (conference_collapse
  // false) stays up with it until it leaves too.
  if (!config_.profile.conference_collapse && !conf->members.empty()) return;
  if (!conf->members.empty()) {
    Call* last = get(conf->members.front());
    conf->members.clear();
    if (last) {
      last->conference = {};
      if (next_state(last->state, CallInput::Collapse)) transition(*last, CallInput::Collapse);
    }
  }
  retire(*get(conf_id));
}

void Pbx::drop_conference(Call& conf) {
  const CallId conf_id = conf.id;
  const std::vector<CallId> members = conf.members;
  conf.members.clear();
  if (Call* consult = get(conf.consult)) {
    consult->consult_of = {};
    conf.consult = {};
    drop(consult->id);
  }
  if (!config_.profile.confdrop && members.size() > 2) {
    // Without CONFDROP the other parties go on talking amongst themselves: the PBX takes the
    // conference over on its bridge, and the controller's calls end here.
    bridge_headless(conf, members);
    return;
  }
  // Without CONFDROP the two remaining parties stay connected to each other.
  Call* m0 = members.size() == 2 ? get(members[0]) : nullptr;
  Call* m1 = members.size() == 2 ? get(members[1]) : nullptr;
  Call* p0 = m0 ? get(m0->peer) : nullptr;
  Call* p1 = m1 ? get(m1->peer) : nullptr;
  const bool keep_talking = !config_.profile.confdrop && p0 && p1;
  for (CallId id : members) {
    Call* m = get(id);
    if (!m) continue;
    m->conference = {};
    cancel_timers(*m);
    if (keep_talking) {
      unlink(*m);
    } else if (m->state != CallState::Disconnected) {
      disconnect_far_end(*m, m->state);
    }
    hang_up_locally(*m);
  }
  if (keep_talking) link(*p0, *p1);
  Call& c = *get(conf_id);
  cancel_timers(c);
  hang_up_locally(c);
}

void Pbx::hang_up_locally(Call& call) {
  if (call.state == CallState::Disconnected) {
    transition(call, CallInput::Clear);
  } else if (config_.profile.local_drop_idle) {
    transition(call, CallInput::DropIdle, DisconnectMode::Normal);
  } else {
    transition(call, CallInput::Drop, DisconnectMode::Normal);
    transition(call, CallInput::Clear);
  }
}

LineId Pbx::bridge_line() {
  if (!bridge_line_) {
    const auto id = static_cast<LineId>(lines_.size());
    Behavior automatic_bridge;
    automatic_bridge.kind = Behavior::Kind::Auto;
    lines_.push_back(Line{id, "bridge", "PBX conference bridge", automatic_bridge, {}, {}, {}, {},
                          false, 0, {}});
    bridge_line_ = id;
  }
  return *bridge_line_;
}

void Pbx::bridge_headless(Call& conf, const std::vector<CallId>& members) {
  const CallId conf_id = conf.id;
  const LineId bridge = bridge_line();
  Call& bconf = create_call(bridge, Direction::Outgoing, CallReason::Direct);
  bconf.is_conference = true;
  bconf.headless = true;
  bconf.from = lines_[bridge].number;
  const CallId bconf_id = bconf.id;
  transition(bconf, CallInput::Join);
  for (CallId id : members) {
    Call* m = get(id);
    if (!m) continue;
    m->conference = {};
    cancel_timers(*m);
    const CallId party_id = m->peer;
    unlink(*m);
    if (Call* party = get(party_id); party && party->state != CallState::Idle &&
                                     party->state != CallState::Disconnected) {
      Call& leg = create_call(bridge, Direction::Incoming, CallReason::Direct);
      leg.from = party->from;
      leg.to = lines_[bridge].number;
      link(leg, *get(party_id));
      transition(leg, CallInput::Join);
      leg.answered = now();
      transition(leg, CallInput::JoinConference);
      leg.conference = bconf_id;
      get(bconf_id)->members.push_back(leg.id);
    }
    Call& mm = *get(id);
    if (mm.state != CallState::Disconnected) transition(mm, CallInput::Drop, DisconnectMode::Normal);
    transition(mm, CallInput::Clear);
  }
  Call& c = *get(conf_id);
  cancel_timers(c);
  transition(c, CallInput::Drop, DisconnectMode::Normal);
  transition(c, CallInput::Clear);
  collapse_if_small(bconf_id);
}

std::vector<CallId> Pbx::conference_related(CallId id) const {
  const Call* call = get_const(id);
  if (!call) return {};
  const Call* conf = call->is_conference ? call : get_const(call->conference);
  if (!conf) return {};
  std::vector<CallId> out{conf->id};
  out.insert(out.end(), conf->members.begin(), conf->members.end());
  return out;
}

void Pbx::consult_gone(Call& original) {
  if (shutting_down_) return;
  // The consultation call ended. With AUTORECONNECT the call it consulted about comes back.
  if (!config_.profile.autoreconnect) return;
  if (is_pending(original.state) && !engaged(lines_[original.line]))
    transition(original, CallInput::Retrieve);
}

OpResult Pbx::redirect(CallId id, std::string_view number) {
  Call* call = get(id);
  if (!call) return refuse(Op::Redirect, LineErr::InvalCallHandle, {}, no_call(id));
  if (!next_state(call->state, CallInput::Redirect))
    return refuse(Op::Redirect, LineErr::InvalCallState, id, state_rule(*call, CallInput::Redirect, Op::Redirect));
  if (call->state == CallState::Accepted && !config_.profile.redirect_from_accepted)
    return refuse(Op::Redirect, LineErr::InvalCallState, id,
                  fmt::format("{} is ACCEPTED: this switch redirects OFFERING calls only (redirect_from_accepted)",
                              to_string(id)));
  auto routed = destination(Op::Redirect, id, number);
  if (auto* refused = std::get_if<OpResult>(&routed)) return *refused;
  const std::string to = std::get<std::string>(std::move(routed));
  Call* caller = get(call->peer);
  if (!caller)
    return refuse(Op::Redirect, LineErr::OperationFailed, id, fmt::format("{} has no caller to redirect", to_string(id)));
  const OpResult result = reply(Op::Redirect, LineErr::Success, id);
  ++stats_.redirects;
  const CallId caller_id = caller->id;
  unlink(*call);
  cancel_timers(*call);
  call->handed_on = Call::HandedOn::Redirect;
  transition(*call, CallInput::Redirect);
  offer_to(*get(caller_id), to, CallReason::Redirect, 0, std::nullopt,
           lines_[get(id)->line].number);  // the redirecting line (RedirectingID)
  return result;
}

OpResult Pbx::secure_call(CallId id) {
  Call* call = get(id);
  if (!call) return refuse(Op::SecureCall, LineErr::InvalCallHandle, {}, no_call(id));
  if (!next_state(call->state, CallInput::SecureCall))
    return refuse(Op::SecureCall, refusal_error(CallInput::SecureCall), id,
                  state_rule(*call, CallInput::SecureCall, Op::SecureCall));
  const OpResult result = reply(Op::SecureCall, LineErr::Success, id);
  call->secure = true;
  return result;
}

}  // namespace telsim
