// Pbx: handoff. (Call completion is a feature module: completion/call_completion.cpp.)
#include "telsim/models/pbx.hpp"

#include <fmt/format.h>

namespace telsim {

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
