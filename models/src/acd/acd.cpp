#include "telsim/models/acd.hpp"

#include "telsim/models/tapi_names.hpp"

namespace telsim {

std::string_view to_string(AgentState s) { return tapi_names::kAgentState.name_of(static_cast<std::uint32_t>(s)); }

std::optional<AgentState> parse_agent_state(std::string_view name) {
  const auto v = tapi_names::kAgentState.value_of(name);
  if (!v || *v > static_cast<std::uint32_t>(AgentState::WorkingAfterCall)) return std::nullopt;
  return static_cast<AgentState>(*v);
}

namespace {
constexpr std::pair<AcdPolicy, std::string_view> kPolicies[] = {
    {AcdPolicy::LongestIdle, "longest_idle"},
    {AcdPolicy::RoundRobin, "round_robin"},
    {AcdPolicy::TopDown, "top_down"},
    {AcdPolicy::Skills, "skills"}};
}  // namespace

std::string_view to_string(AcdPolicy p) {
  for (const auto& [policy, name] : kPolicies)
    if (policy == p) return name;
  return "?";
}

std::optional<AcdPolicy> parse_acd_policy(std::string_view name) {
  for (const auto& [policy, n] : kPolicies)
    if (n == name) return policy;
  return std::nullopt;
}

}  // namespace telsim
