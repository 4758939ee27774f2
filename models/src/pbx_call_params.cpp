// LINECALLPARAMS: what an application asks of a call it makes (call_params.hpp). Checked before
// the operation changes anything (refuse_params), then taken by the new call (apply_params) and
// shown to the party it is offered to (present_params); the no-answer timeout runs from
// number_complete(), the predictive auto transfer from transition().
#include <fmt/format.h>

#include <algorithm>

#include "telsim/models/pbx.hpp"
#include "telsim/models/tapi_names.hpp"

namespace telsim {

std::optional<OpResult> Pbx::refuse_params(Op op, LineId line_id, CallId subject, const CallParams& p,
                                           const std::vector<CallId>& involved) {
  const Line& line = lines_.at(line_id);
  if (p.bearer_mode == callparam::kBearerPassthrough)
    return refuse(op, LineErr::InvalBearerMode, subject,
                  fmt::format("params bearer_mode PASSTHROUGH: the switch makes no call for it (a modem line's owner "
                              "has its modem's command interpreter handed over instead: modem_passthrough)"));
  if (p.address_id && *p.address_id != 0)
    return refuse(op, LineErr::InvalAddressId, subject,
                  fmt::format("params address_id {}: line {} has one address, id 0", *p.address_id, line.number));
  if (p.orig_address && *p.orig_address != line.number)
    return refuse(op, LineErr::InvalAddress, subject,
                  fmt::format("params orig_address '{}' is not the address of line {}", *p.orig_address, line.number));
  if (p.predictive_auto_transfer_states != 0) {
    constexpr auto kConnected = static_cast<std::uint32_t>(CallState::Connected);
    if ((p.predictive_auto_transfer_states & ~kConnected) != 0)
      return refuse(op, LineErr::InvalCallParams, subject,
                    fmt::format("params predictive_auto_transfer_states {}: this switch transfers a call by itself "
                                "only once it is CONNECTED (a blind transfer needs a far party)",
                                tapi_names::kCallState.flags(p.predictive_auto_transfer_states)));
    if (!complete_number(p.target_address))
      return refuse(op, LineErr::InvalAddress, subject,
                    fmt::format("params target_address '{}' is not a complete number of the dial plan", p.target_address));
  } else if (!p.target_address.empty()) {
    return refuse(op, LineErr::InvalCallParams, subject,
                  "params target_address is for predictive_auto_transfer_states, which are not given");
  }
  if (op != Op::Forward && p.has(callparam::kIdle)) {
    // LINECALLPARAMFLAGS_IDLE: originate on an idle call appearance; the line's single address
    // has none while another call of it is in progress (TAPI: LINEERR_CALLUNAVAIL).
    for (CallId id : line.calls) {
      const Call* c = get_const(id);
      if (!c || c->state == CallState::Idle) continue;
      if (std::find(involved.begin(), involved.end(), id) != involved.end()) continue;
      return refuse(op, LineErr::CallUnavail, subject,
                    fmt::format("params flags IDLE: {} has {} {}, no idle call appearance", line.number,
                                to_string(c->id), to_string(c->state)));
    }
  }
  return std::nullopt;
}

void Pbx::apply_params(Call& call, const CallParams& p) {
  if (p.has(callparam::kSecure)) call.secure = true;
  call.caller_blocked = p.has(callparam::kBlockId);
  call.calling_party_id = p.calling_party_id;
  call.display_text = p.display_text;
  call.user_user_info = p.user_user_info;
  call.bearer_mode = p.bearer_mode;
  call.media_mode = p.media_mode;
  if (p.no_answer_timeout && *p.no_answer_timeout > Duration::zero()) call.no_answer_timeout = p.no_answer_timeout;
  call.auto_transfer_states = p.predictive_auto_transfer_states;
  call.auto_transfer_to = p.target_address;
}

void Pbx::present_params(const Call& caller, Call& incoming) {
  if (caller.caller_blocked) {
    incoming.from.clear();
    incoming.caller_blocked = true;
  }
  incoming.calling_party_id = caller.calling_party_id;
  incoming.display_text = caller.display_text;
  incoming.user_user_info = caller.user_user_info;
  incoming.bearer_mode = caller.bearer_mode;
  incoming.media_mode = caller.media_mode;
}

void Pbx::auto_transfer(CallId id) {
  Call* call = get(id);
  if (!call || call->state != CallState::Connected || call->auto_transfer_to.empty()) return;
  const std::string target = std::move(call->auto_transfer_to);
  call->auto_transfer_to.clear();
  blind_transfer(id, target);  // a refusal is published like any other reply
}

}  // namespace telsim
