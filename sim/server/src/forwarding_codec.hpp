#pragma once
/// Forwarding rules on the wire (docs/protocol.md, `forward`, `line_status`, `address_state`).
#include <vector>

#include <nlohmann/json.hpp>

#include "telsim/models/pbx_features.hpp"

namespace telsim::serve {

/// A line's forwarding list as the wire shows it: [{"when", "to"?, "rings"?, "after"?,
/// "callers"?}], `[]` for none.
nlohmann::json forwarding_json(const std::vector<ForwardRule>& rules);

/// One rule a client sent. An `unconditional` rule without `to` is do-not-disturb. Throws
/// wire::ParamError (LINEERR_INVALPARAM) naming what is wrong.
ForwardRule forward_rule(const nlohmann::json& rule);

}  // namespace telsim::serve
